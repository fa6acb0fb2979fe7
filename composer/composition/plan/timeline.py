"""Timing and form cut to the picture: the moments a brief's events name (a hit, a turn, the
edges of a stop or a drop-out, a build's arrival, a tempo change, a button) fall on downbeats.

Film composers pick a tempo so that hits fall on bar lines; where one tempo cannot catch every
hit they change it between hits. Here the time between two such moments is filled with whole
bars near the style's tempo, and the tempo ramps a beat at a time (never more than RAMP_STEP a
beat) from the one playing before towards what those bars need, so the map bends without a
lurch. Tempos are whole microseconds per quarter note, as a MIDI file stores them, a span's last
beat absorbing the rounding of the ones before: what the file plays is what the plan says, to
the microsecond.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.composition.brief import CueEvent
from composer.composition.brief.times import clock_text
from composer.composition.plan.model import PlacedEvent, Timing

#: Events whose moment lands on a downbeat (a button's is the final chord's, where the music ends).
ON_DOWNBEAT = ("hit", "turn", "tempo", "enter")
#: Events whose span starts and ends on downbeats.
SPAN_ON_DOWNBEATS = ("stop", "dip")
#: A span that no whole bars, nor a bar of changed meter, fill within TEMPO_RANGE of the cue's
#: tempo is given whole bars within this share of it, or its later moment does not fall on a bar
#: line (two moments too close for any bar): a hit then lands at its exact time within the bar,
#: anything else on the nearest bar line.
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
    ``dip`` or ``play``); whether its last bar is of a changed meter (``odd``)."""

    start_bar: int
    bars: int
    what: str
    odd: bool = False


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
    """Whole bars between the events' moments, each span's tempo ramping from the one playing
    before it to the tempo its bars need (nearest ``wanted_bpm``, or a ``tempo`` event's own
    after it), then the end: bars and a release of about a second, a loop's whole bars, or a
    button's final beat.

    >>> cut = fit_to_events([CueEvent("hit", Fraction(75))], Fraction(90), Fraction(90), (4, 4), "ring")
    >>> abs(cut.timing.exact_seconds(cut.timing.bar_start_q(cut.segments[1].start_bar)) - 75) < Fraction(1, 10**6)
    True
    """
    bar_q, beat_q = Fraction(4 * meter[0], meter[1]), Fraction(4, meter[1])
    tempo_at = _tempo_events(events)
    button_s = _early_button(events, duration_s, wanted_bpm, meter)
    marks = moments(events, button_s or duration_s) + ([(button_s, "play")] if button_s else [])
    names = _moment_names(events)
    tempos: list[tuple[Fraction, int]] = []  # (quarter notes, microseconds per quarter), beat by beat
    meter_changes: list[tuple[int, tuple[int, int]]] = []
    segments: list[Segment] = []
    notes: list[str] = []
    kept: list[Fraction] = []
    now_s, now_q, mark_s, what, bar = Fraction(0), Fraction(0), Fraction(0), "play", 0
    playing: int | None = None  # the tempo the music plays as a span begins; None: it starts there
    for at_s, following in marks:
        wanted = _wanted(tempo_at, mark_s, wanted_bpm)
        if mark_s in tempo_at:  # a tempo change is asked for at its moment: a step, not a ramp
            playing = round(MICROSECONDS / wanted)
        length_s = at_s - now_s
        fitted = _bars_between(length_s, wanted, playing, meter, what == "stop")
        if fitted is None:
            notes.append(f"the moment at {float(at_s):g} s is too close to the one before for whole bars between "
                         "them: it falls within a bar (a hit at its exact time)")
            continue
        bars, odd = fitted
        span_q = (bars - 1) * bar_q + Fraction(4 * odd[0], odd[1]) if odd else bars * bar_q
        if odd:  # the span's last bar, in its own meter, leads into the moment
            meter_changes += [(bar + bars - 1, odd), (bar + bars, meter)]
            notes.append(f"bar {bar + bars} is {odd[0]}/{odd[1]} so {names.get(at_s, 'the next moment')} falls on a "
                         f"downbeat (no whole bars of {meter[0]}/{meter[1]} reach it within "
                         f"{float(TEMPO_RANGE) * 100:.0f} % of the cue's tempo by a ramp of at most "
                         f"{float(RAMP_STEP) * 100:.0f} % a beat)")
        unit_q = beat_q if span_q % beat_q == 0 else beat_q / 2  # a bar of 7/8 ramps by eighths
        span, steps = _ramp(span_q, length_s * 1_000_000, None if what == "stop" else playing, unit_q, wanted)
        if what != "stop":
            notes += _tempo_notes(bar, span, steps, playing, bar_q, unit_q, wanted,
                                  f"so {names.get(at_s, 'the next moment')} falls on a downbeat")
            playing = span[steps - 1]
        tempos += [(now_q + index * unit_q, micro) for index, micro in enumerate(span)]
        kept.append(at_s)
        segments.append(Segment(bar, bars, what, odd is not None))
        now_s += unit_q * sum(span) / 1_000_000
        now_q += span_q
        bar, what, mark_s = bar + bars, following, at_s
    last_wanted = _wanted(tempo_at, mark_s, wanted_bpm)
    if mark_s in tempo_at:
        playing = round(MICROSECONDS / last_wanted)
    remaining_s = duration_s - now_s
    last_bars, tail_s = 0, remaining_s
    if button_s is None or not kept or kept[-1] != button_s:  # else the music ends on the button; the rest rings
        held = last_wanted if playing is None or abs(MICROSECONDS / playing / last_wanted - 1) > TEMPO_RANGE else (
            MICROSECONDS / Fraction(playing))
        last_bars, filled_q, filled_s = _end(remaining_s, last_wanted, held, bar_q, meter, ending)
        while last_bars:
            if ending in ("loop", "button"):  # the bars (and a button's beat) fill the rest exactly
                span, steps = _ramp(filled_q, filled_s * 1_000_000, playing, beat_q, last_wanted, absorb=False)
            else:  # the bars' tempo reached by a ramp; what is left rings
                span, steps = _ramp_to(filled_q, playing, round(filled_s * 1_000_000 / filled_q), beat_q)
            music = span[:int(last_bars * bar_q / beat_q)]
            tail_s = remaining_s - beat_q * sum(music) / 1_000_000
            if ending in ("loop", "button") or last_bars == 1 or tail_s >= min(Fraction(1), remaining_s / 8) / 2:
                break
            last_bars, filled_q, filled_s = last_bars - 1, filled_q - bar_q, filled_s - filled_s / last_bars
        if last_bars:
            notes += _tempo_notes(bar, music, steps, playing, bar_q, beat_q, last_wanted,
                                  "into the button" if ending == "button" else "into the end")
            tempos += [(now_q + index * beat_q, micro) for index, micro in enumerate(span)]
    segments.append(Segment(bar, last_bars, what))
    first = tempos[0][1] if tempos else round(MICROSECONDS / wanted_bpm)
    changes: list[tuple[Fraction, Fraction]] = []
    current = first
    for at_q, micro in tempos:
        if micro != current:
            changes.append((at_q, MICROSECONDS / Fraction(micro)))
            current = micro
    timing = Timing(MICROSECONDS / Fraction(first), meter, bar + last_bars, Fraction(0), tail_s,
                    tempo_changes=tuple(changes),
                    meter_changes=_meter_changes(meter_changes, meter, bar + last_bars))
    return CutTiming(timing, tuple(s for s in segments if s.bars), frozenset(kept), tuple(notes))


