"""Melody: a one-bar motif stated, sequenced and varied over the chords, phrase by phrase.

Each four-bar phrase states the motif, sequences it a step higher or lower over the next chord,
fragments it, and breathes on a long, stable cadence tone. The motif gives each note a wished-for
scale step; the pitch actually written is the nearest one that keeps the rules:

- strong beats sit on chord tones, cadences on the chord's root or third;
- a non-chord tone is left by step;
- no leap larger than a fifth where anything else fits, and such a leap turns back;
- no tritone and no augmented second (a three-semitone move onto or from a chromatic note);
- no parallel fifths or octaves with the bass.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from fractions import Fraction

from composer.harmony import ChordSpan, harmony_data, parallel_perfect, scale_pitch_classes
from composer.plan import Plan
from composer.tables import gm_ranges

#: Melody ranges (MIDI notes): above the speaking voice (G3–C5) for underscores, else D4–A5.
MELODY_RANGE = {"underscore": (74, 88)}
DEFAULT_MELODY_RANGE = (62, 81)
TRITONE = 6
LARGE_LEAP = 7


@dataclass(frozen=True)
class MelodyNote:
    """A melody note: onset and length in quarter notes, MIDI pitch."""

    start_q: Fraction
    length_q: Fraction
    pitch: int


@dataclass(frozen=True)
class Motif:
    """The theme's cell: a rhythm (quarter-note lengths) and a contour (scale steps between notes)."""

    rhythm: tuple[Fraction, ...]
    steps: tuple[int, ...]


@dataclass(frozen=True)
class Theme:
    """The motif and the melody built from it, with the onsets where the motif is stated."""

    motif: Motif
    notes: tuple[MelodyNote, ...]
    statements_q: tuple[Fraction, ...]


@dataclass(frozen=True)
class _Slot:
    """A note to write: when, how long, the scale step wished from the previous note, and its role."""

    start_q: Fraction
    length_q: Fraction
    step: int
    strong: bool
    cadence: bool = False
    #: where the phrase's arch wants this note: scale steps above the phrase's first note
    anchor: int | None = None


def melody_range(plan: Plan) -> tuple[int, int]:
    """The melody's range: brighter and more energetic moods sit higher, darker and calmer
    ones lower (up to a major third either way); an underscore stays above the voice."""
    if plan.kind in MELODY_RANGE:
        low, high = MELODY_RANGE[plan.kind]
    else:
        shift = max(-4, min(4, round(2 * plan.brief.valence + 2 * plan.brief.arousal)))
        low, high = DEFAULT_MELODY_RANGE[0] + shift, DEFAULT_MELODY_RANGE[1] + shift
    player = next((r.program for r in plan.roles if r.role == "melody"), None)
    if player is None:
        return low, high
    # inside the instrument's comfortable range; if that leaves less than an octave, an octave
    # below the instrument's top
    instrument_low, instrument_high = gm_ranges()[player]
    high, low = min(high, instrument_high), max(low, instrument_low)
    return (low, high) if high - low >= 12 else (high - 12, high)


def make_motif(plan: Plan, rng: random.Random) -> Motif:
    """A one-bar cell: a rhythm that suits the mood, a contour of mostly steps with a leap or
    two, each leap answered by a step the other way."""
    rhythms = harmony_data()["rhythms"]
    cells = rhythms.get(str(plan.bar_q), rhythms["4"])
    arousal = plan.brief.arousal
    mood = "calm" if arousal < -0.3 or plan.kind == "underscore" else ("lively" if arousal > 0.45 else "moving")
    rhythm = tuple(Fraction(x).limit_denominator(16) for x in rng.choice(cells[mood]))
    if sum(rhythm) != plan.bar_q:  # no cell for this meter: even beats
        rhythm = (Fraction(1),) * max(1, int(plan.bar_q))
    moves = len(rhythm) - 1
    steps: list[int] = []
    leap_at = rng.randrange(moves - 1) if moves >= 3 else -1  # longer cells get one leap for shape
    while len(steps) < moves:
        if moves - len(steps) >= 2 and (len(steps) == leap_at or rng.random() < 0.2):
            leap = rng.choice((2, 3, -2, 3))
            steps += [leap, -1 if leap > 0 else 1]  # a leap, then a step back
        else:
            steps.append(rng.choice((1, 1, -1, -1, 0)))
    if steps and all(s == 0 for s in steps):
        steps[0] = 1
    return Motif(rhythm, tuple(_balanced(steps)))


def _balanced(steps: list[int]) -> list[int]:
    """The contour with its net rise or fall cut to at most one step, by turning single steps
    round (last first), so that repeating the motif does not climb out of the range.

    >>> _balanced([1, 1, 1, 1])
    [1, 1, -1, -1]
    """
    result = list(steps)
    for index in reversed(range(len(result))):
        if abs(sum(result)) <= 1:
            break
        if abs(result[index]) == 1 and (result[index] > 0) == (sum(result) > 0):
            result[index] = -result[index]
    return result


