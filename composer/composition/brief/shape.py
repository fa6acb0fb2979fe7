"""The energy shape a brief asks for ("builds in the final 20 seconds", "quiet at 0:50, lifts at
1:10", "starts quiet and swells") and how it ends ("fades out", "ends on a button")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from composer.composition.brief.model import ShapeEvent
from composer.composition.brief.times import CueTime, Window
from composer.composition.brief.words import ENDING_VERBS, Meaning, mark_amount

#: How far after a shape verb (in characters) a time it refers to may be written.
_TIME_WITHIN = 60
#: "starts quiet": a build from a quiet start, half again as strong as a plain build.
_QUIET_START = 1.5


class _Mark(NamedTuple):
    position: int
    verb: str
    amount: float


def ending(meanings: Sequence[Meaning], loop: bool) -> str | None:
    """The last ending the brief names (fade, button, ring), else "loop" for a loop, else None.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> ending(read_words(Reader("swells, then fades out")).meanings, loop=False)
    'fade'
    """
    endings = [m.value for m in meanings if m.category == "shape" and m.value in ENDING_VERBS]
    return endings[-1] if endings else ("loop" if loop else None)


def find_shape(meanings: Sequence[Meaning], windows: Sequence[Window], cue_times: Sequence[CueTime]) -> tuple[ShapeEvent, ...]:
    """Each shape verb paired with the nearest span or moment written after it.

    >>> from composer.composition.brief.reader import Reader
    >>> from composer.composition.brief.times import find_cue_times, find_windows
    >>> from composer.composition.brief.words import read_words
    >>> def shape_of(text):
    ...     reader = Reader(text)
    ...     windows, cue_times = find_windows(reader), find_cue_times(reader)
    ...     return find_shape(read_words(reader).meanings, windows, cue_times)
    >>> shape_of("builds slightly in the final 20 seconds")
    (ShapeEvent(verb='build', amount=0.5, start_s=None, end_s=None, from_end_s=20.0, onward=False),)
    >>> [(e.verb, e.start_s, e.onward) for e in shape_of("builds from 1:30")]
    [('build', 90, True)]
    >>> [(e.verb, e.start_s) for e in shape_of("gets quiet at 0:50 for the voiceover then lifts again at 1:10")]
    [('drop', 50), ('build', 70)]
    >>> [(e.verb, e.amount, e.start_s) for e in shape_of("starts quiet and swells, big finish")]
    [('build', 1.5, 0.0), ('build', 1.0, None), ('build', 1.5, None)]
    """
    marks = [_Mark(m.position, "build" if m.value == "big_finish" else m.value, mark_amount(m))
             for m in meanings if m.marks_shape]
    spans, moments = list(windows), list(cue_times)
    events: list[ShapeEvent] = []
    for position, verb, amount in marks:
        window = next((w for w in spans if w.position > position and w.position - position < _TIME_WITHIN), None)
        cue = next((c for c in moments if c.position > position and c.position - position < _TIME_WITHIN), None)
        if verb in ("steady", "evolve"):
            events.append(ShapeEvent(verb, amount))
        elif verb == "starts_quiet":
            events.append(ShapeEvent("build", amount * _QUIET_START, start_s=0.0))
        elif window is not None:
            spans.remove(window)
            events.append(_in_window(verb, amount, window))
        elif cue is not None:
            moments.remove(cue)
            events.append(ShapeEvent(verb, amount, start_s=cue.seconds, onward=cue.onward and verb == "build"))
        elif verb == "build" and events and events[-1].verb == "drop" and events[-1].end_s is not None:
            # "quiet for the first 30 seconds, then kicks in": the lift comes where the quiet ends
            events.append(ShapeEvent(verb, amount, start_s=events[-1].end_s))
        else:
            events.append(ShapeEvent(verb, amount))
    return tuple(events)


def _in_window(verb: str, amount: float, window: Window) -> ShapeEvent:
    """A change over the last seconds of the piece, or over its first."""
    if window.from_end:
        return ShapeEvent(verb, amount, from_end_s=window.seconds)
    return ShapeEvent(verb, amount, start_s=0.0, end_s=window.seconds)
