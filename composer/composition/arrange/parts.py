"""What every player shares: the note and part records, and how energy, phrases and the
ending shape a note (its velocity, where it lets go, where a held layer is struck again)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.composition.arrange.data import Pattern, Step, arrangement_data
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import Theme
from composer.composition.plan import SINGLE_LINE_PROGRAMS, SUSTAINING_PROGRAMS, Plan, Role, scene_change_at

#: Above this energy the pad pulses in beats, the bass in eighths and the hats in sixteenths.
PULSE_ENERGY = 0.68
EIGHTH = Fraction(1, 2)
SIXTEENTH = Fraction(1, 4)
#: Ambient cues place their entries on a sixth of a beat (triplet sixteenths): no pulse is heard.
DRIFT_GRID = Fraction(1, 6)


@dataclass(frozen=True)
class NoteEvent:
    """One note as written: onset and length in quarter notes, MIDI pitch and velocity (1..127).
    How far the player is off the beat is the performance's (``Performance``)."""

    start_q: Fraction
    length_q: Fraction
    pitch: int
    velocity: int

    @property
    def end_q(self) -> Fraction:
        return self.start_q + self.length_q


@dataclass(frozen=True)
class PartSpec:
    """A part of the arrangement as written: its role (General MIDI program and channel) and
    its notes, in order of onset, then pitch."""

    role: Role
    notes: tuple[NoteEvent, ...]

    @property
    def is_drums(self) -> bool:
        return self.role.role == "drums"


#: A player: the notes of one role's part, from the plan, the chords and the theme.
Player = Callable[[Plan, list[ChordSpan], Theme, Role, random.Random], list[NoteEvent]]


def energy_at(plan: Plan, q: Fraction) -> float:
    """The planned energy of the bar ``q`` lies in (the first bar's during a pickup)."""
    return _at_bar(plan, plan.bar_energy, q)


def layer_energy_at(plan: Plan, q: Fraction) -> float:
    """The energy a layer enters by in the bar ``q`` lies in: its planned energy, or in a long
    piece's scene that rests no one but holds the level back (a new counter-melody, quicker
    chords), the energy before it: such a scene adds, it takes no layer out (a synthwave bed's
    arpeggio left in its quicker chords, then rested a scene: gone for 97 s).

    >>> from composer.piece import compose
    >>> plan = compose("synthwave bed, 5 minutes", seed=1).plan
    >>> moved = [s.start_q for s in plan.scenes if energy_at(plan, s.start_q) != layer_energy_at(plan, s.start_q)]
    >>> bool(moved), layer_energy_at(plan, Fraction(0)) == energy_at(plan, Fraction(0))
    (True, True)
    """
    energy = energy_at(plan, q)
    change = scene_change_at(plan, q)
    if change is None or change.rests:
        return energy
    return max(energy, _at_bar(plan, plan.layer_energy or plan.bar_energy, q))


def _at_bar(plan: Plan, energies: tuple[float, ...], q: Fraction) -> float:
    """Of per-bar ``energies``, the one of the bar ``q`` lies in (the first bar's in a pickup)."""
    if not energies:
        return 0.5
    bar = plan.bar_at(q) if q >= plan.pickup_q else 0
    return energies[max(0, min(len(energies) - 1, bar))]


def grid_steps(plan: Plan, pattern: Pattern, starts: Sequence[Fraction], keep_strong: bool = True,
               role: str = "") -> Iterator[tuple[int, float, Step, Fraction, int]]:
    """Every step of a pattern's grid in every bar, as the bar's energy lets in: (bar, its
    energy, the step, its onset, the index in ``starts`` of the chord sounding there). A longer
    bar of changed meter (5/4 among 4/4) plays the meter's grid and then its head again. The
    last bar of each phrase plays its variant (``phrase_end``) unless the pattern is a steady
    bass's (a bass keeps its strong beats; a chord player, ``keep_strong`` false, may push
    them; a steady chord pattern takes only SIGNATURE_VARIANTS); a steady pattern with scene
    grids plays the one its scene calls for (``scene_variant``, counting the scenes ``role``
    plays in)."""
    for bar in range(plan.bars):
        bar_start = plan.bar_start_q(bar)
        energy = energy_at(plan, bar_start)
        bar_q = plan.bar_length_q(bar)
        variant = scene_variant(plan, pattern, bar_start, role)
        steps = [(Fraction(0), step) for step in pattern.bar(min(bar_q, plan.bar_q), energy, variant)]
        if bar_q > plan.bar_q:
            steps += [(plan.bar_q, step) for step in pattern.bar(bar_q - plan.bar_q, energy, variant)]
        elif not pattern.steady or not keep_strong:
            ending = phrase_end(plan, bar)
            if pattern.steady and ending not in SIGNATURE_VARIANTS:
                ending = "plain"
            steps = [(Fraction(0), step) for step in varied([s for _, s in steps], bar_q, ending, keep_strong)]
        for offset, step in steps:
            at = bar_start + offset + step.at
            yield bar, energy, step, at, chord_index(starts, at)


