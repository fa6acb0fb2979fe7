"""The times a brief's energy changes refer to: spans ("in the final 20 seconds", "for the first
minute") and moments ("at 1:10", "from 30 s")."""

from __future__ import annotations

import re
from typing import NamedTuple

from composer.composition.brief.reader import CLOCK, MINUTES, NUMBER, SECONDS, Reader, clock_seconds, number_words, seconds

_WINDOW = re.compile(
    rf"\b(?:in|over|for|during|across)\s+the\s+(final|last|closing|first|opening)\s+"
    rf"(?:({NUMBER})\s*-?\s*({SECONDS}|{MINUTES})|(\w+\s+)?({SECONDS}|{MINUTES}))"
)
_AT_TIME = re.compile(rf"\b(?:at|from|by|until|till|around|after)\s+(?:{CLOCK}|({NUMBER})\s*{SECONDS})")


class Window(NamedTuple):
    """A span at the start or the end of the piece, written at ``position`` in the brief."""

    position: int
    seconds: float
    from_end: bool


class CueTime(NamedTuple):
    """A moment of the piece, ``seconds`` from its start, written at ``position`` in the brief."""

    position: int
    seconds: float


def find_windows(reader: Reader) -> list[Window]:
    """Every span at the start or end of the piece, in the order written.

    >>> find_windows(Reader("builds in the final 20 seconds"))
    [Window(position=7, seconds=20.0, from_end=True)]
    >>> find_windows(Reader("quiet for the first minute, then lifts"))
    [Window(position=6, seconds=60.0, from_end=False)]
    """
    windows = []
    for match in _WINDOW.finditer(reader.text):
        if match.group(2):
            length = seconds(match.group(2), match.group(3))
        else:  # "the last thirty seconds", "the last minute"
            value = number_words(match.group(4).strip()) if match.group(4) else 1.0
            if value is None:
                continue
            length = seconds(str(value), match.group(5))
        reader.take(match)
        windows.append(Window(match.start(), length, match.group(1) in ("final", "last", "closing")))
    return windows


def find_cue_times(reader: Reader) -> list[CueTime]:
    """Every moment named on the clock or in seconds, in the order written.

    >>> find_cue_times(Reader("gets quiet at 0:50, then lifts again at 1:10"))
    [CueTime(position=11, seconds=50), CueTime(position=37, seconds=70)]
    >>> find_cue_times(Reader("quiet at 0:10:30, lifts at 1,000 s"))
    [CueTime(position=6, seconds=630), CueTime(position=24, seconds=1000.0)]
    """
    cue_times = []
    for match in _AT_TIME.finditer(reader.text):
        if not reader.free(match):
            continue
        reader.take(match)
        at = clock_seconds(*match.groups()[:3]) if match.group(2) else seconds(match.group(4), "s")
        cue_times.append(CueTime(match.start(), at))
    return cue_times
