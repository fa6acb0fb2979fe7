"""Melody: a one-bar motif stated, sequenced and varied over the chords, phrase by phrase.

The line sits on chord tones at strong beats; between them it moves by scale steps (passing
and neighbour tones that resolve by step). Each four-bar phrase states the motif, sequences
it over the next chord, fragments it, and breathes on a long cadence tone.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from fractions import Fraction

from composer.harmony import ChordSpan, harmony_data, music21_key
from composer.plan import Plan

#: Melody ranges (MIDI notes): above the speaking voice for underscores, else D4..A5.
MELODY_RANGE = {"underscore": (72, 86)}
DEFAULT_MELODY_RANGE = (62, 81)
#: Melodic intervals never written: the tritone and, as a step, the augmented second.
FORBIDDEN_INTERVALS = (6,)


@dataclass(frozen=True)
class MelodyNote:
    """A melody note: onset and length in quarter notes, MIDI pitch."""

    start_q: Fraction
    length_q: Fraction
    pitch: int


@dataclass(frozen=True)
class Motif:
    """The theme's cell: a rhythm (quarter-note lengths) and a contour (scale steps between notes)."""

    rhythm: tuple[Fraction, ...]
    steps: tuple[int, ...]


@dataclass(frozen=True)
class Theme:
    """The motif and the melody built from it."""

    motif: Motif
    notes: tuple[MelodyNote, ...]
    statements_q: tuple[Fraction, ...]


