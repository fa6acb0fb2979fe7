"""Arrangement: roles turned into notes, with layers, velocity and density following energy.

Every part is a plain ``PartSpec`` of ``NoteEvent``s in exact quarter-note time. Energy
(0..1 per bar, from the plan) decides which layers play, how hard and how busily: that is what
makes a build audible. Every layer that plays in a bar is heard in it (a chord held across bars
is struck again), so the notes played per bar, weighted by velocity, rise and fall with the
planned energy.

A part also carries how it is played: a micro-timing offset per onset (milliseconds, applied
in MIDI ticks, so the score keeps exact time), sustain-pedal spans for pianos, and an
expression (CC11) curve for sustaining instruments. The arrangement data (velocities, timing,
mix, swing, counter-line programs) is ``data/arrangement.toml``.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from fractions import Fraction
from collections.abc import Callable
from typing import Any

from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import MelodyNote, Theme, melody_range
from composer.composition.plan import SUSTAINING_PROGRAMS, Plan, Role
from composer.base.tables import table
from composer.base.theory import BASS_RANGE, gm_ranges, parallel_perfect, scale_pitch_classes

#: General MIDI percussion keys (channel 10); all in MuseScore's default drum set, so they survive import.
KICK, SIDE_STICK, SNARE, FLOOR_TOM, CLOSED_HAT, LOW_TOM, PEDAL_HAT, HIGH_TOM, CRASH = 36, 37, 38, 41, 42, 45, 44, 50, 49
#: Ostinato register (MIDI notes G3..C6).
OSTINATO_RANGE = (55, 84)
#: A pair of timpani tuned to the chord's root, as low as it goes (D2–A3).
TIMPANI_RANGE = (38, 57)
TIMPANI_ENTRY = 0.5
#: Where an ambient texture's high tones float, above the pad (G4–G6).
TEXTURE_RANGE = (67, 91)
#: An ostinato or drum layer joins once a bar's energy reaches this level.
OSTINATO_ENTRY = 0.35
DRUMS_ENTRY = 0.3
#: Above this energy the pad pulses in beats, the bass in eighths and the hats in sixteenths.
PULSE_ENERGY = 0.68
EIGHTH = Fraction(1, 2)
SIXTEENTH = Fraction(1, 4)
#: Ambient cues place their entries on a sixth of a beat (triplet sixteenths): no pulse is heard.
DRIFT_GRID = Fraction(1, 6)
#: Pianos (GM programs 0-7, acoustic and electric): the parts that use the sustain pedal.
PIANOS = range(0, 8)
#: Length of a button ending's final hit, in quarter notes.
BUTTON_Q = Fraction(1, 2)


@dataclass(frozen=True)
class NoteEvent:
    """One note: onset and length in quarter notes, MIDI pitch and velocity (1..127), and how
    many milliseconds the player is behind (positive) or ahead of (negative) the beat."""

    start_q: Fraction
    length_q: Fraction
    pitch: int
    velocity: int
    nudge_ms: int = 0

    @property
    def end_q(self) -> Fraction:
        return self.start_q + self.length_q


@dataclass
class PartSpec:
    """A part of the arrangement: its role, General MIDI program and channel, its notes, the
    spans (start, end in quarter notes) its sustain pedal is down, and its expression curve as
    (quarter notes, CC11 value) points joined by straight lines."""

    role: Role
    notes: list[NoteEvent] = field(default_factory=list)
    pedal_q: list[tuple[Fraction, Fraction]] = field(default_factory=list)
    expression: list[tuple[Fraction, int]] = field(default_factory=list)

    @property
    def is_drums(self) -> bool:
        return self.role.role == "drums"


def arrangement_data() -> dict[str, Any]:
    """Velocities, timing, mix, swing and counter-line settings (``data/arrangement.toml``)."""
    return table("arrangement")


def arrange(plan: Plan, chords: list[ChordSpan], theme: Theme, rng: random.Random) -> list[PartSpec]:
    """Notes for every role of the plan, in the plan's role order; then pedal, expression and
    micro-timing."""
    writers = {"pad": _pad, "bass": _bass, "melody": _melody, "counter": _counter, "ostinato": _ostinato,
               "texture": _texture, "timpani": _timpani, "drums": _drums}
    parts = []
    for role in plan.roles:
        part = PartSpec(role)
        writers[role.role](plan, chords, theme, part, rng)
        if plan.ending == "button" and plan.kind != "stinger" and not part.is_drums:
            _button(plan, chords[-1], part)
        part.notes.sort(key=lambda n: (n.start_q, n.pitch))
        part.pedal_q = _pedal(plan, chords, part)
        part.expression = _expression(plan, chords, part)
        parts.append(part)
    for part in parts:  # after all the notes, so humanizing never changes what is played
        _humanize(part, rng)
    return parts


# --- shared helpers ----------------------------------------------------------------------


def _energy(plan: Plan, q: Fraction) -> float:
    if not plan.bar_energy:
        return 0.5
    bar = int((q - plan.pickup_q) / plan.bar_q) if q >= plan.pickup_q else 0
    return plan.bar_energy[max(0, min(len(plan.bar_energy) - 1, bar))]


def _velocity(role: str, energy: float, rng: random.Random, accent: int = 0) -> int:
    """A velocity on the role's line from calm to full energy, varied by a few steps so that
    repeated notes are not identical."""
    data = arrangement_data()["velocity"]
    jitter = round(int(data["jitter"]) * (0.5 + energy))  # a softer player varies less
    return max(1, min(127, round(_along(data[role], energy)) + accent + rng.randint(-jitter, jitter)))


def _release_end(plan: Plan, end_q: Fraction) -> Fraction:
    """Where a note ending at ``end_q`` lets go: at the very end of a loop or a fade, else a
    little before the end of the piece so the instrument's own release rings out inside the file."""
    if end_q < plan.end_q or plan.ending in ("loop", "fade"):
        return end_q
    release_q = min(plan.tail_s, Fraction(3, 4)) * plan.tempo_bpm / 60
    return end_q - release_q


