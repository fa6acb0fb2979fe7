"""The meter a brief asks for, as a fraction ("in 3/4", "6/8") or a word ("waltz", "march")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from composer.base.errors import ComposerError
from composer.composition.brief.data import lexicon
from composer.composition.brief.reader import Reader
from composer.composition.brief.words import Meaning

_METER = re.compile(r"\b([2-9]|1[0-2])/(2|4|8|16)\b")


def find_meter(reader: Reader) -> tuple[int, int] | None:
    """The first meter written as beats/unit.

    >>> find_meter(Reader("gentle waltz in 3/4 for a wedding video")), find_meter(Reader("3/0"))
    ((3, 4), None)
    """
    match = _METER.search(reader.text)
    if match is None:
        return None
    reader.take(match)
    return int(match.group(1)), int(match.group(2))


def meter_word(meanings: Sequence[Meaning]) -> tuple[int, int] | None:
    """The meter of the first word that names one ("waltz", "jig", "march"), if any.

    >>> from composer.composition.brief.words import read_words
    >>> meter_word(read_words(Reader("a gentle waltz")).meanings)
    (3, 4)
    """
    return next((lexicon().meters[m.value] for m in meanings if m.category == "meters"), None)


def parse_meter(text: str) -> tuple[int, int]:
    """A meter from a flag or a brief file, or a clear error.

    >>> parse_meter("6/8")
    (6, 8)
    """
    match = _METER.fullmatch(text)
    if match is None:
        raise ComposerError(f"unknown meter {text!r}", 'write it as "4/4", "3/4" or "6/8"')
    return int(match.group(1)), int(match.group(2))
