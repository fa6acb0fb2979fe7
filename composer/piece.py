"""The Python API: ``compose(brief, seed)`` runs every stage once and returns a ``Piece``.

Brief → Plan → Harmony → Melody → Arrangement → Score → MIDI → Audio. All randomness comes
from one ``random.Random`` (seeded by the seed and the brief's text) handed down the stages in
this fixed order.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from music21 import stream

from composer.audio import render as renderer
from composer.audio.deliver import Delivered, Ending, Progress, Rendering, deliver, mix
from composer.audio.formats import Provenance, rounded
from composer.audio.soundfonts import choose_soundfont
from composer.base.exact import Fraction
from composer.base.files import write_bytes
from composer.base.midi_text import decoded_midi
from composer.composition.arrange import PartSpec, Performance, arrange, fade_length_s
from composer.base.about import version
from composer.composition.brief import DEFAULT_SEED, Brief, build_brief
from composer.composition.harmony import ChordSpan, make_harmony
from composer.composition.melody import Theme, make_theme
from composer.composition.plan import Plan, Role, make_plan
from composer.notation import midi as midi_writer
from composer.notation import musicxml
from composer.notation.score import build_score
from composer.understanding import explanation, generator, understood

__all__ = ["Piece", "compose", "explanation", "generator", "understood", "version"]

#: A fade ending's audio fade: the last second only (the MIDI's CC11 does the fade itself).
FADE_CLOSE_S = 1.0


@dataclass(frozen=True)
class Piece:
    """A composed piece: every stage's result. Frozen: writing or rendering it returns what was
    made (a path, a :class:`Delivered`) and changes nothing, so one piece can be delivered many
    ways; :meth:`report` describes the piece with whatever was made of it."""

    brief: Brief
    seed: int
    plan: Plan
    chords: list[ChordSpan]
    theme: Theme
    parts: tuple[PartSpec, ...]
    performance: Performance
    title: str

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that play, in track order (the plan's: the arrangement writes a part for each)."""
        return tuple(part.role for part in self.parts)

    @cached_property
    def score(self) -> stream.Score:
        """The piece as a music21 Score, built on first use (analysis of the plan needs none)."""
        return build_score(self.plan, self.parts, self.chords, self.title, self.performance)

    @cached_property
    def midi_bytes(self) -> bytes:
        """The Standard MIDI File, carrying its provenance (copyright notice; brief, seed and
        version as text): same brief and seed, same bytes."""
        provenance = self.provenance()
        return midi_writer.midi_bytes(self.plan, self.parts, self.performance, self.title, provenance.statement,
                                      provenance.comment)

    def write_midi(self, path: str | Path) -> Path:
        """Write the MIDI file atomically; returns its path."""
        target = Path(path)
        write_bytes(target, self.midi_bytes)
        return target

    def musicxml_bytes(self) -> bytes:
        """The score as MusicXML sheet music (written note values, see composer.notation.musicxml)."""
        return musicxml.musicxml_bytes(self.score, self.plan, self.performance)

    def write_musicxml(self, path: str | Path) -> Path:
        """Write the score as MusicXML (.musicxml), readable by MuseScore and music21, atomically;
        returns its path."""
        target = Path(path)
        write_bytes(target, self.musicxml_bytes())
        return target

    @property
    def room(self) -> renderer.Room:
        """The space the piece plays in: its preset's reverb and chorus (``data/rooms.toml``)."""
        return renderer.room(self.plan.room)

    @property
    def ending(self) -> Ending:
        """How the render ends: a loop folds its tail onto its start. A fade ending is in the
        MIDI itself (CC11 to zero over 2–6 s, falling evenly in decibels), so the audio only
        closes its last second, where the reverb's tail must still reach silence; fading the
        audio over the whole fade as well would halve the level twice."""
        if self.plan.ending == "loop":
            return Ending(loop=True, fade_out_s=0.0)
        if self.plan.ending == "fade":
            return Ending(fade_out_s=min(FADE_CLOSE_S, fade_length_s(self.plan)))
        return Ending()

    @property
    def stem_channels(self) -> dict[str, frozenset[int]]:
        """One stem per role, named by it, playing its MIDI channel."""
        return {spec.role.role: frozenset({spec.role.channel}) for spec in self.parts}

    def rendering(self, soundfont: Path, loudness_lufs: float | None = None,
                  sample_rate: int = renderer.SAMPLE_RATE, workers: int | None = None) -> Rendering:
        """How this piece is rendered with ``soundfont`` (already chosen and checked): exactly
        the brief's length, in its room, ended as its plan says, mastered to ``loudness_lufs``
        or else its use case's target, on ``workers`` threads (None: one per core, up to two;
        see :func:`composer.audio.render.worker_count`)."""
        target = self.plan.loudness_lufs if loudness_lufs is None else loudness_lufs
        midi = decoded_midi(self.midi_bytes)
        return Rendering(midi, self.plan.duration_s, soundfont, self.room, target, self.ending, sample_rate,
                         self.cue_points(), workers)

    def cue_points(self) -> tuple[tuple[float, str], ...]:
        """The markers a WAV carries: every section and event where the music has them, so an
        editor dropping the file on a timeline sees its form, cut to picture or not."""
        from composer.notation.markers import marks

        return tuple((float(mark.start_s), mark.name) for mark in marks(self.plan))

    def provenance(self) -> Provenance:
        """Title, brief, seed and version, and the statement that the piece is original and free to use."""
        return Provenance(self.title, version(), self.brief.text, self.seed)

    def audio(
        self,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        sample_rate: int = renderer.SAMPLE_RATE,
        progress: Progress | None = None,
    ) -> np.ndarray:
        """The mastered stereo audio (frames × 2, float32), exactly the brief's length, kept in
        memory. What mastering did comes with it from ``mix(piece.rendering(...))`` (see
        composer.audio.deliver), and with the files from :meth:`render`."""
        font = choose_soundfont(Path(soundfont) if soundfont else None)
        audio, _ = mix(self.rendering(font, loudness_lufs, sample_rate), progress)
        return audio

    def render(
        self,
        *paths: str | Path,
        soundfont: str | Path | None = None,
        loudness_lufs: float | None = None,
        sample_rate: int = renderer.SAMPLE_RATE,
        bit_depth: int | None = None,
        stems: bool = False,
        progress: Progress | None = None,
        stems_headroom_db: float | None = None,
    ) -> Delivered:
        """Render once and write each audio file (format from the suffix: .wav, .flac, .ogg,
        .mp3), tagged with its provenance; with ``stems``, also ``NAME-stems/<role>.wav`` beside
        the first, at the mix's gain or, with ``stems_headroom_db``, lowered together so that
        summed they peak that far under full scale. All or nothing; returns what was delivered,
        for :meth:`report`."""
        font = choose_soundfont(Path(soundfont) if soundfont else None)
        return deliver(self.rendering(font, loudness_lufs, sample_rate), [Path(p) for p in paths], self.provenance(),
                       stems=self.stem_channels if stems else None, bit_depth=bit_depth, progress=progress,
                       stems_headroom_db=stems_headroom_db)

    def report(self, delivered: Delivered | None = None,
               files: Mapping[str, str | Path] | None = None) -> dict[str, Any]:
        """Everything a user or a test needs to know about the piece, as plain JSON data: the
        plan and the music, and what was made of it: ``files`` written by kind (e.g. "midi",
        "musicxml") and the ``delivered`` audio, measured on its first written file."""
        plan = understood(self.brief, self.plan)
        written = {**(files or {}), **(delivered.files if delivered else {})}
        return {
            "title": self.title,
            "brief": plan["brief"],
            "seed": self.seed,
            "version": version(),
            "kind": plan["kind"],
            "preset": plan["preset"],
            "style": plan["style"],
            "tempo_bpm": plan["tempo_bpm"],
            "key": plan["key"],
            "lift": plan["lift"],
            "meter": plan["meter"],
            "duration_s": plan["duration_s"],
            "bars": plan["bars"],
            "ending": plan["ending"],
            "sections": plan["sections"],
            "events": plan["events"],
            "tempo_map": plan["tempo_map"],
            "key_changes": plan["key_changes"],
            "scenes": plan["scenes"],
            "energy": plan["energy"],
            "progression": [c.figure for c in self.chords],
            "motif": self._motif_report(),
            "instruments": plan["instruments"],
            "soundfont": str(delivered.soundfont) if delivered else None,
            "room": self.plan.room,
            **_loudness_report(self.plan, delivered),
            "mood": plan["mood"],
            "notes": plan["notes"],
            "ignored_words": plan["ignored_words"],
            "files": {kind: str(path) for kind, path in written.items()},
            "stems": {name: str(path) for name, path in delivered.stems.items()} if delivered else {},
            **_stems_report(delivered),
            "provenance": self.provenance().statement,
        }

    def report_json(self, delivered: Delivered | None = None, files: Mapping[str, str | Path] | None = None) -> str:
        """:meth:`report` as the text of NAME.json."""
        return json.dumps(self.report(delivered, files), indent=2, ensure_ascii=False) + "\n"

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
        # a hit's breath may take a note of the statement: the motif is named as it is heard
        return [written[n.start_q].pitches[0].nameWithOctave for n in stated if n.start_q in written]


