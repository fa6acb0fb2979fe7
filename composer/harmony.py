"""Harmony: functional progressions per phrase, spelled by music21, voice-led for the pad.

Each four-bar phrase walks tonic → predominant → dominant and closes on a cadence: authentic
(V–I) at the end of a section, half (on V) inside one. Chord choices per function are data
(``data/harmony.toml``); music21's ``RomanNumeral`` spells them in the key.
"""

from __future__ import annotations

import itertools
import random
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from music21 import key as m21key
from music21 import roman

from composer.plan import Plan

#: Range of the pad voicing (MIDI notes C3..E5) and of the bass line (E1..G3).
PAD_RANGE = (48, 76)
BASS_RANGE = (28, 55)
PERFECT = (0, 7)


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
def harmony_data() -> dict[str, Any]:
    """Progression grammar (``data/harmony.toml``)."""
    return tomllib.loads(resources.files("composer").joinpath("data/harmony.toml").read_text("utf-8"))


@cache
def music21_key(tonic: str, mode: str) -> m21key.Key:
    return m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)


@cache
def spell(figure: str, tonic: str, mode: str) -> tuple[tuple[int, ...], int, int]:
    """(pitch classes, root pitch class, bass pitch class) of ``figure`` in the key.

    >>> spell("V7", "A", "minor")
    ((4, 8, 11, 2), 4, 4)
    """
    chord = roman.RomanNumeral(figure, music21_key(tonic, mode))
    return tuple(p.pitchClass for p in chord.pitches), chord.root().pitchClass, chord.bass().pitchClass


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
    """The chord progression of the whole piece, voice-led from chord to chord."""
    figures = _figures(plan, rng)
    spans: list[ChordSpan] = []
    previous_bass: int | None = None
    previous_voicing: tuple[int, ...] | None = None
    for start, length, figure, function, cadence in figures:
        pcs, root, bass_pc = spell(figure, plan.tonic, plan.mode)
        bass = _place_bass(bass_pc, previous_bass)
        voicing = _voice(pcs, root, bass, previous_voicing, previous_bass)
        spans.append(ChordSpan(start, length, figure, function, pcs, root, bass, voicing, cadence))
        previous_bass, previous_voicing = bass, voicing
    return spans


