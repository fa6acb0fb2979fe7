"""The arrangement's data, ``data/arrangement.toml``, as validated frozen records.

The file is read once, and every value is checked as it is read: a missing, unknown or wrong
setting fails at load with a ``ComposerError`` naming the file, the key and the problem, not
later as a ``KeyError`` in the middle of a piece.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from typing import NoReturn

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.base.tables import data_file
from composer.composition.plan import KINDS
from composer.composition.styles import BASS_PATTERNS, COMPING_PATTERNS

#: The roles the arrangement plays: each has a micro-timing limit and a mix level.
ROLES = ("pad", "bass", "melody", "counter", "ostinato", "texture", "timpani", "drums")
#: The velocity lines: the pitched roles, and an underscore's softer melody (drums are scaled instead).
VELOCITY_ROLES = ("pad", "bass", "melody", "underscore_melody", "counter", "ostinato", "texture", "timpani")
#: The bass patterns played by rule (bass.py), not from a grid.
RULED_BASS = ("held", "walking", "drone")
#: The tones a bass pattern's step may name.
BASS_TONES = ("root", "fifth", "octave", "third", "alternate", "next_root", "approach")
#: How a long piece's bass changes its figure over the form (bass.py scene_figures).
BASS_FIGURES = ("lay_back", "fill", "anticipate")
#: The tones a timpani pattern's step may name: the pair is tuned to the chord's root.
TIMPANI_TONES = ("root",)
#: The tones a comping pattern's step may name.
COMPING_TONES = ("chord", "upper", "bass", "alt_bass", "muted", "top", "v0", "v1", "v2", "v3", "v4", "v5")
#: How a comping pattern plays: chords struck (strummed on a guitar) or single voices picked.
COMPING_KINDS = ("chords", "picked")
#: The chord qualities a guitar has fretboard shapes for.
GUITAR_QUALITIES = ("major", "minor", "dominant7", "major7", "minor7", "half_diminished", "diminished", "augmented",
                    "sus4", "sus2")


@dataclass(frozen=True)
class Line:
    """A setting that follows the energy: ``calm`` at energy 0, ``full`` at energy 1, and on
    the straight line between them."""

    calm: float
    full: float

    def at(self, energy: float) -> float:
        """The value at ``energy``.

        >>> Line(20.0, 100.0).at(0.25)
        40.0
        """
        return self.calm + (self.full - self.calm) * energy


@dataclass(frozen=True)
class Velocity:
    """How hard each role plays: a line per role, varied by up to ``jitter`` steps a note;
    drum hits are scaled by the ``drums`` line instead."""

    jitter: int
    roles: Mapping[str, Line]
    drums: Line


@dataclass(frozen=True)
class Texture:
    """Below ``thin_energy`` the pad plays three voices; below ``breath_energy`` the pad and
    the ostinato let go a beat before a phrase ends."""

    thin_energy: float
    breath_energy: float


@dataclass(frozen=True)
class Ambient:
    """An ambient cue's motion: the pad's voices move over the first ``spread_beats`` of a
    chord, ``pad_moves`` voices sound per bar and ``texture_notes`` high tones enter per bar,
    each held ``texture_beats`` (fewest, most) beats."""

    spread_beats: int
    pad_moves: Line
    texture_notes: Line
    texture_beats: tuple[int, int]


@dataclass(frozen=True)
class Step:
    """One step of a player's one-bar grid: where in the bar (quarters from the barline), which
    tone, how long (quarters), how much louder than the line (``accent``), and the bar energy
    from which it plays."""

    at: Fraction
    tone: str
    length: Fraction
    accent: int
    from_energy: float


@dataclass(frozen=True)
class Pattern:
    """A player's pattern: a one-bar grid per meter (keyed by quarters per bar), and for a
    comping pattern whether it strikes chords or picks voices (``kind``)."""

    grids: Mapping[int, tuple[Step, ...]]
    kind: str = "chords"
    #: The genre's signature (a one drop, a skank): every bar plays it as written, unvaried.
    steady: bool = False
    #: A steady pattern's own variants, grids its player moves to from scene to scene of a long
    #: piece with the signature kept (the skank's double chop, the tumbao's octave):
    #: ``[comping.NAME.scenes]``, ``[bass_patterns.NAME.scenes]``.
    scene_grids: tuple[Mapping[int, tuple[Step, ...]], ...] = ()

    def bar(self, bar_q: Fraction, energy: float, variant: int = 0) -> tuple[Step, ...]:
        """The steps a bar of ``bar_q`` quarters at ``energy`` plays: its meter's grid, else the
        four-beat grid cut to the bar; ``variant`` n > 0: the n-th of its scene grids.

        >>> step = Step(Fraction(0), "root", Fraction(1), 0, 0.5)
        >>> len(Pattern({4: (step,)}).bar(Fraction(4), 0.6)), len(Pattern({4: (step,)}).bar(Fraction(3), 0.2))
        (1, 0)
        """
        grids = self.scene_grids[variant - 1] if variant else self.grids
        grid = grids.get(int(bar_q), grids[4]) if bar_q == int(bar_q) else grids[4]
        return tuple(s for s in grid if s.at < bar_q and s.from_energy <= energy)


@dataclass(frozen=True)
class Players:
    """How the players play like their instruments: the longest a non-sustaining note sounds
    (seconds), a strum's spread [up, down] (ms), the energy rise that strikes a held pad tone
    again, the lowest root of a patterned bass, a solo
    piano's left-hand floor and ceiling, the bass, comping and timpani patterns (and the
    timpani's build into an arrival), the guitar's
    tuning and fretboard shapes per chord quality (frets per string, -1 unplayed), and the
    guitar's own pattern for a keyboard's comping pattern it is asked to play."""

    longest_decay_s: float
    strum_ms: tuple[int, int]
    restrike_rise: float
    bass_floor: int
    left_hand: tuple[int, int]
    bass_patterns: Mapping[str, Pattern]
    comping: Mapping[str, Pattern]
    timpani: Pattern
    #: The timpani's bar before a section that arrives at least as strong, in a long piece.
    timpani_arrival: Pattern
    tuning: tuple[int, ...]
    shapes: Mapping[str, tuple[tuple[int, ...], ...]]
    guitar_comping: Mapping[str, str]


@dataclass(frozen=True)
class Balance:
    """How far (dB) the accompaniment sits under a melody: per kind of cue, more for a
    sustaining part under a melody that dies away; and how much louder each GM program sounds
    than the median one at the same velocity (dB), so the mix can allow for it."""

    under_melody_db: Mapping[str, float]
    sustained_db: float
    program_db: tuple[int, ...]


@dataclass(frozen=True)
class ArrangementData:
    """Everything ``data/arrangement.toml`` says: dynamics, human feel (largest micro-timing
    offset per role, ms), the mix (CC7 per role) and its balance under the melody, where the
    counter-line enters, the texture's thinning and breathing, an ambient cue's motion, a
    walking bass's share of approach notes and the figures each bass pattern changes to over a
    long piece."""

    velocity: Velocity
    timing_ms: Mapping[str, int]
    mix: Mapping[str, int]
    balance: Balance
    counter_entry: float
    texture: Texture
    ambient: Ambient
    approach_share: float
    bass_figures: Mapping[str, frozenset[str]]
    players: Players


@cache
def arrangement_data() -> ArrangementData:
    """The package's arrangement data, read and checked once.

    >>> arrangement_data().mix["melody"]
    110
    """
    return load_arrangement_data(data_file("arrangement"))


def load_arrangement_data(path: Traversable) -> ArrangementData:
    """The arrangement data in the TOML file at ``path``; a ``ComposerError`` naming the file,
    the key and the problem if any setting is missing, unknown or out of range."""
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ComposerError(f"{path} cannot be read as TOML ({error})", "correct the file") from error
    top = _Table(str(path), "", document)
    velocity = top.table("velocity")
    texture = top.table("texture")
    ambient = top.table("ambient")
    balance = top.table("balance")
    under = balance.table("under_melody_db")
    bass_table = top.table("bass")
    figures = bass_table.table("figures")
    data = ArrangementData(
        velocity=Velocity(velocity.integer("jitter", 0, 127),
                          {role: velocity.line(role, 1, 127) for role in VELOCITY_ROLES},
                          velocity.line("drums", 0, 2)),
        timing_ms=top.table("timing_ms").per_role(0, 10),  # human feel is at most 10 ms off the grid
        mix=top.table("mix").per_role(0, 127),
        balance=Balance({kind: under.number(kind, 0, 40) for kind in KINDS}, balance.number("sustained_db", 0, 40),
                        balance.integers("program_db", 128, -12, 12)),
        counter_entry=top.table("counter").number("entry", 0, 1),
        texture=Texture(texture.number("thin_energy", 0, 1), texture.number("breath_energy", 0, 1)),
        ambient=Ambient(ambient.integer("spread_beats", 1, 64), ambient.line("pad_moves", 0, 64),
                        ambient.line("texture_notes", 0, 64), ambient.ordered_pair("texture_beats", 1, 64)),
        approach_share=bass_table.number("approach_share", 0, 1),
        bass_figures={name: frozenset(figures.choices(name, BASS_FIGURES)) for name in BASS_PATTERNS},
        players=_players(top),
    )
    top.finish()
    return data


def _scene_grids(table: _Table, tones: tuple[str, ...]) -> tuple[dict[int, tuple[Step, ...]], ...]:
    """A pattern's scene variants (``[...NAME.scenes.VARIANT]``, each with its grids), in order."""
    if "scenes" not in table.values:
        return ()
    scenes = table.table("scenes")
    return tuple(scenes.table(variant).grids(tones) for variant in scenes.values)