def scene_variant(plan: Plan, pattern: Pattern, q: Fraction, role: str = "") -> int:
    """Which of a pattern's grids the scene at ``q`` plays (0: as written; n: its n-th scene
    grid): as written in the first and last scenes (a loop's wrap joins the same groove), its
    variants and the written one in turn in the scenes between, counting only those ``role``
    plays in (a march tuba's walk fell twice on the scenes that rested it: never heard); a solo
    player's own scene (``is_solo_scene``) plays its first variant, the gentler one (a
    pianist's held left hand).

    >>> from composer import compose
    >>> from composer.composition.arrange.data import arrangement_data
    >>> plan = compose("laid-back reggae bed for a travel vlog, 5 minutes", seed=1).plan
    >>> skank = arrangement_data().players.comping["skank"]
    >>> [scene_variant(plan, skank, scene.start_q) for scene in plan.scenes]
    [0, 1, 2, 0, 1, 2, 0]
    >>> plan = compose("calm solo piano bed, 5 minutes", seed=1).plan
    >>> left = arrangement_data().players.comping["left_hand"]
    >>> [(scene.change, scene_variant(plan, left, scene.start_q)) for scene in plan.scenes][:3]
    [('full', 0), ('solo_figure', 1), ('harmony_moves', 0)]
    """
    if not pattern.scene_grids or not plan.scenes:
        return 0
    index = plan.scene_index(q)
    if is_solo_scene(plan, q):
        return 1
    rank = scene_rank(plan, q, role) if role else index
    return 0 if index == len(plan.scenes) - 1 else rank % (len(pattern.scene_grids) + 1)


def scene_rank(plan: Plan, q: Fraction, role: str) -> int:
    """How many scenes before the one at ``q`` ``role`` plays in: a part's scene variants take
    turns over the scenes it is heard in."""
    return sum(role not in scene.resting for scene in plan.scenes[:plan.scene_index(q)])


def is_solo_scene(plan: Plan, q: Fraction) -> bool:
    """Whether the scene at ``q`` is a solo player's own (plan.toml [scenes.changes], ``solo``):
    the one part there is plays its figure another way, none resting."""
    change = scene_change_at(plan, q)
    return change is not None and change.solo


#: How the last bar of a four-bar phrase varies, phrase by phrase in turn: an eighth after the
#: last step (a pickup into the next phrase), as written, the last weak step left out, the last
#: beat anticipated an eighth early, the downbeat struck again on beat two; and the phrase's
#: second bar, more rarely (an answer).
PHRASE_END_VARIANTS = ("pickup", "plain", "thin", "syncopate", "double")
#: The variants a steady chord pattern (a genre's signature: the skank) takes at a phrase's end
#: in a long piece: a chop more, or one left out before the next phrase, never moved off its beat.
SIGNATURE_VARIANTS = ("plain", "double", "thin", "pickup")
SECOND_BAR_VARIANTS = ("plain", "syncopate", "plain", "double", "plain", "pickup", "plain", "thin")


