"""The Python API: ``compose(brief, seed)`` runs every stage once and returns a ``Piece``.

Brief → Plan → Harmony → Melody → Arrangement → Score → MIDI → Audio. All randomness comes
from one ``random.Random`` (seeded by the seed and the brief's text) handed down the stages in
this fixed order.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import mido
import numpy as np
import soundfile
from music21 import stream

from composer import midi as midi_writer
from composer import render as renderer
from composer.arrange import PartSpec, arrange, fade_length_s
from composer.brief import Brief, build_brief
from composer.errors import ComposerError
from composer.files import staged
from composer.harmony import ChordSpan, make_harmony
from composer.melody import Theme, make_theme
from composer.plan import Plan, Role, make_plan
from composer.score import build_score
from composer.soundfonts import choose_soundfont

#: soundfile format and subtype per audio file suffix.
AUDIO_FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_24"), ".ogg": ("OGG", "VORBIS"),
                 ".mp3": ("MP3", "MPEG_LAYER_III")}


def version() -> str:
    """The installed composer version."""
    try:
        return metadata.version("composer")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass
class Piece:
    """A composed piece: every stage's result, and the ways to write it out."""

    brief: Brief
    seed: int
    plan: Plan
    chords: list[ChordSpan]
    theme: Theme
    parts: list[PartSpec]
    title: str
    soundfont: Path | None = None
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    written: dict[str, str] = field(default_factory=dict)

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that play: the plan's, and any the arrangement added (a counter-line)."""
        return tuple(part.role for part in self.parts)

    @cached_property
    def score(self) -> stream.Score:
        """The piece as a music21 Score, built on first use (analysis of the plan needs none)."""
        return build_score(self.plan, self.parts, self.title)

    @cached_property
    def midi_bytes(self) -> bytes:
        """The Standard MIDI File: same brief and seed, same bytes."""
        return midi_writer.midi_bytes(self.score)

    def write_midi(self, path: str | Path) -> Path:
        """Write the MIDI file atomically; returns its path."""
        target = Path(path)
        with staged([target]) as (temporary,):
            temporary.write_bytes(self.midi_bytes)
        self.written["midi"] = str(target)
        return target

    def audio(
        self,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        sample_rate: int = renderer.SAMPLE_RATE,
        progress: renderer.Progress | None = None,
    ) -> np.ndarray:
        """The mastered stereo audio (frames × 2, float32), exactly the brief's length."""
        font = choose_soundfont(Path(soundfont) if soundfont else None)
        midi = mido.MidiFile(file=io.BytesIO(self.midi_bytes))
        fade = 0.0 if self.plan.ending == "loop" else renderer.FADE_OUT_S
        if self.plan.ending == "fade":
            fade = fade_length_s(self.plan)
        raw = renderer.render_midi(midi, font, self.plan.duration_s, sample_rate, loop=self.plan.ending == "loop",
                                   fade_out_s=fade, progress=progress)
        target = self.plan.loudness_lufs if loudness_lufs is None else loudness_lufs
        mastered, self.loudness_lufs, self.true_peak_dbtp = renderer.master(raw, sample_rate, target)
        self.soundfont = font
        return mastered

    def render(
        self,
        path: str | Path,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        progress: renderer.Progress | None = None,
    ) -> Path:
        """Render and write the audio file (format from the suffix: .wav, .flac, .ogg, .mp3)."""
        target = Path(path)
        audio_format = audio_format_for(target)
        audio = self.audio(soundfont, loudness_lufs, progress=progress)
        with staged([target]) as (temporary,):
            write_audio(temporary, audio, renderer.SAMPLE_RATE, audio_format)
        self.written["audio"] = str(target)
        return target

    def report(self) -> dict[str, Any]:
        """Everything a user or a test needs to know about the piece, as plain JSON data."""
        plan = self.plan
        return {
            "title": self.title,
            "brief": self.brief.text,
            "seed": self.seed,
            "version": version(),
            "kind": plan.kind,
            "preset": plan.brief.preset,
            "tempo_bpm": round(float(plan.tempo_bpm), 3),
            "key": plan.key,
            "meter": f"{plan.meter[0]}/{plan.meter[1]}",
            "duration_s": plan.duration_s,
            "bars": plan.bars,
            "ending": plan.ending,
            "sections": [
                {"name": s.name, "start_s": round(plan.seconds(s.start_q), 3),
                 "end_s": round(min(plan.seconds(s.end_q), plan.duration_s), 3), "energy": s.energy}
                for s in plan.sections
            ],
            "energy": plan.energy_curve(),
            "progression": [c.figure for c in self.chords],
            "motif": {
                "rhythm_q": [str(r) for r in self.theme.motif.rhythm],
                "steps": list(self.theme.motif.steps),
                "statements_s": [round(plan.seconds(q), 3) for q in self.theme.statements_q],
            },
            "instruments": [
                {"role": r.role, "name": r.name, "program": r.program, "channel": r.channel + 1}
                for r in self.roles
            ],
            "soundfont": str(self.soundfont) if self.soundfont else None,
            "loudness_target_lufs": plan.loudness_lufs,
            "loudness_lufs": _rounded(self.loudness_lufs),
            "true_peak_dbtp": _rounded(self.true_peak_dbtp),
            "mood": {"valence": self.brief.valence, "arousal": self.brief.arousal, "words": list(self.brief.mood_words)},
            "notes": list(self.brief.notes),
            "ignored_words": list(self.brief.ignored_words),
            "files": dict(self.written),
        }

    def report_json(self) -> str:
        return json.dumps(self.report(), indent=2, ensure_ascii=False) + "\n"


def _rounded(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 2)


def audio_format_for(path: Path) -> tuple[str, str]:
    """(soundfile format, subtype) for an audio path, or a clear error for an unknown suffix."""
    suffix = path.suffix.lower()
    if suffix not in AUDIO_FORMATS:
        raise ComposerError(f"unknown audio format {suffix or path.name!r}", f"use one of: {', '.join(AUDIO_FORMATS)}")
    return AUDIO_FORMATS[suffix]


def write_audio(path: Path, audio: np.ndarray, sample_rate: int, audio_format: tuple[str, str]) -> None:
    """Write ``audio`` to ``path`` (no rename: callers stage the path)."""
    soundfile.write(str(path), audio, sample_rate, format=audio_format[0], subtype=audio_format[1])


def generator(seed: int, brief: Brief) -> random.Random:
    """The one random generator every stage draws from, seeded by the seed and the brief's
    words: one seed gives different briefs different keys and tunes, the same brief and seed
    the same piece."""
    return random.Random(f"{seed}:{brief.text}")


def compose(
    brief: str | Brief,
    seed: int = 0,
    title: str | None = None,
    **overrides: Any,
) -> Piece:
    """Compose a piece from a brief (text or ``Brief``) and a seed.

    ``overrides`` are brief fields that win over the text: ``duration``, ``kind``, ``tempo``,
    ``key``, ``meter``, ``loop``, ``preset``, ``instruments``, ``exclude``, ``ending``.

    >>> piece = compose("calm piano for a 20-second interview", seed=3)
    >>> piece.plan.kind, piece.plan.duration_s
    ('underscore', 20.0)
    """
    parsed = brief if isinstance(brief, Brief) else build_brief(brief, overrides)
    rng = generator(seed, parsed)
    plan = make_plan(parsed, rng)
    chords = make_harmony(plan, rng)
    theme = make_theme(plan, chords, rng)
    parts = arrange(plan, chords, theme, rng)
    return Piece(parsed, seed, plan, chords, theme, parts, title or parsed.text[:60])
