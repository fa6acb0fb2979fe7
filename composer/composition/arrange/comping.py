"""Comping: the chord player playing the style's pattern (plan.comping) in its instrument's
own way. A one-bar grid from the data (block chords, stabs, skank, oom-pah-pah, strums,
broken chords, Alberti, Travis picking, arpeggios) fills as the energy rises; a guitar takes
its chords from real fretboard shapes and strums them (the spread is the performance's), a
keyboard or any other player from the harmony's voicing. A solo piano's left hand is here too.
"""

from __future__ import annotations

import random

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges
from composer.composition.arrange.data import Pattern, arrangement_data
from composer.composition.arrange.parts import (NoteEvent, chord_stop, energy_at, grid_steps, is_final, release_end,
                                                velocity_for)
from composer.composition.harmony import ChordSpan
from composer.composition.plan import Plan, Role

#: The guitars (GM programs 24-31): they strum and pick from fretboard shapes.
GUITARS = range(24, 32)
#: A muted strum is a short damped chuck, this long at most.
MUTED_Q = Fraction(1, 8)


def comped(plan: Plan, chords: list[ChordSpan], role: Role, rng: random.Random) -> list[NoteEvent]:
    """The style's comping pattern bar by bar over every chord but a final one, which is struck
    once and rings; a guitar plays its own pattern for a keyboard's (it strums block and broken
    chords: a pop guitar picking piano arpeggios sounds like neither)."""
    return patterned(plan, chords, role, arrangement_data().players.comping[pattern_name(plan, role.program)], rng)


def pattern_name(plan: Plan, program: int) -> str:
    """The comping pattern ``program`` plays in ``plan``: the style's, or a guitar's own in its
    place (``[guitar.comping]``: a pop style's broken chords strummed)."""
    if program in GUITARS:
        return arrangement_data().players.guitar_comping.get(plan.comping, plan.comping)
    return plan.comping


def patterned(plan: Plan, chords: list[ChordSpan], role: Role, pattern: Pattern, rng: random.Random,
              voices: dict[int, tuple[int, ...]] | None = None) -> list[NoteEvent]:
    """``pattern`` played over the chords by ``role``'s instrument: each step's tone from the
    chord sounding at it (``voices``: each chord's voices by index, where the caller chose them)."""
    guitar = role.program in GUITARS
    starts = [c.start_q for c in chords]
    final = chords[-1] if is_final(plan, chords[-1]) else None
    chosen = voices if voices is not None else {
        index: instrument_voices(chord, role.program, pattern.kind) for index, chord in enumerate(chords)}
    notes: list[NoteEvent] = []
    for _, energy, step, at, position in grid_steps(plan, pattern, starts, keep_strong=False, role=role.role):
        if final is not None and at >= final.start_q:
            continue
        length = min(step.length, chord_stop(plan, chords[position]) - at)
        if step.tone == "muted":
            if not guitar:
                continue
            length = min(length, MUTED_Q)
        velocity = velocity_for("pad", energy, rng, step.accent)
        if length > 0:
            notes += [NoteEvent(at, length, pitch, velocity) for pitch in tones(step.tone, chosen[position])]
    if final is not None:
        end = release_end(plan, chord_stop(plan, final))
        velocity = velocity_for("pad", energy_at(plan, final.start_q), rng, 6)
        notes += [NoteEvent(final.start_q, end - final.start_q, pitch, velocity) for pitch in chosen[len(chords) - 1]]
    return notes


def tones(tone: str, voices: tuple[int, ...]) -> tuple[int, ...]:
    """The voices a step's tone names, from voices sorted low to high.

    >>> v = (40, 47, 52, 56, 59, 64)
    >>> tones("upper", v), tones("bass", v), tones("alt_bass", v), tones("v7", v), tones("top", v)
    ((47, 52, 56, 59, 64), (40,), (47,), (64,), (64,))
    """
    if tone in ("chord", "muted"):
        return voices
    if tone == "upper":
        return voices[1:]
    if tone == "bass":
        return voices[:1]
    if tone == "alt_bass":
        return voices[1:2]
    if tone == "top":
        return voices[-1:]
    return (voices[min(int(tone[1:]), len(voices) - 1)],)


