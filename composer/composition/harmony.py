"""Harmony: functional progressions per phrase, spelled by music21, voice-led for the pad.

Each four-bar phrase walks tonic → predominant → dominant and closes on a cadence: authentic
(V–I) at the end of a section, half (on V) inside one. Chord choices per function are data
(``data/harmony.toml``); music21's ``RomanNumeral`` spells them in the key.

The plan's harmonic vocabulary (styles.HARMONY_VOCABULARIES) says which chords: "triads" is
that grammar as it is; "sevenths" gives its chords their sevenths (and now and then a ninth);
"jazz", "blues", "modal_vamp" and "aeolian_loop" write their own phrases (ii–V–I cadences,
twelve-bar choruses, two-chord vamps, four-chord loops). Outside the triads a ChordSpan's
pitch classes are stacked in thirds from the root (root, third, fifth, seventh, ninth).
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from music21 import roman

from composer.base.exact import Fraction
from composer.composition.grammar import FUNCTIONS, AeolianLoop, Grammar, harmony_data
from composer.composition.plan import Plan, music21_key, scene_change_at
from composer.base.theory import BASS_RANGE, parallel_perfect, scale_pitch_classes

#: Range of the pad voicing (MIDI notes C3..E5).
PAD_RANGE = (48, 76)


@dataclass(frozen=True)
class ChordSpan:
    """One chord of the progression: when it sounds, what it is, and how it is voiced."""

    start_q: Fraction
    length_q: Fraction
    figure: str
    function: str
    pitch_classes: tuple[int, ...]
    root_pc: int
    bass: int
    voicing: tuple[int, ...]
    cadence: str = ""

    @property
    def end_q(self) -> Fraction:
        return self.start_q + self.length_q


@cache
def spell(figure: str, tonic: str, mode: str) -> tuple[tuple[int, ...], int, int]:
    """(pitch classes, root pitch class, bass pitch class) of ``figure`` in the key.

    >>> spell("V7", "A", "minor")
    ((4, 8, 11, 2), 4, 4)
    """
    chord = roman.RomanNumeral(figure, music21_key(tonic, mode))
    return tuple(p.pitchClass for p in chord.pitches), chord.root().pitchClass, chord.bass().pitchClass


def chord_index(starts: Sequence[Fraction], quarters: Fraction) -> int:
    """Index of the chord sounding at ``quarters``, from the chords' (sorted) start times.

    >>> chord_index([Fraction(0), Fraction(4)], Fraction(4)), chord_index([Fraction(0), Fraction(4)], Fraction(3))
    (1, 0)
    """
    return max(0, bisect.bisect_right(starts, quarters) - 1)


@cache
def chord_spelling(figure: str, tonic: str, mode: str) -> dict[int, str]:
    """Pitch-class → note name as ``figure`` spells it in the key, e.g. the A-flat of C major's
    borrowed iv, which the key alone would not name.

    >>> chord_spelling("iv", "C", "major")[8], chord_spelling("V/V", "C", "major")[6]
    ('A-', 'F#')
    """
    return {p.pitchClass: p.name for p in roman.RomanNumeral(figure, music21_key(tonic, mode)).pitches}


@cache
def spelling(tonic: str, mode: str) -> dict[int, str]:
    """Pitch-class → note name in the key: its scale, plus the raised sixth and seventh of minor.

    >>> spelling("A", "minor")[8], spelling("Eb", "major")[10]
    ('G#', 'B-')
    """
    key = music21_key(tonic, mode)
    names = {p.pitchClass: p.name for p in key.getPitches()}
    if mode == "minor":
        for figure in ("V", "IV"):  # harmonic/melodic minor: the leading tone and the raised sixth
            chord = roman.RomanNumeral(figure, key)
            names.update({p.pitchClass: p.name for p in chord.pitches if p.pitchClass not in names})
    return names


def make_harmony(plan: Plan, rng: random.Random) -> list[ChordSpan]:
    """The chord progression of the whole piece in the plan's harmonic vocabulary, voice-led
    from chord to chord (a seventh resolving down by step where the voicing allows)."""
    extended = plan.harmony_vocabulary != "triads"
    figures = _vocabulary_figures(plan, rng) if extended else _figures(plan, rng)
    spans: list[ChordSpan] = []
    previous_bass: int | None = None
    previous_voicing: tuple[int, ...] | None = None
    previous_seventh: int | None = None
    tonic_pc = music21_key(plan.tonic, plan.mode).tonic.pitchClass
    for start, length, figure, function, cadence in figures:
        pcs, root, bass_pc = spell(figure, *plan.key_at(start))
        if extended:
            pcs = stacked(pcs, root)
        if plan.kind == "ambient" and tonic_pc in pcs:
            bass_pc = tonic_pc  # ambient drifts over a tonic pedal wherever the chord holds it
        bass = _place_bass(bass_pc, previous_bass)
        voicing = _voice(pcs, root, bass, previous_voicing, previous_bass, previous_seventh, extended)
        spans.append(ChordSpan(start, length, figure, function, pcs, root, bass, voicing, cadence))
        previous_bass, previous_voicing = bass, voicing
        previous_seventh = seventh_of(pcs, root) if extended else None
    return spans


def stacked(pitch_classes: tuple[int, ...], root: int) -> tuple[int, ...]:
    """A chord's pitch classes in thirds above its root (root, third, fifth, seventh, ninth),
    whatever order music21 lists them in, so the third is always second.

    >>> stacked((2, 7, 11, 5, 9), 7), stacked((0, 2, 4, 7), 0)
    ((7, 11, 2, 5, 9), (0, 4, 7, 2))
    """
    def rank(pc: int) -> int:
        interval = (pc - root) % 12
        return interval + 12 if interval in (1, 2) else interval
    return tuple(sorted(pitch_classes, key=rank))


def seventh_of(pitch_classes: tuple[int, ...], root: int) -> int | None:
    """The chord's seventh (minor or major, above the root), or None for a triad.

    >>> seventh_of((7, 11, 2, 5), 7), seventh_of((0, 4, 7), 0)
    (5, None)
    """
    return next((pc for pc in pitch_classes if (pc - root) % 12 in (10, 11)), None)


#: Chord qualities as semitones above the root, with the suffix a chord symbol gives them.
QUALITIES = {
    (0, 4, 7): "", (0, 3, 7): "m", (0, 3, 6): "dim", (0, 4, 8): "aug", (0, 5, 7): "sus4",
    (0, 4, 7, 11): "maj7", (0, 4, 7, 10): "7", (0, 3, 7, 10): "m7", (0, 3, 6, 10): "ø7", (0, 3, 6, 9): "dim7",
    (0, 3, 7, 11): "m(maj7)", (0, 2, 4, 7): "add9", (0, 2, 3, 7): "m(add9)",
    (0, 2, 4, 7, 11): "maj9", (0, 2, 4, 7, 10): "9", (0, 1, 4, 7, 10): "7b9", (0, 2, 3, 7, 10): "m9",
}


def chord_symbol(figure: str, tonic: str, mode: str) -> str:
    """The lead-sheet symbol of ``figure`` in the key (Cmaj7, Dm7, G7, Bø7, Dm9, G7/B), spelled
    as the chord spells its root.

    >>> [chord_symbol(f, "C", "major") for f in ("I7", "ii7", "V7", "viiø7", "ii9", "V65", "V7/bV")]
    ['Cmaj7', 'Dm7', 'G7', 'Bø7', 'Dm9', 'G7/B', 'Db7']
    >>> chord_symbol("V9", "A", "minor"), chord_symbol("i", "A", "minor")
    ('E7b9', 'Am')
    """
    pcs, root, bass = spell(figure, tonic, mode)
    names = chord_spelling(figure, tonic, mode)
    shape = tuple(sorted({(pc - root) % 12 for pc in pcs}))
    quality = QUALITIES.get(shape, "(" + ",".join(str(i) for i in shape) + ")")
    slash = "" if bass == root else "/" + names[bass].replace("-", "b")
    return names[root].replace("-", "b") + quality + slash


#: A phrase as written: (figure, function, bars, cadence) per chord.
Phrase = list[tuple[str, str, int, str]]
#: A chord as timed: (start, length, figure, function, cadence).
TimedChord = tuple[Fraction, Fraction, str, str, str]


def _figures(plan: Plan, rng: random.Random) -> list[TimedChord]:
    """(start, length, figure, function, cadence) for every chord, phrase by phrase; the last
    chord rings to the end unless the piece loops."""
    data = harmony_data()
    grammar = data.grammar[plan.mode]
    if plan.kind == "stinger":
        return _stinger(plan, grammar, rng)
    writer = _PhraseWriter(plan, grammar)
    for section_index, section in enumerate(plan.sections):
        writer.grammar = data.grammar.get(plan.key_at(section.start_q)[1], grammar)  # a turn's new mode
        start = section.start_q
        lengths = _phrase_lengths(section.name, plan.bar_count(section.start_q, section.end_q))
        for phrase_index, length in enumerate(lengths):
            last = (section_index == len(plan.sections) - 1, phrase_index == len(lengths) - 1)
            phrase = writer.phrase(section_index, section.name, phrase_index, length, last, rng, start)
            for figure, function, slot_bars, cadence in phrase:
                length_q = plan.bars_to_q(start, Fraction(slot_bars))  # a bar of changed meter its own length
                writer.chords.append((start, length_q, figure, function, cadence))
                start += length_q
    chords = writer.chords
    if plan.ending == "button" and plan.tail_s > 0:  # the button: the tonic struck on the final downbeat
        chords.append((plan.music_q, plan.end_q - plan.music_q, writer.grammar.T[0], "T", "authentic"))
    elif plan.ending != "loop" and plan.tail_s > 0:
        start, _, figure, function, cadence = chords[-1]
        chords[-1] = (start, plan.end_q - start, figure, function, cadence)
    return chords


def _phrase_lengths(section: str, bars: int) -> list[int]:
    """Bars per phrase of a section: fours, with the odd bars last, or first in an intro (the
    vamp before the first phrase); never a last phrase of one bar after fours (a lone tonic
    "cadence" whose dominant the phrase before may not have played): 4 + 1 bars are 3 + 2.

    >>> _phrase_lengths("statement", 10), _phrase_lengths("intro", 6), _phrase_lengths("statement", 13)
    ([4, 4, 2], [2, 4], [4, 4, 3, 2])
    """
    if bars % 4 and section == "intro":
        return [bars % 4] + [4] * (bars // 4)
    if bars % 4 == 1 and bars > 4:
        return [4] * (bars // 4 - 1) + [3, 2]
    return [4] * (bars // 4) + ([bars % 4] if bars % 4 else [])


class _PhraseWriter:
    """Chooses each phrase in turn: the intro's tonic vamp, a returning phrase of the first
    statement, one of the style's idioms, or a phrase from the functional grammar."""

    def __init__(self, plan: Plan, grammar: Grammar) -> None:
        data = harmony_data()
        self.plan, self.grammar, self.phrases = plan, grammar, data.phrases
        self.slow = plan.kind in ("ambient", "bed") or plan.tempo_bpm < 70
        self.idioms = [i.split() for i in data.idioms.get(plan.idiom, {}).get(plan.mode, ())]
        self.colour = _Colour(grammar, plan)
        self.chords: list[TimedChord] = []
        #: The first statement's phrases, to return later.
        self.theme: list[Phrase] = []
        self.first_statement = next((i for i, s in enumerate(plan.sections) if s.name == "statement"), None)

    def phrase(self, section_index: int, section: str, index: int, length: int, last: tuple[bool, bool],
               rng: random.Random, start_q: Fraction) -> Phrase:
        """The phrase of ``length`` bars at ``index`` in its section, from ``start_q``; ``last``
        says whether the section is the piece's last and the phrase its section's last."""
        last_section, last_phrase = last
        plan, grammar = self.plan, self.grammar
        # the piece's first phrase, and the first after a turn, open on the (new) tonic
        opening = not self.chords or (index == 0 and any(
            at_q == plan.sections[section_index].start_q for at_q, *_ in plan.key_changes))
        previous = self.chords[-1][2] if self.chords else ""
        self.colour.chords = len(self.chords)
        later = self.first_statement is not None and section_index > self.first_statement
        moved = self._scene_harmony(start_q)  # a scene that changes the harmonic rhythm writes its own phrases
        slow = self.slow if not moved else moved == "slow"
        returning = (_returning_phrase(plan, section, self.theme, length, last_phrase, index)
                     if later and not moved else None)
        if length < 4 and section == "intro":
            phrase: Phrase = [(grammar.T[0], "T", length, "")]  # the vamp rests on the tonic
        elif (returning is not None and not (last_section and last_phrase and plan.ending == "loop")
              and self.colour.allows([figure for figure, *_ in returning])):
            phrase = returning
        elif not last_phrase and length == 4 and self.idioms and moved != "slow" and rng.random() < plan.idiom_share:
            phrase = _idiom(grammar, self.idioms, opening, rng)
        else:
            cadence = self._cadence(last_section and last_phrase, last_phrase, rng)
            phrase = _phrase(grammar, self.phrases, cadence, _slot_bars(length, slow), opening,
                             plan.ending == "loop", previous, self.colour, rng)
        if section_index == self.first_statement:
            self.theme.append(phrase)
        return phrase

    def _scene_harmony(self, start_q: Fraction) -> str:
        """How the scene a phrase starting at ``start_q`` plays in moves its harmony ("quick",
        "slow"), or "" for as the piece does (plan.toml [scenes.changes])."""
        change = scene_change_at(self.plan, start_q)
        return change.harmony if change is not None else ""

    def _cadence(self, final: bool, section_end: bool, rng: random.Random) -> str:
        """The piece's last phrase closes authentically (on a half cadence in a loop, leading
        back to the start); a section's last phrase authentically, others on a half cadence,
        now and then deceptively instead."""
        if final:
            return "half" if self.plan.ending == "loop" else "authentic"
        if section_end:
            return "authentic"
        return "deceptive" if self.grammar.T_deceptive and rng.random() < DECEPTIVE_SHARE else "half"


