"""The harmony and motif grammar (``data/harmony.toml``) as typed records, checked when read.

Harmony reads the chord grammar per mode, the idioms, the stinger pickups and the phrase
shapes; melody reads the rhythm cells, the motif flavours and the development rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from composer.base.records import record
from composer.base.tables import data_file, table

#: The harmonic functions of the grammar: tonic, predominant, dominant.
FUNCTIONS = ("T", "PD", "D")


@dataclass(frozen=True)
class Grammar:
    """A mode's chords per function, plainest first (Roman numerals relative to the mode), with
    the chords its cadences use, its colour chords and the tonic's deceptive stand-in."""

    T: tuple[str, ...]
    PD: tuple[str, ...]
    D: tuple[str, ...]
    T_cadence: tuple[str, ...]
    D_cadence: tuple[str, ...]
    PD_colour: tuple[str, ...] = ()
    D_colour: tuple[str, ...] = ()
    T_deceptive: tuple[str, ...] = ()

    def chords(self, function: str) -> tuple[str, ...]:
        """The chords serving ``function`` ("T", "PD" or "D").

        >>> harmony_data().grammar["major"].chords("D")[0]
        'V'
        """
        return {"T": self.T, "PD": self.PD, "D": self.D}[function]

    def cadence_chords(self, function: str) -> tuple[str, ...]:
        """The chords ``function`` takes at a cadence; empty where the grammar lists none."""
        return {"T": self.T_cadence, "D": self.D_cadence}.get(function, ())

    def colours(self, function: str) -> tuple[str, ...]:
        """The colour chords (borrowed, secondary, Neapolitan) that may stand for ``function``."""
        return {"PD": self.PD_colour, "D": self.D_colour}.get(function, ())


@dataclass(frozen=True)
class Flavour:
    """A motif's character: the scale steps a leap may take, how many of the five step choices
    repeat the note, and the share of motifs that dip to a chromatic lower neighbour."""

    leaps: tuple[int, ...]
    repeats: int = 1
    chromatic_neighbours: float = 0.0


@dataclass(frozen=True)
class Development:
    """Where and how often a theme develops beyond restatement (diminution, extension)."""

    kinds: tuple[str, ...]
    diminution_sections: tuple[str, ...]
    diminution_share: float
    diminution_shortest_q: Fraction
    diminution_shortest_s: float
    extension_sections: tuple[str, ...]
    extension_share: float
    extension_notes: tuple[int, ...]
    extension_tail_q: Fraction


@dataclass(frozen=True)
class HarmonyData:
    """``harmony.toml``: grammar per mode, idioms per family and mode, stinger pickups per mode,
    phrase shapes per cadence and length, rhythm cells per beats-per-bar and character, motif
    flavours and development rules."""

    grammar: dict[str, Grammar]
    idioms: dict[str, dict[str, tuple[str, ...]]]
    stinger: dict[str, tuple[str, ...]]
    phrases: dict[str, tuple[str, ...]]
    rhythms: dict[str, dict[str, tuple[tuple[Fraction, ...], ...]]]
    motif_flavours: dict[str, Flavour]
    development: Development


@cache
def harmony_data() -> HarmonyData:
    """The grammar, read and checked once.

    >>> harmony_data().rhythms["4"]["calm"][3]
    (Fraction(3, 2), Fraction(1, 2), Fraction(2, 1))
    """
    return record(HarmonyData, table("harmony"), data_file("harmony"))
