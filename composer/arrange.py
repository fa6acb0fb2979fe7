"""Arrangement: roles turned into notes, with layers, velocity and density following energy.

Every part is a plain ``PartSpec`` of ``NoteEvent``s in exact quarter-note time. Energy
(0..1 per bar, from the plan) decides which layers play, how hard and how busily:
that is what makes a build audible.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from fractions import Fraction

from composer.harmony import ChordSpan
from composer.melody import Theme
from composer.plan import Plan, Role
from composer.tables import gm_ranges

#: General MIDI percussion keys (channel 10); all in MuseScore's default drum set, so they survive import.
KICK, SIDE_STICK, SNARE, CLOSED_HAT, PEDAL_HAT, CRASH = 36, 37, 38, 42, 44, 49
#: Ostinato register (MIDI notes G3..C6).
OSTINATO_RANGE = (55, 84)
#: An ostinato or drum layer joins once a bar's energy reaches this level.
OSTINATO_ENTRY = 0.35
DRUMS_ENTRY = 0.3
#: Above this energy the pad pulses in beats, the bass in eighths and the hats in sixteenths.
PULSE_ENERGY = 0.68
EIGHTH = Fraction(1, 2)
SIXTEENTH = Fraction(1, 4)


@dataclass(frozen=True)
class NoteEvent:
    """One note: onset and length in quarter notes, MIDI pitch and velocity (1..127)."""

    start_q: Fraction
    length_q: Fraction
    pitch: int
    velocity: int


@dataclass
class PartSpec:
    """A part of the arrangement: its role, General MIDI program and channel, and its notes."""

    role: Role
    notes: list[NoteEvent] = field(default_factory=list)

    @property
    def is_drums(self) -> bool:
        return self.role.role == "drums"


def arrange(plan: Plan, chords: list[ChordSpan], theme: Theme, rng: random.Random) -> list[PartSpec]:
    """Notes for every role of the plan, in the plan's role order."""
    writers = {"pad": _pad, "bass": _bass, "melody": _melody, "ostinato": _ostinato, "drums": _drums}
    parts = []
    for role in plan.roles:
        part = PartSpec(role)
        writers[role.role](plan, chords, theme, part, rng)
        part.notes.sort(key=lambda n: (n.start_q, n.pitch))
        parts.append(part)
    return parts


def _energy(plan: Plan, q: Fraction) -> float:
    if not plan.bar_energy:
        return 0.5
    bar = int((q - plan.pickup_q) / plan.bar_q) if q >= plan.pickup_q else 0
    return plan.bar_energy[max(0, min(len(plan.bar_energy) - 1, bar))]


def _velocity(base: int, span: int, energy: float, rng: random.Random) -> int:
    """A velocity rising with energy, varied by a few steps so repeated notes are not identical."""
    return max(1, min(127, round(base + span * energy) + rng.randint(-4, 4)))


def _release_end(plan: Plan, end_q: Fraction) -> Fraction:
    """Where a note ending at ``end_q`` lets go: at the very end of a loop, else a little before
    the end of the piece so the instrument's own release rings out inside the file."""
    if end_q < plan.end_q or plan.ending == "loop":
        return end_q
    release_q = min(plan.tail_s, Fraction(3, 4)) * plan.tempo_bpm / 60
    return end_q - release_q