def _returning_phrase(plan: Plan, section: str, theme: list[Phrase], bars: int, last: bool, index: int) -> Phrase | None:
    """In a thematic piece, the first statement's phrase that a later statement, the climax or
    the ending (all after the first statement) brings back (the A section returning), or None.

    A section's last phrase takes the statement's closing phrase, which ends on its authentic
    cadence; the others take the statement's phrases in order. Only phrases of the same length return.
    """
    if plan.kind != "thematic" or section not in ("statement", "climax", "ending") or not theme:
        return None
    source = theme[-1] if last else theme[index] if index < len(theme) - 1 else None
    if source is None or sum(slot for _, _, slot, _ in source) != bars:
        return None
    return source


#: How often an inner phrase closes deceptively (V–vi) instead of on a half cadence.
DECEPTIVE_SHARE = 0.2
#: How often a chord slot takes a colour chord, and at most one chromatic chord in this many
#: (counted from the start, so a short piece of fewer chords stays in its key).
COLOUR_SHARE = 0.12
CHROMATIC_SPACING = 12


class _Colour:
    """Decides when a slot takes a colour chord: now and then, and chromatic ones (outside the
    key and its usual borrowings) rarely enough that the harmony stays in its key."""

    def __init__(self, grammar: Grammar, plan: Plan) -> None:
        self.grammar = grammar
        self.plan = plan
        self.chords = 0
        self.chromatic = 0

    def pick(self, function: str, following: str, previous: str, rng: random.Random) -> str | None:
        """A colour chord for this slot, or None for a plain one."""
        options = [c for c in self.grammar.colours(function)
                   if c != previous and (following == "D" or not _needs_dominant(c))]
        if not options or rng.random() >= COLOUR_SHARE:
            return None
        figure = rng.choice(options)
        if is_borrowed(figure, self.plan):
            return figure
        if (self.chromatic + 1) * CHROMATIC_SPACING > self.chords:
            return None
        self.chromatic += 1
        return figure

    def allows(self, figures: list[str]) -> bool:
        """Whether a returning phrase's chromatic chords fit the budget; if so, they are counted."""
        chromatic = sum(1 for figure in figures if not is_borrowed(figure, self.plan))
        if chromatic and (self.chromatic + chromatic) * CHROMATIC_SPACING > self.chords:
            return False
        self.chromatic += chromatic
        return True


