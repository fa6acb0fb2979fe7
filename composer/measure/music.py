"""A MIDI file read as music: notes in seconds and quarter notes, parts, metre, and the views the
measures share (bars, beats, onsets, the melody).

Any Standard MIDI File reads, not only composer's, and nothing here knows what made it: no plan,
no chord list, no knowledge of which track is "the melody". Where such knowledge is needed it is
inferred from the notes, and the inference is stated in the docstring of the function making it.

- Musical positions are in quarter notes from the start (the file's ticks over its resolution),
  so tempo changes do not bend the metre; heard quantities (duration, inter-onset times) are in
  seconds, the file's tempo map applied.
- Drum parts (MIDI channel 10) have no pitch: :attr:`Music.pitched` leaves them out.
- Notes starting within ``TOLERANCE_Q`` (a 64th note) of each other start "together", so seeded
  micro-timing does not split a chord into two onsets.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mido

from composer.base.errors import ComposerError
from composer.base.midi_text import decoded_midi
from composer.base.quiet import quiet_import

#: Onsets closer than this (quarter notes, a 64th note) are one onset; also how far past an
#: onset "sounding at that moment" is probed, so a note released just as the next starts is gone.
TOLERANCE_Q = 1 / 16
#: Beat units a time signature may have; others (a corrupt file's 4/2**200) are ignored.
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)
#: Names that mark a track as the melody, before falling back to the highest part.
MELODY_NAMES = ("melody", "lead", "soprano", "theme", "tune", "vocal", "solo")


@dataclass(frozen=True)
class Note:
    """A note of a MIDI file: seconds (heard time) and quarter notes (musical time)."""

    start_s: float
    end_s: float
    start_q: float
    end_q: float
    pitch: int
    velocity: int
    part: int


@dataclass(frozen=True)
class Part:
    """One instrument of the file (pretty_midi splits tracks by channel and program)."""

    name: str
    program: int
    drum: bool
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Music:
    """A MIDI file read into notes, with what its metre and tempo say."""

    parts: tuple[Part, ...]
    duration_s: float
    tempo_bpm: float | None
    #: (start in quarter notes, numerator, denominator) of each time signature; 4/4 if none.
    meters: tuple[tuple[float, int, int], ...]

    @property
    def notes(self) -> list[Note]:
        """Every note, drums included, by start."""
        return sorted((n for p in self.parts for n in p.notes), key=lambda n: (n.start_q, n.pitch))

    @property
    def pitched(self) -> list[Note]:
        """Every note that has a pitch (no drums), by start."""
        return sorted((n for p in self.parts if not p.drum for n in p.notes), key=lambda n: (n.start_q, n.pitch))

    @property
    def end_q(self) -> float:
        """Where the last note stops, in quarter notes."""
        return max((n.end_q for p in self.parts for n in p.notes), default=0.0)


# --- reading MIDI ------------------------------------------------------------------------


def read_music(data: bytes, label: str) -> Music:
    """MIDI bytes as notes in seconds and quarter notes; ComposerError if they are not MIDI."""
    pretty_midi = quiet_import("pretty_midi")
    fix = "give a Standard MIDI File (.mid), e.g. one written by composer or exported from a DAW"
    try:
        midi = decoded_midi(data)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, mido.KeySignatureError) as error:
        raise ComposerError(f"{label} is not a readable MIDI file ({error_reason(error)})", fix) from None
    if midi.ticks_per_beat <= 0:  # its notes have no times
        raise ComposerError(f"{label} is not a readable MIDI file (0 ticks per beat)", fix)
    try:
        duration_s = float(midi.length)  # to the end of the last track; before pretty_midi edits times
    except (TypeError, ValueError):  # a type-2 file has no single timeline
        duration_s = 0.0
    try:
        pm = pretty_midi.PrettyMIDI(mido_object=midi)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, ZeroDivisionError) as error:
        raise ComposerError(f"{label} is not a readable MIDI file ({error_reason(error)})", fix) from None
    change_s, bpms = pm.get_tempo_changes()
    to_q = _quarters(list(map(float, change_s)), list(map(float, bpms)))
    parts = []
    for index, instrument in enumerate(pm.instruments):
        notes = tuple(
            Note(float(n.start), float(n.end), to_q(float(n.start)), to_q(float(n.end)), int(n.pitch), int(n.velocity),
                 index)
            for n in sorted(instrument.notes, key=lambda n: (n.start, n.pitch))
        )
        parts.append(Part(str(instrument.name).strip(), int(instrument.program), bool(instrument.is_drum), notes))
    meters = tuple(sorted((to_q(float(ts.time)), int(ts.numerator), int(ts.denominator))
                          for ts in pm.time_signature_changes
                          if ts.numerator >= 1 and ts.denominator in METER_DENOMINATORS))
    if not meters or meters[0][0] > TOLERANCE_Q:
        meters = ((0.0, 4, 4), *meters)
    last_note_s = max((n.end_s for p in parts for n in p.notes), default=0.0)
    tempo = float(bpms[0]) if len(bpms) else None
    return Music(tuple(parts), max(duration_s, last_note_s), tempo, meters)


def error_reason(error: Exception) -> str:
    """An exception's message, or its kind when it has none (mido's EOFError on a short file)."""
    return str(error) or type(error).__name__


def _quarters(change_s: list[float], bpms: list[float]) -> Callable[[float], float]:
    """A function from seconds to quarter notes along the tempo map (120 BPM when it has none)."""
    if not change_s:
        change_s, bpms = [0.0], [120.0]
    at_change = [0.0]
    for i in range(1, len(change_s)):
        at_change.append(at_change[-1] + (change_s[i] - change_s[i - 1]) * bpms[i - 1] / 60)

    def to_q(seconds: float) -> float:
        i = max(0, bisect.bisect_right(change_s, seconds) - 1)
        return at_change[i] + (seconds - change_s[i]) * bpms[i] / 60

    return to_q


# --- metre -------------------------------------------------------------------------------


def _segments(music: Music, end_q: float) -> list[tuple[float, float, int, int]]:
    """(start, end, numerator, denominator) of each stretch of one time signature up to ``end_q``."""
    meters = music.meters
    ends = [m[0] for m in meters[1:]] + [max(end_q, meters[-1][0])]
    return [(start, stop, num, den) for (start, num, den), stop in zip(meters, ends) if stop > start]


def bar_starts(music: Music, end_q: float) -> list[float]:
    """Where each bar starts (quarter notes), from the file's time signatures, up to ``end_q``.

    The bar lines are the file's: a piece written without padding its pickup bar (music21 writes
    a chorale's one-beat upbeat as if it were beat 1) is measured with its bar lines shifted.
    """
    starts: list[float] = []
    for start, stop, num, den in _segments(music, end_q):
        bar = num * 4 / den
        position = start
        while position < stop - 1e-9:
            starts.append(position)
            position += bar
    return starts


def beats(music: Music, end_q: float) -> list[tuple[float, float]]:
    """(start, length) in quarter notes of every beat up to ``end_q``: the denominator's note, or
    a dotted one in compound metres (6/8, 9/8, 12/8 count in dotted quarters)."""
    found: list[tuple[float, float]] = []
    for start, stop, num, den in _segments(music, end_q):
        beat = 4 / den * (3 if num % 3 == 0 and num > 3 else 1)
        position = start
        while position < stop - 1e-9:
            found.append((position, beat))
            position += beat
    return found


def strong_beats(music: Music, end_q: float) -> list[float]:
    """Strong-beat positions: every downbeat, and mid-bar in quadruple metres (beats 1 and 3 of
    4/4, the first and third dotted beats of 12/8), as DESIGN.md's melody rule counts them."""
    found: list[float] = []
    for start, stop, num, den in _segments(music, end_q):
        bar = num * 4 / den
        halves = (0.0, bar / 2) if num in (4, 12) else (0.0,)
        position = start
        while position < stop - 1e-9:
            found.extend(position + h for h in halves if position + h < stop - 1e-9)
            position += bar
    return found


