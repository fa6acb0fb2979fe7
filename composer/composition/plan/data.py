"""The plan's own data (``plan.toml``) as typed records, checked when first read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from composer.base.exact import Fraction
from composer.base.records import bounds, record
from composer.base.tables import data_file, table


@dataclass(frozen=True)
class ModeRegion:
    """Moods in a (valence, arousal) box take one of ``modes`` (repeats weight the choice)."""

    name: str
    valence: tuple[float, float]
    arousal: tuple[float, float]
    modes: tuple[str, ...]


@dataclass(frozen=True)
class FormRules:
    """How sections shape the energy, where a climax stands and when a build lifts the key."""

    climax_kinds: tuple[str, ...]
    climax_min_bars: int
    section_energy: dict[str, float]
    lift_kinds: tuple[str, ...]
    lift_modes: tuple[str, ...]
    lift_share: float
    lift_min_bars: int
    lift_interval: str


@dataclass(frozen=True)
class SwingRules:
    """Swing ratios by colour and by mood word (the largest found wins)."""

    colours: dict[str, Fraction]
    moods: dict[str, Fraction]


@dataclass(frozen=True)
class CounterRules:
    """Which cues get a counter-line, on which channel and program (-1: none)."""

    kinds: tuple[str, ...]
    presets: tuple[str, ...]
    channel: int
    programs: dict[str, int]
    colours: dict[str, int]


@dataclass(frozen=True)
class StyleRules:
    """The style a brief that names none plays: its kind's, else its use case's, else its first
    mood word's (``moods``), else ``default``."""

    default: str
    kinds: dict[str, str]
    presets: dict[str, str]
    moods: dict[str, str]


@dataclass(frozen=True)
class SceneChange:
    """One change a scene can make: the roles that rest, the energy it adds (negative: less),
    the kinds of cue that use it, the role it brings in (``features``: a long bed's second
    voice, which plays only in the scenes that feature it), whether it is the opening's
    (``opening``: the intro as a scene of its own, its voices entering after it), and how a full
    scene moves its harmony (``harmony``: "quick", a chord a bar where the piece holds two;
    "slow", two bars a chord where it changes every bar), and whether it is a solo player's
    (``solo``: where one pitched part plays, none can rest; it plays its figure another way)."""

    rests: tuple[str, ...]
    energy: float = field(metadata=bounds(-0.5, 0.5))
    kinds: tuple[str, ...] = ()
    features: str = ""
    opening: bool = False
    harmony: str = ""
    solo: bool = False


@dataclass(frozen=True)
class SceneRules:
    """How a long piece changes its scene: from what length (seconds), about how often
    (seconds), how far a full scene's energy may wander, the changes to choose from, and the
    kinds of cue whose melody gets a second voice for its scenes."""

    from_s: float
    length_s: float
    full_wander: float = field(metadata=bounds(0, 0.5))
    changes: dict[str, SceneChange]
    second_voice_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanData:
    """``plan.toml``: the plan's decisions that are data."""

    mode_regions: tuple[ModeRegion, ...]
    form: FormRules
    motif_flavours: dict[str, tuple[str, ...]]
    swing: SwingRules
    counter: CounterRules
    styles: StyleRules
    scenes: SceneRules


@cache
def plan_data() -> PlanData:
    """The plan's own data (``plan.toml``), checked when first read.

    >>> plan_data().form.lift_interval
    'M2'
    """
    return record(PlanData, table("plan"), data_file("plan"))
