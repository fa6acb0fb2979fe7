"""The line: slots written as pitches one after another, each the nearest to what the motif
wishes that keeps the melodic rules.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random

from composer.base.exact import Fraction
from composer.base.theory import parallel_perfect, pitch_class, scale_pitch_classes
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.melody.motif import style_cells
from composer.composition.melody.notes import MelodyNote, Motif, is_strong
from composer.composition.melody.phrases import EIGHTH, Slot, anticipate, cadence_breath, rhythmic_variant
from composer.composition.plan import Plan

TRITONE = 6
LARGE_LEAP = 7
#: Semitones a leap into a statement weighs, against the distance from the arch's point.
JOIN_LEAP_COST = 2
#: Semitones the melody keeps under its range's top outside a climax, so that the climax alone
#: reaches it (a planned peak, not a top every section touches): at least this many, and in a
#: wide range all above the lowest ``UNDER_CLIMAX_SPAN`` semitones. Four, not three: in a horn's
#: narrow range (E4–F5) three left the climax one chord tone or none above the rest, and its
#: drafts missed the peak in one seed of five.
CLIMAX_HEADROOM = 4
UNDER_CLIMAX_SPAN = 14


def _onset(placed: tuple[Fraction, int, str]) -> Fraction:
    """A placed statement's onset (its sort key)."""
    return placed[0]


def _on_the_barline(plan: Plan, slots: list[Slot]) -> list[Slot]:
    """The phrase with its anticipated last note (the cadence tone, an eighth before the chord
    it belongs to) struck on that chord's barline instead, the note before it held up to it:
    ``anticipate`` undone (a reggaeton bed's returning phrases kept four bar-rhythms)."""
    before, last = slots[-2], slots[-1]
    early = (last.heard_q or last.start_q) - last.start_q
    held = before.length_q + early
    return slots[:-2] + [
        dataclasses.replace(before, length_q=held, strong=is_strong(plan.in_bar_q(before.start_q), held, plan.bar_q)),
        dataclasses.replace(last, start_q=last.start_q + early, length_q=last.length_q - early, heard_q=None,
                            strong=True)]


