"""The harmonic vocabularies (styles.HARMONY_VOCABULARIES) as properties over seeds and briefs.

Each vocabulary is tried on plans made from ordinary briefs with the vocabulary swapped in, so
these tests do not depend on which style names which vocabulary. The chords are checked on the
composer's own ChordSpans; what a listener hears (the chord tones sounding, the bass at each
bar, the mode's colour) is read back from the written MIDI. The earlier musical rules (outer
voices without parallels, chord tones on strong beats, the cadence at the end, loops that wrap,
ranges) are checked for every vocabulary.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from fractions import Fraction
from functools import cache

import pytest
from music21 import chord as m21chord

from composer import piece as P
from composer.base.theory import MODE_STEPS, gm_ranges, parallel_perfect
from composer.composition.arrange import arrange
from composer.composition.brief import build_brief
from composer.composition.grammar import harmony_data
from composer.composition.harmony import ChordSpan, chord_symbol, make_harmony, seventh_of, spell
from composer.composition.melody import make_theme
from composer.composition.plan import make_plan, music21_key
from composer.measure.music import Note, read_music

BRIEFS = (
    "lo-fi chill bed for a study stream, 1 minute, seamless loop",
    "sad piano for a 45-second charity film",
    "bright, forward-moving background music for a 90-second product video, builds slightly in the final 20 seconds",
    "corporate explainer, trustworthy and optimistic, 1:30",
    "uplifting sunrise theme in E dorian, 50 seconds",
)
SEEDS = (1, 2, 3, 5, 8)
VOCABULARIES = ("sevenths", "jazz", "blues", "modal_vamp", "aeolian_loop", "andalusian")
#: Where a piece's notes are read back from its MIDI: the first seeds only (a score per piece).
MIDI_SEEDS = SEEDS[:2]


@cache
def composed(brief: str, seed: int, vocabulary: str) -> P.Piece:
    """The piece ``brief`` and ``seed`` make, with its plan speaking ``vocabulary``."""
    parsed = build_brief(brief, {})
    rng = P.generator(seed, parsed)
    plan = replace(make_plan(parsed, rng), harmony_vocabulary=vocabulary)
    chords = make_harmony(plan, rng)
    theme = make_theme(plan, chords, rng)
    arrangement = arrange(plan, chords, theme, rng)
    return P.Piece(parsed, seed, plan, chords, theme, arrangement.parts, arrangement.performance, "vocabulary")


def pieces(vocabulary: str, briefs: tuple[str, ...] = BRIEFS, seeds: tuple[int, ...] = SEEDS) -> list[P.Piece]:
    return [composed(brief, seed, vocabulary) for brief in briefs for seed in seeds]


def where(piece: P.Piece) -> str:
    return f"{piece.plan.harmony_vocabulary}: {piece.brief.text!r}, seed={piece.seed}"


def tonic_pc(piece: P.Piece, at_q: Fraction) -> int:
    return music21_key(*piece.plan.key_at(at_q)).tonic.pitchClass


def degree(piece: P.Piece, chord: ChordSpan) -> int:
    """The chord's root in semitones above the tonic in force."""
    return (chord.root_pc - tonic_pc(piece, chord.start_q)) % 12


def chord_at(chords: list[ChordSpan], q: Fraction) -> ChordSpan:
    return chords[max(0, bisect.bisect_right([c.start_q for c in chords], q) - 1)]


def bar_starts(piece: P.Piece, start_q: Fraction, end_q: Fraction) -> list[Fraction]:
    plan = piece.plan
    return [q for b in range(plan.bars) if start_q <= (q := plan.bar_start_q(b)) < end_q]


@cache
def heard(brief: str, seed: int, vocabulary: str) -> tuple[Note, ...]:
    """The pitched notes of :func:`composed`'s piece, as read back from its MIDI file."""
    return tuple(read_music(composed(brief, seed, vocabulary).midi_bytes, "piece").pitched)


