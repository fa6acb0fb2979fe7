"""Score: the arrangement's parts as a music21 ``Score``, the written music of the piece.

Each part carries its General MIDI program and channel on its ``Instrument``; the first part
carries tempo, meter, key and a rehearsal mark per section; a piano part carries its pedal
marks. MusicXML is written from this score. MIDI is written from the same parts and the
arrangement's ``Performance`` (swing, micro-timing, expression, mix), which never goes into the
score; both name parts (:func:`part_names`), mark sections (:func:`section_marks`) and find a
pedal's notes (:func:`pedalled`) here, so they say the same.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from fractions import Fraction
from functools import partial
from itertools import groupby
from typing import TypeVar

from music21 import chord, expressions, instrument, key, meter, metadata, note, pitch, stream, tempo

from composer.base.exact import standard
from composer.composition.arrange import PartSpec, Performance
from composer.composition.harmony import ChordSpan, chord_index, chord_spelling, spelling
from composer.composition.plan import Plan, music21_key


def build_score(plan: Plan, parts: Sequence[PartSpec], chords: list[ChordSpan], title: str,
                performance: Performance) -> stream.Score:
    """A music21 Score of ``parts`` with the plan's tempo, meter, key and section marks, and
    the pedal marks of ``performance``'s pedal spans. Notes are spelled as the key names them,
    else as the chord sounding names them, else (a chromatic passing or neighbour note) on the
    letter next to the note it moves to by a semitone."""
    score = stream.Score()
    score.metadata = metadata.Metadata(title=title, composer="composer (original composition)")
    titles = part_names(parts)
    for index, spec in enumerate(parts):
        part = stream.Part(id=spec.role.role)
        part.partName = titles[index]
        part.coreInsert(0, _instrument(spec, titles[index]))
        if index == 0:
            _conductor(plan, part)
        groups = [list(group) for _, group in groupby(spec.notes, key=lambda n: (n.start_q, n.length_q))]
        names_at = partial(_names_at, plan, chords, [c.start_q for c in chords])
        for position, events in enumerate(groups):
            start, length = events[0].start_q, events[0].length_q
            names = names_at(start)
            element: note.Note | chord.Chord
            if len(events) == 1:
                following = groups[position + 1] if position + 1 < len(groups) else []
                toward = spelled(following[0].pitch, names_at(following[0].start_q)) if len(following) == 1 else None
                element = note.Note(_melodic(events[0].pitch, names, toward), quarterLength=standard(length))
                element.volume.velocity = events[0].velocity
            else:
                element = chord.Chord([spelled(e.pitch, names) for e in events], quarterLength=standard(length))
                for component, event in zip(element.notes, events):  # a kick and a hat struck together keep their own
                    component.volume.velocity = event.velocity
            part.coreInsert(standard(start), element)
        part.coreElementsChanged()
        _pedal_marks(part, performance.part(spec.role.role).pedal)
        score.insert(0, part)
    return score


def _pedal_marks(part: stream.Part, spans: Sequence[tuple[Fraction, Fraction]]) -> None:
    """A sustain-pedal mark over the notes of each pedal span (start, end in quarter notes)."""
    struck = sorted(part.notes, key=lambda n: n.offset)
    for spanned in pedalled(struck, [Fraction(n.offset) for n in struck], spans):
        if spanned:
            mark = expressions.PedalMark(spanned)
            mark.pedalType = expressions.PedalType.Sustain
            part.insert(0, mark)


Struck = TypeVar("Struck")


def pedalled(struck: Sequence[Struck], onsets_q: Sequence[Fraction],
             spans: Sequence[tuple[Fraction, Fraction]]) -> list[Sequence[Struck]]:
    """For each pedal span (start, end in quarter notes), what it sustains of ``struck`` (notes
    or chords, with their sorted onsets ``onsets_q``): those struck while it is down. Found by
    bisection, so a long piece costs no more per bar.

    >>> [list(group) for group in pedalled("abcd", [Fraction(n) for n in range(4)],
    ...                                    [(Fraction(0), Fraction(2)), (Fraction(2), Fraction(9))])]
    [['a', 'b'], ['c', 'd']]
    """
    return [struck[bisect.bisect_left(onsets_q, start_q):bisect.bisect_left(onsets_q, end_q)]
            for start_q, end_q in spans]


def _names_at(plan: Plan, chords: list[ChordSpan], starts: list[Fraction], at_q: Fraction) -> dict[int, str]:
    """The key's note names at ``at_q``, with the sounding chord's names for its other tones,
    and for all of them where the chord is a seventh chord outside the key (a tritone
    substitute B7 in B-flat keeps its D-sharp, not the key's E-flat), so it is written in
    thirds (``starts``: the chords' start times, for bisection)."""
    chord = chords[chord_index(starts, at_q)]
    own = chord_spelling(chord.figure, *plan.key_at(chord.start_q))
    key = spelling(*plan.key_at(at_q))
    if len(own) >= 4 and not set(own) <= set(key):
        return {**key, **own}
    return {**own, **key}


def _melodic(midi: int, names: dict[int, str], toward: pitch.Pitch | None) -> pitch.Pitch:
    """``midi`` spelled by ``names``; a note they do not name that moves a semitone to ``toward``
    is written on the letter next to it (D-sharp rising to E, E-flat falling to D).

    >>> _melodic(63, {4: "E"}, pitch.Pitch("E4")).nameWithOctave, _melodic(63, {}, pitch.Pitch("D4")).nameWithOctave
    ('D#4', 'E-4')
    """
    if midi % 12 in names or toward is None or abs(toward.midi - midi) != 1:
        return spelled(midi, names)
    letters = "CDEFGAB"
    letter = letters[(letters.index(toward.step) + (-1 if midi < toward.midi else 1)) % 7]
    alteration = (midi - pitch.Pitch(letter).pitchClass + 6) % 12 - 6
    if alteration not in (-1, 1):
        return spelled(midi, names)
    return spelled(midi, {midi % 12: letter + ("#" if alteration == 1 else "-")})


def spelled(midi: int, names: dict[int, str]) -> pitch.Pitch:
    """MIDI note ``midi`` spelled as the key spells it (B-flat in F major, G-sharp in A minor).

    >>> spelled(70, {10: "B-"}).nameWithOctave, spelled(60, {0: "B#"}).nameWithOctave
    ('B-4', 'B#3')
    """
    result = pitch.Pitch(names[midi % 12]) if midi % 12 in names else pitch.Pitch(midi=midi)
    result.octave = 4
    result.octave += (midi - result.midi) // 12
    return result


#: Whose part is numbered first where two parts play one instrument: the tune's, then the others'.
NUMBERING_ORDER = ("melody", "counter", "ostinato", "pad", "texture", "bass", "timpani")


def part_names(parts: Sequence[PartSpec]) -> list[str]:
    """Each part's name, its instrument's; where two parts play one instrument (a quartet's
    violins, a jazz trio's piano melody and comping) numbered as a score numbers them, the
    melody's first, so no two tracks in a DAW or staves in a score share a name.

    >>> from composer.composition.plan import Role
    >>> part_names([PartSpec(Role("pad", 0, 0), ()), PartSpec(Role("bass", 32, 1), ()), PartSpec(Role("melody", 0, 2), ())])
    ['Acoustic Grand Piano 2', 'Acoustic Bass', 'Acoustic Grand Piano 1']
    """
    shared: dict[str, list[int]] = {}
    for index, spec in enumerate(parts):
        shared.setdefault(spec.role.name, []).append(index)
    names = [spec.role.name for spec in parts]
    for name, indices in shared.items():
        if len(indices) > 1:
            ranked = sorted(indices, key=lambda i: (NUMBERING_ORDER.index(parts[i].role.role)
                                                    if parts[i].role.role in NUMBERING_ORDER else len(NUMBERING_ORDER), i))
            for number, index in enumerate(ranked, start=1):
                names[index] = f"{name} {number}"
    return names


def _instrument(spec: PartSpec, name: str) -> instrument.Instrument:
    if spec.is_drums:
        kit = instrument.UnpitchedPercussion()
        kit.midiChannel = spec.role.channel
        kit.midiProgram = spec.role.program or None  # a GM2 kit (bank 128); None: the standard kit
        kit.partName = name
        return kit
    player = instrument.instrumentFromMidiProgram(spec.role.program)
    player.midiProgram = spec.role.program
    player.midiChannel = spec.role.channel
    player.partName = name
    player.instrumentName = name  # music21 knows synth programs only as "Sampler"
    return player


def _conductor(plan: Plan, part: stream.Part) -> None:
    """Tempo, meter, key signature and one rehearsal mark per section, on the first part."""
    for at_q, bpm in plan.tempo_map():  # exact: the MIDI file's microseconds per quarter are the plan's
        part.coreInsert(standard(at_q), tempo.MetronomeMark(number=float(bpm), referent=note.Note(type="quarter")))
    if plan.pickup_q:  # a stinger's pickup is its own short bar, so the hit falls on a downbeat
        part.coreInsert(0, meter.TimeSignature(f"{int(plan.pickup_q)}/4"))
    for at_q, numerator, denominator in plan.meter_map():  # a bar of changed meter lands a cue's moment
        part.coreInsert(standard(at_q), meter.TimeSignature(f"{numerator}/{denominator}"))
    part.coreInsert(0, key.Key(music21_key(plan.tonic, plan.mode).tonic.name, plan.mode))
    if plan.lift_q is not None:
        part.coreInsert(standard(plan.lift_q), key.Key(music21_key(plan.lift_tonic, plan.mode).tonic.name, plan.mode))
    for at_q, tonic, mode in plan.key_changes:
        part.coreInsert(standard(at_q), key.Key(music21_key(tonic, mode).tonic.name, mode))
    for at_q, name in section_marks(plan):
        part.coreInsert(standard(at_q), expressions.RehearsalMark(name))


def section_marks(plan: Plan) -> list[tuple[Fraction, str]]:
    """(quarter notes, name) of every section and event mark, each name unique: an event is
    named by its kind and asked time ("hit 1:15") or its label, and a name met again (a section
    repeated, two events with one label) is numbered ("statement 2").

    >>> from composer import compose
    >>> [name for _, name in section_marks(compose("uplifting corporate, 90 seconds", seed=1).plan)]
    ['intro', 'statement', 'contrast', 'statement 2', 'ending']
    >>> [name for _, name in section_marks(compose("tense cue that builds to a hit at 0:05", seed=1, duration=8).plan)]
    ['build', 'statement', 'hit', 'hit 2']
    """
    named = [(section.start_q, section.name) for section in plan.sections]
    named += [(event.moment_q, event.label or f"{event.kind.replace('_', ' ')} {clock(event.asked_s)}")
              for event in plan.events]
    used: set[str] = set()
    marks = []
    for at_q, name in named:  # a name met again, a section's or an event's label, is numbered
        unique, count = name, 1
        while unique in used:
            count += 1
            unique = f"{name} {count}"
        used.add(unique)
        marks.append((at_q, unique))
    return marks


def clock(seconds: Fraction) -> str:
    """``seconds`` as an editor writes a time: minutes and seconds, tenths where there are any.

    >>> clock(Fraction(75)), clock(Fraction(33, 2))
    ('1:15', '0:16.5')
    """
    minutes, rest = divmod(seconds, 60)
    whole = f"{int(minutes)}:{int(rest):02d}"
    tenths = round((rest - int(rest)) * 10)
    return f"{whole}.{tenths}" if tenths else whole