def _meter_changes(changes: Sequence[tuple[int, tuple[int, int]]], meter: tuple[int, int],
                   bars: int) -> tuple[tuple[int, tuple[int, int]], ...]:
    """``changes`` (bar, meter from it) as the piece's meter map: a later change at the same bar
    wins, one to the meter already playing or past the last bar is none.

    >>> _meter_changes([(4, (2, 4)), (5, (4, 4)), (5, (3, 4)), (6, (4, 4))], (4, 4), 20)
    ((4, (2, 4)), (5, (3, 4)), (6, (4, 4)))
    """
    at_bar = dict(changes)
    result: list[tuple[int, tuple[int, int]]] = []
    for bar in sorted(at_bar):
        if bar < bars and at_bar[bar] != (result[-1][1] if result else meter):
            result.append((bar, at_bar[bar]))
    return tuple(result)


#: A ramp's tempo moves by at most this share from one beat to the next, so no lurch is heard.
RAMP_STEP = Fraction(2, 100)


def _ramp(quarters: Fraction, length_us: Fraction, playing: int | None, beat_q: Fraction,
          wanted: Fraction, absorb: bool = True) -> tuple[list[int], int]:
    """(microseconds per quarter note beat by beat, beats the ramp takes) for ``quarters``
    quarter notes lasting ``length_us``: from the tempo ``playing`` (None: from the span's own)
    a step a beat for as few beats as keep each step within RAMP_STEP, then held, so that the
    span lasts its length; the last beat absorbs the rounding to whole microseconds (if
    ``absorb``: a moment follows), so the span ends within half a microsecond per quarter of a
    beat. A ramp that starts far off must
    overshoot the span's mean to make up the time: where so gentle a ramp would overshoot
    beyond TEMPO_RANGE of ``wanted`` (or the span's own mean, if further) it takes fewer,
    larger steps.

    >>> _ramp(Fraction(8), Fraction(5_000_000), None, Fraction(1), Fraction(96))
    ([625000, 625000, 625000, 625000, 625000, 625000, 625000, 625000], 1)
    >>> tempos, steps = _ramp(Fraction(32), Fraction(20_000_000), 666_667, Fraction(1), Fraction(90))
    >>> steps, [round(60_000_000 / t, 1) for t in tempos[:5]], round(60_000_000 / tempos[-2], 1)
    (4, [91.5, 93.1, 94.7, 96.3, 96.3], 96.3)
    >>> sum(tempos)
    20000000
    """
    count = int(quarters / beat_q)
    total = length_us / beat_q  # the sum of every beat's microseconds per quarter note
    mean = total / count
    start = mean if playing is None else Fraction(playing)
    allowed = max(TEMPO_RANGE, abs(MICROSECONDS / mean / wanted - 1))

    def held(steps: int) -> Fraction:
        return (total - start * Fraction(steps - 1, 2)) / (count - Fraction(steps - 1, 2))

    def gentle(steps: int) -> bool:
        return abs(held(steps) - start) <= RAMP_STEP * steps * min(held(steps), start)

    steps = next((n for n in range(1, count + 1) if gentle(n)), count)
    while steps > 1 and abs(MICROSECONDS / held(steps) / wanted - 1) > allowed:  # fewer, larger steps
        steps -= 1
    target = held(steps)
    rounded = [round(start + (target - start) * (i + 1) / steps) for i in range(min(steps, count - 1))]
    rounded += [round(target)] * (count - 1 - len(rounded))
    return [*rounded, round(total - sum(rounded)) if absorb else round(target)], steps