def sounding_at(notes: tuple[Note, ...], q: float) -> list[Note]:
    """Notes sounding a sixteenth after ``q`` (micro-timing and swing leave onsets a little late)."""
    probe = q + 0.25
    return [n for n in notes if n.start_q <= probe < n.end_q]


# --- triads ----------------------------------------------------------------------------


def test_triads_speak_only_the_plain_grammar() -> None:
    """The "triads" vocabulary is the functional grammar as it was: every chord a figure of the
    grammar, its idioms or its stinger pickups, and no chord beyond a seventh (the grammar's
    own ii7, V7, iv7, viio7). The fingerprint (scripts/fingerprint.py) holds it byte-identical."""
    data = harmony_data()
    known = {f for g in data.grammar.values() for field in ("T", "PD", "D", "T_cadence", "D_cadence", "PD_colour",
                                                            "D_colour", "T_deceptive") for f in getattr(g, field)}
    known |= {f for family in data.idioms.values() for loops in family.values() for loop in loops for f in loop.split()}
    known |= {f for pickups in data.stinger.values() for pickup in pickups for f in pickup.split()}
    for piece in pieces("triads", BRIEFS + ("epic logo sting, 3 seconds",), SEEDS[:3]):
        assert {c.figure for c in piece.chords} <= known, where(piece)
        assert all(len(set(c.pitch_classes)) <= 4 for c in piece.chords), where(piece)


# --- sevenths ---------------------------------------------------------------------------


def test_sevenths_sound_on_most_chords() -> None:
    """At least 60 % of chords have four or more pitch classes, as written and as heard from the
    MIDI at each chord's start in a bed (whose pad keeps every voice); ninths colour some."""
    ninths = 0
    for piece in pieces("sevenths"):
        rich = sum(1 for c in piece.chords if len(set(c.pitch_classes)) >= 4)
        assert rich >= 0.6 * len(piece.chords), f"{where(piece)}: {rich} of {len(piece.chords)} chords"
        ninths += sum(1 for c in piece.chords if len(set(c.pitch_classes)) == 5)
    assert ninths >= 10, f"only {ninths} ninth chords"
    for seed in MIDI_SEEDS:
        piece = composed(BRIEFS[0], seed, "sevenths")
        notes = heard(BRIEFS[0], seed, "sevenths")
        sounded = [{n.pitch % 12 for n in sounding_at(notes, float(c.start_q))} for c in piece.chords]
        rich = sum(1 for pcs in sounded if len(pcs) >= 4)
        assert rich >= 0.6 * len(sounded), f"{where(piece)}: {rich} of {len(sounded)} chords sound 4+ pitch classes"


def test_sevenths_resolve_down_by_step_or_hold() -> None:
    """The pad voice holding a chord's seventh holds it into the next chord or falls a step,
    in most changes where the next chord has a tone to fall to (voices are matched low to
    high, as the voice leading writes them)."""
    resolved = changes = 0
    for vocabulary in ("sevenths", "jazz", "blues"):
        for piece in pieces(vocabulary):
            for a, b in zip(piece.chords, piece.chords[1:]):
                seventh = seventh_of(a.pitch_classes, a.root_pc)
                if seventh is None or len(a.voicing) != len(b.voicing) or a.figure == b.figure:
                    continue
                for x, y in zip(a.voicing, b.voicing):
                    if x % 12 == seventh and any((x - step) % 12 in b.pitch_classes for step in (0, 1, 2)):
                        changes += 1
                        resolved += 0 <= x - y <= 2
    assert changes > 100 and resolved >= 0.8 * changes, f"{resolved} of {changes} sevenths resolve"


# --- jazz -------------------------------------------------------------------------------


def is_ii_v(piece: P.Piece, ii: ChordSpan, v: ChordSpan) -> bool:
    """A ii–V: the predominant on the second degree, the dominant on the fifth or its tritone
    substitute on the flat second; in major and minor both are seventh chords."""
    return degree(piece, ii) == 2 and degree(piece, v) in (7, 1) and v.function == "D"


