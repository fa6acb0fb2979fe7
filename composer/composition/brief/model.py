"""What a brief is once read: the ``Brief`` record, its energy-shape events and the limits a
brief must keep."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from composer.base.exact import Fraction

#: The five cue kinds: what the music is for, which sets its form and ending.
KINDS = ("underscore", "bed", "stinger", "thematic", "ambient")
#: The length of a cue whose brief names none, by kind.
DEFAULT_DURATION_S = {"underscore": 60.0, "bed": 120.0, "stinger": 3.0, "thematic": 90.0, "ambient": 120.0}
#: The seed when none is given, in Python as on the command line: the same brief, the same piece.
DEFAULT_SEED = 1
MIN_DURATION_S = 1.0
MAX_DURATION_S = 3600.0
MIN_TEMPO_BPM = 20.0
MAX_TEMPO_BPM = 300.0
ENDINGS = ("ring", "button", "fade", "loop")
#: What the picture can ask of the music at a time (see ``CueEvent``).
EVENT_KINDS = ("hit", "stop", "dip", "build", "swell", "turn", "fade_in", "fade_out", "button", "tempo", "enter")
#: The order of events at one time: a build (which ends there) first, then what lands there,
#: then what begins there.
_AT_ONE_TIME = ("build", "hit", "button", "stop", "dip", "swell", "turn", "enter", "tempo", "fade_in", "fade_out")


@dataclass(frozen=True)
class ShapeEvent:
    """One change of energy the brief asks for.

    ``verb`` is ``build`` or ``drop``; the event spans ``start_s``..``end_s`` of the piece, or,
    when ``from_end_s`` is set, the last ``from_end_s`` seconds. ``amount`` scales the change.
    ``onward``: a build from ``start_s`` to the end ("builds from 1:30"), where one at a moment
    ("lifts at 1:10") is back up within two seconds.
    """

    verb: str
    amount: float = 1.0
    start_s: float | None = None
    end_s: float | None = None
    from_end_s: float | None = None
    onward: bool = False


#: The label of the hit where a dance track's drop lands ("drop at 0:15" in house or trap): the
#: arrangement clears the kick and bass from the beats before it, as the genre does.
DROP_LABEL = "the drop"
#: The modes a turn may name: to major, to minor, or the key a whole step up.
TURN_MODES = ("major", "minor", "up")


@dataclass(frozen=True)
class CueEvent:
    """One thing the picture asks of the music at a moment, in exact seconds from the start.

    - ``hit``: a tutti accent landing on a downbeat at ``at_s``.
    - ``stop``: silence from ``at_s`` for ``length_s``, then the music resumes.
    - ``dip``: from ``at_s`` for ``length_s`` only the ``keep`` layers (roles; none: the thinnest
      texture) play, the melody resting.
    - ``build``: rises in level, density and register over ``length_s`` into ``at_s`` (0: the
      planner chooses how long).
    - ``swell``: a crescendo over ``length_s`` from ``at_s``.
    - ``turn``: a new section at ``at_s``, in ``mode`` ("major", "minor"; "": the same mode;
      "up": the same mode a whole step up, a key change as a pop song lifts).
    - ``fade_in`` / ``fade_out``: over ``length_s`` from ``at_s``.
    - ``button``: a short final chord on the downbeat at ``at_s``; the music ends there.
    - ``tempo``: the tempo becomes ``tempo_bpm`` at ``at_s``.
    - ``enter``: the ``keep`` layers (roles) and the ``programs`` (named instruments, each the
      part its program plays) come in on the downbeat at ``at_s``, silent before.

    ``label`` is the name the editor gave it (a marker's name), ``source`` where it came from
    ("brief", "flag", "brief file", "manifest", "timeline", "markers").

    >>> CueEvent("hit", Fraction(75)).end_s
    Fraction(75, 1)
    """

    kind: str
    at_s: Fraction
    length_s: Fraction = Fraction(0)
    keep: tuple[str, ...] = ()
    mode: str = ""
    tempo_bpm: Fraction | None = None
    label: str = ""
    source: str = "brief"
    programs: tuple[int, ...] = ()

    @property
    def end_s(self) -> Fraction:
        """Where the event's span ends (its moment, for an event without length)."""
        return self.at_s + self.length_s


def events_in_order(events: Iterable[CueEvent]) -> tuple[CueEvent, ...]:
    """Events sorted by time, and at one time a build into it before the hit that lands there.

    >>> [e.kind for e in events_in_order([CueEvent("hit", Fraction(75)), CueEvent("build", Fraction(75)),
    ...                                   CueEvent("stop", Fraction(20), Fraction(2))])]
    ['stop', 'build', 'hit']
    """
    return tuple(sorted(events, key=lambda e: (e.at_s, _AT_ONE_TIME.index(e.kind), e.length_s)))


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
    #: Programs named only by a plain word ("guitar"), which the style's own of the kind replaces.
    plain: tuple[int, ...] = ()
    #: A named ensemble of ``data/ensembles.toml`` ("string quartet"); "" for none.
    ensemble: str = ""
    #: How many parts play ("a trio"), drums counted; None when the brief does not say.
    part_count: int | None = None
    #: The brief names drums ("piano and drums", "brushes"): a kit plays where the kind has a
    #: pulse, even beside instruments that play alone ("just piano and drums").
    names_drums: bool = False
    #: The parts it names by role ("just drums and bass"): they play, in the style's sound,
    #: beside instruments that play alone.
    named_roles: tuple[str, ...] = ()
    #: The drum kit the brief names (a kit of ``data/ensembles.toml``: "brush"); "" for the style's.
    kit: str = ""
    #: The groove the brief asks for over any style (``styles.toml`` [grooves]: "light
    #: percussion"); "" for the style's own.
    groove: str = ""
    #: The style the brief names (a name in styles.toml) and the words that named it; None for
    #: the use case's own.
    style: str | None = None
    style_words: tuple[str, ...] = ()
    #: What the picture asks at given times (hits, stops, dips, turns …), in time order.
    events: tuple[CueEvent, ...] = ()
