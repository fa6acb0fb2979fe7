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
from composer.base.tables import data_file

#: The roles the arrangement plays: each has a micro-timing limit and a mix level.
ROLES = ("pad", "bass", "melody", "counter", "ostinato", "texture", "timpani", "drums")
#: The velocity lines: the pitched roles, and an underscore's softer melody (drums are scaled instead).
VELOCITY_ROLES = ("pad", "bass", "melody", "underscore_melody", "counter", "ostinato", "texture", "timpani")


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
class ArrangementData:
    """Everything ``data/arrangement.toml`` says: dynamics, human feel (largest micro-timing
    offset per role, ms), the mix (CC7 per role), where the counter-line enters, the texture's
    thinning and breathing, an ambient cue's motion and a walking bass's share of approach notes."""

    velocity: Velocity
    timing_ms: Mapping[str, int]
    mix: Mapping[str, int]
    counter_entry: float
    texture: Texture
    ambient: Ambient
    approach_share: float


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
    data = ArrangementData(
        velocity=Velocity(velocity.integer("jitter", 0, 127),
                          {role: velocity.line(role, 1, 127) for role in VELOCITY_ROLES},
                          velocity.line("drums", 0, 2)),
        timing_ms=top.table("timing_ms").per_role(0, 10),  # human feel is at most 10 ms off the grid
        mix=top.table("mix").per_role(0, 127),
        counter_entry=top.table("counter").number("entry", 0, 1),
        texture=Texture(texture.number("thin_energy", 0, 1), texture.number("breath_energy", 0, 1)),
        ambient=Ambient(ambient.integer("spread_beats", 1, 64), ambient.line("pad_moves", 0, 64),
                        ambient.line("texture_notes", 0, 64), ambient.ordered_pair("texture_beats", 1, 64)),
        approach_share=top.table("bass").number("approach_share", 0, 1),
    )
    top.finish()
    return data


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
