"""Score: the arrangement as a music21 ``Score``, the single written form of the piece.

Each part carries its General MIDI program and channel on its ``Instrument``; the first part
carries tempo, meter, key and a rehearsal mark per section. MIDI and MusicXML are written
from this score.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import groupby

from music21 import chord, expressions, instrument, key, meter, metadata, note, pitch, stream, tempo

from composer.arrange import PartSpec
from composer.harmony import music21_key, spelling
from composer.plan import Plan

#: Metadata key where the score keeps its exact end (music plus release), in quarter notes.
END_QUARTERS = "composerEndQuarters"


def build_score(plan: Plan, parts: list[PartSpec], title: str) -> stream.Score:
    """A music21 Score of ``parts`` with the plan's tempo, meter, key and section marks."""
    score = stream.Score()
    score.metadata = metadata.Metadata(title=title, composer="composer (original composition)")
    score.metadata.addCustom(END_QUARTERS, str(plan.end_q))
    for index, spec in enumerate(parts):
        part = stream.Part(id=spec.role.role)
        part.partName = spec.role.name
        part.coreInsert(0, _instrument(spec))
        if index == 0:
            _conductor(plan, part)
        for (start, length), group in groupby(spec.notes, key=lambda n: (n.start_q, n.length_q)):
            events = list(group)
            names = spelling(*plan.key_at(start))
            element: note.Note | chord.Chord
            if len(events) == 1:
                element = note.Note(spelled(events[0].pitch, names), quarterLength=length)
                element.volume.velocity = events[0].velocity
            else:
                element = chord.Chord([spelled(e.pitch, names) for e in events], quarterLength=length)
                element.volume.velocity = max(e.velocity for e in events)
            part.coreInsert(start, element)
        part.coreElementsChanged()
        score.insert(0, part)
    return score


def spelled(midi: int, names: dict[int, str]) -> pitch.Pitch:
    """MIDI note ``midi`` spelled as the key spells it (B-flat in F major, G-sharp in A minor).

    >>> spelled(70, {10: "B-"}).nameWithOctave, spelled(60, {0: "B#"}).nameWithOctave
    ('B-4', 'B#3')
    """
    result = pitch.Pitch(names[midi % 12]) if midi % 12 in names else pitch.Pitch(midi=midi)
    result.octave = 4
    result.octave += (midi - result.midi) // 12
    return result


def _instrument(spec: PartSpec) -> instrument.Instrument:
    if spec.is_drums:
        kit = instrument.UnpitchedPercussion()
        kit.midiChannel = spec.role.channel
        kit.partName = spec.role.name
        return kit
    player = instrument.instrumentFromMidiProgram(spec.role.program)
    player.midiProgram = spec.role.program
    player.midiChannel = spec.role.channel
    player.partName = spec.role.name
    return player


def _conductor(plan: Plan, part: stream.Part) -> None:
    """Tempo, meter, key signature and one rehearsal mark per section, on the first part."""
    bpm = float(plan.tempo_bpm)
    part.coreInsert(0, tempo.MetronomeMark(number=round(bpm, 3), referent=note.Note(type="quarter")))
    if plan.pickup_q:  # a stinger's pickup is its own short bar, so the hit falls on a downbeat
        part.coreInsert(0, meter.TimeSignature(f"{int(plan.pickup_q)}/4"))
        part.coreInsert(plan.pickup_q, meter.TimeSignature(f"{plan.meter[0]}/{plan.meter[1]}"))
    else:
        part.coreInsert(0, meter.TimeSignature(f"{plan.meter[0]}/{plan.meter[1]}"))
    part.coreInsert(0, key.Key(music21_key(plan.tonic, plan.mode).tonic.name, plan.mode))
    if plan.lift_q is not None:
        part.coreInsert(plan.lift_q, key.Key(music21_key(plan.lift_tonic, plan.mode).tonic.name, plan.mode))
    for section in plan.sections:
        part.coreInsert(section.start_q, expressions.RehearsalMark(section.name))


def end_quarters(score: stream.Score) -> Fraction | None:
    """The exact end of the piece in quarter notes, if the score was made by composer."""
    if score.metadata is None:
        return None
    values = score.metadata.getCustom(END_QUARTERS)
    return Fraction(str(values[0])) if values else None
