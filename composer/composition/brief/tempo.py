"""The tempo a brief names ("128 bpm", "at 90-BPM", "tempo 110", "a tempo of 96")."""

from __future__ import annotations

import re

from composer.composition.brief.checks import check_tempo
from composer.composition.brief.reader import NUMBER, Reader, figure

_TEMPO = re.compile(rf"\b(?:at\s+)?({NUMBER})\s*-?\s*bpm\b"
                    rf"|\b(?:at\s+)?(?:a\s+)?tempo\s+(?:of\s+)?({NUMBER})\b(?!\s*(?:%|:|\.\d|s\b|sec|second|minute))")


def find_tempo(reader: Reader) -> float | None:
    """The first tempo written in BPM, checked to lie in 20–300 BPM.

    >>> find_tempo(Reader("energetic reel, 30 seconds, 128 bpm")), find_tempo(Reader("fast"))
    (128.0, None)
    >>> find_tempo(Reader("racing game menu, tempo 110")), find_tempo(Reader("a tempo of 96 for a vlog"))
    (110.0, 96.0)
    """
    match = _TEMPO.search(reader.text)
    if match is None:
        return None
    reader.take(match)
    return check_tempo(float(figure(match.group(1) or match.group(2))))
