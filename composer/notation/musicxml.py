"""Sheet music: the piece's score as MusicXML, written as a player reads it.

The score keeps what the MIDI needs: lengths as notes *sound* (a detached quarter sounds for 3/4
of its beat), an ambient texture's drifting onsets, velocities, drum keys. Written literally those
become 10:9 and 24:13 tuplets, 40th-of-a-beat rests, pitched drums and no dynamics. So the sheet is
a copy of the score (:func:`notation`) in which

- onsets fall on sixteenths (an ambient texture's drift, on a finer grid, stays in the MIDI, as
  does all micro-timing); each note is written to the value it stands for (:func:`written_end`),
  so no tuplet appears; a note struck off the beat and held past the next beat is tied there,
  so every beat shows;
- every part carries the key and time signatures of the first, changing together (drums carry the
  time signatures only: a percussion staff has no key);
- each part has its instrument's clef (``data/notation.toml``), or treble or bass by its range; a
  keyboard or harp is written on a grand staff, middle C and above in the treble, the rest in the
  bass (a chord spanning both is split between the hands);
- drums are unpitched notes on a percussion clef, each key on its own line and head, named in the
  part's instrument list with its General MIDI drum name;
- each part's level in each section is one dynamic (pp…ff) from its velocities, never louder than
  a quiet cue allows, written only where it changes; expression swells are hairpins.

Pitches, onsets, parts, tempo and rehearsal marks are the score's own.
"""

from __future__ import annotations

import bisect
import copy
import math
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import cast
from itertools import groupby

from music21 import chord, clef, duration, dynamics, instrument, key, layout, meter, note, percussion, spanner, stream
from music21.common.types import StepName
from music21.musicxml.m21ToXml import GeneralObjectExporter

from composer.base.general_midi import drum_name
from composer.base.tables import table
from composer.composition.arrange import Performance
from composer.composition.plan import Plan

#: The finest written grid: every onset and end is written on a sixteenth.
SIXTEENTH = Fraction(1, 4)
#: A change of CC11 along the expression curve at least this large is written as a hairpin.
SWELL_STEP = 8
#: On a grand staff, notes from this MIDI key (middle C) up are the treble staff's.
MIDDLE_C = 60


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


def _nearest(at_q: Fraction, step_q: Fraction) -> Fraction:
    """``at_q`` on the nearest multiple of ``step_q`` (halves go up)."""
    return math.floor(at_q / step_q + Fraction(1, 2)) * step_q


def dynamic_mark(velocity: float, loudness_lufs: float) -> str:
    """The dynamic written for notes struck at ``velocity`` (their mean) in a cue mastered to
    ``loudness_lufs``: the mark whose usual velocity is nearest, no louder than the cue's
    ceiling (``data/notation.toml``).

    >>> dynamic_mark(115, -14.0), dynamic_mark(115, -23.0), dynamic_mark(35, -16.0)
    ('ff', 'mf', 'pp')
    """
    levels: dict[str, int] = table("notation")["levels"]
    names = list(levels)
    mark = min(names, key=lambda name: (abs(levels[name] - velocity), levels[name]))
    for ceiling_lufs, loudest in sorted(table("notation")["ceilings"].items(), key=lambda item: float(item[0])):
        if loudness_lufs <= float(ceiling_lufs):
            return names[min(names.index(mark), names.index(loudest))]
    return mark


@cache
def drum_staff() -> dict[int, tuple[StepName, int, str]]:
    """Each General MIDI percussion key's (display step, octave, note head) on the drum staff."""
    placed = {}
    for key_text, where in table("notation")["drum_staff"].items():
        position, head = where.split()
        placed[int(key_text)] = (cast(StepName, position[0]), int(position[1:]), head)
    return placed


def notation(score: stream.Score, plan: Plan, performance: Performance) -> stream.Score:
    """A copy of ``score`` written as a player reads it (see the module's docstring), its parts
    numbered P1, P2, …; the score itself, which the MIDI is written from, is untouched."""
    written = copy.deepcopy(score)
    bar_lines = _bar_lines(written)
    beats = _beats(written)
    parts = list(written.parts)
    signatures = list(parts[0].getElementsByClass((meter.TimeSignature, key.KeySignature))) if parts else []
    for number, part in enumerate(parts, start=1):
        player = part.getInstrument(returnDefault=False)
        if player is not None:  # numbered, not random, ids: the same piece gives the same file
            player.partId, player.instrumentId = f"P{number}", f"P{number}-I1"
        drums = isinstance(player, instrument.UnpitchedPercussion)
        _write_rhythm(part, bar_lines)
        if number > 1:
            for signature in signatures:
                if not (drums and isinstance(signature, key.KeySignature)):
                    part.coreInsert(signature.offset, copy.deepcopy(signature))
        part.coreInsert(0, _clef(part, player, drums))
        _dynamics(part, plan)  # from the velocities of every note struck, before drums are merged
        if drums:
            _unpitched(part)
        _hairpins(part, performance.part(str(part.id)).expression)
        if not drums:  # a drum hit's written length is only where the next one falls
            _tie_across_beats(part, beats)
        part.coreElementsChanged()
    return _with_grand_staves(written)


