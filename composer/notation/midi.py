"""MIDI: the arranged parts, played as their ``Performance`` says, written as a type-1
Standard MIDI File with mido.

Track 0 is the conductor (title, the provenance as a copyright notice and a text event, tempo,
meter, key and a marker per section, from the plan, and the performance's end of the piece);
then one named track per part with its General MIDI program on its own channel, drums on
channel 10 (with their GM2 kit's program unless it is the standard kit), and from the part's
performance its mix level (CC7), its expression curve (CC11) and, for pianos, the sustain pedal
(CC64). The file is written from the typed parts, not from the music21 Score: the Score is the
written page (spelling, clefs, beams), which sounding notes do not need, and building it was
two fifths of composing. Both say the same things (tests/test_midi.py reads one against the other).

Times stay exact (``Fraction`` quarter notes) until they become ticks here, and this is where
the performance is added: swing moves the second eighth of each beat later, and each onset is
moved by its few milliseconds of micro-timing. A note never starts before the file does or ends
after it, so the first and last notes stay exactly on the start and end.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import groupby

import mido
from music21 import key

from composer.base.exact import Fraction
from composer.composition.arrange import NoteEvent, PartPerformance, PartSpec, Performance
from composer.composition.arrange.performance import GLIDE_RANGE
from composer.composition.plan import SINGLE_LINE_PROGRAMS, Plan, music21_key
from composer.notation.score import part_names, pedalled, section_marks

TICKS_PER_BEAT = 960
#: How often a changing expression curve is sent, in ticks (a sixteenth note).
EXPRESSION_STEP = TICKS_PER_BEAT // 4
#: The sustain pedal goes down this many ticks (a 32nd note) after its chord is struck: after
#: every note of the chord before has been let go, however the players' timing falls.
PEDAL_DELAY = TICKS_PER_BEAT // 8
#: Event order within one tick: pedal up before note-offs, note-offs before note-ons (so a
#: repeated note is struck again), a glide's bend reset before the note it arrives at, pedal
#: down last.
NAME, PROGRAM, VOLUME, EXPRESSION, PEDAL_UP, NOTE_OFF, BEND, NOTE_ON, PEDAL_DOWN = range(9)
#: A glide's bend is sent in this many steps; the wheel's full travel (±8192) is the bend range.
GLIDE_STEPS = 8
WHEEL = 8192
#: Major keys by number of sharps (negative: flats), as mido spells key signatures.
MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                   1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}
MINOR_BY_SHARPS = {-7: "Abm", -6: "Ebm", -5: "Bbm", -4: "Fm", -3: "Cm", -2: "Gm", -1: "Dm", 0: "Am",
                   1: "Em", 2: "Bm", 3: "F#m", 4: "C#m", 5: "G#m", 6: "D#m", 7: "A#m"}


#: MIDI text (the title, track names, section markers) is written as UTF-8, as today's DAWs read
#: it: any title, in any script, survives; plain ASCII is the same bytes either way.
TEXT_CHARSET = "utf-8"


def key_signature(sharps: int, minor: bool) -> str:
    """The key signature mido writes for a key with ``sharps`` sharps (negative: flats); a key
    past seven is written as its enharmonic twin (8 sharps as 4 flats), the same sound.

    >>> key_signature(8, minor=False), key_signature(-2, minor=True)
    ('Ab', 'Gm')
    """
    if abs(sharps) > 7:
        sharps -= 12 if sharps > 0 else -12
    return (MINOR_BY_SHARPS if minor else MAJOR_BY_SHARPS)[sharps]


def quarters_to_ticks(quarters: Fraction, ticks_per_beat: int = TICKS_PER_BEAT) -> int:
    """Ticks at ``quarters`` quarter notes from the start.

    >>> quarters_to_ticks(Fraction(3, 2))
    1440
    """
    return round(quarters * ticks_per_beat)


#: Eighths played evenly: each beat's first half is half the beat.
STRAIGHT = Fraction(1, 2)


def swung(quarters: Fraction, ratio: Fraction) -> Fraction:
    """Where ``quarters`` falls when eighths swing at ``ratio``: each beat's first half is
    stretched to ``ratio`` of the beat and its second half squeezed into the rest, so beats
    stay where they are.

    >>> swung(Fraction(5, 2), Fraction(2, 3)), swung(Fraction(3), Fraction(2, 3))
    (Fraction(8, 3), Fraction(3, 1))
    """
    if ratio == STRAIGHT:
        return quarters
    beat, within = divmod(quarters, 1)
    if within <= Fraction(1, 2):
        return beat + within * 2 * ratio
    return beat + ratio + (within - Fraction(1, 2)) * 2 * (1 - ratio)


def parts_to_midi(plan: Plan, parts: Sequence[PartSpec], performance: Performance, title: str = "composer",
                  copyright: str | None = None, text: str | None = None) -> mido.MidiFile:
    """The Standard MIDI File for ``parts`` played as ``performance`` says, titled ``title``,
    with ``copyright`` (a copyright notice) and ``text`` (a text event: brief, seed, version) at
    the start of the conductor track, where the SMF spec puts them; same arguments, same bytes."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT, charset=TEXT_CHARSET)
    struck = [_struck(part) for part in parts]
    last_note = max((start + length for chords in struck for start, length, _ in chords), default=Fraction(0))
    end_tick = quarters_to_ticks(max(performance.end_q, last_note))
    midi.tracks.append(_conductor_track(plan, title or "composer", end_tick, copyright, text))
    feel = _Feel(performance.swing, float(plan.tempo_bpm), end_tick)  # micro-timing at the tempo the file plays
    for part, name, chords in zip(parts, part_names(parts), struck):
        midi.tracks.append(_part_track(part, name, chords, performance.part(part.role.role), feel))
    return midi


