"""The times a brief refers to: spans ("in the final 20 seconds", "for the first minute") and
moments ("at 1:10", "from 30 s"), and the one reader of a time as an editor writes it (1:15,
0:16.5, 75 s, "the 40-second mark", a timecode 00:01:15:00) that words, flags and files share."""

from __future__ import annotations

import re
from typing import NamedTuple

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.reader import (CLOCK, MINUTES, NUMBER, SECONDS, Reader, clock_seconds, figure,
                                               number_words, seconds)

#: Frames per second of a timecode when none is given (PAL, most European editing).
DEFAULT_FPS = Fraction(25)
#: The frame rates a timecode may be counted in; 29.97 and 23.976 count frames as 30 and 24 do
#: (non-drop timecode), each frame lasting 1001/1000 as long.
FRAME_RATES = {"23.976": Fraction(24000, 1001), "24": Fraction(24), "25": Fraction(25),
               "29.97": Fraction(30000, 1001), "30": Fraction(30), "50": Fraction(50),
               "59.94": Fraction(60000, 1001), "60": Fraction(60)}
#: A timecode, hours:minutes:seconds:frames (";" before the frames, as drop-frame writes it, too).
TIMECODE = r"(?<![\d:])\d{1,2}:[0-5]\d:[0-5]\d[:;]\d{2}(?![\d:])"
#: One moment as written: a timecode, a clock time with an optional decimal ("0:16.5"), "the
#: 40-second mark", or a number of seconds or minutes ("75 s", "75 seconds in").
MOMENT = (rf"(?:{TIMECODE}|(?:the\s+)?(?:{CLOCK}(?:\.\d+)?|{NUMBER}\s*-?\s*(?:{SECONDS}|{MINUTES}))\s+mark\b"
          rf"|{CLOCK}(?:\.\d+)?(?!\.\d)|{NUMBER}\s*-?\s*(?:{SECONDS}|{MINUTES})(?:\s+in\b(?!\s+(?:the|a|an)\b))?)")
#: A moment that names itself one without a preposition: "the 40-second mark", "75 seconds in".
MARKED = (rf"(?:the\s+)?(?:{CLOCK}(?:\.\d+)?|{NUMBER}\s*-?\s*(?:{SECONDS}|{MINUTES}))\s+mark\b"
          rf"|{NUMBER}\s*-?\s*(?:{SECONDS}|{MINUTES})\s+in\b(?!\s+(?:the|a|an)\b)")
#: Moments in a list: "0:08, 0:16.5 and 0:31", "8 s, 16 s and 31 s", "0:08, 0:16"; a figure after
#: a comma is a moment of the list only in a list closed by "and" ("a hit at 0:12, 30 seconds"
#: names a length).
MOMENTS = (rf"{MOMENT}(?:(?:\s*,\s*{MOMENT})*\s*,?\s*(?:and|&)\s+{MOMENT}"
           rf"|(?:\s*,\s*(?:{TIMECODE}|{CLOCK}(?:\.\d+)?(?!\.\d)))*)")
_MOMENT = re.compile(MOMENT)
_MARK = re.compile(r"(?:the\s+)?(.*?)\s+mark")
_IN = re.compile(r"(.*?)\s+in")
_CLOCK_DECIMAL = re.compile(rf"{CLOCK}(\.\d+)?")
_TIMECODE = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})[:;](\d{2})")
_BARE = re.compile(rf"({NUMBER})\s*-?\s*({SECONDS}|{MINUTES})?")

_WINDOW = re.compile(
    rf"\b(?:in|over|for|during|across)\s+the\s+(final|last|closing|first|opening)\s+"
    rf"(?:({NUMBER})\s*-?\s*({SECONDS}|{MINUTES})|(\w+\s+)?({SECONDS}|{MINUTES}))"
)
_AT_TIME = re.compile(rf"\b(?:at|from|by|until|till|around|after)\s+(?:{CLOCK}(?![.]\d)|({NUMBER})\s*{SECONDS}(?!\s+mark\b))")
#: A moment in the newer forms, after a preposition ("at 0:16.5", "from 1.5 minutes") or
#: standing alone ("the 40-second mark", "75 seconds in"); the older forms above keep their reading.
_AT_MOMENT = re.compile(rf"\b(?:at|from|by|until|till|around|after)\s+({MOMENT})|({MARKED})")


class Window(NamedTuple):
    """A span at the start or the end of the piece, written at ``position`` in the brief."""

    position: int
    seconds: float
    from_end: bool