def _bar_onsets(plan: Plan, start_q: Fraction, end_q: Fraction) -> list[Fraction]:
    """``start_q`` and every barline after it before ``end_q``: where a held layer is struck
    again so that it is heard in every bar it plays in."""
    onsets = [start_q]
    bar = plan.pickup_q + ((start_q - plan.pickup_q) // plan.bar_q + 1) * plan.bar_q
    while bar < end_q:
        onsets.append(bar)
        bar += plan.bar_q
    return onsets


def _phrase_end(plan: Plan, q: Fraction) -> bool:
    """Whether ``q`` lies in the last bar of a four-bar phrase (counted from its section's start)."""
    return int((q - plan.section_at(q).start_q) / plan.bar_q) % 4 == 3


def _breathes(plan: Plan, q: Fraction, energy: float) -> bool:
    """Whether the texture breathes at ``q``: in the last bar of a calm phrase, except in beds
    and ambient cues, which are steady and continuous (and a loop's seam must not dip)."""
    calm = energy < float(arrangement_data()["texture"]["breath_energy"])
    return calm and plan.kind not in ("bed", "ambient") and plan.ending != "loop" and _phrase_end(plan, q)


def _is_final(plan: Plan, chord: ChordSpan) -> bool:
    """The last chord of a piece that ends (rings, buttons or fades) rather than loops."""
    return chord.end_q >= plan.music_q and plan.ending != "loop"


def _chord_end(plan: Plan, chord: ChordSpan) -> Fraction:
    """Where ``chord``'s notes stop: the final chord rings to its own end, any other stops at
    the end of the music at the latest."""
    return chord.end_q if _is_final(plan, chord) else min(chord.end_q, plan.music_q)


# --- pad -----------------------------------------------------------------------------------


def _pad(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """Sustained voicings, struck again at each barline; with rising energy on each half bar
    (above 0.6) and each beat (above 0.68), the pulsing pad of a build. Calm bars drop a doubled
    voice; at a phrase's end the pad lets go a beat early so the texture breathes. A sustained
    dominant before an authentic cadence holds a 4–3 suspension. An ambient pad drifts instead
    (``_drifting_pad``)."""
    if plan.kind == "ambient":
        _drifting_pad(plan, chords, part, rng)
        return
    for position, chord in enumerate(chords):
        final = _is_final(plan, chord)
        chord_end = _chord_end(plan, chord)
        onsets = [chord.start_q] if final or plan.kind == "stinger" else _bar_onsets(plan, chord.start_q, chord_end)
        if not final and plan.kind != "stinger":
            onsets = _pulsed(plan, onsets, chord_end, _pad_pulse)
        following = chords[position + 1] if position + 1 < len(chords) else None
        suspended = len(onsets) <= 2 and _suspension(plan, chord, following)
        for index, onset in enumerate(onsets):
            energy = _energy(plan, onset)
            voicing = _voicing(plan, chord, energy)
            end = onsets[index + 1] if index + 1 < len(onsets) else _release_end(plan, chord_end)
            if index + 1 == len(onsets) and _breathes(plan, onset, energy) and not final and end - onset > 1:
                end -= 1  # breathe before the next phrase
            velocity = _velocity("pad", energy, rng)
            for pitch in voicing:
                if suspended and index == 0 and (pitch - chord.root_pc) % 12 in (3, 4):
                    half_q = (end - onset) / 2
                    part.notes.append(NoteEvent(onset, half_q, _suspended_fourth(pitch, chord.root_pc), velocity))
                    part.notes.append(NoteEvent(onset + half_q, end - onset - half_q, pitch, _resolving(velocity)))
                else:
                    part.notes.append(NoteEvent(onset, end - onset, pitch, velocity))


def _drifting_pad(plan: Plan, chords: list[ChordSpan], part: PartSpec, rng: random.Random) -> None:
    """An ambient pad, with no beat to follow: tones common to two chords are held across the
    change; the others move one by one, each at its own free moment over the first beats of the
    new chord (the first at the change itself), the old tone letting go as the new one enters; a
    cadential dominant arrives whole, with its 4–3 suspension.
    Inside a chord, voices breathe again at free moments, more of them the higher the energy,
    so that the energy is heard as motion, not as a pulse. A loop starts with all its voices
    together, as its seam needs."""
    data = arrangement_data()["ambient"]
    held: dict[int, tuple[Fraction, int]] = {}  # pitch -> (start, velocity) of its sounding note

    def let_go(pitch: int, at: Fraction) -> None:
        start, velocity = held.pop(pitch)
        part.notes.append(NoteEvent(start, at - start, pitch, velocity))

    def strike(pitch: int, at: Fraction) -> None:
        held[pitch] = (at, _velocity("pad", _energy(plan, at), rng))

    for position, chord in enumerate(chords):
        chord_end = _chord_end(plan, chord)
        if chord.start_q >= chord_end:
            continue
        energy = _energy(plan, chord.start_q)
        voicing = _voicing(plan, chord, energy)
        following = chords[position + 1] if position + 1 < len(chords) else None
        suspended = _suspension(plan, chord, following)
        third = next((p for p in voicing if (p - chord.root_pc) % 12 in (3, 4)), None) if suspended else None
        if third in held:
            let_go(third, chord.start_q)  # to be heard again, as the suspension
        arriving = [p for p in voicing if p not in held]
        leaving = [p for p in sorted(held) if p not in voicing]
        together = (not held and plan.ending == "loop") or suspended  # a cadence is where the harmony is clearest
        spread = min(chord.length_q / 2, Fraction(int(data["spread_beats"])))
        moments = [Fraction(0)] + sorted(_free_moment(spread, rng) for _ in arriving[1:])
        for index, pitch in enumerate(arriving):
            at = chord.start_q + (Fraction(0) if together else moments[index])
            if index < len(leaving):
                let_go(leaving[index], at)
            strike(pitch, at)
            if pitch == third:  # the fourth above held over, resolving down halfway through the chord
                resolution = chord.start_q + chord.length_q / 2
                part.notes.append(NoteEvent(at, resolution - at, _suspended_fourth(pitch, chord.root_pc), held[pitch][1]))
                held[pitch] = (resolution, _resolving(held[pitch][1]))
        for pitch in leaving[len(arriving):]:
            let_go(pitch, chord.start_q)
        arrivals = [chord.start_q + m for m in moments]
        last_q = _release_end(plan, chord_end)
        for bar in range(int((chord.start_q - plan.pickup_q) / plan.bar_q), plan.bars):
            bar_start = plan.bar_start_q(bar)
            if bar_start >= chord_end:
                break
            wanted = round(_along(data["pad_moves"], _energy(plan, bar_start)))
            moves = wanted - sum(1 for a in arrivals if bar_start <= a < bar_start + plan.bar_q)
            for at in sorted(bar_start + _free_moment(plan.bar_q, rng) for _ in range(max(0, moves))):
                ready = [p for p in sorted(held) if held[p][0] < at]
                if chord.start_q < at < last_q and ready:
                    pitch = rng.choice(ready)
                    let_go(pitch, at)
                    strike(pitch, at)
    for pitch in sorted(held):
        let_go(pitch, last_q)


def _free_moment(within_q: Fraction, rng: random.Random) -> Fraction:
    """A moment in ``[0, within_q)`` on a grid of a sixth of a beat, far finer than any pulse."""
    return DRIFT_GRID * rng.randrange(max(1, int(within_q / DRIFT_GRID)))


def _along(line: list[float], energy: float) -> float:
    """The value at ``energy`` on a data line [at energy 0, at energy 1]."""
    return float(line[0]) + (float(line[1]) - float(line[0])) * energy


def _half_bar(plan: Plan) -> Fraction:
    return plan.bar_q / 2 if plan.bar_q % 2 == 0 else plan.bar_q


def _pad_pulse(plan: Plan, energy: float) -> Fraction:
    """How often the pad strikes: each bar, each half bar above 0.6, each beat above 0.68."""
    return Fraction(1) if energy > PULSE_ENERGY else _half_bar(plan) if energy > 0.6 else plan.bar_q


def _bass_pulse(plan: Plan, energy: float) -> Fraction:
    """How often the bass strikes: each bar when calm, then half bars, beats and eighths."""
    if energy < 0.4:
        return plan.bar_q
    return _half_bar(plan) if energy < 0.6 else Fraction(1) if energy <= PULSE_ENERGY else EIGHTH


def _pulsed(plan: Plan, onsets: list[Fraction], end_q: Fraction, pulse: Callable[[Plan, float], Fraction]) -> list[Fraction]:
    """The onsets with more between them where the bar's energy asks for a faster pulse."""
    result = []
    for index, onset in enumerate(onsets):
        until = onsets[index + 1] if index + 1 < len(onsets) else end_q
        step = pulse(plan, _energy(plan, onset))
        t = onset
        while t < until:
            result.append(t)
            t += step
    return result


def _thin(plan: Plan, energy: float) -> bool:
    """Whether the pad plays three voices: in calm bars, except in a bed, whose pad is its body."""
    return energy < float(arrangement_data()["texture"]["thin_energy"]) and plan.kind != "bed"


def _voicing(plan: Plan, chord: ChordSpan, energy: float) -> tuple[int, ...]:
    """The pad's voicing of ``chord`` in a bar of ``energy``: three voices when calm."""
    return _thinned(chord.voicing, chord.root_pc) if _thin(plan, energy) else chord.voicing


def _thinned(voicing: tuple[int, ...], root_pc: int) -> tuple[int, ...]:
    """The voicing in three voices for calm bars: without the lower copy of a doubled pitch
    class, and a seventh chord without its fifth.

    >>> _thinned((48, 55, 60, 64), 0), _thinned((50, 57, 60, 65), 2), _thinned((50, 57, 65), 2)
    ((55, 60, 64), (50, 60, 65), (50, 57, 65))
    """
    result = list(voicing)
    for index, pitch in enumerate(voicing):
        if any(other % 12 == pitch % 12 for other in voicing[index + 1:]):
            result.remove(pitch)
            break
    fifths = [p for p in result if (p - root_pc) % 12 == 7]
    if len(result) > 3 and fifths:
        result.remove(fifths[0])
    return tuple(result)


def _suspended_fourth(third: int, root_pc: int) -> int:
    """The fourth above the root that a 4–3 suspension holds in place of ``third``.

    >>> _suspended_fourth(64, 0), _suspended_fourth(59, 7)
    (65, 60)
    """
    return third + 1 + (root_pc + 5 - third - 1) % 12


def _resolving(velocity: int) -> int:
    """A suspension's resolution is a voice moving, not a new attack: softer."""
    return max(1, velocity * 2 // 3)


def _suspension(plan: Plan, chord: ChordSpan, following: ChordSpan | None) -> bool:
    """Whether ``chord`` takes a 4–3 suspension: a dominant of at least two beats resolving
    to an authentic cadence, in major or minor (where the fourth is the tonic, in the key)."""
    return (following is not None and following.cadence == "authentic" and chord.function == "D"
            and chord.length_q >= 2 and plan.mode in ("major", "minor"))


# --- bass ----------------------------------------------------------------------------------


def _bass(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """Chord roots (or the inversion's bass), struck at each barline: held when calm, on half
    bars, beats and then eighths as the energy rises, stepping into some chord changes from the
    scale tone next to the new bass (``_approach``). An ambient bass is a drone: each tone
    held through its chord and on through the next ones that keep it, struck only when it moves."""
    lowest = gm_ranges()[part.role.program][0]
    for position, chord in enumerate(chords):
        final = _is_final(plan, chord)
        chord_end = _chord_end(plan, chord)
        end = _release_end(plan, chord_end)
        pitch = _bass_pitch(chord, lowest)
        if plan.kind == "ambient":
            previous = part.notes[-1] if part.notes else None
            if previous is not None and previous.pitch == pitch and previous.end_q == chord.start_q:
                part.notes[-1] = NoteEvent(previous.start_q, end - previous.start_q, pitch, previous.velocity)
            else:
                part.notes.append(NoteEvent(chord.start_q, end - chord.start_q, pitch,
                                            _velocity("bass", _energy(plan, chord.start_q), rng)))
            continue
        if final or plan.kind == "stinger":
            velocity = _velocity("bass", _energy(plan, chord.start_q), rng, 8)
            part.notes.append(NoteEvent(chord.start_q, end - chord.start_q, pitch, velocity))
            continue
        onsets = _pulsed(plan, _bar_onsets(plan, chord.start_q, chord_end), chord_end, _bass_pulse)
        following = chords[position + 1] if position + 1 < len(chords) else None
        approach = _approach(plan, chord, pitch, onsets, following, theme, lowest, rng) if following else None
        for index, onset in enumerate(onsets):
            until = onsets[index + 1] if index + 1 < len(onsets) else end
            length = until - onset
            accent = 8 if (onset - plan.pickup_q) % plan.bar_q == 0 else 0
            played = length * Fraction(9, 10) if length < 2 else length
            sounding = approach if approach is not None and index == len(onsets) - 1 else pitch
            part.notes.append(NoteEvent(onset, played, sounding, _velocity("bass", _energy(plan, onset), rng, accent)))


def _bass_pitch(chord: ChordSpan, lowest: int) -> int:
    """The chord's bass, an octave up where it lies below the instrument's lowest note."""
    return chord.bass + 12 * max(0, -((chord.bass - lowest) // 12))


def _approach(plan: Plan, chord: ChordSpan, pitch: int, onsets: list[Fraction], following: ChordSpan, theme: Theme,
              lowest: int, rng: random.Random) -> int | None:
    """A walking bass's approach note: where the bass plays at least every beat, its last note
    before a new bass note may step into it from the scale tone above or below (the one nearer),
    on a weak beat, inside the range and without parallel fifths or octaves against the melody
    or the pad's top voice. How often is data (arrangement.toml [bass])."""
    last = onsets[-1]
    if len(onsets) < 2 or onsets[-1] - onsets[-2] > 1 or (last - plan.pickup_q) % plan.bar_q == 0:
        return None
    target = _bass_pitch(following, lowest)
    if target == pitch or rng.random() >= float(arrangement_data()["bass"]["approach_share"]):
        return None
    scale = scale_pitch_classes(*plan.key_at(last))
    below = next(p for p in range(target - 1, target - 4, -1) if p % 12 in scale)
    above = next(p for p in range(target + 1, target + 4) if p % 12 in scale)
    choice = min((below, above), key=lambda p: (abs(p - pitch), p))
    starts = [n.start_q for n in theme.notes]
    before, at, after = (_sounding(theme.notes, starts, q) for q in (onsets[-2], last, following.start_q))
    moves = [(pitch, before, choice, at), (choice, at, target, after)]
    melody_parallel = any(a is not None and b is not None and parallel_perfect(low_a, a.pitch, low_b, b.pitch)
                          for low_a, a, low_b, b in moves)
    pad_parallel = parallel_perfect(choice, max(chord.voicing), target, max(following.voicing))
    if not lowest <= choice <= BASS_RANGE[1] or choice == pitch or melody_parallel or pad_parallel:
        return None
    return choice


# --- melody and counter-line ---------------------------------------------------------------


def articulation(plan: Plan) -> Fraction:
    """The share of its written length a short note sounds: detached for lively and playful
    moods, legato for calm ones."""
    arousal = plan.arousal
    return Fraction(3, 4) if arousal > 0.45 else Fraction(9, 10) if arousal > 0 else Fraction(1)


#: A stinger's climb into its hit: the velocity of its first note and the one it rises toward.
FANFARE_VELOCITY = (28, 56)


def _melody(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """The theme, softer for an underscore; a stinger's melody climbs into the hit's top note.
    Notes of a beat or less are shortened by the mood's articulation."""
    role = "underscore_melody" if plan.kind == "underscore" else "melody"
    detached = articulation(plan)
    for index, note in enumerate(theme.notes):
        length = note.length_q * detached if note.length_q <= 1 else note.length_q
        velocity = _velocity(role, _energy(plan, note.start_q), rng)
        if plan.kind == "stinger":  # the climb swells into the hit and never outweighs it
            velocity = FANFARE_VELOCITY[0] + (FANFARE_VELOCITY[1] - FANFARE_VELOCITY[0]) * index // len(theme.notes)
        part.notes.append(NoteEvent(note.start_q, length, note.pitch, velocity))
    if plan.kind == "stinger":  # the hit's top: its root, an octave over the pad where the player reaches
        hit = chords[-1]
        low, high = gm_ranges()[part.role.program]
        tops = [p for p in range(low, min(high, max(hit.voicing) + 12) + 1) if p % 12 == hit.root_pc]
        climbed = [p for p in tops if theme.notes and p > theme.notes[-1].pitch]  # the fanfare lands above
        top = climbed[0] if climbed else tops[-1] if tops else max(hit.voicing)
        part.notes.append(NoteEvent(hit.start_q, _release_end(plan, hit.end_q) - hit.start_q, top, 110))


def counter_range(plan: Plan, program: int) -> tuple[int, int]:
    """Below the melody: from a seventh under the melody's lowest note to a fifth above it,
    inside the instrument's comfortable range (at least an octave)."""
    melody_low, _ = melody_range(plan)
    low, high = gm_ranges()[program]
    low, high = max(low, melody_low - 10), min(high, melody_low + 7)
    return (low, high) if high - low >= 12 else (high - 12, high)


def _sounding(notes: tuple[MelodyNote, ...], starts: list[Fraction], q: Fraction) -> MelodyNote | None:
    """The melody note sounding at ``q``, if any."""
    index = bisect.bisect_right(starts, q) - 1
    if index >= 0 and notes[index].start_q + notes[index].length_q > q:
        return notes[index]
    return None


def _counter(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """A second voice under the melody in the fuller bars: a chord tone on each strong beat
    (half bars in even meters, else bars), moving against the melody (contrary motion) or
    holding while it moves (oblique), never in parallel fifths or octaves with the melody or
    the bass; silent where the melody rests, and breathing at phrase ends."""
    entry = float(arrangement_data()["counter"]["entry"])
    low, high = counter_range(plan, part.role.program)
    notes = theme.notes
    starts = [n.start_q for n in notes]
    chord_starts = [c.start_q for c in chords]
    slot = plan.bar_q / 2 if plan.bar_q % 2 == 0 and plan.bar_q >= 4 else plan.bar_q
    previous: tuple[int, int, int] | None = None  # (counter pitch, melody pitch, bass) at the last slot
    q = plan.pickup_q
    while q + slot <= plan.music_q:
        chord = chords[chord_index(chord_starts, q)]
        melody = _sounding(notes, starts, q)
        last_of_phrase = _phrase_end(plan, q) and q + slot >= plan.bar_start_q(int((q - plan.pickup_q) / plan.bar_q) + 1)
        if melody is None or _energy(plan, q) < entry or last_of_phrase or _is_final(plan, chord) and q >= chord.start_q:
            previous = None
            q += slot
            continue
        pitch = _counter_pitch(chord, melody.pitch, previous, low, high)
        if pitch is not None:
            part.notes.append(NoteEvent(q, slot, pitch, _velocity("counter", _energy(plan, q), rng)))
            previous = (pitch, melody.pitch, chord.bass)
        else:
            previous = None
        q += slot


def _counter_pitch(chord: ChordSpan, melody: int, previous: tuple[int, int, int] | None, low: int,
                   high: int) -> int | None:
    """The chord tone for the counter-line: at least a minor third under the melody, in
    contrary or oblique motion to the melody (None, a rest, where only similar motion fits),
    then the smallest move."""
    candidates = [p for p in range(low, high + 1) if p % 12 in chord.pitch_classes and 3 <= melody - p <= 19]
    if previous is None:
        return min(candidates, key=lambda p: (abs(melody - 9 - p), p)) if candidates else None
    last, last_melody, last_bass = previous
    melody_move = melody - last_melody

    def cost(p: int) -> tuple[int, int, int]:
        move = p - last
        similar = move != 0 and melody_move != 0 and (move > 0) == (melody_move > 0)
        return (2 * similar + (abs(move) > 5), abs(move), p)

    allowed = [p for p in candidates if not parallel_perfect(last, last_melody, p, melody)
               and not parallel_perfect(last_bass, last, chord.bass, p)]
    best = min(allowed, key=cost) if allowed else None
    return None if best is None or cost(best)[0] >= 2 else best  # rather a rest than following the melody


# --- ostinato and drums --------------------------------------------------------------------


def _ostinato(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """An arpeggio over the pad's voicing, in quarters or eighths by energy, entering with
    energy and resting on the last beat of a calm phrase."""
    pattern = rng.choice(((0, 1, 2, 3, 2, 1), (0, 2, 1, 3), (0, 1, 2, 1, 3, 2, 1, 2)))
    length_share = articulation(plan) * Fraction(3, 4)  # an arpeggio is played shorter than the melody
    for chord in chords:
        if chord.start_q >= plan.music_q:
            continue
        voicing = sorted(p + 12 if p < OSTINATO_RANGE[0] else p for p in chord.voicing)
        end = min(chord.end_q, plan.music_q)
        onset, index = chord.start_q, 0
        while onset < end:
            energy = _energy(plan, onset)
            step = EIGHTH if energy >= 0.5 else Fraction(1)
            bar_end = plan.bar_start_q(int((onset - plan.pickup_q) / plan.bar_q) + 1)
            resting = _breathes(plan, onset, energy) and bar_end - onset <= 1 and end == bar_end
            if energy >= OSTINATO_ENTRY and not resting:
                pitch = min(voicing[pattern[index % len(pattern)] % len(voicing)], OSTINATO_RANGE[1])
                part.notes.append(NoteEvent(onset, min(step, end - onset) * length_share, pitch,
                                            _velocity("ostinato", energy, rng)))
            onset += step
            index += 1


def _texture(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """An ambient cue's evolving layer: single high tones of the chord sounding, each entering at
    its own free moment and held for a few beats, overlapping, never past a chord that does not
    hold it. More of them the higher the energy; none at the calmest."""
    data = arrangement_data()["ambient"]
    low, high = gm_ranges()[part.role.program]
    low, high = max(low, TEXTURE_RANGE[0]), min(high, TEXTURE_RANGE[1])
    starts = [c.start_q for c in chords]
    busy_until: dict[int, Fraction] = {}
    last_q = _release_end(plan, plan.music_q)
    for bar in range(plan.bars):
        bar_start = plan.bar_start_q(bar)
        count = round(_along(data["texture_notes"], _energy(plan, bar_start)))
        for at in sorted(bar_start + _free_moment(plan.bar_q, rng) for _ in range(count)):
            index = chord_index(starts, at)
            chord = chords[index]
            tones = {p % 12 for p in chord.voicing}
            candidates = [p for p in range(low, high + 1) if p % 12 in tones and busy_until.get(p, at) <= at]
            if not candidates:
                continue
            pitch = rng.choice(candidates)
            until = chord.end_q
            for following in chords[index + 1:]:
                if pitch % 12 not in {p % 12 for p in following.voicing}:
                    break
                until = following.end_q
            length = min(Fraction(rng.randint(*data["texture_beats"])), min(until, last_q) - at)
            if length <= 0:
                continue
            busy_until[pitch] = at + length
            part.notes.append(NoteEvent(at, length, pitch, _velocity("texture", _energy(plan, at), rng)))


def _timpani(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """A trailer's timpani: the chord's root on each downbeat from TIMPANI_ENTRY, on beat three
    too where the energy drives, a roll swelling over the last beat into each section that
    arrives at least as strong, and the last chord's root as the final hit."""
    starts = [c.start_q for c in chords]

    def root_at(q: Fraction) -> int:
        root = chords[chord_index(starts, q)].root_pc
        return TIMPANI_RANGE[0] + (root - TIMPANI_RANGE[0]) % 12

    arrivals = {later.start_q for earlier, later in zip(plan.sections, plan.sections[1:]) if later.energy >= earlier.energy}
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        if start >= plan.music_q or energy < TIMPANI_ENTRY:
            continue
        beats = [Fraction(0), Fraction(2)] if energy > PULSE_ENERGY and plan.bar_q == 4 else [Fraction(0)]
        for beat in beats:
            accent = 12 if start + beat in arrivals else 0
            part.notes.append(NoteEvent(start + beat, Fraction(1), root_at(start + beat),
                                        _velocity("timpani", energy, rng, accent)))
        next_bar = start + plan.bar_q
        if next_bar in arrivals:
            roll_start = next_bar - 1
            for index in range(4):  # sixteenths, swelling into the arrival
                part.notes.append(NoteEvent(roll_start + index * SIXTEENTH, SIXTEENTH, root_at(roll_start),
                                            _velocity("timpani", energy * (0.6 + 0.1 * index), rng)))
    final = chords[-1]
    if _is_final(plan, final) and plan.kind != "stinger" and plan.ending != "fade":
        part.notes = [n for n in part.notes if n.start_q < final.start_q]
        part.notes.append(NoteEvent(final.start_q, _release_end(plan, final.end_q) - final.start_q,
                                    root_at(final.start_q), _velocity("timpani", 1.0, rng)))
    if plan.kind == "stinger":
        part.notes = [NoteEvent(plan.pickup_q, _release_end(plan, plan.end_q) - plan.pickup_q,
                                root_at(plan.pickup_q), _velocity("timpani", 1.0, rng))]


def _drums(plan: Plan, chords: list[ChordSpan], theme: Theme, part: PartSpec, rng: random.Random) -> None:
    """A groove whose layers join with energy (a pop kit's hats, kick and backbeat, or a trailer's
    toms); a crash on arrivals and a fill into each new section; a final kick and crash unless
    the piece fades or loops."""
    if plan.kind == "stinger":
        _stinger_drums(plan, part, rng)
        return
    levels = arrangement_data()["velocity"]["drums"]
    cinematic = plan.drum_style == "cinematic"
    section_starts = {s.start_q for s in plan.sections[1:]}
    for bar in range(plan.bars):
        start = plan.bar_start_q(bar)
        energy = plan.bar_energy[bar]
        if plan.section_at(start).name == "intro" and bar < plan.bars - 1:
            energy *= 0.7
        if energy < DRUMS_ENTRY:
            continue
        beats = int(plan.bar_q)
        hits = _cinematic_groove(plan, energy) if cinematic else _pop_groove(plan, energy)
        if start in section_starts and energy >= 0.5:
            hits.append((Fraction(0), CRASH, 100))
        next_start = plan.bar_start_q(bar + 1)
        if next_start in section_starts and energy >= 0.5 and beats >= 3:
            hits = [h for h in hits if h[0] < beats - 1 or h[1] in (CLOSED_HAT, PEDAL_HAT)]
            fill = (HIGH_TOM, HIGH_TOM, LOW_TOM, FLOOR_TOM) if cinematic else (SNARE,) * 4
            for i, key in enumerate(fill):
                hits.append((beats - 1 + i * SIXTEENTH, key, 70 + 8 * i))
        if bar == plan.bars - 1 and plan.ending in ("ring", "button"):
            hits = [(Fraction(0), KICK, 100), (Fraction(0), CRASH, 105)]
        for offset, key, velocity in hits:
            level = velocity * _along(levels, energy)
            part.notes.append(NoteEvent(start + offset, SIXTEENTH, key, max(1, min(127, round(level) + rng.randint(-5, 5)))))


def _pop_groove(plan: Plan, energy: float) -> list[tuple[Fraction, int, int]]:
    """(offset, key, velocity) of one bar of a pop kit: hats from the start (pedal hat when calm,
    sixteenths when driving), kick on one and three from 0.45, the backbeat on side stick, then snare."""
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
    return hits


def _cinematic_groove(plan: Plan, energy: float) -> list[tuple[Fraction, int, int]]:
    """One bar of a trailer's drums, no hats: a floor-tom boom with the kick on each downbeat,
    an ensemble-drum (taiko-like) figure on the toms from 0.45, and a big snare on the backbeat
    with a sixteenth tom run into the next bar when driving."""
    beats = int(plan.bar_q)
    hits: list[tuple[Fraction, int, int]] = [(Fraction(0), KICK, 100), (Fraction(0), FLOOR_TOM, 96)]
    if energy >= 0.45:
        figure = ((Fraction(3, 2), LOW_TOM, 72), (Fraction(2), FLOOR_TOM, 90), (Fraction(2), KICK, 88),
                  (Fraction(3), LOW_TOM, 80), (Fraction(7, 2), HIGH_TOM, 70))
        hits += [hit for hit in figure if hit[0] < beats]
    if energy > PULSE_ENERGY:
        hits += [(Fraction(beat), SNARE, 100) for beat in range(1, beats, 2)]
        hits += [(beats - 1 + i * SIXTEENTH, key, 64 + 6 * i) for i, key in enumerate((HIGH_TOM, HIGH_TOM, LOW_TOM, LOW_TOM))]
    return hits


def _stinger_drums(plan: Plan, part: PartSpec, rng: random.Random) -> None:
    """A snare roll swelling through the pickup (softly enough that no beat of it outweighs the
    hit) into kick, snare and crash together on the hit."""
    t = Fraction(0)
    while t < plan.pickup_q:
        velocity = round(40 + 50 * float(t / plan.pickup_q))
        part.notes.append(NoteEvent(t, SIXTEENTH, SNARE, velocity + rng.randint(-3, 3)))
        t += SIXTEENTH
    for key, velocity in ((KICK, 120), (SNARE, 100), (CRASH, 118)):
        part.notes.append(NoteEvent(plan.pickup_q, SIXTEENTH, key, velocity))


# --- ending, pedal, expression, human feel -------------------------------------------------


def _button(plan: Plan, final: ChordSpan, part: PartSpec) -> None:
    """A button ending: every part's notes stop where the final chord starts, where the part
    plays one short, accented hit on it (the drums add kick and crash)."""
    kept = [n if n.end_q <= final.start_q else NoteEvent(n.start_q, final.start_q - n.start_q, n.pitch, n.velocity)
            for n in part.notes if n.start_q < final.start_q]
    hits = {n.pitch: n for n in part.notes if n.start_q == final.start_q}
    part.notes = kept + [NoteEvent(final.start_q, BUTTON_Q, n.pitch, min(127, n.velocity + 12)) for n in hits.values()]


def fade_length_s(plan: Plan) -> float:
    """How long a fade ending takes: a tenth of the piece, 2 to 6 s, at most half of it."""
    return min(6.0, max(2.0, plan.duration_s * 0.1), plan.duration_s / 2)


def _pedal(plan: Plan, chords: list[ChordSpan], part: PartSpec) -> list[tuple[Fraction, Fraction]]:
    """Sustain-pedal spans for a piano: down through each chord it plays in, lifted at the
    change. A detached melody stays unpedalled, or the pedal would undo its articulation."""
    if part.role.program not in PIANOS or part.is_drums:
        return []
    if part.role.role in ("melody", "counter") and articulation(plan) < 1:
        return []
    starts = [n.start_q for n in part.notes]
    spans = []
    for chord in chords:
        first = bisect.bisect_left(starts, chord.start_q)
        if first < len(starts) and starts[first] < chord.end_q:
            spans.append((chord.start_q, min(chord.end_q, plan.end_q)))
    return spans


def _expression(plan: Plan, chords: list[ChordSpan], part: PartSpec) -> list[tuple[Fraction, int]]:
    """CC11 points. Sustaining instruments (strings, pads, organs) follow the energy bar by bar,
    swell over the bar before a section that arrives at least as strong, and in ambient cues
    breathe in and out over each chord. A fade ending takes every part down to silence."""
    points: list[tuple[Fraction, int]] = []
    if part.role.program in SUSTAINING_PROGRAMS and not part.is_drums and part.notes:

        def level(q: Fraction) -> int:
            return round(127 * (0.8 + 0.2 * _energy(plan, q)))

        for bar in range(max(1, plan.bars)):
            start = plan.bar_start_q(bar) if plan.bars else Fraction(0)
            points.append((start, level(start)))
        for previous, section in zip(plan.sections, plan.sections[1:]):
            before = section.start_q - min(plan.bar_q, section.length_q, previous.length_q)
            if section.energy >= previous.energy and before >= 0:
                points.append((before, level(before)))
                points.append((section.start_q - Fraction(1, 8), min(127, level(before) + 16)))
        if plan.kind == "ambient":
            for chord in chords:
                if chord.length_q >= 2 * plan.bar_q:
                    middle = chord.start_q + chord.length_q / 2
                    points.append((middle, min(127, level(middle) + 14)))
    if plan.ending == "fade":
        fade_q = Fraction(fade_length_s(plan)).limit_denominator(1000) * plan.tempo_bpm / 60
        fade_start = max(Fraction(0), plan.end_q - fade_q)
        held = _value_at(sorted(points), fade_start) if points else 127
        points = [p for p in points if p[0] < fade_start] + [(fade_start, held), (plan.end_q, 0)]
    return sorted(dict(points).items())


def _value_at(points: list[tuple[Fraction, int]], q: Fraction) -> int:
    """The expression value at ``q`` on the straight lines between ``points`` (sorted).

    >>> _value_at([(Fraction(0), 100), (Fraction(4), 120)], Fraction(1))
    105
    """
    index = bisect.bisect_right([p[0] for p in points], q)
    if index == 0:
        return points[0][1]
    if index == len(points):
        return points[-1][1]
    (q0, v0), (q1, v1) = points[index - 1], points[index]
    return round(v0 + (v1 - v0) * (q - q0) / (q1 - q0))


def _humanize(part: PartSpec, rng: random.Random) -> None:
    """Micro-timing: each onset of the part (a chord's notes together) gets its own offset of
    up to the role's limit in milliseconds, smaller offsets likelier than large ones."""
    limit = int(arrangement_data()["timing_ms"][part.role.role])
    offsets: dict[Fraction, int] = {}
    for note in part.notes:
        if note.start_q not in offsets:
            offsets[note.start_q] = round(rng.triangular(-limit, limit, 0))
    part.notes = [NoteEvent(n.start_q, n.length_q, n.pitch, n.velocity, offsets[n.start_q]) for n in part.notes]


