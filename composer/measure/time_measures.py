"""Measures of time in a MIDI file: rests, polyphony, energy bar by bar and the regularity of
onsets. Drums count for rests, energy and onsets (they are timing, if not pitch), not for
polyphony.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from composer.measure.music import TOLERANCE_Q, Music, beats, bar_starts

#: Onsets closer than this (seconds) are one onset for the inter-onset statistics.
ONSET_CLUSTER_S = 0.03


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