def _pad(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """Sustained voicings; with rising energy the chord is struck again each bar (above 0.6)
    and then each beat (above 0.7), the pulsing pad of a build. A sustained dominant before an
    authentic cadence holds a 4–3 suspension for its first half."""
    for position, chord in enumerate(chords):
        energy = _energy(plan, chord.start_q)
        onsets = [chord.start_q]
        pulse = Fraction(1) if energy > PULSE_ENERGY else plan.bar_q if energy > 0.6 else chord.length_q
        if pulse < chord.length_q and chord.end_q <= plan.music_q:
            onsets = [chord.start_q + i * pulse for i in range(int(chord.length_q / pulse))]
        following = chords[position + 1] if position + 1 < len(chords) else None
        suspended = len(onsets) == 1 and _suspension(plan, chord, following)
        for index, onset in enumerate(onsets):
            end = onsets[index + 1] if index + 1 < len(onsets) else _release_end(plan, chord.end_q)
            velocity = _velocity(38, 45, energy, rng)
            for pitch in chord.voicing:
                if suspended and (pitch - chord.root_pc) % 12 in (3, 4):
                    fourth = pitch + 1 + (chord.root_pc + 5 - pitch - 1) % 12  # the 4th above, held over
                    half = (end - onset) / 2
                    part.notes.append(NoteEvent(onset, half, fourth, velocity))
                    part.notes.append(NoteEvent(onset + half, end - onset - half, pitch, velocity))
                else:
                    part.notes.append(NoteEvent(onset, end - onset, pitch, velocity))


def _suspension(plan: Plan, chord: ChordSpan, following: ChordSpan | None) -> bool:
    """Whether ``chord`` takes a 4–3 suspension: a dominant of at least two beats resolving
    to an authentic cadence, in major or minor (where the fourth is the tonic, in the key)."""
    return (following is not None and following.cadence == "authentic" and chord.function == "D"
            and chord.length_q >= 2 and plan.mode in ("major", "minor"))


def _bass(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """Chord roots (or the inversion's bass): held when calm, pulsing in eighths when energetic."""
    lowest = gm_ranges()[part.role.program][0]
    for chord in chords:
        energy = _energy(plan, chord.start_q)
        end = _release_end(plan, chord.end_q)
        final = chord.end_q >= plan.music_q
        pitch = chord.bass + 12 * max(0, -((chord.bass - lowest) // 12))  # up an octave below a cello's C2
        if energy < 0.4 or final or plan.kind in ("ambient", "stinger"):
            step = end - chord.start_q
        elif energy < 0.6:
            step = Fraction(2) if plan.bar_q % 2 == 0 else plan.bar_q
        else:
            step = EIGHTH if energy > PULSE_ENERGY else Fraction(1)
        onset = chord.start_q
        while onset < end:
            length = min(step, end - onset)
            accent = 8 if (onset - chord.start_q) % 2 == 0 else 0
            part.notes.append(NoteEvent(onset, length * Fraction(9, 10) if step < 2 else length, pitch,
                                        _velocity(55 + accent, 40, energy, rng)))
            onset += step


def articulation(plan: Plan) -> Fraction:
    """The share of its written length a short note sounds: detached for lively and playful
    moods, legato for calm ones."""
    arousal = plan.brief.arousal
    return Fraction(3, 4) if arousal > 0.45 else Fraction(9, 10) if arousal > 0 else Fraction(1)


def _melody(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """The theme, softer for an underscore; a stinger's melody climbs into the hit's top note.
    Notes of a beat or less are shortened by the mood's articulation."""
    base, span = (42, 20) if plan.kind == "underscore" else (58, 40)
    detached = articulation(plan)
    for note in theme.notes:
        length = note.length_q * detached if note.length_q <= 1 else note.length_q
        part.notes.append(NoteEvent(note.start_q, length, note.pitch,
                                    _velocity(base, span, _energy(plan, note.start_q), rng)))
    if plan.kind == "stinger":  # the hit's top: its root, an octave over the pad where the player reaches
        hit = chords[-1]
        low, high = gm_ranges()[part.role.program]
        tops = [p for p in range(low, min(high, max(hit.voicing) + 12) + 1) if p % 12 == hit.root_pc]
        climbed = [p for p in tops if theme.notes and p > theme.notes[-1].pitch]  # the fanfare lands above
        top = climbed[0] if climbed else tops[-1] if tops else max(hit.voicing)
        part.notes.append(NoteEvent(hit.start_q, _release_end(plan, hit.end_q) - hit.start_q, top, 110))


def _ostinato(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """An arpeggio over the pad's voicing, in quarters or eighths by energy, entering with energy."""
    pattern = rng.choice(((0, 1, 2, 3, 2, 1), (0, 2, 1, 3), (0, 1, 2, 1, 3, 2, 1, 2)))
    length_share = articulation(plan) * Fraction(3, 4)  # an arpeggio is played shorter than the melody
    for chord in chords:
        energy = _energy(plan, chord.start_q)
        if energy < OSTINATO_ENTRY or chord.start_q >= plan.music_q:
            continue
        step = EIGHTH if energy >= 0.5 else Fraction(1)
        voicing = sorted(p + 12 if p < OSTINATO_RANGE[0] else p for p in chord.voicing)
        end = min(chord.end_q, plan.music_q)
        onset, index = chord.start_q, 0
        while onset < end:
            pitch = min(voicing[pattern[index % len(pattern)] % len(voicing)], OSTINATO_RANGE[1])
            part.notes.append(NoteEvent(onset, min(step, end - onset) * length_share, pitch,
                                        _velocity(45, 35, energy, rng)))
            onset += step
            index += 1


def _drums(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """A groove whose layers (shaker, kick, snare, hats) join with energy; a crash on arrivals
    and a snare fill into each new section."""
    if plan.kind == "stinger":
        _stinger_drums(plan, part, rng)
        return
    section_starts = {s.start_q for s in plan.sections[1:]}
    section_bars = sorted(s.start_q for s in plan.sections)
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        section = plan.sections[bisect.bisect_right(section_bars, start) - 1]
        if section.name == "intro" and bar < plan.bars - 1:
            energy *= 0.7
        if energy < DRUMS_ENTRY:
            continue
        hits: list[tuple[Fraction, int, int]] = []
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
        if start in section_starts and energy >= 0.5:
            hits.append((Fraction(0), CRASH, 100))
        next_start = plan.bar_start_q(bar + 1)
        if next_start in section_starts and energy >= 0.5 and beats >= 3:
            hits = [h for h in hits if h[0] < beats - 1 or h[1] in (CLOSED_HAT, PEDAL_HAT)]
            for i in range(4):
                hits.append((beats - 1 + i * SIXTEENTH, SNARE, 70 + 8 * i))
        final_bar = bar == plan.bars - 1 and plan.ending != "loop"
        if final_bar:
            hits = [(Fraction(0), KICK, 100), (Fraction(0), CRASH, 105)]
        for offset, key, velocity in hits:
            level = velocity * (0.75 + 0.35 * energy)
            part.notes.append(NoteEvent(start + offset, SIXTEENTH, key, max(1, min(127, round(level) + rng.randint(-5, 5)))))


def _stinger_drums(plan: Plan, part: PartSpec, rng: random.Random) -> None:
    """A snare roll swelling through the pickup into kick and crash on the hit."""
    t = Fraction(0)
    while t < plan.pickup_q:
        velocity = round(50 + 60 * float(t / plan.pickup_q))
        part.notes.append(NoteEvent(t, SIXTEENTH, SNARE, velocity + rng.randint(-3, 3)))
        t += SIXTEENTH
    part.notes.append(NoteEvent(plan.pickup_q, SIXTEENTH, KICK, 120))
    part.notes.append(NoteEvent(plan.pickup_q, SIXTEENTH, CRASH, 118))