class CueTime(NamedTuple):
    """A moment of the piece, ``seconds`` from its start, written at ``position`` in the brief;
    ``onward`` where it is written as a beginning ("from 1:30")."""

    position: int
    seconds: float
    onward: bool = False


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
    [CueTime(position=11, seconds=50, onward=False), CueTime(position=37, seconds=70, onward=False)]
    >>> find_cue_times(Reader("quiet at 0:10:30, lifts at 1,000 s"))
    [CueTime(position=6, seconds=630, onward=False), CueTime(position=24, seconds=1000.0, onward=False)]
    >>> find_cue_times(Reader("quiet at 0:16.5, lifts at the 40-second mark"))
    [CueTime(position=6, seconds=16.5, onward=False), CueTime(position=23, seconds=40.0, onward=False)]
    >>> find_cue_times(Reader("builds from 1:30"))
    [CueTime(position=7, seconds=90, onward=True)]
    """
    cue_times = []
    for match in _AT_TIME.finditer(reader.text):
        if not reader.free(match):
            continue
        reader.take(match)
        at = clock_seconds(*match.groups()[:3]) if match.group(2) else seconds(match.group(4), "s")
        cue_times.append(CueTime(match.start(), at, match.group(0).lower().startswith("from")))
    for match in _AT_MOMENT.finditer(reader.text):
        if reader.free(match):
            reader.take(match)
            cue_times.append(CueTime(match.start(), float(parse_time(match.group(1) or match.group(2))),
                                     match.group(0).lower().startswith("from")))
    return sorted(cue_times)


def parse_time(text: str, fps: Fraction = DEFAULT_FPS) -> Fraction:
    """Seconds from the start, exactly, from a time as an editor writes it: on the clock
    ("1:15", "0:16.5", "1:02:03"), in seconds or minutes ("75", "75s", "75 seconds in", "1.5
    min", "the 40-second mark") or as a timecode ("00:01:15:00", frames counted at ``fps``).
    One reader for the brief's words, the flags and the timeline files.

    >>> [parse_time(t) for t in ("1:15", "0:16.5", "75 s", "75 seconds in", "the 40-second mark", "00:01:15:12")]
    [Fraction(75, 1), Fraction(33, 2), Fraction(75, 1), Fraction(75, 1), Fraction(40, 1), Fraction(1887, 25)]
    >>> parse_time("00:00:01:15", FRAME_RATES["29.97"])
    Fraction(3003, 2000)
    >>> parse_time("1:75")
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the time '1:75' does not read as a time: write it as 1:15, 0:16.5, 75 s or a timecode 00:01:15:00
    """
    written = " ".join(str(text).lower().split())
    if match := _MARK.fullmatch(written) or _IN.fullmatch(written):
        written = match.group(1)
    if match := _TIMECODE.fullmatch(written):
        hours, minutes, secs, frames = map(int, match.groups())
        per_second = round(fps)
        if frames >= per_second:
            raise ComposerError(f"the timecode {text!r} counts frame {frames}, but a second has {per_second} at "
                                f"{_rate(fps)} fps", f"give frames 00–{per_second - 1:02d}, or the right --fps")
        return ((hours * 60 + minutes) * 60 + secs) * (per_second / fps) + frames / fps
    if match := _CLOCK_DECIMAL.fullmatch(written):
        return clock_seconds(*match.groups()[:3]) + Fraction(match.group(4) or "0")
    if match := _BARE.fullmatch(written):
        value = figure(match.group(1))
        return value * 60 if match.group(2) and re.fullmatch(MINUTES, match.group(2)) else value
    raise ComposerError(f"the time {str(text)[:40]!r} does not read as a time",
                        "write it as 1:15, 0:16.5, 75 s or a timecode 00:01:15:00")


def moments(text: str, fps: Fraction = DEFAULT_FPS) -> list[Fraction]:
    """Every moment of a list as written in a brief ("0:08, 0:16.5 and 0:31").

    >>> moments("0:08, 0:16.5 and 0:31")
    [Fraction(8, 1), Fraction(33, 2), Fraction(31, 1)]
    """
    return [parse_time(match.group(0), fps) for match in _MOMENT.finditer(text)]


def fps_from(value: object) -> Fraction:
    """A frame rate from a flag or a file: 23.976, 24, 25, 29.97, 30, 50, 59.94 or 60.

    >>> fps_from("29.97"), fps_from(25)
    (Fraction(30000, 1001), Fraction(25, 1))
    """
    written = f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value).strip()
    if written not in FRAME_RATES:
        raise ComposerError(f"frame rate {written[:20]!r} is not one a timecode is counted in",
                            f"use one of: {', '.join(FRAME_RATES)}, e.g. --fps 25")
    return FRAME_RATES[written]


def _rate(fps: Fraction) -> str:
    return next(name for name, rate in FRAME_RATES.items() if rate == fps) if fps in FRAME_RATES.values() else f"{fps}"


def clock_text(seconds: Fraction | float) -> str:
    """Seconds as an editor reads them: m:ss, with the fraction of a second when there is one
    (to the millisecond), h:mm:ss past an hour; ``parse_time`` reads it back.

    >>> clock_text(Fraction(75)), clock_text(Fraction(33, 2)), clock_text(Fraction(3725)), clock_text(Fraction(1, 3))
    ('1:15', '0:16.5', '1:02:05', '0:00.333')
    """
    exact = Fraction(seconds).limit_denominator(10**6)
    whole = int(exact)
    millis = round((exact - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    hours, rest = divmod(whole, 3600)
    shown = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return f"{shown}.{millis:03d}".rstrip("0") if millis else shown


def timecode_text(seconds: Fraction, fps: Fraction = DEFAULT_FPS) -> str:
    """Seconds as a timecode HH:MM:SS:FF at ``fps`` (the nearest frame).

    >>> timecode_text(Fraction(1887, 25)), timecode_text(Fraction(3003, 2000), FRAME_RATES["29.97"])
    ('00:01:15:12', '00:00:01:15')
    """
    per_second = round(fps)
    frames = round(seconds * fps)
    whole, frame = divmod(frames, per_second)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{frame:02d}"