def is_borrowed(figure: str, plan: Plan) -> bool:
    """Whether a chord is diatonic or a deliberate borrowing (iv, bVI, bVII in major)."""
    pcs = set(spell(figure, plan.tonic, plan.mode)[0])
    scale = scale_pitch_classes(plan.tonic, plan.mode)
    borrowed = {"iv", "bVI", "bVII"} if plan.mode == "major" else set()
    return pcs <= scale or figure in borrowed


def _phrase(
    grammar: Grammar,
    phrases: dict[str, tuple[str, ...]],
    cadence: str,
    slot_bars: list[int],
    opening: bool,
    loop: bool,
    previous: str,
    colour: _Colour,
    rng: random.Random,
) -> Phrase:
    """One phrase from the functional grammar: (figure, function, bars, cadence) per chord.

    A deceptive cadence follows an authentic phrase shape but lands on the tonic's stand-in.
    """
    shape = "authentic" if cadence == "deceptive" else cadence
    functions = _phrase_functions(len(slot_bars), shape, opening, rng, phrases)
    if opening and len(functions) == 1 and loop:
        functions, cadence = ["T"], ""  # a one-chord loop is a tonic vamp
    result = []
    for slot, (function, bars) in enumerate(zip(functions, slot_bars)):
        last_slot = slot == len(functions) - 1
        following = functions[slot + 1] if not last_slot else ""
        approach = slot == len(functions) - 2 and cadence in ("authentic", "deceptive")
        cadential = (last_slot and bool(cadence)) or approach
        if last_slot and cadence == "deceptive":
            figure = grammar.T_deceptive[0]
        elif not cadential and not (opening and slot == 0) and (tint := colour.pick(function, following, previous, rng)):
            figure = tint
        else:
            figure = _choose(grammar, function, following, previous, rng, cadential, opening and slot == 0)
        result.append((figure, function, bars, cadence if last_slot else ""))
        previous = figure
    return result