def test_jazz_phrase_ends_are_approached_by_ii_v() -> None:
    """Every phrase end in major and minor: a half cadence is ii–V, an authentic one ii–V–I."""
    cadences = substitutions = secondary = 0
    for piece in pieces("jazz", BRIEFS[:4]):
        if piece.plan.mode not in ("major", "minor"):
            continue
        chords = piece.chords
        for index, chord in enumerate(chords):
            if not chord.cadence or index < 2:
                continue
            cadences += 1
            if chord.cadence == "half":
                assert is_ii_v(piece, chords[index - 1], chord), f"{where(piece)}: half cadence at {chord.start_q}"
            else:
                assert degree(piece, chord) == 0, f"{where(piece)}: authentic cadence on {chord.figure}"
                assert is_ii_v(piece, chords[index - 2], chords[index - 1]), (
                    f"{where(piece)}: {chords[index - 2].figure}–{chords[index - 1].figure}–{chord.figure}")
            assert all(len(set(c.pitch_classes)) >= 4 for c in chords[index - 2: index + 1]), where(piece)
        substitutions += sum(1 for c in chords if c.function == "D" and degree(piece, c) == 1)
        secondary += sum(1 for c in chords if "/" in c.figure and degree(piece, c) != 1)
    assert cadences >= 100 and substitutions >= 3 and secondary >= 5, (cadences, substitutions, secondary)


def test_jazz_minor_cadences_use_half_diminished_ii_and_flat_nine_v() -> None:
    minor = [p for p in pieces("jazz", BRIEFS[:4]) if p.plan.mode == "minor"]
    assert minor
    for piece in minor:
        for ii, v, i in zip(piece.chords, piece.chords[1:], piece.chords[2:]):
            if i.cadence == "authentic" and degree(piece, v) == 7:
                key = piece.plan.key_at(i.start_q)
                assert chord_symbol(ii.figure, *key).endswith("ø7"), f"{where(piece)}: {ii.figure}"
                assert chord_symbol(v.figure, *key).endswith("7b9"), f"{where(piece)}: {v.figure}"
                assert chord_symbol(i.figure, *key).endswith("m7"), f"{where(piece)}: {i.figure}"


# --- blues ------------------------------------------------------------------------------

#: Longer briefs, whose sections hold whole choruses.
BLUES_BRIEFS = ("gritty blues bed for a road trip video, 3 minutes", "slow sad theme for a western, 2:30, fades out")
#: The twelve-bar form's roots above the tonic, bar by bar (the quick change puts IV in bar 2).
TWELVE_BAR = (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)


def test_blues_plays_twelve_bar_choruses_to_the_end() -> None:
    """Bar by bar, the piece is whole choruses I I I I IV IV I I V IV I V (I at the piece's
    end), counted back from the end, after the form's last bars (the first on I) for the bars
    left over; every section ends on a chorus line's end; the bass heard at each bar's
    downbeat (read from the MIDI) is the chord's root."""
    quick = plain = 0
    for piece in pieces("blues") + pieces("blues", BLUES_BRIEFS, SEEDS[:3]):
        plan = piece.plan
        roots = [degree(piece, chord_at(piece.chords, q)) for q in bar_starts(piece, Fraction(0), plan.music_q)]
        leftover = len(roots) % 12
        choruses = [roots[start: start + 12] for start in range(leftover, len(roots), 12)]
        if choruses and choruses[0][1] == 5:
            quick += 1
        elif choruses:
            plain += 1
        form = list(TWELVE_BAR)
        form[1] = 5 if choruses and choruses[0][1] == 5 else 0
        expected = ([0] + form[13 - leftover:] if leftover else []) + form * len(choruses)
        if plan.ending != "loop":
            expected[-1] = 0
        assert roots == expected, f"{where(piece)}: roots {roots}"
        for section in plan.sections[1:]:
            closing = chord_at(piece.chords, section.end_q - Fraction(1, 64))
            assert closing.cadence, f"{where(piece)}: {section.name} ends on {closing.figure}"
        assert all(len(set(c.pitch_classes)) == 4 for c in piece.chords), where(piece)
    assert quick and plain, (quick, plain)
    for seed in MIDI_SEEDS:
        piece = composed(BRIEFS[2], seed, "blues")
        notes = heard(BRIEFS[2], seed, "blues")
        for q in bar_starts(piece, Fraction(0), piece.plan.music_q):
            low = min(sounding_at(notes, float(q)), key=lambda n: n.pitch)
            assert low.pitch % 12 == chord_at(piece.chords, q).root_pc, f"{where(piece)}: bass {low.pitch} at {q}"


