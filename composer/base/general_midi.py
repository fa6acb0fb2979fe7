"""General MIDI's names of programs and percussion keys (``data/general_midi.toml``).

The names pretty_midi gives, read from a table: `composer explain` names every instrument, and
importing pretty_midi for its table loads numpy, mido and the FluidSynth library (0.15 s).
"""

from __future__ import annotations

from functools import cache

from composer.base.tables import table

#: MIDI program numbers, 0-based as in MIDI bytes.
PROGRAMS = range(128)


@cache
def _drum_names() -> dict[int, str]:
    return {int(key): name for key, name in table("general_midi")["drums"].items()}


def program_name(program: int) -> str:
    """The General MIDI name of a program; ValueError outside 0–127.

    >>> program_name(0), program_name(33)
    ('Acoustic Grand Piano', 'Electric Bass (finger)')
    """
    if program not in PROGRAMS:
        raise ValueError(f"Invalid program number {program}, should be between 0 and 127")
    return str(table("general_midi")["programs"][program])


def drum_name(key: int) -> str:
    """The General MIDI name of a percussion key on channel 10; empty outside 35–81.

    >>> drum_name(36), drum_name(42), drum_name(20)
    ('Bass Drum 1', 'Closed Hi Hat', '')
    """
    return _drum_names().get(key, "")
