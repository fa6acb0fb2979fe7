"""Music theory shared by the composing stages and the measures: intervals and melodic motion.

One definition of each rule, so what composition aims for and what measure checks agree.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Largest step (semitones): a major second.
STEP = 2
#: A leap is larger than this many semitones (a perfect fifth), as in DESIGN.md's melody rule.
LEAP = 7


def melodic_motion(pitches: Sequence[int]) -> tuple[float | None, float | None, float | None]:
    """(stepwise share, leap share, leap recovery) of a melody line's MIDI pitches.

    Shares are over the moves that change pitch: a step is at most a major second, a leap is
    larger than a perfect fifth. Recovery: of the leaps followed by another move, the share
    whose next move goes the other way (DESIGN.md: "a leap larger than a fifth is followed by a
    step back the other way"; a repeated note after the leap does not count as recovering).
    """
    moves = [b - a for a, b in zip(pitches, pitches[1:])]
    changing = [m for m in moves if m]
    if not changing:
        return None, None, None
    steps = sum(1 for m in changing if abs(m) <= STEP) / len(changing)
    leaps = sum(1 for m in changing if abs(m) > LEAP) / len(changing)
    followed = [(a, b) for a, b in zip(moves, moves[1:]) if abs(a) > LEAP]
    recovery = sum(1 for a, b in followed if a * b < 0) / len(followed) if followed else None
    return steps, leaps, recovery