def _players(top: _Table) -> Players:
    """The [players], [bass_patterns], [comping], [timpani] and [guitar] tables: every grid
    pattern the styles name, the timpani's, every chord quality a guitar shape."""
    players = top.table("players")
    timpani = top.table("timpani")
    bass_table, comping_table, guitar = top.table("bass_patterns"), top.table("comping"), top.table("guitar")
    bass_patterns = {}
    for name in (n for n in BASS_PATTERNS if n not in RULED_BASS):
        table = bass_table.table(name)
        bass_patterns[name] = Pattern(table.grids(BASS_TONES), steady=table.flag("steady"),
                                      scene_grids=_scene_grids(table, BASS_TONES))
    comping = {}
    for name in (*(c for c in COMPING_PATTERNS if c != "sustain"), "left_hand"):
        table = comping_table.table(name)
        comping[name] = Pattern(table.grids(COMPING_TONES), table.choice("kind", COMPING_KINDS), table.flag("steady"),
                                _scene_grids(table, COMPING_TONES))
    return Players(
        longest_decay_s=players.number("longest_decay_s", 0.5, 60),
        strum_ms=players.ordered_pair("strum_ms", 1, 40),
        restrike_rise=players.number("restrike_rise", 0, 1),
        bass_floor=players.integer("bass_floor", 21, 48),
        left_hand=(players.integer("left_hand_floor", 21, 60), players.integer("left_hand_ceiling", 21, 60)),
        bass_patterns=bass_patterns,
        comping=comping,
        timpani=Pattern(timpani.grids(TIMPANI_TONES), steady=True, scene_grids=_scene_grids(timpani, TIMPANI_TONES)),
        timpani_arrival=Pattern(timpani.table("arrival").grids(TIMPANI_TONES), steady=True),
        tuning=guitar.integers("tuning", 6, 28, 88),
        shapes={quality: guitar.shapes(quality) for quality in GUITAR_QUALITIES},
        guitar_comping=_guitar_comping(guitar.table("comping"), tuple(comping)),
    )


