"""The theme: the motif stated and developed phrase by phrase over the chords, drafted until it
keeps the rules a listener hears (mostly steps, leaps that turn back, the motif returning).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges, melodic_motion, parallel_perfect, pitch_class
from composer.composition.grammar import harmony_data
from composer.composition.harmony import ChordSpan
from composer.composition.melody.line import LARGE_LEAP, TRITONE, Line
from composer.composition.melody.motif import make_motif
from composer.composition.melody.notes import MelodyNote, Motif, Theme, is_strong, melody_program, melody_range
from composer.composition.melody.phrases import developed, diminishable, phrase_slots
from composer.composition.plan import Plan

#: Whole statements of the motif a theme wants to be remembered by.
MOTIF_RETURNS = 3
#: Share of a melody's pitch changes that are steps (a major second or less), and drafts tried for it.
STEPWISE_SHARE = (0.58, 0.82)
#: How far outside that aim a draft may be and still keep DESIGN.md's 55–85 % rule.
STEPWISE_MARGIN = 0.03
THEME_DRAFTS = 24
#: The most phrases drafted together: a longer span is drafted this many phrases at a time, so a
#: draft's chance to keep every rule, and so the drafts a span needs, do not fall with its length
#: (one 20-minute span took 7 whole-piece drafts where 3 minutes took 1: cost grew faster than length).
DRAFT_PHRASES = 8
#: Drafts in a row that may fail to beat the best before a span keeps it, once the best keeps the
#: stepwise band and the motif's returns: where a span cannot keep the rest (a phrase that repeats
#: an earlier one, a strong note a chord change leaves off the chord), all its drafts miss alike,
#: and drafting on would cost 24 spans for nothing.
DRAFT_PATIENCE = 6
#: Strong-beat notes a draft may leave off the chord (appoggiaturas) before it counts as a miss.
OFF_CHORD_SHARE = 0.1
#: Strong-beat notes off the chord beyond ``OFF_CHORD_SHARE`` that weigh less than a climax
#: that falls short (DESIGN.md's rule, 85 % on chord tones, still holds with them).
OFF_CHORD_SLACK = 0.03
_Miss = tuple[float, float, float, int, int, float, float]
#: A draft's miss (see ``_miss``) when it keeps every rule.
PERFECT: _Miss = (0.0, 0.0, 0.0, 0, 0, 0.0, 0.0)
#: Semitones under its range's top a climax's phrase leans toward, so its arch reaches the top.
CLIMAX_LEAN = 2
#: A stinger's climb into its hit: at most this many notes of this length (quarter notes).
FANFARE_NOTES = 6
FANFARE_NOTE_Q = Fraction(1, 2)


def make_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> Theme:
    """The melody over ``chords``: silent in intros and stingers, motif-led everywhere else.

    The melody is written span by span, a span being the music between two of the picture's
    moments (the whole piece where there are none). Like a composer reading a draft back, each
    span keeps the first of ``THEME_DRAFTS`` drafts whose moves are mostly, but not only, steps
    (``STEPWISE_SHARE``), whose every leap beyond a fifth turns back (a leap the rules could not
    avoid, e.g. at a lift, may not), and, in a thematic piece, in which the motif is heard whole
    often enough to reach ``MOTIF_RETURNS`` statements by the end (as many as there are
    phrases, if fewer), and whose climax (where the plan has one) holds the melody's single
    highest note; failing that, the draft nearest it. The first span's drafts each try a
    motif of their own; the rest develop the one it chose. Since a span's drafts depend only on
    what came before it, moving a later moment re-writes the melody from the last unmoved one
    on and keeps the motif and everything before (a re-conform).
    """
    if plan.kind == "stinger":
        return Theme(make_motif(plan, rng), _fanfare(plan, chords), ())
    motif_seeds = [rng.getrandbits(64) for _ in range(THEME_DRAFTS)]
    seeds = [rng.getrandbits(64) for _ in range(THEME_DRAFTS)]
    low, high = melody_range(plan)
    line = Line(plan, chords, low, high)
    writer = _Writer(plan, line, (low + high) // 2)
    motif = make_motif(plan, random.Random(motif_seeds[0]))
    spots = list(_phrase_spots(plan, motif))
    spans = _spans(plan, spots)

    def first_span(draft: int) -> _Miss:
        nonlocal motif, spots, spans
        motif = make_motif(plan, random.Random(motif_seeds[draft]))
        spots = list(_phrase_spots(plan, motif))
        spans = _spans(plan, spots)
        writer.write(spans[0], random.Random(f"{seeds[draft]}:0"))
        return _miss(line, 0, len(motif.rhythm), _returns_by(plan, spots, 0, len(spans)))

    if spans:
        _keep_best(writer, first_span)
    for index, span in enumerate(spans[1:], start=1):
        first = len(line.notes)
        returns = _returns_by(plan, spots, index, len(spans))

        def later_span(draft: int, span: list[_PhraseSpot] = span, index: int = index) -> _Miss:
            writer.write(span, random.Random(f"{seeds[draft]}:{index}"))
            return _miss(line, first, len(motif.rhythm), returns)

        _keep_best(writer, later_span)
    size = len(motif.rhythm)
    whole = tuple(q for q, count, kind in line.placed if not kind and count == size)
    developments = tuple((q, kind) for q, count, kind in line.placed if kind and (count == size or kind == "extension"))
    return Theme(motif, tuple(line.notes), whole, developments)



def _keep_best(writer: _Writer, draft_span: Callable[[int], _Miss]) -> None:
    """Write a span's drafts (``draft_span(k)`` writes draft k and says its miss) from the
    writer's present state until one keeps every rule, or (the best in the stepwise band, with
    the motif's returns) ``DRAFT_PATIENCE`` drafts in a row do no better, leaving the writer as
    the best left it."""
    start = writer.state()
    best: tuple[_Miss, int] | None = None
    for draft in range(THEME_DRAFTS):
        writer.restore(start)
        miss = draft_span(draft)
        if best is None or miss < best[0]:
            best = (miss, draft)
        if miss == PERFECT:
            return
        if draft - best[1] >= DRAFT_PATIENCE and best[0][0] == best[0][3] == best[0][4] == 0:
            break
    assert best is not None
    if best[1] != draft:
        writer.restore(start)
        draft_span(best[1])


def _wanted(plan: Plan, spots: list[_PhraseSpot]) -> int:
    """Whole statements of the motif a thematic piece wants by its end: ``MOTIF_RETURNS``, or
    one per phrase where it has fewer."""
    return min(MOTIF_RETURNS, len(spots)) if plan.kind == "thematic" else 0


def _returns_by(plan: Plan, spots: list[_PhraseSpot], index: int, count: int) -> int:
    """Whole statements of the motif the melody wants by the end of span ``index`` of ``count``:
    all it wants by the last, and one in the first, so the motif is heard from the start (what a
    span wants depends on the spans before it only, and on whether it is the last)."""
    return _wanted(plan, spots) if index == count - 1 else min(_wanted(plan, spots), 1) if index == 0 else 0


def _spans(plan: Plan, spots: list[_PhraseSpot]) -> list[list[_PhraseSpot]]:
    """The phrases grouped by the picture's moments (hits, turns, the edges of stops and
    drop-outs, a build's arrival) they follow, one group where the plan has none; a group of
    more than ``DRAFT_PHRASES`` phrases split into runs of that many from its start (so a run
    depends only on the moments before it)."""
    moments = sorted({e.moment_q for e in plan.events} | {e.end_q for e in plan.events if e.kind in ("stop", "dip")})
    groups: dict[int, list[_PhraseSpot]] = {}
    for spot in spots:
        groups.setdefault(sum(1 for q in moments if q <= spot.start_q), []).append(spot)
    return [groups[key][start:start + DRAFT_PHRASES] for key in sorted(groups)
            for start in range(0, len(groups[key]), DRAFT_PHRASES)]


def _miss(line: Line, first: int, motif_notes: int, returns: int) -> _Miss:
    """How far the melody from note ``first`` on (with the note before, for the move into it)
    is from the theme's rules, ranked: the stepwise band (the aim widened by
    ``STEPWISE_MARGIN``) first, then strong beats off the chord beyond ``OFF_CHORD_SHARE`` and
    ``OFF_CHORD_SLACK``, then leaps that do not turn back, then the motif's statements short of
    ``returns`` over the whole melody, then how far its climax falls short of the melody's
    single highest note, then strong beats off the chord beyond ``OFF_CHORD_SHARE``, then the
    distance from the aim."""
    low, high = STEPWISE_SHARE
    share, _, recovery = melodic_motion([n.pitch for n in line.notes[max(0, first - 1):]])
    outside = 0.0 if share is None else max(low - share, share - high, 0.0)
    statements = sum(1 for _, count, kind in line.placed if not kind and count == motif_notes)
    off_chord = _off_chord(line, first)
    return (max(0.0, outside - STEPWISE_MARGIN), max(0.0, off_chord - OFF_CHORD_SLACK),
            1.0 - (1.0 if recovery is None else recovery), max(0, returns - statements), _climax_short(line, first),
            off_chord, outside)


def _climax_short(line: Line, first: int) -> int:
    """Semitones the climax's highest note, where notes from ``first`` on sing in it, falls short
    of rising above every note outside it (which ``Line.top`` keeps under ``Line.ceiling``)."""
    if not any(line.in_climax(n.start_q) for n in line.notes[first:]):
        return 0
    peak = max(n.pitch for n in line.notes if line.in_climax(n.start_q))
    return max(0, line.ceiling + 1 - peak)


def _off_chord(line: Line, first: int) -> float:
    """The share of strong-beat notes (downbeats, beat 3 of 4/4) from note ``first`` on that
    miss their chord, beyond ``OFF_CHORD_SHARE`` (DESIGN.md: at least 85 % sit on chord tones)."""
    plan = line.plan
    strong = [n for n in line.notes[first:] if is_strong(plan.in_bar_q(n.start_q), Fraction(0), plan.bar_q)]
    if not strong:
        return 0.0
    off = sum(1 for n in strong if n.pitch % 12 not in line.chord_at(n.start_q).pitch_classes)
    return max(0.0, off / len(strong) - OFF_CHORD_SHARE)


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


_WriterState = tuple[tuple[int, int, int, int], int, dict[tuple[tuple[Fraction, Fraction, str], ...],
                                                        tuple[Fraction, int, int, int]]]


class _Writer:
    """The melody written phrase by phrase, with what a phrase takes from those before it: the
    pitch to lean from, and the phrases already sung over each stretch of harmony (sung again
    where that harmony returns)."""

    def __init__(self, plan: Plan, line: Line, centre: int) -> None:
        self.plan, self.line, self.centre = plan, line, centre
        self.pitch = centre
        self.sung: dict[tuple[tuple[Fraction, Fraction, str], ...], tuple[Fraction, int, int, int]] = {}

    def state(self) -> _WriterState:
        """What ``restore`` needs to take back everything written after this call."""
        return self.line.state(), self.pitch, dict(self.sung)

    def restore(self, state: _WriterState) -> None:
        line_state, self.pitch, sung = state
        self.line.restore(line_state)
        self.sung = dict(sung)

    def write(self, spots: list[_PhraseSpot], rng: random.Random) -> None:
        """Write ``spots``: a phrase over the harmony of an earlier one sings it again (now and
        then varied in rhythm), unless it is a build's or climax's phrase chosen to drive the
        motif in diminution, or a climax's, written afresh leaning toward the range's top (which
        only the climax may reach: the planned peak); a phrase written afresh may end its last
        statement in an extension, and is written again with its fragment where the extension
        does not fit whole."""
        plan, line = self.plan, self.line
        for spot in spots:
            harmony = line.harmony_between(spot.start_q, spot.start_q + spot.bars * plan.bar_q)
            if _diminishes(plan, spot, rng):
                development = "diminution"
            elif harmony in self.sung and spot.section != "climax" and self._repeat(harmony, spot, rng):
                self.pitch = line.notes[-1].pitch
                continue
            else:
                development = "extension" if _extends(plan, spot, rng) else ""
            written = len(line.notes)
            lean = line.high - CLIMAX_LEAN if spot.section == "climax" else (self.pitch + self.centre) // 2
            self.pitch = _write_phrase(plan, line, spot, development, lean, rng)
            tonic = pitch_class(plan.key_at(spot.start_q)[0])
            self.sung.setdefault(harmony, (spot.start_q, written, len(line.notes) - written, tonic))

    def _repeat(self, harmony: tuple[tuple[Fraction, Fraction, str], ...], spot: _PhraseSpot,
                rng: random.Random) -> bool:
        """Sing again the phrase first sung over ``harmony``, in a seeded share of returns varied
        in rhythm (its cadence a seeded rest short or anticipated, its second statement
        displaced or its values reordered), else as it was. A long piece (one with scenes)
        varies every return it can: its statement with its cadence, its statement alone (drawn
        twice), or its cadence alone where none fits (a reggaeton bed's phrase came back
        unchanged for five minutes: four bar-rhythms)."""
        rules = harmony_data().development
        long_piece = bool(self.plan.scenes)
        cadence = (rng.choice(rules.cadence_rests_q), rng.random() < rules.anticipation_share)
        varied = cadence if rng.random() < rules.rhythm_share else None
        restate = rng if rng.random() < (1.0 if long_piece else rules.rhythm_share) else None
        sung = self.sung[harmony]
        tries = [(varied, restate), (None, restate), (None, restate), (cadence, None)] if long_piece else [(varied, restate)]
        return (any((cadenced is not None or restated is not None)
                    and self.line.repeat(*sung, spot.start_q, cadenced, restated) for cadenced, restated in tries)
                or self.line.repeat(*sung, spot.start_q))


def _phrase_spots(plan: Plan, motif: Motif) -> Iterator[_PhraseSpot]:
    """The melody's four-bar phrases, section by section: none in an intro or a stinger, none
    where an underscore leaves the phrase to the voice or a long piece's scene rests the melody
    with no one taking its tune (its rhythm is then the one heard); a contrast answers with the
    inversion only where the statement comes back after it."""
    for index, section in enumerate(plan.sections):
        if section.name in ("intro", "pickup", "hit", "link"):
            continue
        bars = plan.bar_count(section.start_q, section.end_q)
        returning = any(later.name == "statement" for later in plan.sections[index + 1:])
        variant, kind = developed(motif, section.name if returning or section.name != "contrast" else "", plan)
        for first_bar in range(0, bars, 4):
            start = section.start_q + first_bar * plan.bar_q
            scene = plan.scenes[plan.scene_index(start)] if plan.scenes else None
            if plan.bar_at(start) not in plan.voice_bars and not (scene and "melody" in scene.resting
                                                                  and not scene.features):
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
