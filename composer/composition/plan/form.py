"""The form: sections of four-bar phrases, builds and climaxes where the brief asks, the energy per
bar the brief's shape draws, the voice's bars in an underscore, and a late lift of the key.
"""

from __future__ import annotations

import itertools
import math
import random

from composer.base.exact import Fraction
from composer.composition.brief import Brief, ShapeEvent, lexicon
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Section, Timing, transposed_tonic


def default_ending(brief: Brief) -> str:
    """How a piece ends when the brief does not say: a loop has no end, a stinger a button, an
    ambient cue fades, the rest ring out.

    >>> from composer.composition.brief import build_brief
    >>> default_ending(build_brief("calm ambient drift, 2 minutes", {}))
    'fade'
    """
    if brief.loop:
        return "loop"
    return {"stinger": "button", "ambient": "fade", "bed": "ring"}.get(brief.kind, "ring")


def energy_per_bar(brief: Brief, timing: Timing, form: list[tuple[str, int]]) -> tuple[float, ...]:
    """Energy 0..1 at each bar's middle: a level from the mood, shaped by the brief's events
    and by the form (a quieter intro, a stronger climax)."""
    base = 0.45 + 0.25 * brief.arousal
    base *= {"underscore": 0.8, "ambient": 0.7, "bed": 0.85}.get(brief.kind, 1.0)
    duration = brief.duration_s
    amount_per_verb = lexicon().shape.build_amount
    drop_level, drop_share = lexicon().shape.drop_level, lexicon().shape.drop_share
    events = sorted(brief.shape, key=lambda e: (_event_start(e, duration) or 0.0))

    def level(t: float) -> float:
        value = base
        for event in events:
            value = _apply(event, value, t, duration, base, amount_per_verb, (drop_level, drop_share), events)
        return max(0.05, min(1.0, value))

    if brief.kind == "stinger":
        return (round(level(timing.seconds(timing.pickup_q)), 3),)
    # "steady" means no form dynamics, and a loop has none either: its end leads into its start,
    # so a quieter intro would be a dip at every repeat
    steady = any(event.verb == "steady" for event in brief.shape) or brief.loop
    section_energy = {} if steady else plan_data().form.section_energy
    names = [name for name, bars in form for _ in range(bars)]
    result = []
    for bar in range(timing.bars):
        middle = timing.seconds(timing.bar_start_q(bar) + timing.bar_length_q(bar) / 2)
        shaped = level(middle) + section_energy.get(names[bar], 0.0)
        result.append(round(max(0.05, min(1.0, shaped)), 3))
    return tuple(result)


def _event_start(event: ShapeEvent, duration: float) -> float | None:
    if event.from_end_s is not None:
        return max(0.0, duration - event.from_end_s)
    return event.start_s


def _apply(
    event: ShapeEvent,
    value: float,
    t: float,
    duration: float,
    base: float,
    amount: float,
    drop: tuple[float, float],
    events: list[ShapeEvent],
) -> float:
    """The energy at ``t`` after ``event`` acts on ``value``; a drop falls to ``drop``'s level,
    or to its share of ``value`` where that is lower."""
    if event.verb in ("steady", "evolve"):  # these shape the scenes, not the energy
        return value
    start = _event_start(event, duration)
    rise = amount * event.amount
    if event.verb == "build":
        if start is None:  # "builds" with no time: across the whole piece
            return value - rise / 2 + rise * t / duration
        end = event.end_s if event.end_s is not None else duration
        if start == 0.0 and event.end_s is None:  # "starts quiet and swells": from low to high
            return value - rise / 2 + rise * t / duration
        if t < start:
            return value
        if event.from_end_s is None and event.end_s is None and not event.onward:  # "lifts at 1:10": back up within 2 s
            return max(value, base) + rise * 0.3 * min(1.0, (t - start) / 2)
        return value + rise * min(1.0, (t - start) / max(end - start, 1e-9))
    if event.verb == "drop":
        if start is None:
            return value
        later = [_event_start(e, duration) for e in events if e.verb == "build"]
        until = event.end_s if event.end_s is not None else min(
            (s for s in later if s is not None and s > start), default=duration)
        if start <= t < until:
            return min(value, drop[0], value * drop[1])
    return value


def phrase_form(brief: Brief, timing: Timing) -> list[tuple[str, int]]:
    """(section name, bars): phrases of four bars grouped into intro, statement, contrast,
    build, climax and ending sections."""
    lengths = _phrases_in_sections(brief.kind, timing.bars)
    build_from = _build_bar(brief, timing)
    if build_from is not None:
        return _with_build(lengths, build_from)
    rules = plan_data().form
    if brief.kind in rules.climax_kinds and timing.bars >= rules.climax_min_bars:
        middles = [i for i, (name, _) in enumerate(lengths) if name in ("statement", "contrast")]
        if len(middles) >= 3:
            lengths[middles[-1]] = ("climax", lengths[middles[-1]][1])
    return lengths


