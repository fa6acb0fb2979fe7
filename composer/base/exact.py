"""Exact musical time: quarter notes as ``Fraction``\\ s, never floats, until the audio edge.

The ``Fraction`` here is quicktions', the standard library's class compiled (the same numbers,
equal and hashing alike, printed alike): composing spends most of its time adding and comparing
onsets, and the standard class made it two to three times slower. Type checkers see the
standard class. music21 takes only its own kind, so the score converts at its edge
(:func:`standard`).

>>> Fraction(1, 3) + Fraction(1, 6)
Fraction(1, 2)
>>> Fraction("3/4"), Fraction("1")
(Fraction(3, 4), Fraction(1, 1))
>>> type(standard(Fraction(3, 2))).__module__
'fractions'
"""

from __future__ import annotations

import fractions
from typing import TYPE_CHECKING

import quicktions

__all__ = ["Fraction", "standard"]

if TYPE_CHECKING:
    from fractions import Fraction
else:
    class Fraction(quicktions.Fraction):
        """Makes quicktions' own ``Fraction``\\ s (its arithmetic takes a fast path for those
        alone, and a slow one for a subclass's), but reads text with the standard library:
        quicktions (1.19 to 1.24 at least, on CPython 3.11) writes a one-character string's
        digit into the bytes object CPython shares for that byte value, after which
        ``struct.pack("b", 0)`` (and so every MIDI key signature mido writes) is that digit."""

        __slots__ = ()

        def __new__(cls, numerator=0, denominator=None):
            if isinstance(numerator, str):
                numerator = fractions.Fraction(numerator)
            return quicktions.Fraction(numerator, denominator)


def standard(value: fractions.Fraction | int) -> fractions.Fraction:
    """``value`` as the standard library's ``Fraction``, which music21 takes for offsets and
    lengths."""
    return fractions.Fraction(value.numerator, value.denominator)
