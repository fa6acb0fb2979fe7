"""The motif: a one- or two-bar cell whose rhythm suits the mood and whose contour a listener can
hold: mostly steps, each leap answered by a step back, strong notes that can sit on one triad.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from composer.base.exact import Fraction
from composer.composition.grammar import Flavour, harmony_data
from composer.composition.melody.notes import Motif, is_strong
from composer.composition.plan import Plan

#: Contours drawn at most for one motif, looking for one that fits triads and moves by step.
MOTIF_DRAWS = 40
#: Leaps (scale steps) of a plain motif, and its step choices (a flavour adds its repeated notes).
DEFAULT_LEAPS = (2, 3, -2, 3)
STEP_CHOICES = (1, 1, -1, -1)
#: Fewest notes in a motif: fewer give a listener no shape to remember.
MOTIF_NOTES = 4


def make_motif(plan: Plan, rng: random.Random) -> Motif:
    """A one- or two-bar cell: a rhythm that suits the mood, a contour of mostly steps with a leap or
    two, each leap answered by a step the other way.

    Contours are drawn until one can be heard over a chord: no strong note a single scale step
    (or a seventh) from the first, since one of the two would then miss every triad. Longer
    cells are also held to between half and five sixths steps, the motif's share of the
    two-thirds steps a melody wants.
    """
    rhythms = harmony_data().rhythms
    cells = rhythms.get(str(plan.bar_q), rhythms["4"])
    arousal = plan.arousal
    mood = "calm" if arousal < -0.3 or plan.kind == "underscore" else ("lively" if arousal > 0.45 else "moving")
    flavour_name, flavour = motif_flavour(plan)
    if flavour_name in cells and plan.kind != "underscore":
        mood = flavour_name
    elif style_cells(plan):
        mood = plan.style
    leaps, repeats = flavour.leaps, flavour.repeats
    rhythm = _cell(cells[mood], plan.bar_q, rng)
    if len(rhythm) < MOTIF_NOTES:  # too few notes to be remembered: a second bar makes it a two-bar idea
        fuller = [c for c in cells[mood] if len(c) >= MOTIF_NOTES - len(rhythm)]
        # A long piece's answers its first bar in another rhythm (a trap bed's motif sang one
        # bar twice: 71 bars of 96 in one rhythm); not in two beats, where phrases restate and
        # vary the head alone, whose variants (a march's) were then fewer.
        if plan.scenes and plan.bar_q > 2:
            fuller = [c for c in fuller if c != rhythm] or fuller
        rhythm += _cell(fuller or cells["moving"], plan.bar_q, rng)
    onsets = list(itertools.accumulate(rhythm[:-1], initial=Fraction(0)))
    by_bar: dict[int, list[int]] = {}
    for index, onset in enumerate(onsets):
        if is_strong(onset, rhythm[index], plan.bar_q):
            by_bar.setdefault(int(onset // plan.bar_q), []).append(index)
    strong = {index for indices in by_bar.values() for index in indices}
    neighbour = _neighbour_at(onsets, strong, plan.bar_q, flavour.chromatic_neighbours, rng)
    steps = _contour(len(rhythm) - 1, leaps, repeats, rng, neighbour)
    for _ in range(MOTIF_DRAWS):
        if (all(_fits_triads(steps, indices) for indices in by_bar.values()) and _step_share_suits(steps)
                and _passing_tones_move_on(steps, strong)):
            break
        steps = _contour(len(rhythm) - 1, leaps, repeats, rng, neighbour)
    return Motif(rhythm, tuple(steps), () if neighbour is None else (neighbour,))


def _neighbour_at(onsets: list[Fraction], strong: set[int], bar_q: Fraction, share: float,
                  rng: random.Random) -> int | None:
    """Where a motif dips to a chromatic lower neighbour (in ``share`` of motifs; none when
    the share is 0, without drawing): a weak note between two notes, in the same bar as the
    note it resolves to."""
    if not share or rng.random() >= share:
        return None
    weak = [i for i in range(1, len(onsets) - 1)
            if i not in strong and onsets[i] // bar_q == onsets[i + 1] // bar_q]
    return rng.choice(weak) if weak else None


def style_cells(plan: Plan) -> tuple[tuple[Fraction, ...], ...]:
    """The one-bar rhythms of the plan's style in its meter, where the style has its own
    (``harmony.toml`` [rhythms]: a march's dotted eighth and sixteenth, a waltz's half and
    quarter); none for an underscore, whose melody stays sparse, or any other style.

    >>> from composer import compose
    >>> [len(style_cells(compose(brief, seed=1).plan)) > 0 for brief in ("waltz bed, 2 minutes", "pop song, 1 minute")]
    [True, False]
    """
    if plan.kind == "underscore":
        return ()
    return harmony_data().rhythms.get(str(plan.bar_q), {}).get(plan.style, ())


def motif_flavour(plan: Plan) -> tuple[str, Flavour]:
    """The plan's motif flavour and its leaps (``harmony.toml`` [motif_flavours]: playful, epic,
    tense; its rhythm cells share its name), or "" and the plain motif's leaps."""
    if not plan.motif_flavour:
        return "", Flavour(DEFAULT_LEAPS)
    return plan.motif_flavour, harmony_data().motif_flavours[plan.motif_flavour]