def phrase_end(plan: Plan, bar: int) -> str:
    """The variant ``bar`` of a long piece (one with scenes) plays: "plain", except the last bar
    of each four-bar phrase of a section (not the piece's last bar), which takes PHRASE_END_VARIANTS in turn, phrase by
    phrase through the piece, so each section, and each long one's phrases, end differently;
    and the phrase's second bar now and then (SECOND_BAR_VARIANTS).

    >>> from composer import compose
    >>> plan = compose("calm corporate podcast bed, 3 minutes", seed=1).plan
    >>> [phrase_end(plan, bar) for bar in range(12)].count("plain") >= 7
    True
    >>> set(phrase_end(compose("calm corporate podcast bed, 60 seconds", seed=1).plan, bar) for bar in range(12))
    {'plain'}
    """
    placed = phrase_place(plan, bar)
    if placed is None:
        return "plain"
    phrase, within = placed
    if within % 4 == 1:
        return SECOND_BAR_VARIANTS[phrase % len(SECOND_BAR_VARIANTS)]
    if within % 4 != 3:
        return "plain"
    return PHRASE_END_VARIANTS[phrase % len(PHRASE_END_VARIANTS)]


def phrase_place(plan: Plan, bar: int) -> tuple[int, int] | None:
    """Where ``bar`` of a long piece (one with scenes) lies: its four-bar phrase's number
    (two a section: a section's second phrase is not the next one's first, as it was when
    each section counted from its index) and the bar's place in its section; None in a short
    cue, which keeps its groove as written, and in the piece's last bar."""
    if bar >= plan.bars - 1 or not plan.sections or not plan.scenes:
        return None
    index = plan.section_index(plan.bar_start_q(bar))
    within = bar - plan.bar_at(plan.sections[index].start_q)
    return 2 * index + within // 4, within


def varied(steps: Sequence[Step], bar_q: Fraction, variant: str, keep_strong: bool = True) -> list[Step]:
    """A bar's ``steps`` as ``variant`` plays them; the downbeat and (``keep_strong``: a bass's
    roots and fifths) the bar's strong beats stay, only its last weak step moves, goes or gains
    an eighth; a chord player may leave out or anticipate by an eighth its last step after the
    downbeat, strong or not (a comping push into beat three).

    >>> grid = [Step(Fraction(0), "root", Fraction(2), 8, 0), Step(Fraction(3), "fifth", Fraction(1), 0, 0)]
    >>> [(str(s.at), s.tone) for s in varied(grid, Fraction(4), "pickup")]
    [('0', 'root'), ('3', 'fifth'), ('7/2', 'fifth')]
    >>> [(str(s.at), s.tone) for s in varied(grid, Fraction(4), "thin")], [str(s.at) for s in varied(grid, Fraction(4), "syncopate")]
    ([('0', 'root')], ['0', '7/2'])
    >>> [str(s.at) for s in varied(grid, Fraction(4), "double")]
    ['0', '1', '3']
    >>> half = [grid[0], Step(Fraction(2), "chord", Fraction(2), 0, 0)]
    >>> [str(s.at) for s in varied(half, Fraction(4), "syncopate", keep_strong=False)]
    ['0', '3/2']
    """
    if variant == "plain" or not steps:
        return list(steps)
    strong = ({Fraction(0), bar_q / 2} if bar_q % 2 == 0 else {Fraction(0)}) if keep_strong else {Fraction(0)}
    last = max(steps, key=lambda s: s.at)
    if not keep_strong and variant == "syncopate" and last.at != bar_q - 1 and last.at > EIGHTH:
        pushed = Step(last.at - EIGHTH, last.tone, last.length + EIGHTH, last.accent, last.from_energy)
        return [*(s for s in steps if s is not last and s.at != pushed.at), pushed]
    others = [s for s in steps if s is not last]
    if variant == "double":
        first = min(steps, key=lambda s: s.at)
        again = first.at + 1
        if again < bar_q and again not in strong and all(s.at != again for s in steps):
            return [first, Step(again, first.tone, min(first.length, Fraction(9, 10)), 0, first.from_energy),
                    *(s for s in steps if s is not first)]
        variant = "pickup"
    if variant == "thin":
        return others if last.at not in strong else list(steps)
    if variant == "syncopate" and last.at == bar_q - 1 and last.at not in strong:
        return [*others, Step(last.at + EIGHTH, last.tone, min(last.length, EIGHTH), last.accent, last.from_energy)]
    pickup = last.at + EIGHTH
    if pickup < bar_q and all(s.at != pickup for s in steps):
        return [*steps, Step(pickup, last.tone, min(last.length, EIGHTH) * Fraction(9, 10), 0, last.from_energy)]
    return list(steps)


