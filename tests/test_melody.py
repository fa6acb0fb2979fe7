"""The theme as a listener meets it: the motif the report names is the one the MIDI file plays.

The report gives the motif as note names and durations and the times it is heard whole; these
tests read the MIDI file back with mido and find, at each of those times, the motif's rhythm
and its contour in scale steps (so a statement in sequence, a third higher, still counts).

The developments beyond restatement are checked on the composer's own notes over many seeds:
a diminution is the motif's contour at half its values in a build or climax, an extension
takes a statement's last step again into the cadence, and a tense motif's chromatic lower
neighbour resolves up a semitone to a chord tone.
"""

from __future__ import annotations

import io
import itertools
from fractions import Fraction
from functools import cache

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from music21 import pitch

from composer import compose
from composer import piece as P
from composer.composition.harmony import ChordSpan
from composer.composition.melody import MelodyNote, diminishable, is_strong
from composer.composition.plan import music21_key

THEMES = [
    "recurring melody theme for a video series, 60 seconds",
    "epic recurring theme for a trailer, 45 seconds",
    "gentle wedding theme in 3/4, 60 seconds",
    "bright theme for a 2-minute product video, builds in the final 40 seconds",
]


def onsets_s(midi_bytes: bytes, channel: int) -> list[tuple[float, int]]:
    """(onset in seconds, pitch) of the notes on ``channel``, read with mido."""
    notes, clock = [], 0.0
    for message in mido.MidiFile(file=io.BytesIO(midi_bytes)):  # merged tracks, times in seconds
        clock += message.time
        if message.type == "note_on" and message.velocity and message.channel == channel:
            notes.append((round(clock, 3), message.note))
    return notes