def instrument_voices(chord: ChordSpan, program: int, kind: str) -> tuple[int, ...]:
    """The notes ``program`` plays ``chord`` with, low to high: a guitar's fretboard shape, else
    the harmony's voicing (for picked patterns with the octave above its lowest voices, so an
    arpeggio has five voices to climb through)."""
    if program in GUITARS:
        shape = guitar_voicing(chord)
        if shape is not None:
            return shape
    voices = sorted(chord.voicing)
    if kind == "picked":
        high = gm_ranges()[program][1]
        for pitch in sorted(chord.voicing):
            if len(voices) >= 5 or pitch + 12 > high:
                break
            if pitch + 12 > voices[-1]:
                voices.append(pitch + 12)
    return tuple(voices)


def chord_quality(chord: ChordSpan) -> str:
    """The guitar shape family of ``chord``, from its intervals above the root.

    >>> c = lambda pcs: ChordSpan(Fraction(0), Fraction(4), "I", "T", pcs, 0, 36, ())
    >>> chord_quality(c((0, 4, 7))), chord_quality(c((0, 3, 7, 10))), chord_quality(c((0, 3, 6))), chord_quality(c((0, 5, 7)))
    ('major', 'minor7', 'diminished', 'sus4')
    """
    intervals = {(pc - chord.root_pc) % 12 for pc in chord.pitch_classes}
    if 3 in intervals and 6 in intervals and 7 not in intervals:
        return "half_diminished" if 10 in intervals else "diminished"
    if 4 in intervals and 8 in intervals and 7 not in intervals:
        return "augmented"
    if 4 in intervals:
        return "dominant7" if 10 in intervals else "major7" if 11 in intervals else "major"
    if 3 in intervals:
        return "minor7" if 10 in intervals else "minor"
    return "sus4" if 5 in intervals else "sus2" if 2 in intervals else "major"


def guitar_voicing(chord: ChordSpan) -> tuple[int, ...] | None:
    """``chord`` as a guitarist frets it: of the shapes for its quality, the one nearest the
    open position (lowest fret), moved up the neck to the chord's root; only its chord tones,
    low to high. None where no shape gives four chord tones.

    >>> guitar_voicing(ChordSpan(Fraction(0), Fraction(4), "I", "T", (0, 4, 7), 0, 36, ()))  # C: an A-shape barre at fret 3
    (48, 55, 60, 64, 67)
    """
    players = arrangement_data().players
    best: tuple[int, tuple[int, ...]] | None = None
    for shape in players.shapes[chord_quality(chord)]:
        root_string = next(i for i, fret in enumerate(shape) if fret >= 0)
        position = (chord.root_pc - players.tuning[root_string] - shape[root_string]) % 12
        pitches = tuple(players.tuning[i] + position + fret for i, fret in enumerate(shape) if fret >= 0)
        kept = tuple(p for p in pitches if p % 12 in chord.pitch_classes)
        if len(kept) >= 4 and (best is None or position < best[0]):
            best = (position, kept)
    return best[1] if best else None


def left_hand(plan: Plan, chords: list[ChordSpan], role: Role, rng: random.Random) -> list[NoteEvent]:
    """A solo piano's left hand: each chord's root from the data's floor, its fifth and its
    octave (or the chord tones under the ceiling), broken as the energy rises, below G3."""
    floor, ceiling = arrangement_data().players.left_hand
    voices = {}
    for index, chord in enumerate(chords):
        root = floor + (chord.bass % 12 - floor) % 12
        tones_above = [p for p in range(root + 1, ceiling + 1) if p % 12 in chord.pitch_classes]
        preferred = [p for p in tones_above if (p - root) % 12 in (7, 0)] or tones_above
        voices[index] = tuple([root] + preferred[:2])
    return patterned(plan, chords, role, arrangement_data().players.comping["left_hand"], rng, voices)