def _guitar_comping(table: _Table, patterns: tuple[str, ...]) -> dict[str, str]:
    """[guitar.comping]: a guitar's own pattern for each keyboard pattern it replaces."""
    return {name: table.choice(name, patterns) for name in (*patterns, "sustain") if name in table.values}


class _Table:
    """One table of a TOML data file, read key by key. Each read checks the value; ``finish``
    then rejects any key no one read (a misspelt setting would otherwise be ignored)."""

    def __init__(self, file: str, name: str, values: Mapping[str, object]) -> None:
        self.file, self.name, self.values = file, name, values
        self.children: list[_Table] = []
        self.used: set[str] = set()

    def key(self, key: str) -> str:
        """The dotted name of ``key`` in the file, as an error names it."""
        return f"{self.name}.{key}" if self.name else key

    def fail(self, key: str, found: object, expected: str) -> NoReturn:
        shown = "missing" if found is None else f"{found!r}"
        raise ComposerError(f"{self.file}: {self.key(key)} is {shown}", f"it must be {expected}")

    def value(self, key: str, expected: str) -> object:
        self.used.add(key)
        if key not in self.values:
            self.fail(key, None, expected)
        return self.values[key]

    def table(self, key: str) -> _Table:
        found = self.value(key, "a table")
        if not isinstance(found, dict):
            self.fail(key, found, "a table")
        child = _Table(self.file, self.key(key), found)
        self.children.append(child)
        return child

    def number(self, key: str, low: float, high: float) -> float:
        expected = f"a number from {low} to {high}"
        found = self.value(key, expected)
        if isinstance(found, (int, float)) and not isinstance(found, bool) and low <= found <= high:
            return float(found)
        self.fail(key, found, expected)

    def integer(self, key: str, low: int, high: int) -> int:
        expected = f"a whole number from {low} to {high}"
        found = self.value(key, expected)
        if isinstance(found, int) and not isinstance(found, bool) and low <= found <= high:
            return found
        self.fail(key, found, expected)

    def line(self, key: str, low: float, high: float) -> Line:
        expected = f"two numbers [at energy 0, at energy 1], each from {low} to {high}"
        found = self.value(key, expected)
        if isinstance(found, list) and len(found) == 2 and all(_is_number(v) and low <= v <= high for v in found):
            return Line(float(found[0]), float(found[1]))
        self.fail(key, found, expected)

    def ordered_pair(self, key: str, low: int, high: int) -> tuple[int, int]:
        expected = f"two whole numbers [fewest, most], from {low} to {high}"
        found = self.value(key, expected)
        if (isinstance(found, list) and len(found) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in found)
                and found[0] <= found[1]):
            return int(found[0]), int(found[1])
        self.fail(key, found, expected)

    def flag(self, key: str) -> bool:
        """A true or false setting, false where the table leaves it out."""
        if key not in self.values:
            return False
        found = self.value(key, "true or false")
        if isinstance(found, bool):
            return found
        self.fail(key, found, "true or false")

    def choice(self, key: str, known: tuple[str, ...]) -> str:
        expected = f"one of {', '.join(known)}"
        found = self.value(key, expected)
        if isinstance(found, str) and found in known:
            return found
        self.fail(key, found, expected)

    def choices(self, key: str, known: tuple[str, ...]) -> tuple[str, ...]:
        """A list of settings, each one of ``known`` (none is a list too)."""
        expected = f"a list of {', '.join(known)}"
        found = self.value(key, expected)
        if isinstance(found, list) and all(isinstance(v, str) and v in known for v in found):
            return tuple(found)
        self.fail(key, found, expected)

    def integers(self, key: str, count: int, low: int, high: int) -> tuple[int, ...]:
        expected = f"{count} whole numbers from {low} to {high}"
        found = self.value(key, expected)
        if (isinstance(found, list) and len(found) == count
                and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in found)):
            return tuple(int(v) for v in found)
        self.fail(key, found, expected)

    def shapes(self, key: str) -> tuple[tuple[int, ...], ...]:
        """Fretboard shapes: lists of six frets (-1 unplayed, else 0 to 12), at least four played."""
        expected = "a list of shapes, each six frets from -1 (unplayed) to 12, at least four played"
        found = self.value(key, expected)
        if (isinstance(found, list) and found
                and all(isinstance(shape, list) and len(shape) == 6
                        and all(isinstance(f, int) and not isinstance(f, bool) and -1 <= f <= 12 for f in shape)
                        and sum(f >= 0 for f in shape) >= 4 for shape in found)):
            return tuple(tuple(shape) for shape in found)
        self.fail(key, found, expected)

    def grids(self, tones: tuple[str, ...]) -> dict[int, tuple[Step, ...]]:
        """The one-bar grids of a pattern table (``in4``, and ``in3`` and ``in2`` where it has
        them): steps of [beat, tone, length, accent, from energy], each inside its bar."""
        grids = {}
        for beats in (4, 3, 2):
            key = f"in{beats}"
            if beats == 4 or key in self.values:
                grids[beats] = self._grid(key, beats, tones)
        return grids

    def _grid(self, key: str, beats: int, tones: tuple[str, ...]) -> tuple[Step, ...]:
        expected = (f"a list of steps [beat from 0 to under {beats}, tone ({', '.join(tones)}), length above 0, "
                    "accent from -40 to 40, from energy 0 to 1]")
        found = self.value(key, expected)
        if not isinstance(found, list) or not found:
            self.fail(key, found, expected)
        steps = []
        for step in found:
            if not (isinstance(step, list) and len(step) == 5 and _is_number(step[0]) and 0 <= step[0] < beats
                    and step[1] in tones and _is_number(step[2]) and 0 < step[2] <= 8
                    and isinstance(step[3], int) and -40 <= step[3] <= 40 and _is_number(step[4]) and 0 <= step[4] <= 1):
                self.fail(key, step, expected)
            steps.append(Step(Fraction(str(step[0])), str(step[1]), Fraction(str(step[2])), int(step[3]), float(step[4])))
        return tuple(steps)

    def per_role(self, low: int, high: int) -> dict[str, int]:
        """A whole number from ``low`` to ``high`` for each role of ``ROLES``."""
        return {role: self.integer(role, low, high) for role in ROLES}

    def finish(self) -> None:
        """Fail on the first key of this table or its tables that no one read."""
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            raise ComposerError(f"{self.file}: {self.key(unknown[0])} is not a setting", f"the settings here are {known}")
        for child in self.children:
            child.finish()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
