"""The tempo a brief names ("128 bpm", "at 90-BPM")."""

from __future__ import annotations

import re

from composer.composition.brief.checks import check_tempo
from composer.composition.brief.reader import NUMBER, Reader, figure

_TEMPO = re.compile(rf"\b(?:at\s+)?({NUMBER})\s*-?\s*bpm\b")


def find_tempo(reader: Reader) -> float | None:
    """The first tempo written in BPM, checked to lie in 20–300 BPM.

    >>> find_tempo(Reader("energetic reel, 30 seconds, 128 bpm")), find_tempo(Reader("fast"))
    (128.0, None)
    """
    match = _TEMPO.search(reader.text)
    if match is None:
        return None
    reader.take(match)
    return check_tempo(float(figure(match.group(1))))