def _idiom(
    grammar: Grammar, idioms: list[list[str]], opening: bool, rng: random.Random
) -> Phrase:
    """A four-chord loop of the style (one bar each), opening a period whose second phrase cadences."""
    tonic = grammar.T[0]
    options = [i for i in idioms if i[0] == tonic] if opening else idioms
    chosen = rng.choice(options or idioms)
    return [(figure, _function_of(grammar, figure), 1, "") for figure in chosen]


def _function_of(grammar: Grammar, figure: str) -> str:
    """The harmonic function a figure serves in this grammar (tonic if it is not listed)."""
    for function in FUNCTIONS:
        lists = (grammar.chords(function), grammar.cadence_chords(function), grammar.colours(function))
        if any(figure in chords for chords in lists):
            return function
    return "T"


def _stinger(plan: Plan, grammar: Grammar, rng: random.Random) -> list[TimedChord]:
    """A pickup of one or two chords into the hit on the tonic, which rings to the end."""
    pickup = rng.choice(harmony_data().stinger[plan.mode]).split()
    if plan.pickup_q < 2:
        pickup = pickup[-1:]
    chords = []
    length = plan.pickup_q / len(pickup)
    for index, figure in enumerate(pickup):
        chords.append((index * length, length, figure, _function_of(grammar, figure), ""))
    chords.append((plan.pickup_q, plan.end_q - plan.pickup_q, grammar.T_cadence[0], "T", "authentic"))
    return chords