def _struck(part: PartSpec) -> list[tuple[Fraction, Fraction, list[NoteEvent]]]:
    """The part's notes as they are struck together: (onset, length, notes) per group of notes
    sharing both, as the score writes them (one chord each), in order of onset (the part's)."""
    return [(start, length, list(notes)) for (start, length), notes
            in groupby(part.notes, key=lambda n: (n.start_q, n.length_q))]


class _Feel:
    """Turns written quarter notes into played ticks: swing, then the note's micro-timing."""

    def __init__(self, ratio: Fraction, bpm: float, end_tick: int) -> None:
        self.ratio = ratio
        self.ticks_per_ms = bpm / 60_000 * TICKS_PER_BEAT
        self.end_tick = end_tick

    def tick(self, quarters: Fraction) -> int:
        return quarters_to_ticks(swung(quarters, self.ratio))

    def span(self, start_q: Fraction, end_q: Fraction, nudge_ms: int, spread_ms: int = 0) -> tuple[int, int]:
        """(note-on tick, note-off tick): moved by ``nudge_ms`` and a strum's ``spread_ms``,
        except that the notes on the very first beat start the file (a strum there still
        spreads its strings after it) and a note ending at the very end keeps its end (a loop's
        seam stays exact); never before the start or after the end."""
        shift = round((nudge_ms + spread_ms) * self.ticks_per_ms)
        first = round(spread_ms * self.ticks_per_ms)
        played_start = first if start_q == 0 else max(0, min(self.tick(start_q) + shift, self.end_tick - 1))
        if quarters_to_ticks(end_q) >= self.end_tick:
            played_stop = self.end_tick
        else:
            played_stop = min(self.tick(end_q) + shift, self.end_tick)
        return played_start, max(played_start + 1, played_stop)


def midi_bytes(plan: Plan, parts: Sequence[PartSpec], performance: Performance, title: str = "composer",
               copyright: str | None = None, text: str | None = None) -> bytes:
    """The MIDI file's bytes (see :func:`parts_to_midi`), ready to be written atomically."""
    buffer = io.BytesIO()
    parts_to_midi(plan, parts, performance, title, copyright, text).save(file=buffer)
    return buffer.getvalue()


