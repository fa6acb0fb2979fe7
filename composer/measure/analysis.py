"""Objective measures of music from its file: any MIDI or audio file, not only composer's.

So that a change to harmony, melody or arrangement can be judged by numbers as well as by ear,
and so that our figures can be set beside real music (a Bach chorale written out by music21,
a folk song), everything here works on the file alone: no plan, no chord list, no knowledge of
which track is "the melody". Where a measure needs such knowledge it is inferred from the notes,
and the inference is stated in the docstring of the function that makes it.

``evaluate(path)`` returns a list of :class:`Measure`; ``evaluate_midi_bytes`` measures MIDI
already in memory (``piece.midi_bytes``), for tests that should not write files.

Conventions used throughout:

- Musical positions are in quarter notes from the start (the file's ticks over its resolution),
  so tempo changes do not bend the metre; heard quantities (duration, inter-onset times) are in
  seconds, the file's tempo map applied.
- Drum parts (MIDI channel 10) are left out of every pitch measure; they count for timing and
  energy (onsets, empty beats, energy per bar).
- Notes starting within ``TOLERANCE_Q`` (a 64th note) of each other start "together", so seeded
  micro-timing does not split a chord into two onsets.
- A measure that cannot be taken (no melody, no leap, silence) is ``None``, never a made-up 0.
"""

from __future__ import annotations

import bisect
import heapq
import io
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import mido
import numpy as np

from composer.base.errors import ComposerError
from composer.base.quiet import quiet_import
from composer.audio.loudness import integrated_loudness, loudness_range, true_peak_dbtp
from composer.base.theory import MODE_STEPS, gm_ranges, key_pitch_classes, melodic_motion, parallel_perfect, pitch_class

#: A measure's value: a number, a name (the key), a series (energy per bar), or None (not defined).
Value = float | int | str | tuple[float, ...] | None

MIDI_SUFFIXES = (".mid", ".midi")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")

#: Onsets closer than this (quarter notes, a 64th note) are one onset; also how far past an
#: onset "sounding at that moment" is probed, so a note released just as the next starts is gone.
TOLERANCE_Q = 1 / 16
#: Beat units a time signature may have; others (a corrupt file's 4/2**200) are ignored.
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)
#: Onsets closer than this (seconds) are one onset for the inter-onset statistics.
ONSET_CLUSTER_S = 0.03
#: Notes in the (interval, duration-ratio) patterns whose recurrence marks a motif.
MOTIF_LENGTH = 4
#: Names that mark a track as the melody, before falling back to the highest part.
MELODY_NAMES = ("melody", "lead", "soprano", "theme", "tune", "vocal", "solo")
#: |sample| at or above this counts as clipped.
CLIP_LEVEL = 0.999
#: Window for the level at the start and end of an audio file (seconds).
EDGE_S = 0.1


@dataclass(frozen=True)
class Measure:
    """One objective figure about a piece: its name, value, unit and a one-line meaning."""

    name: str
    value: Value
    unit: str
    meaning: str


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


# --- entry points ------------------------------------------------------------------------


def evaluate(path: Path) -> list[Measure]:
    """The measures of a MIDI (.mid/.midi) or audio (.wav/.flac/.ogg/.mp3) file, by its suffix."""
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        return evaluate_midi(path)
    if suffix in AUDIO_SUFFIXES:
        return evaluate_audio(path)
    raise ComposerError(
        f"cannot evaluate {path}: {suffix or 'no suffix'} is neither MIDI nor audio",
        f"give a {', '.join(MIDI_SUFFIXES + AUDIO_SUFFIXES)} file",
    )


def evaluate_midi(path: Path) -> list[Measure]:
    """The musical measures of any Standard MIDI File (see :func:`measure_music`)."""
    if not path.is_file():
        raise ComposerError(f"MIDI file {path} does not exist", "check the path")
    return measure_music(read_music(path.read_bytes(), str(path)))


def evaluate_midi_bytes(data: bytes) -> list[Measure]:
    """The musical measures of MIDI bytes in memory, e.g. ``piece.midi_bytes``."""
    return measure_music(read_music(data, "the MIDI data"))


def as_dict(measures: Iterable[Measure]) -> dict[str, Value]:
    """Measures as {name: value}, the shape of ``composer evaluate --json``.

    >>> as_dict([Measure("tempo_bpm", 120.0, "BPM", "first tempo")])
    {'tempo_bpm': 120.0}
    """
    return {m.name: m.value for m in measures}


# --- reading MIDI ------------------------------------------------------------------------


