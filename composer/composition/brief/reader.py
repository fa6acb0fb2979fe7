"""The word-reader every extractor shares: a brief's text folded to lower case, with a record of
which characters an extractor has already taken, so that each phrase is read once and whatever
is left over can be reported as ignored. Also the units and number words that lengths and times
are written in."""

from __future__ import annotations

import re
import unicodedata

from composer.composition.brief.data import lexicon

NUMBER = r"\d+(?:\.\d+)?"
SECONDS = r"(?:seconds?|secs?|s)\b"
MINUTES = r"(?:minutes?|mins?|m)\b"
HOURS = r"(?:hours?|hrs?|h)\b"
CLOCK = r"(\d{1,2}):([0-5]\d)"
_TOKEN = re.compile(r"[a-z0-9][a-z0-9#-]*(?:'[a-z]+)?")


def normalise(text: str) -> str:
    """Lower-case, fold typographic signs, so that "E♭ Major" reads as "eb major".

    >>> normalise("E♭ Major — 90‑second")
    'eb major - 90-second'
    """
    return _fold(text).lower()


def _fold(text: str) -> str:
    """``normalise`` without the lower-casing: signs folded, all whitespace one space."""
    text = unicodedata.normalize("NFKC", text).replace("♭", "b").replace("♯", "#")
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return re.sub(r"\s+", " ", text)


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

    def take(self, match: re.Match[str]) -> None:
        """Mark a match as read, so no later extractor reads it again."""
        for i in range(match.start(), match.end()):
            self.used[i] = True

    def free(self, match: re.Match[str]) -> bool:
        """Whether no extractor has taken any of the match yet."""
        return not any(self.used[match.start() : match.end()])

    def untaken_words(self) -> list[tuple[int, str]]:
        """(position, word) of every word no extractor has taken, in order."""
        return [(m.start(), m.group(0)) for m in _TOKEN.finditer(self.text) if not self.used[m.start()]]


def seconds(number: str, unit: str) -> float:
    """A length in seconds from a number and its unit as written.

    >>> seconds("1.5", "minutes"), seconds("2", "h"), seconds("20", "secs")
    (90.0, 7200.0, 20.0)
    """
    value = float(number)
    if re.fullmatch(MINUTES, unit):
        return value * 60
    if re.fullmatch(HOURS, unit):
        return value * 3600
    return value


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
