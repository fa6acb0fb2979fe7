"""The key a brief names ("in D minor", "in Bb", "in C#m", "in the key of G", "F# dorian")."""

from __future__ import annotations

import re

from composer.base.errors import ComposerError
from composer.composition.brief.reader import Reader, normalise

_MODE_WORDS = r"major|minor|maj|min|dorian|mixolydian|lydian|phrygian"
_KEY = re.compile(
    rf"\b(?:in(?:\s+the\s+key\s+of)?|key\s+of|key:?)\s+([a-h])([#b](?![a-ln-z])|-?sharp|-?flat)?"
    rf"(?:(m)\b|[\s-]+({_MODE_WORDS})\b|(?=[\s,.;:!?)]|$))"
)
_KEY_BARE = re.compile(r"\b([a-h])([#b])?[\s-]+(major|minor|dorian|mixolydian|lydian|phrygian)\b")


def find_key(reader: Reader) -> str | None:
    """A key named as "in D minor", "in Bb", "in C#m", "in the key of G", "F# minor".

    "in" followed by a bare letter counts only when the letter was written as a capital, so
    "in a documentary" or "in e-learning" are not keys.

    >>> find_key(Reader("uplifting sunrise theme in E dorian")), find_key(Reader("tense cue in C#m"))
    ('E dorian', 'C# minor')
    >>> find_key(Reader("calm music in a documentary")) is None
    True
    """
    for match in _KEY.finditer(reader.text):
        letter, accidental, short_minor, mode = match.groups()
        if not (accidental or short_minor or mode or reader.cased[match.start(1)].isupper()):
            continue
        if reader.free(match):
            reader.take(match)
            return parse_key(letter + (accidental or "") + " " + ("minor" if short_minor else mode or "major"))
    bare = _KEY_BARE.search(reader.text)
    if bare is not None and reader.free(bare):
        reader.take(bare)
        return parse_key(bare.group(1) + (bare.group(2) or "") + " " + bare.group(3))
    return None


def parse_key(text: str) -> str:
    """Check and spell a key as "D minor", "Eb major", "F# dorian".

    >>> parse_key("e♭ Major")
    'Eb major'
    >>> parse_key("f#m")
    'F# minor'
    """
    cleaned = normalise(text).strip().replace("-sharp", "#").replace("-flat", "b")
    cleaned = cleaned.replace(" sharp", "#").replace(" flat", "b")
    match = re.fullmatch(r"([a-g])([#b]?)\s*-?\s*(major|minor|maj|min|m|dorian|mixolydian|lydian|phrygian)?", cleaned)
    if match is None:
        raise ComposerError(
            f"unknown key {text!r}",
            'write a tonic A–G with an optional # or b and a mode, e.g. "D minor", "Eb major", "F# dorian"',
        )
    mode = {"maj": "major", "min": "minor", "m": "minor", None: "major"}.get(match.group(3), match.group(3))
    return f"{match.group(1).upper()}{match.group(2)} {mode}"