@pytest.mark.parametrize("brief", THEMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_report_names_the_motif_and_where_the_file_plays_it(brief: str, seed: int) -> None:
    piece = compose(brief, seed=seed)
    motif = piece.report()["motif"]
    # heard whole (exact contour) at least twice; with its varied returns, at least three times
    # by the n-gram measure (tests/test_evaluate.py)
    assert len(motif["statements_s"]) >= 2, motif
    assert len(motif["notes"]) == len(motif["rhythm_q"]) >= 4, motif
    assert all(pitch.Pitch(name).octave is not None for name in motif["notes"])
    melody = next(r for r in piece.plan.roles if r.role == "melody")
    played = onsets_s(piece.midi_bytes, melody.channel)
    stated = [p for p in played if any(abs(p[0] - s) <= 0.011 for s in motif["statements_s"])]  # ≤ 10 ms feel
    assert len(stated) == len(motif["statements_s"]), "every reported time starts a melody note"
    first = [pitch.Pitch(name).midi for name in motif["notes"]]
    assert stated[0][1] == first[0], "the named notes are the first statement"


STINGERS = ["epic logo sting, 3 seconds", "bright logo reveal, 4 seconds", "tense hit, 5 seconds",
            "playful transition whoosh, 2 seconds"]


@pytest.mark.parametrize("brief", STINGERS)
def test_a_stinger_climbs_its_chord_tones_into_the_hit(brief: str) -> None:
    landed = 0
    for seed in range(10):
        piece = compose(brief, seed=seed)
        climb = piece.theme.notes
        assert len(climb) >= 2, f"seed {seed}: a gesture needs at least two notes"
        assert all(a.pitch < b.pitch for a, b in zip(climb, climb[1:])), f"seed {seed}: {climb}"
        assert all(n.start_q + n.length_q <= piece.plan.pickup_q for n in climb), "the climb is the pickup"
        for note in climb:
            chord = next(c for c in reversed(piece.chords) if c.start_q <= note.start_q)
            assert note.pitch % 12 in chord.pitch_classes, f"seed {seed}: {note} is off {chord.figure}"
        hit = max((n for p in piece.parts if p.role.role == "melody" for n in p.notes), key=lambda n: n.start_q)
        landed += hit.start_q == piece.plan.pickup_q and hit.pitch > climb[-1].pitch
    assert landed >= 8, f"only {landed} of 10 climbs land on a higher hit"


# --- development: diminution, extension, chromatic neighbours ------------------------------

#: Thematic briefs with a build or climax, whose motifs are often long enough to be halved.
BUILDING_THEMES = ["gentle wedding theme in 3/4, 75 seconds",
                   "bright theme for a 2-minute product video, builds in the final 40 seconds"]
TENSE_THEMES = ["tense thriller trailer in D minor, 40 seconds",
                "suspenseful dark thriller theme, 90 seconds, builds in the final 30 seconds"]
DEVELOPING = settings(max_examples=12, deadline=None, derandomize=True)
SEEDS = st.integers(0, 2**31)
CHECKED_SEEDS = range(12)


@cache
def theme_of(brief: str, seed: int) -> P.Piece:
    """A piece composed once per (brief, seed) for the tests below (its MIDI is never built)."""
    return compose(brief, seed=seed)


def degrees(pitch_: int, piece: P.Piece, at_q: Fraction) -> set[int]:
    """The pitch as a step number of the key's seven-note scale at ``at_q``; a note outside the
    scale (a chromatic neighbour, a raised leading tone) may be read as either scale note
    beside it, as its spelling could say."""
    key = music21_key(*piece.plan.key_at(at_q))
    tonic = key.tonic.pitchClass
    shape = sorted((p.pitchClass - tonic) % 12 for p in key.getPitches()[:7])
    above = (pitch_ - tonic) % 12
    octave = (pitch_ - tonic - above) // 12 * 7
    below = max(i for i, s in enumerate(shape) if s <= above)
    return {octave + below} if shape[below] == above else {octave + below, octave + below + 1}


def contour_is(notes: list[MelodyNote], steps: tuple[int, ...], piece: P.Piece) -> bool:
    """Whether the notes move by exactly ``steps`` scale steps (some reading of each chromatic
    note makes them so)."""
    readings = itertools.product(*(degrees(n.pitch, piece, n.start_q) for n in notes))
    return any(tuple(b - a for a, b in zip(r, r[1:])) == steps for r in readings)


def chromatic_harmony(piece: P.Piece, notes: list[MelodyNote]) -> bool:
    """Whether a chord under the notes has a tone outside the key (plus minor's raised sixth and
    seventh): the melody then walks that chord's own scale, which letter steps cannot read."""
    key = music21_key(*piece.plan.key_at(notes[0].start_q))
    tonic = key.tonic.pitchClass
    scale = {p.pitchClass for p in key.getPitches()} | ({(tonic + 9) % 12, (tonic + 11) % 12} if key.mode == "minor" else set())
    return any(not set(piece_chord(piece, n.start_q).pitch_classes) <= scale for n in notes)


def piece_chord(piece: P.Piece, q: Fraction) -> ChordSpan:
    return next(c for c in reversed(piece.chords) if c.start_q <= q)


def notes_from(piece: P.Piece, q: Fraction, count: int) -> list[MelodyNote]:
    first = next(i for i, n in enumerate(piece.theme.notes) if n.start_q == q)
    return list(piece.theme.notes[first : first + count])


def section_at(piece: P.Piece, q: Fraction) -> str:
    return next(s.name for s in piece.plan.sections if s.start_q <= q < s.end_q)


def assert_diminutions_are_the_motif_twice_as_fast(piece: P.Piece) -> int:
    """Every reported diminution is the motif's contour at half its values, in a build or
    climax, its strong notes on chord tones, no value shorter than an eighth note or 0.2 s;
    returns how many were checked by contour (see ``chromatic_harmony``)."""
    motif, plan = piece.theme.motif, piece.plan
    checked = 0
    for q, kind in piece.theme.developments:
        if kind != "diminution":
            continue
        notes = notes_from(piece, q, len(motif.rhythm))
        assert [n.length_q for n in notes] == [r / 2 for r in motif.rhythm], f"seed {piece.seed}: {notes}"
        assert all(n.length_q >= Fraction(1, 2) and plan.seconds(n.length_q) >= 0.2 for n in notes)
        assert section_at(piece, q) in ("build", "climax"), f"seed {piece.seed}: diminution at {q}"
        for n in notes:
            if is_strong(n.start_q - plan.pickup_q, n.length_q, plan.bar_q):
                assert n.pitch % 12 in piece_chord(piece, n.start_q).pitch_classes, f"seed {piece.seed}: {n}"
        if not chromatic_harmony(piece, notes):
            assert contour_is(notes, motif.steps, piece), f"seed {piece.seed}: {notes} is not {motif.steps}"
            checked += 1
    return checked


@DEVELOPING
@given(seed=SEEDS, brief=st.sampled_from(BUILDING_THEMES))
def test_a_diminution_is_the_motif_at_half_its_values(seed: int, brief: str) -> None:
    assert_diminutions_are_the_motif_twice_as_fast(theme_of(brief, seed))


def test_diminution_drives_some_builds_and_climaxes_and_no_other_section() -> None:
    pieces = [theme_of(brief, seed) for brief in BUILDING_THEMES for seed in CHECKED_SEEDS]
    checked = sum(assert_diminutions_are_the_motif_twice_as_fast(p) for p in pieces)
    diminished = [p for p in pieces if any(kind == "diminution" for _, kind in p.theme.developments)]
    assert len(diminished) >= 3 and checked >= 3, f"{len(diminished)} pieces diminish, {checked} checked"
    assert all(diminishable(p.theme.motif, p.plan) for p in diminished)
    others = [theme_of(b, s) for b in THEMES[:2] + ["upbeat tiktok reel, 30 seconds"] for s in CHECKED_SEEDS[:6]]
    assert not any(kind == "diminution" for p in others for _, kind in p.theme.developments), "no build, no diminution"


def assert_extensions_continue_the_last_step(piece: P.Piece) -> int:
    """Every reported extension follows a whole statement (of the motif or a development of it)
    and takes that statement's last moving step again, once or twice, into the cadence bar."""
    theme, plan = piece.theme, piece.plan
    size = len(theme.motif.rhythm)
    starts = set(theme.statements_q) | {q for q, kind in theme.developments if kind != "extension"}
    found = 0
    for q, kind in theme.developments:
        if kind != "extension":
            continue
        index = next(i for i, n in enumerate(theme.notes) if n.start_q == q)
        statement = list(theme.notes[index - size : index])
        assert statement[0].start_q in starts, f"seed {piece.seed}: extension at {q} follows no statement"
        bar_end = q + plan.bar_q
        extension = [n for n in theme.notes[index:] if n.start_q < bar_end]
        assert 1 <= len(extension) <= 2 and extension[-1].start_q + extension[-1].length_q == bar_end, extension
        line = statement + extension
        if chromatic_harmony(piece, line):
            continue
        moved = [m for m in (b - a for a, b in zip(sorted(degrees(statement[-2].pitch, piece, q)),
                                                   sorted(degrees(statement[-1].pitch, piece, q))))]
        step = next(s for s in reversed(theme.motif.steps) if s)
        if theme.notes[index - size].start_q in {q_ for q_, k in theme.developments if k == "inversion"}:
            step = -step
        assert contour_is(line[-len(extension) - 1 :], (step,) * len(extension), piece), (
            f"seed {piece.seed}: {line} does not go on by {step} ({moved})")
        found += 1
    return found


@DEVELOPING
@given(seed=SEEDS, brief=st.sampled_from(THEMES))
def test_an_extension_carries_the_last_statement_on_in_sequence(seed: int, brief: str) -> None:
    assert_extensions_continue_the_last_step(theme_of(brief, seed))


def test_extensions_are_heard() -> None:
    pieces = [theme_of(brief, seed) for brief in THEMES for seed in CHECKED_SEEDS]
    extended = sum(assert_extensions_continue_the_last_step(p) > 0 for p in pieces)
    assert extended >= len(pieces) // 5, f"only {extended} of {len(pieces)} themes extend a statement"


def assert_neighbours_resolve_up_a_semitone(piece: P.Piece) -> tuple[int, int]:
    """In every exact statement of a motif with a chromatic neighbour, the neighbour is a weak
    note a semitone below the note before it and the chord tone after it; returns (neighbours,
    those outside the key's scale)."""
    theme, plan = piece.theme, piece.plan
    heard = outside = 0
    for q in theme.statements_q:
        notes = notes_from(piece, q, len(theme.motif.rhythm))
        for index in theme.motif.neighbours:
            before, neighbour, after = notes[index - 1 : index + 2]
            assert before.pitch - 1 == neighbour.pitch == after.pitch - 1, f"seed {piece.seed}: {notes}"
            assert not is_strong(neighbour.start_q - plan.pickup_q, neighbour.length_q, plan.bar_q)
            assert after.pitch % 12 in piece_chord(piece, after.start_q).pitch_classes, f"seed {piece.seed}: {after}"
            key = music21_key(*plan.key_at(q))
            heard += 1
            outside += neighbour.pitch % 12 not in {p.pitchClass for p in key.getPitches()}
    return heard, outside


@DEVELOPING
@given(seed=SEEDS, brief=st.sampled_from(TENSE_THEMES))
def test_a_tense_motifs_chromatic_neighbour_resolves_up_to_a_chord_tone(seed: int, brief: str) -> None:
    assert_neighbours_resolve_up_a_semitone(theme_of(brief, seed))


def test_tense_motifs_dip_to_chromatic_neighbours_and_others_do_not() -> None:
    tense = [theme_of(brief, seed) for brief in TENSE_THEMES for seed in CHECKED_SEEDS]
    heard, outside = map(sum, zip(*(assert_neighbours_resolve_up_a_semitone(p) for p in tense)))
    with_neighbour = sum(bool(p.theme.motif.neighbours) for p in tense)
    assert with_neighbour >= len(tense) // 2 and heard >= 20, f"{with_neighbour} motifs, {heard} neighbours heard"
    assert outside >= heard // 4, f"only {outside} of {heard} neighbours are outside the scale"
    plain = [theme_of(brief, seed) for brief in THEMES for seed in CHECKED_SEEDS[:4]]
    assert not any(p.theme.motif.neighbours for p in plain), "only a tense motif has chromatic neighbours"


def test_the_report_lists_the_developments_apart_from_the_statements() -> None:
    piece = theme_of(BUILDING_THEMES[0], next(s for s in CHECKED_SEEDS if any(
        k == "diminution" for _, k in theme_of(BUILDING_THEMES[0], s).theme.developments)))
    motif = piece.report()["motif"]
    listed = [(d["kind"], d["start_s"]) for d in motif["developments"]]
    assert listed == [(kind, round(piece.plan.seconds(q), 3)) for q, kind in piece.theme.developments]
    assert "diminution" in dict(listed) and not {s for _, s in listed} & set(motif["statements_s"])
