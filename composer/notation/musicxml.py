"""Sheet music: the piece's score as MusicXML, with the note values a player reads.

The score keeps the lengths notes *sound*: a detached quarter sounds for 3/4 or 9/10 of its
beat, and the last chord lets go a little before the end so its release rings out inside the
file. Written literally those become 10:9 and 160:153 tuplets and 40th-of-a-beat rests that no
one can read (and MuseScore shows as broken bars). So the sheet writes each note to the value
it stands for (:func:`written_end`); pitches, onsets, parts, key, meter, tempo and rehearsal
marks are the score's own.
"""

from __future__ import annotations

import bisect
import copy
import math
from fractions import Fraction

from music21 import meter, stream
from music21.musicxml.m21ToXml import GeneralObjectExporter

#: The finest written grid: the score's onsets all fall on sixteenths.
SIXTEENTH = Fraction(1, 4)


def written_end(start_q: Fraction, end_q: Fraction, next_q: Fraction) -> Fraction:
    """Where a note sounding from ``start_q`` to ``end_q`` is written to end, ``next_q`` being the
    next onset in its part (or the bar line after the part's last note): at ``next_q`` when the
    note sounds for at least half the time up to it — a detached note is written in full, as
    players read it — else at the next sixteenth, with a rest after it.

    >>> written_end(Fraction(0), Fraction(9, 10), Fraction(1))  # a detached quarter
    Fraction(1, 1)
    >>> written_end(Fraction(0), Fraction(3, 10), Fraction(2))  # a short note before a rest
    Fraction(1, 2)
    >>> written_end(Fraction(0), Fraction(4), Fraction(2))  # held under the next onset
    Fraction(4, 1)
    """
    if end_q <= next_q and end_q - start_q >= (next_q - start_q) / 2:
        return next_q
    return math.ceil(end_q / SIXTEENTH) * SIXTEENTH


def notation(score: stream.Score) -> stream.Score:
    """A copy of ``score`` with every note and chord given its written length (see
    :func:`written_end`) and its parts numbered P1, P2, …; the score itself, which the MIDI is
    written from, is untouched."""
    written = copy.deepcopy(score)
    bar_lines = _bar_lines(written)
    for number, part in enumerate(written.parts, start=1):
        player = part.getInstrument(returnDefault=False)
        if player is not None:  # numbered, not random, ids: the same piece gives the same file
            player.partId, player.instrumentId = f"P{number}", f"P{number}-I1"
        elements = sorted(part.recurse().notes, key=lambda n: Fraction(n.offset))
        onsets = sorted({Fraction(n.offset) for n in elements})
        for element in elements:
            start = Fraction(element.offset)
            end = start + Fraction(element.quarterLength)
            index = bisect.bisect_right(onsets, start)
            following = onsets[index] if index < len(onsets) else next((q for q in bar_lines if q >= end), end)
            element.quarterLength = written_end(start, end, following) - start
        part.coreElementsChanged()
    written.coreElementsChanged()
    return written


def _bar_lines(score: stream.Score) -> list[Fraction]:
    """Where the bars of ``score`` end, from its time signatures, up to past its last note."""
    end = Fraction(score.highestTime) + 1
    signatures = sorted(score.parts[0].recurse().getElementsByClass(meter.TimeSignature),
                        key=lambda s: Fraction(s.offset)) if score.parts else []
    lines: list[Fraction] = []
    for index, signature in enumerate(signatures):
        position = Fraction(signature.offset)
        stop = Fraction(signatures[index + 1].offset) if index + 1 < len(signatures) else end
        while position < stop:
            position += Fraction(signature.barDuration.quarterLength)
            lines.append(position)
    return lines


def musicxml_bytes(score: stream.Score) -> bytes:
    """The MusicXML document of ``score`` as written music (:func:`notation`)."""
    return bytes(GeneralObjectExporter(notation(score)).parse())
