"""The pad: sustained voicings that pulse with energy, breathe at phrase ends and hold a 4–3
suspension into an authentic cadence, tying the tones it keeps; in an ambient cue, a pad that
drifts with no beat. A style's comping pattern other than "sustain" is played by ``comping``."""

from __future__ import annotations

import random

from composer.base.exact import Fraction
from composer.composition.arrange.comping import GUITARS, comped
from composer.composition.arrange.parts import (EIGHTH, PULSE_ENERGY, NoteEvent, bar_onsets, breathes, chord_stop, energy_at, free_moment, half_bar,
                                                is_final, pulsed, release_end, scene_rank, velocity_for)
from composer.composition.arrange.data import arrangement_data
from composer.composition.harmony import ChordSpan
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role


def pad(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """Sustained voicings, struck again at each barline; with rising energy on each half bar
    (above 0.6) and each beat (above 0.68), the pulsing pad of a build. Calm bars drop a doubled
    voice; at a phrase's end the pad lets go a beat early so the texture breathes. A sustained
    dominant before an authentic cadence holds a 4–3 suspension. An ambient pad drifts instead
    (``drifting_pad``). A tone the pad keeps from one strike to the next is held through, not
    struck again, unless the energy has risen since it was struck (``_Ties``)."""
    if plan.kind == "ambient":
        return drifting_pad(plan, chords, rng)
    if (plan.comping != "sustain" or role.program in GUITARS) and plan.kind != "stinger":
        return comped(plan, chords, role, rng)  # a guitar never holds a pad: it picks the chords
    ties = _Ties(plan)
    pushed = [_pushed(plan, chord) and not suspension(plan, chord, following)
              for chord, following in zip(chords, [*chords[1:], None])]
    for position, chord in enumerate(chords):
        final = is_final(plan, chord)
        following = chords[position + 1] if position + 1 < len(chords) else None
        stop = chord_stop(plan, chord) - (EIGHTH if following is not None and pushed[position + 1] else 0)
        onsets = [chord.start_q] if final or plan.kind == "stinger" else bar_onsets(plan, chord.start_q, stop)
        if not final and plan.kind != "stinger":
            figure = scene_figure(plan, chord.start_q)
            onsets = pulsed(plan, onsets, stop, _half_bar_pulse if figure == "pulse" else pad_pulse)
        if pushed[position]:
            onsets[0] -= EIGHTH
        suspended = len(onsets) <= 2 and suspension(plan, chord, following)
        for index, onset in enumerate(onsets):
            energy = energy_at(plan, onset)
            end = onsets[index + 1] if index + 1 < len(onsets) else release_end(plan, stop)
            if index + 1 == len(onsets) and breathes(plan, onset, energy) and not final and end - onset > 1:
                end -= 1  # breathe before the next phrase
            velocity = velocity_for("pad", energy, rng)
            for pitch in voicing(plan, chord, energy):
                if suspended and index == 0 and _is_third(pitch, chord):
                    for note in _suspended(onset, end - onset, pitch, chord.root_pc, velocity):
                        ties.play(note, tie=False)  # the suspension is struck: its dissonance is the point
                else:
                    ties.play(NoteEvent(onset, end - onset, pitch, velocity))
    return ties.notes


class _Ties:
    """A sustained pad's notes as it plays them: a note that goes on sounding the tone that has
    just ended is tied to it, unless the pad pulses there or the energy has risen by the data's
    ``restrike_rise`` since that tone was struck (then striking it again is the build). A loop
    strikes every voice again at its seam, so it does at every barline too: else the seam
    would be heard as the one bar that breathes in again."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.notes: list[NoteEvent] = []
        self.last: dict[int, int] = {}  # pitch -> index of its latest note

    def play(self, note: NoteEvent, tie: bool = True) -> None:
        plan, index = self.plan, self.last.get(note.pitch)
        energy = energy_at(plan, note.start_q)
        held = self.notes[index] if index is not None else None
        if (tie and plan.ending != "loop" and index is not None and held is not None and held.end_q == note.start_q
                and pad_pulse(plan, energy) == plan.bar_q and scene_figure(plan, note.start_q) != "pulse"
                and energy < energy_at(plan, held.start_q) + arrangement_data().players.restrike_rise):
            self.notes[index] = NoteEvent(held.start_q, held.length_q + note.length_q, held.pitch, held.velocity)
            return
        self.last[note.pitch] = len(self.notes)
        self.notes.append(note)


#: How a long piece's sustained pad plays its chords scene by scene in turn (as written in the
#: first and last scenes, so a loop's wrap joins the same pad): held as written, struck again
#: each half bar (the pad keeps time where the drums may rest), and each new chord on a barline
#: pushed an eighth early, tied over (the band's anticipation). A trap bed's pad held one chord
#: per bar or two for ten minutes: four rhythms of a bar in its first five.
PAD_SCENE_FIGURES = ("held", "pulse", "push")


def scene_figure(plan: Plan, q: Fraction) -> str:
    """How the pad plays in the scene at ``q`` (PAD_SCENE_FIGURES); "held" in a piece without scenes.

    >>> from composer import compose
    >>> plan = compose("trap bed, 5 minutes", seed=1).plan
    >>> [scene_figure(plan, scene.start_q) for scene in plan.scenes][:4], scene_figure(plan, plan.scenes[-1].start_q)
    (['held', 'pulse', 'push', 'held'], 'held')
    """
    if not plan.scenes:
        return "held"
    if plan.scene_index(q) == len(plan.scenes) - 1:
        return "held"
    return PAD_SCENE_FIGURES[scene_rank(plan, q, "pad") % len(PAD_SCENE_FIGURES)]


def _pushed(plan: Plan, chord: ChordSpan) -> bool:
    """Whether ``chord`` is struck an eighth before its barline: in a "push" scene, a chord
    after the scene's first bar that begins on a barline (``pad`` holds a cadence's suspended
    dominant on its beat)."""
    bar = plan.bar_at(chord.start_q)
    return (scene_figure(plan, chord.start_q) == "push" and plan.bar_start_q(bar) == chord.start_q
            and scene_figure(plan, plan.bar_start_q(bar - 1)) == "push")


def _half_bar_pulse(plan: Plan, energy: float) -> Fraction:
    """A pulse of half a bar at least, however calm the bar."""
    return min(pad_pulse(plan, energy), half_bar(plan))


def pad_pulse(plan: Plan, energy: float) -> Fraction:
    """How often the pad strikes: each bar, each half bar above 0.6, each beat above 0.68."""
    return Fraction(1) if energy > PULSE_ENERGY else half_bar(plan) if energy > 0.6 else plan.bar_q


def voicing(plan: Plan, chord: ChordSpan, energy: float) -> tuple[int, ...]:
    """The pad's voicing of ``chord`` in a bar of ``energy``: three voices when calm."""
    return thinned(chord.voicing, chord.root_pc) if _thin(plan, energy) else chord.voicing


