"""The style library (``data/styles.toml``) as typed records, checked when first read.

A style is what a genre sounds like, as data: the words that name it, its tempo range, feel and
meters, and its drum groove as step grids per energy level. The brief reads its words, the plan
its tempo, meter, swing and groove; the arrangement plays the groove the Plan carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from composer.base.exact import Fraction
from composer.base.records import bounds, record
from composer.base.tables import data_error, data_file, table
from composer.base.theory import MODE_STEPS

#: How a style's eighths sit: straight, swung or shuffled (the first of two eighths longer), or
#: half-time (the backbeat on three).
FEELS = ("straight", "swing", "shuffle", "half-time")
#: Steps of a groove's grid per quarter note: sixteenths. Swing is the Plan's, applied where the
#: MIDI is written, so a swung groove is written straight, as swung music is.
STEPS_PER_BEAT = 4
#: GM percussion keys stop here (channel 10, General MIDI level 1).
DRUM_KEYS = (35, 81)
#: How a style's bass plays (arrange/bass.py): "held" is the plain bass of chord roots.
BASS_PATTERNS = ("held", "root_fifth", "walking", "octave_pump", "one_drop", "tumbao", "boom_bap", "glide_808",
                 "oom_pah", "dembow", "drone")
#: How a style's chord player comps (arrange/pads.py), each played in its instrument's own way
#: (a guitar strums what a piano blocks): "sustain" is the plain held pad.
COMPING_PATTERNS = ("sustain", "block", "broken", "alberti", "strum", "travis", "skank", "oom_pah_pah", "stabs", "march",
                    "arpeggio", "blues", "ballad")
#: The chords a style speaks in (harmony.py): "triads" is the plain diatonic vocabulary.
HARMONY_VOCABULARIES = ("triads", "sevenths", "jazz", "blues", "modal_vamp", "aeolian_loop", "andalusian")
#: The roles a style's palette may name (plan/sound.py casts them).
PALETTE_ROLES = ("pad", "bass", "melody", "counter", "ostinato", "texture", "timpani")
#: The General MIDI 2 drum kits a groove may call for, with each kit's program on channel 10.
DRUM_KITS = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr-808": 25, "jazz": 32, "brush": 40,
             "orchestral": 48}


@dataclass(frozen=True)
class Level:
    """One energy level of a groove: from bar energy ``energy`` up to the next level's, each
    voice's velocity on every sixteenth of the bar (0: silent; ghost notes are low velocities).
    Voices play in the order written, each from the bar's start."""

    energy: float = field(metadata=bounds(0, 1))
    steps: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Groove:
    """A style's drum kit and how it plays: its levels by rising energy, a fill over the bar's
    last beat(s) into each new section, a crash on each section's start, and the velocity each
    voice gains per unit of energy (``rise``)."""

    kit: str
    levels: dict[str, Level]
    fill: dict[str, tuple[int, ...]]
    crash: int = field(metadata=bounds(1, 127))
    rise: dict[str, int] = field(default_factory=dict)
    #: The voice struck (at ``crash``) on each arrival: a kit's crash, a hand drummer's tambourine.
    arrival: str = "crash"
    #: The voices of the final hit of a piece that rings or buttons, with their velocities.
    ending: dict[str, int] = field(default_factory=lambda: {"kick": 100, "crash": 105})

    def level_at(self, energy: float) -> Level | None:
        """The level playing at bar energy ``energy``: the highest whose energy it reaches, or
        None below the first (the drums rest)."""
        reached = [level for level in self.levels.values() if level.energy <= energy]
        return reached[-1] if reached else None

    @property
    def entry(self) -> float:
        """The bar energy from which the drums play."""
        return next(iter(self.levels.values())).energy


