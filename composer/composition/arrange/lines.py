"""The lines: the theme as the melody plays it (its articulation, a stinger's climb into the
hit), and a counter-line below it in the fuller bars."""

from __future__ import annotations

import bisect
import random

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges, parallel_perfect
from composer.composition.arrange.comping import left_hand
from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.parts import (EIGHTH, NoteEvent, energy_at, entry_energy, is_final, is_phrase_end,
                                                is_sole_harmony, layer_energy_at, phrase_place, release_end, velocity_for)
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import MelodyNote, Theme, melody_range
from composer.composition.plan import Plan, Role

#: A stinger's climb into its hit: the velocity of its first note and the one it rises toward.
FANFARE_VELOCITY = (28, 56)


def articulation(plan: Plan) -> Fraction:
    """The share of its written length a short note sounds: detached for lively and playful
    moods, legato for calm ones."""
    arousal = plan.arousal
    return Fraction(3, 4) if arousal > 0.45 else Fraction(9, 10) if arousal > 0 else Fraction(1)


def melody(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """The theme, softer for an underscore; a stinger's melody climbs into the hit's top note.
    Notes of a beat or less are shortened by the mood's articulation. A solo piano (or harp,
    organ, celesta) plays it with two hands: the theme in the right (``right_hand_lift``), the
    harmony in the left."""
    line = "underscore_melody" if plan.kind == "underscore" else "melody"
    detached = articulation(plan)
    two_hands = plan.kind != "stinger" and plays_alone_with_two_hands(plan, role)
    lift = right_hand_lift(theme, role.program) if two_hands else 0
    notes = []
    for index, note in enumerate(theme.notes):
        length = note.length_q * detached if note.length_q <= 1 else note.length_q
        velocity = velocity_for(line, energy_at(plan, note.start_q), rng)
        if plan.kind == "stinger":  # the climb swells into the hit and never outweighs it
            velocity = FANFARE_VELOCITY[0] + (FANFARE_VELOCITY[1] - FANFARE_VELOCITY[0]) * index // len(theme.notes)
        notes.append(NoteEvent(note.start_q, length, note.pitch + lift, velocity))
    if plan.kind == "stinger":
        notes.append(_stinger_top(plan, chords[-1], theme, role.program))
    elif two_hands:
        notes += left_hand(plan, chords, role, rng)
    return notes


#: A solo piano's right hand plays the theme an octave up where its middle lies below this
#: (C5), clear of the left hand, as a pianist places a tune sitting around middle C.
RIGHT_HAND_MIDDLE = 72


def right_hand_lift(theme: Theme, program: int) -> int:
    """Semitones the right hand raises the theme: an octave where the theme's middle pitch lies
    below C5 and the piano reaches it, else none."""
    pitches = sorted(n.pitch for n in theme.notes)
    if not pitches or pitches[len(pitches) // 2] >= RIGHT_HAND_MIDDLE or pitches[-1] + 12 > gm_ranges()[program][1]:
        return 0
    return 12


#: The instruments played with two hands (GM programs): the pianos, acoustic and electric, the
#: harpsichord, clavinet and celesta, the organs and the harp. Alone, each carries its harmony.
TWO_HANDED_PROGRAMS = frozenset((*range(0, 9), *range(16, 21), 46))


def plays_alone_with_two_hands(plan: Plan, role: Role) -> bool:
    """Whether ``role`` is a two-handed instrument (a piano, a harp) playing the melody as the
    only pitched part: it plays with two hands, the theme in the right and the harmony in the
    left (a solo harp played a bare tune: 40 notes, none below C5)."""
    pitched = [r for r in plan.roles if r.role != "drums"]
    return role.program in TWO_HANDED_PROGRAMS and pitched == [role]


def carries_the_bass(plan: Plan, role: Role) -> bool:
    """Whether ``role`` is a two-handed instrument (a piano, a harp) accompanying a melody as the
    only harmony, with no bass part under it ("solo cello and piano"): its left hand plays the
    roots, as a duo's pianist does, so the duo stands on a bass."""
    return role.program in TWO_HANDED_PROGRAMS and is_sole_harmony(plan, role)


def _stinger_top(plan: Plan, hit: ChordSpan, theme: Theme, program: int) -> NoteEvent:
    """The hit's top: its root, an octave over the pad where the player reaches, above the
    fanfare's last note."""
    low, high = gm_ranges()[program]
    tops = [p for p in range(low, min(high, max(hit.voicing) + 12) + 1) if p % 12 == hit.root_pc]
    climbed = [p for p in tops if theme.notes and p > theme.notes[-1].pitch]  # the fanfare lands above
    top = climbed[0] if climbed else tops[-1] if tops else max(hit.voicing)
    return NoteEvent(hit.start_q, release_end(plan, hit.end_q) - hit.start_q, top, 110)


def counter_range(plan: Plan, program: int) -> tuple[int, int]:
    """Below the melody: from a seventh under the melody's lowest note to a fifth above it,
    inside the instrument's comfortable range (at least an octave: the instrument's lowest
    where the melody sits under it, a flute from C4 under a low tune); a descant's
    (``is_descant``) from a fifth under the melody's highest note to a tenth above it.

    >>> from composer import compose
    >>> plan = compose("march bed, 10 minutes", seed=5).plan
    >>> counter_range(plan, 57), counter_range(plan, 72)  # a trombone under a trumpet's tune, a piccolo over it
    ((53, 70), (75, 92))
    """
    melody_low, melody_high = melody_range(plan)
    instrument_low, instrument_high = gm_ranges()[program]
    if is_descant(plan, program):
        low, high = max(instrument_low, melody_high - 7), min(instrument_high, melody_high + 10)
        return (low, high) if high - low >= 12 else (low, min(low + 12, instrument_high))
    low, high = max(instrument_low, melody_low - 10), min(instrument_high, melody_low + 7)
    if high - low >= 12:
        return low, high
    return (high - 12, high) if high - 12 >= instrument_low else (instrument_low, min(instrument_low + 12, instrument_high))


def is_descant(plan: Plan, program: int) -> bool:
    """Whether ``program``'s counter-line sings over the melody, not under it: an instrument
    whose lowest note lies more than a fifth above the melody's lowest (a march's piccolo over
    the trumpet's tune; under it, it found no chord tone in 23 of a scene's 24 bars)."""
    return gm_ranges()[program][0] > melody_range(plan)[0] + 7


def sounding(notes: tuple[MelodyNote, ...], starts: list[Fraction], q: Fraction) -> MelodyNote | None:
    """The melody note sounding at ``q``, if any (``starts``: the notes' onsets, for bisection).

    >>> note = MelodyNote(Fraction(1), Fraction(2), 60)
    >>> sounding((note,), [Fraction(1)], Fraction(2)) == note, sounding((note,), [Fraction(1)], Fraction(3))
    (True, None)
    """
    index = bisect.bisect_right(starts, q) - 1
    if index >= 0 and notes[index].start_q + notes[index].length_q > q:
        return notes[index]
    return None


def counter(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """A second voice under the melody in the fuller bars: a chord tone on each strong beat
    (half bars in even meters, else bars), moving against the melody (contrary motion) or
    holding while it moves (oblique), never in parallel fifths or octaves with the melody or
    the bass; silent where the melody rests, and breathing at phrase ends. A long bed's second
    voice plays only in the scenes that feature it: the tune where the melody rests, else its
    counter-line from the scene's first bar whatever the energy, every other one of them in
    quarters."""
    featured = [scene for scene in plan.scenes if scene.features == role.role]
    if not featured:
        return _counter_line(plan, chords, theme, role, rng, entry_energy(plan, role, _counter_entry(plan)),
                             plan.pickup_q, plan.music_q)
    notes: list[NoteEvent] = []
    lines = 0
    for scene in featured:
        if "melody" in scene.resting:
            notes += handed_tune(plan, theme, role, rng, scene.start_q, scene.end_q)
        else:
            notes += _counter_line(plan, chords, theme, role, rng, 0.0, scene.start_q, scene.end_q, lively=lines % 2 == 1)
            lines += 1
    return notes


def _counter_entry(plan: Plan) -> float:
    """The bar energy from which the counter-line plays: the arrangement's entry, or lower in a
    piece whose fullest bars stay under it, so that it plays in the piece's fuller quarter of
    bars (an "uplifting corporate theme" never reached 0.6: its counter track was silent).

    >>> from composer import compose
    >>> plan = compose("uplifting corporate theme, 60 seconds", seed=1).plan
    >>> _counter_entry(plan) < arrangement_data().counter_entry
    True
    """
    energies = sorted(plan.bar_energy)
    fuller = energies[(3 * len(energies)) // 4] if energies else arrangement_data().counter_entry
    return min(arrangement_data().counter_entry, fuller)


def handed_tune(plan: Plan, theme: Theme, role: Role, rng: random.Random, start_q: Fraction,
                end_q: Fraction) -> list[NoteEvent]:
    """The theme's notes from ``start_q`` to ``end_q`` as another instrument plays them when the
    melody hands it the tune: its articulation and the melody's loudness, moved by whole octaves
    to lie in the instrument's range.

    >>> from composer import compose
    >>> piece = compose("warm lo-fi bed for a study stream, 5 minutes", seed=1)
    >>> swap = next(s for s in piece.plan.scenes if s.change == "lead_swap")
    >>> guitar = next(p for p in piece.parts if p.role.role == "counter")
    >>> tune = [n.pitch for n in piece.theme.notes if swap.start_q <= n.start_q < swap.end_q]
    >>> [n.pitch for n in guitar.notes if swap.start_q <= n.start_q < swap.end_q] == tune != []
    True
    """
    inside = [n for n in theme.notes if start_q <= n.start_q < end_q]
    if not inside:
        return []
    low, high = gm_ranges()[role.program]
    lowest, highest = min(n.pitch for n in inside), max(n.pitch for n in inside)
    shift = 12 * max(0, -((lowest - low) // 12)) if lowest < low else -12 * max(0, (highest - high + 11) // 12)
    detached = articulation(plan)
    return [NoteEvent(n.start_q, min(n.length_q * detached if n.length_q <= 1 else n.length_q, end_q - n.start_q),
                      n.pitch + shift, velocity_for("melody", energy_at(plan, n.start_q), rng)) for n in inside]


def _counter_line(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random, entry: float,
                  start_q: Fraction, end_q: Fraction, lively: bool = False) -> list[NoteEvent]:
    """The counter-line from ``start_q`` to ``end_q`` in the bars whose energy reaches ``entry``:
    on the strong beats, or ``lively`` on every beat (a long bed's second counter-melody moves
    in quarters, as a section's inner voice does, where its first held halves)."""
    low, high = counter_range(plan, role.program)
    above = is_descant(plan, role.program)
    notes: list[NoteEvent] = []
    starts = [n.start_q for n in theme.notes]
    chord_starts = [c.start_q for c in chords]
    slot = Fraction(1) if lively else plan.bar_q / 2 if plan.bar_q % 2 == 0 and plan.bar_q >= 4 else plan.bar_q
    previous: tuple[int, int, int] | None = None  # (counter pitch, melody pitch, bass) at the last slot
    q = start_q
    while q + slot <= end_q:
        chord = chords[chord_index(chord_starts, q)]
        melody_note = sounding(theme.notes, starts, q)
        step = min(slot, plan.bar_start_q(plan.bar_at(q) + 1) - q)  # a shorter bar of changed meter cuts a slot
        last_of_phrase = is_phrase_end(plan, q) and q + step >= plan.bar_start_q(plan.bar_at(q) + 1)
        if (melody_note is None or layer_energy_at(plan, q) < entry or last_of_phrase
                or is_final(plan, chord) and q >= chord.start_q):
            previous = None
            q += step
            continue
        shape = counter_shape(plan, q, step)
        for at, length in shape:
            sounding_note = sounding(theme.notes, starts, at) or melody_note
            under = chords[chord_index(chord_starts, at)]
            pitch = counter_pitch(under, sounding_note.pitch, previous, low, high, above)
            if pitch is not None:
                notes.append(NoteEvent(at, length, pitch, velocity_for("counter", energy_at(plan, at), rng)))
                previous = (pitch, sounding_note.pitch, under.bass)
            else:
                previous = None
        if not shape:
            previous = None
        q += step
    return notes


def counter_shape(plan: Plan, q: Fraction, step: Fraction) -> list[tuple[Fraction, Fraction]]:
    """The (onset, length) of the counter-line's notes in its slot of ``step`` quarters at
    ``q``: one note, as written; in a long piece (one with scenes), as a second player varies
    his line over minutes, a phrase's second bar moves its first slot in two notes (a half
    and what is left: two quarters in 2/4, a half and a quarter in 3/4), its first bar (after
    the section's first phrase) moves its last slot the other way round (what is left, then
    the half: into the next bar), in every other such bar its first slot dotted (a dotted
    quarter and an eighth), and its third bar enters late, its first slot resting.
    A bar that is one slot (2/4, 3/4) moves the other way round as a long note and an eighth
    where its halves are equal (a dotted quarter and an eighth in 2/4), and enters a beat late.
    A lively line in quarters breaks the first of a phrase's second bar in two eighths.

    >>> from composer import compose
    >>> plan = compose("heroic orchestral theme, 4 minutes", seed=1).plan
    >>> sorted({len(counter_shape(plan, plan.bar_start_q(bar), Fraction(2))) for bar in range(plan.bars)})
    [0, 1, 2]
    >>> plan = compose("march bed, 3 minutes", seed=1).plan
    >>> sorted({tuple(length for _, length in counter_shape(plan, plan.bar_start_q(bar), Fraction(2)))
    ...         for bar in range(plan.bars)})
    [(Fraction(1, 1),), (Fraction(1, 1), Fraction(1, 1)), (Fraction(3, 2), Fraction(1, 2)), (Fraction(2, 1),)]
    """
    placed = phrase_place(plan, plan.bar_at(q))
    if placed is None or step < 1:
        return [(q, step)]
    bar_start, within = plan.bar_start_q(plan.bar_at(q)), placed[1]
    if step < 2:  # a lively line's quarters: the phrase's second bar breaks its first in eighths
        return [(q, step / 2), (q + step / 2, step / 2)] if within % 4 == 1 and q == bar_start else [(q, step)]
    first_slot, last_slot = q == bar_start, q + step >= plan.bar_start_q(plan.bar_at(q) + 1)
    half = step / 2 if step % 2 == 0 else step - 1
    tail = EIGHTH if first_slot and last_slot and half == step - half else half
    if within % 4 == 1 and first_slot:
        return [(q, half), (q + half, step - half)]
    if within % 4 == 0 and within >= 4 and last_slot:
        return [(q, step - tail), (q + step - tail, tail)]
    if within % 4 == 0 and within >= 4 and placed[0] % 4 == 3 and step % 2 == 0:
        return [(q, step * 3 / 4), (q + step * 3 / 4, step / 4)]
    if within % 4 == 2 and first_slot:
        return [(q + 1, step - 1)] if last_slot else []
    return [(q, step)]


def counter_pitch(chord: ChordSpan, melody: int, previous: tuple[int, int, int] | None, low: int,
                  high: int, above: bool = False) -> int | None:
    """The chord tone for the counter-line: at least a minor third under the melody (``above``,
    a descant, over it), in contrary or oblique motion to the melody (None, a rest, where only
    similar motion fits), moving where it can (a line of its own, not a held common tone), by
    the smallest move."""
    side = 1 if above else -1
    candidates = [p for p in range(low, high + 1) if p % 12 in chord.pitch_classes and 3 <= side * (p - melody) <= 19]
    if previous is None:
        return min(candidates, key=lambda p: (abs(melody + side * 9 - p), p)) if candidates else None
    last, last_melody, last_bass = previous
    melody_move = melody - last_melody

    def cost(p: int) -> tuple[int, bool, int, int]:
        move = p - last
        similar = move != 0 and melody_move != 0 and (move > 0) == (melody_move > 0)
        return (2 * similar + (abs(move) > 5), move == 0, abs(move), p)

    allowed = [p for p in candidates if not parallel_perfect(last, last_melody, p, melody)
               and not parallel_perfect(last_bass, last, chord.bass, p)]
    best = min(allowed, key=cost) if allowed else None
    return None if best is None or cost(best)[0] >= 2 else best  # rather a rest than following the melody