def test_blues_chords_are_sevenths_on_i_iv_and_v_in_every_mode() -> None:
    """Dominant sevenths on I, IV and V in a major mode; a minor blues in a minor one (i7,
    iv7 and a dominant V7)."""
    chords = harmony_data().vocabularies.blues.chords
    for mode in MODE_STEPS:
        minor = MODE_STEPS[mode][2] == 3
        for step, figure in chords[mode].items():
            pcs, root, _ = spell(figure, "C", mode)
            dominant = step == "V" or not minor
            assert {(p - root) % 12 for p in pcs} == ({0, 4, 7, 10} if dominant else {0, 3, 7, 10}), f"{mode}: {figure}"
            assert root == {"I": 0, "IV": 5, "V": 7}[step], f"{mode} {step}: {figure} on {root}"


# --- modal vamps ------------------------------------------------------------------------

#: The degree a mode's colour chord brings (above the tonic), by that chord's root.
CHARACTERISTIC = {10: 10, 2: 6, 5: 9, 1: 1}


def test_modal_vamps_hold_two_chords_and_sound_the_modes_colour() -> None:
    """At most two chords in any eight bars, changing at most every two bars (but at a
    cadence); the MIDI sounds the mode's characteristic degree."""
    for piece in pieces("modal_vamp"):
        plan = piece.plan
        starts = bar_starts(piece, Fraction(0), plan.music_q)
        for first in range(max(1, len(starts) - 7)):
            window = {chord_at(piece.chords, q).figure for q in starts[first: first + 8]}
            assert len(window) <= 2, f"{where(piece)}: {window} from bar {first + 1}"
        assert len({c.figure for c in piece.chords}) == 2, where(piece)
        slow = [c for c in piece.chords[:-2] if not c.cadence and c.length_q >= 2 * plan.bar_q]
        assert len(slow) >= len(piece.chords) // 3, f"{where(piece)}: {[c.length_q for c in piece.chords]}"
    for brief in BRIEFS:
        piece = composed(brief, MIDI_SEEDS[0], "modal_vamp")
        colour = next(c for c in piece.chords if degree(piece, c) != 0)
        wanted = (tonic_pc(piece, colour.start_q) + CHARACTERISTIC[degree(piece, colour)]) % 12
        assert wanted in colour.pitch_classes, where(piece)
        notes = heard(brief, MIDI_SEEDS[0], "modal_vamp")
        assert any(n.pitch % 12 == wanted for n in notes), f"{where(piece)}: no {wanted} heard"


# --- aeolian loops ----------------------------------------------------------------------

LOOPS = {"minor": ((0, 8, 3, 10), (0, 10, 8, 10)), "major": ((9, 5, 0, 7),)}


def cadenced_phrases(piece: P.Piece) -> list[list[ChordSpan]]:
    """The piece's chords in phrases, each ending on a chord with a cadence (the last may be empty)."""
    phrases: list[list[ChordSpan]] = [[]]
    for chord in piece.chords:
        phrases[-1].append(chord)
        if chord.cadence:
            phrases.append([])
    return phrases


def test_aeolian_loops_repeat_their_roots() -> None:
    """Every whole phrase between the first and the last plays one loop of its family (minor:
    i VI III VII or i VII VI VII; major: vi IV I V), in every mode's own spelling."""
    for piece in pieces("aeolian_loop"):
        family = "major" if MODE_STEPS[piece.plan.mode][2] == 4 else "minor"
        phrases = cadenced_phrases(piece)
        whole = [p for p in phrases[1:-2] if len(p) == 4]
        assert whole or len(phrases) <= 3, where(piece)
        loops = {tuple(degree(piece, c) for c in phrase) for phrase in whole}
        assert len(loops) <= 1 and loops <= set(LOOPS[family]), f"{where(piece)}: {loops}"
    for mode in MODE_STEPS:
        family = "major" if MODE_STEPS[mode][2] == 4 else "minor"
        for loop in harmony_data().vocabularies.aeolian_loop.loops[mode]:
            roots = tuple(spell(f, "C", mode)[1] for f in loop.split())
            assert roots in LOOPS[family], f"{mode}: {loop} has roots {roots}"


