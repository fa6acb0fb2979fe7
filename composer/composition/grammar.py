"""The harmony and motif grammar (``data/harmony.toml``) as typed records, checked when read.

Harmony reads the chord grammar per mode, the idioms, the stinger pickups, the phrase shapes
and the vocabularies beyond triads (sevenths, jazz, blues, modal vamps, aeolian loops);
melody reads the rhythm cells, the motif flavours and the development rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from composer.base.exact import Fraction
from composer.base.records import bounds, record
from composer.base.tables import data_error, data_file, table
from composer.base.theory import MODE_STEPS

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
    """Where and how often a theme develops beyond restatement (diminution, extension), and in
    rhythm (its statements varied, its cadences shortened or anticipated)."""

    kinds: tuple[str, ...]
    diminution_sections: tuple[str, ...]
    diminution_share: float
    diminution_shortest_q: Fraction
    diminution_shortest_s: float
    extension_sections: tuple[str, ...]
    extension_share: float
    extension_notes: tuple[int, ...]
    extension_tail_q: Fraction
    rhythm_share: float = field(metadata=bounds(0, 1))
    cadence_rests_q: tuple[Fraction, ...]
    anticipation_share: float = field(metadata=bounds(0, 1))


@dataclass(frozen=True)
class Sevenths:
    """The "sevenths" vocabulary: the seventh of each grammar figure where adding "7" does not
    make it, and how often which functions take their ninth as colour."""

    figures: dict[str, str]
    ninth_share: float = field(metadata=bounds(0, 1))
    ninth_functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class JazzKey:
    """A mode's jazz chords: its tonic, the ii–V of its cadences, the spellings of that V's
    tritone substitute, and the two-bar phrase openings."""

    tonic: str
    predominant: str
    dominant: str
    substitute: tuple[str, ...]
    openings: tuple[str, ...]


@dataclass(frozen=True)
class Jazz:
    substitution_share: float = field(metadata=bounds(0, 1))
    keys: dict[str, JazzKey] = field(default_factory=dict)


@dataclass(frozen=True)
class Blues:
    """The twelve-bar form as degrees ("I", "IV", "V"), how often the quick change, and each
    mode's dominant seventh on each degree."""

    form: tuple[str, ...]
    quick_change_share: float = field(metadata=bounds(0, 1))
    chords: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModalVamp:
    """Two-chord vamps per mode ("tonic other"), each chord held ``bars``."""

    bars: int = field(metadata=bounds(1, 8))
    vamps: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class AeolianLoop:
    """Four-chord loops per mode, the chords that end a piece after the loop's first chord,
    and each mode's tonic (the first chord of a piece)."""

    loops: dict[str, tuple[str, ...]]
    endings: dict[str, str]
    tonics: dict[str, str]


@dataclass(frozen=True)
class Vocabularies:
    """Every harmonic vocabulary beyond the plain triads (styles.HARMONY_VOCABULARIES)."""

    sevenths: Sevenths
    jazz: Jazz
    blues: Blues
    modal_vamp: ModalVamp
    aeolian_loop: AeolianLoop
    #: Flamenco's descending loop (i–VII–VI–V), written as an aeolian loop is.
    andalusian: AeolianLoop


@dataclass(frozen=True)
class HarmonyData:
    """``harmony.toml``: grammar per mode, idioms per family and mode, stinger pickups per mode,
    phrase shapes per cadence and length, rhythm cells per beats-per-bar and character, motif
    flavours, development rules and the harmonic vocabularies beyond triads."""

    grammar: dict[str, Grammar]
    idioms: dict[str, dict[str, tuple[str, ...]]]
    stinger: dict[str, tuple[str, ...]]
    phrases: dict[str, tuple[str, ...]]
    rhythms: dict[str, dict[str, tuple[tuple[Fraction, ...], ...]]]
    motif_flavours: dict[str, Flavour]
    development: Development
    vocabularies: Vocabularies


@cache
def harmony_data() -> HarmonyData:
    """The grammar, read and checked once.

    >>> harmony_data().rhythms["4"]["calm"][3]
    (Fraction(3, 2), Fraction(1, 2), Fraction(2, 1))
    """
    data = record(HarmonyData, table("harmony"), data_file("harmony"))
    _check_vocabularies(data.vocabularies)
    return data


def _check_vocabularies(vocabularies: Vocabularies) -> None:
    """Every vocabulary speaks in every mode, and the blues names a chord for each degree of
    its form, which has twelve bars."""
    blues = vocabularies.blues
    rows: dict[str, Mapping[str, object]] = {
        "jazz.keys": vocabularies.jazz.keys, "blues.chords": blues.chords,
        "modal_vamp.vamps": vocabularies.modal_vamp.vamps}
    for name in ("aeolian_loop", "andalusian"):
        loop: AeolianLoop = getattr(vocabularies, name)
        rows |= {f"{name}.loops": loop.loops, f"{name}.endings": loop.endings, f"{name}.tonics": loop.tonics}
    for where, row in rows.items():
        missing = [mode for mode in MODE_STEPS if mode not in row]
        if missing:
            raise data_error(data_file("harmony"), f"vocabularies.{where}", f"no entry for {', '.join(missing)}")
    if len(blues.form) != 12 or any(set(blues.form) - set(chords) for chords in blues.chords.values()):
        raise data_error(data_file("harmony"), "vocabularies.blues",
                         "the form needs twelve bars, each a degree every mode's chords name")