def _cell(cells: Sequence[tuple[Fraction, ...]], bar_q: Fraction, rng: random.Random) -> tuple[Fraction, ...]:
    """One bar's rhythm from the mood's cells; even beats where the meter has no cells."""
    rhythm = rng.choice(cells)
    return rhythm if sum(rhythm) == bar_q else (Fraction(1),) * max(1, int(bar_q))


def _contour(moves: int, leaps: tuple[int, ...], repeats: int, rng: random.Random,
             neighbour: int | None = None) -> list[int]:
    """Scale steps between the notes: steps and ``repeats`` in five repeated notes, and a leap
    (one of ``leaps`` scale steps) turned back by a step; a step down to the ``neighbour``
    note and back up."""
    steps: list[int] = []
    leap_at = rng.randrange(moves - 1) if moves >= 3 else -1  # longer cells get one leap for shape
    while len(steps) < moves:
        if moves - len(steps) >= 2 and (len(steps) == leap_at or rng.random() < 0.2):
            leap = rng.choice(leaps)
            steps += [leap, -1 if leap > 0 else 1]  # a leap, then a step back
        else:
            steps.append(rng.choice(STEP_CHOICES + (0,) * repeats))
    if steps and all(s == 0 for s in steps):
        steps[0] = 1
    if neighbour is None:
        return _balanced(steps)
    steps[neighbour - 1 : neighbour + 1] = [-1, 1]
    return _balanced(steps, keep={neighbour - 1, neighbour})


def _fits_triads(steps: list[int], strong: list[int]) -> bool:
    """No strong note of a bar a step or a seventh (±1 mod 7 scale steps) from its first.

    >>> _fits_triads([2, -1], [0, 2]), _fits_triads([1, 1], [0, 2]), _fits_triads([1, 1, 1], [1, 3])
    (False, True, True)
    """
    offsets = [0, *itertools.accumulate(steps)]
    return all((offsets[i] - offsets[strong[0]]) % 7 not in (1, 6) for i in strong)


def _passing_tones_move_on(steps: list[int], strong: set[int]) -> bool:
    """A weak note a step from the note before it (a passing or neighbour tone, off the chord)
    moves on by step, since a non-chord tone is left by step.

    >>> _passing_tones_move_on([-1, 3], {0, 2}), _passing_tones_move_on([-1, 2], {0, 2})
    (False, False)
    >>> _passing_tones_move_on([-1, -1], {0, 2}), _passing_tones_move_on([2, -1], {0, 2})
    (True, True)
    """
    return all(abs(after) == 1 for index, (before, after) in enumerate(zip(steps, steps[1:]))
               if abs(before) == 1 and index + 1 not in strong)


def _step_share_suits(steps: list[int]) -> bool:
    """Half to five sixths of a three-move (or longer) contour's moves are single steps.

    >>> _step_share_suits([1, 1, 1]), _step_share_suits([2, -1, 1])
    (False, True)
    """
    moving = [s for s in steps if s]
    if len(steps) < 3 or not moving:
        return True
    return 0.5 <= sum(1 for s in moving if abs(s) == 1) / len(moving) <= 5 / 6


def _balanced(steps: list[int], keep: frozenset[int] | set[int] = frozenset()) -> list[int]:
    """The contour with its net rise or fall cut to at most one step, by turning single steps
    round (last first, but none in ``keep``), so that repeating the motif does not climb out
    of the range.

    >>> _balanced([1, 1, 1, 1]), _balanced([1, 1, -1, 1], keep={2, 3})
    ([1, 1, -1, -1], [1, -1, -1, 1])
    """
    result = list(steps)
    for index in reversed(range(len(result))):
        if abs(sum(result)) <= 1:
            break
        if index not in keep and abs(result[index]) == 1 and (result[index] > 0) == (sum(result) > 0):
            result[index] = -result[index]
    return result