def test_the_andalusian_loop_descends_to_a_major_dominant() -> None:
    """Flamenco's loop: every whole phrase between the first and the last walks down i VII VI V
    (Am G F E) to a major V, a major key from its relative minor (vi V IV III); and a flamenco
    brief is minor whatever its mood."""
    expected = {"minor": (0, 10, 8, 7), "major": (9, 7, 5, 4)}
    for piece in pieces("andalusian"):
        family = "major" if MODE_STEPS[piece.plan.mode][2] == 4 else "minor"
        phrases = cadenced_phrases(piece)
        whole = [p for p in phrases[1:-2] if len(p) == 4]
        assert all(tuple(degree(piece, c) for c in phrase) == expected[family] for phrase in whole), where(piece)
        dominants = [c for phrase in whole for c in phrase[-1:]]
        assert all((c.root_pc + 4) % 12 in c.pitch_classes for c in dominants), where(piece)  # a major third
    for text in ("happy flamenco, 30 seconds", "bright uplifting spanish guitar, 30 seconds"):
        plan = make_plan(build_brief(text, {}), P.generator(1, build_brief(text, {})))
        assert (plan.style, plan.mode, plan.harmony_vocabulary) == ("flamenco", "minor", "andalusian"), text


# --- the earlier rules, in every vocabulary ---------------------------------------------


@pytest.mark.parametrize("vocabulary", VOCABULARIES)
def test_rules_hold_in_every_vocabulary(vocabulary: str) -> None:
    """No parallel fifths or octaves between the bass and the pad's top voice or the melody;
    strong beats on chord tones (the seventh and ninth count); the bass in E1–G3 and every
    note in its instrument's range; the piece ends on its tonic, or a loop ends on a dominant
    leading back to the tonic it starts on; every section ends on a cadence.

    Strong beats sit on chord tones in 85 % of the vocabulary's pieces' notes together, and in
    80 % of each piece's: over a vamp's long chords a repeated phrase repeats its appoggiaturas
    (one piece in 25 at 80 %), which the melody's budget of one in ten does not see."""
    all_tones = all_strong = 0
    for piece in pieces(vocabulary):
        plan, chords = piece.plan, piece.chords
        for a, b in zip(chords, chords[1:]):
            assert not parallel_perfect(a.bass, max(a.voicing), b.bass, max(b.voicing)), (
                f"{where(piece)}: {a.figure}→{b.figure} at {b.start_q}")
        notes = piece.theme.notes
        for a, b in zip(notes, notes[1:]):
            low_a, low_b = chord_at(chords, a.start_q).bass, chord_at(chords, b.start_q).bass
            assert not parallel_perfect(low_a, a.pitch, low_b, b.pitch), f"{where(piece)}: melody at {b.start_q}"
        beats = (0, 2) if plan.meter == (4, 4) else (0,)
        strong = [n for n in notes if (n.start_q - plan.pickup_q) % plan.bar_q in beats]
        tones = sum(1 for n in strong if n.pitch % 12 in chord_at(chords, n.start_q).pitch_classes)
        all_tones, all_strong = all_tones + tones, all_strong + len(strong)
        if len(strong) >= 8:
            assert tones >= 0.8 * len(strong), f"{where(piece)}: {tones} of {len(strong)} strong beats"
        assert all(28 <= c.bass <= 55 for c in chords), where(piece)
        for part in piece.parts:
            if not part.is_drums:
                low, high = gm_ranges()[part.role.program]
                assert all(low <= n.pitch <= high for n in part.notes), f"{where(piece)}: {part.role.name}"
        first, last = chords[0], chords[-1]
        if plan.ending == "loop":
            assert last.function == "D" and last.cadence == "half", f"{where(piece)}: loop ends on {last.figure}"
            assert degree(piece, first) == 0, f"{where(piece)}: loop starts on {first.figure}"
        else:
            assert degree(piece, last) == 0 and last.cadence == "authentic", f"{where(piece)}: ends on {last.figure}"
            assert chords[-2].function == "D", f"{where(piece)}: {chords[-2].figure}–{last.figure}"
        for section in plan.sections:
            if section.name != "pickup" and section.length_q >= 4 * plan.bar_q:
                assert chord_at(chords, section.end_q - Fraction(1, 64)).cadence, f"{where(piece)}: {section.name}"
    assert all_tones >= 0.85 * all_strong, f"{all_tones} of {all_strong} strong beats on chord tones"


