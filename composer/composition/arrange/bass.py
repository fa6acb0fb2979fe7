"""The bass: the chord's bass note at each change and barline, pulsing faster with energy and
stepping into some changes from the scale tone next door; in an ambient cue, a held drone."""

from __future__ import annotations

import random
from fractions import Fraction

from composer.base.theory import BASS_RANGE, gm_ranges, parallel_perfect, scale_pitch_classes
from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.lines import sounding
from composer.composition.arrange.parts import (EIGHTH, PULSE_ENERGY, NoteEvent, bar_onsets, chord_stop, energy_at, half_bar, is_final, pulsed,
                                                release_end, velocity_for)
from composer.composition.harmony import ChordSpan
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role


def bass(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """Chord roots (or the inversion's bass), struck at each barline: held when calm, on half
    bars, beats and then eighths as the energy rises, stepping into some chord changes from the
    scale tone next to the new bass (``approach``). An ambient bass is a drone: each tone
    held through its chord and on through the next ones that keep it, struck only when it moves."""
    lowest = gm_ranges()[role.program][0]
    notes: list[NoteEvent] = []
    for position, chord in enumerate(chords):
        stop = chord_stop(plan, chord)
        end = release_end(plan, stop)
        pitch = bass_pitch(chord, lowest)
        if plan.kind == "ambient":
            _drone(plan, notes, chord.start_q, end, pitch, rng)
        elif is_final(plan, chord) or plan.kind == "stinger":
            velocity = velocity_for("bass", energy_at(plan, chord.start_q), rng, 8)
            notes.append(NoteEvent(chord.start_q, end - chord.start_q, pitch, velocity))
        else:
            onsets = pulsed(plan, bar_onsets(plan, chord.start_q, stop), stop, bass_pulse)
            following = chords[position + 1] if position + 1 < len(chords) else None
            step_in = approach(plan, chord, pitch, onsets, following, theme, lowest, rng) if following else None
            for index, onset in enumerate(onsets):
                until = onsets[index + 1] if index + 1 < len(onsets) else end
                length = until - onset
                accent = 8 if (onset - plan.pickup_q) % plan.bar_q == 0 else 0
                played = length * Fraction(9, 10) if length < 2 else length
                sounding_pitch = step_in if step_in is not None and index == len(onsets) - 1 else pitch
                notes.append(NoteEvent(onset, played, sounding_pitch,
                                       velocity_for("bass", energy_at(plan, onset), rng, accent)))
    return notes


def _drone(plan: Plan, notes: list[NoteEvent], start_q: Fraction, end_q: Fraction, pitch: int,
           rng: random.Random) -> None:
    """An ambient bass tone from ``start_q`` to ``end_q`` added to ``notes``: the sounding one
    held on where it does not move, else struck anew."""
    previous = notes[-1] if notes else None
    if previous is not None and previous.pitch == pitch and previous.end_q == start_q:
        notes[-1] = NoteEvent(previous.start_q, end_q - previous.start_q, pitch, previous.velocity)
    else:
        notes.append(NoteEvent(start_q, end_q - start_q, pitch, velocity_for("bass", energy_at(plan, start_q), rng)))


def bass_pulse(plan: Plan, energy: float) -> Fraction:
    """How often the bass strikes: each bar when calm, then half bars, beats and eighths."""
    if energy < 0.4:
        return plan.bar_q
    return half_bar(plan) if energy < 0.6 else Fraction(1) if energy <= PULSE_ENERGY else EIGHTH


def bass_pitch(chord: ChordSpan, lowest: int) -> int:
    """The chord's bass, an octave up where it lies below the instrument's lowest note.

    >>> bass_pitch(ChordSpan(Fraction(0), Fraction(4), "I", "T", (0, 4, 7), 0, 24, (48, 52, 55)), 28)
    36
    """
    return chord.bass + 12 * max(0, -((chord.bass - lowest) // 12))


def approach(plan: Plan, chord: ChordSpan, pitch: int, onsets: list[Fraction], following: ChordSpan, theme: Theme,
             lowest: int, rng: random.Random) -> int | None:
    """A walking bass's approach note: where the bass plays at least every beat, its last note
    before a new bass note may step into it from the scale tone above or below (the one nearer),
    on a weak beat, inside the range and without parallel fifths or octaves against the melody
    or the pad's top voice. How often is data (arrangement.toml [bass])."""
    last = onsets[-1]
    if len(onsets) < 2 or onsets[-1] - onsets[-2] > 1 or (last - plan.pickup_q) % plan.bar_q == 0:
        return None
    target = bass_pitch(following, lowest)
    if target == pitch or rng.random() >= arrangement_data().approach_share:
        return None
    scale = scale_pitch_classes(*plan.key_at(last))
    below = next(p for p in range(target - 1, target - 4, -1) if p % 12 in scale)
    above = next(p for p in range(target + 1, target + 4) if p % 12 in scale)
    choice = min((below, above), key=lambda p: (abs(p - pitch), p))
    starts = [n.start_q for n in theme.notes]
    before, at, after = (sounding(theme.notes, starts, q) for q in (onsets[-2], last, following.start_q))
    moves = [(pitch, before, choice, at), (choice, at, target, after)]
    melody_parallel = any(a is not None and b is not None and parallel_perfect(low_a, a.pitch, low_b, b.pitch)
                          for low_a, a, low_b, b in moves)
    pad_parallel = parallel_perfect(choice, max(chord.voicing), target, max(following.voicing))
    if not lowest <= choice <= BASS_RANGE[1] or choice == pitch or melody_parallel or pad_parallel:
        return None
    return choice