def make_motif(plan: Plan, rng: random.Random) -> Motif:
    """A one-bar cell whose rhythm suits the mood and whose contour is mostly steps."""
    cells = harmony_data()["rhythms"].get(str(plan.meter[0] * 4 // plan.meter[1]), harmony_data()["rhythms"]["4"])
    arousal = plan.brief.arousal
    mood = "calm" if arousal < -0.3 or plan.kind == "underscore" else ("lively" if arousal > 0.45 else "moving")
    rhythm = tuple(Fraction(x).limit_denominator(16) for x in rng.choice(cells[mood]))
    if sum(rhythm) != plan.bar_q:  # a cell from another meter: even beats instead
        rhythm = (Fraction(1),) * int(plan.bar_q)
    steps: list[int] = []
    for _ in range(len(rhythm) - 1):
        steps.append(rng.choice((-1, -1, 1, 1, 1, 2, -2, 0)))
    if steps and all(s == 0 for s in steps):
        steps[0] = 1
    return Motif(rhythm, tuple(steps))


def make_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> Theme:
    """The melody over ``chords``: silent in intros, motif-led in every other section."""
    motif = make_motif(plan, rng)
    low, high = MELODY_RANGE.get(plan.kind, DEFAULT_MELODY_RANGE)
    scale = _scale_pitches(plan, low - 12, high + 12)
    starts = [c.start_q for c in chords]
    notes: list[MelodyNote] = []
    statements: list[Fraction] = []
    previous = (low + high) // 2
    for section in plan.sections:
        if section.name in ("intro", "pickup", "hit"):
            continue
        bars = int(section.length_q / plan.bar_q)
        for phrase_start_bar in range(0, bars - bars % 4 if bars >= 4 else bars, 4 if bars >= 4 else max(bars, 1)):
            phrase_q = section.start_q + phrase_start_bar * plan.bar_q
            if plan.kind == "underscore" and (phrase_start_bar // 4) % 2 == 1:
                continue  # an underscore leaves every other phrase to the voice
            phrase_bars = min(4, bars - phrase_start_bar)
            phrase, previous = _phrase(plan, motif, phrase_q, phrase_bars, chords, starts, scale, previous, low, high, rng)
            notes.extend(phrase)
            statements.append(phrase_q)
    return Theme(motif, tuple(notes), tuple(statements))


def _scale_pitches(plan: Plan, low: int, high: int) -> list[int]:
    key = music21_key(plan.tonic, plan.mode)
    pcs = {p.pitchClass for p in key.getPitches()}
    return [p for p in range(low, high + 1) if p % 12 in pcs]


def _chord_at(chords: list[ChordSpan], starts: list[Fraction], q: Fraction) -> ChordSpan:
    return chords[max(0, bisect.bisect_right(starts, q) - 1)]


def _phrase(
    plan: Plan,
    motif: Motif,
    start_q: Fraction,
    bars: int,
    chords: list[ChordSpan],
    starts: list[Fraction],
    scale: list[int],
    previous: int,
    low: int,
    high: int,
    rng: random.Random,
) -> tuple[list[MelodyNote], int]:
    """One phrase: motif, its sequence on the next chord, a fragment, then a long cadence tone."""
    notes: list[MelodyNote] = []
    pitch = previous
    for bar in range(bars):
        bar_q = start_q + bar * plan.bar_q
        last = bar == bars - 1 and bars > 1
        if last:
            chord = _chord_at(chords, starts, bar_q)
            target = _nearest_chord_tone(chord, pitch, low, high, stable=True)
            length = plan.bar_q if plan.bar_q <= 3 else plan.bar_q - 1
            if plan.kind == "underscore":
                length = plan.bar_q
            notes.append(MelodyNote(bar_q, length, target))  # the phrase breathes after this
            pitch = target
            continue
        rhythm = list(motif.rhythm)
        steps = list(motif.steps)
        if bar == 2 and len(rhythm) > 2:  # fragmentation: the head of the motif, then a held tone
            half = len(rhythm) // 2
            rhythm = rhythm[:half] + [sum(rhythm[half:], Fraction(0))]
            steps = steps[: half] if half else []
        onset = bar_q
        for index, length in enumerate(rhythm):
            chord = _chord_at(chords, starts, onset)
            strong = (onset - bar_q) % 2 == 0 if plan.bar_q == 4 else onset == bar_q
            if index == 0 or strong:
                pitch = _nearest_chord_tone(chord, pitch + (steps[index - 1] if index else 0) * 2, low, high)
            else:
                pitch = _step(scale, pitch, steps[index - 1], low, high)
            notes.append(MelodyNote(onset, length, pitch))
            onset += length
    return _resolve(notes, chords, starts, low, high), pitch


def _nearest_chord_tone(chord: ChordSpan, near: int, low: int, high: int, stable: bool = False) -> int:
    """The chord tone closest to ``near`` in range; ``stable`` prefers the root and third (cadences)."""
    pcs = set(chord.pitch_classes[:2] if stable else chord.pitch_classes)
    if stable:
        pcs = {chord.root_pc, chord.pitch_classes[1]}
    candidates = [p for p in range(low, high + 1) if p % 12 in pcs]
    return min(candidates, key=lambda p: (abs(p - near), p))


def _step(scale: list[int], pitch: int, steps: int, low: int, high: int) -> int:
    """Move ``steps`` scale degrees from ``pitch``, turning back at the range's edges."""
    index = bisect.bisect_left(scale, pitch)
    target = index + steps
    candidate = scale[max(0, min(len(scale) - 1, target))]
    if not low <= candidate <= high:
        candidate = scale[max(0, min(len(scale) - 1, index - steps))]
    return candidate


def _resolve(
    notes: list[MelodyNote], chords: list[ChordSpan], starts: list[Fraction], low: int, high: int
) -> list[MelodyNote]:
    """Make every non-chord tone resolve by step and remove forbidden intervals.

    A non-chord tone whose next note is not a step away becomes the nearest chord tone; a
    tritone leap is replaced by the nearest chord tone of the second note's chord.
    """
    result = list(notes)
    for i in range(len(result)):
        note = result[i]
        chord = _chord_at(chords, starts, note.start_q)
        following = result[i + 1].pitch if i + 1 < len(result) else None
        is_chord_tone = note.pitch % 12 in chord.pitch_classes
        resolves = following is not None and 0 < abs(following - note.pitch) <= 2
        bad_leap = i > 0 and abs(note.pitch - result[i - 1].pitch) in FORBIDDEN_INTERVALS
        augmented_second = i > 0 and abs(note.pitch - result[i - 1].pitch) == 3 and not is_chord_tone
        if (not is_chord_tone and not resolves) or bad_leap or augmented_second:
            near = result[i - 1].pitch if i > 0 else note.pitch
            pitch = _nearest_chord_tone(chord, near, low, high)
            if i > 0 and abs(pitch - result[i - 1].pitch) in FORBIDDEN_INTERVALS:
                options = [p for p in range(low, high + 1) if p % 12 in chord.pitch_classes]
                options = [p for p in options if abs(p - result[i - 1].pitch) not in FORBIDDEN_INTERVALS]
                pitch = min(options, key=lambda p: (abs(p - near), p)) if options else pitch
            result[i] = MelodyNote(note.start_q, note.length_q, pitch)
    return result