def _ramp_to(quarters: Fraction, playing: int | None, target: int, beat_q: Fraction) -> tuple[list[int], int]:
    """(microseconds per quarter note beat by beat, beats the ramp takes) for ``quarters``
    quarter notes moving from ``playing`` to ``target`` in steps within RAMP_STEP a beat, then
    held there (where the music's length is free: what follows rings to the end).

    >>> tempos, steps = _ramp_to(Fraction(8), 750_000, 666_667, Fraction(1))
    >>> steps, [round(60_000_000 / t, 1) for t in tempos]
    (7, [81.3, 82.6, 84.0, 85.4, 86.9, 88.4, 90.0, 90.0])
    """
    count = int(quarters / beat_q)
    if playing is None:
        return [target] * count, 1
    steps = max(1, math.ceil(abs(target - playing) / (RAMP_STEP * min(target, playing))))
    ramp = [round(playing + Fraction((target - playing) * (i + 1), steps)) for i in range(min(steps, count))]
    return ramp + [target] * (count - len(ramp)), min(steps, count)


def _tempo_notes(first_bar: int, span: Sequence[int], steps: int, playing: int | None, bar_q: Fraction,
                 beat_q: Fraction, wanted: Fraction, reason: str) -> list[str]:
    """What a listener may notice of a span's tempo, for the report: a ramp or a step from the
    tempo before it (with steps larger than RAMP_STEP where too little time forced them), and a
    tempo further than TEMPO_RANGE from the cue's."""
    if not span:
        return []
    notes = []
    to_bpm = MICROSECONDS / Fraction(span[min(steps, len(span)) - 1])
    if playing is not None and abs(MICROSECONDS / Fraction(playing) - to_bpm) >= Fraction(1, 20):
        from_bpm = MICROSECONDS / Fraction(playing)
        last_bar = first_bar + max(1, math.ceil(min(steps, len(span)) * beat_q / bar_q))
        bars = f"bar {first_bar + 1}" if last_bar == first_bar + 1 else f"bars {first_bar + 1}–{last_bar}"
        tempos = [playing, *span[:steps]]
        largest = max(abs(Fraction(a, b) - 1) for a, b in zip(tempos, tempos[1:]) for a, b in ((a, b), (b, a)))
        how = "ramps" if steps > 1 else "steps"
        gentler = "" if largest <= RAMP_STEP else (
            f" in steps of up to {float(largest) * 100:.1f} % a beat (too little time for a gentler ramp)" if steps > 1
            else f" ({float(largest) * 100:.1f} %: too little time for a gentler ramp)")
        notes.append(f"{bars} {how if bars.startswith('bar ') else how[:-1]} from {float(from_bpm):.1f} to "
                     f"{float(to_bpm):.1f} BPM{gentler} {reason}")
    if abs(to_bpm / wanted - 1) > TEMPO_RANGE:
        last_bar = first_bar + math.ceil(len(span) * beat_q / bar_q)
        bars = f"bar {last_bar}" if last_bar == first_bar + 1 else f"bars {first_bar + 1}–{last_bar}"
        notes.append(f"{bars} play{'s' if last_bar == first_bar + 1 else ''} at "
                     f"{float(to_bpm):.1f} BPM, {float(abs(to_bpm / wanted - 1)) * 100:.0f} % off the cue's "
                     f"{float(wanted):.1f} BPM, {reason}")
    return notes


