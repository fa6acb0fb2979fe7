"""The theme: the motif stated and developed phrase by phrase over the chords, drafted until it
keeps the rules a listener hears (mostly steps, leaps that turn back, the motif returning).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from composer.base.theory import gm_ranges, melodic_motion, parallel_perfect, pitch_class
from composer.composition.grammar import harmony_data
from composer.composition.harmony import ChordSpan
from composer.composition.melody.line import LARGE_LEAP, TRITONE, Line
from composer.composition.melody.motif import make_motif
from composer.composition.melody.notes import MelodyNote, Motif, Theme, melody_program, melody_range
from composer.composition.melody.phrases import developed, diminishable, phrase_slots
from composer.composition.plan import Plan

#: Whole statements of the motif a theme wants to be remembered by.
MOTIF_RETURNS = 3
#: Share of a melody's pitch changes that are steps (a major second or less), and drafts tried for it.
STEPWISE_SHARE = (0.58, 0.82)
#: How far outside that aim a draft may be and still keep DESIGN.md's 55–85 % rule.
STEPWISE_MARGIN = 0.03
THEME_DRAFTS = 16
#: A stinger's climb into its hit: at most this many notes of this length (quarter notes).
FANFARE_NOTES = 6
FANFARE_NOTE_Q = Fraction(1, 2)


def make_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> Theme:
    """The melody over ``chords``: silent in intros and stingers, motif-led everywhere else.

    Like a composer reading a draft back, it keeps the first draft (a motif and the melody
    around it) whose moves are mostly, but not only, steps (``STEPWISE_SHARE``), whose every
    leap beyond a fifth turns back (a leap
    the rules could not avoid, e.g. at a lift, may not), and, in a thematic piece, whose motif
    is heard whole at least ``MOTIF_RETURNS`` times (as often as it has phrases, if fewer);
    after ``THEME_DRAFTS`` drafts, the one nearest that.
    """
    if plan.kind == "stinger":
        return Theme(make_motif(plan, rng), _fanfare(plan, chords), ())
    best: tuple[tuple[float, float, int, float], Theme] | None = None
    low, high = STEPWISE_SHARE
    # each draft draws its motif and its melody from generators of its own, so that draft k is
    # the same wherever the form after its start changes (a moved hit)
    drafts = [(random.Random(rng.getrandbits(64)), random.Random(rng.getrandbits(64))) for _ in range(THEME_DRAFTS)]
    for motif_rng, melody_rng in drafts:
        theme, phrases = _draft_theme(plan, chords, make_motif(plan, motif_rng), melody_rng)
        share, _, recovery = melodic_motion([n.pitch for n in theme.notes])
        returns = min(MOTIF_RETURNS, phrases) if plan.kind == "thematic" else 0
        outside = 0.0 if share is None else max(low - share, share - high, 0.0)
        # ranked: the rule's band (the aim widened by ``STEPWISE_MARGIN``) first, then leaps
        # that do not turn back, then the motif's returns, then the aim
        miss = (max(0.0, outside - STEPWISE_MARGIN), 1.0 - (1.0 if recovery is None else recovery),
                max(0, returns - len(theme.statements_q)), outside)
        if miss == (0.0, 0.0, 0, 0.0):
            return theme
        if best is None or miss < best[0]:
            best = (miss, theme)
    assert best is not None
    return best[1]


@dataclass(frozen=True)
class _PhraseSpot:
    """Where a phrase of the melody goes: its section, first bar within it, start and length,
    and the motif as that section develops it."""

    section: str
    first_bar: int
    start_q: Fraction
    bars: int
    motif: Motif
    kind: str


def _draft_theme(plan: Plan, chords: list[ChordSpan], motif: Motif, rng: random.Random) -> tuple[Theme, int]:
    """One draft of the theme, and the number of phrases it sings.

    A phrase over the harmony of an earlier one sings it again, unless it is a build's or
    climax's phrase chosen to drive the motif in diminution; a phrase written afresh may end
    its last statement in an extension, and is written again with its fragment where the
    extension does not fit whole.
    """
    low, high = melody_range(plan)
    line = Line(plan, chords, low, high)
    centre = (low + high) // 2
    pitch = centre
    spots = list(_phrase_spots(plan, motif))
    sung: dict[tuple[tuple[Fraction, Fraction, str], ...], tuple[Fraction, int, int, int]] = {}
    for spot in spots:
        harmony = line.harmony_between(spot.start_q, spot.start_q + spot.bars * plan.bar_q)
        if _diminishes(plan, spot, rng):
            development = "diminution"
        elif harmony in sung and line.repeat(*sung[harmony], spot.start_q):
            pitch = line.notes[-1].pitch
            continue
        else:
            development = "extension" if _extends(plan, spot, rng) else ""
        written = len(line.notes)
        pitch = _write_phrase(plan, line, spot, development, (pitch + centre) // 2, rng)
        tonic = pitch_class(plan.key_at(spot.start_q)[0])
        sung.setdefault(harmony, (spot.start_q, written, len(line.notes) - written, tonic))
    size = len(motif.rhythm)
    whole = tuple(q for q, count, kind in line.placed if not kind and count == size)
    developments = tuple((q, kind) for q, count, kind in line.placed if kind and (count == size or kind == "extension"))
    return Theme(motif, tuple(line.notes), whole, developments), len(spots)


def _phrase_spots(plan: Plan, motif: Motif) -> Iterator[_PhraseSpot]:
    """The melody's four-bar phrases, section by section: none in an intro or a stinger, none
    where an underscore leaves the phrase to the voice; a contrast answers with the inversion
    only where the statement comes back after it."""
    for index, section in enumerate(plan.sections):
        if section.name in ("intro", "pickup", "hit"):
            continue
        bars = int(section.length_q / plan.bar_q)
        returning = any(later.name == "statement" for later in plan.sections[index + 1:])
        variant, kind = developed(motif, section.name if returning or section.name != "contrast" else "", plan)
        for first_bar in range(0, bars, 4):
            start = section.start_q + first_bar * plan.bar_q
            if int((start - plan.pickup_q) / plan.bar_q) not in plan.voice_bars:
                yield _PhraseSpot(section.name, first_bar, start, min(4, bars - first_bar), variant, kind)


def _diminishes(plan: Plan, spot: _PhraseSpot, rng: random.Random) -> bool:
    """Whether a build's or climax's four-bar phrase drives the motif at half its values (a
    seeded share of those whose motif can be heard so fast)."""
    rules = harmony_data().development
    return (plan.kind in rules.kinds and spot.bars == 4 and spot.section in rules.diminution_sections
            and diminishable(spot.motif, plan) and rng.random() < rules.diminution_share)


def _extends(plan: Plan, spot: _PhraseSpot, rng: random.Random) -> bool:
    """Whether a consequent phrase (the second four bars of a period) or an ending's phrase
    carries its last statement on in sequence (a seeded share of them)."""
    rules = harmony_data().development
    return (plan.kind in rules.kinds and spot.bars == 4
            and (spot.first_bar % 8 == 4 or spot.section in rules.extension_sections)
            and rng.random() < rules.extension_share)


def _write_phrase(plan: Plan, line: Line, spot: _PhraseSpot, development: str, lean: int,
                  rng: random.Random) -> int:
    """Write the phrase leaning toward ``lean`` (each phrase leans back to the middle); an
    extension that does not fit the harmony whole gives the phrase back its fragment. Returns
    the last pitch."""
    state = line.state()
    pitch = line.write(phrase_slots(plan, spot.motif, spot.start_q, spot.bars, rng, spot.kind, development), lean)
    if development == "extension" and not any(k == "extension" for _, _, k in line.placed[state[1]:]):
        line.restore(state)
        pitch = line.write(phrase_slots(plan, spot.motif, spot.start_q, spot.bars, rng, spot.kind), lean)
    return pitch


def _fanfare(plan: Plan, chords: list[ChordSpan]) -> tuple[MelodyNote, ...]:
    """A stinger's gesture: eighth notes climbing the pickup's chord tones into the hit, whose
    top note (the hit chord's highest root in the melody's range) the arrangement plays."""
    count = min(FANFARE_NOTES, int(plan.pickup_q / FANFARE_NOTE_Q))
    if count < 2:
        return ()
    low, high = melody_range(plan)
    player = melody_program(plan)
    low = max(low - 12, gm_ranges()[player][0] if player is not None else 0)  # a climb may start low
    line = Line(plan, chords, low, high)
    onsets = [plan.pickup_q - (count - i) * FANFARE_NOTE_Q for i in range(count)]
    pitches: list[int] = []
    roots = [p for p in range(low, high + 1) if p % 12 == chords[-1].root_pc]
    ceiling = roots[-1] - 1 if roots else high - 1
    after: tuple[int, int] | None = None  # (bass, pitch) of the note after this one
    for onset in reversed(onsets):  # from the top down, each a chord tone under the one after it
        chord = line.chord_at(onset)
        below = [p for p in range(ceiling, low - 1, -1) if p % 12 in chord.pitch_classes
                 and not (after and (parallel_perfect(chord.bass, p, *after) or after[1] - p > LARGE_LEAP
                                     or after[1] - p == TRITONE))]
        if not below:
            break
        pitches.insert(0, below[0])
        ceiling, after = below[0] - 1, (chord.bass, below[0])
    onsets = onsets[len(onsets) - len(pitches):]
    return tuple(MelodyNote(q, FANFARE_NOTE_Q, p) for q, p in zip(onsets, pitches))
