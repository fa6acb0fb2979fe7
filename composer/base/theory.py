"""Music theory shared by the composing stages and the measures: pitch classes and scales,
intervals, melodic motion, parallel perfects and the instruments' ranges.

One definition of each rule, so what composition aims for and what measure checks agree.
Tonics are note names as composer writes them ("Bb", "F#"); modes are the ones a brief may name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from composer.base.tables import data_error, data_file, read_toml

# --- pitch classes and scales ------------------------------------------------------------

#: Pitch class of each letter name.
LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Semitones each accidental adds: composer writes "#" and "b", music21 writes "-" for a flat.
ACCIDENTALS = {"#": 1, "b": -1, "-": -1}

#: The seven degrees of each mode a brief may name, as semitones above the tonic.
MODE_STEPS: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}
#: The raised sixth and seventh of melodic and harmonic minor, as semitones above the tonic.
RAISED_MINOR_DEGREES = (9, 11)


@cache
def pitch_class(name: str) -> int:
    """The pitch class (C = 0) of a note name: a letter and its accidentals.

    >>> pitch_class("Bb"), pitch_class("F#"), pitch_class("E-"), pitch_class("Cb")
    (10, 6, 3, 11)
    """
    return (LETTERS[name[0].upper()] + sum(ACCIDENTALS[a] for a in name[1:])) % 12


@cache
def scale_pitch_classes(tonic: str, mode: str) -> frozenset[int]:
    """The seven pitch classes of ``mode`` on ``tonic``: the notes composition calls diatonic.

    >>> sorted(scale_pitch_classes("D", "dorian"))
    [0, 2, 4, 5, 7, 9, 11]
    >>> sorted(scale_pitch_classes("A", "minor"))
    [0, 2, 4, 5, 7, 9, 11]
    """
    root = pitch_class(tonic)
    return frozenset((root + step) % 12 for step in MODE_STEPS[mode])


def key_pitch_classes(tonic: str, mode: str) -> frozenset[int]:
    """The pitch classes a key calls its own: its scale and, in minor, the raised sixth and
    seventh as well (melodic and harmonic minor), so G# belongs to A minor. What a measure of
    music in an unknown style counts as in the key.

    >>> sorted(key_pitch_classes("A", "minor"))
    [0, 2, 4, 5, 6, 7, 8, 9, 11]
    """
    raised = RAISED_MINOR_DEGREES if mode == "minor" else ()
    root = pitch_class(tonic)
    return scale_pitch_classes(tonic, mode) | {(root + step) % 12 for step in raised}


# --- intervals and motion ----------------------------------------------------------------

#: Largest step (semitones): a major second.
STEP = 2
#: A leap is larger than this many semitones (a perfect fifth), as in DESIGN.md's melody rule.
LEAP = 7
#: Interval classes of the perfect consonances two voices may not move in parallel: the
#: unison or octave, and the fifth.
PERFECT = (0, 7)


def melodic_motion(pitches: Sequence[int]) -> tuple[float | None, float | None, float | None]:
    """(stepwise share, leap share, leap recovery) of a melody line's MIDI pitches.

    Shares are over the moves that change pitch: a step is at most a major second, a leap is
    larger than a perfect fifth. Recovery: of the leaps followed by another move, the share
    whose next move goes the other way (DESIGN.md: "a leap larger than a fifth is followed by a
    step back the other way"; a repeated note after the leap does not count as recovering).

    >>> melodic_motion([60, 62, 64, 72, 71])
    (0.75, 0.25, 1.0)
    """
    moves = [b - a for a, b in zip(pitches, pitches[1:])]
    changing = [m for m in moves if m]
    if not changing:
        return None, None, None
    steps = sum(1 for m in changing if abs(m) <= STEP) / len(changing)
    leaps = sum(1 for m in changing if abs(m) > LEAP) / len(changing)
    followed = [(a, b) for a, b in zip(moves, moves[1:]) if abs(a) > LEAP]
    recovery = sum(1 for a, b in followed if a * b < 0) / len(followed) if followed else None
    return steps, leaps, recovery


def parallel_perfect(low_a: int, high_a: int, low_b: int, high_b: int) -> bool:
    """Whether two voices move in parallel fifths or octaves from (``low_a``, ``high_a``) to
    (``low_b``, ``high_b``): both move, and they form the same perfect interval class before
    and after. The rule composition keeps (bass against the pad's top voice, the melody, the
    counter-line) and the measure counts (between a file's outer voices).

    >>> parallel_perfect(48, 67, 50, 69)   # C–G to D–A: parallel fifths
    True
    >>> parallel_perfect(48, 67, 50, 67)   # oblique motion
    False
    >>> parallel_perfect(48, 60, 43, 67)   # octave to octave, in contrary motion
    True
    """
    interval_a, interval_b = (high_a - low_a) % 12, (high_b - low_b) % 12
    moving = low_a != low_b and high_a != high_b
    return moving and interval_a == interval_b and interval_b in PERFECT


# --- ranges ------------------------------------------------------------------------------


class PitchRange(NamedTuple):
    """A register: its lowest and highest MIDI note, both included."""

    low: int
    high: int


#: The bass line's register (E1–G3).
BASS_RANGE = PitchRange(28, 55)
#: The General MIDI programs (0-based).
GM_PROGRAMS = range(128)


@cache
def gm_ranges() -> Mapping[int, PitchRange]:
    """The comfortable range of each General MIDI program, from ``data/ranges.toml``.

    >>> gm_ranges()[0], gm_ranges()[40]
    (PitchRange(low=21, high=108), PitchRange(low=55, high=100))
    """
    return read_gm_ranges(data_file("ranges"))


def read_gm_ranges(path: Path | Traversable) -> Mapping[int, PitchRange]:
    """The comfortable range of each General MIDI program, from a ranges file: each family's
    range for its programs, then a program's own range where it differs. Every program must be
    in exactly one family; anything else malformed is a ComposerError naming the key."""
    data = read_toml(path)
    unknown = sorted(data.keys() - {"family", "program"})
    if unknown:
        raise data_error(path, unknown[0], "unknown key (known: family, program)")
    families = data.get("family")
    if not isinstance(families, Mapping) or not families:
        raise data_error(path, "family", "missing: give [family.NAME] tables with programs and range")
    ranges: dict[int, PitchRange] = {}
    for name, family in families.items():
        key = f"family.{name}"
        if not isinstance(family, Mapping) or set(family) != {"programs", "range"}:
            raise data_error(path, key, "expected a table with exactly the keys programs and range")
        first, last = _midi_pair(family["programs"], path, f"{key}.programs")
        for program in range(first, last + 1):
            if program in ranges:
                raise data_error(path, f"{key}.programs", f"program {program} is in an earlier family too")
            ranges[program] = PitchRange(*_midi_pair(family["range"], path, f"{key}.range"))
    missing = [program for program in GM_PROGRAMS if program not in ranges]
    if missing:
        raise data_error(path, "family", f"no family holds program {missing[0]}")
    programs = data.get("program", {})
    if not isinstance(programs, Mapping):
        raise data_error(path, "program", f"expected a table of \"N\" = [low, high], found {programs!r}")
    for number, pair in programs.items():
        if not number.isdigit() or int(number) not in GM_PROGRAMS:
            raise data_error(path, f"program.{number}", "not a General MIDI program (0–127)")
        ranges[int(number)] = PitchRange(*_midi_pair(pair, path, f"program.{number}"))
    return MappingProxyType(ranges)


def _midi_pair(value: Any, path: Path | Traversable, key: str) -> tuple[int, int]:
    """``value`` as [low, high]: two whole numbers 0–127, the first no higher than the second."""
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 127 for v in value)):
        raise data_error(path, key, f"expected [low, high], two whole numbers 0–127, found {value!r}")
    if value[0] > value[1]:
        raise data_error(path, key, f"{value[0]} is above {value[1]}")
    return value[0], value[1]
