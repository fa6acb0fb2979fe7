"""The struck parts: a trailer's timpani, the drum kit playing the style's groove (data, in
styles.toml, carried by the Plan) with its fills, a stinger's roll into its hit, and a button
ending's final hit for every part."""

from __future__ import annotations

import random

from composer.base.exact import Fraction
from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.parts import (SIXTEENTH, NoteEvent, entry_energy, is_final, layer_energy_at,
                                                phrase_end, release_end, scene_variant, varied, velocity_for)
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role
from composer.composition.styles import STEPS_PER_BEAT, Groove, drum_key

#: General MIDI percussion keys (channel 10) of a stinger's roll and hit (a groove names its own
#: arrival and final hit in styles.toml).
KICK, SNARE, CRASH = 36, 38, 49
#: The voices that keep time through a fill: closed and pedal hi-hat, ride.
TIMEKEEPERS = (42, 44, 51)
#: A crash and a fill mark a new section from this bar energy.
FILL_ENERGY = 0.5
#: A pair of timpani tuned to the chord's root, as low as it goes (D2–A3).
TIMPANI_RANGE = (38, 57)
TIMPANI_ENTRY = 0.5
#: Length of a button ending's final hit, in quarter notes.
BUTTON_Q = Fraction(1, 2)

#: One drum hit of a bar: (offset in quarter notes, GM key, velocity before the energy's scaling).
Hit = tuple[Fraction, int, int]