def _phrases_in_sections(kind: str, bars: int) -> list[tuple[str, int]]:
    """An intro, middle sections of up to eight bars (statement and contrast in turn, or an
    ambient cue's drifts) and a four-bar ending; short pieces are one statement.

    Bars that do not fill a four-bar phrase lengthen the intro (a vamp), where a listener
    expects waiting, rather than cutting a phrase short.

    >>> _phrases_in_sections("thematic", 30)
    [('intro', 6), ('statement', 8), ('contrast', 4), ('statement', 8), ('ending', 4)]
    """
    if bars < 8:
        return [("statement", bars)]
    intro = 4 + bars % 4 if bars >= 16 else bars % 4
    ending = 4 if bars >= 16 else 0
    middle = bars - intro - ending
    names = ("drift", "drift") if kind == "ambient" else ("statement", "contrast")
    lengths: list[tuple[str, int]] = [("intro", intro)] if intro else []
    index = 0
    while middle > 0:
        size = min(8, middle) if middle != 12 else 4
        lengths.append((names[index % 2], size))
        middle -= size
        index += 1
    return lengths + ([("ending", ending)] if ending else [])


def _with_build(lengths: list[tuple[str, int]], build_from: int) -> list[tuple[str, int]]:
    """The form with every section from ``build_from`` (cut at a phrase boundary) to the ending
    a build, whose last phrase is the climax when the build lasts eight bars or more."""
    lengths = _split_at(lengths, build_from)
    start_bars = list(itertools.accumulate([0] + [n for _, n in lengths]))
    lengths = [("build" if start >= build_from and name != "ending" else name, n)
               for (name, n), start in zip(lengths, start_bars)]
    building = [i for i, (name, _) in enumerate(lengths) if name == "build"]
    if building and sum(lengths[i][1] for i in building) >= 8:
        last = building[-1]
        if lengths[last][1] > 4:  # the build's last phrase is its climax
            lengths[last : last + 1] = [("build", lengths[last][1] - 4), ("climax", 4)]
        else:
            lengths[last] = ("climax", lengths[last][1])
    return lengths


def _build_bar(brief: Brief, timing: Timing) -> int | None:
    """The first bar of a timed build in the brief ("builds in the final 20 seconds", "builds
    from 1:30"), if any."""
    for event in brief.shape:
        if event.verb == "build" and (event.from_end_s is not None or (event.onward and event.start_s is not None)):
            start_s = brief.duration_s - event.from_end_s if event.from_end_s is not None else event.start_s or 0.0
            return math.ceil(timing.quarters_at(Fraction(start_s)) / timing.bar_q)
    return None


def _split_at(lengths: list[tuple[str, int]], bar: int) -> list[tuple[str, int]]:
    """Cut the section holding ``bar`` at a phrase boundary (4 bars) near it, so a build starts a section."""
    result: list[tuple[str, int]] = []
    start = 0
    for name, length in lengths:
        cut = start + round((bar - start) / 4) * 4
        if name not in ("intro", "ending") and start < cut < start + length:
            result += [(name, cut - start), (name, start + length - cut)]
        else:
            result.append((name, length))
        start += length
    return result


def timed_sections(kind: str, timing: Timing, form: list[tuple[str, int]], bar_energy: tuple[float, ...]) -> tuple[Section, ...]:
    """The form as timed sections, each with its mean energy."""
    if kind == "stinger":
        hit = timing.pickup_q
        return (
            Section("pickup", Fraction(0), hit, bar_energy[0] * 0.8),
            Section("hit", hit, timing.end_q - hit, bar_energy[0]),
        )
    sections = []
    start_bar = 0
    for name, length in form:
        energies = bar_energy[start_bar : start_bar + length]
        sections.append(
            Section(name, timing.bar_start_q(start_bar), timing.bar_start_q(start_bar + length) - timing.bar_start_q(start_bar),
                    round(sum(energies) / len(energies), 3))
        )
        start_bar += length
    return tuple(sections)


def voice_bars(kind: str, form: list[tuple[str, int]]) -> frozenset[int]:
    """The bars of every other four-bar phrase of each section after the intro, which an
    underscore leaves to the speaking voice."""
    if kind != "underscore":
        return frozenset()
    bars: set[int] = set()
    start = 0
    for name, length in form:
        if name != "intro":
            bars |= {start + b for b in range(length) if (b // 4) % 2 == 1}
        start += length
    return frozenset(bars)


def choose_lift(kind: str, timing: Timing, tonic: str, mode: str, ending: str, form: list[tuple[str, int]],
                rng: random.Random) -> tuple[int, str] | None:
    """(first bar, new tonic) of a lift up a step into the climax or the build's last phrase, or None."""
    data = plan_data().form
    names = [name for name, _ in form]
    if kind not in data.lift_kinds or mode not in data.lift_modes or ending == "loop":
        return None
    target = "climax" if "climax" in names else "build" if "build" in names else None
    if target is None or rng.random() >= data.lift_share:
        return None
    index = len(names) - 1 - names[::-1].index(target)
    bar = sum(n for _, n in form[:index])
    if timing.bars < data.lift_min_bars or bar < timing.bars // 2:
        return None  # a lift is a late event in a piece long enough to have settled its key
    return bar, transposed_tonic(tonic, mode, data.lift_interval)