def read_music(data: bytes, label: str) -> Music:
    """MIDI bytes as notes in seconds and quarter notes; ComposerError if they are not MIDI."""
    pretty_midi = quiet_import("pretty_midi")
    fix = "give a Standard MIDI File (.mid), e.g. one written by composer or exported from a DAW"
    try:
        midi = mido.MidiFile(file=io.BytesIO(data))
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, mido.KeySignatureError) as error:
        raise ComposerError(f"{label} is not a readable MIDI file ({_why(error)})", fix) from None
    try:
        duration_s = float(midi.length)  # to the end of the last track; before pretty_midi edits times
    except (TypeError, ValueError):  # a type-2 file has no single timeline
        duration_s = 0.0
    try:
        pm = pretty_midi.PrettyMIDI(mido_object=midi)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, ZeroDivisionError) as error:
        raise ComposerError(f"{label} is not a readable MIDI file ({_why(error)})", fix) from None
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


def _why(error: Exception) -> str:
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


# --- note helpers ------------------------------------------------------------------------


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


# --- pure measures -----------------------------------------------------------------------


def pitch_class_entropy(pitches: Iterable[int]) -> float | None:
    """Shannon entropy (bits) of the pitch-class counts: 0 for one pitch class, log2(12) ≈ 3.58
    for all twelve equally often. Tonal music sits around 2.8–3.3.

    >>> pitch_class_entropy([60, 64, 67, 72])
    1.5
    >>> round(pitch_class_entropy(range(12)), 3)
    3.585
    """
    counts = Counter(p % 12 for p in pitches)
    total = sum(counts.values())
    if not total:
        return None
    return -sum(c / total * math.log2(c / total) for c in counts.values()) + 0.0


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Standard deviation over mean: 0 for a perfectly even series, about 1 for random (Poisson)
    onsets.

    >>> coefficient_of_variation([0.5, 0.5, 0.5])
    0.0
    >>> coefficient_of_variation([1.0, 3.0])
    0.5
    """
    if len(values) < 2 or not sum(values):
        return None
    array = np.asarray(values, dtype=np.float64)
    return float(array.std() / array.mean())


def scale_steps(pitches: Iterable[int], tonic: str, mode: str) -> list[int]:
    """Each pitch as a step number in the key's seven-note scale (natural minor in minor), so
    intervals can be counted in scale steps; a note outside the scale counts as the step below
    it (G# in A minor is a G, as its letter name says).

    >>> scale_steps([60, 62, 64, 65, 67, 72], "C", "major")
    [35, 36, 37, 38, 39, 42]
    >>> scale_steps([68, 69], "A", "minor")
    [34, 35]
    """
    shape, root = MODE_STEPS[mode], pitch_class(tonic)
    result = []
    for pitch in pitches:
        above_tonic = (pitch - root) % 12
        degree = max(i for i, s in enumerate(shape) if s <= above_tonic)
        result.append((pitch - root - above_tonic) // 12 * 7 + degree)
    return result


Pattern = tuple[tuple[int, ...], tuple[Fraction, ...]]


def motif_patterns(line: Sequence[Note], steps: Sequence[int], length: int = MOTIF_LENGTH) -> list[Pattern]:
    """Every run of ``length`` consecutive melody notes as a transposition- and tempo-invariant
    pattern: (its intervals in scale steps, the inter-onset time of each of its notes but the
    last over that of its first, rounded to the nearest fraction with denominator at most 4).

    A motif restated higher or lower, or sequenced up the scale (where a major third becomes a
    minor one), gives the same pattern; so does one played faster. The last note's own length
    is left out, so a motif followed by a rest still matches.
    """
    patterns: list[Pattern] = []
    for i in range(len(line) - length + 1):
        window = line[i : i + length]
        onsets = [n.start_q for n in window]
        gaps = [b - a for a, b in zip(onsets, onsets[1:])]
        if gaps[0] <= 0:
            continue
        intervals = tuple(b - a for a, b in zip(steps[i : i + length], steps[i + 1 : i + length]))
        patterns.append((intervals, tuple(Fraction(g / gaps[0]).limit_denominator(4) for g in gaps[1:])))
    return patterns


def recurrence(items: Sequence[Any]) -> tuple[float, int] | None:
    """(share of the items that repeat one met earlier, occurrences of the commonest item).

    >>> recurrence("abcabcabcd")
    (0.6, 3)
    >>> recurrence("abcdefghij")
    (0.0, 1)
    """
    if len(items) < 2:
        return None
    seen: set[Any] = set()
    repeats = 0
    for item in items:
        repeats += item in seen
        seen.add(item)
    return round(repeats / len(items), 3), max(Counter(items).values())


# --- musical measures --------------------------------------------------------------------


def detect_key(notes: Sequence[Note]) -> tuple[str, str, str, float] | None:
    """(name, tonic, mode, correlation) of music21's key analysis (``analyze('key')``,
    the Aarden–Essen profiles) over the notes' pitch classes weighted by duration in quarter notes.

    Only the duration per pitch class matters to that analysis, so it is given one note per pitch
    class with the total (scaled to 64 quarters), not thousands of notes.
    """
    from music21 import note as m21note
    from music21 import stream

    weights = [0.0] * 12
    for n in notes:
        weights[n.pitch % 12] += max(n.end_q - n.start_q, 0.0)
    total = sum(weights)
    if total <= 0:
        return None
    summary: stream.Stream[Any] = stream.Stream()
    for above_c, weight in enumerate(weights):
        quarters = round(weight / total * 64 * 16) / 16
        if quarters > 0:
            summary.append(m21note.Note(60 + above_c, quarterLength=quarters))
    found = summary.analyze("key")
    tonic = found.tonic.name.replace("-", "b")
    return f"{tonic} {found.mode}", tonic, str(found.mode), float(found.correlationCoefficient)


#: Chords a melody note can belong to, as semitones above the root: the four triads and five
#: seventh chords.
CHORD_SHAPES = ((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8),
                (0, 4, 7, 10), (0, 4, 7, 11), (0, 3, 7, 10), (0, 3, 6, 10), (0, 3, 6, 9))


def is_chord_tone(pitch_class: int, under: set[int]) -> bool:
    """Whether a melody note belongs to the chord sounding under it.

    It does when another part sounds its pitch class, or when it completes the notes under it
    into a triad or seventh chord whose root is among them: over A and E, a C# is the third of
    A major (four-part writing often gives the third to the soprano alone), but over C–E–G an A
    is not made a chord tone by reading A–C–E–G as A minor seventh.

    >>> is_chord_tone(1, {9, 4})
    True
    >>> is_chord_tone(9, {0, 4, 7}), is_chord_tone(2, {0, 4, 7})
    (False, False)
    >>> is_chord_tone(5, {7, 11, 2})
    True
    """
    if pitch_class in under:
        return True
    tones = under | {pitch_class}
    return any(tones <= {(root + s) % 12 for s in shape} for root in under for shape in CHORD_SHAPES)


def strong_beat_chord_tones(music: Music) -> tuple[int, int]:
    """(chord tones, judged notes) among the top voice's notes that start on a strong beat.

    The top voice is :func:`melody`. Under it sound the pitch classes of every other pitched
    note sounding just after the onset (``TOLERANCE_Q`` later, so notes released there are gone
    and notes struck with it are in), in any part, the melody part's lower notes included (the
    left hand of a one-part piano file); :func:`is_chord_tone` judges the note against them. A
    strong-beat note with nothing else sounding is not judged.
    """
    line = melody(music)
    strong = strong_beats(music, music.end_q)
    on_strong = [n for n in line if _near(strong, n.start_q)]
    in_line = {id(n) for n in line}
    others = [n for n in music.pitched if id(n) not in in_line]
    chords = sounding(others, [n.start_q + TOLERANCE_Q for n in on_strong])
    tones = judged = 0
    for note, chord in zip(on_strong, chords):
        under = {c.pitch % 12 for c in chord}
        if under:
            judged += 1
            tones += is_chord_tone(note.pitch % 12, under)
    return tones, judged


def _near(positions: Sequence[float], q: float) -> bool:
    """Whether ``q`` is within ``TOLERANCE_Q`` of one of the sorted ``positions``."""
    i = bisect.bisect_left(positions, q - TOLERANCE_Q)
    return i < len(positions) and positions[i] <= q + TOLERANCE_Q


def parallel_perfects(music: Music) -> int:
    """Parallel fifths and octaves between the outer voices.

    At each onset (notes starting together grouped), the outer voices are the lowest and highest
    pitched notes sounding just after it. A parallel is two consecutive onsets, each with at least
    two different pitches sounding, whose outer voices move as :func:`parallel_perfect` forbids.
    """
    pitched = music.pitched
    groups = onset_groups(pitched)
    probes = [group[-1].start_q + TOLERANCE_Q for group in groups]
    count = 0
    previous: tuple[int, int] | None = None
    for chord in sounding(pitched, probes):
        pitches = [n.pitch for n in chord]
        if len(set(pitches)) < 2:
            previous = None
            continue
        outer = (min(pitches), max(pitches))
        if previous is not None:
            count += parallel_perfect(*previous, *outer)
        previous = outer
    return count


def outside_ranges(music: Music) -> int:
    """Pitched notes outside the comfortable range of their part's General MIDI program."""
    ranges = gm_ranges()
    count = 0
    for part in music.parts:
        if part.drum:
            continue
        low, high = ranges[part.program]
        count += sum(1 for n in part.notes if not low <= n.pitch <= high)
    return count