class Line:
    """Writes slots as pitches one after another, keeping the melodic rules."""

    def __init__(self, plan: Plan, chords: list[ChordSpan], low: int, high: int) -> None:
        self.chords = chords
        self.starts = [c.start_q for c in chords]
        self._chord_at: dict[Fraction, ChordSpan] = {}
        self.low, self.high = low, high
        self.plan = plan
        #: the climax sections, where the melody may reach ``high``; elsewhere it stays under
        #: ``ceiling`` (all of the range in a piece without a climax)
        self.climaxes = [(s.start_q, s.end_q) for s in plan.sections if s.name == "climax"]
        self.ceiling = min(high - CLIMAX_HEADROOM, low + UNDER_CLIMAX_SPAN) if self.climaxes else high
        #: (onset, notes, development) of every statement (or extension) placed whole, so its
        #: shape is heard exactly
        self.placed: list[tuple[Fraction, int, str]] = []
        self.notes: list[MelodyNote] = []
        self.strong_beats = 0
        self.accented = 0
        #: chord tones under the next note, so a non-chord tone is only written where it can resolve
        self.next_tones: set[int] | None = None

    def chord_at(self, q: Fraction) -> ChordSpan:
        """The chord sounding at ``q`` (looked up once per onset: drafting asks for the same
        onsets again and again, and a bisection over Fractions is the drafts' largest cost)."""
        chord = self._chord_at.get(q)
        if chord is None:
            chord = self._chord_at[q] = self.chords[chord_index(self.starts, q)]
        return chord

    def harmony(self, slot: Slot) -> ChordSpan:
        """The chord a slot's note belongs to: the one at its onset, or the one it anticipates."""
        return self.chord_at(slot.start_q if slot.heard_q is None else slot.heard_q)

    def in_climax(self, q: Fraction) -> bool:
        return any(start <= q < end for start, end in self.climaxes)

    def top(self, q: Fraction) -> int:
        """The highest pitch the melody may take at ``q``: its range's top in a climax only."""
        return self.high if self.in_climax(q) else self.ceiling

    def harmony_between(self, start_q: Fraction, end_q: Fraction) -> tuple[tuple[Fraction, Fraction, str], ...]:
        """The chords starting in a phrase as (onset from the phrase start, length, figure):
        equal for a phrase that brings back an earlier one's harmony, in whatever key."""
        first, last = bisect.bisect_left(self.starts, start_q), bisect.bisect_left(self.starts, end_q)
        return tuple((c.start_q - start_q, c.length_q, c.figure) for c in self.chords[first:last])

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

    def write(self, slots: list[Slot], previous: int) -> int:
        """Write one phrase's slots, starting near ``previous``; returns the last pitch.

        A statement of the motif is placed whole: its contour moved up or down the scale to
        where its strong notes are chord tones and every move keeps the rules, so the listener
        hears the same shape again. An extension is placed with the statement it carries on. A
        statement (with its extension) that does not fit whole is placed bar by bar, its last
        bar cut off first; where no placement fits, its notes are chosen one by one.
        """
        home = previous
        position = 0
        slots = list(slots)
        while position < len(slots):
            slot = slots[position]
            target = self._wished(slot, previous, home)
            group = [slot]
            if slot.statement:
                while position + len(group) < len(slots) and not (
                        slots[position + len(group)].statement or slots[position + len(group)].cadence):
                    group.append(slots[position + len(group)])
            placed = self._place(group, target, slots[position + len(group):]) if slot.statement else None
            bars = [self.plan.bar_at(m.start_q) for m in group]
            while placed is None and slot.statement and bars[-1] != bars[0]:
                cut = bars.index(bars[-1])
                slots[position + cut] = dataclasses.replace(slots[position + cut], statement=True)
                group, bars = group[:cut], bars[:cut]
                placed = self._place(group, target, slots[position + cut:])
            if placed is not None:
                self._record(group)
            for index, member in enumerate(group):
                self.strong_beats += member.strong
                if placed is None:
                    self._prepare(member, slots[position + index + 1:])
                    wished = target if index == 0 else self._wished(member, previous, home)
                    pitch = self._choose(member, self.harmony(member), self._scale_at(member), wished)
                else:
                    pitch = placed[index]
                self.notes.append(MelodyNote(member.start_q, member.length_q, pitch))
                if member.anchor == 0:
                    home = pitch  # the arch is measured from where the phrase really began
                previous = pitch
            position += len(group)
        return previous

    def repeat(self, earlier_q: Fraction, first: int, count: int, tonic_pc: int, start_q: Fraction,
               cadence: tuple[Fraction, bool] | None = None, restate: random.Random | None = None) -> bool:
        """Sing again, from ``start_q``, the ``count`` notes from index ``first`` that an earlier
        phrase over the same chords sang at ``earlier_q`` (moved into the key in force, e.g.
        after a lift), if every rule still holds at the join; the motif's statements in it are
        heard again too. A ``cadence`` (rest, anticipated) varies its rhythm: a last note on a
        downbeat (the cadence tone) stops ``rest`` short of the barline, and comes an eighth
        early if anticipated; with ``restate`` (the phrase's generator) its second statement
        of the motif is varied in rhythm (neither in a phrase that extends or diminishes the
        motif). False, and nothing written, otherwise."""
        shift = (pitch_class(self.plan.key_at(start_q)[0]) - tonic_pc + 6) % 12 - 6
        notes = [MelodyNote(n.start_q - earlier_q + start_q, n.length_q, n.pitch + shift)
                 for n in self.notes[first : first + count]]
        if not notes or not all(self.low <= n.pitch <= self.top(n.start_q) for n in notes):
            return False
        bar_q = self.plan.bar_q
        slots = [Slot(n.start_q, n.length_q, 0, is_strong(self.plan.in_bar_q(n.start_q), n.length_q, bar_q),
                      heard_q=self._anticipated(n)) for n in notes]
        phrase_end = earlier_q + (notes[-1].start_q - start_q) + notes[-1].length_q
        # the statements are placed in time order: the earlier phrase's are found by bisection (a
        # scan of all of them for each return grew with the square of a long piece's length)
        within = self.placed[bisect.bisect_left(self.placed, earlier_q, key=_onset):
                             bisect.bisect_left(self.placed, phrase_end, key=_onset)]
        placed = [(q - earlier_q + start_q, size, kind) for q, size, kind in within]
        pitches = [n.pitch for n in notes]
        if any(kind in ("extension", "diminution") for _, _, kind in placed):
            cadence = restate = None  # a development's notes are heard exactly as placed
        if restate is not None:
            slots, pitches, placed = self._restated(slots, pitches, placed, restate)
        if cadence is not None and self.plan.scenes and len(slots) > 1 and slots[-1].heard_q is not None:
            slots = _on_the_barline(self.plan, slots)  # a long piece's anticipated cadence may come back on time
        # a cadence tone that breathes: one held within a beat of the barline, or in a long piece
        # any of a beat or more (a flamenco bed's half-note cadence came back alike for minutes)
        shortest_q = Fraction(1) if self.plan.scenes else bar_q - 1
        if (cadence is not None and len(slots) > 1 and self.plan.in_bar_q(slots[-1].start_q) == 0
                and shortest_q <= slots[-1].length_q < bar_q):
            rest, anticipated = cadence
            slots[-1] = dataclasses.replace(slots[-1], length_q=bar_q - cadence_breath(self.plan, rest))
            if anticipated:
                slots = anticipate(self.plan, slots)
        if not self._keeps_rules(slots, pitches, []):
            return False
        self.strong_beats += sum(slot.strong for slot in slots)
        self.placed += placed
        self.notes += [MelodyNote(slot.start_q, slot.length_q, pitch) for slot, pitch in zip(slots, pitches)]
        return True

    def _anticipated(self, note: MelodyNote) -> Fraction | None:
        """The barline a note anticipates (it starts an eighth before it and is held over it),
        whose chord it belongs to; None for any other note."""
        to_barline = self.plan.bar_q - self.plan.in_bar_q(note.start_q)
        return note.start_q + to_barline if to_barline == EIGHTH and note.length_q > EIGHTH else None

    def _restated(self, slots: list[Slot], pitches: list[int], placed: list[tuple[Fraction, int, str]],
                  rng: random.Random) -> tuple[list[Slot], list[int], list[tuple[Fraction, int, str]]]:
        """The phrase's slots and pitches with its second statement (of the motif or its
        inversion, not the phrase's last notes; in a long piece any one, drawn) varied in rhythm
        as ``rhythmic_variant`` varies a motif, its pitches kept (a note struck twice sings its
        pitch twice; in a long piece a strong one off its new chord sings the nearest chord tone:
        ``_on_chord``), and recorded so; unchanged where it has none or cannot be varied."""
        onsets = [slot.start_q for slot in slots]
        long_piece = bool(self.plan.scenes)
        # a long piece varies a statement already varied too (a polka bed's tune kept five bar-rhythms)
        kinds = ("", "inversion", "variation", "syncopation", "displacement") if long_piece else ("", "inversion")
        stated = [(i, q, size) for i, (q, size, kind) in enumerate(placed) if kind in kinds]
        # a long piece varies any statement (a trap bed's phrase of one statement and a held
        # cadence came back unchanged 35 times in five minutes)
        for index, q, size in [rng.choice(stated)] if long_piece and stated else stated[1:2]:
            first = onsets.index(q)
            if first + size >= len(slots):
                break
            # a contour of single steps: the varied motif's steps say which note each new one sings
            lengths = tuple(slot.length_q for slot in slots[first : first + size])
            varied, kind, rest = rhythmic_variant(Motif(lengths, (1,) * (size - 1)), rng, style_cells(self.plan),
                                                  long_piece, own=long_piece)  # in the style's own bars
            if not kind:
                break
            sources = [first + s for s in itertools.accumulate(varied.steps, initial=0)]
            starts = itertools.accumulate(varied.rhythm[:-1], initial=q + rest)
            bar_q = self.plan.bar_q
            moved = [Slot(start, length, 0, is_strong(self.plan.in_bar_q(start), length, bar_q))
                     for start, length in zip(starts, varied.rhythm)]
            placed = placed[:index] + [(q + rest, len(moved), kind)] + placed[index + 1:]
            sung = [pitches[s] for s in sources]
            if long_piece:  # a long piece re-sings a strong note its new place puts off the chord
                sung = [self._on_chord(slot, pitch) if slot.strong else pitch for slot, pitch in zip(moved, sung)]
            return slots[:first] + moved + slots[first + size:], pitches[:first] + sung + pitches[first + size:], placed
        return slots, pitches, placed

    def _on_chord(self, slot: Slot, pitch: int) -> int:
        """``pitch``, or where it is not a tone of the chord under ``slot`` the nearest that is
        (the lower of two as near), within the melody's range there: a varied restatement that
        moves a passing note onto a strong beat sings a chord tone there, where keeping every
        pitch was refused by the rules (a trap bed's melody kept four bar-rhythms)."""
        chord = self.harmony(slot)
        if pitch % 12 in chord.pitch_classes:
            return pitch
        near = self._chord_tones(chord, self.top(slot.start_q))
        return min(near, key=lambda p: (abs(p - pitch), p)) if near else pitch

    def _chord_tones(self, chord: ChordSpan, top: int) -> list[int]:
        """Every pitch of ``chord``'s tones from the range's bottom up to ``top``."""
        return [p for p in range(self.low, top + 1) if p % 12 in chord.pitch_classes]

    def state(self) -> tuple[int, int, int, int]:
        """What ``restore`` needs to take back everything written after this call."""
        return len(self.notes), len(self.placed), self.strong_beats, self.accented

    def restore(self, state: tuple[int, int, int, int]) -> None:
        """Take back the notes (and what they counted) written since ``state``."""
        notes, placed, self.strong_beats, self.accented = state
        del self.notes[notes:], self.placed[placed:]

    def _record(self, group: list[Slot]) -> None:
        """Note a group placed whole: its statement, and the extension that carries it on (an
        extension cut off from its statement is placed, but extends nothing)."""
        extension = next((i for i, m in enumerate(group) if m.development == "extension"), len(group))
        if extension:
            self.placed.append((group[0].start_q, extension, group[0].development))
        if 0 < extension < len(group):
            self.placed.append((group[extension].start_q, len(group) - extension, "extension"))

    def _scale_at(self, slot: Slot) -> list[int]:
        return self.scale_for(self.harmony(slot))

    def _prepare(self, slot: Slot, rest: list[Slot]) -> None:
        """Note the chord tones under the following note, which a non-chord tone must reach by step."""
        self.next_tones = set(self.harmony(rest[0]).pitch_classes) if rest else None

    def _wished(self, slot: Slot, previous: int, home: int) -> int:
        """The pitch the motif and the phrase's arch ask for, before the rules have their say."""
        scale = self._scale_at(slot)
        if slot.anchor is not None:  # toward the arch's point, at most two steps at a time
            here = bisect.bisect_left(scale, previous)
            index = here + max(-2, min(2, bisect.bisect_left(scale, home) + slot.anchor - here))
        else:
            index = bisect.bisect_left(scale, previous) + slot.step
        return scale[max(0, min(len(scale) - 1, index))]

    def _place(self, group: list[Slot], target: int, rest: list[Slot]) -> list[int] | None:
        """Pitches for a whole statement: the motif's contour from the chord tone nearest
        ``target`` that lets every note keep the rules, or None if none does."""
        chord = self.harmony(group[0])
        starts = self._chord_tones(chord, self.top(group[0].start_q))
        previous = self.notes[-1].pitch if self.notes else target
        # nearest the arch's point, but a join by step keeps the line singing: a leap costs more
        for start in sorted(starts, key=lambda p: (abs(p - target) + (JOIN_LEAP_COST if abs(p - previous) > 2 else 0), p)):
            pitches = self._contour(start, group)
            if pitches is not None and self._keeps_rules(group, pitches, rest):
                return pitches
        return None

    def _contour(self, start: int, group: list[Slot]) -> list[int] | None:
        """The motif's scale steps walked from ``start`` (through each note's own scale)."""
        pitches = [start]
        for slot in group[1:]:
            scale = self._scale_at(slot)
            previous = pitches[-1]
            index = bisect.bisect_left(scale, previous)
            if slot.step == 0:
                pitch = previous
            elif slot.chromatic and slot.step == -1:
                pitch = previous - 1  # the lower neighbour a semitone below, whatever the scale
            else:
                on_scale = index < len(scale) and scale[index] == previous
                index += slot.step - (1 if slot.step > 0 and not on_scale else 0)
                if not 0 <= index < len(scale):
                    return None
                pitch = scale[index]
            if not self.low <= pitch <= self.top(slot.start_q):
                return None
            pitches.append(pitch)
        return pitches

    def _keeps_rules(self, group: list[Slot], pitches: list[int], rest: list[Slot]) -> bool:
        """Whether the statement keeps every rule: strong notes on chord tones, and each move
        as the note-by-note writer requires. Tried on the line, then taken back."""
        written = len(self.notes)
        try:
            for index, (slot, pitch) in enumerate(zip(group, pitches)):
                chord = self.harmony(slot)
                if slot.strong and pitch % 12 not in chord.pitch_classes:
                    return False
                if index and group[index - 1].chromatic and pitch % 12 not in chord.pitch_classes:
                    return False  # a chromatic neighbour resolves to a chord tone
                self._prepare(slot, (group[index + 1:] + rest))
                if not self._all_rules(pitch, chord):
                    return False
                self.notes.append(MelodyNote(slot.start_q, slot.length_q, pitch))
            return True
        finally:
            del self.notes[written:]

    def _choose(self, slot: Slot, chord: ChordSpan, scale: list[int], wished: int) -> int:
        if self._appoggiatura_allowed(slot, chord, wished):
            return wished
        if slot.cadence:
            tones = {chord.root_pc, chord.pitch_classes[1] if len(chord.pitch_classes) > 1 else chord.root_pc}
        elif slot.strong:
            tones = set(chord.pitch_classes)
        else:
            tones = {p % 12 for p in scale}
        top = self.top(slot.start_q)
        candidates = [p for p in range(self.low, top + 1) if p % 12 in tones]
        chord_tones = self._chord_tones(chord, top)
        scale_tones = [p for p in scale if self.low <= p <= top]
        # a cadence may end on the fifth when the root and third cannot be reached smoothly; a
        # strong beat may fall back to any scale tone rather than break an essential rule
        pools = ((candidates, True), (chord_tones, True), (candidates, False), (chord_tones, False),
                 (scale_tones, False))
        for pool, strict in pools:
            allowed = [p for p in pool if (self._all_rules(p, chord) if strict else self._essential_rules(p, chord))]
            if allowed:
                return min(allowed, key=lambda p: (abs(p - wished), p))
        return self.notes[-1].pitch  # held over: oblique motion breaks none of the rules

    def _appoggiatura_allowed(self, slot: Slot, chord: ChordSpan, wished: int) -> bool:
        """A strong-beat step onto a non-chord tone (appoggiatura or accented passing tone) is
        allowed while fewer than one strong beat in ten carries one; it must resolve by step,
        which the next note's rules then require."""
        if not slot.strong or slot.cadence or not self.notes or wished % 12 in chord.pitch_classes:
            return False
        if not 0 < abs(wished - self.notes[-1].pitch) <= 2 or not self.low <= wished <= self.top(slot.start_q):
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
