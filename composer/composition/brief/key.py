"""The key a brief names ("in D minor", "in Bb", "in C#m", "in the key of G", "F# dorian").

A key whose signature would need more than seven sharps or flats (G# major, Fb major, E#
minor) has no key signature in MIDI or in sheet music; it is written as its enharmonic twin
with the fewest accidentals (G# major as Ab major, the same sound) and the brief's notes say so.
"""

from __future__ import annotations

import re

from composer.base.errors import ComposerError
from composer.composition.brief.reader import Reader, normalise

_MODE_WORDS = r"major|minor|maj|min|dorian|mixolydian|lydian|phrygian"
_KEY = re.compile(
    rf"\b(?:in(?:\s+the\s+key\s+of)?|key\s+of|key:?)\s+([a-g])([#b](?![a-ln-z])|-?sharp|-?flat)?"
    rf"(?:(m)\b|[\s-]+({_MODE_WORDS})\b|(?=[\s,.;:!?)]|$))"
)
_KEY_BARE = re.compile(r"\b([a-g])([#b])?[\s-]+(major|minor|dorian|mixolydian|lydian|phrygian)\b")
#: Tonic letters around the circle of fifths, from F (one flat as a major key) to B (five sharps).
_FIFTHS = "FCGDAEB"
#: How far each mode's tonic sits round the circle of fifths from its relative major's.
_MODE_FIFTHS = {"lydian": -1, "major": 0, "mixolydian": 1, "dorian": 2, "minor": 3, "phrygian": 4}
#: The most sharps or flats a key signature can hold.
MOST_ACCIDENTALS = 7


def find_key(reader: Reader) -> str | None:
    """A key named as "in D minor", "in Bb", "in C#m", "in the key of G", "F# minor"; a key
    respelled to fit a key signature leaves a note on the reader.

    "in" followed by a bare letter counts only when the letter was written as a capital, so
    "in a documentary" or "in e-learning" are not keys; a letter past G ("in H# minor") is no
    key, and its words are left for the ignored list.

    >>> find_key(Reader("uplifting sunrise theme in E dorian")), find_key(Reader("tense cue in C#m"))
    ('E dorian', 'C# minor')
    >>> find_key(Reader("calm music in a documentary")) is None, find_key(Reader("calm in H# minor")) is None
    (True, True)
    >>> reader = Reader("calm piano in G# major"); find_key(reader), reader.notes
    ('Ab major', ['G# major needs 8 sharps: written as Ab major, the same sound'])
    """
    for match in _KEY.finditer(reader.text):
        letter, accidental, short_minor, mode = match.groups()
        if not (accidental or short_minor or mode or reader.cased[match.start(1)].isupper()):
            continue
        if reader.free(match):
            reader.take(match)
            return _noted(reader, letter + (accidental or "") + " " + ("minor" if short_minor else mode or "major"))
    bare = _KEY_BARE.search(reader.text)
    if bare is not None and reader.free(bare):
        reader.take(bare)
        return _noted(reader, bare.group(1) + (bare.group(2) or "") + " " + bare.group(3))
    return None


def _noted(reader: Reader, written: str) -> str:
    key, note = spell_key(written)
    if note:
        reader.notes.append(note)
    return key


def parse_key(text: str) -> str:
    """Check and spell a key as "D minor", "Eb major", "F# dorian".

    >>> parse_key("e♭ Major")
    'Eb major'
    >>> parse_key("f#m"), parse_key("Fb major")
    ('F# minor', 'E major')
    """
    return spell_key(text)[0]


def spell_key(text: str) -> tuple[str, str | None]:
    """A key spelled as "D minor", "Eb major", "F# dorian", and, when the key as written needs
    more than seven sharps or flats, a note saying which key it was written as instead.

    >>> spell_key("B# major"), spell_key("E# minor")[0], spell_key("Cb major")
    (('C major', 'B# major needs 12 sharps: written as C major, the same sound'), 'F minor', ('Cb major', None))
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
    written = f"{match.group(1).upper()}{match.group(2)} {mode}"
    fifths = _FIFTHS.index(match.group(1).upper()) - 1 + {"#": 7, "b": -7, "": 0}[match.group(2)]
    sharps = fifths - _MODE_FIFTHS[mode]
    if abs(sharps) <= MOST_ACCIDENTALS:
        return written, None
    respelled = f"{_tonic(fifths - 12 if sharps > 0 else fifths + 12)} {mode}"
    counted = f"{abs(sharps)} {'sharps' if sharps > 0 else 'flats'}"
    return respelled, f"{written} needs {counted}: written as {respelled}, the same sound"


def _tonic(fifths: int) -> str:
    """The tonic ``fifths`` steps round the circle of fifths from C ("Ab" for -4).

    >>> _tonic(-4), _tonic(8), _tonic(0)
    ('Ab', 'G#', 'C')
    """
    steps, letter = divmod(fifths + 1, 7)
    return _FIFTHS[letter] + ("#" * steps if steps > 0 else "b" * -steps)
