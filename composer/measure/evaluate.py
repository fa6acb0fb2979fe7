"""Objective measures of music from its file: any MIDI or audio file, not only composer's.

So that a change to harmony, melody or arrangement can be judged by numbers as well as by ear,
and so that our figures can be set beside real music (a Bach chorale written out by music21,
a folk song), everything here works on the file alone (see :mod:`composer.measure.music` for
how a MIDI file is read and what is inferred from it). This module names each measure, with its
unit and meaning; the pitch, time and audio measures compute them.

``evaluate(path)`` returns a list of :class:`Measure`; ``evaluate_midi_bytes`` measures MIDI
already in memory (``piece.midi_bytes``), for tests that should not write files. A measure that
cannot be taken (no melody, no leap, silence) is ``None``, never a made-up 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from composer.audio.loudness import integrated_loudness, loudness_range, true_peak_dbtp
from composer.base.errors import ComposerError
from composer.base.theory import melodic_motion
from composer.measure.audio_measures import CLIP_LEVEL, clipped_samples, edge_levels, read_audio
from composer.measure.music import Music, melody, melody_part, read_music
from composer.measure.pitch_measures import (
    MOTIF_LENGTH,
    detect_key,
    in_key_share,
    motif_recurrence,
    outside_ranges,
    parallel_perfects,
    pitch_class_entropy,
    strong_beat_chord_tones,
)
from composer.measure.time_measures import empty_beat_rate, energy_per_bar, mean_polyphony, onset_regularity

#: A measure's value: a number, a name (the key), a series (energy per bar), or None (not defined).
Value = float | int | str | tuple[float, ...] | None

MIDI_SUFFIXES = (".mid", ".midi")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@dataclass(frozen=True)
class Measure:
    """One objective figure about a piece: its name, value, unit and a one-line meaning."""

    name: str
    value: Value
    unit: str
    meaning: str


def evaluate(path: Path) -> list[Measure]:
    """The measures of a MIDI (.mid/.midi) or audio (.wav/.flac/.ogg/.mp3) file, by its suffix."""
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        return evaluate_midi(path)
    if suffix in AUDIO_SUFFIXES:
        return evaluate_audio(path)
    raise ComposerError(
        f"cannot evaluate {path}: {suffix or 'no suffix'} is neither MIDI nor audio",
        f"give a {', '.join(MIDI_SUFFIXES + AUDIO_SUFFIXES)} file",
    )


def evaluate_midi(path: Path) -> list[Measure]:
    """The musical measures of any Standard MIDI File (see :func:`measure_music`)."""
    if not path.is_file():
        raise ComposerError(f"MIDI file {path} does not exist", "check the path")
    return measure_music(read_music(path.read_bytes(), str(path)))


def evaluate_midi_bytes(data: bytes) -> list[Measure]:
    """The musical measures of MIDI bytes in memory, e.g. ``piece.midi_bytes``."""
    return measure_music(read_music(data, "the MIDI data"))


def as_dict(measures: Iterable[Measure]) -> dict[str, Value]:
    """Measures as {name: value}, the shape of ``composer evaluate --json``.

    >>> as_dict([Measure("tempo_bpm", 120.0, "BPM", "first tempo")])
    {'tempo_bpm': 120.0}
    """
    return {m.name: m.value for m in measures}


def _rounded(value: float | None, places: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, places) + 0.0


def measure_music(music: Music) -> list[Measure]:
    """Every MIDI measure of ``music``, in a fixed order."""
    pitched = music.pitched
    key = detect_key(pitched)
    tones, judged = strong_beat_chord_tones(music)
    line = melody(music)
    steps, leaps, recovery = melodic_motion([n.pitch for n in line])
    motif = motif_recurrence(line, key) if key is not None else None
    part = melody_part(music)
    return [
        Measure("duration_s", _rounded(music.duration_s), "s", "length of the file, to its last event"),
        Measure("tempo_bpm", _rounded(music.tempo_bpm), "BPM", "first tempo of the file (120 if it sets none)"),
        Measure("key", key.name if key else None, "", "key found by music21's analysis of the pitch classes"),
        Measure("key_correlation", _rounded(key.correlation if key else None), "r",
                "how well the notes fit that key's profile (1 = perfectly, under 0.6 = no clear key)"),
        Measure("pitch_in_scale", _rounded(in_key_share(pitched, key) if key else None), "share",
                "notes in the detected key's scale (minor: raised 6th and 7th included)"),
        Measure("pitch_class_entropy", _rounded(pitch_class_entropy(n.pitch for n in pitched)), "bits",
                "spread over the 12 pitch classes (0 = one note, 3.58 = all twelve alike)"),
        Measure("melody_part", (part.name or f"part {part.notes[0].part + 1}") if part else None, "",
                "the part measured as melody and top voice (named so, else the highest)"),
        Measure("strong_beat_chord_tones", _rounded(tones / judged if judged else None), "share",
                "top-voice notes on strong beats that belong to the chord sounding under them"),
        Measure("stepwise_share", _rounded(steps), "share", "melody moves of at most a whole tone"),
        Measure("leap_share", _rounded(leaps), "share", "melody moves larger than a fifth"),
        Measure("leap_recovery", _rounded(recovery), "share", "leaps larger than a fifth followed by a turn back"),
        Measure("parallel_perfects", parallel_perfects(music), "count",
                "parallel fifths/octaves between the bass part (lowest in median pitch) and the top"),
        Measure("outside_gm_range", outside_ranges(music), "notes",
                "notes outside their General MIDI instrument's comfortable range"),
        Measure("empty_beat_rate", _rounded(empty_beat_rate(music)), "share", "beats in which nothing sounds"),
        Measure("mean_polyphony", _rounded(mean_polyphony(music)), "notes",
                "pitched notes sounding at once, while anything sounds"),
        Measure("motif_recurrence", motif[0] if motif else None, "share",
                f"{MOTIF_LENGTH}-note melody figures (scale-step intervals, rhythm) repeating an earlier one"),
        Measure("motif_top_count", motif[1] if motif else None, "times", "how often the commonest such pattern occurs"),
        Measure("energy_per_bar", energy_per_bar(music), "vel/bar",
                "notes per bar weighted by velocity (velocity/127), bar by bar"),
        Measure("onset_regularity", _rounded(onset_regularity(music)), "CV",
                "spread of the time between onsets (0 = steady pulse, ~1 = random)"),
    ]


def evaluate_audio(path: Path) -> list[Measure]:
    """The technical measures of an audio file: length, loudness, peaks, range and edges."""
    audio, rate = read_audio(path)
    start_level, end_level = edge_levels(audio, rate)
    return [
        Measure("length_s", _rounded(len(audio) / rate, 6), "s", "length of the audio"),
        Measure("frames", len(audio), "frames", "samples per channel"),
        Measure("sample_rate", rate, "Hz", "samples per second"),
        Measure("channels", int(audio.shape[1]), "", "1 = mono, 2 = stereo"),
        Measure("loudness_lufs", _rounded(integrated_loudness(audio, rate)), "LUFS",
                "integrated loudness, ITU-R BS.1770 (-14 social, -16 web, -23 broadcast)"),
        Measure("true_peak_dbtp", _rounded(true_peak_dbtp(audio)), "dBTP",
                "highest peak between samples, 4x oversampled (keep at or under -1)"),
        Measure("loudness_range_lu", _rounded(loudness_range(audio, rate)), "LU",
                "EBU R128 loudness range: spread of the 3 s loudness, 10th to 95th percentile"),
        Measure("clipped_samples", clipped_samples(audio), "samples",
                f"samples at or beyond ±{CLIP_LEVEL} of full scale (0 = no clipping)"),
        Measure("start_level_dbfs", start_level, "dBFS", "RMS level of the first 100 ms"),
        Measure("end_level_dbfs", end_level, "dBFS", "RMS level of the last 100 ms"),
    ]
