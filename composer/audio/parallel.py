"""One render on two cores: the notes split into two groups of about equal work, each group
played by its own synth on its own thread, the groups' audio summed into the mix.

A note's voices depend only on its channel's messages (program, controllers, pitch bend) and
on the channel's other notes on the same key (a key struck again releases the last), so the
notes split by channel and key, each synth getting the channel messages of the notes it plays;
a channel whose notes act on each other (drums, portamento, legato, mono mode) stays whole.
FluidSynth is linear from a voice to the output (its reverb and chorus too, one unit per synth
summing as one unit of the sum would), so a synth playing some notes gives those notes' part of
the one-synth render, to float rounding — with one exception, FluidSynth's own: a voice slot
reused for a new note keeps the output gain (pan × volume) of the note it played before, and
the new note's first 64 frames ramp from that gain to its own (fluid_rvoice_buffers_mix;
fluid_rvoice_reset does not zero ``current_amp``, in 2.3 and still in 2.6). Which slot a note
gets depends on every other note in its synth, so splitting the notes otherwise changes some
onsets (−54 dBFS at worst on a 3-minute bed).

So the split does not follow the machine: every cue of PARALLEL_MIN_S or more is played as the
same RENDER_GROUPS groups, whether the groups play at once on threads (one per core) or one
after the other, and the sum is taken in group order. One core or two, the audio is the same
bytes. The threads share one process (FluidSynth releases the interpreter's lock while it
renders, and its sample cache loads a soundfont's samples once for both synths); each group
plays into spools of its own, summed once both are done.
"""

from __future__ import annotations

from collections.abc import Sequence

import mido

#: Seconds a note is counted to sound after its note-off (its release), in the work estimate.
RELEASE_S = 0.3
#: Note groups of a render of PARALLEL_MIN_S or more: two cores' worth. Each costs a synth's
#: fixed work (its reverb and chorus run whether or not it plays, +20 % of a 3-minute bed's
#: render on one core), and the split is fixed so the audio never depends on the machine.
RENDER_GROUPS = 2
#: Cues shorter than this play on one synth: they render in well under a second, where a second
#: synth's fixed work and a thread's start would be most of the gain (and a batch, which fills
#: the cores with cues, would pay a fifth more for each).
PARALLEL_MIN_S = 60.0

Events = Sequence[tuple[float, mido.Message]]
#: A share of a render's work: a MIDI channel's notes on one key, or (key WHOLE) all its notes.
Unit = tuple[int, int]
WHOLE = -1
#: FluidSynth's percussion channel (MIDI channel 10).
DRUM_CHANNEL = 9
#: Messages that belong to one note (its key), not to the whole channel.
NOTE_MESSAGES = ("note_on", "note_off", "polytouch")


def linked_channels(events: Events) -> set[int]:
    """Channels whose notes must all play in one synth, as each may change how another sounds:
    the drum channel (a kit's exclusive classes cut one note by another), and any channel that
    selects a bank (a kit, maybe) or turns on portamento, legato or mono mode.

    >>> linked_channels([(0.0, mido.Message("control_change", channel=2, control=65, value=127))])
    {9, 2}
    """
    linked = {DRUM_CHANNEL}
    for _, message in events:
        if message.type == "control_change" and (message.control in (65, 68) and message.value >= 64
                                                 or message.control == 126
                                                 or message.control in (0, 32) and message.value > 0):
            linked.add(message.channel)
    return linked


def unit_work(events: Events) -> dict[Unit, float]:
    """Seconds of sounding notes per unit of work (each note with its release): the synth's work
    on it, near enough to share it out. A unit is a channel's notes on one key — they depend on
    nothing but the channel's messages — or, for a linked channel, all of its notes (key WHOLE).

    >>> on, off = mido.Message("note_on", note=60, channel=2), mido.Message("note_off", note=60, channel=2)
    >>> unit_work([(0.0, on), (1.5, off), (2.0, mido.Message("note_on", note=36, channel=9))])
    {(2, 60): 1.8, (9, -1): 0.3}
    """
    linked = linked_channels(events)
    work: dict[Unit, float] = {}
    sounding: dict[tuple[int, int], list[float]] = {}
    end = 0.0
    for seconds, message in events:
        end = seconds
        if message.type not in ("note_on", "note_off"):
            continue
        key = (message.channel, message.note)
        unit = (message.channel, WHOLE if message.channel in linked else message.note)
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault(key, []).append(seconds)
            work[unit] = work.get(unit, 0.0) + RELEASE_S
        elif sounding.get(key):
            work[unit] += seconds - sounding[key].pop(0)
    for (channel, note), starts in sounding.items():  # never released: sounds to the end
        unit = (channel, WHOLE if channel in linked else note)
        work[unit] += sum(end - start for start in starts)
    return {unit: round(seconds, 9) for unit, seconds in sorted(work.items())}


def work_groups(events: Events, parts: int) -> list[frozenset[Unit]]:
    """The units of work of ``events`` in at most ``parts`` groups of about equal work (the
    heaviest unit first into the lightest group, ties to the lower unit and group); fewer
    groups than ``parts`` where fewer units play.

    >>> notes = [(0.0, mido.Message("note_on", note=n, channel=0)) for n in (60, 60, 60, 64, 67)]
    >>> work_groups(notes, 2)
    [frozenset({(0, 60)}), frozenset({(0, 64), (0, 67)})]
    """
    work = unit_work(events)
    groups: list[set[Unit]] = [set() for _ in range(max(1, min(parts, len(work))))]
    loads = [0.0] * len(groups)
    for unit in sorted(work, key=lambda u: (-work[u], u)):
        lightest = min(range(len(groups)), key=lambda index: (loads[index], index))
        groups[lightest].add(unit)
        loads[lightest] += work[unit]
    return [frozenset(group) for group in groups if group]


def group_events(events: Events, group: frozenset[Unit]) -> list[tuple[float, mido.Message]]:
    """The messages a synth playing ``group`` needs: its notes, and every other message of
    their channels (programs, controllers, pitch bends), so each note sounds as in the whole."""
    channels = {channel for channel, _ in group}
    return [(seconds, message) for seconds, message in events if getattr(message, "channel", None) in channels and (
        message.type not in NOTE_MESSAGES or (message.channel, message.note) in group
        or (message.channel, WHOLE) in group)]


def note_groups(events: Events, duration_s: float) -> list[list[tuple[float, mido.Message]]]:
    """The messages each synth of a render plays: one group for a cue under PARALLEL_MIN_S (or
    one whose notes cannot split), else RENDER_GROUPS groups of about equal work.

    >>> notes = [(0.0, mido.Message("note_on", note=n, channel=0)) for n in (60, 64)]
    >>> [len(group) for group in note_groups(notes, 10.0)], [len(group) for group in note_groups(notes, 90.0)]
    ([2], [1, 1])
    """
    groups = work_groups(events, RENDER_GROUPS) if duration_s >= PARALLEL_MIN_S else []
    return [group_events(events, group) for group in groups] if len(groups) > 1 else [list(events)]
