"""Long-form life (issue 17): a long piece changes its scene as library music does, a loop is
full at bar one, a counter-line moves on its own; read back
from the written MIDI. MIDI only; a few seeds of 5- and 10-minute beds."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest

from composer.base.quiet import quiet_import
from composer.composition.arrange.parts import NoteEvent
from composer.piece import Piece, compose

pretty_midi = quiet_import("pretty_midi")

WINDOW_S = 30.0
LONG_BEDS = [("warm lo-fi bed for a study stream, 5 minutes", 1), ("calm corporate podcast bed, 10 minutes", 2),
             ("gentle acoustic guitar bed for a travel podcast, 5 minutes, seamless loop", 3),
             ("uplifting corporate bed for an e-learning module, 8 minutes", 4)]


def windows(midi: pretty_midi.PrettyMIDI, length_s: float) -> list[tuple[frozenset[str], int, float | None]]:
    """Per 30-second window: the parts sounding in it, how many notes start in it, and the
    melody's mean pitch there (None where it rests)."""
    result = []
    start = 0.0
    while start + WINDOW_S <= length_s:
        end = start + WINDOW_S
        parts, onsets, melody = set(), 0, []
        for instrument in midi.instruments:
            inside = [n for n in instrument.notes if n.start < end and n.end > start]
            if inside:
                parts.add(instrument.name)
            onsets += sum(start <= n.start < end for n in instrument.notes)
            if "melody" in instrument.name.lower():
                melody += [n.pitch for n in inside]
        result.append((frozenset(parts), onsets, sum(melody) / len(melody) if melody else None))
        start = end
    return result


def differ(a: tuple[frozenset[str], int, float | None], b: tuple[frozenset[str], int, float | None]) -> bool:
    """Two windows a listener hears as different: other parts, a quarter more or fewer notes,
    or the melody four semitones higher or lower (or resting in one)."""
    if a[0] != b[0] or abs(a[1] - b[1]) >= 0.25 * max(a[1], b[1]):
        return True
    return (a[2] is None) != (b[2] is None) or (a[2] is not None and b[2] is not None and abs(a[2] - b[2]) >= 4)


@pytest.mark.parametrize("brief,seed", LONG_BEDS)
def test_a_long_bed_changes_its_scene_at_least_once_a_minute(brief: str, seed: int) -> None:
    piece = compose(brief, seed=seed)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    heard = windows(midi, piece.plan.duration_s)
    changes = [differ(a, b) for a, b in zip(heard, heard[1:])]
    # every 60 s (two window pairs) holds a change
    assert all(changes[i] or changes[i + 1] for i in range(len(changes) - 1)), changes
    assert len(piece.plan.scenes) >= 3 and piece.report()["scenes"][1]["resting"]


@pytest.mark.parametrize("brief,seed", LONG_BEDS)
def test_scenes_are_whole_sections_seeded_and_reported(brief: str, seed: int) -> None:
    piece = compose(brief, seed=seed)
    starts = {section.start_q for section in piece.plan.sections}
    assert all(scene.start_q in starts for scene in piece.plan.scenes)
    assert piece.plan.scenes[0].change == piece.plan.scenes[-1].change == "full"
    assert [s.change for s in compose(brief, seed=seed).plan.scenes] == [s.change for s in piece.plan.scenes]
    for scene in piece.plan.scenes:
        playing = {r.role for r in piece.plan.roles} - set(scene.resting)
        assert len(playing) >= 2 and playing & {"pad", "ostinato", "texture"}, scene
        for part in piece.parts:
            if part.role.role in scene.resting:
                assert not [n for n in part.notes if scene.start_q <= n.start_q < scene.end_q
                            and n.start_q not in {e.at_q for e in piece.plan.events}], (scene, part.role)


def test_a_short_piece_has_no_scenes() -> None:
    assert compose("calm corporate podcast bed, 90 seconds", seed=1).plan.scenes == ()