def _slot_bars(phrase_bars: int, slow: bool) -> list[int]:
    """Bars per chord across a phrase: one each, or for slow harmony two each with the
    cadence quickening to one bar per chord (harmonic rhythm speeds up into a cadence).

    >>> _slot_bars(4, slow=False), _slot_bars(4, slow=True), _slot_bars(3, slow=True)
    ([1, 1, 1, 1], [2, 1, 1], [2, 1])
    """
    if not slow or phrase_bars < 3:
        return [1] * phrase_bars
    return [phrase_bars - 2, 1, 1] if phrase_bars >= 4 else [2, 1]


def _phrase_functions(
    slots: int, cadence: str, opening: bool, rng: random.Random, phrases: dict[str, tuple[str, ...]]
) -> list[str]:
    """Harmonic functions for one phrase, ending in the cadence the form asks for; the piece's
    opening phrase starts on the tonic wherever the phrase is long enough to."""
    options = [o.split() for o in phrases[f"{cadence}_{slots}"]]
    if opening:
        options = [o for o in options if o[0] == "T"] or options
    return list(rng.choice(options))


def _choose(
    grammar: Grammar,
    function: str,
    following: str,
    previous: str,
    rng: random.Random,
    cadential: bool,
    opening: bool,
) -> str:
    """A chord for ``function``, weighted toward the plainest, never the chord just heard.

    At a cadence (and on the dominant leading into one) only the cadential chords serve. A
    chord that needs a dominant after it (a secondary dominant V/V, the Neapolitan) is only
    chosen when one follows.
    """
    if opening and function == "T":
        return grammar.T[0]
    plain = grammar.chords(function)
    pool = (grammar.cadence_chords(function) or plain) if cadential else plain
    choices = [c for c in pool if c != previous and (following == "D" or not _needs_dominant(c))] or pool[:1]
    weights = [1.0 / (1 + i) for i in range(len(choices))]
    return rng.choices(choices, weights)[0]


def _needs_dominant(figure: str) -> bool:
    return figure.startswith("N") or figure in ("V/V", "V7/V")


#: What a voicing pays for a seventh that neither holds nor falls by step (in semitones moved).
UNRESOLVED_SEVENTH = 4.0
#: What a seventh or ninth chord's voicing pays for its fifth on top (in semitones moved).
FIFTH_ON_TOP = 3.0


def _place_bass(pitch_class: int, previous: int | None) -> int:
    """The bass note of ``pitch_class`` in E1–G3, nearest the previous bass (around C2–C3 at first)."""
    candidates = [p for p in range(BASS_RANGE[0], BASS_RANGE[1] + 1) if p % 12 == pitch_class]
    target = previous if previous is not None else 40
    return min(candidates, key=lambda p: (abs(p - target), p))


@cache
def _candidate_voicings(pitch_classes: tuple[int, ...], root: int,
                        extended: bool = False) -> tuple[tuple[tuple[int, ...], float], ...]:
    """Four-voice voicings in the pad range holding every chord tone, spaced like a real pad,
    each with a small cost for a less usual doubling (the fifth rather than the root). In an
    ``extended`` vocabulary a seventh or ninth chord also pays for its fifth on top: the
    fifth is the tone a calm pad leaves out, and the top voice should stay the one heard."""
    wanted = set(pitch_classes)
    fifth = (root + 7) % 12
    pool = [p for p in range(PAD_RANGE[0], PAD_RANGE[1] + 1) if p % 12 in wanted]
    voices = 4 if len(wanted) <= 4 else len(wanted)
    result = []
    for combo in itertools.combinations(pool, voices):
        if {p % 12 for p in combo} != wanted:
            continue
        if any(b - a > 12 for a, b in zip(combo, combo[1:])) or combo[-1] - combo[0] > 19:
            continue
        doubling = 0.0
        if len(wanted) == 3:
            doubled = next(pc for pc in wanted if sum(1 for p in combo if p % 12 == pc) == 2)
            if doubled not in (root, fifth):
                continue  # never double the third: it thickens and, on V, doubles the leading tone
            doubling = 0.0 if doubled == root else 1.5
        elif extended and combo[-1] % 12 == fifth:
            doubling = FIFTH_ON_TOP
        result.append((combo, doubling))
    return tuple(result)