def is_sole_harmony(plan: Plan, role: Role) -> bool:
    """Whether ``role`` is the only part under the melody (no pad, bass or other accompaniment
    beside it: a duo's piano), outside a stinger."""
    accompanying = [r for r in plan.roles if r.role not in ("melody", "counter", "drums")]
    return plan.kind != "stinger" and accompanying == [role]


def entry_energy(plan: Plan, role: Role, entry: float) -> float:
    """The energy from which a layer plays: its own ``entry``; for the only part under a melody
    (a duo's piano), from the start; for an instrument the brief named, no higher than the piece's peak, so that it is always heard, and in a long piece
    (one with scenes) no higher than its median bar's, so that it is heard through at least
    half of it (a "calm piano bed" whose piano played only in its liveliest scene, 16 bars of
    104, was hardly a piano bed)."""
    if is_sole_harmony(plan, role):
        return 0.0  # the only harmony there is plays throughout ("solo cello and piano": its piano)
    if not role.asked or not plan.bar_energy:
        return entry
    energies = sorted(plan.bar_energy)
    return min(entry, energies[(len(energies) - 1) // 2] if plan.scenes else energies[-1])


def velocity_for(role: str, energy: float, rng: random.Random, accent: int = 0) -> int:
    """A velocity on the role's line from calm to full energy, varied by a few steps so that
    repeated notes are not identical."""
    data = arrangement_data().velocity
    jitter = round(data.jitter * (0.5 + energy))  # a softer player varies less
    return max(1, min(127, round(data.roles[role].at(energy)) + accent + rng.randint(-jitter, jitter)))


def release_end(plan: Plan, end_q: Fraction) -> Fraction:
    """Where a note ending at ``end_q`` lets go: at the very end of a loop or a fade, else a
    little before the end of the piece so the instrument's own release rings out inside the file."""
    if end_q < plan.end_q or plan.ending in ("loop", "fade"):
        return end_q
    release_q = min(plan.tail_s, Fraction(3, 4)) * plan.end_tempo_bpm / 60
    return end_q - release_q


def bar_onsets(plan: Plan, start_q: Fraction, end_q: Fraction) -> list[Fraction]:
    """``start_q`` and every barline after it before ``end_q``: where a held layer is struck
    again so that it is heard in every bar it plays in."""
    onsets = [start_q]
    bar = plan.bar_at(start_q) + 1
    while plan.bar_start_q(bar) < end_q:
        onsets.append(plan.bar_start_q(bar))
        bar += 1
    return onsets


def half_bar(plan: Plan) -> Fraction:
    """Half a bar in an even meter; a whole bar in an odd one, which has no middle beat."""
    return plan.bar_q / 2 if plan.bar_q % 2 == 0 else plan.bar_q


def pulsed(plan: Plan, onsets: list[Fraction], end_q: Fraction, pulse: Callable[[Plan, float], Fraction]) -> list[Fraction]:
    """The onsets with more between them where the bar's energy asks for a faster pulse."""
    result = []
    for index, onset in enumerate(onsets):
        until = onsets[index + 1] if index + 1 < len(onsets) else end_q
        step = pulse(plan, energy_at(plan, onset))
        t = onset
        while t < until:
            result.append(t)
            t += step
    return result


def free_moment(within_q: Fraction, rng: random.Random) -> Fraction:
    """A moment in ``[0, within_q)`` on a grid of a sixth of a beat, far finer than any pulse."""
    return DRIFT_GRID * rng.randrange(max(1, int(within_q / DRIFT_GRID)))


def is_phrase_end(plan: Plan, q: Fraction) -> bool:
    """Whether ``q`` lies in the last bar of a four-bar phrase (counted from its section's start)."""
    return int((q - plan.section_at(q).start_q) / plan.bar_q) % 4 == 3


def breathes(plan: Plan, q: Fraction, energy: float) -> bool:
    """Whether the texture breathes at ``q``: in the last bar of a calm phrase, except in beds
    and ambient cues, which are steady and continuous (and a loop's seam must not dip)."""
    calm = energy < arrangement_data().texture.breath_energy
    return calm and plan.kind not in ("bed", "ambient") and plan.ending != "loop" and is_phrase_end(plan, q)


def is_final(plan: Plan, chord: ChordSpan) -> bool:
    """The last chord of a piece that ends (rings, buttons or fades) rather than loops."""
    return chord.end_q >= plan.music_q and plan.ending != "loop"


def chord_stop(plan: Plan, chord: ChordSpan) -> Fraction:
    """Where ``chord``'s notes stop: the final chord rings to its own end, any other stops at
    the end of the music at the latest."""
    return chord.end_q if is_final(plan, chord) else min(chord.end_q, plan.music_q)


def one_at_a_time(role: Role, notes: list[NoteEvent]) -> list[NoteEvent]:
    """A single-line instrument's part (``SINGLE_LINE_PROGRAMS``: a flute, a saxophone) as one
    player sounds it: its top line, each note the highest struck at its onset, a lower one
    left out while the note above it still sounds, each held to the next at most (a flute cast
    as an ambient cue's pad played three-note chords).

    >>> from composer.composition.plan import Role
    >>> chord = [NoteEvent(Fraction(0), Fraction(4), pitch, 60) for pitch in (57, 60, 65)]
    >>> one_at_a_time(Role("pad", 73, 1), [*chord, NoteEvent(Fraction(2), Fraction(2), 67, 60)])
    [NoteEvent(start_q=Fraction(0, 1), length_q=Fraction(2, 1), pitch=65, velocity=60), NoteEvent(start_q=Fraction(2, 1), length_q=Fraction(2, 1), pitch=67, velocity=60)]
    """
    if role.program not in SINGLE_LINE_PROGRAMS or role.role == "drums":
        return notes
    line: list[NoteEvent] = []
    for note in sorted(notes, key=lambda n: (n.start_q, -n.pitch)):
        if line and line[-1].start_q == note.start_q:
            continue  # a lower note of the same chord
        if line and line[-1].end_q > note.start_q:
            if note.pitch < line[-1].pitch:
                continue  # under the note still sounding
            held = line.pop()
            line.append(NoteEvent(held.start_q, note.start_q - held.start_q, held.pitch, held.velocity))
        line.append(note)
    return line


def within_decay(plan: Plan, role: Role, notes: list[NoteEvent]) -> list[NoteEvent]:
    """A non-sustaining instrument's (piano, plucked, struck: not in ``SUSTAINING_PROGRAMS``)
    notes held no longer than it sounds (the data's ``longest_decay_s``): a longer note is
    struck again at the latest barline (else beat) that keeps each stroke within it. The
    final ring into the release does not count: it is the ending letting go."""
    if role.program in SUSTAINING_PROGRAMS or role.role == "drums":
        return notes
    longest_q = Fraction(arrangement_data().players.longest_decay_s).limit_denominator(1000) * plan.tempo_bpm / 60
    result: list[NoteEvent] = []
    for note in notes:
        start = note.start_q
        while min(note.end_q, plan.music_q) - start > longest_q:
            cut = _restrike(plan, start, start + longest_q)
            result.append(NoteEvent(start, cut - start, note.pitch, note.velocity))
            start = cut
        result.append(NoteEvent(start, note.end_q - start, note.pitch, note.velocity))
    return result


def _restrike(plan: Plan, after_q: Fraction, until_q: Fraction) -> Fraction:
    """The latest barline in (``after_q``, ``until_q``], else the latest beat, else ``until_q``.

    >>> from composer.composition.plan import Timing
    >>> plan = Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1))
    >>> _restrike(plan, Fraction(1), Fraction(6)), _restrike(plan, Fraction(5), Fraction(7, 2) + 4)
    (Fraction(4, 1), Fraction(7, 1))
    """
    line = plan.bar_start_q(plan.bar_at(until_q))
    if line > after_q:
        return line
    line = plan.pickup_q + (until_q - plan.pickup_q) // 1
    return line if line > after_q else until_q
