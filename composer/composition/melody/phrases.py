"""A phrase's shape as slots to fill: statement, sequence, fragment or development, cadence tone;
and the developments of the motif (inversion, augmentation, diminution, extension).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.composition.grammar import harmony_data
from composer.composition.melody.motif import style_cells
from composer.composition.melody.notes import Motif, is_strong
from composer.composition.plan import Plan

EIGHTH = Fraction(1, 2)


@dataclass(frozen=True)
class Slot:
    """A note to write: when, how long, the scale step wished from the previous note, and its role."""

    start_q: Fraction
    length_q: Fraction
    step: int
    strong: bool
    cadence: bool = False
    #: where the phrase's arch wants this note: scale steps above the phrase's first note
    anchor: int | None = None
    #: the first note of a statement of the motif (or of its fragment), placed as a whole
    statement: bool = False
    #: how a statement's first note develops the motif ("inversion", "augmentation",
    #: "diminution"; "" for the motif itself), or "extension" on an extension's first note
    development: str = ""
    #: a chromatic lower neighbour: a semitone below the note before it, which the next returns to
    chromatic: bool = False
    #: where the note's harmony is, if not at its onset: an anticipated cadence tone comes an
    #: eighth before the chord it belongs to
    heard_q: Fraction | None = None


def diminishable(motif: Motif, plan: Plan) -> bool:
    """Whether the motif's notes are long enough to be heard at half their values: each halved
    value at least ``diminution_shortest_q`` (an eighth note) and ``diminution_shortest_s``.

    >>> from composer import compose
    >>> plan = compose("recurring melody theme for a video series, 60 seconds", seed=1).plan
    >>> diminishable(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), plan)
    True
    >>> diminishable(Motif((Fraction(1), Fraction(1, 2), Fraction(1, 2), Fraction(2)), (2, -1, -1)), plan)
    False
    """
    rules = harmony_data().development
    halved = min(motif.rhythm) / 2
    return halved >= rules.diminution_shortest_q and plan.seconds(halved) >= rules.diminution_shortest_s


def developed(motif: Motif, section: str, plan: Plan) -> tuple[Motif, str]:
    """The motif as a section develops it, and the development's name: inverted in a contrast
    (its answer, the contour upside down, where a lower neighbour becomes a diatonic upper
    one), augmented in a theme's ending (a one-bar motif broadened over two bars), itself
    elsewhere ("").

    >>> from composer import compose
    >>> plan = compose("recurring melody theme for a video series, 60 seconds", seed=1).plan
    >>> inverted, kind = developed(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), "contrast", plan)
    >>> inverted.steps, kind
    ((-2, 1), 'inversion')
    >>> developed(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), "ending", plan)[0].rhythm
    (Fraction(2, 1), Fraction(2, 1), Fraction(4, 1))
    """
    if section == "contrast":
        return Motif(motif.rhythm, tuple(-step for step in motif.steps)), "inversion"
    if section == "ending" and plan.kind == "thematic" and sum(motif.rhythm) == plan.bar_q:
        return dataclasses.replace(motif, rhythm=tuple(2 * length for length in motif.rhythm)), "augmentation"
    return motif, ""


def phrase_slots(plan: Plan, motif: Motif, start_q: Fraction, bars: int, rng: random.Random,
                 kind: str = "", development: str = "") -> list[Slot]:
    """Statement, sequence, fragment at the phrase's high point, then a long cadence tone;
    ``kind`` names how ``motif`` develops the theme's own. A ``development`` takes the
    fragment's place: "diminution" drives the motif at half its values (twice over, the
    second a sequence, for a one-bar motif), "extension" carries the last statement on.

    The bars' first notes follow an arch: the start, the sequence a step or two up, the climax
    three or four steps up, and home (or just below it) for the cadence. In rhythm, a seeded
    share of phrases (every one in a long piece) vary the motif's second statement
    (``rhythmic_variant``), and the cadence tone stops short of the barline by a seeded rest or
    comes an eighth early (anticipation).
    """
    slots: list[Slot] = []
    sequence_step = rng.choice((1, 2, -1))
    arch = (0, sequence_step, rng.choice((3, 4)), rng.choice((0, -1, -2)))
    motif_bars = int(sum(motif.rhythm) / plan.bar_q)
    rules = harmony_data().development
    # a long piece (one with scenes) varies every phrase's second statement: a jazz ballad's
    # phrases written afresh over new chords sang the motif's one rhythm twice in each for minutes
    drawn = rng.random() < rules.rhythm_share
    varied_bar = (1 if motif_bars == 1 else 2) if drawn or plan.scenes else None
    cadence_rest = rng.choice(rules.cadence_rests_q)
    anticipated = rng.random() < rules.anticipation_share
    bar = 0
    while bar < bars:
        bar_q = start_q + bar * plan.bar_q
        if bar == bars - 1 and bars > 1:
            length = plan.bar_q - cadence_breath(plan, cadence_rest)
            # the phrase breathes after its cadence tone
            slots.append(Slot(bar_q, length, 0, True, cadence=True, anchor=arch[3]))
            if anticipated and not development:  # a development's notes are heard as they are
                slots = anticipate(plan, slots)
            break
        if bar == 2 and development == "diminution":
            slots += _diminished_slots(plan, motif, bar_q, [arch[2], arch[2] + sequence_step])
            bar += 1
            continue
        if bar == 2 and development == "extension":
            slots += _extension_slots(plan, motif, bar_q, rng)
            bar += 1
            continue
        rhythm, steps = list(motif.rhythm), list(motif.steps)
        room = bars - bar - (1 if bars > 1 else 0)  # bars before the cadence
        if motif_bars > 1 and (bar >= 2 or room < motif_bars):  # the head: the motif's first bar
            head = sum(1 for onset in itertools.accumulate(rhythm[:-1], initial=Fraction(0)) if onset < plan.bar_q)
            rhythm, steps = rhythm[:head], steps[: head - 1]
        elif bar == 2 and len(rhythm) > 2:  # fragmentation: the head of the motif, then a held tone
            half = len(rhythm) // 2
            rhythm = rhythm[:half] + [sum(rhythm[half:], Fraction(0))]
            steps = steps[:half]
        statement, named, rest = dataclasses.replace(motif, rhythm=tuple(rhythm), steps=tuple(steps)), kind, Fraction(0)
        if bar == varied_bar and kind in ("", "inversion") and not development:
            # one varied beyond the drawn share keeps to the style's own bars where it has them (a
            # waltz's half and quarter), which a short-bar style sings most of its bars in
            statement, named, rest = rhythmic_variant(statement, rng, style_cells(plan), bool(plan.scenes),
                                                      own=not drawn)
            named = named or kind
        slots += _statement_slots(plan, statement, bar_q + rest, arch[min(bar, 2)], named)
        bar += int(sum(rhythm) / plan.bar_q)
    return slots


def rhythmic_variant(motif: Motif, rng: random.Random, cells: Sequence[tuple[Fraction, ...]] = (),
                     syncopate: bool = False, own: bool = False) -> tuple[Motif, str, Fraction]:
    """The motif varied in rhythm, its contour kept, the variation's name, and the rest before
    it: displaced an eighth late ("displacement", its last value an eighth shorter, where that
    leaves it a quarter or more), its values in another order (reversed or rotated), its
    longest value of a half note or more struck twice, in two halves, or sung in another of the
    style's ``cells`` with as many notes (a march's dotted eighth and sixteenth for its two
    eighths; all "variation"); with ``syncopate`` (a long piece, which would otherwise sing a
    motif of even values as written for minutes), a motif of three or more even values
    syncopated: its second value halved, so the notes after it fall off the beat, and its
    last lengthened by as much ("syncopation"). With ``own``, only another of the ``cells``
    where one fits, of as many notes or of one more (``_split_into_cells``). The motif itself ("", no rest) where none of these changes it.

    >>> motif = Motif((Fraction(1), Fraction(1, 2), Fraction(1, 2), Fraction(2)), (1, 1, -1))
    >>> varied, kind, rest = rhythmic_variant(motif, random.Random(3))
    >>> sum(varied.rhythm) + rest == sum(motif.rhythm), kind
    (True, 'variation')
    >>> rhythmic_variant(Motif((Fraction(1),) * 4, (1, 1, -1)), random.Random(3))[1]
    ''
    >>> varied, kind, _ = rhythmic_variant(Motif((Fraction(1),) * 4, (1, 1, -1)), random.Random(3), syncopate=True)
    >>> [str(value) for value in varied.rhythm], kind
    (['1', '1/2', '1', '3/2'], 'syncopation')
    >>> dotted = (Fraction(3, 2), Fraction(1, 2))
    >>> rhythmic_variant(Motif((Fraction(1),) * 2, (1,)), random.Random(3), [dotted])[0].rhythm == dotted
    True
    """
    values = motif.rhythm
    orders = sorted({tuple(reversed(values)), values[1:] + values[:1], values[-1:] + values[:-1]} - {values})
    orders += [order for order in _recelled(values, cells) if order not in orders]
    if own and (recelled := [dataclasses.replace(motif, rhythm=r) for r in _recelled(values, cells)]
                + _split_into_cells(motif, cells)):
        return rng.choice(recelled), "variation", Fraction(0)
    choices = [(dataclasses.replace(motif, rhythm=order), "variation", Fraction(0)) for order in orders]
    if values[-1] >= Fraction(3, 2):
        displaced = values[:-1] + (values[-1] - EIGHTH,)
        choices.append((dataclasses.replace(motif, rhythm=displaced), "displacement", EIGHTH))
    longest = values.index(max(values))
    if values[longest] >= 2:
        half = values[longest] / 2
        split = Motif(values[:longest] + (half, half) + values[longest + 1:],
                      motif.steps[:longest] + (0,) + motif.steps[longest:],
                      tuple(n + (n > longest) for n in motif.neighbours))
        choices.append((split, "variation", Fraction(0)))
    if syncopate and len(values) >= 3 and len(set(values)) == 1:
        even = values[0]
        syncopated = (even, even / 2, *values[2:-1], even * 3 / 2)
        choices.append((dataclasses.replace(motif, rhythm=syncopated), "syncopation", Fraction(0)))
    elif syncopate and len(values) == 2 and len(set(values)) == 1:
        dotted = (values[0] * 3 / 2, values[0] / 2)
        choices.append((dataclasses.replace(motif, rhythm=dotted), "variation", Fraction(0)))
    if not choices:
        return motif, "", Fraction(0)
    return rng.choice(choices)


def _recelled(values: tuple[Fraction, ...], cells: Sequence[tuple[Fraction, ...]]) -> list[tuple[Fraction, ...]]:
    """``values`` with one of its bars (counted from its start, each as long as a cell) sung in
    another of the one-bar ``cells`` with as many notes, so each note keeps its place in the
    contour.

    >>> q, e = Fraction(1), Fraction(1, 2)
    >>> _recelled((2 * q, q, q, q, q), [(q, 2 * q), (2 * q, q), (q, e, e, q), (3 * q / 2, e, q)])
    [(Fraction(1, 1), Fraction(2, 1), Fraction(1, 1), Fraction(1, 1), Fraction(1, 1)), (Fraction(2, 1), Fraction(1, 1), Fraction(3, 2), Fraction(1, 2), Fraction(1, 1))]
    """
    result = [values[:first] + cell + values[last:] for first, last in _whole_bars(values, cells) for cell in cells
              if len(cell) == last - first and cell != values[first:last]]
    return list(dict.fromkeys(result))


def _split_into_cells(motif: Motif, cells: Sequence[tuple[Fraction, ...]]) -> list[Motif]:
    """``motif`` with one of its bars sung in a one-bar cell of one more note, the note the cell
    splits struck again at its pitch: a polka's two quarters hopped as a quarter and two eighths
    (where the style has no other bar of as many notes, a bar could only be dotted: a polka bed's
    fresh phrases sang one rhythm for five minutes). The note split is the one whose onsets,
    merged, come nearest the bar's own.

    >>> q, e = Fraction(1), Fraction(1, 2)
    >>> [(m.rhythm, m.steps) for m in _split_into_cells(Motif((q, q, 2 * q), (2, -1)), [(q, e, e), (e, e, q)])]
    [((Fraction(1, 1), Fraction(1, 2), Fraction(1, 2), Fraction(2, 1)), (2, 0, -1)), ((Fraction(1, 2), Fraction(1, 2), Fraction(1, 1), Fraction(2, 1)), (0, 2, -1))]
    """
    values = motif.rhythm
    result: list[Motif] = []
    for first, last in _whole_bars(values, cells):
        own = list(itertools.accumulate(values[first:last - 1], initial=Fraction(0)))
        for cell in (c for c in cells if len(c) == last - first + 1):
            onsets = list(itertools.accumulate(cell[:-1], initial=Fraction(0)))
            # strike note ``split`` of the bar twice: the cell's onset after it is the new one
            split = min(range(last - first),
                        key=lambda i: (sum(abs(a - b) for a, b in zip(onsets[:i + 1] + onsets[i + 2:], own)), i))
            at = first + split
            result.append(Motif(values[:first] + cell + values[last:], motif.steps[:at] + (0,) + motif.steps[at:],
                                tuple(n + (n > at) for n in motif.neighbours)))
    return result


def _whole_bars(values: tuple[Fraction, ...], cells: Sequence[tuple[Fraction, ...]]) -> list[tuple[int, int]]:
    """The (first, past-last) indices of ``values``' notes that fill a bar exactly, counted from
    its start in bars as long as a cell; none without ``cells``."""
    if not cells:
        return []
    bar_q = sum(cells[0])
    bars: list[tuple[int, int]] = []
    first, filled = 0, Fraction(0)
    for index, value in enumerate(values):
        filled += value
        if filled % bar_q:
            continue
        if filled - sum(values[:first]) == bar_q:
            bars.append((first, index + 1))
        first = index + 1
    return bars


def cadence_breath(plan: Plan, rest_q: Fraction) -> Fraction:
    """How long the silence after a phrase's cadence tone is, of a drawn ``rest_q``: that rest,
    leaving the tone at least a beat, in bars of four beats or more and in the short bars of a
    style with rhythms of its own (a march's cadence a quarter and a quarter's rest); none in an
    underscore (the voice breathes for it) or another short bar, whose cadence fills it.

    >>> from composer import compose
    >>> [cadence_breath(compose(brief, seed=1).plan, Fraction(2)) for brief in ("march bed, 2 minutes", "waltz bed, 2 minutes",
    ...  "romantic strings in 6/8, 70 seconds", "pop song, 1 minute")]
    [Fraction(1, 1), Fraction(2, 1), Fraction(0, 1), Fraction(2, 1)]
    """
    if plan.kind == "underscore" or (plan.bar_q <= 3 and not style_cells(plan)):
        return Fraction(0)
    return min(rest_q, plan.bar_q - 1)


def anticipate(plan: Plan, slots: list[Slot]) -> list[Slot]:
    """The phrase with its last note (the cadence tone) an eighth early, tied over the barline
    into the chord it belongs to, the note before it an eighth shorter; unchanged where that
    note is shorter than a dotted quarter."""
    if len(slots) < 2 or slots[-2].length_q < Fraction(3, 2):
        return slots
    before, last = slots[-2], slots[-1]
    shortened = before.length_q - EIGHTH
    return slots[:-2] + [
        dataclasses.replace(before, length_q=shortened,
                            strong=is_strong(plan.in_bar_q(before.start_q), shortened, plan.bar_q)),
        dataclasses.replace(last, start_q=last.start_q - EIGHTH, length_q=last.length_q + EIGHTH,
                            heard_q=last.start_q)]


def _statement_slots(plan: Plan, motif: Motif, onset: Fraction, anchor: int, kind: str) -> list[Slot]:
    """The slots of one statement of ``motif`` (or of its head) from ``onset``: the first
    placed toward the arch's ``anchor``, the rest by the contour; a neighbour is chromatic
    only where the note it returns to is in the statement."""
    slots = []
    for index, length in enumerate(motif.rhythm):
        strong = is_strong(plan.in_bar_q(onset), length, plan.bar_q)
        if index == 0:
            slots.append(Slot(onset, length, 0, strong, anchor=anchor, statement=True, development=kind))
        else:
            chromatic = index in motif.neighbours and index + 1 < len(motif.rhythm)
            slots.append(Slot(onset, length, motif.steps[index - 1], strong, chromatic=chromatic))
        onset += length
    return slots


def _diminished_slots(plan: Plan, motif: Motif, bar_q: Fraction, anchors: list[int]) -> list[Slot]:
    """One bar of the motif at half its values: a two-bar motif once, a one-bar motif twice,
    the second time toward the next of ``anchors`` (a sequence)."""
    halved = dataclasses.replace(motif, rhythm=tuple(length / 2 for length in motif.rhythm))
    slots: list[Slot] = []
    onset = bar_q
    for anchor in anchors[: max(1, int(plan.bar_q / sum(halved.rhythm)))]:
        slots += _statement_slots(plan, halved, onset, anchor, "diminution")
        onset += sum(halved.rhythm)
    return slots


def _extension_slots(plan: Plan, motif: Motif, bar_q: Fraction, rng: random.Random) -> list[Slot]:
    """One bar carrying the statement before it on in sequence: its last step (the last that
    moves) taken again by one or two notes (``extension_notes``), the first held, a second one
    ``extension_tail_q`` long. Not a statement: the write places it with the statement it
    extends."""
    rules = harmony_data().development
    step = next((s for s in reversed(motif.steps) if s), 1)
    tail = rules.extension_tail_q
    lengths = [plan.bar_q] if rng.choice(rules.extension_notes) == 1 else [plan.bar_q - tail, tail]
    onsets = itertools.accumulate(lengths[:-1], initial=bar_q)
    return [Slot(onset, length, step, is_strong(plan.in_bar_q(onset), length, plan.bar_q),
                 development="extension" if index == 0 else "")
            for index, (onset, length) in enumerate(zip(onsets, lengths))]