def _thin(plan: Plan, energy: float) -> bool:
    """Whether the pad plays three voices: in calm bars, except in a bed, whose pad is its body."""
    return energy < arrangement_data().texture.thin_energy and plan.kind != "bed"


def thinned(voicing: tuple[int, ...], root_pc: int) -> tuple[int, ...]:
    """The voicing in three voices for calm bars: without the lower copy of a doubled pitch
    class, and a seventh chord without its fifth.

    >>> thinned((48, 55, 60, 64), 0), thinned((50, 57, 60, 65), 2), thinned((50, 57, 65), 2)
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


# --- the 4–3 suspension ----------------------------------------------------------------------


def suspension(plan: Plan, chord: ChordSpan, following: ChordSpan | None) -> bool:
    """Whether ``chord`` takes a 4–3 suspension: a dominant of at least two beats resolving
    to an authentic cadence, in major or minor (where the fourth is the tonic, in the key)."""
    return (following is not None and following.cadence == "authentic" and chord.function == "D"
            and chord.length_q >= 2 and plan.mode in ("major", "minor"))


def suspended_fourth(third: int, root_pc: int) -> int:
    """The fourth above the root that a 4–3 suspension holds in place of ``third``.

    >>> suspended_fourth(64, 0), suspended_fourth(59, 7)
    (65, 60)
    """
    return third + 1 + (root_pc + 5 - third - 1) % 12


def resolving(velocity: int) -> int:
    """A suspension's resolution is a voice moving, not a new attack: softer.

    >>> resolving(90)
    60
    """
    return max(1, velocity * 2 // 3)


def _is_third(pitch: int, chord: ChordSpan) -> bool:
    return (pitch - chord.root_pc) % 12 in (3, 4)


def _suspended(onset: Fraction, length: Fraction, third: int, root_pc: int, velocity: int) -> list[NoteEvent]:
    """The fourth held over for the first half of ``length``, then the third it resolves to."""
    half_q = length / 2
    return [NoteEvent(onset, half_q, suspended_fourth(third, root_pc), velocity),
            NoteEvent(onset + half_q, length - half_q, third, resolving(velocity))]


# --- the drifting (ambient) pad --------------------------------------------------------------


def drifting_pad(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> list[NoteEvent]:
    """An ambient pad, with no beat to follow: tones common to two chords are held across the
    change; the others move one by one, each at its own free moment over the first beats of the
    new chord (the first at the change itself), the old tone letting go as the new one enters; a
    cadential dominant arrives whole, with its 4–3 suspension.
    Inside a chord, voices breathe again at free moments, more of them the higher the energy,
    so that the energy is heard as motion, not as a pulse. A loop starts with all its voices
    together, as its seam needs."""
    drift = _Drift(plan, rng)
    last_q = plan.end_q
    for position, chord in enumerate(chords):
        stop = chord_stop(plan, chord)
        if chord.start_q >= stop:
            continue
        following = chords[position + 1] if position + 1 < len(chords) else None
        arrivals = drift.change(chord, following)
        last_q = release_end(plan, stop)
        drift.stir(chord, stop, arrivals, last_q)
    drift.release_all(last_q)
    return drift.notes


class _Drift:
    """The voices a drifting pad holds (pitch → onset and velocity of its sounding note) and
    the notes it has finished."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan, self.rng = plan, rng
        self.held: dict[int, tuple[Fraction, int]] = {}
        self.notes: list[NoteEvent] = []

    def let_go(self, pitch: int, at: Fraction) -> None:
        start, velocity = self.held.pop(pitch)
        self.notes.append(NoteEvent(start, at - start, pitch, velocity))

    def strike(self, pitch: int, at: Fraction) -> None:
        self.held[pitch] = (at, velocity_for("pad", energy_at(self.plan, at), self.rng))

    def release_all(self, at: Fraction) -> None:
        for pitch in sorted(self.held):
            self.let_go(pitch, at)

    def change(self, chord: ChordSpan, following: ChordSpan | None) -> list[Fraction]:
        """Move into ``chord``: common tones held, each other voice entering at its own moment
        as one of the old ones lets go; returns those moments (the change itself first)."""
        plan = self.plan
        chord_voicing = voicing(plan, chord, energy_at(plan, chord.start_q))
        suspended = suspension(plan, chord, following)
        third = next((p for p in chord_voicing if _is_third(p, chord)), None) if suspended else None
        if third in self.held:
            self.let_go(third, chord.start_q)  # to be heard again, as the suspension
        arriving = [p for p in chord_voicing if p not in self.held]
        leaving = [p for p in sorted(self.held) if p not in chord_voicing]
        together = (not self.held and plan.ending == "loop") or suspended  # a cadence is where the harmony is clearest
        moments = self._moments(chord, len(arriving))
        for index, pitch in enumerate(arriving):
            at = chord.start_q + (Fraction(0) if together else moments[index])
            if index < len(leaving):
                self.let_go(leaving[index], at)
            self.strike(pitch, at)
            if pitch == third:
                self._suspend(pitch, chord, at)
        for pitch in leaving[len(arriving):]:
            self.let_go(pitch, chord.start_q)
        return [chord.start_q + m for m in moments]

    def _moments(self, chord: ChordSpan, count: int) -> list[Fraction]:
        """When each of ``count`` voices moving into ``chord`` enters, from the change: the
        first at the change itself, the others at free moments over its first beats."""
        spread = min(chord.length_q / 2, Fraction(arrangement_data().ambient.spread_beats))
        return [Fraction(0)] + sorted(free_moment(spread, self.rng) for _ in range(count - 1))

    def _suspend(self, third: int, chord: ChordSpan, at: Fraction) -> None:
        """The fourth above held over from ``at``, resolving down to ``third`` halfway through the chord."""
        resolution = chord.start_q + chord.length_q / 2
        velocity = self.held[third][1]
        self.notes.append(NoteEvent(at, resolution - at, suspended_fourth(third, chord.root_pc), velocity))
        self.held[third] = (resolution, resolving(velocity))

    def stir(self, chord: ChordSpan, stop: Fraction, arrivals: list[Fraction], last_q: Fraction) -> None:
        """Inside ``chord`` (until ``stop``), voices struck again at free moments, so that each
        bar has as many moves as its energy asks for (the chord change's arrivals count)."""
        plan = self.plan
        moves_line = arrangement_data().ambient.pad_moves
        for bar in range(max(0, plan.bar_at(chord.start_q)), plan.bars):
            bar_start = plan.bar_start_q(bar)
            if bar_start >= stop:
                break
            wanted = round(moves_line.at(energy_at(plan, bar_start)))
            moves = wanted - sum(1 for a in arrivals if bar_start <= a < plan.bar_start_q(bar + 1))
            for at in sorted(bar_start + free_moment(plan.bar_length_q(bar), self.rng) for _ in range(max(0, moves))):
                ready = [p for p in sorted(self.held) if self.held[p][0] < at]
                if chord.start_q < at < last_q and ready:
                    pitch = self.rng.choice(ready)
                    self.let_go(pitch, at)
                    self.strike(self._moved(pitch, chord), at)

    def _moved(self, pitch: int, chord: ChordSpan) -> int:
        """Where a voice that stirs goes: the nearest chord tone no other voice holds, within a
        fourth of the voicing's compass (the tone itself, struck again, only where none is free)."""
        low, high = min(chord.voicing) - 5, max(chord.voicing) + 5
        free = [p for p in range(low, high + 1)
                if p % 12 in chord.pitch_classes and p not in self.held and p != pitch]
        return min(free, key=lambda p: (abs(p - pitch), p)) if free else pitch