def _timed(events: list[tuple[int, int, mido.Message | mido.MetaMessage]], end_tick: int) -> mido.MidiTrack:
    """A track from (absolute tick, order, message) events, ending at ``end_tick``."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(skip_checks=True, time=tick - now))  # checked when it was made
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    return track


def _conductor_track(plan: Plan, title: str, end_tick: int, copyright: str | None,
                     text: str | None) -> mido.MidiTrack:
    """Title and provenance, then the plan's tempo map, meters (a stinger's pickup its own short
    bar, a bar of changed meter its own), keys (home, lift, turns) and a marker per section and event."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [(0, 0, mido.MetaMessage("track_name", name=title))]
    if copyright is not None:
        events.append((0, 0, mido.MetaMessage("copyright", text=copyright)))
    if text is not None:
        events.append((0, 0, mido.MetaMessage("text", text=text)))
    for at_q, bpm in plan.tempo_map():  # exact: microseconds per quarter from the plan's BPM
        events.append((quarters_to_ticks(at_q), 1, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / float(bpm)))))
    meters = [(Fraction(0), int(plan.pickup_q), 4)] if plan.pickup_q else []
    for at_q, numerator, denominator in [*meters, *plan.meter_map()]:
        events.append((quarters_to_ticks(at_q), 2, mido.MetaMessage("time_signature", numerator=numerator,
                                                                    denominator=denominator)))
    keys = [(Fraction(0), plan.tonic, plan.mode)]
    if plan.lift_q is not None:
        keys.append((plan.lift_q, plan.lift_tonic, plan.mode))
    for at_q, tonic, mode in [*keys, *plan.key_changes]:
        signature = key.Key(music21_key(tonic, mode).tonic.name, mode)
        events.append((quarters_to_ticks(at_q), 3,
                       mido.MetaMessage("key_signature", key=key_signature(signature.sharps, mode == "minor"))))
    for at_q, name in section_marks(plan):
        events.append((quarters_to_ticks(at_q), 4, mido.MetaMessage("marker", text=name)))
    return _timed(events, end_tick)