@dataclass(frozen=True)
class Style:
    """A genre as data: the words that name it, its tempo range, feel and swing ratio (the
    share of a beat the first of two eighths takes; 1/2 plays straight), its meters (the first
    is its own) and its drum groove, or None for a style played without a kit."""

    name: str
    words: tuple[str, ...]
    tempo: tuple[int, int]
    feel: str
    meters: tuple[tuple[int, int], ...]
    swing: Fraction = Fraction(1, 2)
    drums: Groove | None = None
    #: General MIDI programs per role, its own first, then alternatives; a role it does not
    #: name is the use case's.
    palette: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: Its bass pattern, comping pattern and harmonic vocabulary (the tuples above).
    bass: str = "held"
    comping: str = "sustain"
    harmony: str = "triads"
    #: Places, occasions and subjects that call for it ("hotel lobby", "oktoberfest", "heist"):
    #: they name it only where the brief names no style by its ``words``.
    scenes: tuple[str, ...] = ()
    #: Words of its phrases that mean the style there and nothing else: a phrase holding one is
    #: taken whole, so the lexicon does not read it too (the "reel" of "irish reel" is a dance,
    #: not a social-media reel).
    takes: tuple[str, ...] = ()
    #: Its music has a drop: "drop at 0:15" is the moment the full beat lands (a build into a
    #: hit), not the music falling quiet.
    drops: bool = False
    #: The modes it plays in, its own first (flamenco is minor whatever the mood); empty: any.
    modes: tuple[str, ...] = ()

    @property
    def meter(self) -> tuple[int, int]:
        return self.meters[0]


@dataclass(frozen=True)
class StyleLibrary:
    """``styles.toml``: the GM key of each drum voice, the styles by name, and the grooves a
    brief may ask for over any style ("light percussion"), by name."""

    drum_keys: dict[str, int]
    styles: dict[str, Style]
    grooves: dict[str, Groove] = field(default_factory=dict)


@cache
def style_library() -> StyleLibrary:
    """The style library, checked when first read: every grid a whole bar of the style's own
    meter, every voice a known drum key, every word naming one style only.

    >>> style_library().styles["reggae"].drums.levels["full"].steps["kick"][8] > 0
    True
    """
    source = data_file("styles")
    raw = table("styles")
    styles = {name: record(Style, values, source, f"styles.{name}", name=name)
              for name, values in raw.get("styles", {}).items()}
    grooves = {name: record(Groove, values, source, f"grooves.{name}") for name, values in raw.get("grooves", {}).items()}
    library = record(StyleLibrary, {"drum_keys": raw.get("drum_keys")}, source, styles=styles, grooves=grooves)
    check_library(library)
    return library


def styles() -> dict[str, Style]:
    """Every style, by name, in the order of the file.

    >>> styles()["jazz swing"].swing, styles()["waltz"].meter
    (Fraction(2, 3), (3, 4))
    """
    return style_library().styles


@cache
def style_words() -> dict[str, str]:
    """Every word or phrase that names a style, or a scene that calls for it, with the style's name.

    >>> style_words()["bossa"], style_words()["lo-fi hip hop"], style_words()["hotel lobby"]
    ('bossa nova', 'lo-fi hip hop', 'jazz ballad')
    """
    return {word: style.name for style in styles().values() for word in (*style.words, *style.scenes)}


def drum_key(voice: str) -> int:
    """The General MIDI percussion key of a drum voice.

    >>> drum_key("kick"), drum_key("snare")
    (36, 38)
    """
    return style_library().drum_keys[voice]


