"""The word-reader every extractor shares: a brief's text folded to lower case, with a record of
which characters an extractor has already taken, so that each phrase is read once and whatever
is left over can be reported as ignored. Also the units and number words that lengths and times
are written in."""

from __future__ import annotations

import re
import unicodedata

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.data import lexicon

#: A number as a brief may write it: "90", "1.5", "1,000" (thousands), "1/2", "1 1/2" (a
#: fraction, also from "½" and "1½"); never the tail of a longer figure ("000" of "1,000").
NUMBER = r"(?<![\d.,/])(?:\d+ \d+/[1-9]\d*|\d+/[1-9]\d*|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d/]|,\d{3})"
SECONDS = r"(?:seconds?|secs?|s)\b"
MINUTES = r"(?:minutes?|mins?|m)\b"
HOURS = r"(?:hours?|hrs?|h)\b"
#: A time on the clock, m:ss or h:mm:ss (groups: hours or None, minutes, seconds).
CLOCK = r"(?<![\d:])(?:(\d{1,2}):(?=\d{2}:))?(\d{1,2}):([0-5]\d)(?![\d:])"
#: The largest number read as a length or a time: far past any piece, far short of overflow.
LARGEST_NUMBER = 10**9
_TOKEN = re.compile(r"[a-z0-9][a-z0-9#-]*(?:'[a-z]+)?")
_VULGAR_FRACTIONS = re.compile(r"(\d?)([¼½¾⅐⅑⅒⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])")


def normalise(text: str) -> str:
    """Lower-case, fold typographic signs, so that "E♭ Major" reads as "eb major".

    >>> normalise("E♭ Major — 90‑second, 1½ minutes")
    'eb major - 90-second, 1 1/2 minutes'
    """
    return _fold(text).lower()


def _fold(text: str) -> str:
    """``normalise`` without the lower-casing: signs folded, fractions written with a slash,
    all whitespace one space."""
    text = _VULGAR_FRACTIONS.sub(_slashed, text)
    text = unicodedata.normalize("NFKC", text).replace("♭", "b").replace("♯", "#").replace("\u2044", "/")
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return re.sub(r"\s+", " ", text)


def _slashed(match: re.Match[str]) -> str:
    """A vulgar fraction as digits and a slash ("½" as "1/2", "1½" as "1 1/2"), so that NFKC
    does not run a whole number into its numerator ("1½" into "11⁄2")."""
    value = Fraction(unicodedata.numeric(match.group(2))).limit_denominator(10)
    return f"{match.group(1)} {value}" if match.group(1) else f"{value}"


def figure(text: str) -> Fraction:
    """The value of a NUMBER as written, exactly; a number too large to be a length or a time
    is a clear error rather than an overflow later.

    >>> figure("1,000"), figure("1 1/2"), figure("2.5")
    (Fraction(1000, 1), Fraction(3, 2), Fraction(5, 2))
    """
    cleaned = text.replace(",", "")
    whole, _, part = cleaned.rpartition(" ")
    if len(cleaned) > 24 or (value := Fraction(part) + int(whole or 0)) > LARGEST_NUMBER:
        shown = text if len(text) <= 12 else f"{text[:12]}…"
        raise ComposerError(f"the number {shown} is far too large",
                            "give lengths and times in seconds or minutes, e.g. 90 seconds or 1:30")
    return value


def negative(text: str, start: int) -> bool:
    """Whether the figure at ``start`` of ``text`` is written with a minus sign: "-5" after a
    space or a comma; not the "-" of a range ("30-45"), of a joined word, or a dash standing
    apart ("calm - 2 minutes", an em dash folded).

    >>> negative("calm, -5 seconds", 7), negative("30-45 seconds", 3), negative("calm - 2 minutes", 7)
    (True, False, False)
    """
    return re.search(r"(?:^|[^\w#-])-$", text[:start]) is not None


class Reader:
    """Consumes a brief's text: regex forms first, then words through the lexicon.

    >>> reader = Reader("Calm piano in D")
    >>> reader.take(re.search("piano", reader.text)); reader.untaken_words()
    [(0, 'calm'), (11, 'in'), (14, 'd')]
    >>> reader.cased[14]
    'D'
    """

    def __init__(self, text: str) -> None:
        folded = _fold(text)
        self.text = folded.lower()
        # the original capitals, where lower-casing kept every position ("in D" names a key,
        # "in a documentary" does not)
        self.cased = folded if len(folded) == len(self.text) else self.text
        self.used = [False] * len(self.text)
        #: What an extractor read differently from how it was written, for the brief's notes.
        self.notes: list[str] = []

    def take(self, match: re.Match[str]) -> None:
        """Mark a match as read, so no later extractor reads it again."""
        for i in range(match.start(), match.end()):
            self.used[i] = True

    def take_span(self, start: int, end: int) -> None:
        """Mark the characters ``start``..``end`` as read (a part of a match)."""
        for i in range(start, end):
            self.used[i] = True

    def free(self, match: re.Match[str]) -> bool:
        """Whether no extractor has taken any of the match yet."""
        return not any(self.used[match.start() : match.end()])

    def untaken_words(self) -> list[tuple[int, str]]:
        """(position, word) of every word no extractor has taken, in order."""
        return [(m.start(), m.group(0)) for m in _TOKEN.finditer(self.text) if not self.used[m.start()]]


def seconds(number: str, unit: str) -> float:
    """A length in seconds from a number and its unit as written.

    >>> seconds("1.5", "minutes"), seconds("2", "h"), seconds("20", "secs"), seconds("1/3", "min")
    (90.0, 7200.0, 20.0, 20.0)
    """
    value = figure(number)
    if re.fullmatch(MINUTES, unit):
        return float(value * 60)
    if re.fullmatch(HOURS, unit):
        return float(value * 3600)
    return float(value)


def clock_seconds(hours: str | None, minutes: str, secs: str) -> int:
    """Seconds from a time on the clock (CLOCK's groups).

    >>> clock_seconds(None, "1", "30"), clock_seconds("1", "00", "00")
    (90, 3600)
    """
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)


def number_words(phrase: str) -> float | None:
    """Read "one and a half", "ninety", "half a" as a number; None if it is not one.

    >>> number_words("one and a half"), number_words("forty-five"), number_words("half a")
    (1.5, 45.0, 0.5)
    >>> number_words("few") is None
    True
    """
    numbers = lexicon().numbers
    words = phrase.replace("-", " - ").split()
    words = [w for w in words if w != "-"] if "forty-five" not in phrase else phrase.split()
    if phrase.strip() in ("half a", "half an"):
        return 0.5
    total = 0.0
    seen = False
    skip = 0
    for i, word in enumerate(words):
        if skip:
            skip -= 1
            continue
        if word == "and" and words[i + 1 : i + 3] == ["a", "half"]:
            total += 0.5
            skip = 2
            continue
        if word not in numbers:
            return None
        total += numbers[word]
        seen = True
    return total if seen else None