@pytest.mark.parametrize("brief", ["gentle acoustic guitar bed for a travel podcast, 3 minutes, seamless loop",
                                   "lo-fi chill bed for a study stream, 3 minutes, seamless loop",
                                   "upbeat corporate loop, 60 seconds", "calm piano loop for a menu, 30 s"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_loop_is_full_at_bar_one(brief: str, seed: int) -> None:
    """A loop's first bar sounds the parts its last bar leads into (no intro waiting for the
    drums or the tune at every wrap)."""
    piece = compose(brief, seed=seed)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    bar_s = float(piece.plan.seconds(piece.plan.bar_start_q(1)))
    end_s = piece.plan.duration_s
    first = {i.name for i in midi.instruments if any(n.start < bar_s for n in i.notes)}
    last = {i.name for i in midi.instruments if any(n.start < end_s and n.end > end_s - bar_s for n in i.notes)}
    assert first == last


@pytest.mark.parametrize("brief", ["heroic orchestral theme for a trailer, 2 minutes", "uplifting corporate theme, 90 seconds",
                                   "romantic string quartet for a wedding film, 60 seconds"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_counter_line_moves_on_its_own(brief: str, seed: int) -> None:
    """A counter-line has a contour of its own: at most 40 % of its moves repeat a pitch (it
    held common tones before: 50–90 %), and none moves with the melody in similar motion."""
    piece = compose(brief, seed=seed)
    counter = next((p for p in piece.parts if p.role.role == "counter" and len(p.notes) > 2), None)
    if counter is None:
        pytest.skip("no counter-line in this piece")
    pitches = [n.pitch for n in counter.notes]
    repeats = sum(a == b for a, b in zip(pitches, pitches[1:])) / (len(pitches) - 1)
    assert repeats <= 0.4, f"{repeats:.0%} repeated"


CLIMAX_THEMES = ["heroic orchestral theme for a trailer, 2 minutes", "uplifting corporate theme, 90 seconds",
                 "playful theme for a kids explainer, 75 seconds"]


def melody_notes(piece: Piece) -> list[NoteEvent]:
    """The notes the melody part plays (as arranged: scenes that rest it leave them out)."""
    return next((list(p.notes) for p in piece.parts if p.role.role == "melody"), [])


def test_a_thematic_cues_climax_holds_its_single_highest_melody_note() -> None:
    """A planned peak: the melody's highest note sounds in the climax and nowhere else (a tie
    with a note outside it does not count), in at least nine seeds of ten."""
    held = []
    for brief in CLIMAX_THEMES:
        for seed in range(1, 11):
            piece = compose(brief, seed=seed)
            climax = next(s for s in piece.plan.sections if s.name == "climax")
            notes = melody_notes(piece)
            inside = [n.pitch for n in notes if climax.start_q <= n.start_q < climax.end_q]
            outside = [n.pitch for n in notes if not climax.start_q <= n.start_q < climax.end_q]
            held.append(bool(inside) and max(inside) > max(outside, default=-1))
    assert sum(held) >= 0.9 * len(held), f"{sum(held)} of {len(held)}"


BarRhythm = frozenset[tuple[Fraction, Fraction]]


def bar_rhythms(piece: Piece) -> dict[int, BarRhythm]:
    """Per bar the melody sounds in, its rhythm: the (onset within the bar, length) of the notes
    starting there."""
    plan = piece.plan
    bars: dict[int, set[tuple[Fraction, Fraction]]] = {}
    for note in melody_notes(piece):
        bars.setdefault(plan.bar_at(note.start_q), set()).add((plan.in_bar_q(note.start_q), note.length_q))
    return {bar: frozenset(rhythm) for bar, rhythm in bars.items()}


def longest_run(rhythms: dict[int, BarRhythm]) -> int:
    """The most bars in a row with one rhythm (a bar without melody ends a run)."""
    longest = run = 0
    for bar in sorted(rhythms):
        run = run + 1 if bar - 1 in rhythms and rhythms[bar - 1] == rhythms[bar] else 1
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("brief", ["warm lo-fi bed for a study stream, 5 minutes",
                                   "heroic orchestral theme for a trailer, 2 minutes",
                                   "warm jazz cafe background music, 3 minutes"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_melody_bar_rhythm_repeats_more_than_four_times_in_a_row(brief: str, seed: int) -> None:
    """Themes develop in rhythm (displaced, re-ordered or re-struck statements, cadences
    shortened or anticipated): no bar's rhythm comes five times in a row (none of these styles
    is a riff, the one kind of music that may)."""
    rhythms = bar_rhythms(compose(brief, seed=seed))
    assert rhythms and longest_run(rhythms) <= 4


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_five_minute_beds_melody_uses_six_bar_rhythms(seed: int) -> None:
    """The vibraphone of a 5-minute lo-fi bed played 3 bar-rhythms; now at least 6."""
    rhythms = bar_rhythms(compose("warm lo-fi bed for a study stream, 5 minutes", seed=seed))
    assert len(set(rhythms.values())) >= 6, sorted(set(rhythms.values()), key=len)