def _stems_report(delivered: Delivered | None) -> dict[str, float | None]:
    """The level the stems were written at: their gain, how far under the mix's gain a headroom
    put them, and their sample peaks summed and alone (summed over 0 dBFS: over full scale, as
    stems carry no limiter); None for each without stems."""
    if delivered is None or delivered.stem_levels is None:
        return dict.fromkeys(("stems_gain_db", "stems_trim_db", "stems_summed_peak_dbfs", "stems_loudest_peak_dbfs"))
    return delivered.stem_levels.report()


def _loudness_report(plan: Plan, delivered: Delivered | None) -> dict[str, Any]:
    """Loudness, true peak and loudness range as measured on the first written audio file (on
    the mastered audio when none was written), and per file under ``audio_files``; the plan's
    target and nothing measured before any audio."""
    if delivered is None:
        return {"loudness_target_lufs": plan.loudness_lufs, "loudness_lufs": None, "true_peak_dbtp": None,
                "loudness_range_lu": None, "loudness_shortfall_lu": None, "master_gain_db": None,
                "limiter_reduction_db": None, "sample_rate": None, "audio_files": {}}
    mastered = delivered.mastered
    first = next(iter(delivered.measures.values()), None)
    return {
        "loudness_target_lufs": mastered.target_lufs,
        "loudness_lufs": rounded(first.loudness_lufs if first else mastered.loudness_lufs),
        "true_peak_dbtp": rounded(first.true_peak_dbtp if first else mastered.true_peak_dbtp),
        "loudness_range_lu": rounded(first.loudness_range_lu) if first else None,
        "loudness_shortfall_lu": rounded(mastered.shortfall_lu),
        "master_gain_db": rounded(mastered.gain_db),
        "limiter_reduction_db": rounded(mastered.limiter_reduction_db),
        "sample_rate": delivered.sample_rate,
        "audio_files": {name: measures.report() for name, measures in delivered.measures.items()},
    }


