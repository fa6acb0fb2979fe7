"""Timing and form cut to the picture: the moments a brief's events name (a hit, a turn, the
edges of a stop or a drop-out, a build's arrival, a tempo change, a button) fall on downbeats.

Film composers pick a tempo so that hits fall on bar lines; where one tempo cannot catch every
hit they change it between hits. Here the time between two such moments is filled with whole
bars at the tempo nearest the style's, so each span may take its own tempo (a tempo map whose
changes fall on the moments themselves). Tempos are whole microseconds per quarter note, as a
MIDI file stores them, each chosen to absorb the rounding of the ones before: what the file plays
is what the plan says, to the microsecond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from composer.composition.brief import CueEvent
from composer.composition.plan.model import PlacedEvent, Timing

#: Events whose moment lands on a downbeat (a button's is the final chord's, where the music ends).
ON_DOWNBEAT = ("hit", "turn", "tempo")
#: Events whose span starts and ends on downbeats.
SPAN_ON_DOWNBEATS = ("stop", "dip")
#: A span between two moments is given whole bars within this share of the common tempo, or its
#: later moment does not fall on a bar line (two moments too close for whole bars): a hit then
#: lands at its exact time within the bar, anything else on the nearest bar line.
MAX_TEMPO_BEND = Fraction(15, 100)

#: A build with no length named rises over this many bars into its moment (less if the music
#: before it is shorter).
BUILD_BARS = 8
MICROSECONDS = 60_000_000
#: The finest grid a hit off the bar lines is placed on: the MIDI file's ticks per quarter note.
TICKS_PER_QUARTER = 960
TICK_Q = Fraction(1, TICKS_PER_QUARTER)
#: How far a span's tempo may move from the cue's to land its moment on a downbeat, as a share.
TEMPO_RANGE = Fraction(8, 100)


@dataclass(frozen=True)
class Segment:
    """The music between two moments: its first bar, its bars, and what it is (``stop``,
    ``dip`` or ``play``)."""

    start_bar: int
    bars: int
    what: str


@dataclass(frozen=True)
class CutTiming:
    """A timing fitted to the picture, with the segments between its moments."""

    timing: Timing
    segments: tuple[Segment, ...]
    #: The moments (seconds) that fall on downbeats: those two close to another do not.
    on_downbeats: frozenset[Fraction] = frozenset()
    #: What the fitting had to do that a listener may notice, for the report.
    notes: tuple[str, ...] = ()


def moments(events: Sequence[CueEvent], duration_s: Fraction) -> list[tuple[Fraction, str]]:
    """(seconds, what follows) for every moment the music must reach on a downbeat, in order,
    strictly inside the piece; what follows is "stop" or "dip" inside one, else "play".

    >>> hit, stop = CueEvent("hit", Fraction(20)), CueEvent("stop", Fraction(30), Fraction(2))
    >>> moments([hit, stop], Fraction(60))
    [(Fraction(20, 1), 'play'), (Fraction(30, 1), 'stop'), (Fraction(32, 1), 'play')]
    """
    times = {e.at_s for e in events if e.kind in ON_DOWNBEAT or e.kind == "build"}
    times |= {t for e in events if e.kind in SPAN_ON_DOWNBEATS for t in (e.at_s, e.end_s)}
    spans = [e for e in events if e.kind in SPAN_ON_DOWNBEATS]

    def following(at_s: Fraction) -> str:
        inside = [e.kind for e in spans if e.at_s <= at_s < e.end_s]
        return "stop" if "stop" in inside else inside[0] if inside else "play"

    return [(at, following(at)) for at in sorted(times) if 0 < at < duration_s]


def fit_to_events(events: Sequence[CueEvent], duration_s: Fraction, wanted_bpm: Fraction, meter: tuple[int, int],
                  ending: str) -> CutTiming:
    """Whole bars between the events' moments, each span at the tempo nearest ``wanted_bpm``
    (a ``tempo`` event's own after it), then the end: bars and a release of about a second, a
    loop's whole bars, or a button's final beat.

    >>> cut = fit_to_events([CueEvent("hit", Fraction(75))], Fraction(90), Fraction(90), (4, 4), "ring")
    >>> round(float(cut.timing.exact_seconds(cut.timing.bar_start_q(cut.segments[1].start_bar))), 4)
    75.0
    """
    bar_q = Fraction(4 * meter[0], meter[1])
    tempo_at = _tempo_events(events)
    button_s = _early_button(events, duration_s, wanted_bpm, meter)
    marks = moments(events, button_s or duration_s) + ([(button_s, "play")] if button_s else [])
    spans: list[tuple[int, Fraction]] = []  # (bars, microseconds per quarter) per segment
    segments: list[Segment] = []
    notes: list[str] = []
    kept: list[Fraction] = []
    now_s, what, bar, playing = Fraction(0), "play", 0, wanted_bpm
    for at_s, following in marks:
        bars = _bars_between(at_s - now_s, _wanted(tempo_at, now_s, wanted_bpm), playing, bar_q, what == "stop")
        if bars is None:
            notes.append(f"the moment at {float(at_s):g} s is too close to the one before for whole bars between "
                         "them: it falls within a bar (a hit at its exact time)")
            continue
        micro = Fraction(round((at_s - now_s) * 1_000_000 / (bars * bar_q)))
        if what != "stop":
            playing = MICROSECONDS / micro
        kept.append(at_s)
        spans.append((bars, micro))
        segments.append(Segment(bar, bars, what))
        now_s += bars * bar_q * micro / 1_000_000
        bar, what = bar + bars, following
    last_wanted = _wanted(tempo_at, now_s, wanted_bpm)
    if button_s is not None and kept and kept[-1] == button_s:  # the music ends on it; the rest rings
        last_bars, last_micro, tail_s = 0, Fraction(round(MICROSECONDS / last_wanted)), duration_s - now_s
    else:
        last_bars, last_micro, tail_s = _end(duration_s - now_s, last_wanted, bar_q, meter, ending)
    spans.append((last_bars, last_micro))
    segments.append(Segment(bar, last_bars, what))
    tempos = [MICROSECONDS / micro for _, micro in spans]
    changes: list[tuple[Fraction, Fraction]] = []
    start_q, playing = Fraction(0), tempos[0]
    for (bars, _), span_tempo in zip(spans, tempos):
        if span_tempo != playing:
            changes.append((start_q, span_tempo))
            playing = span_tempo
        start_q += bars * bar_q
    timing = Timing(tempos[0], meter, bar + last_bars, Fraction(0), tail_s,
                    tempo_changes=tuple(changes))
    for (bars, _), played, segment in zip(spans, tempos, segments):
        own = _wanted(tempo_at, timing.exact_seconds(timing.bar_start_q(segment.start_bar)), wanted_bpm)
        if segment.what != "stop" and bars and abs(played / own - 1) > TEMPO_RANGE:
            notes.append(f"bars {segment.start_bar + 1}–{segment.start_bar + bars} play at {float(played):.1f} BPM, "
                         f"{float(abs(played / own - 1)) * 100:.0f} % off the cue's {float(own):.1f} BPM, so that "
                         "the next moment falls on a downbeat")
    return CutTiming(timing, tuple(s for s in segments if s.bars), frozenset(kept), tuple(notes))


def _early_button(events: Sequence[CueEvent], duration_s: Fraction, wanted: Fraction,
                  meter: tuple[int, int]) -> Fraction | None:
    """The time of a button that ends the music more than a beat before the file ends (the
    rest is its ring), or None: a button at the end lands on the final beat instead."""
    beat_s = 60 * Fraction(4, meter[1]) / wanted
    buttons = [e.at_s for e in events if e.kind == "button" and e.at_s < duration_s - beat_s]
    return min(buttons) if buttons else None


def _end(remaining_s: Fraction, wanted: Fraction, bar_q: Fraction, meter: tuple[int, int],
         ending: str) -> tuple[int, Fraction, Fraction]:
    """(bars, microseconds per quarter, release seconds) after the last moment: whole bars and a
    release of about a second (none for a loop; one beat for a button, the final chord's); a
    moment too near the end for a bar leaves only the release."""
    held = MICROSECONDS / Fraction(round(MICROSECONDS / wanted))
    bar_s = 60 * bar_q / held
    if ending not in ("loop", "button"):  # the tempo held, and a release of one to three seconds
        release_s = min(Fraction(1), remaining_s / 8)
        bars = math.floor((remaining_s - release_s) / bar_s)
        if bars >= 1 and remaining_s - bars * bar_s <= max(Fraction(3), bar_s / 2 + release_s):
            return bars, MICROSECONDS / held, remaining_s - bars * bar_s
    release_q = Fraction(4, meter[1]) if ending == "button" else Fraction(0)
    if ending not in ("loop", "button"):
        release_q = min(Fraction(1), remaining_s / 8) * wanted / 60
    bars = round((remaining_s * wanted / 60 - release_q) / bar_q)
    if bars < 1:
        return 0, MICROSECONDS / held, remaining_s
    micro = Fraction(round(remaining_s * 1_000_000 / (bars * bar_q + release_q)))
    return bars, micro, remaining_s - bars * bar_q * micro / 1_000_000


def _bars_between(length_s: Fraction, wanted: Fraction, playing: Fraction, bar_q: Fraction,
                  silent: bool) -> int | None:
    """Whole bars for a span of ``length_s`` seconds: among the counts whose tempo stays within
    ±TEMPO_RANGE of ``wanted``, the one nearest the tempo ``playing`` before it (a smooth tempo
    map); with none there, the count nearest ``wanted``, if it bends no more than MAX_TEMPO_BEND;
    else None. Only what came before decides, so moving a later moment never changes an earlier
    span. A silent span (a stop) takes the nearest count, whatever its tempo.

    >>> _bars_between(Fraction(10), Fraction(100), Fraction(100), Fraction(4), False)
    4
    >>> _bars_between(Fraction(3), Fraction(100), Fraction(100), Fraction(4), False) is None
    True
    """
    def count(tempo: Fraction) -> Fraction:
        return length_s * tempo / 60 / bar_q

    exact = count(wanted)
    if silent:
        return max(1, round(exact))
    low, high = math.ceil(count(wanted * (1 - TEMPO_RANGE))), math.floor(count(wanted * (1 + TEMPO_RANGE)))
    within = [n for n in range(max(1, low), high + 1)]
    if within:
        return min(within, key=lambda n: (abs(n - count(playing)), n))
    nearest = max(1, round(exact))
    return nearest if abs(nearest - exact) <= MAX_TEMPO_BEND * exact else None


def _tempo_events(events: Sequence[CueEvent]) -> dict[Fraction, Fraction]:
    return {e.at_s: e.tempo_bpm for e in events if e.kind == "tempo" and e.tempo_bpm}


def _wanted(tempo_at: dict[Fraction, Fraction], at_s: Fraction, wanted: Fraction) -> Fraction:
    """The tempo wanted from ``at_s``: the latest tempo event's at or before it, else ``wanted``."""
    earlier = [t for t in tempo_at if t <= at_s]
    return tempo_at[max(earlier)] if earlier else wanted


def place(events: Sequence[CueEvent], timing: Timing,
          on_downbeats: frozenset[Fraction] | None = None) -> tuple[PlacedEvent, ...]:
    """Each event at the quarter note it lands on: a moment on its downbeat (the nearest bar line,
    exact where the timing was cut to it; a hit, stop or drop-out edge the timing could not give
    a downbeat, of those ``on_downbeats`` does not hold, at its exact tick within the bar),
    anything else where its time falls.

    >>> cut = fit_to_events([CueEvent("hit", Fraction(75))], Fraction(90), Fraction(90), (4, 4), "ring")
    >>> placed = place([CueEvent("hit", Fraction(75))], cut.timing, cut.on_downbeats)[0]
    >>> placed.kind, round(float(cut.timing.exact_seconds(placed.at_q)), 4)
    ('hit', 75.0)
    """
    def landing(seconds: Fraction) -> Fraction:
        """A moment's quarter note: its bar line where the timing put one there, else its exact
        tick (a moment too close to another for whole bars)."""
        exact = timing.quarters_at(seconds)
        if on_downbeats is not None and seconds not in on_downbeats:
            return Fraction(round(exact * TICKS_PER_QUARTER), TICKS_PER_QUARTER)
        return _nearest_bar(timing, exact)

    placed = []
    for event in events:
        at_q = timing.quarters_at(event.at_s)
        end_q = timing.quarters_at(event.end_s)
        if event.kind == "button":
            at_q = timing.music_q
        elif event.kind in ("hit", *SPAN_ON_DOWNBEATS):
            at_q = landing(event.at_s)
        elif event.kind in ON_DOWNBEAT or event.kind == "build":
            at_q = _nearest_bar(timing, at_q)
        if event.kind in SPAN_ON_DOWNBEATS:
            end_q = max(at_q + TICK_Q, landing(event.end_s))
        elif event.kind == "build":
            earlier = [q for e in events if e is not event and e.kind != "build"
                       for q in (_nearest_bar(timing, timing.quarters_at(e.at_s)),
                                 _nearest_bar(timing, timing.quarters_at(e.end_s))) if q < at_q]
            start_q = _nearest_bar(timing, timing.quarters_at(event.at_s - event.length_s)) if event.length_s else (
                max([at_q - BUILD_BARS * timing.bar_q, Fraction(0), *earlier]))
            at_q, end_q = start_q, at_q
        elif event.kind in ON_DOWNBEAT or event.kind == "button":
            end_q = at_q
        placed.append(PlacedEvent(event.kind, event.at_s, event.length_s, at_q, end_q, event.keep, event.mode,
                                  event.label, event.source))
    return tuple(placed)


def _nearest_bar(timing: Timing, quarters: Fraction) -> Fraction:
    bar = min(max(0, round((quarters - timing.pickup_q) / timing.bar_q)), timing.bars)
    return timing.bar_start_q(bar)


def cut_form(kind: str, segments: Sequence[Segment], events: Sequence[PlacedEvent],
             timing: Timing) -> list[tuple[str, int]]:
    """(section name, bars) with a section starting at every moment: the first span opens with
    an intro, the last closes with an ending, a stop and a drop-out are sections of their own,
    the music rising into a build's moment is a build, and the rest are statements and contrasts
    in turn, of four-bar phrases up to eight bars long.

    >>> cut_form("thematic", [Segment(0, 12, "play"), Segment(12, 1, "stop"), Segment(13, 12, "play")], [],
    ...          Timing(Fraction(120), (4, 4), 25, Fraction(0), Fraction(1)))
    [('intro', 4), ('statement', 8), ('stop', 1), ('contrast', 8), ('ending', 4)]
    """
    builds = [(e.at_q, e.end_q) for e in events if e.kind == "build"]
    form: list[tuple[str, int]] = []
    turn = 0
    for index, segment in enumerate(segments):
        if segment.what in ("stop", "dip"):
            form.append((segment.what, segment.bars))
            continue
        bars = segment.bars
        head = 0 if index else 4 + bars % 4 if bars >= 12 else bars % 4 if bars >= 8 else 0
        tail = 4 if index == len(segments) - 1 and bars - head >= 12 else 0
        if head:
            form.append(("intro", head))
        middle = bars - head - tail
        end_bar = segment.start_bar + bars - tail
        build_from = next((timing.bar_at(start) for start, end in builds
                           if timing.bar_at(end) == end_bar and start < end), None)
        building = max(0, min(middle, end_bar - build_from)) if build_from is not None else 0
        middle -= building
        while middle > 0:
            size = middle if middle < 12 else 4 if middle == 12 else 8
            form.append((("statement", "contrast")[turn % 2], size))
            middle -= size
            turn += 1
        if building:
            form.append(("build", building))
        if tail:
            form.append(("ending", tail))
    return form