def _moment_names(events: Sequence[CueEvent]) -> dict[Fraction, str]:
    """What falls at each moment, as the report names it: "the hit at 0:16.5"."""
    names: dict[Fraction, str] = {}
    spoken = {"hit": "the hit", "turn": "the turn", "tempo": "the tempo change", "build": "the build's arrival",
              "stop": "the stop", "dip": "the drop-out", "button": "the button"}
    for event in sorted(events, key=lambda e: e.kind != "hit"):  # a hit names its moment first
        if event.kind in spoken:
            names.setdefault(event.at_s, f"{spoken[event.kind]} at {clock_text(event.at_s)}")
        if event.kind in SPAN_ON_DOWNBEATS:
            names.setdefault(event.end_s, f"the end of {spoken[event.kind]} at {clock_text(event.end_s)}")
    return names


def _early_button(events: Sequence[CueEvent], duration_s: Fraction, wanted: Fraction,
                  meter: tuple[int, int]) -> Fraction | None:
    """The time of a button that ends the music more than a beat before the file ends (the
    rest is its ring), or None: a button at the end lands on the final beat instead."""
    beat_s = 60 * Fraction(4, meter[1]) / wanted
    buttons = [e.at_s for e in events if e.kind == "button" and e.at_s < duration_s - beat_s]
    return min(buttons) if buttons else None