def compose(
    brief: str | Brief,
    seed: int = DEFAULT_SEED,
    title: str | None = None,
    **overrides: Any,
) -> Piece:
    """Compose a piece from a brief (text or ``Brief``) and a seed.

    ``overrides`` are brief fields that win over the text: ``duration``, ``kind``, ``tempo``,
    ``key``, ``meter``, ``loop``, ``preset``, ``instruments``, ``exclude``, ``ending``, and the
    events beside the words' (``hit``, ``stop``, ``dip``, ``build``, ``turn``, ``fade_in``,
    ``fade_out``, ``button``, ``fps``, ``timeline``, ``markers``, ``events``: see ``composer
    compose --help``).

    >>> piece = compose("calm piano for a 20-second interview", seed=3)
    >>> piece.plan.kind, piece.plan.duration_s
    ('underscore', 20.0)
    """
    parsed = brief if isinstance(brief, Brief) else build_brief(brief, overrides)
    rng = generator(seed, parsed)
    plan = make_plan(parsed, rng)
    harmony_rng, theme_rng, arrangement_rng = (random.Random(rng.getrandbits(64)) for _ in range(3))
    chords = make_harmony(plan, harmony_rng)
    theme = make_theme(plan, chords, theme_rng)
    arrangement = arrange(plan, chords, theme, arrangement_rng)
    return Piece(parsed, seed, plan, chords, theme, arrangement.parts, arrangement.performance,
                 title or default_title(parsed.text))


def default_title(text: str) -> str:
    r"""A piece's title when none is given: the brief's first 60 characters on one line (its text
    may hold any characters: MIDI text is written as UTF-8).

    >>> default_title("tense cue —\n  for a\tchase")
    'tense cue — for a chase'
    """
    return " ".join(text.split())[:60]
