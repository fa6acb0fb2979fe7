"""The brief's data files as typed records, checked as they load.

``data/lexicon.toml`` holds every word the reader knows; ``data/presets.toml`` the use-case
presets and the palette colours; ``data/ensembles.toml`` the words that ask for a solo, a count,
a named ensemble or a drum kit, which roles each family of instruments suits and the kits'
programs (read by the plan). A malformed file fails at load with a ``ComposerError`` that
names the file, the key and the problem, rather than as a ``KeyError`` deep inside a parse.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

from composer.base.errors import ComposerError
from composer.base.records import record
from composer.base.tables import data_error, data_file, read_toml
from composer.composition.brief.model import KINDS, MAX_TEMPO_BPM, MIN_TEMPO_BPM
from composer.composition.styles import style_library

#: The roles a preset gives a General MIDI program (-1 leaves the role out), in playing order.
ROLES = ("pad", "bass", "melody", "ostinato")
#: The roles a colour may recolour.
COLOUR_ROLES = (*ROLES, "texture")
#: The energy-shape verbs of ``[shape]``, in the order the reader looks them up.
SHAPE_VERBS = ("build", "drop", "fade", "button", "ring", "steady", "evolve", "big_finish", "starts_quiet")

#: The roles a named instrument can take (the drum kit is the style's, not an instrument's).
PART_ROLES = ("melody", "counter", "ostinato", "pad", "bass", "texture", "timpani")

_METER_TEXT = re.compile(r"([1-9]\d?)/(1|2|4|8|16)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_Value = TypeVar("_Value")


@dataclass(frozen=True)
class ShapeWords:
    """The energy-shape vocabulary: the phrases of each verb ("builds", "drops out", "fades"),
    how far a build rises, where a drop falls to (energy 0..1) and at most what share of the
    energy it leaves it keeps (so a quiet underscore's dip is heard too)."""

    verbs: Mapping[str, tuple[str, ...]]
    build_amount: float
    drop_level: float
    drop_share: float


@dataclass(frozen=True)
class Lexicon:
    """Every word the brief reader knows (``data/lexicon.toml``)."""

    #: Intensity words and how much they scale the next mood or the shape verb before them.
    modifiers: Mapping[str, float]
    #: Mood words as (valence, arousal), each in -1..1.
    moods: Mapping[str, tuple[float, float]]
    #: Words naming a cue kind, and weaker ones that give way to a purpose's own kind.
    kinds: Mapping[str, str]
    weak_kinds: Mapping[str, str]
    #: Kind words that name a moment: the stinger kind only in a short cue.
    moment_words: tuple[str, ...]
    #: Words naming a meter ("waltz" is 3/4).
    meters: Mapping[str, tuple[int, int]]
    #: Kind words that ask for a seamless loop.
    loop_words: frozenset[str]
    #: Words that exclude what follows them ("no", "without").
    exclusion_prefixes: tuple[str, ...]
    #: Words naming a group of roles ("drums", "vocals").
    families: Mapping[str, str]
    #: Instrument words and their General MIDI program (0-based).
    instruments: Mapping[str, int]
    #: Words that carry no musical meaning and are not reported as ignored.
    filler: tuple[str, ...]
    #: Number words for lengths such as "one and a half minutes".
    numbers: Mapping[str, float]
    shape: ShapeWords


@dataclass(frozen=True)
class Preset:
    """What a field of video work expects of its music (one table of ``data/presets.toml``)."""

    name: str
    #: Purpose words in a brief that choose this preset.
    words: tuple[str, ...]
    #: The cue kind when the brief names none.
    kind: str
    #: The tempo range (low, high) in BPM; arousal picks the tempo inside it.
    tempo: tuple[int, int]
    #: (valence, arousal) assumed before the brief's own mood words.
    mood: tuple[float, float]
    #: Integrated loudness target, LUFS.
    loudness: float
    #: The space it plays in (a name in rooms.toml).
    room: str
    #: General MIDI program of each of ``ROLES``; -1 leaves the role out.
    programs: Mapping[str, int]
    #: The high layer of an ambient cue; None leaves the choice to the plan.
    texture: int | None
    #: An orchestral timpani part's program where the kind has percussion; -1 for none.
    timpani: int
    #: Whether a drum kit plays by default.
    drums: bool
    meter: tuple[int, int]
    #: The family of four-chord loops the style leans on ("" for none), and how often.
    idiom: str
    idiom_share: float


@dataclass(frozen=True)
class Colour:
    """Words that recolour the palette ("acoustic", "electronic") and the programs they set."""

    name: str
    words: tuple[str, ...]
    #: Replace only synthesizer and electric programs, keeping the preset's acoustic ones.
    synthetic_only: bool
    #: Program by role (of ``COLOUR_ROLES``) for the roles this colour sets; -1 leaves one out.
    programs: Mapping[str, int]
    #: Replace only the programs in this (first, last) range ("gritty": the clean guitars), or any.
    only: tuple[int, int] | None = None


@dataclass(frozen=True)
class PresetTable:
    """Everything in ``data/presets.toml``: the presets and the colours, each by name."""

    presets: Mapping[str, Preset]
    colours: Mapping[str, Colour]


@dataclass(frozen=True)
class Family:
    """A family of General MIDI programs and the roles it suits, in order of preference."""

    name: str
    #: [first, last] program of the family, 0-based.
    programs: tuple[int, int]
    roles: tuple[str, ...]
    #: The role it takes when it plays alone.
    solo: str


@dataclass(frozen=True)
class Ensemble:
    """A named ensemble ("string quartet"): the words that name it and who plays which role."""

    name: str
    words: tuple[str, ...]
    #: General MIDI program by role.
    parts: dict[str, int]
    #: Whether a drum kit is one of its players.
    drums: bool = False


@dataclass(frozen=True)
class Ensembles:
    """``data/ensembles.toml``: solo and count words, named ensembles, and the roles families suit."""

    solo_words: tuple[str, ...]
    only_words: tuple[str, ...]
    #: Words that give the instrument beside them the tune without leaving it alone ("guitar lead").
    lead_words: tuple[str, ...]
    counts: dict[str, int]
    families: tuple[Family, ...]
    #: Per kind of cue, the roles taken instead of one it has no place for.
    kind_roles: dict[str, dict[str, tuple[str, ...]]]
    fallback: tuple[str, ...]
    fill_order: tuple[str, ...]
    ensembles: tuple[Ensemble, ...]
    #: General MIDI 2 drum kit programs (bank 128), by kit name.
    kits: dict[str, int]
    #: Words that name a kit ("brushes"), with the kit's name.
    kit_words: dict[str, str]
    #: Words that ask for a groove over any style ("light percussion"), with the groove's name
    #: (``styles.toml`` [grooves]).
    groove_words: dict[str, str]
    #: The programs that sound like singing, which "no vocals" leaves out.
    voices: tuple[int, ...]
    #: Words that name an instrument without saying which of its kind ("guitar"), with the
    #: (first, last) programs of that kind: the style's own of them plays.
    plain_words: dict[str, tuple[int, int]] = field(default_factory=dict)

    def kin(self, program: int) -> tuple[int, int]:
        """The programs a plain word's ``program`` stands for: its plain word's kind, else its family.

        >>> ensembles().kin(60), ensembles().kin(24), ensembles().kin(42)
        ((56, 67), (24, 31), (42, 42))
        """
        named = {lexicon().instruments[word]: kind for word, kind in self.plain_words.items()}
        return named.get(program, self.family(program).programs)

    def family(self, program: int) -> Family:
        """The family of ``program``.

        >>> ensembles().family(42).name, ensembles().family(12).roles
        ('cello', ('melody', 'ostinato'))
        """
        return next(f for f in self.families if f.programs[0] <= program <= f.programs[1])

    def ensemble(self, name: str) -> Ensemble:
        return next(e for e in self.ensembles if e.name == name)


@cache
def lexicon() -> Lexicon:
    """The brief vocabulary (``data/lexicon.toml``).

    >>> lexicon().instruments["cello"], lexicon().moods["calm"]
    (42, (0.2, -0.7))
    """
    return load_lexicon(data_file("lexicon"))


@cache
def _preset_table() -> PresetTable:
    return load_presets(data_file("presets"))


def presets() -> Mapping[str, Preset]:
    """Use-case presets (``data/presets.toml``), by name.

    >>> presets()["product"].tempo
    (120, 140)
    """
    return _preset_table().presets


def presets_colours() -> Mapping[str, Colour]:
    """Palette colours ("acoustic", "electronic", …) from ``data/presets.toml``, by name.

    >>> presets_colours()["lofi"].words[:2]
    ('lo-fi', 'lofi')
    """
    return _preset_table().colours


@cache
def ensembles() -> Ensembles:
    """Solo and count words, named ensembles, the roles of each family and the drum kits
    (``data/ensembles.toml``).

    >>> ensembles().counts["trio"], ensembles().ensemble("string quartet").parts["pad"], ensembles().kits["brush"]
    (3, 41, 40)
    """
    return load_ensembles(data_file("ensembles"))


def load_ensembles(file: Traversable) -> Ensembles:
    """Read and check an ensembles file: the families cover programs 0..127 once each, and every
    role named is one a part can take."""
    data = record(Ensembles, read_toml(file), file)
    covered = sorted(p for f in data.families for p in range(f.programs[0], f.programs[1] + 1))
    if covered != list(range(128)):
        raise data_error(file, "families", "must cover programs 0..127, each once")
    roles = [("families", r) for f in data.families for r in (*f.roles, f.solo)]
    roles += [("kind_roles", r) for table in data.kind_roles.values() for key, rs in table.items() for r in (key, *rs)]
    roles += [("fallback", r) for r in data.fallback] + [("ensembles", r) for e in data.ensembles for r in e.parts]
    roles += [("fill_order", r) for r in data.fill_order if r != "drums"]
    for key, role in roles:
        if role not in PART_ROLES:
            raise data_error(file, key, f"{role!r} is not a role (roles: {', '.join(PART_ROLES)})")
    for ensemble in data.ensembles:
        if not all(0 <= p <= 127 for p in ensemble.parts.values()):
            raise data_error(file, f"ensembles.{ensemble.name}", "programs must lie in 0..127")
    if not all(0 <= p <= 127 for p in data.voices):
        raise data_error(file, "voices", "programs must lie in 0..127")
    if not all(0 <= p <= 127 for p in data.kits.values()):
        raise data_error(file, "kits", "programs must lie in 0..127")
    for word, kit in data.kit_words.items():
        if kit not in data.kits:
            raise data_error(file, f"kit_words.{word}", f"{kit!r} is not a kit (kits: {', '.join(data.kits)})")
    for word, (first, last) in data.plain_words.items():
        if word not in lexicon().instruments or not first <= lexicon().instruments[word] <= last <= 127:
            raise data_error(file, f"plain_words.{word}", "must be an instrument of the lexicon within its programs, in 0..127")
    grooves = style_library().grooves
    for word, groove in data.groove_words.items():
        if groove not in grooves:
            raise data_error(file, f"groove_words.{word}", f"{groove!r} is not a groove of styles.toml (grooves: {', '.join(grooves)})")
    return data


def load_lexicon(file: Traversable) -> Lexicon:
    """Read and check a lexicon file."""
    top = _Table.read(file)
    top.only(["modifiers", "moods", "kinds", "weak_kinds", "moment_words", "meters", "loop_words", "exclusion_words", "families",
              "instruments", "filler", "numbers", "shape"])
    shape = top.table("shape")
    shape.only([*SHAPE_VERBS, "build_amount", "drop_level", "drop_share"])
    return Lexicon(
        modifiers=top.table("modifiers").each_word(lambda t, word: t.number(word, 0.0, 10.0)),
        moods=top.table("moods").each_word(lambda t, word: t.pair(word, _Table.number, -1.0, 1.0)),
        kinds=top.table("kinds").each_word(lambda t, word: t.text(word, KINDS)),
        weak_kinds=top.table("weak_kinds").each_word(lambda t, word: t.text(word, KINDS)),
        moment_words=top.table("moment_words").only_words("words"),
        meters=top.table("meters").each_word(_Table.meter_text),
        loop_words=frozenset(word for word, wanted in top.table("loop_words").each_word(_Table.flag).items() if wanted),
        exclusion_prefixes=top.table("exclusion_words").only_words("prefixes"),
        families=top.table("families").each_word(_Table.text),
        instruments=top.table("instruments").each_word(lambda t, word: t.integer(word, 0, 127)),
        filler=top.table("filler").only_words("words"),
        numbers=top.table("numbers").each_word(lambda t, word: t.number(word, 0.0, math.inf)),
        shape=ShapeWords(
            verbs=MappingProxyType({verb: shape.words(verb) for verb in SHAPE_VERBS}),
            build_amount=shape.number("build_amount", 0.0, 1.0),
            drop_level=shape.number("drop_level", 0.0, 1.0),
            drop_share=shape.number("drop_share", 0.0, 1.0),
        ),
    )


def load_presets(file: Traversable) -> PresetTable:
    """Read and check a presets file; it must hold a ``general`` preset, the one a brief that
    names no use case takes."""
    top = _Table.read(file)
    names = [name for name in top.keys() if name != "colours"]
    if "general" not in names:
        top.fail("general", "is missing: a brief that names no use case takes the general preset")
    colours = top.table("colours") if "colours" in top else _Table({}, top.file, "colours")
    return PresetTable(
        presets=MappingProxyType({name: _preset(top.table(name), name) for name in names}),
        colours=colours.each(lambda t, name: _colour(t.table(name), name)),
    )


def _preset(table: _Table, name: str) -> Preset:
    table.only(["words", "kind", "tempo", "mood", "loudness", "room", "texture", "timpani", "drums", "meter",
                "idiom", "idiom_share", *ROLES])
    low, high = table.pair("tempo", _Table.integer, int(MIN_TEMPO_BPM), int(MAX_TEMPO_BPM))
    if low > high:
        table.fail("tempo", f"must be [low, high] with low ≤ high, not {[low, high]}")
    return Preset(
        name=name,
        words=table.words("words"),
        kind=table.text("kind", KINDS),
        tempo=(low, high),
        mood=table.pair("mood", _Table.number, -1.0, 1.0),
        loudness=table.number("loudness", -70.0, 0.0),
        room=table.text("room"),
        programs=MappingProxyType({role: table.integer(role, -1, 127) for role in ROLES}),
        texture=table.integer("texture", 0, 127) if "texture" in table else None,
        timpani=table.integer("timpani", 0, 127) if "timpani" in table else -1,
        drums=table.flag("drums"),
        meter=table.meter("meter"),
        idiom=table.text("idiom") if "idiom" in table else "",
        idiom_share=table.number("idiom_share", 0.0, 1.0),
    )


def _colour(table: _Table, name: str) -> Colour:
    table.only(["words", "synthetic_only", "only", *COLOUR_ROLES])
    return Colour(
        name=name,
        words=table.words("words"),
        synthetic_only=table.flag("synthetic_only"),
        programs=MappingProxyType({role: table.integer(role, -1, 127) for role in COLOUR_ROLES if role in table}),
        only=table.pair("only", _Table.integer, 0, 127) if "only" in table else None,
    )


class _Table:
    """One TOML table on its way into a record. Each getter checks one key and, when it is
    missing or wrong, fails naming the file, the key (dotted, as TOML writes it) and the problem.

    >>> _Table({"tempo": [120]}, "presets.toml", "product").pair("tempo", _Table.integer, 20, 300)
    Traceback (most recent call last):
    ...
    composer.base.errors.ComposerError: presets.toml: product.tempo must be two numbers, not [120]: fix the data file (its header comment says what each key holds)
    """

    def __init__(self, data: Mapping[str, Any], file: str, path: str) -> None:
        self.data = data
        self.file = file
        self.path = path

    @classmethod
    def read(cls, file: Traversable) -> _Table:
        try:
            return cls(tomllib.loads(file.read_text("utf-8")), str(file), "")
        except FileNotFoundError:
            raise ComposerError(f"data file {file} does not exist", "reinstall composer") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ComposerError(f"data file {file} is not valid TOML ({error})", "fix the data file") from None

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def keys(self) -> list[str]:
        return list(self.data)

    def name(self, key: str) -> str:
        if key.startswith("["):  # an item of a list
            return f"{self.path}{key}"
        written = key if _BARE_KEY.fullmatch(key) else f'"{key}"'
        return f"{self.path}.{written}" if self.path else written

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ComposerError(f"{self.file}: {self.name(key)} {problem}",
                            "fix the data file (its header comment says what each key holds)")

    def get(self, key: str) -> Any:
        if key not in self.data:
            self.fail(key, "is missing")
        return self.data[key]

    def only(self, known: Iterable[str]) -> None:
        """Fail on the first key that is not one of ``known`` (a misspelt key would be ignored)."""
        unknown = [key for key in self.data if key not in set(known)]
        if unknown:
            self.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(known))})")

    def table(self, key: str) -> _Table:
        value = self.get(key)
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, not {value!r}")
        return _Table(value, self.file, self.name(key))

    def each(self, read: Callable[[_Table, str], _Value]) -> Mapping[str, _Value]:
        """Every key of this table read by ``read``, in the file's order."""
        return MappingProxyType({key: read(self, key) for key in self.data})

    def each_word(self, read: Callable[[_Table, str], _Value]) -> Mapping[str, _Value]:
        """``each`` for a table keyed by words, which must be lower case as the reader meets them."""
        for key in self.data:
            if key != key.strip().lower():
                self.fail(key, "must be written in lower case, as the reader meets words in a folded brief")
        return self.each(read)

    def number(self, key: str, low: float, high: float) -> float:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.fail(key, f"must be a number in {low:g}..{high:g}, not {value!r}")
        return float(value)

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"must be a whole number in {low}..{high}, not {value!r}")
        return value

    def pair(self, key: str, read: Callable[[_Table, str, Any, Any], _Value], low: Any, high: Any) -> tuple[_Value, _Value]:
        """Two values such as [low, high] or [valence, arousal], each read by ``read``."""
        value = self.get(key)
        if not isinstance(value, list) or len(value) != 2:
            self.fail(key, f"must be two numbers, not {value!r}")
        items = _Table({"[0]": value[0], "[1]": value[1]}, self.file, self.name(key))
        return read(items, "[0]", low, high), read(items, "[1]", low, high)

    def text(self, key: str, choices: Iterable[str] | None = None) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value or (choices is not None and value not in choices):
            wanted = f"one of {', '.join(choices)}" if choices is not None else "a non-empty string"
            self.fail(key, f"must be {wanted}, not {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {value!r}")
        return value

    def words(self, key: str) -> tuple[str, ...]:
        """A list of lower-case phrases, as the reader meets them in a folded brief."""
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(w, str) and w and w == w.strip().lower() for w in value):
            self.fail(key, f"must be a list of lower-case words, not {value!r}")
        return tuple(value)

    def only_words(self, key: str) -> tuple[str, ...]:
        """The list of words that is this table's only key."""
        self.only([key])
        return self.words(key)

    def meter(self, key: str) -> tuple[int, int]:
        beats, unit = self.pair(key, _Table.integer, 1, 16)
        if unit not in (1, 2, 4, 8, 16):
            self.fail(key, f"must be [beats, beat unit] with a unit of 1, 2, 4, 8 or 16, not {[beats, unit]}")
        return beats, unit

    def meter_text(self, key: str) -> tuple[int, int]:
        match = _METER_TEXT.fullmatch(str(self.get(key)))
        if match is None:
            self.fail(key, f'must be a meter such as "3/4" or "6/8", not {self.get(key)!r}')
        return int(match.group(1)), int(match.group(2))