def empty_beat_rate(music: Music) -> float | None:
    """Share of the beats in which no note, drums included, sounds at any moment: the beats
    from the one where the first note starts to the last note's end (silence before the music
    starts, such as a padded pickup bar, is not a rest in it)."""
    notes = music.notes
    if not notes:
        return None
    first = notes[0].start_q
    grid = [(start, length) for start, length in beats(music, music.end_q) if start + length > first + 1e-9]
    if not grid:
        return None
    merged: list[list[float]] = []
    for note in notes:
        if merged and note.start_q <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], note.end_q)
        else:
            merged.append([note.start_q, note.end_q])
    ends = [stop for _, stop in merged]
    empty = 0
    for start, length in grid:
        i = bisect.bisect_right(ends, start + 1e-9)  # first sounding stretch that ends inside or after the beat
        empty += i >= len(merged) or merged[i][0] >= start + length - 1e-9
    return empty / len(grid)


def mean_polyphony(music: Music) -> float | None:
    """Mean number of pitched notes sounding, over the time at least one sounds (rests are the
    empty-beat rate's business): a melody alone is 1, a four-part chorale about 4."""
    spans = sorted((n.start_s, n.end_s) for n in music.pitched if n.end_s > n.start_s)
    if not spans:
        return None
    covered = 0.0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start > current_end:
            covered += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    covered += current_end - current_start
    return sum(end - start for start, end in spans) / covered if covered > 0 else None