def _voice(
    pitch_classes: tuple[int, ...],
    root: int,
    bass: int,
    previous: tuple[int, ...] | None,
    previous_bass: int | None,
    previous_seventh: int | None = None,
    extended: bool = False,
) -> tuple[int, ...]:
    """The voicing nearest the previous one: common tones held, others by the smallest step,
    no parallel fifths or octaves between the bass and the top voice, and the previous chord's
    seventh (``previous_seventh``) held or resolving down by step."""
    candidates = _candidate_voicings(pitch_classes, root, extended)
    if previous is None:
        return min(candidates, key=lambda c: (abs(c[0][-1] - 67) + abs(c[0][0] - 55) + c[1], c[0]))[0]

    def cost(candidate: tuple[tuple[int, ...], float]) -> tuple[float, tuple[int, ...]]:
        voicing, doubling = candidate
        movement = sum(abs(a - b) for a, b in zip(voicing, previous))
        penalty = 0.0
        if previous_bass is not None and parallel_perfect(previous_bass, previous[-1], bass, voicing[-1]):
            penalty = 100.0
        drift = abs(voicing[-1] - 67) * 0.25  # keep the top voice near G4 so it does not wander
        if previous_seventh is not None:
            penalty += sum(UNRESOLVED_SEVENTH for a, b in zip(previous, voicing)
                           if a % 12 == previous_seventh and not 0 <= a - b <= 2)
        return movement + penalty + drift + doubling, voicing

    return min(candidates, key=cost)[0]


# --- vocabularies beyond the triads ----------------------------------------------------------

#: A phrase as a vocabulary writes it: (figure, function, length in bars, cadence) per chord.
BarPhrase = list[tuple[str, str, Fraction, str]]


def split_bar(meter: tuple[int, int]) -> tuple[Fraction, Fraction]:
    """How a bar shared by two chords divides (shares of the bar): in halves, but 2 + 1 beats
    in 3/4, where a change on the second beat's offbeat would limp.

    >>> split_bar((4, 4)), split_bar((3, 4)), split_bar((6, 8))
    ((Fraction(1, 2), Fraction(1, 2)), (Fraction(2, 3), Fraction(1, 3)), (Fraction(1, 2), Fraction(1, 2)))
    """
    return (Fraction(2, 3), Fraction(1, 3)) if meter == (3, 4) else (Fraction(1, 2), Fraction(1, 2))


def _vocabulary_figures(plan: Plan, rng: random.Random) -> list[TimedChord]:
    """(start, length, figure, function, cadence) for every chord in the plan's vocabulary:
    the grammar's progression with sevenths, or the phrases of jazz, the blues, a modal vamp
    or an aeolian loop. A stinger keeps its pickup into the hit, with sevenths where the
    vocabulary speaks in them."""
    vocabulary = plan.harmony_vocabulary
    if vocabulary == "sevenths":
        return _with_sevenths(plan, _figures(plan, rng), rng, ninths=True)
    if plan.kind == "stinger":
        chords = _figures(plan, rng)
        if vocabulary == "blues":  # the hit on the blues' own dominant-seventh tonic
            start, length, _, function, cadence = chords[-1]
            chords[-1] = (start, length, harmony_data().vocabularies.blues.chords[plan.mode]["I"], function, cadence)
        return _with_sevenths(plan, chords, rng, ninths=False) if vocabulary in ("jazz", "blues") else chords
    if vocabulary == "blues":
        chords = _blues(plan, rng)
    else:
        writers: dict[str, Callable[[Plan, random.Random], _PhraseSource]] = {
            "jazz": _JazzWriter, "modal_vamp": _VampWriter, "aeolian_loop": _LoopWriter,
            "andalusian": lambda plan, rng: _LoopWriter(plan, rng, "andalusian")}
        chords = _phrased(plan, writers[vocabulary](plan, rng))
    if plan.ending != "loop" and plan.tail_s > 0:
        start, _, figure, function, cadence = chords[-1]
        chords[-1] = (start, plan.end_q - start, figure, function, cadence)
    return chords


#: A Roman numeral seventh chord in root position ("ii7", "bVI7"), which can take its ninth.
ROOT_POSITION_SEVENTH = re.compile(r"[b#]?(?:[iv]+|[IV]+)7")


def seventh_figure(figure: str, listed: Mapping[str, str]) -> str:
    """The figure with its seventh: as ``listed`` (inversions, altered chords), else "7"
    added to a root-position triad or a secondary dominant's V; a figure that has its
    figured bass already (a seventh, an inversion) is kept.

    >>> [seventh_figure(f, {"V6": "V65"}) for f in ("ii", "V6", "V7", "V/V", "bVI")]
    ['ii7', 'V65', 'V7', 'V7/V', 'bVI7']
    """
    if figure in listed:
        return listed[figure]
    if figure[-1].isdigit():
        return figure
    return "V7/" + figure[2:] if figure.startswith("V/") else figure + "7"


def _with_sevenths(plan: Plan, chords: list[TimedChord], rng: random.Random, ninths: bool) -> list[TimedChord]:
    """The chords with their diatonic sevenths; with ``ninths``, now and then a tonic or
    predominant away from a cadence with its (major) ninth as colour."""
    data = harmony_data().vocabularies.sevenths
    result = []
    for start, length, figure, function, cadence in chords:
        seventh = seventh_figure(figure, data.figures)
        if (ninths and not cadence and function in data.ninth_functions
                and ROOT_POSITION_SEVENTH.fullmatch(seventh) and rng.random() < data.ninth_share):
            ninth = seventh[:-1] + "9"
            pcs, root, _ = spell(ninth, *plan.key_at(start))
            if (root + 2) % 12 in pcs and (root + 1) % 12 not in pcs:
                seventh = ninth
        result.append((start, length, seventh, function, cadence))
    return result