def check_library(library: StyleLibrary) -> None:
    """What the records cannot say alone: the grids fit the style's bar and name known voices,
    the feel is known and agrees with the swing, words are unique, levels rise."""
    source = data_file("styles")
    for voice, key in library.drum_keys.items():
        if not DRUM_KEYS[0] <= key <= DRUM_KEYS[1]:
            raise data_error(source, f"drum_keys.{voice}", f"{key} is not a General MIDI percussion key (35–81)")
    named: dict[str, str] = {}
    for style in library.styles.values():
        where = f"styles.{style.name}"
        if style.feel not in FEELS:
            raise data_error(source, f"{where}.feel", f"unknown feel {style.feel!r} (known: {', '.join(FEELS)})")
        if (style.swing > Fraction(1, 2)) != (style.feel in ("swing", "shuffle")) or not 0 < style.swing < 1:
            raise data_error(source, f"{where}.swing", f"{style.swing} does not fit the feel {style.feel!r}")
        if not style.meters or style.tempo[0] > style.tempo[1]:
            raise data_error(source, where, "needs a meter and a tempo range [low, high]")
        if not style.words:
            raise data_error(source, f"{where}.words", "needs at least one word that names it")
        for word in style.takes:
            if not any(word in phrase.split() for phrase in style.words):
                raise data_error(source, f"{where}.takes", f"{word!r} is in none of its words")
        for field_name, words in (("words", style.words), ("scenes", style.scenes)):
            for word in words:
                if word in named:
                    raise data_error(source, f"{where}.{field_name}", f"{word!r} already names {named[word]!r}")
                named[word] = style.name
        for field_name, value, known in (("bass", style.bass, BASS_PATTERNS),
                                         ("comping", style.comping, COMPING_PATTERNS),
                                         ("harmony", style.harmony, HARMONY_VOCABULARIES)):
            if value not in known:
                raise data_error(source, f"{where}.{field_name}",
                                 f"unknown {field_name} {value!r} (known: {', '.join(known)})")
        if unknown := [mode for mode in style.modes if mode not in MODE_STEPS]:
            raise data_error(source, f"{where}.modes", f"unknown mode {unknown[0]!r} (known: {', '.join(MODE_STEPS)})")
        for role, programs in style.palette.items():
            if role not in PALETTE_ROLES or not programs or any(not 0 <= p <= 127 for p in programs):
                raise data_error(source, f"{where}.palette.{role}",
                                 f"expected a role of {', '.join(PALETTE_ROLES)} with General MIDI programs 0–127")
        if style.drums is not None:
            _check_groove(library, style.drums, style.meter, f"{where}.drums")
    for name, groove in library.grooves.items():
        _check_groove(library, groove, (4, 4), f"grooves.{name}")


def _check_groove(library: StyleLibrary, groove: Groove, bar: tuple[int, int], where: str) -> None:
    """The groove's kit and voices are known, its grids one bar of ``bar`` (beats, unit) long."""
    source = data_file("styles")
    if groove.kit not in DRUM_KITS:
        raise data_error(source, f"{where}.kit", f"unknown kit {groove.kit!r} (known: {', '.join(DRUM_KITS)})")
    for voice in (groove.arrival, *groove.ending):
        if voice not in library.drum_keys:
            raise data_error(source, where, f"unknown drum voice {voice!r} (known: {', '.join(library.drum_keys)})")
    bar_steps = int(Fraction(4 * bar[0], bar[1]) * STEPS_PER_BEAT)
    grids = [(f"levels.{name}.steps", level.steps) for name, level in groove.levels.items()] + [("fill", groove.fill)]
    for key, grid in grids:
        for voice, steps in grid.items():
            at = f"{where}.{key}.{voice}"
            if voice not in library.drum_keys:
                raise data_error(source, at, f"unknown drum voice (known: {', '.join(library.drum_keys)})")
            if key == "fill":
                whole, expected = 0 < len(steps) <= bar_steps and len(steps) % STEPS_PER_BEAT == 0, "whole beats"
            else:
                whole, expected = len(steps) == bar_steps, f"{bar_steps} steps"
            if not whole or any(not 0 <= v <= 127 for v in steps):
                raise data_error(source, at, f"expected {expected} of velocity 0–127")
    if len({len(steps) for steps in groove.fill.values()}) != 1:
        raise data_error(source, f"{where}.fill", "every voice of a fill spans the same beats")
    energies = [level.energy for level in groove.levels.values()]
    if not energies or energies != sorted(energies):
        raise data_error(source, f"{where}.levels", "needs levels, in rising energy")