def _tie_across_beats(part: stream.Part, beats: list[Fraction]) -> None:
    """Each note or chord of ``part`` struck off the beat and held past the next one split there
    into two tied notes, so the reader sees every beat (``beats``: where each falls, in order)."""
    for element in list(part.notes):
        start = Fraction(element.offset)
        index = bisect.bisect_right(beats, start)
        if index == 0 or beats[index - 1] == start or index == len(beats):
            continue
        if start + Fraction(element.quarterLength) > beats[index]:
            part.remove(element)
            for piece_of_it in element.splitAtQuarterLength(beats[index] - start):
                part.coreInsert(start, piece_of_it)
                start += Fraction(piece_of_it.quarterLength)
    part.coreElementsChanged()


def _with_grand_staves(written: stream.Score) -> stream.Score:
    """``written`` with each keyboard or harp part (``data/notation.toml``) split onto a grand
    staff: two staves joined by a brace, written as one MusicXML part with two staves."""
    grand: list[int] = table("notation")["grand_staff"]["programs"]
    staved = stream.Score()
    staved.metadata = written.metadata
    for part in list(written.parts):
        player = part.getInstrument(returnDefault=False)
        if player is None or isinstance(player, instrument.UnpitchedPercussion) or player.midiProgram not in grand:
            staved.insert(0, part)
            continue
        upper, lower = _grand_staff(part)
        staved.insert(0, upper)
        staved.insert(0, lower)
        staved.insert(0, layout.StaffGroup([upper, lower], name=part.partName, symbol="brace", barTogether=True))
    return staved


def _grand_staff(part: stream.Part) -> tuple[stream.PartStaff, stream.PartStaff]:
    """``part`` as a treble staff holding everything but its notes under middle C (marks,
    dynamics, hairpins, tempo and rehearsal marks stay above) and a bass staff holding those, each
    with the part's instrument, key and time signatures; a chord spanning middle C is split."""
    upper, lower = stream.PartStaff(id=part.id), stream.PartStaff(id=f"{part.id}-lower")
    upper.partName = lower.partName = part.partName
    for element in list(part.elements):
        at = element.offset
        if isinstance(element, clef.Clef):
            upper.coreInsert(at, clef.TrebleClef())
            lower.coreInsert(at, clef.BassClef())
        elif isinstance(element, (instrument.Instrument, meter.TimeSignature, key.KeySignature)):
            upper.coreInsert(at, element)
            lower.coreInsert(at, copy.deepcopy(element))
        elif isinstance(element, chord.Chord) and min(element.pitches).midi < MIDDLE_C <= max(element.pitches).midi:
            for staff, notes in ((upper, [n for n in element.notes if n.pitch.midi >= MIDDLE_C]),
                                 (lower, [n for n in element.notes if n.pitch.midi < MIDDLE_C])):
                half = chord.Chord(notes, quarterLength=element.quarterLength)
                half.tie = copy.deepcopy(element.tie)
                staff.coreInsert(at, half)
        elif isinstance(element, (note.Note, chord.Chord)):
            (upper if min(element.pitches).midi >= MIDDLE_C else lower).coreInsert(at, element)
        else:
            upper.coreInsert(at, element)
    upper.coreElementsChanged()
    lower.coreElementsChanged()
    return upper, lower


def _write_rhythm(part: stream.Part, bar_lines: list[Fraction]) -> None:
    """Each note and chord of ``part`` moved to its written onset, the nearest sixteenth (an
    ambient texture drifts on a finer grid in the MIDI only), and given its written length."""
    placed = []
    starts = sorted({Fraction(n.offset) for n in part.notes})
    for element in sorted(part.notes, key=lambda n: Fraction(n.offset)):
        start = Fraction(element.offset)
        index = bisect.bisect_right(starts, start)
        clear = start + Fraction(element.quarterLength) <= starts[index] if index < len(starts) else True
        onset = _nearest(start, SIXTEENTH)
        end = max(start + Fraction(element.quarterLength), onset + SIXTEENTH)
        placed.append((element, onset, end, clear))
    onsets = sorted({onset for _, onset, _, _ in placed})
    for element, onset, end, clear in placed:
        index = bisect.bisect_right(onsets, onset)
        following = onsets[index] if index < len(onsets) else next((q for q in bar_lines if q >= end), end)
        if clear:  # a note let go before the next onset is still let go by it, where that onset moved
            end = min(end, following)
        part.remove(element)
        element.quarterLength = written_end(onset, end, following) - onset
        part.coreInsert(onset, element)
    part.coreElementsChanged()