@pytest.mark.parametrize("vocabulary", ("sevenths", "jazz", "blues"))
def test_stingers_speak_the_vocabulary(vocabulary: str) -> None:
    for seed in SEEDS:
        piece = composed("epic logo sting, 3 seconds", seed, vocabulary)
        assert degree(piece, piece.chords[-1]) == 0, where(piece)
        assert any(len(set(c.pitch_classes)) >= 4 for c in piece.chords), where(piece)


def test_the_score_spells_seventh_chords_in_thirds() -> None:
    """The written pad chords of four pitch classes are spelled as seventh chords (thirds
    stacked on a root), as music21 reads them back."""
    sevenths = 0
    for vocabulary in ("sevenths", "jazz", "blues"):
        piece = composed(BRIEFS[2], MIDI_SEEDS[0], vocabulary)
        pad = next(p for p in piece.score.parts if p.id == "pad")
        for element in pad.flatten().getElementsByClass(m21chord.Chord):
            span = chord_at(piece.chords, Fraction(element.offset))
            if len(span.pitch_classes) == 4 and {p.pitchClass for p in element.pitches} == set(span.pitch_classes):
                sevenths += 1
                assert element.isSeventh(), f"{where(piece)}: {element.pitchedCommonName} {element.pitches}"
    assert sevenths >= 20, sevenths


def test_a_tritone_substitute_is_written_as_its_own_chord() -> None:
    """A tritone substitute's tones are written as the chord spells them where the key would
    spell them otherwise: E7 in E-flat major has G-sharp (not A-flat), B7 in B-flat major
    D-sharp: its third is a major third above its root as written, over the seeds that play one."""
    from music21 import interval

    checked = 0
    for seed in range(1, 13):
        piece = composed(BRIEFS[0], seed, "jazz")
        substitutes = [c for c in piece.chords if c.function == "D" and degree(piece, c) == 1]
        pad = next(p for p in piece.score.parts if p.id == "pad")
        for element in pad.flatten().notes:
            chord = next((c for c in substitutes if c.start_q <= Fraction(element.offset) < c.end_q), None)
            if chord is None:
                continue
            roots = [p for p in element.pitches if p.pitchClass == chord.root_pc]
            thirds = [p for p in element.pitches if p.pitchClass == (chord.root_pc + 4) % 12]
            for root in roots[:1]:
                for third in thirds:
                    checked += 1
                    name = interval.Interval(root, third).simpleName
                    assert name == "M3", f"{where(piece)}: {root} to {third} at {element.offset} is {name}"
        if checked >= 4:
            break
    assert checked >= 2, checked


def test_chord_symbols_name_the_chords() -> None:
    symbols = [chord_symbol(f, "C", "major") for f in ("I7", "ii7", "iii7", "IV7", "V7", "vi7", "viiø7", "I9")]
    assert symbols == ["Cmaj7", "Dm7", "Em7", "Fmaj7", "G7", "Am7", "Bø7", "Cmaj9"]
    assert [chord_symbol(f, "C", "minor") for f in ("i7", "iiø7", "V9", "VI7")] == ["Cm7", "Dø7", "G7b9", "Abmaj7"]
