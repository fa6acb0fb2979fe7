"""What a brief is once read: the ``Brief`` record, its energy-shape events and the limits a
brief must keep."""

from __future__ import annotations

from dataclasses import dataclass

#: The five cue kinds: what the music is for, which sets its form and ending.
KINDS = ("underscore", "bed", "stinger", "thematic", "ambient")
#: The length of a cue whose brief names none, by kind.
DEFAULT_DURATION_S = {"underscore": 60.0, "bed": 120.0, "stinger": 3.0, "thematic": 90.0, "ambient": 120.0}
MIN_DURATION_S = 1.0
MAX_DURATION_S = 3600.0
MIN_TEMPO_BPM = 20.0
MAX_TEMPO_BPM = 300.0
ENDINGS = ("ring", "button", "fade", "loop")


@dataclass(frozen=True)
class ShapeEvent:
    """One change of energy the brief asks for.

    ``verb`` is ``build`` or ``drop``; the event spans ``start_s``..``end_s`` of the piece, or,
    when ``from_end_s`` is set, the last ``from_end_s`` seconds. ``amount`` scales the change.
    """

    verb: str
    amount: float = 1.0
    start_s: float | None = None
    end_s: float | None = None
    from_end_s: float | None = None


@dataclass(frozen=True)
class Brief:
    """A structured brief. Fields left ``None`` are for the planner to choose."""

    text: str
    kind: str
    preset: str
    duration_s: float
    valence: float
    arousal: float
    tempo_bpm: float | None = None
    key: str | None = None
    meter: tuple[int, int] | None = None
    instruments: tuple[int, ...] = ()
    exclude: tuple[str, ...] = ()
    loop: bool = False
    shape: tuple[ShapeEvent, ...] = ()
    ending: str | None = None
    notes: tuple[str, ...] = ()
    ignored_words: tuple[str, ...] = ()
    mood_words: tuple[str, ...] = ()
    duration_given: bool = True
    colours: tuple[str, ...] = ()
    #: The named instruments play alone, nothing added ("solo cello", "just piano and strings").
    alone: bool = False
    #: Programs asked to lead among other instruments ("a solo horn, then full strings").
    featured: tuple[int, ...] = ()
    #: A named ensemble of ``data/ensembles.toml`` ("string quartet"); "" for none.
    ensemble: str = ""
    #: How many parts play ("a trio"), drums counted; None when the brief does not say.
    part_count: int | None = None
    #: The style the brief names (a name in styles.toml) and the words that named it; None for
    #: the use case's own.
    style: str | None = None
    style_words: tuple[str, ...] = ()