def _end(remaining_s: Fraction, wanted: Fraction, held: Fraction, bar_q: Fraction, meter: tuple[int, int],
         ending: str) -> tuple[int, Fraction, Fraction]:
    """(bars, quarters, seconds) after the last moment: whole bars at the tempo ``held`` and a
    release of about a second (the quarters and seconds those bars take, the rest rings); a
    loop's whole bars, or a button's bars and final beat, filling the rest exactly (the
    quarters and seconds of bars and that beat). A moment too near the end for a bar leaves
    only the release (no bars)."""
    bar_s = 60 * bar_q / held
    if ending not in ("loop", "button"):  # the tempo held, and a release of one to three seconds
        release_s = min(Fraction(1), remaining_s / 8)
        bars = math.floor((remaining_s - release_s) / bar_s)
        if bars >= 1 and remaining_s - bars * bar_s <= max(Fraction(3), bar_s / 2 + release_s):
            return bars, bars * bar_q, bars * bar_s
    release_q = Fraction(4, meter[1]) if ending == "button" else Fraction(0)
    if ending not in ("loop", "button"):
        release_q = min(Fraction(1), remaining_s / 8) * wanted / 60
    bars = round((remaining_s * wanted / 60 - release_q) / bar_q)
    if bars < 1:
        return 0, Fraction(0), Fraction(0)
    if ending in ("loop", "button"):
        return bars, bars * bar_q + release_q, remaining_s
    return bars, bars * bar_q, remaining_s * bars * bar_q / (bars * bar_q + release_q)