def _clef(part: stream.Part, player: instrument.Instrument | None, drums: bool) -> clef.Clef:
    """The part's clef: percussion for drums, the instrument's own where ``data/notation.toml``
    names it, else treble or bass by the part's range."""
    if drums:
        return clef.PercussionClef()
    program = player.midiProgram if player is not None else None
    fixed: dict[str, list[int]] = table("notation")["clefs"]
    own = next((name for name, programs in fixed.items() if program in programs), None)
    if own is not None:
        return {"bass": clef.BassClef, "alto": clef.AltoClef, "treble": clef.TrebleClef}[own]()
    best = clef.bestClef(part, allowTreble8vb=False, recurse=True)
    return best if isinstance(best, clef.BassClef) else clef.TrebleClef()


def _unpitched(part: stream.Part) -> None:
    """Drum notes as unpitched notes, everything struck at one onset one percussion chord (a kick
    and a hat together: one stem, not two voices) as long as its shortest written hit, each key
    on its line with its head."""
    staff = drum_staff()
    for offset, group in groupby(sorted(part.notes, key=lambda n: Fraction(n.offset)), key=lambda n: Fraction(n.offset)):
        struck = list(group)
        loudest: dict[int, int] = {}  # a key struck twice at once (a groove's kick under a hit's) is one note
        for element in struck:
            for component in element.notes if isinstance(element, chord.Chord) else [element]:
                if not isinstance(component, note.Note):
                    continue
                velocity = component.volume.velocity or 64
                loudest[component.pitch.midi] = max(velocity, loudest.get(component.pitch.midi, 0))
            part.remove(element)
        hits = []
        for drum_key_number, velocity in sorted(loudest.items()):
            step, octave, head = staff[drum_key_number]
            hit = note.Unpitched()
            hit.displayStep, hit.displayOctave, hit.notehead = step, octave, head
            hit.volume.velocity = velocity
            hits.append(hit)
        drum: note.Unpitched | percussion.PercussionChord = hits[0] if len(hits) == 1 else percussion.PercussionChord(hits)
        drum.quarterLength = min(Fraction(element.quarterLength) for element in struck)
        part.coreInsert(offset, drum)
    part.coreElementsChanged()


def drum_key(step: str, octave: int, head: str) -> int:
    """The General MIDI key written at ``step``/``octave`` with ``head`` on the drum staff.

    >>> drum_key("F", 4, "normal"), drum_key("G", 5, "x")
    (36, 42)
    """
    return next(k for k, placed in drum_staff().items() if placed == (step, octave, head))


def _dynamics(part: stream.Part, plan: Plan) -> None:
    """One dynamic per section where the part's level changes, on its first note there."""
    notes = sorted(part.notes, key=lambda n: Fraction(n.offset))
    offsets = [Fraction(n.offset) for n in notes]
    last = None
    for section in plan.sections:
        inside = notes[bisect.bisect_left(offsets, section.start_q) : bisect.bisect_left(offsets, section.end_q)]
        velocities = [v for n in inside for v in _velocities(n)]
        if not velocities:
            continue
        mark = dynamic_mark(sum(velocities) / len(velocities), plan.loudness_lufs)
        if mark != last:
            part.coreInsert(inside[0].offset, dynamics.Dynamic(mark))
            last = mark


def _hairpins(part: stream.Part, expression: Sequence[tuple[Fraction, int]]) -> None:
    """A hairpin over each rise or fall of the part's expression curve, from the first onset in it
    to the last. It hangs on anchors at those onsets, not on the notes: notes that overlap are
    written in voices, and a hairpin from a note in one voice to a note in another is written
    stop-before-start."""
    onsets = sorted({Fraction(n.offset) for n in part.notes})
    for start_q, end_q, rising in swells(expression):
        spanned = onsets[bisect.bisect_left(onsets, start_q) : bisect.bisect_right(onsets, end_q)]
        if len(spanned) >= 2:
            first, last = spanner.SpannerAnchor(), spanner.SpannerAnchor()
            part.coreInsert(spanned[0], first)
            part.coreInsert(spanned[-1], last)
            wedge: Callable[..., dynamics.DynamicWedge] = dynamics.Crescendo if rising else dynamics.Diminuendo
            part.coreInsert(0, wedge(first, last))


def _velocities(element: note.NotRest) -> list[int]:
    if isinstance(element, (chord.Chord, percussion.PercussionChord)):
        return [n.volume.velocity or 64 for n in element.notes]
    return [element.volume.velocity or 64]


