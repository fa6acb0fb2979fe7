"""The struck parts: a trailer's timpani, the drum kit's grooves and fills, a stinger's roll
into its hit, and a button ending's final hit for every part."""

from __future__ import annotations

import random
from fractions import Fraction

from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.parts import (EIGHTH, PULSE_ENERGY, SIXTEENTH, NoteEvent, entry_energy, is_final,
                                                release_end, velocity_for)
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role

#: General MIDI percussion keys (channel 10); all in MuseScore's default drum set, so they survive import.
KICK, SIDE_STICK, SNARE, FLOOR_TOM, CLOSED_HAT, LOW_TOM, PEDAL_HAT, HIGH_TOM, CRASH = 36, 37, 38, 41, 42, 45, 44, 50, 49
#: A pair of timpani tuned to the chord's root, as low as it goes (D2–A3).
TIMPANI_RANGE = (38, 57)
TIMPANI_ENTRY = 0.5
#: A drum layer joins once a bar's energy reaches this level.
DRUMS_ENTRY = 0.3
#: Length of a button ending's final hit, in quarter notes.
BUTTON_Q = Fraction(1, 2)

#: One drum hit of a bar: (offset in quarter notes, GM key, velocity before the energy's scaling).
Hit = tuple[Fraction, int, int]


def timpani(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """A trailer's timpani: the chord's root on each downbeat from TIMPANI_ENTRY, on beat three
    too where the energy drives, a roll swelling over the last beat into each section that
    arrives at least as strong, and the last chord's root as the final hit."""
    starts = [c.start_q for c in chords]

    def root_at(q: Fraction) -> int:
        root = chords[chord_index(starts, q)].root_pc
        return TIMPANI_RANGE[0] + (root - TIMPANI_RANGE[0]) % 12

    notes: list[NoteEvent] = []
    entry = entry_energy(plan, role, TIMPANI_ENTRY)
    arrivals = {later.start_q for earlier, later in zip(plan.sections, plan.sections[1:]) if later.energy >= earlier.energy}
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        if start >= plan.music_q or energy < entry:
            continue
        beats = [Fraction(0), Fraction(2)] if energy > PULSE_ENERGY and plan.bar_q == 4 else [Fraction(0)]
        for beat in beats:
            accent = 12 if start + beat in arrivals else 0
            notes.append(NoteEvent(start + beat, Fraction(1), root_at(start + beat),
                                   velocity_for("timpani", energy, rng, accent)))
        next_bar = start + plan.bar_q
        if next_bar in arrivals:
            roll_start = next_bar - 1
            for index in range(4):  # sixteenths, swelling into the arrival
                notes.append(NoteEvent(roll_start + index * SIXTEENTH, SIXTEENTH, root_at(roll_start),
                                       velocity_for("timpani", energy * (0.6 + 0.1 * index), rng)))
    final = chords[-1]
    if is_final(plan, final) and plan.kind != "stinger" and plan.ending != "fade":
        notes = [n for n in notes if n.start_q < final.start_q]
        notes.append(NoteEvent(final.start_q, release_end(plan, final.end_q) - final.start_q,
                               root_at(final.start_q), velocity_for("timpani", 1.0, rng)))
    if plan.kind == "stinger":
        notes = [NoteEvent(plan.pickup_q, release_end(plan, plan.end_q) - plan.pickup_q,
                           root_at(plan.pickup_q), velocity_for("timpani", 1.0, rng))]
    return notes


def drums(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """A groove whose layers join with energy (a pop kit's hats, kick and backbeat, or a trailer's
    toms); a crash on arrivals and a fill into each new section; a final kick and crash unless
    the piece fades or loops."""
    if plan.kind == "stinger":
        return stinger_drums(plan, rng)
    notes = []
    levels = arrangement_data().velocity.drums
    section_starts = {s.start_q for s in plan.sections[1:]}
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        if plan.section_at(start).name == "intro" and bar < plan.bars - 1:
            energy *= 0.7
        if energy < DRUMS_ENTRY:
            continue
        for offset, key, velocity in _bar_hits(plan, bar, energy, section_starts):
            level = velocity * levels.at(energy)
            notes.append(NoteEvent(start + offset, SIXTEENTH, key, max(1, min(127, round(level) + rng.randint(-5, 5)))))
    return notes


def _bar_hits(plan: Plan, bar: int, energy: float, section_starts: set[Fraction]) -> list[Hit]:
    """The hits of one bar: the style's groove, a crash where a section starts, a fill into the
    next section, the final kick and crash of a piece that rings or buttons."""
    if bar == plan.bars - 1 and plan.ending in ("ring", "button"):
        return [(Fraction(0), KICK, 100), (Fraction(0), CRASH, 105)]
    cinematic = plan.drum_style == "cinematic"
    beats = int(plan.bar_q)
    hits = cinematic_groove(plan, energy) if cinematic else pop_groove(plan, energy)
    if plan.bar_start_q(bar) in section_starts and energy >= 0.5:
        hits.append((Fraction(0), CRASH, 100))
    if plan.bar_start_q(bar + 1) in section_starts and energy >= 0.5 and beats >= 3:
        hits = [h for h in hits if h[0] < beats - 1 or h[1] in (CLOSED_HAT, PEDAL_HAT)]
        fill = (HIGH_TOM, HIGH_TOM, LOW_TOM, FLOOR_TOM) if cinematic else (SNARE,) * 4
        for i, key in enumerate(fill):
            hits.append((beats - 1 + i * SIXTEENTH, key, 70 + 8 * i))
    return hits


def pop_groove(plan: Plan, energy: float) -> list[Hit]:
    """(offset, key, velocity) of one bar of a pop kit: hats from the start (pedal hat when calm,
    sixteenths when driving), kick on one and three from 0.45, the backbeat on side stick, then snare."""
    hits: list[Hit] = []
    beats = int(plan.bar_q)
    hat_step = SIXTEENTH if energy > PULSE_ENERGY else EIGHTH
    hat = PEDAL_HAT if energy < 0.45 else CLOSED_HAT
    t = Fraction(0)
    while t < plan.bar_q:
        accent = 12 if t % 1 == 0 else 0
        hits.append((t, hat, 40 + accent + round(30 * energy)))
        t += hat_step
    if energy >= 0.45:
        hits.append((Fraction(0), KICK, 95))
        if beats == 4:
            hits.append((Fraction(2), KICK, 85))
            if energy > 0.6:
                hits.append((Fraction(5, 2), KICK, 70))
        backbeat = SNARE if energy > 0.55 else SIDE_STICK
        for beat in range(1, beats, 2):
            hits.append((Fraction(beat), backbeat, 90))
    return hits


def cinematic_groove(plan: Plan, energy: float) -> list[Hit]:
    """One bar of a trailer's drums, no hats: a floor-tom boom with the kick on each downbeat,
    an ensemble-drum (taiko-like) figure on the toms from 0.45, and a big snare on the backbeat
    with a sixteenth tom run into the next bar when driving."""
    beats = int(plan.bar_q)
    hits: list[Hit] = [(Fraction(0), KICK, 100), (Fraction(0), FLOOR_TOM, 96)]
    if energy >= 0.45:
        figure = ((Fraction(3, 2), LOW_TOM, 72), (Fraction(2), FLOOR_TOM, 90), (Fraction(2), KICK, 88),
                  (Fraction(3), LOW_TOM, 80), (Fraction(7, 2), HIGH_TOM, 70))
        hits += [hit for hit in figure if hit[0] < beats]
    if energy > PULSE_ENERGY:
        hits += [(Fraction(beat), SNARE, 100) for beat in range(1, beats, 2)]
        hits += [(beats - 1 + i * SIXTEENTH, key, 64 + 6 * i) for i, key in enumerate((HIGH_TOM, HIGH_TOM, LOW_TOM, LOW_TOM))]
    return hits


def stinger_drums(plan: Plan, rng: random.Random) -> list[NoteEvent]:
    """A snare roll swelling through the pickup (softly enough that no beat of it outweighs the
    hit) into kick, snare and crash together on the hit."""
    notes = []
    t = Fraction(0)
    while t < plan.pickup_q:
        velocity = round(40 + 50 * float(t / plan.pickup_q))
        notes.append(NoteEvent(t, SIXTEENTH, SNARE, velocity + rng.randint(-3, 3)))
        t += SIXTEENTH
    for key, velocity in ((KICK, 120), (SNARE, 100), (CRASH, 118)):
        notes.append(NoteEvent(plan.pickup_q, SIXTEENTH, key, velocity))
    return notes


def button(final: ChordSpan, notes: list[NoteEvent]) -> list[NoteEvent]:
    """A button ending: a part's notes stop where the final chord starts, where the part
    plays one short, accented hit on it (the drums add kick and crash)."""
    kept = [n if n.end_q <= final.start_q else NoteEvent(n.start_q, final.start_q - n.start_q, n.pitch, n.velocity)
            for n in notes if n.start_q < final.start_q]
    hits = {n.pitch: n for n in notes if n.start_q == final.start_q}
    return kept + [NoteEvent(final.start_q, BUTTON_Q, n.pitch, min(127, n.velocity + 12)) for n in hits.values()]
