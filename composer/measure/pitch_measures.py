"""Measures of pitch in a MIDI file: key, scale, chord tones under the melody, parallels, ranges
and the motif.

Each works on :class:`~composer.measure.music.Music` alone and states what it infers (the key
from the notes, the melody from the parts, the chord from what sounds under it). Drum parts have
no pitch and are left out. A measure that cannot be taken (no melody, no key) is None.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from composer.base.exact import Fraction
from composer.base.theory import MODE_STEPS, gm_ranges, key_pitch_classes, parallel_perfect, pitch_class
from composer.measure.music import TOLERANCE_Q, Music, Note, melody, onset_groups, sounding, strong_beats

#: Notes in the (interval, duration-ratio) patterns whose recurrence marks a motif.
MOTIF_LENGTH = 4
#: Chords a melody note can belong to, as semitones above the root: the four triads and five
#: seventh chords.
CHORD_SHAPES = ((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8),
                (0, 4, 7, 10), (0, 4, 7, 11), (0, 3, 7, 10), (0, 3, 6, 10), (0, 3, 6, 9))


@dataclass(frozen=True)
class FoundKey:
    """A key found in the notes: its tonic as composer writes it ("Bb"), its mode (major or
    minor), and how well the notes fit its profile (a correlation, 1 = perfectly)."""

    tonic: str
    mode: str
    correlation: float

    @property
    def name(self) -> str:
        """The key as the report writes it, e.g. "Bb major"."""
        return f"{self.tonic} {self.mode}"


# --- key and scale -----------------------------------------------------------------------


def detect_key(notes: Sequence[Note]) -> FoundKey | None:
    """The key music21's analysis (``analyze('key')``, the Aarden–Essen profiles) finds in the
    notes' pitch classes, weighted by duration in quarter notes.

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
    return FoundKey(found.tonic.name.replace("-", "b"), str(found.mode), float(found.correlationCoefficient))


def in_key_share(notes: Sequence[Note], key: FoundKey) -> float | None:
    """Share of the notes whose pitch class the key calls its own (:func:`key_pitch_classes`:
    in minor, the raised sixth and seventh too); None for no notes."""
    if not notes:
        return None
    own = key_pitch_classes(key.tonic, key.mode)
    return sum(1 for n in notes if n.pitch % 12 in own) / len(notes)


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


# --- the chord under the melody ----------------------------------------------------------


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


# --- voices and ranges -------------------------------------------------------------------


def parallel_perfects(music: Music) -> int:
    """Parallel fifths and octaves between the outer voices: the bass part and the top.

    The bass part is the pitched part lowest in median pitch (inferred: the file says no
    roles). At each onset (notes starting together grouped) where it sounds, the outer voices
    are its lowest note and the highest pitched note of any part sounding just after the onset.
    A parallel is two such onsets in a row, each with at least two different pitches sounding,
    whose outer voices move as :func:`parallel_perfect` forbids. An onset where the bass part is
    silent (an oom-pah's "pah", a walking bass's rest) is no step of the bass line: the chord
    struck there over no bass is not mistaken for the outer voices.
    """
    parts = [part for part in music.parts if not part.drum and part.notes]
    if not parts:
        return 0
    bass = min(range(len(parts)), key=lambda i: statistics.median(n.pitch for n in parts[i].notes))
    bass_notes = {id(n) for n in parts[bass].notes}
    pitched = music.pitched
    groups = onset_groups(pitched)
    probes = [group[-1].start_q + TOLERANCE_Q for group in groups]
    count = 0
    previous: tuple[int, int] | None = None
    for chord in sounding(pitched, probes):
        pitches = [n.pitch for n in chord]
        lows = [n.pitch for n in chord if id(n) in bass_notes]
        if not lows:
            continue
        if len(set(pitches)) < 2:
            previous = None
            continue
        outer = (min(lows), max(pitches))
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


# --- the motif ---------------------------------------------------------------------------


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


def motif_recurrence(line: Sequence[Note], key: FoundKey) -> tuple[float, int] | None:
    """(share of the melody's :data:`MOTIF_LENGTH`-note figures repeating an earlier one, how
    often the commonest occurs): the melody's :func:`motif_patterns`, counted in steps of the
    key's scale, through :func:`recurrence`."""
    return recurrence(motif_patterns(line, scale_steps((n.pitch for n in line), key.tonic, key.mode)))
