"""Which bars of a piece differ from an earlier version of it. After a re-conform (the same brief
and seed with a moved hit) an editor wants to know what to re-check: the bars before the first
moved moment play exactly as before, the bars from there on are refitted.

Both versions are read back from their MIDI bytes (``read_music``), so the earlier one may be
any file composer wrote. A bar is the same when the notes starting in it (each part by name,
pitch, velocity and its start and end to the millisecond) are the same in both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from composer.measure.music import Music, read_music

#: Times compared to the millisecond: finer than any ear, coarser than float noise.
MS_PER_S = 1000


@dataclass(frozen=True)
class BarChanges:
    """Bars (counted from 1) that play as in the earlier version, and those that do not."""

    same: tuple[int, ...]
    changed: tuple[int, ...]
    #: Where the first changed bar starts, in seconds; None when nothing changed.
    first_change_s: float | None

    def as_dict(self) -> dict[str, object]:
        """The comparison as JSON data, bars as ranges.

        >>> BarChanges((1, 2, 3), (4, 5, 7), 9.5).as_dict()
        {'same_bars': '1–3', 'changed_bars': '4–5, 7', 'first_change_s': 9.5}
        """
        return {"same_bars": bar_ranges(self.same), "changed_bars": bar_ranges(self.changed),
                "first_change_s": self.first_change_s}


def bar_changes(starts_s: Sequence[float], midi_bytes: bytes, earlier_bytes: bytes, earlier_label: str) -> BarChanges:
    """Compare a piece (its bars' starts in seconds and its MIDI) with an earlier version's
    MIDI, bar by bar of the piece's own bars; the release after the last bar is that bar's."""
    now, before = _onsets(read_music(midi_bytes, "the piece")), _onsets(read_music(earlier_bytes, earlier_label))
    same: list[int] = []
    changed: list[int] = []
    for bar, start_s in enumerate(starts_s):
        low = round(start_s * MS_PER_S) if bar else -math.inf
        high = round(starts_s[bar + 1] * MS_PER_S) if bar + 1 < len(starts_s) else math.inf
        alike = {n for n in now if low <= n[3] < high} == {n for n in before if low <= n[3] < high}
        (same if alike else changed).append(bar + 1)
    first = round(starts_s[changed[0] - 1], 3) if changed else None
    return BarChanges(tuple(same), tuple(changed), first)


def _onsets(music: Music) -> set[tuple[str, int, int, int, int]]:
    """Every note as (part name, pitch, velocity, start ms, end ms)."""
    return {(part.name, n.pitch, n.velocity, round(n.start_s * MS_PER_S), round(n.end_s * MS_PER_S))
            for part in music.parts for n in part.notes}


def bar_ranges(bars: tuple[int, ...]) -> str:
    """Bars as runs an editor reads, e.g. "1–12, 14"; "none" for none.

    >>> bar_ranges((1, 2, 3, 5, 7, 8)), bar_ranges(())
    ('1–3, 5, 7–8', 'none')
    """
    runs: list[list[int]] = []
    for bar in bars:
        if runs and bar == runs[-1][-1] + 1:
            runs[-1].append(bar)
        else:
            runs.append([bar])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs) or "none"
