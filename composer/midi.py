"""MIDI: a music21 Score written as a type-1 Standard MIDI File with mido.

Track 0 is the conductor (title, tempo, meter, key, a marker per section, and the end of the
piece); then one named track per part with its General MIDI program on its own channel, drums
on channel 10. Times stay exact (``Fraction`` quarter notes) until they become ticks here.
"""

from __future__ import annotations

import io
from fractions import Fraction

import mido
from music21 import expressions, instrument, key, meter, stream, tempo

from composer.score import end_quarters

TICKS_PER_BEAT = 960
#: Major keys by number of sharps (negative: flats), as mido spells key signatures.
MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                   1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}
MINOR_BY_SHARPS = {-7: "Abm", -6: "Ebm", -5: "Bbm", -4: "Fm", -3: "Cm", -2: "Gm", -1: "Dm", 0: "Am",
                   1: "Em", 2: "Bm", 3: "F#m", 4: "C#m", 5: "G#m", 6: "D#m", 7: "A#m"}


def quarters_to_ticks(quarters: Fraction, ticks_per_beat: int = TICKS_PER_BEAT) -> int:
    """Ticks at ``quarters`` quarter notes from the start.

    >>> quarters_to_ticks(Fraction(3, 2))
    1440
    """
    return round(quarters * ticks_per_beat)


def score_to_midi(score: stream.Score) -> mido.MidiFile:
    """The Standard MIDI File for ``score``; same score, same bytes."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    parts = list(score.parts)
    end = end_quarters(score)
    last_note = max((_end_of_last_note(p) for p in parts), default=Fraction(0))
    end_tick = quarters_to_ticks(max(end or Fraction(0), last_note))
    title = score.metadata.title if score.metadata and score.metadata.title else "composer"
    midi.tracks.append(_conductor_track(parts[0] if parts else stream.Part(), title, end_tick))
    for part in parts:
        midi.tracks.append(_part_track(part, end_tick))
    return midi


def midi_bytes(score: stream.Score) -> bytes:
    """The MIDI file's bytes, ready to be written atomically."""
    buffer = io.BytesIO()
    score_to_midi(score).save(file=buffer)
    return buffer.getvalue()


def _end_of_last_note(part: stream.Part) -> Fraction:
    return max((Fraction(n.offset) + Fraction(n.quarterLength) for n in part.notes), default=Fraction(0))


def _timed(events: list[tuple[int, int, mido.Message | mido.MetaMessage]], end_tick: int) -> mido.MidiTrack:
    """A track from (absolute tick, order, message) events, ending at ``end_tick``."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    return track


def _conductor_track(first: stream.Part, title: str, end_tick: int) -> mido.MidiTrack:
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [(0, 0, mido.MetaMessage("track_name", name=title))]
    for element in first.getElementsByClass((tempo.MetronomeMark, meter.TimeSignature, key.KeySignature,
                                             expressions.RehearsalMark)):
        tick = quarters_to_ticks(Fraction(element.offset))
        if isinstance(element, tempo.MetronomeMark):
            bpm = element.getQuarterBPM() or 120.0
            events.append((tick, 1, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / bpm))))
        elif isinstance(element, meter.TimeSignature):
            events.append((tick, 2, mido.MetaMessage("time_signature", numerator=element.numerator,
                                                     denominator=element.denominator)))
        elif isinstance(element, key.KeySignature):
            names = MINOR_BY_SHARPS if getattr(element, "mode", "major") == "minor" else MAJOR_BY_SHARPS
            events.append((tick, 3, mido.MetaMessage("key_signature", key=names[element.sharps])))
        else:
            events.append((tick, 4, mido.MetaMessage("marker", text=str(element.content))))
    return _timed(events, end_tick)


def _part_track(part: stream.Part, end_tick: int) -> mido.MidiTrack:
    player = part.getInstrument(returnDefault=True) or instrument.Instrument()
    channel = player.midiChannel if player.midiChannel is not None else 0
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=part.partName or player.instrumentName or "part")),
    ]
    if channel != 9:
        events.append((0, 1, mido.Message("program_change", channel=channel, program=player.midiProgram or 0)))
    events.append((0, 2, mido.Message("control_change", channel=channel, control=7, value=100)))
    for element in part.notes:
        start = quarters_to_ticks(Fraction(element.offset))
        stop = quarters_to_ticks(Fraction(element.offset) + Fraction(element.quarterLength))
        velocity = element.volume.velocity or 64
        for pitch in element.pitches:
            # note-offs sort before note-ons at the same tick, so a repeated note is re-struck
            events.append((stop, 3, mido.Message("note_off", channel=channel, note=pitch.midi, velocity=0)))
            events.append((start, 4, mido.Message("note_on", channel=channel, note=pitch.midi, velocity=velocity)))
    return _timed(events, end_tick)