def timpani(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """A trailer's timpani: from TIMPANI_ENTRY, the chord's root as its pattern strikes it (the
    data's ``[timpani]``: each downbeat, beat three too where the energy drives; in a long
    piece, scene by scene, its variants), a roll swelling over the last beat into each section
    that arrives at least as strong (in a long piece, the bar before it building in eighths
    into the roll, and each phrase's last bar varied as a bass's: ``phrase_end``), and the last
    chord's root as the final hit. Timpani the brief did not name in a cue without a kit were
    cast to weigh the picture's hits (``cues``) and are silent otherwise."""
    if plan.kind != "stinger" and not role.asked and not any(r.role == "drums" for r in plan.roles):
        return []
    starts = [c.start_q for c in chords]

    def root_at(q: Fraction) -> int:
        root = chords[chord_index(starts, q)].root_pc
        return TIMPANI_RANGE[0] + (root - TIMPANI_RANGE[0]) % 12

    notes: list[NoteEvent] = []
    entry = entry_energy(plan, role, TIMPANI_ENTRY)
    arrivals = {later.start_q for earlier, later in zip(plan.sections, plan.sections[1:]) if later.energy >= earlier.energy}
    pattern, arrival = arrangement_data().players.timpani, arrangement_data().players.timpani_arrival
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        if start >= plan.music_q or layer_energy_at(plan, start) < entry:
            continue
        next_bar = plan.bar_start_q(bar + 1)
        rolled_from = next_bar - 1 if next_bar in arrivals else next_bar  # the roll takes the last beat
        steps = pattern.bar(plan.bar_length_q(bar), energy, scene_variant(plan, pattern, start, role.role))
        build = arrival.bar(plan.bar_length_q(bar), energy) if next_bar in arrivals and plan.scenes else ()
        if build:  # the scene's strokes, then the build into the arrival
            steps = tuple(step for step in steps if step.at < build[0].at) + build
        else:  # a long piece's phrase ends as a bass's do (a trailer bed's timpani kept four bar-rhythms)
            steps = tuple(varied(steps, plan.bar_length_q(bar), phrase_end(plan, bar)))
        onsets = [start + step.at for step in steps] + [rolled_from]
        for step, at in zip(steps, onsets):
            if at < rolled_from:
                accent = step.accent + (12 if at in arrivals else 0)
                until = min(o for o in onsets if o > at)  # a stroke stops where the next begins
                notes.append(NoteEvent(at, min(step.length, until - at), root_at(at),
                                       velocity_for("timpani", energy, rng, accent)))
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
    """The plan's groove, its level chosen by each bar's energy (an intro's a little softer),
    from the groove's first level up; a crash on arrivals and a fill into each new section; a
    final kick and crash unless the piece fades or loops. Each hit's velocity follows the
    energy, varied a little, as a drummer's does. Drums the brief names play even in a calm
    cue: from the piece's peak energy down, the groove's first level, quietly."""
    if plan.kind == "stinger":
        return stinger_drums(plan, rng)
    groove = plan.groove
    if groove is None:
        return []
    notes = []
    levels = arrangement_data().velocity.drums
    entry = entry_energy(plan, role, groove.entry)
    section_starts = {s.start_q for s in plan.sections[1:]}
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy, entering = plan.bar_energy[bar], layer_energy_at(plan, start)
        if plan.section_at(start).name == "intro" and bar < plan.bars - 1:
            energy, entering = energy * 0.7, entering * 0.7
        if entering < entry:
            continue
        for offset, key, velocity in _bar_hits(plan, groove, bar, energy, section_starts):
            level = velocity * levels.at(energy) * min(1.0, energy / groove.entry if groove.entry else 1.0)
            notes.append(NoteEvent(start + offset, SIXTEENTH, key, max(1, min(127, round(level) + rng.randint(-5, 5)))))
    return notes


def _bar_hits(plan: Plan, groove: Groove, bar: int, energy: float, section_starts: set[Fraction]) -> list[Hit]:
    """The hits of one bar: the groove's level for its energy, a crash where a section starts,
    the fill into the next section (the hats and ride keep time through it), the final kick
    and crash of a piece that rings or buttons."""
    if bar == plan.bars - 1 and plan.ending in ("ring", "button"):
        return [(Fraction(0), drum_key(voice), velocity) for voice, velocity in groove.ending.items()]
    level = groove.level_at(max(energy, groove.entry))  # drums asked for below it play its first level
    bar_q = plan.bar_length_q(bar)  # a bar of changed meter plays the grid as far as it goes
    hits = [] if level is None else grid_hits(level.steps, bar_q, groove.rise, energy)
    if plan.bar_start_q(bar) in section_starts and energy >= FILL_ENERGY:
        hits.append((Fraction(0), drum_key(groove.arrival), groove.crash))
    if plan.bar_start_q(bar + 1) in section_starts and energy >= FILL_ENERGY and bar_q >= 3:
        fill_q = Fraction(len(next(iter(groove.fill.values()))), STEPS_PER_BEAT)
        fill_start = max(Fraction(0), bar_q - fill_q)
        hits = [h for h in hits if h[0] < fill_start or h[1] in TIMEKEEPERS]
        hits += [(fill_start + offset, key, velocity) for offset, key, velocity in grid_hits(groove.fill, fill_q)]
    return hits


def grid_hits(steps: dict[str, tuple[int, ...]], bar_q: Fraction, rise: dict[str, int] | None = None,
              energy: float = 0.0) -> list[Hit]:
    """The hits of a grid over a bar of ``bar_q`` quarter notes, voice by voice in the grid's
    order: each sixteenth with a velocity sounds, the grid repeating where the bar is longer and
    cut where it is shorter; a voice's ``rise`` adds velocity with the energy.

    >>> grid_hits({"kick": (90, 0, 0, 0, 80, 0, 0, 0), "snare": (0, 0, 0, 0, 0, 0, 70, 0)}, Fraction(3))
    [(Fraction(0, 1), 36, 90), (Fraction(1, 1), 36, 80), (Fraction(2, 1), 36, 90), (Fraction(3, 2), 38, 70)]
    """
    hits: list[Hit] = []
    for voice, velocities in steps.items():
        gain = round((rise or {}).get(voice, 0) * energy)
        for step in range(int(bar_q * STEPS_PER_BEAT)):
            velocity = velocities[step % len(velocities)]
            if velocity:
                hits.append((Fraction(step, STEPS_PER_BEAT), drum_key(voice), velocity + gain))
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