def energy_per_bar(music: Music) -> tuple[float, ...]:
    """Velocity-weighted note onsets in each bar (velocity / 127 summed, drums included): how
    much is played, and how hard, bar by bar. A note played a hair before a bar line (a
    player's push, within half of TOLERANCE_Q) belongs to the bar it leads into."""
    starts = bar_starts(music, music.end_q)
    energy = [0.0] * len(starts)
    for note in music.notes:
        bar = bisect.bisect_right(starts, note.start_q + TOLERANCE_Q / 2) - 1
        if 0 <= bar < len(energy):
            energy[bar] += note.velocity / 127
    return tuple(round(e, 2) for e in energy)


def onset_regularity(music: Music) -> float | None:
    """Coefficient of variation of the inter-onset intervals (seconds) of all parts together,
    onsets within ``ONSET_CLUSTER_S`` counted once: near 0 for a steady groove, about 1 for
    random onsets, higher still for sparse, irregular (ambient) textures."""
    onsets: list[float] = []
    for start in sorted(n.start_s for n in music.notes):
        if not onsets or start - onsets[-1] > ONSET_CLUSTER_S:
            onsets.append(start)
    if len(onsets) < 3:
        return None
    return coefficient_of_variation([b - a for a, b in zip(onsets, onsets[1:])])


def _rounded(value: float | None, places: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, places) + 0.0