def _bars_between(length_s: Fraction, wanted: Fraction, playing: int | None, meter: tuple[int, int],
                  silent: bool) -> tuple[int, tuple[int, int] | None] | None:
    """(bars, the meter of a changed last bar or None) for a span of ``length_s`` seconds after
    the tempo ``playing`` (microseconds per quarter; None at the start). Its candidates hold a
    tempo within ±TEMPO_RANGE of ``wanted``: whole bars; else whole beats, the last bar taking
    the odd ones (a bar of 2/4, 3/4 or 5/4 among 4/4; of 3/8 among 6/8 before 2/8); else, in a
    meter of quarter beats, whole eighths (a bar of 3/8 or 7/8), each list nearest the tempo
    playing first. The first of them a smooth ramp reaches (steps within RAMP_STEP, every tempo
    in that range) is taken; with none smooth, the gentlest; with no candidate at all (a moment
    under an eighth away, or a silent span: a stop) the whole-bar count nearest ``wanted`` if it
    bends no more than MAX_TEMPO_BEND (a stop's whatever its tempo), else None. Only what came
    before decides, so moving a later moment never changes an earlier span.

    >>> _bars_between(Fraction(10), Fraction(100), None, (4, 4), False)
    (4, None)
    >>> _bars_between(Fraction(2), Fraction(90), 666_667, (4, 4), False)
    (1, (3, 4))
    >>> _bars_between(Fraction(17, 2), Fraction(93), 666_667, (4, 4), False)
    (3, (5, 4))
    >>> _bars_between(Fraction(29, 2), Fraction(92), 714_286, (4, 4), False)
    (5, (5, 4))
    >>> _bars_between(Fraction(2), Fraction(103), 577_367, (3, 4), False)
    (1, (7, 8))
    >>> _bars_between(Fraction(1, 4), Fraction(100), None, (4, 4), False) is None
    True
    """
    bar_q, beat_q = Fraction(4 * meter[0], meter[1]), Fraction(4, meter[1])
    playing_bpm = wanted if playing is None else MICROSECONDS / Fraction(playing)

    def near(unit_q: Fraction) -> list[int]:
        """Counts of ``unit_q`` filling the span within range, nearest the tempo playing first."""
        def count(tempo: Fraction) -> Fraction:
            return length_s * tempo / 60 / unit_q
        low, high = math.ceil(count(wanted * (1 - TEMPO_RANGE))), math.floor(count(wanted * (1 + TEMPO_RANGE)))
        return sorted(range(max(1, low), high + 1), key=lambda n: (abs(n - count(playing_bpm)), n))

    def steepest(quarters: Fraction) -> Fraction:
        """The largest step of the ramp filling the span with ``quarters`` (past RAMP_STEP
        where it also leaves TEMPO_RANGE)."""
        unit_q = beat_q if quarters % beat_q == 0 else beat_q / 2
        tempos, _ = _ramp(quarters, length_s * 1_000_000, playing, unit_q, wanted)
        heard = [playing, *tempos] if playing else tempos
        largest = max((abs(Fraction(a, b) - 1) for a, b in zip(heard, heard[1:]) for a, b in ((a, b), (b, a))),
                      default=Fraction(0))
        in_range = all(abs(MICROSECONDS / Fraction(t) / wanted - 1) <= TEMPO_RANGE for t in tempos)
        return largest if in_range else max(largest, RAMP_STEP + Fraction(1, 10**6))

    exact = length_s * wanted / 60 / bar_q
    if silent:
        return _silent_bars(length_s, playing_bpm, meter)
    pulse = 3 if meter[1] == 8 and meter[0] % 3 == 0 else 1  # 6/8 moves in dotted quarters
    beats = sorted((n for n in near(beat_q) if n % meter[0]), key=lambda n: n % pulse != 0)
    eighths = [n for n in near(beat_q / 2) if n % 2] if meter[1] == 4 else []
    candidates = ([(n * bar_q, (n, None)) for n in near(bar_q)]
                  + [(n * beat_q, _odd_bars(n, meter[0], meter[1])) for n in beats]
                  + [(n * beat_q / 2, _odd_bars(n, 2 * meter[0], 2 * meter[1])) for n in eighths])
    gentle = next((fitted for quarters, fitted in candidates if steepest(quarters) <= RAMP_STEP), None)
    if gentle is not None or not candidates:
        return gentle if gentle is not None else (max(1, round(exact)), None) if abs(
            max(1, round(exact)) - exact) <= MAX_TEMPO_BEND * exact else None
    steps = [steepest(quarters) for quarters, _ in candidates]
    return candidates[steps.index(min(steps))][1]


