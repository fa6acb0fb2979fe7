"""Melody: a one- or two-bar motif stated, sequenced and developed over the chords, phrase by phrase.

Each four-bar phrase states the motif, sequences it a step higher or lower over the next chord,
fragments it, and breathes on a long, stable cadence tone. A contrast section answers with the
motif inverted; a theme's ending broadens it (augmentation); a returning section brings back
the first statement's phrases over their own harmony. In a thematic piece, a build or climax
may drive the motif at half its values (diminution) instead of fragmenting it, and a
consequent phrase or the ending may carry its last statement on in sequence (extension); a
tense motif may dip to a chromatic lower neighbour. The motif gives each note a wished-for
scale step; the pitch actually written is the nearest one that keeps the rules:

- strong beats sit on chord tones, cadences on the chord's root or third;
- a non-chord tone is left by step;
- no leap larger than a fifth where anything else fits, and such a leap turns back;
- no tritone and no augmented second (a three-semitone move onto or from a chromatic note);
- no parallel fifths or octaves with the bass.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from composer.composition.harmony import ChordSpan, chord_index, harmony_data
from composer.composition.plan import Plan, music21_key
from composer.base.theory import gm_ranges, melodic_motion, parallel_perfect, scale_pitch_classes

#: Melody ranges (MIDI notes): above the speaking voice (G3–C5) for underscores, else D4–A5.
MELODY_RANGE = {"underscore": (74, 88)}
DEFAULT_MELODY_RANGE = (62, 81)
TRITONE = 6
LARGE_LEAP = 7
#: Contours drawn at most for one motif, looking for one that fits triads and moves by step.
MOTIF_DRAWS = 40
#: Leaps (scale steps) of a plain motif, and its step choices (a flavour adds its repeated notes).
DEFAULT_LEAPS = (2, 3, -2, 3)
STEP_CHOICES = (1, 1, -1, -1)
#: Fewest notes in a motif: fewer give a listener no shape to remember.
MOTIF_NOTES = 4
#: Whole statements of the motif a theme wants to be remembered by.
MOTIF_RETURNS = 3
#: Share of a melody's pitch changes that are steps (a major second or less), and drafts tried for it.
STEPWISE_SHARE = (0.58, 0.82)
#: How far outside that aim a draft may be and still keep DESIGN.md's 55–85 % rule.
STEPWISE_MARGIN = 0.03
#: Semitones a leap into a statement weighs, against the distance from the arch's point.
JOIN_LEAP_COST = 2
THEME_DRAFTS = 16
#: A stinger's climb into its hit: at most this many notes of this length (quarter notes).
FANFARE_NOTES = 6
FANFARE_NOTE_Q = Fraction(1, 2)


@dataclass(frozen=True)
class MelodyNote:
    """A melody note: onset and length in quarter notes, MIDI pitch."""

    start_q: Fraction
    length_q: Fraction
    pitch: int


@dataclass(frozen=True)
class Motif:
    """The theme's cell: a rhythm (quarter-note lengths) and a contour (scale steps between
    notes); ``neighbours`` are the indices of notes sung a semitone below the chord tone they
    leave and return to (a chromatic lower neighbour: its steps are -1 then +1)."""

    rhythm: tuple[Fraction, ...]
    steps: tuple[int, ...]
    neighbours: tuple[int, ...] = ()


@dataclass(frozen=True)
class Theme:
    """The motif and the melody built from it, with the onsets where the whole motif is heard
    with its exact contour (its fragments and free variations are not counted)."""

    motif: Motif
    notes: tuple[MelodyNote, ...]
    statements_q: tuple[Fraction, ...]
    #: (onset, kind) of each development placed whole: "inversion", "augmentation" and
    #: "diminution" (the whole contour, upside down, at double or at half values), and
    #: "extension" (the notes that carry a statement on in sequence)
    developments: tuple[tuple[Fraction, str], ...] = ()


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
    #: the first note of a statement of the motif (or of its fragment), placed as a whole
    statement: bool = False
    #: how a statement's first note develops the motif ("inversion", "augmentation",
    #: "diminution"; "" for the motif itself), or "extension" on an extension's first note
    development: str = ""
    #: a chromatic lower neighbour: a semitone below the note before it, which the next returns to
    chromatic: bool = False


def melody_range(plan: Plan) -> tuple[int, int]:
    """The melody's range: brighter and more energetic moods sit higher, darker and calmer
    ones lower (up to a major third either way); an underscore stays above the voice."""
    if plan.kind in MELODY_RANGE:
        low, high = MELODY_RANGE[plan.kind]
    else:
        shift = max(-4, min(4, round(2 * plan.valence + 2 * plan.arousal)))
        low, high = DEFAULT_MELODY_RANGE[0] + shift, DEFAULT_MELODY_RANGE[1] + shift
    player = melody_program(plan)
    if player is None:
        return low, high
    # inside the instrument's comfortable range; if that leaves less than an octave, an octave
    # below the instrument's top
    instrument_low, instrument_high = gm_ranges()[player]
    high, low = min(high, instrument_high), max(low, instrument_low)
    return (low, high) if high - low >= 12 else (high - 12, high)


def melody_program(plan: Plan) -> int | None:
    """The General MIDI program that plays the melody, or None when no part does."""
    return next((r.program for r in plan.roles if r.role == "melody"), None)


def make_motif(plan: Plan, rng: random.Random) -> Motif:
    """A one- or two-bar cell: a rhythm that suits the mood, a contour of mostly steps with a leap or
    two, each leap answered by a step the other way.

    Contours are drawn until one can be heard over a chord: no strong note a single scale step
    (or a seventh) from the first, since one of the two would then miss every triad. Longer
    cells are also held to between half and five sixths steps, the motif's share of the
    two-thirds steps a melody wants.
    """
    rhythms = harmony_data()["rhythms"]
    cells = rhythms.get(str(plan.bar_q), rhythms["4"])
    arousal = plan.arousal
    mood = "calm" if arousal < -0.3 or plan.kind == "underscore" else ("lively" if arousal > 0.45 else "moving")
    flavour_name, flavour = motif_flavour(plan)
    if flavour_name in cells and plan.kind != "underscore":
        mood = flavour_name
    leaps, repeats = tuple(flavour.get("leaps", DEFAULT_LEAPS)), int(flavour.get("repeats", 1))
    rhythm = _cell(cells[mood], plan.bar_q, rng)
    if len(rhythm) < MOTIF_NOTES:  # too few notes to be remembered: a second bar makes it a two-bar idea
        fuller = [c for c in cells[mood] if len(c) >= MOTIF_NOTES - len(rhythm)]
        rhythm += _cell(fuller or cells["moving"], plan.bar_q, rng)
    onsets = list(itertools.accumulate(rhythm[:-1], initial=Fraction(0)))
    by_bar: dict[int, list[int]] = {}
    for index, onset in enumerate(onsets):
        if is_strong(onset, rhythm[index], plan.bar_q):
            by_bar.setdefault(int(onset // plan.bar_q), []).append(index)
    strong = {index for indices in by_bar.values() for index in indices}
    neighbour = _neighbour_at(onsets, strong, plan.bar_q, float(flavour.get("chromatic_neighbours", 0)), rng)
    steps = _contour(len(rhythm) - 1, leaps, repeats, rng, neighbour)
    for _ in range(MOTIF_DRAWS):
        if (all(_fits_triads(steps, indices) for indices in by_bar.values()) and _step_share_suits(steps)
                and _passing_tones_move_on(steps, strong)):
            break
        steps = _contour(len(rhythm) - 1, leaps, repeats, rng, neighbour)
    return Motif(rhythm, tuple(steps), () if neighbour is None else (neighbour,))


def _neighbour_at(onsets: list[Fraction], strong: set[int], bar_q: Fraction, share: float,
                  rng: random.Random) -> int | None:
    """Where a motif dips to a chromatic lower neighbour (in ``share`` of motifs; none when
    the share is 0, without drawing): a weak note between two notes, in the same bar as the
    note it resolves to."""
    if not share or rng.random() >= share:
        return None
    weak = [i for i in range(1, len(onsets) - 1)
            if i not in strong and onsets[i] // bar_q == onsets[i + 1] // bar_q]
    return rng.choice(weak) if weak else None


def motif_flavour(plan: Plan) -> tuple[str, dict[str, Any]]:
    """The plan's motif flavour and its rhythms and leaps (``harmony.toml`` [motif_flavours]:
    playful, epic, tense), or ("", {}) for the plain one."""
    flavours: dict[str, dict[str, Any]] = harmony_data()["motif_flavours"]
    return (plan.motif_flavour, flavours[plan.motif_flavour]) if plan.motif_flavour else ("", {})


def scale_tonic(tonic: str, mode: str) -> int:
    """The pitch class of a key's tonic.

    >>> scale_tonic("Bb", "major")
    10
    """
    return int(music21_key(tonic, mode).tonic.pitchClass)


def _cell(cells: list[list[float]], bar_q: Fraction, rng: random.Random) -> tuple[Fraction, ...]:
    """One bar's rhythm from the mood's cells; even beats where the meter has no cells."""
    rhythm = tuple(Fraction(x).limit_denominator(16) for x in rng.choice(cells))
    return rhythm if sum(rhythm) == bar_q else (Fraction(1),) * max(1, int(bar_q))


def is_strong(offset_q: Fraction, length_q: Fraction, bar_q: Fraction) -> bool:
    """A note heard as harmony: on the downbeat, on beat 3 of 4/4, or long.

    >>> is_strong(Fraction(2), Fraction(1), Fraction(4)), is_strong(Fraction(1), Fraction(2), Fraction(4))
    (True, True)
    """
    on_beat = offset_q % bar_q == 0 or (bar_q == 4 and offset_q % bar_q == 2)
    return on_beat or length_q >= Fraction(3, 2)


def _contour(moves: int, leaps: tuple[int, ...], repeats: int, rng: random.Random,
             neighbour: int | None = None) -> list[int]:
    """Scale steps between the notes: steps and ``repeats`` in five repeated notes, and a leap
    (one of ``leaps`` scale steps) turned back by a step; a step down to the ``neighbour``
    note and back up."""
    steps: list[int] = []
    leap_at = rng.randrange(moves - 1) if moves >= 3 else -1  # longer cells get one leap for shape
    while len(steps) < moves:
        if moves - len(steps) >= 2 and (len(steps) == leap_at or rng.random() < 0.2):
            leap = rng.choice(leaps)
            steps += [leap, -1 if leap > 0 else 1]  # a leap, then a step back
        else:
            steps.append(rng.choice(STEP_CHOICES + (0,) * repeats))
    if steps and all(s == 0 for s in steps):
        steps[0] = 1
    if neighbour is None:
        return _balanced(steps)
    steps[neighbour - 1 : neighbour + 1] = [-1, 1]
    return _balanced(steps, keep={neighbour - 1, neighbour})


def _fits_triads(steps: list[int], strong: list[int]) -> bool:
    """No strong note of a bar a step or a seventh (±1 mod 7 scale steps) from its first.

    >>> _fits_triads([2, -1], [0, 2]), _fits_triads([1, 1], [0, 2]), _fits_triads([1, 1, 1], [1, 3])
    (False, True, True)
    """
    offsets = [0, *itertools.accumulate(steps)]
    return all((offsets[i] - offsets[strong[0]]) % 7 not in (1, 6) for i in strong)


def _passing_tones_move_on(steps: list[int], strong: set[int]) -> bool:
    """A weak note a step from the note before it (a passing or neighbour tone, off the chord)
    moves on by step, since a non-chord tone is left by step.

    >>> _passing_tones_move_on([-1, 3], {0, 2}), _passing_tones_move_on([-1, 2], {0, 2})
    (False, False)
    >>> _passing_tones_move_on([-1, -1], {0, 2}), _passing_tones_move_on([2, -1], {0, 2})
    (True, True)
    """
    return all(abs(after) == 1 for index, (before, after) in enumerate(zip(steps, steps[1:]))
               if abs(before) == 1 and index + 1 not in strong)


def _step_share_suits(steps: list[int]) -> bool:
    """Half to five sixths of a three-move (or longer) contour's moves are single steps.

    >>> _step_share_suits([1, 1, 1]), _step_share_suits([2, -1, 1])
    (False, True)
    """
    moving = [s for s in steps if s]
    if len(steps) < 3 or not moving:
        return True
    return 0.5 <= sum(1 for s in moving if abs(s) == 1) / len(moving) <= 5 / 6


def _balanced(steps: list[int], keep: frozenset[int] | set[int] = frozenset()) -> list[int]:
    """The contour with its net rise or fall cut to at most one step, by turning single steps
    round (last first, but none in ``keep``), so that repeating the motif does not climb out
    of the range.

    >>> _balanced([1, 1, 1, 1]), _balanced([1, 1, -1, 1], keep={2, 3})
    ([1, 1, -1, -1], [1, -1, -1, 1])
    """
    result = list(steps)
    for index in reversed(range(len(result))):
        if abs(sum(result)) <= 1:
            break
        if index not in keep and abs(result[index]) == 1 and (result[index] > 0) == (sum(result) > 0):
            result[index] = -result[index]
    return result


def make_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> Theme:
    """The melody over ``chords``: silent in intros and stingers, motif-led everywhere else.

    Like a composer reading a draft back, it keeps the first draft whose moves are mostly, but
    not only, steps (``STEPWISE_SHARE``), whose every leap beyond a fifth turns back (a leap
    the rules could not avoid, e.g. at a lift, may not), and, in a thematic piece, whose motif
    is heard whole at least ``MOTIF_RETURNS`` times (as often as it has phrases, if fewer);
    after ``THEME_DRAFTS`` drafts, the one nearest that.
    """
    if plan.kind == "stinger":
        return Theme(make_motif(plan, rng), _fanfare(plan, chords), ())
    best: tuple[tuple[float, float, int, float], Theme] | None = None
    low, high = STEPWISE_SHARE
    for _ in range(THEME_DRAFTS):
        theme, phrases = _draft_theme(plan, chords, rng)
        share, _, recovery = melodic_motion([n.pitch for n in theme.notes])
        returns = min(MOTIF_RETURNS, phrases) if plan.kind == "thematic" else 0
        outside = 0.0 if share is None else max(low - share, share - high, 0.0)
        # ranked: the rule's band (the aim widened by ``STEPWISE_MARGIN``) first, then leaps
        # that do not turn back, then the motif's returns, then the aim
        miss = (max(0.0, outside - STEPWISE_MARGIN), 1.0 - (1.0 if recovery is None else recovery),
                max(0, returns - len(theme.statements_q)), outside)
        if miss == (0.0, 0.0, 0, 0.0):
            return theme
        if best is None or miss < best[0]:
            best = (miss, theme)
    assert best is not None
    return best[1]


def _draft_theme(plan: Plan, chords: list[ChordSpan], rng: random.Random) -> tuple[Theme, int]:
    """One draft of the theme, and the number of phrases it sings.

    A phrase over the harmony of an earlier one sings it again, unless it is a build's or
    climax's phrase chosen to drive the motif in diminution; a phrase written afresh may end
    its last statement in an extension, and is written again with its fragment where the
    extension does not fit whole.
    """
    motif = make_motif(plan, rng)
    rules = harmony_data()["development"]
    develops = plan.kind in rules["kinds"]
    low, high = melody_range(plan)
    line = _Line(plan, chords, low, high)
    phrases = 0
    centre = (low + high) // 2
    pitch = centre
    sung: dict[tuple[tuple[Fraction, Fraction, str], ...], tuple[Fraction, int, int, int]] = {}
    for index, section in enumerate(plan.sections):
        if section.name in ("intro", "pickup", "hit"):
            continue
        bars = int(section.length_q / plan.bar_q)
        # a contrast answers with the inversion only where the statement comes back after it
        returning = any(later.name == "statement" for later in plan.sections[index + 1:])
        variant, kind = developed(motif, section.name if returning or section.name != "contrast" else "", plan)
        for first_bar in range(0, bars, 4):
            start = section.start_q + first_bar * plan.bar_q
            if int((start - plan.pickup_q) / plan.bar_q) in plan.voice_bars:
                continue  # an underscore leaves every other phrase to the voice
            phrase_bars = min(4, bars - first_bar)
            end = start + phrase_bars * plan.bar_q
            harmony = line.harmony_between(start, end)
            phrases += 1
            development = ""
            if (develops and phrase_bars == 4 and section.name in rules["diminution_sections"]
                    and diminishable(variant, plan) and rng.random() < float(rules["diminution_share"])):
                development = "diminution"
            elif harmony in sung and line.repeat(*sung[harmony], start):
                pitch = line.notes[-1].pitch
                continue
            elif (develops and phrase_bars == 4 and (first_bar % 8 == 4 or section.name in rules["extension_sections"])
                    and rng.random() < float(rules["extension_share"])):
                development = "extension"
            written, state = len(line.notes), line.state()
            lean = (pitch + centre) // 2  # each phrase leans back to the middle
            pitch = line.write(_phrase_slots(plan, variant, start, phrase_bars, rng, kind, development), lean)
            if development == "extension" and not any(k == "extension" for _, _, k in line.placed[state[1]:]):
                line.restore(state)  # no extension fits the harmony: the phrase fragments the motif instead
                pitch = line.write(_phrase_slots(plan, variant, start, phrase_bars, rng, kind), lean)
            tonic = scale_tonic(*plan.key_at(start))
            sung.setdefault(harmony, (start, written, len(line.notes) - written, tonic))
    size = len(motif.rhythm)
    whole = tuple(q for q, count, kind in line.placed if not kind and count == size)
    developments = tuple((q, kind) for q, count, kind in line.placed if kind and (count == size or kind == "extension"))
    return Theme(motif, tuple(line.notes), whole, developments), phrases


def diminishable(motif: Motif, plan: Plan) -> bool:
    """Whether the motif's notes are long enough to be heard at half their values: each halved
    value at least ``diminution_shortest_q`` (an eighth note) and ``diminution_shortest_s``.

    >>> from composer import compose
    >>> plan = compose("recurring melody theme for a video series, 60 seconds", seed=1).plan
    >>> diminishable(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), plan)
    True
    >>> diminishable(Motif((Fraction(1), Fraction(1, 2), Fraction(1, 2), Fraction(2)), (2, -1, -1)), plan)
    False
    """
    rules = harmony_data()["development"]
    halved = min(motif.rhythm) / 2
    return halved >= Fraction(rules["diminution_shortest_q"]) and plan.seconds(halved) >= float(rules["diminution_shortest_s"])


def developed(motif: Motif, section: str, plan: Plan) -> tuple[Motif, str]:
    """The motif as a section develops it, and the development's name: inverted in a contrast
    (its answer, the contour upside down, where a lower neighbour becomes a diatonic upper
    one), augmented in a theme's ending (a one-bar motif broadened over two bars), itself
    elsewhere ("").

    >>> from composer import compose
    >>> plan = compose("recurring melody theme for a video series, 60 seconds", seed=1).plan
    >>> inverted, kind = developed(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), "contrast", plan)
    >>> inverted.steps, kind
    ((-2, 1), 'inversion')
    >>> developed(Motif((Fraction(1), Fraction(1), Fraction(2)), (2, -1)), "ending", plan)[0].rhythm
    (Fraction(2, 1), Fraction(2, 1), Fraction(4, 1))
    """
    if section == "contrast":
        return Motif(motif.rhythm, tuple(-step for step in motif.steps)), "inversion"
    if section == "ending" and plan.kind == "thematic" and sum(motif.rhythm) == plan.bar_q:
        return dataclasses.replace(motif, rhythm=tuple(2 * length for length in motif.rhythm)), "augmentation"
    return motif, ""


def _fanfare(plan: Plan, chords: list[ChordSpan]) -> tuple[MelodyNote, ...]:
    """A stinger's gesture: eighth notes climbing the pickup's chord tones into the hit, whose
    top note (the hit chord's highest root in the melody's range) the arrangement plays."""
    count = min(FANFARE_NOTES, int(plan.pickup_q / FANFARE_NOTE_Q))
    if count < 2:
        return ()
    low, high = melody_range(plan)
    player = melody_program(plan)
    low = max(low - 12, gm_ranges()[player][0] if player is not None else 0)  # a climb may start low
    line = _Line(plan, chords, low, high)
    onsets = [plan.pickup_q - (count - i) * FANFARE_NOTE_Q for i in range(count)]
    pitches: list[int] = []
    roots = [p for p in range(low, high + 1) if p % 12 == chords[-1].root_pc]
    ceiling = roots[-1] - 1 if roots else high - 1
    after: tuple[int, int] | None = None  # (bass, pitch) of the note after this one
    for onset in reversed(onsets):  # from the top down, each a chord tone under the one after it
        chord = line.chord_at(onset)
        below = [p for p in range(ceiling, low - 1, -1) if p % 12 in chord.pitch_classes
                 and not (after and (parallel_perfect(chord.bass, p, *after) or after[1] - p > LARGE_LEAP
                                     or after[1] - p == TRITONE))]
        if not below:
            break
        pitches.insert(0, below[0])
        ceiling, after = below[0] - 1, (chord.bass, below[0])
    onsets = onsets[len(onsets) - len(pitches):]
    return tuple(MelodyNote(q, FANFARE_NOTE_Q, p) for q, p in zip(onsets, pitches))


def _phrase_slots(plan: Plan, motif: Motif, start_q: Fraction, bars: int, rng: random.Random,
                  kind: str = "", development: str = "") -> list[_Slot]:
    """Statement, sequence, fragment at the phrase's high point, then a long cadence tone;
    ``kind`` names how ``motif`` develops the theme's own. A ``development`` takes the
    fragment's place: "diminution" drives the motif at half its values (twice over, the
    second a sequence, for a one-bar motif), "extension" carries the last statement on.

    The bars' first notes follow an arch: the start, the sequence a step or two up, the climax
    three or four steps up, and home (or just below it) for the cadence.
    """
    slots: list[_Slot] = []
    sequence_step = rng.choice((1, 2, -1))
    arch = (0, sequence_step, rng.choice((3, 4)), rng.choice((0, -1, -2)))
    motif_bars = int(sum(motif.rhythm) / plan.bar_q)
    bar = 0
    while bar < bars:
        bar_q = start_q + bar * plan.bar_q
        if bar == bars - 1 and bars > 1:
            length = plan.bar_q if plan.kind == "underscore" or plan.bar_q <= 3 else plan.bar_q - 1
            # the phrase breathes after its cadence tone
            slots.append(_Slot(bar_q, length, 0, True, cadence=True, anchor=arch[3]))
            break
        if bar == 2 and development == "diminution":
            slots += _diminished_slots(plan, motif, bar_q, [arch[2], arch[2] + sequence_step])
            bar += 1
            continue
        if bar == 2 and development == "extension":
            slots += _extension_slots(plan, motif, bar_q, rng)
            bar += 1
            continue
        rhythm, steps = list(motif.rhythm), list(motif.steps)
        room = bars - bar - (1 if bars > 1 else 0)  # bars before the cadence
        if motif_bars > 1 and (bar >= 2 or room < motif_bars):  # the head: the motif's first bar
            head = sum(1 for onset in itertools.accumulate(rhythm[:-1], initial=Fraction(0)) if onset < plan.bar_q)
            rhythm, steps = rhythm[:head], steps[: head - 1]
        elif bar == 2 and len(rhythm) > 2:  # fragmentation: the head of the motif, then a held tone
            half = len(rhythm) // 2
            rhythm = rhythm[:half] + [sum(rhythm[half:], Fraction(0))]
            steps = steps[:half]
        slots += _statement_slots(plan, dataclasses.replace(motif, rhythm=tuple(rhythm), steps=tuple(steps)),
                                  bar_q, arch[min(bar, 2)], kind)
        bar += int(sum(rhythm) / plan.bar_q)
    return slots


def _statement_slots(plan: Plan, motif: Motif, onset: Fraction, anchor: int, kind: str) -> list[_Slot]:
    """The slots of one statement of ``motif`` (or of its head) from ``onset``: the first
    placed toward the arch's ``anchor``, the rest by the contour; a neighbour is chromatic
    only where the note it returns to is in the statement."""
    slots = []
    for index, length in enumerate(motif.rhythm):
        strong = is_strong(onset - plan.pickup_q, length, plan.bar_q)
        if index == 0:
            slots.append(_Slot(onset, length, 0, strong, anchor=anchor, statement=True, development=kind))
        else:
            chromatic = index in motif.neighbours and index + 1 < len(motif.rhythm)
            slots.append(_Slot(onset, length, motif.steps[index - 1], strong, chromatic=chromatic))
        onset += length
    return slots


def _diminished_slots(plan: Plan, motif: Motif, bar_q: Fraction, anchors: list[int]) -> list[_Slot]:
    """One bar of the motif at half its values: a two-bar motif once, a one-bar motif twice,
    the second time toward the next of ``anchors`` (a sequence)."""
    halved = dataclasses.replace(motif, rhythm=tuple(length / 2 for length in motif.rhythm))
    slots: list[_Slot] = []
    onset = bar_q
    for anchor in anchors[: max(1, int(plan.bar_q / sum(halved.rhythm)))]:
        slots += _statement_slots(plan, halved, onset, anchor, "diminution")
        onset += sum(halved.rhythm)
    return slots


def _extension_slots(plan: Plan, motif: Motif, bar_q: Fraction, rng: random.Random) -> list[_Slot]:
    """One bar carrying the statement before it on in sequence: its last step (the last that
    moves) taken again by one or two notes (``extension_notes``), the first held, a second one
    ``extension_tail_q`` long. Not a statement: the write places it with the statement it
    extends."""
    rules = harmony_data()["development"]
    step = next((s for s in reversed(motif.steps) if s), 1)
    tail = Fraction(rules["extension_tail_q"])
    lengths = [plan.bar_q] if rng.choice(rules["extension_notes"]) == 1 else [plan.bar_q - tail, tail]
    onsets = itertools.accumulate(lengths[:-1], initial=bar_q)
    return [_Slot(onset, length, step, is_strong(onset - plan.pickup_q, length, plan.bar_q),
                  development="extension" if index == 0 else "")
            for index, (onset, length) in enumerate(zip(onsets, lengths))]


class _Line:
    """Writes slots as pitches one after another, keeping the melodic rules."""

    def __init__(self, plan: Plan, chords: list[ChordSpan], low: int, high: int) -> None:
        self.chords = chords
        self.starts = [c.start_q for c in chords]
        self.low, self.high = low, high
        self.plan = plan
        #: (onset, notes, development) of every statement (or extension) placed whole, so its
        #: shape is heard exactly
        self.placed: list[tuple[Fraction, int, str]] = []
        self.notes: list[MelodyNote] = []
        self.strong_beats = 0
        self.accented = 0
        #: chord tones under the next note, so a non-chord tone is only written where it can resolve
        self.next_tones: set[int] | None = None

    def chord_at(self, q: Fraction) -> ChordSpan:
        return self.chords[chord_index(self.starts, q)]

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

    def write(self, slots: list[_Slot], previous: int) -> int:
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
            bars = [(m.start_q - self.plan.pickup_q) // self.plan.bar_q for m in group]
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
                    pitch = self._choose(member, self.chord_at(member.start_q), self._scale_at(member), wished)
                else:
                    pitch = placed[index]
                self.notes.append(MelodyNote(member.start_q, member.length_q, pitch))
                if member.anchor == 0:
                    home = pitch  # the arch is measured from where the phrase really began
                previous = pitch
            position += len(group)
        return previous

    def repeat(self, earlier_q: Fraction, first: int, count: int, tonic_pc: int, start_q: Fraction) -> bool:
        """Sing again, from ``start_q``, the ``count`` notes from index ``first`` that an earlier
        phrase over the same chords sang at ``earlier_q`` (moved into the key in force, e.g.
        after a lift), if every rule still holds at the join; the motif's statements in it are
        heard again too. False, and nothing written, otherwise."""
        shift = (scale_tonic(*self.plan.key_at(start_q)) - tonic_pc + 6) % 12 - 6
        notes = [MelodyNote(n.start_q - earlier_q + start_q, n.length_q, n.pitch + shift)
                 for n in self.notes[first : first + count]]
        if not notes or not all(self.low <= n.pitch <= self.high for n in notes):
            return False
        slots = [_Slot(n.start_q, n.length_q, 0, is_strong(n.start_q - self.plan.pickup_q, n.length_q, self.plan.bar_q))
                 for n in notes]
        if not self._keeps_rules(slots, [n.pitch for n in notes], []):
            return False
        self.strong_beats += sum(slot.strong for slot in slots)
        phrase_end = earlier_q + (notes[-1].start_q - start_q) + notes[-1].length_q
        self.placed += [(q - earlier_q + start_q, size, kind) for q, size, kind in self.placed
                        if earlier_q <= q < phrase_end]
        self.notes += notes
        return True

    def state(self) -> tuple[int, int, int, int]:
        """What ``restore`` needs to take back everything written after this call."""
        return len(self.notes), len(self.placed), self.strong_beats, self.accented

    def restore(self, state: tuple[int, int, int, int]) -> None:
        """Take back the notes (and what they counted) written since ``state``."""
        notes, placed, self.strong_beats, self.accented = state
        del self.notes[notes:], self.placed[placed:]

    def _record(self, group: list[_Slot]) -> None:
        """Note a group placed whole: its statement, and the extension that carries it on (an
        extension cut off from its statement is placed, but extends nothing)."""
        extension = next((i for i, m in enumerate(group) if m.development == "extension"), len(group))
        if extension:
            self.placed.append((group[0].start_q, extension, group[0].development))
        if 0 < extension < len(group):
            self.placed.append((group[extension].start_q, len(group) - extension, "extension"))

    def _scale_at(self, slot: _Slot) -> list[int]:
        return self.scale_for(self.chord_at(slot.start_q))

    def _prepare(self, slot: _Slot, rest: list[_Slot]) -> None:
        """Note the chord tones under the following note, which a non-chord tone must reach by step."""
        self.next_tones = set(self.chord_at(rest[0].start_q).pitch_classes) if rest else None

    def _wished(self, slot: _Slot, previous: int, home: int) -> int:
        """The pitch the motif and the phrase's arch ask for, before the rules have their say."""
        scale = self._scale_at(slot)
        if slot.anchor is not None:  # toward the arch's point, at most two steps at a time
            here = bisect.bisect_left(scale, previous)
            index = here + max(-2, min(2, bisect.bisect_left(scale, home) + slot.anchor - here))
        else:
            index = bisect.bisect_left(scale, previous) + slot.step
        return scale[max(0, min(len(scale) - 1, index))]

    def _place(self, group: list[_Slot], target: int, rest: list[_Slot]) -> list[int] | None:
        """Pitches for a whole statement: the motif's contour from the chord tone nearest
        ``target`` that lets every note keep the rules, or None if none does."""
        chord = self.chord_at(group[0].start_q)
        starts = [p for p in range(self.low, self.high + 1) if p % 12 in chord.pitch_classes]
        previous = self.notes[-1].pitch if self.notes else target
        # nearest the arch's point, but a join by step keeps the line singing: a leap costs more
        for start in sorted(starts, key=lambda p: (abs(p - target) + (JOIN_LEAP_COST if abs(p - previous) > 2 else 0), p)):
            pitches = self._contour(start, group)
            if pitches is not None and self._keeps_rules(group, pitches, rest):
                return pitches
        return None

    def _contour(self, start: int, group: list[_Slot]) -> list[int] | None:
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
            if not self.low <= pitch <= self.high:
                return None
            pitches.append(pitch)
        return pitches

    def _keeps_rules(self, group: list[_Slot], pitches: list[int], rest: list[_Slot]) -> bool:
        """Whether the statement keeps every rule: strong notes on chord tones, and each move
        as the note-by-note writer requires. Tried on the line, then taken back."""
        written = len(self.notes)
        try:
            for index, (slot, pitch) in enumerate(zip(group, pitches)):
                chord = self.chord_at(slot.start_q)
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

