"""The melody's notes and the motif and theme they make, and where a melody may sit."""

from __future__ import annotations

from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges
from composer.composition.plan import Plan

#: Melody ranges (MIDI notes): above the speaking voice (G3–C5) for underscores, else D4–A5.
MELODY_RANGE = {"underscore": (74, 88)}
DEFAULT_MELODY_RANGE = (62, 81)
#: Where speech sits (G3–C5), and the range an underscore's melody takes below it when its
#: instrument cannot sing an octave above it (a cello under a voice sings low, on its C and G
#: strings, not strained at the top of its range inside the voice's band).
VOICE_BAND = (55, 72)
UNDER_VOICE_RANGE = (43, 57)


@dataclass(frozen=True)
class MelodyNote:
    """A melody note: onset and length in quarter notes, MIDI pitch."""

    start_q: Fraction
    length_q: Fraction
    pitch: int


@dataclass(frozen=True)
class Motif:
    """The theme's cell: a rhythm (quarter-note lengths) and a contour (scale steps between
    notes); ``neighbours`` are the indices of notes sung a semitone below the chord tone they
    leave and return to (a chromatic lower neighbour: its steps are -1 then +1)."""

    rhythm: tuple[Fraction, ...]
    steps: tuple[int, ...]
    neighbours: tuple[int, ...] = ()


@dataclass(frozen=True)
class Theme:
    """The motif and the melody built from it, with the onsets where the whole motif is heard
    with its exact contour (its fragments and free variations are not counted)."""

    motif: Motif
    notes: tuple[MelodyNote, ...]
    statements_q: tuple[Fraction, ...]
    #: (onset, kind) of each development placed whole: "inversion", "augmentation" and
    #: "diminution" (the whole contour, upside down, at double or at half values), and
    #: "extension" (the notes that carry a statement on in sequence)
    developments: tuple[tuple[Fraction, str], ...] = ()


def melody_range(plan: Plan) -> tuple[int, int]:
    """The melody's range: brighter and more energetic moods sit higher, darker and calmer
    ones lower (up to a major third either way); an underscore stays above the voice."""
    if plan.kind in MELODY_RANGE:
        low, high = MELODY_RANGE[plan.kind]
    else:
        shift = max(-4, min(4, round(2 * plan.valence + 2 * plan.arousal)))
        low, high = DEFAULT_MELODY_RANGE[0] + shift, DEFAULT_MELODY_RANGE[1] + shift
    player = melody_program(plan)
    if player is None:
        return low, high
    # inside the instrument's comfortable range; if that leaves less than an octave, the octave
    # under the mood's top (else the instrument's lowest octave: a glockenspiel sounds from C5),
    # or, for an underscore's melody with no chords above it to bury it, below the voice where
    # that is less in the voice's way
    instrument_low, instrument_high = gm_ranges()[player]
    high, low = min(high, instrument_high), max(low, instrument_low)
    if high - low >= 12:
        return low, high
    top = (high - 12, high) if high - 12 >= instrument_low else (instrument_low, min(instrument_low + 12, instrument_high))
    if plan.kind == "underscore" and all(r.role in ("melody", "bass", "drums") for r in plan.roles):
        under = (max(UNDER_VOICE_RANGE[0], instrument_low), min(UNDER_VOICE_RANGE[1], instrument_high))
        if under[1] - under[0] >= 12 and _in_voice(under) < _in_voice(top):
            return under
    return top


def _in_voice(span: tuple[int, int]) -> int:
    """How many semitones of ``span`` lie in the speaking voice's band.

    >>> _in_voice((64, 76)), _in_voice((43, 57)), _in_voice((74, 88))
    (8, 2, 0)
    """
    return max(0, min(span[1], VOICE_BAND[1]) - max(span[0], VOICE_BAND[0]))


def melody_program(plan: Plan) -> int | None:
    """The General MIDI program that plays the melody, or None when no part does."""
    return next((r.program for r in plan.roles if r.role == "melody"), None)


def is_strong(offset_q: Fraction, length_q: Fraction, bar_q: Fraction) -> bool:
    """A note heard as harmony: on the downbeat, on beat 3 of 4/4, or long.

    >>> is_strong(Fraction(2), Fraction(1), Fraction(4)), is_strong(Fraction(1), Fraction(2), Fraction(4))
    (True, True)
    """
    on_beat = offset_q % bar_q == 0 or (bar_q == 4 and offset_q % bar_q == 2)
    return on_beat or length_q >= Fraction(3, 2)