def _silent_bars(length_s: Fraction, playing_bpm: Fraction, meter: tuple[int, int]) -> tuple[int, tuple[int, int] | None]:
    """(bars, the changed meter of the last) for a stop: the whole beats at the tempo playing
    (a bar of 2/4 or 3/4 among 4/4 where the count is odd), so that a DAW's tempo map and click
    carry on through the silence instead of jumping (a one-second stop at 140 BPM was a 4/4 bar
    at 240); where a beat would bend the tempo by more than MAX_TEMPO_BEND, the eighths.

    >>> _silent_bars(Fraction(1), Fraction(140), (4, 4)), _silent_bars(Fraction(2), Fraction(120), (4, 4))
    ((1, (2, 4)), (1, None))
    >>> _silent_bars(Fraction(3, 2), Fraction(120), (4, 4)), _silent_bars(Fraction(1), Fraction(90), (3, 4))
    ((1, (3, 4)), (1, (3, 8)))
    """
    beat_q = Fraction(4, meter[1])
    quarters = length_s * playing_bpm / 60
    beats = max(1, round(quarters / beat_q))
    if abs(beats * beat_q / quarters - 1) <= MAX_TEMPO_BEND or meter[1] != 4:
        return (beats // meter[0], None) if beats % meter[0] == 0 else _odd_bars(beats, meter[0], meter[1])
    eighths = max(1, round(2 * quarters / beat_q))
    return (eighths // (2 * meter[0]), None) if eighths % (2 * meter[0]) == 0 else _odd_bars(eighths, 2 * meter[0], 8)


def _odd_bars(units: int, per_bar: int, denominator: int) -> tuple[int, tuple[int, int] | None]:
    """(bars, the changed meter of the last) holding ``units`` beats of a meter of ``per_bar``
    of them to the bar: whole bars and one of the odd beats (two or more), or one longer by the
    single beat over.

    >>> _odd_bars(13, 4, 4), _odd_bars(10, 4, 4), _odd_bars(3, 4, 4), _odd_bars(8, 4, 4), _odd_bars(7, 6, 8)
    ((3, (5, 4)), (3, (2, 4)), (1, (3, 4)), (2, None), (1, (7, 8)))
    """
    whole, over = divmod(units, per_bar)
    if not over:
        return whole, None
    if over == 1 and whole:
        return whole, (per_bar + 1, denominator)
    return whole + 1, (over, denominator)


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
                max([timing.bar_start_q(timing.bar_at(at_q) - BUILD_BARS), Fraction(0), *earlier]))
            at_q, end_q = start_q, at_q
        elif event.kind in ON_DOWNBEAT or event.kind == "button":
            end_q = at_q
        placed.append(PlacedEvent(event.kind, event.at_s, event.length_s, at_q, end_q, event.keep, event.mode,
                                  event.label, event.source, event.programs))
    return tuple(placed)


def _nearest_bar(timing: Timing, quarters: Fraction) -> Fraction:
    if not timing.meter_changes:
        return timing.bar_start_q(min(max(0, round((quarters - timing.pickup_q) / timing.bar_q)), timing.bars))
    bar = timing.bar_at(quarters)
    position = bar + (quarters - timing.bar_start_q(bar)) / timing.bar_length_q(bar)
    return timing.bar_start_q(min(max(0, round(position)), timing.bars))


def cut_form(kind: str, segments: Sequence[Segment], events: Sequence[PlacedEvent],
             timing: Timing) -> list[tuple[str, int]]:
    """(section name, bars) with a section starting at every moment: the first span opens with
    an intro, the last closes with an ending, a stop and a drop-out are sections of their own,
    the music rising into a build's moment is a build, and the rest are statements and contrasts
    in turn, of four-bar phrases up to eight bars long; a bar of changed meter leading into a
    moment is a link of its own (a turnaround, with no tune: the phrases keep the meter's bars).

    >>> cut_form("thematic", [Segment(0, 12, "play"), Segment(12, 1, "stop"), Segment(13, 12, "play")], [],
    ...          Timing(Fraction(120), (4, 4), 25, Fraction(0), Fraction(1)))
    [('intro', 4), ('statement', 8), ('stop', 1), ('contrast', 8), ('ending', 4)]
    """
    builds = [(e.at_q, e.end_q) for e in events if e.kind == "build"]
    form: list[tuple[str, int]] = []
    turn = 0
    for index, segment in enumerate(segments):
        if segment.what in ("stop", "dip"):  # a drop-out's bar of changed meter is a link in it, without tune
            form += [(segment.what, segment.bars - segment.odd)] if segment.bars > segment.odd else []
            form += [("link", 1)] if segment.odd else []
            continue
        bars = segment.bars - segment.odd
        head = 0 if index else 4 + bars % 4 if bars >= 12 else bars % 4 if bars >= 8 else 0
        tail = 4 if index == len(segments) - 1 and bars - head >= 12 else 0
        if head:
            form.append(("intro", head))
        middle = bars - head - tail
        end_bar = segment.start_bar + bars - tail
        build_from = next((timing.bar_at(start) for start, end in builds
                           if timing.bar_at(end) == end_bar + segment.odd and start < end), None)
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
        if segment.odd:
            form.append(("link", 1))
    return form


