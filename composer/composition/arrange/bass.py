"""The bass: the chord's bass note at each change and barline, pulsing faster with energy and
stepping into some changes from the scale tone next door; in an ambient cue, a held drone.
A style's bass pattern (plan.bass_pattern) plays instead where it names one: a one-bar grid
from the data (root–fifth, octave pump, one-drop, tumbao, boom-bap, 808, oom-pah), a walking
line, or a drone on the tonic, always in one register."""

from __future__ import annotations

import bisect
import random

from composer.base.exact import Fraction
from composer.base.theory import BASS_RANGE, gm_ranges, parallel_perfect, scale_pitch_classes
from composer.base.theory import pitch_class
from composer.composition.arrange.data import Step, arrangement_data
from composer.composition.arrange.lines import sounding
from composer.composition.arrange.parts import (EIGHTH, PULSE_ENERGY, NoteEvent, bar_onsets, chord_stop, energy_at,
                                                grid_steps, half_bar, is_final, phrase_end, pulsed, release_end,
                                                velocity_for)
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role, scene_change_at


def bass(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> list[NoteEvent]:
    """Chord roots (or the inversion's bass), struck at each barline: held when calm, on half
    bars, beats and then eighths as the energy rises, stepping into some chord changes from the
    scale tone next to the new bass (``approach``). An ambient bass is a drone: each tone
    held through its chord and on through the next ones that keep it, struck only when it moves."""
    lowest = gm_ranges()[role.program][0]
    if plan.bass_pattern != "held" and plan.kind not in ("ambient", "stinger"):
        floor = max(lowest, arrangement_data().players.bass_floor)
        figures = scene_figures(plan, chords, patterned_bass(plan, chords, lowest, rng), floor, rng)
        return without_parallels(plan, chords, figures, theme, floor)
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
            onsets = varied_onsets(plan, pulsed(plan, bar_onsets(plan, chord.start_q, stop), stop, bass_pulse), stop)
            following = chords[position + 1] if position + 1 < len(chords) else None
            step_in = approach(plan, chord, pitch, onsets, following, theme, lowest, rng) if following else None
            for index, onset in enumerate(onsets):
                until = onsets[index + 1] if index + 1 < len(onsets) else end
                length = until - onset
                accent = 8 if plan.in_bar_q(onset) == 0 else 0
                played = length * Fraction(9, 10) if length < 2 else length
                bar = plan.bar_at(onset)
                if phrase_end(plan, bar) == "thin" and onset + played >= plan.bar_start_q(bar + 1) > onset + 1:
                    played = plan.bar_start_q(bar + 1) - 1 - onset  # the phrase's last beat left to breathe
                sounding_pitch = step_in if step_in is not None and index == len(onsets) - 1 else pitch
                notes.append(NoteEvent(onset, played, sounding_pitch,
                                       velocity_for("bass", energy_at(plan, onset), rng, accent)))
    if plan.kind == "ambient":
        return notes
    return without_parallels(plan, chords, scene_figures(plan, chords, notes, lowest, rng), theme, lowest)


def without_parallels(plan: Plan, chords: list[ChordSpan], notes: list[NoteEvent], theme: Theme,
                      lowest: int) -> list[NoteEvent]:
    """``notes`` with each bass note that moves in parallel fifths or octaves with the tune
    (from the bass note before it and the tune's note sounding there) played on another tone of
    its chord, the nearest that moves so neither from the note before nor into the one after,
    inside the register; kept where none does. The root (or the chord's own bass) on a downbeat
    or a chord change is the bass's anchor and stays, so the other note of the pair moves: as a
    bassist plays a pattern's fifth or passing tone as the third where it would double the tune
    (a jig's bass stepped B-A under the fiddle's B-A).

    >>> from composer.composition.plan import Timing
    >>> from composer.composition.melody.notes import MelodyNote
    >>> plan = Timing(Fraction(100), (4, 4), 4, Fraction(0), Fraction(0))
    >>> chords = [ChordSpan(Fraction(0), Fraction(8), "I", "tonic", (0, 4, 7), 0, 48, (52, 55, 60))]
    >>> tune = Theme(None, tuple(MelodyNote(Fraction(q), Fraction(length), p) for q, length, p in ((0, 2, 76), (2, 1, 79),
    ...                                                                                      (3, 1, 76))), ())
    >>> bass = [NoteEvent(Fraction(0), Fraction(2), 48, 80), NoteEvent(Fraction(2), Fraction(1), 43, 80),
    ...         NoteEvent(Fraction(3), Fraction(1), 40, 80)]
    >>> [n.pitch for n in without_parallels(plan, chords, bass, tune, 28)]  # G-E under the tune's G-E: octaves
    [48, 43, 43]
    """
    starts = [n.start_q for n in theme.notes]
    tune = [sounding(theme.notes, starts, note.start_q) for note in notes]
    chord_starts = [c.start_q for c in chords]
    kept = list(notes)

    def parallel(a: int, b: int, pitch_a: int, pitch_b: int) -> bool:
        over_a, over_b = tune[a], tune[b]
        return over_a is not None and over_b is not None and parallel_perfect(pitch_a, over_a.pitch, pitch_b, over_b.pitch)

    def anchored(note: NoteEvent, chord: ChordSpan) -> bool:
        on_one = note.start_q == chord.start_q or plan.in_bar_q(note.start_q) == 0
        return on_one and note.pitch % 12 in (chord.bass % 12, chord.root_pc)

    for index in range(1, len(kept)):
        if not parallel(index - 1, index, kept[index - 1].pitch, kept[index].pitch):
            continue
        for moved in (index, index - 1):
            note = kept[moved]
            chord = chords[chord_index(chord_starts, note.start_q)]
            if anchored(note, chord):
                continue
            tones = sorted((p for pc in chord.pitch_classes for p in range(lowest + (pc - lowest) % 12, BASS_RANGE[1] + 1, 12)
                            if p != note.pitch), key=lambda p: (abs(p - note.pitch), p))
            choice = next((p for p in tones if (moved == 0 or not parallel(moved - 1, moved, kept[moved - 1].pitch, p))
                           and (moved + 1 == len(kept) or not parallel(moved, moved + 1, p, kept[moved + 1].pitch))), None)
            if choice is not None:
                kept[moved] = NoteEvent(note.start_q, note.length_q, choice, note.velocity)
                break
    return kept


def _drone(plan: Plan, notes: list[NoteEvent], start_q: Fraction, end_q: Fraction, pitch: int,
           rng: random.Random) -> None:
    """An ambient bass tone from ``start_q`` to ``end_q`` added to ``notes``: the sounding one
    held on where it does not move, else struck anew."""
    previous = notes[-1] if notes else None
    if previous is not None and previous.pitch == pitch and previous.end_q == start_q:
        notes[-1] = NoteEvent(previous.start_q, end_q - previous.start_q, pitch, previous.velocity)
    else:
        notes.append(NoteEvent(start_q, end_q - start_q, pitch, velocity_for("bass", energy_at(plan, start_q), rng)))


def varied_onsets(plan: Plan, onsets: list[Fraction], stop: Fraction) -> list[Fraction]:
    """A held bass's strikes with each bar's phrase variant (parts.phrase_end): a pickup on the
    bar's last beat, an anticipation on its last eighth or the root again on beat two, where the
    chord still sounds there and the bass does not strike already; as written otherwise (a
    "thin" bar lets its last beat breathe: ``bass`` shortens that note)."""
    extra = []
    for onset in onsets:
        bar = plan.bar_at(onset)
        end = plan.bar_start_q(bar + 1)
        at = {"pickup": end - 1, "syncopate": end - EIGHTH, "double": plan.bar_start_q(bar) + 1}.get(phrase_end(plan, bar))
        if at is not None and onset < at < stop and at not in onsets:
            extra.append(at)
    return sorted({*onsets, *extra})


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
    if len(onsets) < 2 or onsets[-1] - onsets[-2] > 1 or plan.in_bar_q(last) == 0:
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


# --- a style's bass pattern ------------------------------------------------------------------


def patterned_bass(plan: Plan, chords: list[ChordSpan], lowest: int, rng: random.Random) -> list[NoteEvent]:
    """The style's bass pattern bar by bar over every chord but the last, whose root rings to
    the end: roots one octave from the register's floor, so the bass keeps one register."""
    floor = max(lowest, arrangement_data().players.bass_floor)
    final = chords[-1]
    if plan.bass_pattern == "walking":
        notes = _walking(plan, chords, floor, rng)
    elif plan.bass_pattern == "drone":
        notes = _tonic_drone(plan, floor, rng)
    else:
        notes = _grid_bass(plan, chords, floor, rng)
    if plan.bass_pattern != "drone" and is_final(plan, final):
        notes = [n for n in notes if n.start_q < final.start_q]
        notes = [NoteEvent(n.start_q, min(n.length_q, final.start_q - n.start_q), n.pitch, n.velocity) for n in notes]
        end = release_end(plan, chord_stop(plan, final))
        velocity = velocity_for("bass", energy_at(plan, final.start_q), rng, 8)
        notes.append(NoteEvent(final.start_q, end - final.start_q, in_register(final.root_pc, floor), velocity))
    return notes


def in_register(pc: int, floor: int) -> int:
    """The pitch of pitch class ``pc`` in the octave from ``floor``.

    >>> in_register(0, 31), in_register(7, 31)
    (36, 31)
    """
    return floor + (pc - floor) % 12


def _grid_bass(plan: Plan, chords: list[ChordSpan], floor: int, rng: random.Random) -> list[NoteEvent]:
    """The pattern's grid in every bar, each step's tone taken from the chord sounding at it."""
    pattern = arrangement_data().players.bass_patterns[plan.bass_pattern]
    starts = [c.start_q for c in chords]
    notes: list[NoteEvent] = []
    for bar, energy, step, at, position in grid_steps(plan, pattern, starts, role="bass"):
        chord = chords[position]
        ahead = chords[chord_index(starts, min(plan.bar_start_q(bar + 1), plan.music_q - 1))]
        pitch = _step_pitch(plan, step, chord, ahead, bar, floor, notes[-1].pitch if notes else None)
        bridging = step.tone in ("next_root", "approach")
        stop = plan.music_q if bridging else chord_stop(plan, chord)
        length = min(step.length, stop - at)
        if length > 0:
            notes.append(NoteEvent(at, length, pitch, velocity_for("bass", energy, rng, step.accent)))
    return notes


def _step_pitch(plan: Plan, step: Step, chord: ChordSpan, ahead: ChordSpan, bar: int, floor: int,
                previous: int | None) -> int:
    """The pitch a grid step names over ``chord`` (``ahead``: the chord of the next bar)."""
    root = in_register(chord.root_pc, floor)
    fifth_pc = (chord.root_pc + 7) % 12
    fifth = root + 7 if fifth_pc in chord.pitch_classes or not chord.pitch_classes else root + 6
    if step.tone == "fifth":
        return fifth
    if step.tone == "octave":
        return root + 12
    if step.tone == "third":
        return next((root + i for i in (4, 3) if (chord.root_pc + i) % 12 in chord.pitch_classes), fifth)
    if step.tone == "alternate":
        chord_bar = plan.bar_count(chord.start_q, plan.bar_start_q(bar)) if plan.bar_start_q(bar) > chord.start_q else 0
        return root if chord_bar % 2 == 0 else (fifth - 12 if fifth - 12 >= floor else fifth)
    if step.tone == "next_root":
        return in_register(ahead.root_pc, floor)
    if step.tone == "approach":
        return approach_tone(plan, in_register(ahead.root_pc, floor), previous if previous is not None else root,
                             plan.bar_start_q(bar), floor)
    return root


def approach_tone(plan: Plan, target: int, previous: int, at: Fraction, floor: int) -> int:
    """The scale tone next to ``target`` (above or below, the nearer to ``previous``), inside
    the register; a semitone below where the scale has none near."""
    scale = scale_pitch_classes(*plan.key_at(at))
    candidates = [p for p in (target - 2, target - 1, target + 1, target + 2)
                  if p % 12 in scale and floor <= p <= BASS_RANGE[1] and p != previous]
    return min(candidates, key=lambda p: (abs(p - previous), p)) if candidates else max(floor, target - 1)


def _walking(plan: Plan, chords: list[ChordSpan], floor: int, rng: random.Random) -> list[NoteEvent]:
    """A walking line, a note on every beat: the root where a chord begins, chord tones on the
    other strong beats, chord or scale tones between, and on the last beat before a new root
    a scale or chromatic approach into it."""
    starts = [c.start_q for c in chords]
    top = min(floor + 19, BASS_RANGE[1])
    notes: list[NoteEvent] = []
    beat = plan.pickup_q
    previous: int | None = None
    while beat + 1 <= plan.music_q:
        chord = chords[chord_index(starts, beat)]
        following = chords[chord_index(starts, beat + 1)] if beat + 1 < plan.music_q else chord
        root = in_register(chord.root_pc, floor)
        if beat == chord.start_q or previous is None:
            pitch = root
        elif following is not chord and following.root_pc != chord.root_pc:
            target = in_register(following.root_pc, floor)
            chromatic = [p for p in (target - 1, target + 1) if floor <= p <= top and p != previous]
            pitch = (rng.choice(chromatic) if chromatic and rng.random() < 0.5
                     else approach_tone(plan, target, previous, beat, floor))
        else:
            strong = int(beat - plan.pickup_q) % 2 == 0
            scale = chord.pitch_classes if strong else scale_pitch_classes(*plan.key_at(beat))
            last = previous
            options = [p for p in range(floor, top + 1) if p % 12 in scale and p != last and abs(p - last) <= 7]
            pitch = rng.choice(sorted(options, key=lambda p: abs(p - last))[:3]) if options else root
        accent = 8 if plan.in_bar_q(beat) == 0 else 0
        notes.append(NoteEvent(beat, Fraction(9, 10), pitch, velocity_for("bass", energy_at(plan, beat), rng, accent)))
        previous = pitch
        beat += 1
    return [varied for note in notes for varied in _walked(plan, note)]


#: Where a walking bass varies a phrase's bar (parts.phrase_end), as beats from the barline: a
#: skip (the beat's note and a ghosted triplet eighth of it leading on) on the last beat, on
#: beat two or on beat three; "thin" lets the last beat ring instead (a half note on three).
WALKING_SKIPS = {"pickup": -1, "double": 1, "syncopate": -2}
SKIP = Fraction(2, 3)


def _walked(plan: Plan, note: NoteEvent) -> list[NoteEvent]:
    """A walking bass's ``note`` as its bar's phrase variant plays it: split into a skip, held
    through the beat after it ("thin", on the bar's next-to-last beat), left out (that beat),
    or as written.

    >>> from composer import compose
    >>> plan = compose("relaxed jazzy lounge bed for a hotel lobby, 5 minutes", seed=1).plan
    >>> bar = next(b for b in range(plan.bars) if phrase_end(plan, b) == "pickup")
    >>> [(str(n.start_q - plan.bar_start_q(bar)), str(n.length_q)) for n in _walked(plan, NoteEvent(plan.bar_start_q(bar) + 3, Fraction(9, 10), 40, 80))]
    [('3', '3/5'), ('11/3', '3/10')]
    """
    bar = plan.bar_at(note.start_q)
    variant = phrase_end(plan, bar)
    beat = plan.in_bar_q(note.start_q)
    bar_q = plan.bar_length_q(bar)
    if variant == "thin" and beat == bar_q - 1 and bar_q > 2:
        return []
    if variant == "thin" and beat == bar_q - 2 and bar_q > 2:
        return [NoteEvent(note.start_q, note.length_q + 1, note.pitch, note.velocity)]
    skip = WALKING_SKIPS.get(variant)
    if skip is None or beat != skip % bar_q:
        return [note]
    ghost = max(1, note.velocity - 14)
    return [NoteEvent(note.start_q, SKIP * Fraction(9, 10), note.pitch, note.velocity),
            NoteEvent(note.start_q + SKIP, (1 - SKIP) * Fraction(9, 10), note.pitch, ghost)]


def _tonic_drone(plan: Plan, floor: int, rng: random.Random) -> list[NoteEvent]:
    """The key's tonic and its fifth, held through each section (struck again where the key lifts)."""
    notes: list[NoteEvent] = []
    for section in plan.sections:
        starts = [section.start_q]
        if plan.lift_q is not None and section.start_q < plan.lift_q < section.end_q:
            starts.append(plan.lift_q)
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else section.end_q
            end = release_end(plan, end) if end >= plan.music_q else end
            tonic = in_register(pitch_class(plan.key_at(start)[0]), floor)
            velocity = velocity_for("bass", energy_at(plan, start), rng, 4)
            notes += [NoteEvent(start, end - start, tonic, velocity), NoteEvent(start, end - start, tonic + 7, velocity)]
    return notes


# --- a long piece's bass over its scenes -----------------------------------------------------


def scene_figures(plan: Plan, chords: list[ChordSpan], notes: list[NoteEvent], floor: int,
                  rng: random.Random) -> list[NoteEvent]:
    """A long piece's bass as a player varies it over minutes (arrangement.toml [bass.figures],
    those its pattern allows): laid back in a scene that rests other parts, a run into each new
    section, and the chord changes pushed an eighth early in every other full scene. A piece
    without scenes plays its bass as written."""
    figures = arrangement_data().bass_figures[plan.bass_pattern]
    if not plan.scenes or not figures:
        return notes
    by_bar: dict[int, list[NoteEvent]] = {}
    for note in notes:
        by_bar.setdefault(plan.bar_at(note.start_q), []).append(note)
    last_bars = {plan.bar_at(section.end_q) - 1 for section in plan.sections[:-1]}
    result: list[NoteEvent] = []
    for bar in sorted(by_bar):
        played = by_bar[bar]
        if "lay_back" in figures and _thinned(plan, plan.bar_start_q(bar)):
            played = laid_back(plan, chords, bar, played)
        following = by_bar.get(bar + 1, [])
        if "fill" in figures and bar in last_bars and following and not _rests_at(plan, plan.bar_start_q(bar + 1)):
            played = _filled(plan, bar, played, following[0].pitch, floor, rng)
        result += played
    return _anticipated(plan, chords, result) if "anticipate" in figures else result


def _thinned(plan: Plan, q: Fraction) -> bool:
    """Whether the scene playing at ``q`` rests a part (not one that adds a voice or moves the
    chords: a reggae bed's bass laid back through all of them, its scene variants never heard)."""
    change = scene_change_at(plan, q)
    return change is not None and bool(change.rests)


def _rests_at(plan: Plan, q: Fraction) -> bool:
    """Whether the scene playing at ``q`` rests the bass."""
    return "bass" in plan.scenes[plan.scene_index(q)].resting


def laid_back(plan: Plan, chords: list[ChordSpan], bar: int, notes: list[NoteEvent]) -> list[NoteEvent]:
    """Bar ``bar``'s bass ``notes`` laid back: only those on its strong beats, each held to the
    next (or to its chord's end), a two-feel; a bar that plays only its strong beats already
    takes the dotted figure: its downbeat held a dotted quarter and struck again on the and of
    two (where it sounded that long).

    >>> from composer.composition.plan import Timing
    >>> plan = Timing(Fraction(100), (4, 4), 4, Fraction(0), Fraction(0))
    >>> chord = ChordSpan(Fraction(0), Fraction(8), "I", "T", (0, 4, 7), 0, 36, (48, 52, 55))
    >>> walk = [NoteEvent(Fraction(beat), Fraction(9, 10), 36 + beat, 80) for beat in range(4)]
    >>> [(str(n.start_q), str(n.length_q), n.pitch) for n in laid_back(plan, [chord], 0, walk)]
    [('0', '2', 36), ('2', '2', 38)]
    >>> [(str(n.start_q), str(n.length_q)) for n in laid_back(plan, [chord], 0, [NoteEvent(Fraction(0), Fraction(4), 36, 80)])]
    [('0', '27/20'), ('3/2', '5/2')]
    """
    start, bar_q = plan.bar_start_q(bar), plan.bar_length_q(bar)
    strong = {start, start + bar_q / 2} if bar_q % 2 == 0 else {start}
    kept = [n for n in notes if n.start_q in strong]
    if not kept:
        return notes
    if len(kept) == len(notes):
        first = kept[0]
        again = start + Fraction(3, 2)
        if first.start_q != start or first.end_q < again + EIGHTH or len(kept) > 1:
            return notes
        return [NoteEvent(start, Fraction(3, 2) * Fraction(9, 10), first.pitch, first.velocity),
                NoteEvent(again, first.end_q - again, first.pitch, max(1, first.velocity - 6))]
    starts = [c.start_q for c in chords]
    result = []
    for index, note in enumerate(kept):
        chord = chords[chord_index(starts, note.start_q)]
        until = min(kept[index + 1].start_q if index + 1 < len(kept) else start + bar_q, chord_stop(plan, chord))
        length = until - note.start_q
        result.append(NoteEvent(note.start_q, length * Fraction(9, 10) if length < 2 else length, note.pitch,
                                note.velocity))
    return result


def _filled(plan: Plan, bar: int, notes: list[NoteEvent], target: int, floor: int,
            rng: random.Random) -> list[NoteEvent]:
    """Bar ``bar``'s bass ``notes`` with its last beat a run into ``target``: two eighths on
    the scale tones two steps and one step from it, from the side the line comes from (the
    other where the register ends)."""
    end = plan.bar_start_q(bar + 1)
    run_at = end - 1
    if run_at <= plan.bar_start_q(bar):
        return notes
    before = [NoteEvent(n.start_q, min(n.length_q, run_at - n.start_q), n.pitch, n.velocity)
              for n in notes if n.start_q < run_at]
    coming_from = before[-1].pitch if before else target
    scale = scale_pitch_classes(*plan.key_at(run_at))
    runs = []
    for direction in ((1, -1) if coming_from > target else (-1, 1)):
        tones = [p for p in range(target + direction, target + 6 * direction, direction) if p % 12 in scale][:2]
        if len(tones) == 2 and all(floor <= p <= BASS_RANGE[1] for p in tones):
            runs.append(tones[::-1])
    if not runs:
        return notes
    velocity = velocity_for("bass", energy_at(plan, run_at), rng)
    return [*before, *(NoteEvent(run_at + index * EIGHTH, EIGHTH * Fraction(9, 10), pitch, velocity - 4 * (1 - index))
                       for index, pitch in enumerate(runs[0]))]


def _anticipated(plan: Plan, chords: list[ChordSpan], notes: list[NoteEvent]) -> list[NoteEvent]:
    """``notes`` with, in every other full scene after the first (a pushed chorus), each new
    root that the bass strikes on a barline pushed an eighth ahead and tied over it (a note the
    bar before struck in that eighth gives way); the last chord is left where it falls."""
    fulls = [scene for scene in plan.scenes if scene.change == "full"]
    pushed = [scene for rank, scene in enumerate(fulls) if rank % 2 == 1]
    changes = {c.start_q for position, c in enumerate(chords)
               if 0 < position < len(chords) - 1 and c.root_pc != chords[position - 1].root_pc}
    moves = {n.start_q for n in notes if n.start_q in changes and plan.in_bar_q(n.start_q) == 0
             and any(s.start_q < n.start_q < s.end_q for s in pushed)}
    if not moves:
        return notes
    ordered = sorted(moves)
    result = []
    for note in notes:
        after = bisect.bisect_right(ordered, note.start_q)  # the first move after the note's start
        if after < len(ordered) and ordered[after] - EIGHTH <= note.start_q:
            continue  # struck in the eighth a push takes
        beyond = bisect.bisect_right(ordered, note.start_q + EIGHTH)  # the first push whose eighth starts after it
        if beyond < len(ordered) and ordered[beyond] - EIGHTH < note.end_q:
            note = NoteEvent(note.start_q, ordered[beyond] - EIGHTH - note.start_q, note.pitch, note.velocity)
        if note.start_q in moves:
            note = NoteEvent(note.start_q - EIGHTH, note.length_q + EIGHTH, note.pitch, note.velocity)
        result.append(note)
    return result