def plainest(figures: Sequence[str], tonic: str, mode: str) -> str:
    """Of spellings of one chord, the one whose root the key names with fewest accidentals.

    >>> plainest(["V7/bV", "V7/#IV"], "C", "major"), plainest(["V7/bV", "V7/#IV"], "Bb", "major")
    ('V7/bV', 'V7/#IV')
    """
    def accidentals(figure: str) -> int:
        _, root, _ = spell(figure, tonic, mode)
        return len(chord_spelling(figure, tonic, mode)[root]) - 1
    return min(figures, key=accidentals)


def _vocabulary_phrase_lengths(section: str, bars: int) -> list[int]:
    """Bars per phrase: fours, a single bar left over joining the last phrase, other odd bars
    last (first in an intro, the vamp before the first phrase).

    >>> _vocabulary_phrase_lengths("statement", 9), _vocabulary_phrase_lengths("intro", 6)
    ([4, 5], [2, 4])
    """
    if bars % 4 == 1 and bars > 4 and section != "intro":
        return [4] * (bars // 4 - 1) + [5]
    return _phrase_lengths(section, bars)


class _PhraseSource(Protocol):
    """Writes one phrase of a vocabulary: ``bars`` long, closing on ``cadence`` ("half",
    "authentic"); ``opening`` for the piece's first phrase, ``final`` for its last.
    ``previous`` is the chord before it."""

    previous: str

    def tonic(self) -> str: ...

    def phrase(self, bars: int, cadence: str, opening: bool, final: bool) -> BarPhrase: ...


def _phrased(plan: Plan, source: _PhraseSource) -> list[TimedChord]:
    """Every section in phrases from ``source``: an inner phrase closes on a half cadence, a
    section's last authentically, the piece's last authentically (on a half cadence in a loop,
    leading back to the start); an intro's bars before its first phrase vamp on the tonic."""
    chords: list[TimedChord] = []
    for section_index, section in enumerate(plan.sections):
        start = section.start_q
        lengths = _vocabulary_phrase_lengths(section.name, plan.bar_count(section.start_q, section.end_q))
        for phrase_index, bars in enumerate(lengths):
            final = section_index == len(plan.sections) - 1 and phrase_index == len(lengths) - 1
            if final:
                cadence = "half" if plan.ending == "loop" else "authentic"
            else:
                cadence = "authentic" if phrase_index == len(lengths) - 1 else "half"
            if section.name == "intro" and bars < 4 and phrase_index == 0 and len(lengths) > 1:
                phrase: BarPhrase = [(source.tonic(), "T", Fraction(bars), "")]
            else:
                phrase = source.phrase(bars, cadence, not chords, final)
            for figure, function, length, label in phrase:
                length_q = plan.bars_to_q(start, length)
                chords.append((start, length_q, figure, function, label))
                start += length_q
            source.previous = chords[-1][2]
    return chords


class _JazzWriter:
    """Jazz phrases: an opening (secondary dominants among them) and a ii–V at the close,
    resolving to the tonic at an authentic cadence; now and then the V is its tritone
    substitute, never at the piece's last cadence."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan, self.rng, self.previous = plan, rng, ""
        self.data = harmony_data().vocabularies.jazz
        self.key = self.data.keys[plan.mode]

    def tonic(self) -> str:
        return self.key.tonic

    def phrase(self, bars: int, cadence: str, opening: bool, final: bool) -> BarPhrase:
        key, rng = self.key, self.rng
        dominant = key.dominant
        if cadence == "authentic" and not final and rng.random() < self.data.substitution_share:
            dominant = plainest(key.substitute, self.plan.tonic, self.plan.mode)
        first, second = split_bar(self.plan.meter)
        if bars == 1:  # the cadence alone, in one bar
            if cadence == "authentic":
                return [(key.predominant, "PD", first / 2, ""), (dominant, "D", first / 2, ""),
                        (key.tonic, "T", second, cadence)]
            return [(key.predominant, "PD", first, ""), (dominant, "D", second, cadence)]
        if cadence == "authentic":
            close: BarPhrase = [(key.predominant, "PD", first, ""), (dominant, "D", second, ""),
                                (key.tonic, "T", Fraction(1), cadence)]
        else:
            close = [(key.predominant, "PD", Fraction(1), ""), (dominant, "D", Fraction(1), cadence)]
        openings = [o.split() for o in key.openings]
        if opening:
            openings = [o for o in openings if o[0] == key.tonic] or openings
        else:
            openings = [o for o in openings if o[0] != self.previous] or openings
        chosen = rng.choice(openings)
        body = [chosen[i % len(chosen)] for i in range(bars - 2)]
        return [(f, "T" if f == key.tonic else "PD", Fraction(1), "") for f in body] + close


class _VampWriter:
    """A modal vamp: the tonic and the mode's colour chord, each held ``bars`` (data), the
    colour chord closing each phrase and leading back to the tonic at an authentic cadence."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self.plan, self.rng, self.previous = plan, rng, ""
        data = harmony_data().vocabularies.modal_vamp
        self.hold = data.bars
        self.home, self.colour = rng.choice(data.vamps[plan.mode]).split()

    def tonic(self) -> str:
        return self.home

    def phrase(self, bars: int, cadence: str, opening: bool, final: bool) -> BarPhrase:
        home, colour = self.home, self.colour
        if cadence == "authentic":
            if bars == 1:
                return [(home, "T", Fraction(1), cadence)]
            lead = [(home, "T", Fraction(bars - 2), "")] if bars > 2 else []
            return lead + [(colour, "D", Fraction(1), ""), (home, "T", Fraction(1), cadence)]
        if bars == 1:
            return [(colour, "D", Fraction(1), cadence)]
        held = min(self.hold, bars // 2)
        return [(home, "T", Fraction(bars - held), ""), (colour, "D", Fraction(held), cadence)]


class _LoopWriter:
    """An aeolian loop, a chord a bar, its last chord (the dominant-like VII, or V) closing each
    phrase on a half cadence; the piece's first chord is the tonic and its last phrase, unless
    it loops, the ending into the tonic."""

    def __init__(self, plan: Plan, rng: random.Random, vocabulary: str = "aeolian_loop") -> None:
        self.plan, self.rng, self.previous = plan, rng, ""
        data: AeolianLoop = getattr(harmony_data().vocabularies, vocabulary)
        self.loop = rng.choice(data.loops[plan.mode]).split()
        self.ending = data.endings[plan.mode].split()
        self.home = data.tonics[plan.mode]

    def tonic(self) -> str:
        return self.home

    def phrase(self, bars: int, cadence: str, opening: bool, final: bool) -> BarPhrase:
        loop = self.loop
        if final and cadence == "authentic":
            figures = ((loop * 2)[: max(0, bars - len(self.ending))] + self.ending)[-bars:]
        else:
            figures = (loop * 2)[: bars - 1] + loop[-1:]
        if opening:
            figures[0] = self.home
        phrase: BarPhrase = []
        for index, figure in enumerate(figures):
            last = index == len(figures) - 1
            leading = figure == loop[-1] or (final and cadence == "authentic" and index == len(figures) - 2)
            function = "T" if figure in (self.home, loop[0]) and not leading else "D" if leading else "PD"
            label = ("authentic" if final and cadence == "authentic" else "half") if last else ""
            phrase.append((figure, function, Fraction(1), label))
        return phrase


def _blues(plan: Plan, rng: random.Random) -> list[TimedChord]:
    """Twelve-bar choruses (the quick change in some pieces) running through the sections,
    counted back from the piece's end, so the last chorus ends the piece; the bars left over
    (the piece's length less whole choruses) open it as the form's last bars, their first on
    I. Each chorus line ends on a labelled point: bar 4 "open" (I leading to IV), bar 8
    "plagal" (IV–I), bar 12 "half" (the turnaround's V); the piece, unless it loops, ends on I
    after a V sharing the bar before. Sections after the first last whole four-bar lines, so
    each ends on one of these points. Repeated bars of a line are one chord."""
    data = harmony_data().vocabularies.blues
    figures = data.chords[plan.mode]
    form = list(data.form)
    if rng.random() < data.quick_change_share:
        form[1] = "IV"
    leftover = plan.bars % 12
    degrees = form[12 - leftover:] if leftover else []
    degrees[:1] = ["I"] * len(degrees[:1])
    degrees += form * (plan.bars // 12)
    # (degree, length in bars, cadence) per chord
    points = {3: ("open", "T"), 7: ("plagal", "T"), 11: ("half", "D")}
    functions = {"I": "T", "IV": "PD", "V": "D"}
    written: list[tuple[str, str, Fraction, str]] = []
    for index, degree in enumerate(degrees):
        cadence, function = points.get((index + 12 - leftover) % 12, ("", functions[degree]))
        written.append((degree, function, Fraction(1), cadence))
    if plan.ending != "loop" and written:
        if len(written) > 1:
            degree, function, _, cadence = written[-2]
            first, second = split_bar(plan.meter)
            written[-2:-1] = [(degree, functions[degree], first, ""), ("V", "D", second, "")]
        written[-1] = ("I", "T", Fraction(1), "authentic")
    chords: list[TimedChord] = []
    start = plan.pickup_q
    for degree, function, length, cadence in written:
        previous = chords[-1] if chords else None
        length_q = plan.bars_to_q(start, length)
        if previous is not None and previous[2] == figures[degree] and not previous[4] and start != plan.lift_q:
            chords[-1] = (previous[0], previous[1] + length_q, previous[2], function, cadence)
        else:
            chords.append((start, length_q, figures[degree], function, cadence))
        start += length_q
    return chords