def make_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> Theme:
    """The melody over ``chords``: silent in intros and stingers, motif-led everywhere else."""
    motif = make_motif(plan, rng)
    low, high = melody_range(plan)
    line = _Line(plan, chords, low, high)
    statements: list[Fraction] = []
    centre = (low + high) // 2
    pitch = centre
    for section in plan.sections:
        if section.name in ("intro", "pickup", "hit"):
            continue
        bars = int(section.length_q / plan.bar_q)
        for first_bar in range(0, bars, 4):
            if plan.kind == "underscore" and (first_bar // 4) % 2 == 1:
                continue  # an underscore leaves every other phrase to the voice
            start = section.start_q + first_bar * plan.bar_q
            slots = _phrase_slots(plan, motif, start, min(4, bars - first_bar), rng)
            pitch = line.write(slots, (pitch + centre) // 2)  # each phrase leans back to the middle
            statements.append(start)
    return Theme(motif, tuple(line.notes), tuple(statements))


def _phrase_slots(plan: Plan, motif: Motif, start_q: Fraction, bars: int, rng: random.Random) -> list[_Slot]:
    """Statement, sequence, fragment at the phrase's high point, then a long cadence tone.

    The bars' first notes follow an arch: the start, the sequence a step or two up, the climax
    three or four steps up, and home (or just below it) for the cadence.
    """
    slots: list[_Slot] = []
    sequence_step = rng.choice((1, 2, -1))
    arch = (0, sequence_step, rng.choice((3, 4)), rng.choice((0, -1, -2)))
    for bar in range(bars):
        bar_q = start_q + bar * plan.bar_q
        if bar == bars - 1 and bars > 1:
            length = plan.bar_q if plan.kind == "underscore" or plan.bar_q <= 3 else plan.bar_q - 1
            # the phrase breathes after its cadence tone
            slots.append(_Slot(bar_q, length, 0, True, cadence=True, anchor=arch[3]))
            continue
        rhythm, steps = list(motif.rhythm), list(motif.steps)
        if bar == 2 and len(rhythm) > 2:  # fragmentation: the head of the motif, then a held tone
            half = len(rhythm) // 2
            rhythm = rhythm[:half] + [sum(rhythm[half:], Fraction(0))]
            steps = steps[:half]
        onset = bar_q
        for index, length in enumerate(rhythm):
            offset = onset - plan.pickup_q
            on_beat = offset % plan.bar_q == 0 or (plan.bar_q == 4 and offset % plan.bar_q == 2)
            strong = on_beat or length >= Fraction(3, 2)  # a long note is heard as harmony
            if index == 0:
                slots.append(_Slot(onset, length, 0, strong, anchor=arch[min(bar, 2)]))
            else:
                slots.append(_Slot(onset, length, steps[index - 1], strong))
            onset += length
    return slots


class _Line:
    """Writes slots as pitches one after another, keeping the melodic rules."""

    def __init__(self, plan: Plan, chords: list[ChordSpan], low: int, high: int) -> None:
        self.chords = chords
        self.starts = [c.start_q for c in chords]
        self.low, self.high = low, high
        self.plan = plan
        self.notes: list[MelodyNote] = []
        self.strong_beats = 0
        self.accented = 0
        #: chord tones under the next note, so a non-chord tone is only written where it can resolve
        self.next_tones: set[int] | None = None

    def chord_at(self, q: Fraction) -> ChordSpan:
        return self.chords[max(0, bisect.bisect_right(self.starts, q) - 1)]

    def diatonic(self, chord: ChordSpan) -> frozenset[int]:
        """The scale of the key in force under ``chord`` (the lifted key after a lift)."""
        return scale_pitch_classes(*self.plan.key_at(chord.start_q))

    def scale_for(self, chord: ChordSpan) -> list[int]:
        """The key's scale with the chord's own tones: a chromatic chord tone (the raised leading
        tone in minor, a borrowed flat sixth) replaces the scale notes a semitone from it."""
        diatonic = self.diatonic(chord)
        pcs = set(diatonic)
        for tone in chord.pitch_classes:
            if tone not in diatonic:
                pcs -= {(tone - 1) % 12, (tone + 1) % 12} - set(chord.pitch_classes)
                pcs.add(tone)
        return [p for p in range(self.low - 2, self.high + 3) if p % 12 in pcs]

    def write(self, slots: list[_Slot], previous: int) -> int:
        """Write one phrase's slots, starting near ``previous``; returns the last pitch."""
        home = previous
        for position, slot in enumerate(slots):
            self.strong_beats += slot.strong
            following = slots[position + 1] if position + 1 < len(slots) else None
            self.next_tones = set(self.chord_at(following.start_q).pitch_classes) if following else None
            chord = self.chord_at(slot.start_q)
            scale = self.scale_for(chord)
            if slot.anchor is not None:  # toward the arch's point, at most two steps at a time
                here = bisect.bisect_left(scale, previous)
                index = here + max(-2, min(2, bisect.bisect_left(scale, home) + slot.anchor - here))
            else:
                index = bisect.bisect_left(scale, previous) + slot.step
            wished = scale[max(0, min(len(scale) - 1, index))]
            pitch = self._choose(slot, chord, scale, wished)
            self.notes.append(MelodyNote(slot.start_q, slot.length_q, pitch))
            if slot.anchor == 0:
                home = pitch  # the arch is measured from where the phrase really began
            previous = pitch
        return previous

    def _choose(self, slot: _Slot, chord: ChordSpan, scale: list[int], wished: int) -> int:
        if self._appoggiatura_allowed(slot, chord, wished):
            return wished
        if slot.cadence:
            tones = {chord.root_pc, chord.pitch_classes[1] if len(chord.pitch_classes) > 1 else chord.root_pc}
        elif slot.strong:
            tones = set(chord.pitch_classes)
        else:
            tones = {p % 12 for p in scale}
        candidates = [p for p in range(self.low, self.high + 1) if p % 12 in tones]
        chord_tones = [p for p in range(self.low, self.high + 1) if p % 12 in chord.pitch_classes]
        scale_tones = [p for p in scale if self.low <= p <= self.high]
        # a cadence may end on the fifth when the root and third cannot be reached smoothly; a
        # strong beat may fall back to any scale tone rather than break an essential rule
        pools = ((candidates, True), (chord_tones, True), (candidates, False), (chord_tones, False),
                 (scale_tones, False))
        for pool, strict in pools:
            allowed = [p for p in pool if (self._all_rules(p, chord) if strict else self._essential_rules(p, chord))]
            if allowed:
                return min(allowed, key=lambda p: (abs(p - wished), p))
        return self.notes[-1].pitch  # held over: oblique motion breaks none of the rules

    def _appoggiatura_allowed(self, slot: _Slot, chord: ChordSpan, wished: int) -> bool:
        """A strong-beat step onto a non-chord tone (appoggiatura or accented passing tone) is
        allowed while fewer than one strong beat in ten carries one; it must resolve by step,
        which the next note's rules then require."""
        if not slot.strong or slot.cadence or not self.notes or wished % 12 in chord.pitch_classes:
            return False
        if not 0 < abs(wished - self.notes[-1].pitch) <= 2 or not self.low <= wished <= self.high:
            return False
        if self.notes[-1].pitch % 12 not in self.chord_at(self.notes[-1].start_q).pitch_classes:
            return False  # never two non-chord tones in a row
        if (self.accented + 1) / self.strong_beats > 0.1 or not self._all_rules(wished, chord):
            return False
        self.accented += 1
        return True

    def _essential_rules(self, pitch: int, chord: ChordSpan) -> bool:
        """Never a tritone or an augmented second, never beyond an octave, never parallel
        fifths or octaves with the bass."""
        if not self.notes:
            return True
        previous = self.notes[-1]
        move = abs(pitch - previous.pitch)
        diatonic = self.diatonic(chord)
        chromatic = pitch % 12 not in diatonic or previous.pitch % 12 not in diatonic
        parallel = parallel_perfect(self.chord_at(previous.start_q).bass, previous.pitch, chord.bass, pitch)
        return move != TRITONE and move <= 12 and not (move == 3 and chromatic) and not parallel

    def _all_rules(self, pitch: int, chord: ChordSpan) -> bool:
        """The essential rules, no leap beyond a fifth, a non-chord tone only where the next
        chord lets it resolve by step, a non-chord tone left by step, and a large leap (where
        one was unavoidable) turned back."""
        if not self._essential_rules(pitch, chord) or not self.notes:
            return self._essential_rules(pitch, chord)
        if pitch % 12 not in chord.pitch_classes and self.next_tones is not None:
            if not any((pitch + move) % 12 in self.next_tones and self.low <= pitch + move <= self.high
                       for move in (-2, -1, 1, 2)):
                return False
        previous = self.notes[-1]
        move = pitch - previous.pitch
        if abs(move) > LARGE_LEAP:  # leaps beyond a fifth only when nothing else fits
            return False
        if previous.pitch % 12 not in self.chord_at(previous.start_q).pitch_classes and not 0 < abs(move) <= 2:
            return False
        if len(self.notes) >= 2:
            leap = previous.pitch - self.notes[-2].pitch
            if abs(leap) > LARGE_LEAP and not (move * leap < 0 and abs(move) <= 4):
                return False
        return True

