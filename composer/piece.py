"""The Python API: ``compose(brief, seed)`` runs every stage once and returns a ``Piece``.

Brief → Plan → Harmony → Melody → Arrangement → Score → MIDI → Audio. All randomness comes
from one ``random.Random`` (seeded by the seed and the brief's text) handed down the stages in
this fixed order.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import mido
import numpy as np
from music21 import stream

from composer.notation import midi as midi_writer
from composer.audio import master as mastering
from composer.audio import render as renderer
from composer.notation import musicxml
from composer.composition.arrange import PartSpec, Performance, arrange, fade_length_s
from composer.composition.brief import Brief, build_brief
from composer.audio.delivery import (AUDIO_FORMATS, FileMeasures, Provenance, audio_format_for, rounded, stem_paths,
                               stems_folder, write_audio)
from composer.base.files import staged
from composer.composition.harmony import ChordSpan, make_harmony
from composer.composition.melody import Theme, make_theme
from composer.composition.plan import Plan, Role, make_plan
from composer.notation.score import build_score
from composer.audio.soundfonts import choose_soundfont

__all__ = ["AUDIO_FORMATS", "Piece", "audio_format_for", "compose", "generator", "version", "write_audio"]

#: A fade ending's audio fade: the last second only (the MIDI's CC11 does the fade itself).
FADE_CLOSE_S = 1.0


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
    parts: tuple[PartSpec, ...]
    performance: Performance
    title: str
    soundfont: Path | None = None
    written: dict[str, str] = field(default_factory=dict)
    mastered: mastering.Mastered | None = None
    sample_rate: int = renderer.SAMPLE_RATE
    #: What each written audio file measures, read back from disk, by format ("wav", "mp3", …).
    measured: dict[str, FileMeasures] = field(default_factory=dict)
    stems_written: dict[str, str] = field(default_factory=dict)
    _stems: renderer.RenderedStems | None = field(default=None, repr=False)

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that play, in track order (the plan's: the arrangement writes a part for each)."""
        return tuple(part.role for part in self.parts)

    @property
    def loudness_lufs(self) -> float | None:
        """Integrated loudness of the last mastered audio, or None before any."""
        return self.mastered.loudness_lufs if self.mastered else None

    @property
    def true_peak_dbtp(self) -> float | None:
        """True peak of the last mastered audio, or None before any."""
        return self.mastered.true_peak_dbtp if self.mastered else None

    @cached_property
    def score(self) -> stream.Score:
        """The piece as a music21 Score, built on first use (analysis of the plan needs none)."""
        return build_score(self.plan, self.parts, self.chords, self.title, self.performance)

    @cached_property
    def midi_bytes(self) -> bytes:
        """The Standard MIDI File: same brief and seed, same bytes."""
        return midi_writer.midi_bytes(self.score, self.performance)

    def write_midi(self, path: str | Path) -> Path:
        """Write the MIDI file atomically; returns its path."""
        target = Path(path)
        with staged([target]) as (temporary,):
            temporary.write_bytes(self.midi_bytes)
        self.written["midi"] = str(target)
        return target

    def musicxml_bytes(self) -> bytes:
        """The score as MusicXML sheet music (written note values, see composer.notation.musicxml)."""
        return musicxml.musicxml_bytes(self.score)

    def write_musicxml(self, path: str | Path) -> Path:
        """Write the score as MusicXML (.musicxml), readable by MuseScore and music21, atomically;
        returns its path."""
        target = Path(path)
        data = self.musicxml_bytes()
        with staged([target]) as (temporary,):
            temporary.write_bytes(data)
        self.written["musicxml"] = str(target)
        return target

    @property
    def room(self) -> renderer.Room:
        """The space the piece plays in: its preset's reverb and chorus (``data/rooms.toml``)."""
        return renderer.room(self.plan.room)

    def _midi_file(self) -> mido.MidiFile:
        return mido.MidiFile(file=io.BytesIO(self.midi_bytes))

    @property
    def render_options(self) -> dict[str, Any]:
        """How the render ends: a loop folds its tail onto its start. A fade ending is in the
        MIDI itself (CC11 to zero over 2–6 s, falling evenly in decibels), so the audio only
        closes its last second, where the reverb's tail must still reach silence; fading the
        audio over the whole fade as well would halve the level twice."""
        fade = 0.0 if self.plan.ending == "loop" else renderer.FADE_OUT_S
        if self.plan.ending == "fade":
            fade = min(FADE_CLOSE_S, fade_length_s(self.plan))
        return {"loop": self.plan.ending == "loop", "fade_out_s": fade}

    def audio(
        self,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        sample_rate: int = renderer.SAMPLE_RATE,
        progress: renderer.Progress | None = None,
        stems: bool = False,
    ) -> np.ndarray:
        """The mastered stereo audio (frames × 2, float32), exactly the brief's length. With
        ``stems``, the same render also keeps each role's part for :meth:`stems`."""
        font = choose_soundfont(Path(soundfont) if soundfont else None)
        midi, options = self._midi_file(), {"space": self.room, "progress": progress, **self.render_options}
        if stems:
            channels = {spec.role.role: frozenset({spec.role.channel}) for spec in self.parts}
            raw, self._stems = renderer.render_with_stems(midi, font, self.plan.duration_s, channels, sample_rate,
                                                          **options)
        else:
            raw, self._stems = renderer.render_midi(midi, font, self.plan.duration_s, sample_rate, **options), None
        target = self.plan.loudness_lufs if loudness_lufs is None else loudness_lufs
        mastered, self.mastered = mastering.master(raw, sample_rate, target)
        self.soundfont, self.sample_rate = font, sample_rate
        return mastered

    def stems(self) -> Iterator[tuple[str, np.ndarray]]:
        """Each role's part of the mix, with the mix's gain and no limiter, one at a time: summed
        they give back the mix before its limiter. Call after ``audio(stems=True)``; each is
        given once."""
        if self.mastered is None or self._stems is None:
            raise ValueError("render the mix with audio(stems=True) first: stems come from its render")
        rendered, self._stems = self._stems, None
        yield from rendered.scaled(self.mastered.gain_db)

    def provenance(self) -> Provenance:
        """Title, brief, seed and version, and the statement that the piece is original and free to use."""
        return Provenance(self.title, version(), self.brief.text, self.seed)

    def render(
        self,
        path: str | Path,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        progress: renderer.Progress | None = None,
        sample_rate: int = renderer.SAMPLE_RATE,
        bit_depth: int | None = None,
        stems: bool = False,
    ) -> Path:
        """Render and write the audio file (format from the suffix: .wav, .flac, .ogg, .mp3),
        tagged with its provenance; with ``stems``, also ``NAME-stems/<role>.wav`` beside it."""
        target = Path(path)
        audio_format_for(target)
        audio = self.audio(soundfont, loudness_lufs, sample_rate, progress=progress, stems=stems)
        stem_targets = stem_paths(target.parent, target.stem, [p.role.role for p in self.parts]) if stems else []
        with stems_folder(stem_targets), staged([target, *stem_targets]) as (temporary, *stem_temporaries):
            self.write_audio_file(temporary, target, audio, bit_depth)
            self.write_stems(stem_temporaries, stem_targets)
        return target

    def write_audio_file(self, temporary: Path, target: Path, audio: np.ndarray, bit_depth: int | None) -> None:
        """Write the mastered ``audio`` to ``temporary`` (renamed to ``target`` by the caller) and
        record what the written file measures."""
        suffix = target.suffix.lower()
        self.measured[suffix.lstrip(".")] = write_audio(temporary, audio, self.sample_rate, suffix, bit_depth,
                                                        self.provenance(), dither_seed=self.seed)
        self.written[suffix.lstrip(".")] = str(target)

    def write_stems(self, temporaries: list[Path], targets: list[Path]) -> None:
        """Write each stem of the last ``audio(stems=True)`` (float WAV, tagged) to its temporary path."""
        for temporary, target, (role, alone) in zip(temporaries, targets, self.stems()):  # none asked, none made
            tags = Provenance(f"{self.title} ({role})", version(), self.brief.text, self.seed)
            write_audio(temporary, alone, self.sample_rate, ".wav", provenance=tags, subtype="FLOAT")
            self.stems_written[role] = str(target)

    def report(self) -> dict[str, Any]:
        """Everything a user or a test needs to know about the piece, as plain JSON data."""
        plan = self.plan
        return {
            "title": self.title,
            "brief": self.brief.text,
            "seed": self.seed,
            "version": version(),
            "kind": plan.kind,
            "preset": plan.preset,
            "tempo_bpm": round(float(plan.tempo_bpm), 3),
            "key": plan.key,
            "lift": plan.lift_summary(),
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
            "motif": self._motif_report(),
            "instruments": [
                {"role": r.role, "name": r.name, "program": r.program, "channel": r.channel + 1}
                for r in self.roles
            ],
            "soundfont": str(self.soundfont) if self.soundfont else None,
            "room": self.room.name,
            **self._loudness_report(),
            "mood": {"valence": self.brief.valence, "arousal": self.brief.arousal, "words": list(self.brief.mood_words)},
            "notes": list(self.brief.notes),
            "ignored_words": list(self.brief.ignored_words),
            "files": dict(self.written),
            "stems": dict(self.stems_written),
            "provenance": self.provenance().statement,
        }

    def _motif_report(self) -> dict[str, Any] | None:
        """The theme's motif, where it is heard whole, and where it is heard developed
        (inverted, augmented, diminished, or a statement extended); None when no part plays
        the theme (a bed or ambient cue has no melody, though the plan still drew one)."""
        if not any(r.role == "melody" for r in self.roles):
            return None
        return {
            "notes": self.motif_names(),
            "rhythm_q": [str(r) for r in self.theme.motif.rhythm],
            "steps": list(self.theme.motif.steps),
            "chromatic_neighbours": list(self.theme.motif.neighbours),
            "statements_s": [round(self.plan.seconds(q), 3) for q in self.theme.statements_q],
            "developments": [{"kind": kind, "start_s": round(self.plan.seconds(q), 3)}
                             for q, kind in self.theme.developments],
        }

    def _loudness_report(self) -> dict[str, Any]:
        """Loudness, true peak and loudness range as measured on the first written audio file
        (on the mastered audio when none was written), and per file under ``audio_files``."""
        first = next(iter(self.measured.values()), None)
        mastered = self.mastered
        target = mastered.target_lufs if mastered else self.plan.loudness_lufs
        loudness = first.loudness_lufs if first else self.loudness_lufs
        return {
            "loudness_target_lufs": target,
            "loudness_lufs": rounded(loudness),
            "true_peak_dbtp": rounded(first.true_peak_dbtp if first else self.true_peak_dbtp),
            "loudness_range_lu": rounded(first.loudness_range_lu) if first else None,
            "loudness_shortfall_lu": rounded(mastered.shortfall_lu) if mastered else None,
            "master_gain_db": rounded(mastered.gain_db) if mastered else None,
            "limiter_reduction_db": rounded(mastered.limiter_reduction_db) if mastered else None,
            "sample_rate": self.sample_rate if mastered else None,
            "audio_files": {name: measures.report() for name, measures in self.measured.items()},
        }

    def motif_names(self) -> list[str]:
        """The motif as first heard whole, named with octaves as the sheet music spells it
        (e.g. "F#5"); empty when the melody never states it whole (or there is no melody)."""
        theme = self.theme
        melody = next((part for part in self.score.parts if part.id == "melody"), None)
        if not theme.statements_q or melody is None:
            return []
        first = next(i for i, n in enumerate(theme.notes) if n.start_q == theme.statements_q[0])
        stated = theme.notes[first : first + len(theme.motif.rhythm)]
        written = {Fraction(n.offset): n for n in melody.flatten().notes}
        return [written[n.start_q].pitches[0].nameWithOctave for n in stated]

    def report_json(self) -> str:
        return json.dumps(self.report(), indent=2, ensure_ascii=False) + "\n"


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
    arrangement = arrange(plan, chords, theme, rng)
    return Piece(parsed, seed, plan, chords, theme, arrangement.parts, arrangement.performance,
                 title or parsed.text[:60])
