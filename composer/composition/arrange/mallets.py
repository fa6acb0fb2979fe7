"""The moving layers above the pad: an ostinato arpeggiating its voicing in a pulse, and an
ambient cue's texture of single high tones entering at free moments."""

from __future__ import annotations

import random

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges
from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.lines import articulation
from composer.composition.arrange.parts import (EIGHTH, NoteEvent, breathes, energy_at, entry_energy, free_moment,
                                                is_solo_scene, layer_energy_at, phrase_end, phrase_place, release_end, velocity_for)
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role

#: Ostinato register (MIDI notes G3..C6).
OSTINATO_RANGE = (55, 84)
#: An ostinato joins once a bar's energy reaches this level.
OSTINATO_ENTRY = 0.35
#: The figure an ostinato plays (note lengths in quarters), scene by scene in turn in a long
#: piece: when busy, over each beat (straight eighths, a gallop, the gallop reversed); when calm,
#: over each two beats (quarters, a dotted quarter and an eighth, a quarter and two eighths).
OSTINATO_CELLS = ((Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)),
                  (Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)))
CALM_CELLS = ((Fraction(1), Fraction(1)), (Fraction(3, 2), Fraction(1, 2)), (Fraction(1), Fraction(1, 2), Fraction(1, 2)))
#: A solo player's own scene (parts.py is_solo_scene): the figure in half the notes, every
#: other one an octave up (a pianist's spacious, bell-like passage over a held left hand), in
#: quarters when busy, in halves when calm; it plays at most SOLO_HIGH.
SOLO_CELLS = ((Fraction(1),), (Fraction(2),))
SOLO_HIGH = 96
#: Where an ambient texture's high tones float, above the pad (G4–G6).
TEXTURE_RANGE = (67, 91)
#: How far a long ambient piece's texture drifts, scene by scene in turn (semitones): its
#: register wanders over minutes while its harmony stays.
TEXTURE_DRIFT = (0, 5, -4, 7, 2, -2)