def swells(curve: Sequence[tuple[Fraction, int]]) -> list[tuple[Fraction, Fraction, bool]]:
    """(start, end, rising) of each run of an expression curve that rises or falls by at least
    :data:`SWELL_STEP` between its points, runs in one direction joined.

    >>> swells([(Fraction(0), 100), (Fraction(4), 110), (Fraction(8), 125), (Fraction(12), 100), (Fraction(16), 99)])
    [(Fraction(0, 1), Fraction(8, 1), True), (Fraction(8, 1), Fraction(12, 1), False)]
    """
    runs: list[tuple[Fraction, Fraction, bool]] = []
    for (start, before), (end, after) in zip(curve, curve[1:]):
        if abs(after - before) < SWELL_STEP:
            continue
        rising = after > before
        if runs and runs[-1][1] == start and runs[-1][2] == rising:
            runs[-1] = (runs[-1][0], end, rising)
        else:
            runs.append((start, end, rising))
    return runs


def _bar_lines(score: stream.Score) -> list[Fraction]:
    """Where the bars of ``score`` end, from its time signatures, up to past its last note."""
    return [start + length for start, length in _spans(score, lambda signature: signature.barDuration)]


def _beats(score: stream.Score) -> list[Fraction]:
    """Where each beat of ``score`` falls (a quarter in x/4, a dotted quarter in 6/8), from its
    time signatures, up to past its last note."""
    return [start for start, _ in _spans(score, lambda signature: signature.beatDuration)]


def _spans(score: stream.Score,
           unit: Callable[[meter.TimeSignature], duration.Duration]) -> list[tuple[Fraction, Fraction]]:
    """(start, length) of each ``unit`` (a time signature's bar or beat) of ``score``, each
    signature's from its offset to the next one's, up to past its last note."""
    end = Fraction(score.highestTime) + 1
    signatures = sorted(score.parts[0].recurse().getElementsByClass(meter.TimeSignature),
                        key=lambda s: Fraction(s.offset)) if score.parts else []
    spans: list[tuple[Fraction, Fraction]] = []
    for index, signature in enumerate(signatures):
        position = Fraction(signature.offset)
        stop = Fraction(signatures[index + 1].offset) if index + 1 < len(signatures) else end
        length = Fraction(unit(signature).quarterLength)
        while position < stop:
            spans.append((position, length))
            position += length
    return spans


def musicxml_bytes(score: stream.Score, plan: Plan, performance: Performance) -> bytes:
    """The MusicXML document of ``score`` as written music (:func:`notation`), each drum named
    in its part's instrument list."""
    written = notation(score, plan, performance)
    document = bytes(GeneralObjectExporter(written).parse())
    kits = [part.getInstrument(returnDefault=False) for part in written.parts]
    drum_parts = [str(kit.partId) for kit in kits if isinstance(kit, instrument.UnpitchedPercussion)]
    return _name_drums(document, drum_parts) if drum_parts else document


def _name_drums(document: bytes, part_ids: list[str]) -> bytes:
    """``document`` with, for each drum part, one score instrument per drum key it plays (named
    by General MIDI, e.g. "Acoustic Snare") in place of the kit's one, and each unpitched note
    pointing at its own; the XML declaration and doctype are kept as they were."""
    head, _, body = document.partition(b"<score-partwise")
    root = ElementTree.fromstring(b"<score-partwise" + body)
    for part_id in part_ids:
        part = next(p for p in root.iter("part") if p.get("id") == part_id)
        used: set[int] = set()
        for written in part.iter("note"):
            unpitched = written.find("unpitched")
            if unpitched is None:
                continue
            head_element = written.find("notehead")
            drum = drum_key(unpitched.findtext("display-step", ""), int(unpitched.findtext("display-octave", "0")),
                            head_element.text or "normal" if head_element is not None else "normal")
            used.add(drum)
            reference = ElementTree.Element("instrument", id=f"{part_id}-I{drum}")
            after = [child.tag for child in written].index("duration") + 1
            while after < len(written) and written[after].tag == "tie":
                after += 1
            written.insert(after, reference)
        score_part = next(p for p in root.iter("score-part") if p.get("id") == part_id)
        kit_midi = score_part.find("midi-instrument")
        channel = kit_midi.findtext("midi-channel", "10") if kit_midi is not None else "10"
        for old in score_part.findall("score-instrument") + score_part.findall("midi-instrument"):
            score_part.remove(old)
        for drum in sorted(used):
            named = ElementTree.SubElement(score_part, "score-instrument", id=f"{part_id}-I{drum}")
            ElementTree.SubElement(named, "instrument-name").text = drum_name(drum)
        for drum in sorted(used):
            played = ElementTree.SubElement(score_part, "midi-instrument", id=f"{part_id}-I{drum}")
            ElementTree.SubElement(played, "midi-channel").text = channel
            ElementTree.SubElement(played, "midi-unpitched").text = str(drum + 1)
    ElementTree.indent(root, space="  ")
    return head + ElementTree.tostring(root, encoding="unicode").encode("utf-8")