# --- notes and the melody ----------------------------------------------------------------


def onset_groups(notes: Sequence[Note], tolerance_q: float = TOLERANCE_Q) -> list[list[Note]]:
    """Notes grouped by onset: a group holds the notes starting within ``tolerance_q`` of its first."""
    groups: list[list[Note]] = []
    for note in sorted(notes, key=lambda n: (n.start_q, n.pitch)):
        if groups and note.start_q - groups[-1][0].start_q <= tolerance_q:
            groups[-1].append(note)
        else:
            groups.append([note])
    return groups


def skyline(notes: Sequence[Note]) -> list[Note]:
    """The top line of a part: the highest note of each onset group (all notes of a single line)."""
    return [max(group, key=lambda n: n.pitch) for group in onset_groups(notes)]


def sounding(notes: Sequence[Note], probes: Sequence[float]) -> list[list[Note]]:
    """For each probe position (quarter notes), the notes sounding there: started at or before
    it and not yet released. One sweep over the notes, so long files stay fast."""
    ordered = sorted(notes, key=lambda n: n.start_q)
    result: list[list[Note]] = [[] for _ in probes]
    active: list[tuple[float, int]] = []
    cursor = 0
    for index in sorted(range(len(probes)), key=lambda i: probes[i]):
        probe = probes[index]
        while cursor < len(ordered) and ordered[cursor].start_q <= probe:
            heapq.heappush(active, (ordered[cursor].end_q, cursor))
            cursor += 1
        while active and active[0][0] <= probe:
            heapq.heappop(active)
        result[index] = [ordered[i] for _, i in active]
    return result


def melody_part(music: Music) -> Part | None:
    """The part taken as the melody (and the top voice): a non-drum part whose track name says
    so (melody, lead, soprano, theme, …), else the non-drum part with the highest mean pitch.
    None when the file has no pitched notes."""
    pitched = [p for p in music.parts if not p.drum and p.notes]
    named = [p for p in pitched if any(word in p.name.lower() for word in MELODY_NAMES)]
    candidates = named or pitched
    if not candidates:
        return None
    return max(candidates, key=lambda p: sum(n.pitch for n in p.notes) / len(p.notes))


def melody(music: Music) -> list[Note]:
    """The melody line: the skyline of :func:`melody_part`, so a one-part file (a piano piece, a
    folk song) gives its top line."""
    part = melody_part(music)
    return skyline(part.notes) if part else []