def ostinato(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """An arpeggio over the pad's voicing, in quarters or eighths by energy, entering with
    energy and resting on the last beat of a calm phrase."""
    pattern = rng.choice(((0, 1, 2, 3, 2, 1), (0, 2, 1, 3), (0, 1, 2, 1, 3, 2, 1, 2)))
    length_share = articulation(plan) * Fraction(3, 4)  # an arpeggio is played shorter than the melody
    entry = entry_energy(plan, role, OSTINATO_ENTRY)
    notes = []
    for chord in chords:
        if chord.start_q >= plan.music_q:
            continue
        voicing = sorted(p + 12 if p < OSTINATO_RANGE[0] else p for p in chord.voicing)
        end = min(chord.end_q, plan.music_q)
        onset, index = chord.start_q, 0
        while onset < end:
            energy = energy_at(plan, onset)
            bar = plan.bar_at(onset)
            bar_end = plan.bar_start_q(bar + 1)
            solo = is_solo_scene(plan, onset)
            cells = OSTINATO_CELLS if energy >= 0.5 else CALM_CELLS
            cell = SOLO_CELLS[energy < 0.5] if solo else cells[plan.scene_index(onset) % len(cells)]
            in_bar = plan.in_bar_q(onset)
            step = _cell_step(cell, in_bar)
            variant = phrase_end(plan, bar)  # a phrase's bar varied: a rest, a held note, a quicker last beat
            treatment = cell_treatment(plan, bar)  # and its third bar: the cell displaced, doubled or with a rest
            if (variant == "pickup" and bar_end - onset <= 1) or (variant == "double" and in_bar < 1):
                step = EIGHTH if step == 1 else Fraction(1)
            elif treatment in ("displaced", "doubled") and in_bar == 0:
                step = EIGHTH if treatment == "displaced" else cell[0] / 2
            if phrase_place(plan, bar) is not None:  # a varied bar's figure is on the beat again at the next
                step = min(step, bar_end - onset)
            resting = breathes(plan, onset, energy) and bar_end - onset <= 1 and end == bar_end
            resting |= (variant == "thin" and bar_end - onset <= 1) or (variant == "syncopate" and in_bar == 1)
            resting |= (treatment == "displaced" and in_bar == 0) or (treatment == "rest" and in_bar == cell[0])
            if layer_energy_at(plan, onset) >= entry and not resting:
                pitch = min(voicing[pattern[index % len(pattern)] % len(voicing)], OSTINATO_RANGE[1])
                if solo and index % 2 and pitch + 12 <= SOLO_HIGH:
                    pitch += 12
                notes.append(NoteEvent(onset, min(step, end - onset) * length_share, pitch,
                                       velocity_for("ostinato", energy, rng)))
            onset += step
            index += 1
    return notes


#: How an ostinato's cell varies in the third bar of a long piece's four-bar phrases, phrase by
#: phrase in turn: as written, displaced (an eighth's rest on the downbeat, the cell going on
#: off the beat), its first value doubled (split in two), its second note left out (a rest).
CELL_TREATMENTS = ("plain", "displaced", "doubled", "plain", "rest")


def cell_treatment(plan: Plan, bar: int) -> str:
    """How the ostinato's cell varies in ``bar`` (CELL_TREATMENTS): in the third bar of each
    phrase of a long piece, "plain" elsewhere.

    >>> from composer import compose
    >>> plan = compose("calm piano bed for a podcast, 5 minutes", seed=1).plan
    >>> sorted({cell_treatment(plan, bar) for bar in range(plan.bars)})
    ['displaced', 'doubled', 'plain', 'rest']
    """
    placed = phrase_place(plan, bar)
    if placed is None or placed[1] % 4 != 2:
        return "plain"
    return CELL_TREATMENTS[placed[0] % len(CELL_TREATMENTS)]


def _cell_step(cell: tuple[Fraction, ...], in_bar_q: Fraction) -> Fraction:
    """The length of ``cell``'s note starting ``in_bar_q`` quarters into the bar (the cell
    repeats from each barline; the shortest of it where none of its notes starts there).

    >>> _cell_step(OSTINATO_CELLS[1], Fraction(5, 4)), _cell_step(OSTINATO_CELLS[1], Fraction(3, 2))
    (Fraction(1, 4), Fraction(1, 2))
    >>> _cell_step(CALM_CELLS[1], Fraction(3, 2)), _cell_step(CALM_CELLS[1], Fraction(2))
    (Fraction(1, 2), Fraction(3, 2))
    """
    position, offset = in_bar_q % sum(cell), Fraction(0)
    for length in cell:
        if offset == position:
            return length
        offset += length
    return min(cell)


def texture(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """An ambient cue's evolving layer: single high tones of the chord sounding, each entering at
    its own free moment and held for a few beats, overlapping, never past a chord that does not
    hold it. More of them the higher the energy; none at the calmest. In a long piece the
    register drifts scene by scene (TEXTURE_DRIFT), inside the instrument's range."""
    data = arrangement_data().ambient
    widest = gm_ranges()[role.program]
    starts = [c.start_q for c in chords]
    busy_until: dict[int, Fraction] = {}
    notes = []
    last_q = release_end(plan, plan.music_q)
    for bar in range(plan.bars):
        bar_start = plan.bar_start_q(bar)
        count = max(round(data.texture_notes.at(energy_at(plan, bar_start))), int(role.asked))
        drift = TEXTURE_DRIFT[plan.scene_index(bar_start) % len(TEXTURE_DRIFT)]
        low, high = max(widest[0], TEXTURE_RANGE[0] + drift), min(widest[1], TEXTURE_RANGE[1] + drift)
        for at in sorted(bar_start + free_moment(plan.bar_length_q(bar), rng) for _ in range(count)):
            index = chord_index(starts, at)
            chord = chords[index]
            tones = {p % 12 for p in chord.voicing}
            candidates = [p for p in range(low, high + 1) if p % 12 in tones and busy_until.get(p, at) <= at]
            if not candidates:
                continue
            pitch = rng.choice(candidates)
            until = _held_until(chords, index, pitch)
            length = min(Fraction(rng.randint(*data.texture_beats)), min(until, last_q) - at)
            if length <= 0:
                continue
            busy_until[pitch] = at + length
            notes.append(NoteEvent(at, length, pitch, velocity_for("texture", energy_at(plan, at), rng)))
    return notes


def _held_until(chords: list[ChordSpan], index: int, pitch: int) -> Fraction:
    """The end of chord ``index`` and of the chords after it that keep ``pitch``'s pitch class."""
    until = chords[index].end_q
    for following in chords[index + 1:]:
        if pitch % 12 not in {p % 12 for p in following.voicing}:
            break
        until = following.end_q
    return until
