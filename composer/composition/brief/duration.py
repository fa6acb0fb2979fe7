"""The length a brief asks for, in figures ("90 seconds", "1:30", "1:00:00", "2m 15s", "½
minute", "1,000 seconds") or in words ("a minute and a half", "thirty seconds"). A length
written with a minus sign is refused, not read as its size."""

from __future__ import annotations

import re

from composer.base.errors import ComposerError
from composer.composition.brief.reader import (CLOCK, HOURS, MINUTES, NUMBER, SECONDS, Reader, clock_seconds, figure,
                                               negative, number_words, seconds)

_MINUTES_AND_SECONDS = (
    # "1m30s", "2m 15s"
    re.compile(r"\b(\d+)\s*m\s*(\d+)\s*s\b"),
    # "1 min 30", "1 min 45 s", "2 minutes and 10 seconds"
    re.compile(rf"\b({NUMBER})\s*-?\s*{MINUTES}\s*(?:and\s+)?(\d+)\s*(?:{SECONDS})?"),
)
_ONE_UNIT = (
    re.compile(rf"\b({NUMBER})\s*-?\s*{HOURS}"),
    re.compile(rf"\b({NUMBER})\s*-?\s*{MINUTES}"),
    re.compile(rf"\b({NUMBER})\s*-?\s*{SECONDS}"),
)
_ON_THE_CLOCK = re.compile(rf"\b{CLOCK}\b")
_WORD_DURATION = re.compile(rf"\b((?:[a-z-]+\s+)?(?:and\s+a\s+half|[a-z-]+))\s+(?:{MINUTES}|{SECONDS})")
_AND_A_HALF = re.compile(rf"\b([a-z-]+)\s+({MINUTES}|{HOURS})\s+and\s+a\s+half\b")


def find_duration(reader: Reader) -> float | None:
    """The first length the brief names, in seconds; figures are read before words.

    >>> [find_duration(Reader(text)) for text in ("a 90-second product video", "2:30, builds",
    ...     "1m30s", "a minute and a half", "thirty seconds, very calm", "calm piano")]
    [90.0, 150, 90.0, 90.0, 30.0, None]
    """
    for read in (_in_figures, _and_a_half, _in_words):
        found = read(reader)
        if found is not None:
            return found
    return None


def _in_figures(reader: Reader) -> float | None:
    """ "1m30s", "2 minutes and 10 seconds", "1.5 hours", "3 minutes", "90 s", "1:30", "1:00:00".

    >>> [_in_figures(Reader(text)) for text in ("1:00:00", "1,000 seconds", "1/2 minute", "30-45 seconds")]
    [3600, 1000.0, 30.0, 45.0]
    >>> _in_figures(Reader("calm, -5 seconds"))
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the length -5 seconds is negative: give a length such as 90 s or 1:30
    """
    for pattern in (*_MINUTES_AND_SECONDS, *_ONE_UNIT, _ON_THE_CLOCK):
        for match in pattern.finditer(reader.text):
            if not reader.free(match):
                continue
            first = match.start(2) if pattern is _ON_THE_CLOCK and match.group(1) is None else match.start(1)
            if negative(reader.text, first):
                raise ComposerError(f"the length -{reader.text[first : match.end()]} is negative",
                                    "give a length such as 90 s or 1:30")
            reader.take(match)
            groups = match.groups()
            if pattern in _MINUTES_AND_SECONDS:
                return float(figure(groups[0]) * 60 + figure(groups[1]))
            if pattern is _ON_THE_CLOCK:
                return clock_seconds(*groups)
            unit = reader.text[match.start(1) + len(groups[0]) : match.end()].strip(" -")
            return seconds(groups[0], unit)
    return None


def _and_a_half(reader: Reader) -> float | None:
    """ "two minutes and a half", "an hour and a half"."""
    for match in _AND_A_HALF.finditer(reader.text):
        value = number_words(match.group(1))
        if value is not None and reader.free(match):
            reader.take(match)
            return seconds(str(value + 0.5), match.group(2))
    return None


def _in_words(reader: Reader) -> float | None:
    """ "thirty seconds", "one and a half minutes", "a minute", "half a minute"."""
    for match in _WORD_DURATION.finditer(reader.text):
        value = number_words(match.group(1))
        if value is None:
            # "a minute" or "half a minute": try the last word alone
            value = number_words(match.group(1).split()[-1])
            if value is None:
                continue
        if not reader.free(match):
            continue
        reader.take(match)
        unit = match.group(0)[len(match.group(1)) :].strip()
        return seconds(str(value), unit)
    return None