def _figures(plan: Plan, rng: random.Random) -> list[tuple[Fraction, Fraction, str, str, str]]:
    """(start, length, figure, function, cadence) for every chord, phrase by phrase."""
    data = harmony_data()
    grammar = data[plan.mode if plan.mode in data else "major"]
    if plan.kind == "stinger":
        dominant = rng.choice(grammar["D"])
        tonic = grammar["T"][0]
        return [
            (Fraction(0), plan.pickup_q, dominant, "D", ""),
            (plan.pickup_q, plan.end_q - plan.pickup_q, tonic, "T", "authentic"),
        ]
    slow = plan.kind in ("ambient", "bed") or plan.tempo_bpm < 70
    chords: list[tuple[Fraction, Fraction, str, str, str]] = []
    for section_index, section in enumerate(plan.sections):
        bars = int(section.length_q / plan.bar_q)
        phrase_bars = [4] * (bars // 4) + ([bars % 4] if bars % 4 else [])
        if bars % 4 and section.name == "intro":
            phrase_bars = [bars % 4] + [4] * (bars // 4)  # the vamp comes first
        start = section.start_q
        last_section = section_index == len(plan.sections) - 1
        for phrase_index, length in enumerate(phrase_bars):
            last_phrase = phrase_index == len(phrase_bars) - 1
            if length < 4 and section.name == "intro":
                # the vamp before the first phrase rests on the tonic
                chords.append((start, length * plan.bar_q, grammar["T"][0], "T", ""))
                start += length * plan.bar_q
                continue
            if last_section and last_phrase:
                cadence = "half" if plan.ending == "loop" else "authentic"
            else:
                cadence = "authentic" if last_phrase else "half"
            slot_bars = _slot_bars(length, slow)
            opening = not chords
            functions = _phrase_functions(len(slot_bars), cadence, opening, rng, data["phrases"])
            if opening and len(functions) == 1 and plan.ending == "loop":
                functions, cadence = ["T"], ""  # a one-chord loop is a tonic vamp
            previous = chords[-1][2] if chords else ""
            for slot, (function, bars_in_slot) in enumerate(zip(functions, slot_bars)):
                last_slot = slot == len(functions) - 1
                approach = slot == len(functions) - 2 and cadence == "authentic"
                figure = _choose(grammar, function, previous, rng, (last_slot and bool(cadence)) or approach,
                                 opening and slot == 0)
                chords.append((start, bars_in_slot * plan.bar_q, figure, function, cadence if last_slot else ""))
                start += bars_in_slot * plan.bar_q
                previous = figure
    if plan.ending != "loop" and plan.tail_s > 0:
        start, _, figure, function, cadence = chords[-1]
        chords[-1] = (start, plan.end_q - start, figure, function, cadence)
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
    slots: int, cadence: str, opening: bool, rng: random.Random, phrases: dict[str, list[str]]
) -> list[str]:
    """Harmonic functions for one phrase, ending in the cadence the form asks for; the piece's
    opening phrase starts on the tonic wherever the phrase is long enough to."""
    options = [o.split() for o in phrases[f"{cadence}_{slots}"]]
    if opening:
        options = [o for o in options if o[0] == "T"] or options
    return list(rng.choice(options))


def _choose(
    grammar: dict[str, list[str]], function: str, previous: str, rng: random.Random, cadential: bool, opening: bool
) -> str:
    """A chord for ``function``, weighted toward the plainest, never the chord just heard.

    At a cadence (and on the dominant leading into one) only the cadential chords serve.
    """
    if opening and function == "T":
        return grammar["T"][0]
    pool = grammar.get(f"{function}_cadence", grammar[function]) if cadential else grammar[function]
    choices = [c for c in pool if c != previous] or pool
    weights = [1.0 / (1 + i) for i in range(len(choices))]
    return rng.choices(choices, weights)[0]


def _place_bass(pitch_class: int, previous: int | None) -> int:
    """The bass note of ``pitch_class`` in E1–G3, nearest the previous bass (around C2–C3 at first)."""
    candidates = [p for p in range(BASS_RANGE[0], BASS_RANGE[1] + 1) if p % 12 == pitch_class]
    target = previous if previous is not None else 40
    return min(candidates, key=lambda p: (abs(p - target), p))


@cache
def _candidate_voicings(pitch_classes: tuple[int, ...], root: int) -> tuple[tuple[tuple[int, ...], float], ...]:
    """Four-voice voicings in the pad range holding every chord tone, spaced like a real pad,
    each with a small cost for a less usual doubling (the fifth rather than the root)."""
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
        result.append((combo, doubling))
    return tuple(result)


def _voice(
    pitch_classes: tuple[int, ...],
    root: int,
    bass: int,
    previous: tuple[int, ...] | None,
    previous_bass: int | None,
) -> tuple[int, ...]:
    """The voicing nearest the previous one: common tones held, others by the smallest step,
    and no parallel fifths or octaves between the bass and the top voice."""
    candidates = _candidate_voicings(pitch_classes, root)
    if previous is None:
        return min(candidates, key=lambda c: (abs(c[0][-1] - 67) + abs(c[0][0] - 55) + c[1], c[0]))[0]

    def cost(candidate: tuple[tuple[int, ...], float]) -> tuple[float, tuple[int, ...]]:
        voicing, doubling = candidate
        movement = sum(abs(a - b) for a, b in zip(voicing, previous))
        penalty = 0.0
        if previous_bass is not None and _parallel_perfect(previous_bass, previous[-1], bass, voicing[-1]):
            penalty = 100.0
        drift = abs(voicing[-1] - 67) * 0.25  # keep the top voice near G4 so it does not wander
        return movement + penalty + drift + doubling, voicing

    return min(candidates, key=cost)[0]


def _parallel_perfect(bass_a: int, top_a: int, bass_b: int, top_b: int) -> bool:
    """True when bass and top both move, from a perfect fifth or octave into the same again.

    >>> _parallel_perfect(48, 67, 50, 69)   # C–G to D–A: parallel fifths
    True
    >>> _parallel_perfect(48, 67, 50, 67)   # oblique motion
    False
    """
    interval_a, interval_b = (top_a - bass_a) % 12, (top_b - bass_b) % 12
    moving = bass_a != bass_b and top_a != top_b
    return moving and interval_a == interval_b and interval_b in PERFECT