def measure_music(music: Music) -> list[Measure]:
    """Every MIDI measure of ``music``, in a fixed order (see the module docstring for conventions)."""
    pitched = music.pitched
    key = detect_key(pitched)
    in_scale = None
    if key is not None and pitched:
        scale = key_pitch_classes(key[1], key[2])
        in_scale = sum(1 for n in pitched if n.pitch % 12 in scale) / len(pitched)
    tones, judged = strong_beat_chord_tones(music)
    line = melody(music)
    steps, leaps, recovery = melodic_motion([n.pitch for n in line])
    motif = None
    if key is not None:
        motif = recurrence(motif_patterns(line, scale_steps((n.pitch for n in line), key[1], key[2])))
    part = melody_part(music)
    return [
        Measure("duration_s", _rounded(music.duration_s), "s", "length of the file, to its last event"),
        Measure("tempo_bpm", _rounded(music.tempo_bpm), "BPM", "first tempo of the file (120 if it sets none)"),
        Measure("key", key[0] if key else None, "", "key found by music21's analysis of the pitch classes"),
        Measure("key_correlation", _rounded(key[3] if key else None), "r",
                "how well the notes fit that key's profile (1 = perfectly, under 0.6 = no clear key)"),
        Measure("pitch_in_scale", _rounded(in_scale), "share",
                "notes in the detected key's scale (minor: raised 6th and 7th included)"),
        Measure("pitch_class_entropy", _rounded(pitch_class_entropy(n.pitch for n in pitched)), "bits",
                "spread over the 12 pitch classes (0 = one note, 3.58 = all twelve alike)"),
        Measure("melody_part", (part.name or f"part {part.notes[0].part + 1}") if part else None, "",
                "the part measured as melody and top voice (named so, else the highest)"),
        Measure("strong_beat_chord_tones", _rounded(tones / judged if judged else None), "share",
                "top-voice notes on strong beats that belong to the chord sounding under them"),
        Measure("stepwise_share", _rounded(steps), "share", "melody moves of at most a whole tone"),
        Measure("leap_share", _rounded(leaps), "share", "melody moves larger than a fifth"),
        Measure("leap_recovery", _rounded(recovery), "share", "leaps larger than a fifth followed by a turn back"),
        Measure("parallel_perfects", parallel_perfects(music), "count",
                "parallel fifths/octaves between the lowest and highest sounding notes"),
        Measure("outside_gm_range", outside_ranges(music), "notes",
                "notes outside their General MIDI instrument's comfortable range"),
        Measure("empty_beat_rate", _rounded(empty_beat_rate(music)), "share", "beats in which nothing sounds"),
        Measure("mean_polyphony", _rounded(mean_polyphony(music)), "notes",
                "pitched notes sounding at once, while anything sounds"),
        Measure("motif_recurrence", motif[0] if motif else None, "share",
                f"{MOTIF_LENGTH}-note melody figures (scale-step intervals, rhythm) repeating an earlier one"),
        Measure("motif_top_count", motif[1] if motif else None, "times", "how often the commonest such pattern occurs"),
        Measure("energy_per_bar", energy_per_bar(music), "vel/bar",
                "notes per bar weighted by velocity (velocity/127), bar by bar"),
        Measure("onset_regularity", _rounded(onset_regularity(music)), "CV",
                "spread of the time between onsets (0 = steady pulse, ~1 = random)"),
    ]


# --- audio -------------------------------------------------------------------------------


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """(float32 frames × channels, sample rate) of an audio file; ComposerError if unreadable."""
    import soundfile

    if not path.is_file():
        raise ComposerError(f"audio file {path} does not exist", "check the path")
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError) as error:
        raise ComposerError(f"{path} is not a readable audio file ({_why(error)})",
                            "give a .wav, .flac, .ogg or .mp3 file") from None
    return audio, int(rate)


def rms_dbfs(block: np.ndarray) -> float | None:
    """RMS level in dB relative to full scale (a full-scale square wave is 0), None for silence.

    >>> rms_dbfs(np.full((100, 2), 0.5, dtype=np.float32))
    -6.021
    """
    if not block.size:
        return None
    mean_square = float(np.mean(np.square(block, dtype=np.float64)))
    return round(10 * math.log10(mean_square), 3) if mean_square > 0 else None


def evaluate_audio(path: Path) -> list[Measure]:
    """The technical measures of an audio file: length, loudness, peaks, range and edges."""
    audio, rate = read_audio(path)
    edge = max(1, round(EDGE_S * rate))
    return [
        Measure("length_s", _rounded(len(audio) / rate, 6), "s", "length of the audio"),
        Measure("frames", len(audio), "frames", "samples per channel"),
        Measure("sample_rate", rate, "Hz", "samples per second"),
        Measure("channels", int(audio.shape[1]), "", "1 = mono, 2 = stereo"),
        Measure("loudness_lufs", _rounded(integrated_loudness(audio, rate)), "LUFS",
                "integrated loudness, ITU-R BS.1770 (-14 social, -16 web, -23 broadcast)"),
        Measure("true_peak_dbtp", _rounded(true_peak_dbtp(audio)), "dBTP",
                "highest peak between samples, 4x oversampled (keep at or under -1)"),
        Measure("loudness_range_lu", _rounded(loudness_range(audio, rate)), "LU",
                "EBU R128 loudness range: spread of the 3 s loudness, 10th to 95th percentile"),
        Measure("clipped_samples", int(np.count_nonzero(np.abs(audio) >= CLIP_LEVEL)), "samples",
                f"samples at or beyond ±{CLIP_LEVEL} of full scale (0 = no clipping)"),
        Measure("start_level_dbfs", rms_dbfs(audio[:edge]), "dBFS", "RMS level of the first 100 ms"),
        Measure("end_level_dbfs", rms_dbfs(audio[-edge:]), "dBFS", "RMS level of the last 100 ms"),
    ]