def _part_track(part: PartSpec, name: str, chords: list[tuple[Fraction, Fraction, list[NoteEvent]]],
                played: PartPerformance, feel: _Feel) -> mido.MidiTrack:
    channel = part.role.channel
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [(0, NAME, mido.MetaMessage("track_name", name=name))]
    if not part.is_drums or part.role.program:  # channel 10 plays the standard kit unless told another
        events.append((0, PROGRAM, mido.Message("program_change", channel=channel, program=part.role.program)))
    events.append((0, VOLUME, mido.Message("control_change", channel=channel, control=7, value=played.mix_level)))
    events += _expression(played.expression, channel, feel)
    events += _pedal(chords, played.pedal, channel, feel)
    events += _glides(played, channel, feel)
    # the notes each voice strikes: each pitch its own, or one voice for an instrument that
    # sounds one note at a time (a flute), so a timing offset never overlaps two of its notes
    single_line = part.role.program in SINGLE_LINE_PROGRAMS and not part.is_drums
    sounding: dict[int, list[tuple[int, int, int, int]]] = {}
    for start_q, length_q, notes in chords:  # a chord's notes keep their own velocities (a kick and a hat)
        for note in notes:
            spread_ms = played.strums_ms.get((start_q, note.pitch), 0)  # a strum's strings one by one
            start, stop = feel.span(start_q, start_q + length_q, played.nudges_ms[start_q], spread_ms)
            sounding.setdefault(-1 if single_line else note.pitch, []).append((start, stop, note.velocity or 64, note.pitch))
    for struck in sounding.values():
        struck.sort()
        for index, (start, stop, velocity, pitch) in enumerate(struck):
            if index + 1 < len(struck):  # a timing offset never lets a note overlap the voice's next
                stop = max(start + 1, min(stop, struck[index + 1][0]))
            events.append((stop, NOTE_OFF, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
            events.append((start, NOTE_ON, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
    return _timed(events, feel.end_tick)


def _expression(curve: Sequence[tuple[Fraction, int]], channel: int, feel: _Feel) -> list[tuple[int, int, mido.Message]]:
    """CC11 along the straight lines between the expression ``curve``'s (quarter notes, value)
    points, a value each sixteenth while it changes."""
    points = [(feel.tick(at_q), value) for at_q, value in curve]
    events: list[tuple[int, int, mido.Message]] = []
    last = None
    for index, (tick, value) in enumerate(points):
        next_tick, next_value = points[index + 1] if index + 1 < len(points) else (tick, value)
        for t in range(tick, max(tick + 1, next_tick), EXPRESSION_STEP):
            share = (t - tick) / (next_tick - tick) if next_tick > tick else 0.0
            current = max(0, min(127, round(value + (next_value - value) * share)))
            if current != last:
                events.append((min(t, feel.end_tick), EXPRESSION,
                               mido.Message("control_change", channel=channel, control=11, value=current)))
                last = current
    if points and points[-1][1] != last:
        tick, value = points[-1]
        events.append((min(tick, feel.end_tick), EXPRESSION,
                       mido.Message("control_change", channel=channel, control=11, value=max(0, min(127, value)))))
    return events


def _glides(played: PartPerformance, channel: int, feel: _Feel) -> list[tuple[int, int, mido.Message]]:
    """Pitch bends for the part's glides: the bend range (RPN 0) set once at the start, then
    each slide in GLIDE_STEPS steps up to the next note's interval, and the wheel back at rest
    as that note is struck (before it, in the same tick)."""
    if not played.glides:
        return []
    rpn = [(101, 0), (100, 0), (6, GLIDE_RANGE), (38, 0), (101, 127), (100, 127)]
    events = [(0, VOLUME, mido.Message("control_change", channel=channel, control=control, value=value))
              for control, value in rpn]
    for start_q, end_q, semitones in played.glides:
        arrive = feel.span(end_q, end_q + 1, played.nudges_ms.get(end_q, 0))[0]
        start = min(feel.tick(start_q), arrive - GLIDE_STEPS)
        for step in range(1, GLIDE_STEPS + 1):
            tick = start + (arrive - 1 - start) * step // GLIDE_STEPS
            pitch = max(-WHEEL, min(WHEEL - 1, round(WHEEL * semitones * step / (GLIDE_STEPS * GLIDE_RANGE))))
            events.append((tick, BEND, mido.Message("pitchwheel", channel=channel, pitch=pitch)))
        events.append((arrive, BEND, mido.Message("pitchwheel", channel=channel, pitch=0)))
    return events


def _pedal(chords: list[tuple[Fraction, Fraction, list[NoteEvent]]], pedal: Sequence[tuple[Fraction, Fraction]],
           channel: int, feel: _Feel) -> list[tuple[int, int, mido.Message]]:
    """CC64 for the part's ``pedal`` spans, each played over the notes it sustains (those struck
    while it is down): down just after the first of them, up at the next span's first note when
    it follows within a beat (the change at a new chord), else where its last note ends; the last
    span holds to the end of the piece."""
    spans = []
    for spanned in pedalled(chords, [start for start, _, _ in chords], pedal):
        if spanned:
            spans.append((spanned[0][0], max(start + length for start, length, _ in spanned)))
    spans.sort()
    events: list[tuple[int, int, mido.Message]] = []
    for index, (start, last_end) in enumerate(spans):
        following = spans[index + 1][0] if index + 1 < len(spans) else None
        if following is None:
            up = feel.end_tick
        else:
            up = feel.tick(following) if following - last_end < 1 else feel.tick(last_end)
        down = min(feel.tick(start) + PEDAL_DELAY, up)
        events.append((down, PEDAL_DOWN, mido.Message("control_change", channel=channel, control=64, value=127)))
        events.append((up, PEDAL_UP, mido.Message("control_change", channel=channel, control=64, value=0)))
    return events
