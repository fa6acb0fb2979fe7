"""The arrangement as it is played: energy, human feel, idiom, counter-line, texture, endings.

Properties run over briefs built from every kind of cue, use and shape, composed to MIDI only
(no audio), with derandomized hypothesis so that a run is repeatable. What the MIDI file says
(micro-timing, swing, pedal, expression, mix) is read back by mido and pretty_midi.

The energy rule, as measured here: the notes heard in each bar, each weighted by its velocity
(velocity / 127, drums included), must rise and fall with the plan's energy for that bar. A
note is heard in the bar it starts in and in every bar it is held into: a sustained pad ties
the tones it keeps rather than striking them again at each barline, and a held tone is as
present in its bar as a struck one.

- Bars measured: from the end of the intro (a vamp before the melody enters, which melody.py
  keeps silent whatever its energy) to the bar before the last (the last holds the ending:
  one hit or chord that rings, whatever the energy).
- Where the planned energy of those bars spans at least ``VARYING_ENERGY`` (0.15, a change a
  listener hears), the per-bar density must correlate with it at r >= 0.7 (Pearson).
- Where it spans less, a correlation is meaningless (a flat line has none), so the density
  must be flat too: its coefficient of variation over the bars at most ``FLAT_DENSITY_CV`` —
  unless it still follows the energy's small changes at r >= 0.7.
- A stinger has no bars: its hit must carry more notes x velocity than any beat of its pickup.
"""

from __future__ import annotations

import bisect
import io
import re
import statistics
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from composer.measure.music import read_music
from composer.measure.time_measures import ONSET_CLUSTER_S, mean_polyphony
from composer import piece as P
from composer.base.errors import ComposerError
from composer.composition.arrange import (BUTTON_Q, PIANOS, arrangement_data, counter_range, is_descant,
                                         load_arrangement_data)
from composer.composition.plan import plan_data
from composer.composition.harmony import ChordSpan
from composer.notation.midi import swung
from composer.composition.plan import SUSTAINING_PROGRAMS
from composer.base.quiet import quiet_import
from composer.base.theory import gm_ranges, parallel_perfect, scale_pitch_classes

pretty_midi = quiet_import("pretty_midi")

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True)
SEEDS = st.integers(0, 2**31)

MOODS = ["bright", "calm", "playful", "dark", "epic", "warm", "tense", "gentle", "uplifting", "mysterious", ""]
KINDS = ["", "underscore", "bed", "thematic", "ambient", "loop", "stinger"]
USES = ["product video", "corporate explainer", "documentary interview", "podcast", "tiktok reel", "logo reveal",
        "game menu", "wedding film", "trailer", "e-learning course", "meditation app", "lo-fi study stream", "vlog",
        "news bulletin"]
SHAPES = ["", ", builds in the final 20 seconds", ", starts quiet and swells", ", builds",
          ", gets quiet at 0:20 then lifts again at 0:35", ", steady", ", fades out", ", big finish", ", ends on a hit"]
LENGTHS = [20, 30, 45, 60, 90]


def _within(shape: str, seconds: int) -> str:
    """``shape`` if every moment it names falls inside the piece, else no shape: a change at or
    past the end is a user's error, refused (issue 16), not a brief to compose."""
    return shape if all(int(m) * 60 + int(s) < seconds for m, s in re.findall(r"(\d+):(\d\d)", shape)) else ""


#: Any brief these words make: every kind, use, mood, shape and ending.
BRIEFS = st.builds(lambda mood, kind, use, shape, seconds:
                   f"{mood} {kind} music for a {seconds}-second {use}{_within(shape, seconds)}",
                   st.sampled_from(MOODS), st.sampled_from(KINDS), st.sampled_from(USES), st.sampled_from(SHAPES),
                   st.sampled_from(LENGTHS))
THEMATIC_BRIEFS = st.builds(lambda mood, use, shape, seconds:
                            f"{mood} thematic music for a {seconds}-second {use}{_within(shape, seconds)}",
                            st.sampled_from(MOODS), st.sampled_from(USES), st.sampled_from(SHAPES),
                            st.sampled_from(LENGTHS))

VARYING_ENERGY = 0.15
MIN_CORRELATION = 0.7
FLAT_DENSITY_CV = 0.35

PRODUCT_VIDEO = ("bright, forward-moving background music for a 90-second product video, no vocals, "
                 "builds slightly in the final 20 seconds")
LOFI = "lo-fi hip hop bed for a 90-second vlog"
SAD_PIANO = "sad piano for a 45-second charity film"


def where(piece: P.Piece) -> str:
    return f"compose({piece.brief.text!r}, seed={piece.seed})"


#: Parts whose notes follow the theme's phrasing (a one-note cadence bar, a 2-bar motif), not the energy.
THEMATIC_ROLES = ("melody", "counter")


def heard_in(start: float, end: float, bar_length: float, bars: int) -> range:
    """The bars a note from ``start`` to ``end`` is heard in (in bar lengths' units from the
    first barline): the one it starts in and every one it is held into.

    >>> heard_in(0.5, 4.0, 2.0, 8), heard_in(-1.0, 1.0, 2.0, 8), heard_in(-2.0, -1.0, 2.0, 8)
    (range(0, 2), range(0, 1), range(0, 0))
    """
    first = int(start // bar_length)
    last = max(first, int((end - 1e-6) // bar_length))
    return range(max(0, first), min(bars, last + 1))


def bar_density(piece: P.Piece) -> list[float]:
    """Velocity-weighted notes (velocity / 127) heard in each bar, every part of the
    accompaniment: the melody and counter-line phrase as the theme does, which energy does not
    decide."""
    plan = piece.plan
    density = [0.0] * plan.bars
    for part in (p for p in piece.parts if p.role.role not in THEMATIC_ROLES):
        for note in part.notes:
            for bar in heard_in(float(note.start_q - plan.pickup_q), float(note.end_q - plan.pickup_q),
                                float(plan.bar_q), plan.bars):
                density[bar] += note.velocity / 127
    return density


def measured_bars(piece: P.Piece) -> list[int]:
    """From the end of the intro to the bar before the last, without an underscore's phrases
    left to the voice (where the melody rests by design, whatever the energy)."""
    plan = piece.plan
    intro = sum(int(s.length_q / plan.bar_q) for s in plan.sections if s.name == "intro")
    return [bar for bar in range(intro, plan.bars - 1) if bar not in plan.voice_bars]


def assert_density_follows_energy(piece: P.Piece, density: list[float]) -> None:
    bars = measured_bars(piece)
    if len(bars) < 3:
        return  # too short to have a curve
    energy = [piece.plan.bar_energy[b] for b in bars]
    played = [density[b] for b in bars]
    if max(energy) - min(energy) >= VARYING_ENERGY:
        r = float(np.corrcoef(energy, played)[0, 1])
        assert r >= MIN_CORRELATION, f"{where(piece)}: density/energy r = {r:.2f}\nenergy {energy}\ndensity {played}"
    else:
        cv = statistics.pstdev(played) / statistics.mean(played)
        follows = len(set(energy)) > 1 and float(np.corrcoef(energy, played)[0, 1]) >= MIN_CORRELATION
        assert cv <= FLAT_DENSITY_CV or follows, f"{where(piece)}: flat energy, density varies (CV {cv:.2f}): {played}"


# --- energy --------------------------------------------------------------------------------


@PROPERTY
@given(brief=BRIEFS, seed=SEEDS)
@example(brief=PRODUCT_VIDEO, seed=1)
@example(brief="calm underscore for a 60-second documentary interview, builds", seed=1)
@example(brief="warm loop for a 60-second podcast, gets quiet at 0:20 then lifts again at 0:35", seed=3)
def test_density_per_bar_follows_the_planned_energy(brief: str, seed: int) -> None:
    piece = P.compose(brief, seed=seed)
    if piece.plan.kind == "stinger":
        beats: dict[Fraction, float] = {}
        for part in piece.parts:
            for note in part.notes:
                beats[Fraction(int(note.start_q))] = beats.get(Fraction(int(note.start_q)), 0) + note.velocity / 127
        hit = beats.pop(piece.plan.pickup_q)
        assert all(hit > other for other in beats.values()), f"{where(piece)}: hit {hit:.1f}, pickup {beats}"
        return
    assert_density_follows_energy(piece, bar_density(piece))


def test_density_follows_the_energy_where_the_melody_leaves_a_phrase() -> None:
    """Once a known failure: an underscore's melody-free phrase outweighed a small planned change."""
    piece = P.compose("calm underscore music for a 30-second wedding film, builds", seed=119875)
    assert_density_follows_energy(piece, bar_density(piece))


@pytest.mark.parametrize("brief", [PRODUCT_VIDEO, "uplifting corporate explainer, builds, 60 seconds",
                                   "mysterious ambient music for a 90-second game menu, starts quiet and swells",
                                   LOFI + ", builds"])
def test_the_midi_file_read_back_shows_the_same_energy(brief: str) -> None:
    """The same rule on the written file, read by pretty_midi, where swing and micro-timing
    have moved the onsets: a note played a few ms early still belongs to the bar it starts."""
    piece = P.compose(brief, seed=2)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    bar_s = piece.plan.seconds(piece.plan.bar_q)
    density = [0.0] * piece.plan.bars
    for instrument in midi.instruments:
        for note in instrument.notes:
            # a note played a few ms early or late still belongs to the bars it is written in
            for bar in heard_in(note.start + 0.02, note.end - 0.02, bar_s, piece.plan.bars):
                density[bar] += note.velocity / 127
    assert_density_follows_energy(piece, density)


# --- human feel ----------------------------------------------------------------------------


def played_onsets(piece: P.Piece) -> list[list[float]]:
    """Note-on times (seconds) per part, as pretty_midi reads the file."""
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    return [sorted(n.start for n in instrument.notes) for instrument in midi.instruments]


@pytest.mark.parametrize("brief", [PRODUCT_VIDEO, LOFI])
def test_onsets_are_played_within_a_few_milliseconds_of_the_grid(brief: str) -> None:
    """Every onset is within its role's limit (at most 10 ms; drums and bass tighter) of where
    it is written (swung, where the piece swings), and the offsets really vary."""
    piece = P.compose(brief, seed=4)
    ratio = piece.plan.swing
    limits = arrangement_data().timing_ms
    for part, onsets in zip(piece.parts, played_onsets(piece)):
        written = sorted({piece.plan.seconds(swung(n.start_q, ratio)) for n in part.notes})
        assert len(written) == len(set(onsets)), part.role.role
        offsets_ms = [1000 * (played - due) for played, due in zip(sorted(set(onsets)), written)]
        limit = limits[part.role.role]
        assert limit <= 10
        assert max(abs(o) for o in offsets_ms) <= limit + 1, f"{part.role.role}: {max(offsets_ms, key=abs):.1f} ms"
        assert statistics.pstdev(offsets_ms) > limit / 6, f"{part.role.role}: offsets barely vary"


def test_swing_moves_the_second_eighth_of_each_beat() -> None:
    """In a lo-fi piece the drums' off-beat eighths fall at the swing ratio in the data (0.62
    of the beat); in a product video on the half beat. Measured on the drum track of the file."""
    for brief, expected in ((LOFI, float(plan_data().swing.colours["lofi"])), (PRODUCT_VIDEO, 0.5)):
        piece = P.compose(brief, seed=1)
        assert float(piece.plan.swing) == expected
        beat_s = 60 / float(piece.plan.tempo_bpm)
        drums = next(i for i in pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes)).instruments if i.is_drum)
        phases = [(n.start / beat_s) % 1 for n in drums.notes]
        offbeats = [phase for phase in phases if 0.4 < phase < 0.8]
        assert len(offbeats) > 50, where(piece)
        assert statistics.median(offbeats) == pytest.approx(expected, abs=0.01), where(piece)


@pytest.mark.parametrize("brief", [LOFI, "playful e-learning bed, 3 minutes, loopable"])
def test_the_human_feel_is_the_same_for_the_same_seed(brief: str) -> None:
    assert P.compose(brief, seed=5).midi_bytes == P.compose(brief, seed=5).midi_bytes
    assert P.compose(brief, seed=5).midi_bytes != P.compose(brief, seed=6).midi_bytes


@pytest.mark.parametrize("brief", ["warm seamless loop for a podcast, 30 seconds", "playful e-learning bed, 40 seconds, loopable",
                                   LOFI + ", seamless loop"])
def test_a_loop_starts_on_zero_and_its_last_notes_end_on_the_seam(brief: str) -> None:
    """Micro-timing never moves a note before the start or past the end: a loop's first notes
    sound at 0 and its held notes end exactly at the seam."""
    piece = P.compose(brief, seed=2)
    assert piece.plan.ending == "loop"
    midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
    end_tick = max(sum(m.time for m in track) for track in midi.tracks)
    first, last = [], []
    for track in midi.tracks[1:]:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity:
                first.append(tick)
            if message.type == "note_off":
                last.append(tick)
    held_to_the_seam = any(n.end_q >= piece.plan.end_q for part in piece.parts for n in part.notes)
    assert min(first) == 0 and max(last) <= end_tick
    assert max(last) == end_tick or not held_to_the_seam  # a comping pattern's short chords need not reach it
    assert midi.length == pytest.approx(piece.plan.duration_s, abs=0.001)


# --- idiom: pedal, expression, mix -----------------------------------------------------------


def test_a_piano_uses_the_sustain_pedal_changing_with_the_chords() -> None:
    piece = P.compose(SAD_PIANO, seed=1)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    pianos = [(part, instrument) for part, instrument in zip(piece.parts, midi.instruments)
              if part.role.program in PIANOS]
    assert pianos, where(piece)
    chord_starts = {round(piece.plan.seconds(c.start_q), 3) for c in piece.chords}
    for part, instrument in pianos:
        pedal = [(round(c.time, 3), c.value) for c in instrument.control_changes if c.number == 64]
        assert pedal, f"{part.role.name}: no pedal"
        assert [v for _, v in pedal] == [127, 0] * (len(pedal) // 2), "down and up in turn"
        ups = [t for t, v in pedal if v == 0]
        at_changes = [t for t in ups if t in chord_starts or t == round(piece.plan.duration_s, 3)]
        assert len(at_changes) >= 0.8 * len(ups), f"{part.role.name}: pedal lifted at {ups[:8]}"


def test_sustained_parts_swell_with_the_energy_and_every_part_has_its_mix_level() -> None:
    piece = P.compose(PRODUCT_VIDEO, seed=1)
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    mix = arrangement_data().mix
    sustaining = 0
    for part, instrument in zip(piece.parts, midi.instruments):
        volumes = [c.value for c in instrument.control_changes if c.number == 7]
        assert volumes == [piece.performance.part(part.role.role).mix_level], part.role.role
        if part.role.role == "melody" or part.is_drums:  # the balance lowers only the pitched accompaniment
            assert volumes == [mix[part.role.role]], part.role.role
        else:
            assert 0 < volumes[0] <= mix[part.role.role], part.role.role
        expression = [(c.time, c.value) for c in instrument.control_changes if c.number == 11]
        if part.role.program in SUSTAINING_PROGRAMS and not part.is_drums:
            sustaining += 1
            def level_at(seconds: float) -> int:
                return [v for t, v in expression if t <= seconds][-1]

            steady = [level_at(float(s)) for s in np.arange(5, piece.plan.duration_s - 25, 0.5)]
            late = [v for t, v in expression if t >= piece.plan.duration_s - 12]
            assert max(late) >= statistics.median(steady) + 8, f"{part.role.name}: no swell into the build"
            assert len({v for _, v in expression}) > 5
        else:
            assert not expression, part.role.role
    assert sustaining, "the product video has strings"


def test_a_fade_ending_takes_every_part_to_silence() -> None:
    piece = P.compose("calm documentary underscore, 40 seconds, fades out", seed=1)
    assert piece.plan.ending == "fade"
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    for instrument in midi.instruments:
        expression = [(c.time, c.value) for c in instrument.control_changes if c.number == 11]
        assert expression[-1] == (pytest.approx(piece.plan.duration_s, abs=0.01), 0), instrument.name
        fading = [v for t, v in expression if t > piece.plan.duration_s - 2]
        assert fading == sorted(fading, reverse=True), instrument.name


# --- counter-line ----------------------------------------------------------------------------


def chord_at(chords: list[ChordSpan], q: Fraction) -> ChordSpan:
    return chords[max(0, bisect.bisect_right([c.start_q for c in chords], q) - 1)]


def melody_at(piece: P.Piece, q: Fraction) -> int | None:
    for note in piece.theme.notes:
        if note.start_q <= q < note.start_q + note.length_q:
            return note.pitch
    return None


@PROPERTY
@given(brief=THEMATIC_BRIEFS, seed=SEEDS)
@example(brief=PRODUCT_VIDEO, seed=1)
def test_the_counter_line_moves_against_the_melody_on_chord_tones_under_or_over_it(brief: str, seed: int) -> None:
    piece = P.compose(brief, seed=seed)
    counter = next((p for p in piece.parts if p.role.role == "counter"), None)
    full = [b for b, e in enumerate(piece.plan.bar_energy) if e >= arrangement_data().counter_entry]
    if counter is None:
        assert "counter" not in {r.role for r in piece.roles}
        return
    assert counter.role.channel not in {p.role.channel for p in piece.parts if p is not counter}
    low, high = counter_range(piece.plan, counter.role.program)
    program_low, program_high = gm_ranges()[counter.role.program]
    contrary_or_oblique = moves = 0
    previous = None
    for note in counter.notes:
        chord = chord_at(piece.chords, note.start_q)
        melody = melody_at(piece, note.start_q)
        assert program_low <= low <= note.pitch <= high <= program_high, f"{where(piece)}: {note}"
        assert (note.start_q - piece.plan.pickup_q) % (piece.plan.bar_q / 2 if piece.plan.bar_q == 4 else piece.plan.bar_q) == 0
        assert note.pitch % 12 in chord.pitch_classes, f"{where(piece)}: {note.pitch} over {chord.figure}"
        side = 1 if is_descant(piece.plan, counter.role.program) else -1  # a piccolo sings over the tune
        assert melody is not None and side * (note.pitch - melody) >= 3, f"{where(piece)}: {note} by melody {melody}"
        if previous is not None and previous[0].end_q == note.start_q:
            last, last_melody = previous[0].pitch, previous[1]
            assert not parallel_perfect(last, last_melody, note.pitch, melody), f"{where(piece)} at {note.start_q}"
            counter_move, melody_move = note.pitch - last, melody - last_melody
            moves += 1
            contrary_or_oblique += counter_move * melody_move <= 0
        previous = (note, melody)
    if moves >= 8:
        assert contrary_or_oblique / moves >= 0.75, f"{where(piece)}: {contrary_or_oblique}/{moves} contrary or oblique"
    if len(full) >= 8 and piece.theme.notes:
        assert counter.notes, f"{where(piece)}: {len(full)} full bars and no counter-line"


def test_the_counter_line_plays_in_thematic_cues_only_and_is_heard_where_cast() -> None:
    """A corporate underscore's counter once was cast and never reached its energy: a silent
    track. Now only themes have one, and it plays in each theme's fuller bars."""
    briefs = (PRODUCT_VIDEO, "uplifting corporate theme, 60 seconds", "heroic orchestral theme, 45 seconds",
              "corporate explainer, trustworthy and optimistic, 1:30",
              "calm reflective underscore for a 60-second documentary interview, no drums",
              "warm seamless loop for a podcast, 2 minutes", "epic logo sting, 3 seconds")
    for seed in (1, 2):
        pieces = {brief: P.compose(brief, seed=seed) for brief in briefs}
        cast = [any(part.role.role == "counter" for part in piece.parts) for piece in pieces.values()]
        assert cast == [True, True, True, False, False, False, False], cast
        for piece in pieces.values():
            assert all(part.notes for part in piece.parts if part.role.role == "counter"), piece.plan.kind


# --- texture -------------------------------------------------------------------------------


TEXTURE_BRIEFS = [PRODUCT_VIDEO, "corporate explainer, trustworthy and optimistic, 1:30", "upbeat tiktok reel, 30 seconds",
                  "tense thriller trailer in D minor, 40 seconds", "gentle wedding theme in 3/4, 75 seconds",
                  "warm seamless loop for a podcast, 2 minutes",
                  "calm reflective underscore for a 60-second documentary interview, no drums"]


def test_the_texture_is_not_thicker_than_it_needs_to_be() -> None:
    """Mean polyphony (pitched notes sounding at once, from the MIDI file) near a four-part
    chorale's ~4: median at most 5.2 over these briefs, none above 6.5 (it was 5-6.4 when every
    layer played full chords all the time)."""
    polyphony = [mean_polyphony(read_music(P.compose(b, seed=s).midi_bytes, b))
                 for b in TEXTURE_BRIEFS for s in (1, 2)]
    assert statistics.median(p for p in polyphony if p) <= 5.2, polyphony
    assert max(p for p in polyphony if p) <= 6.5, polyphony


def test_calm_phrases_breathe_at_their_ends() -> None:
    """Below the breath energy, the pad lets go a beat before the end of each four-bar phrase,
    and no ostinato note sounds there."""
    piece = P.compose("calm corporate explainer, 60 seconds", seed=2)
    plan = piece.plan
    breath = arrangement_data().texture.breath_energy
    checked = 0
    for section in plan.sections:
        for bar in range(3, int(section.length_q / plan.bar_q), 4):
            start = section.start_q + bar * plan.bar_q
            last_beat = start + plan.bar_q - 1
            index = int((start - plan.pickup_q) / plan.bar_q)
            if plan.bar_energy[index] >= breath or start + plan.bar_q >= plan.music_q:
                continue
            for part in piece.parts:
                if part.role.role in ("pad", "ostinato"):
                    sounding = [n for n in part.notes if n.start_q <= last_beat < n.end_q]
                    assert not sounding, f"{where(piece)}: {part.role.role} sounds in the last beat of bar {index}"
            checked += 1
    assert checked >= 2


# --- endings -------------------------------------------------------------------------------


def test_a_button_ending_is_one_short_tonic_hit_from_everyone() -> None:
    piece = P.compose(PRODUCT_VIDEO, seed=3, ending="button")
    final = piece.chords[-1]
    assert piece.plan.ending == "button"
    for part in piece.parts:
        after = [n for n in part.notes if n.end_q > final.start_q]
        assert after or part.role.role == "counter", f"{part.role.role} does not play the button"
        assert all(n.start_q == final.start_q for n in after), part.role.role
        if not part.is_drums:
            assert all(n.length_q == BUTTON_Q for n in after), part.role.role
            assert {n.pitch % 12 for n in after} <= set(final.pitch_classes)
    assert final.root_pc in {n.pitch % 12 for p in piece.parts if p.role.role == "bass" for n in p.notes if n.start_q == final.start_q}


def test_a_ring_ending_holds_the_final_chord_into_its_release() -> None:
    piece = P.compose(PRODUCT_VIDEO, seed=3)
    final = piece.chords[-1]
    assert piece.plan.ending == "ring"
    pad = next(p for p in piece.parts if p.role.role == "pad")
    held = [n for n in pad.notes if n.start_q == final.start_q]
    assert held and all(n.end_q > final.start_q + piece.plan.bar_q for n in held)


# --- kinds: ambient and stinger ------------------------------------------------------------


AMBIENT_BRIEFS = st.builds(lambda mood, use, shape, seconds:
                           f"{mood} ambient music for a {seconds}-second {use}{_within(shape, seconds)}",
                           st.sampled_from(MOODS), st.sampled_from(USES), st.sampled_from(SHAPES),
                           st.sampled_from(LENGTHS))
GROOVE = "upbeat tiktok reel, 30 seconds"


def onset_intervals_s(data: bytes) -> list[float]:
    """Seconds between the onsets read back from a MIDI file (all parts; onsets closer than the
    evaluator's cluster width counted once)."""
    onsets: list[float] = []
    for start in sorted(n.start_s for n in read_music(data, "piece").notes):
        if not onsets or start - onsets[-1] > ONSET_CLUSTER_S:
            onsets.append(start)
    return [b - a for a, b in zip(onsets, onsets[1:])]


def commonest_interval_share(intervals: list[float]) -> float:
    """The share of intervals within 20 ms of the commonest one: a grid repeats one interval."""
    return max(sum(1 for other in intervals if abs(other - interval) <= 0.02) for interval in intervals) / len(intervals)


@pytest.fixture(scope="module")
def groove() -> tuple[float, float]:
    """The baseline: onset-interval CV and commonest-interval share of a drum-driven reel."""
    intervals = onset_intervals_s(P.compose(GROOVE, seed=1).midi_bytes)
    cv = statistics.pstdev(intervals) / statistics.mean(intervals)
    return cv, commonest_interval_share(intervals)


@PROPERTY
@given(brief=AMBIENT_BRIEFS, seed=SEEDS)
@example(brief="dark ambient soundscape, 1 minute", seed=1)
def test_an_ambient_cue_has_no_steady_onset_grid(groove: tuple[float, float], brief: str, seed: int) -> None:
    """Read back from the MIDI file, an ambient cue's onsets are spread, not gridded: the spread of
    its onset intervals (CV) at least four times a groove's, and its commonest interval (a grid
    repeats one) at most half as common as in the groove."""
    groove_cv, groove_share = groove
    assert groove_cv < 0.15 and groove_share > 0.6, "the baseline is a steady groove"
    piece = P.compose(brief, seed=seed)
    assert piece.plan.kind == "ambient" and not any(p.is_drums for p in piece.parts)
    intervals = onset_intervals_s(piece.midi_bytes)
    cv = statistics.pstdev(intervals) / statistics.mean(intervals)
    assert cv >= 4 * groove_cv, f"{where(piece)}: onset CV {cv:.2f}, groove {groove_cv:.2f}"
    assert commonest_interval_share(intervals) <= groove_share / 2, where(piece)


STINGER_BRIEFS = st.builds(lambda mood, use, seconds: f"{mood} {seconds}-second stinger for a {use}",
                           st.sampled_from(MOODS), st.sampled_from(USES), st.sampled_from([1, 1.5, 2, 3, 4, 5, 6]))


@settings(max_examples=24, deadline=None, derandomize=True)
@given(brief=STINGER_BRIEFS, seed=SEEDS)
def test_a_stinger_lasts_its_seconds_and_peaks_in_its_first_half(small_soundfont, brief: str, seed: int) -> None:
    """Rendered, a stinger is 1–6 s long and its loudest 50 ms (RMS) falls in its first half: a
    short pickup into the hit, which then rings out to the end."""
    piece = P.compose(brief, seed=seed)
    assert piece.plan.kind == "stinger"
    audio = piece.audio(small_soundfont)
    assert 1.0 <= len(audio) / 44100 <= 6.0 and len(audio) == round(piece.plan.duration_s * 44100)
    window = 2205
    windows = len(audio) // window
    rms = np.sqrt((audio[: windows * window] ** 2).mean(axis=1).reshape(windows, window).mean(axis=1))
    loudest_s = (int(rms.argmax()) + 0.5) * window / 44100
    assert loudest_s < len(audio) / 44100 / 2, f"{where(piece)}: loudest at {loudest_s:.2f} s of {len(audio) / 44100:.2f}"


# --- bass ----------------------------------------------------------------------------------


@PROPERTY
@given(brief=BRIEFS, seed=SEEDS)
@example(brief="upbeat tiktok reel, 30 seconds", seed=1)
def test_a_bass_note_outside_its_chord_is_an_approach_into_the_next(brief: str, seed: int) -> None:
    """Outside the chord's tones the bass plays only approach notes: off the downbeat, in the
    key's scale, a step (1–3 semitones) from the next bass note, which starts the next chord,
    and not in parallel fifths or octaves with the pad's top voice."""
    piece = P.compose(brief, seed=seed)
    bass = next((p for p in piece.parts if p.role.role == "bass"), None)
    if bass is None:
        return
    for note, following in zip(bass.notes, bass.notes[1:]):
        chord = chord_at(piece.chords, note.start_q)
        if note.pitch % 12 in chord.pitch_classes:
            continue
        assert (note.start_q - piece.plan.pickup_q) % piece.plan.bar_q != 0, f"{where(piece)}: {note} on a downbeat"
        assert following.start_q == note.end_q or following.start_q - note.start_q <= 1, where(piece)
        assert chord_at(piece.chords, following.start_q) is not chord, f"{where(piece)}: {note} leads nowhere new"
        assert 1 <= abs(following.pitch - note.pitch) <= 3, f"{where(piece)}: {note} → {following}"
        assert note.pitch % 12 in scale_pitch_classes(*piece.plan.key_at(note.start_q)), where(piece)
        following_chord = chord_at(piece.chords, following.start_q)
        assert not parallel_perfect(note.pitch, max(chord.voicing), following.pitch, max(following_chord.voicing)), (
            f"{where(piece)}: {note} moves in parallel with the pad's top voice")


def test_a_driving_bass_steps_into_some_chord_changes() -> None:
    approaches = 0
    for seed in range(6):
        piece = P.compose("upbeat tiktok reel, 30 seconds", seed=seed)
        bass = next(p for p in piece.parts if p.role.role == "bass")
        approaches += sum(1 for n in bass.notes if n.pitch % 12 not in chord_at(piece.chords, n.start_q).pitch_classes)
    assert approaches >= 6


# --- percussion ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_a_trailer_has_timpani_on_the_chord_roots(seed: int) -> None:
    """The trailer palette's timpani: the root of the chord it sounds under, in the drums' range
    D2–C4, louder at a section that arrives stronger than at the roll leading into it."""
    piece = P.compose("epic trailer, 90 seconds, builds", seed=seed)
    timpani = next(p for p in piece.parts if p.role.role == "timpani")
    assert timpani.role.program == 47 and len(timpani.notes) >= 8
    low, high = gm_ranges()[47]
    for note in timpani.notes:
        assert low <= note.pitch <= high
        assert note.pitch % 12 == chord_at(piece.chords, note.start_q).root_pc, f"{where(piece)}: {note}"
    assert max(n.velocity for n in timpani.notes) >= 100


@pytest.mark.parametrize("brief", ["epic trailer, 60 seconds, no drums", "tense documentary underscore, 60 seconds",
                                   "dark ambient soundscape, 1 minute", PRODUCT_VIDEO])
def test_no_timpani_without_percussion_or_outside_the_trailer_palette(brief: str) -> None:
    assert all(r.role != "timpani" for r in P.compose(brief, seed=1).roles)


@pytest.mark.parametrize("seed", range(3))
def test_trailer_drums_are_toms_and_a_pop_kit_keeps_its_hats(seed: int) -> None:
    """A trailer's kit booms on floor tom and kick and plays tom figures and fills, with no
    hi-hat; a reel's pop kit keeps hats, kick and backbeat. Both crash on arrivals."""
    keys = {}
    for brief in ("epic trailer, 90 seconds, builds", "upbeat tiktok reel, 30 seconds"):
        piece = P.compose(brief, seed=seed)
        drums = next(p for p in piece.parts if p.is_drums)
        keys[brief] = {n.pitch for n in drums.notes}
    trailer, reel = keys.values()
    assert {36, 41, 45, 50, 49} <= trailer and not trailer & {42, 44}, trailer
    assert {36, 38, 42, 49} <= reel and not reel & {41, 45, 50}, reel


# --- the arrangement's data ------------------------------------------------------------------


DATA_FILE = Path(__file__).resolve().parent.parent / "composer" / "data" / "arrangement.toml"


def test_the_packaged_data_loads_into_typed_records() -> None:
    data = load_arrangement_data(DATA_FILE)
    assert data == arrangement_data()
    assert set(data.timing_ms) == set(data.mix) == {"pad", "bass", "melody", "counter", "ostinato", "texture",
                                                    "timpani", "drums"}
    assert 0 < data.velocity.roles["underscore_melody"].full < data.velocity.roles["melody"].full <= 127


@pytest.mark.parametrize(("line", "replacement", "named"), [
    ("pad = [20, 100]", "pad = [20]", ("velocity.pad", "[20]", "two numbers")),
    ("pad = [20, 100]", "pad = [20, 300]", ("velocity.pad", "from 1 to 127")),
    ("drums = 4\n", "", ("timing_ms.drums", "missing")),
    ("melody = 110", "melody = \"loud\"", ("mix.melody", "'loud'", "whole number")),
    ("breath_energy = 0.6", "breath_enrgy = 0.6", ("texture.breath_energy", "missing")),
    ("entry = 0.6", "entry = 0.6\nexit = 0.2", ("counter.exit", "not a setting")),
    ("texture_beats = [3, 8]", "texture_beats = [8, 3]", ("ambient.texture_beats", "[fewest, most]")),
    ("[bass]", "[bas]", ("bass", "missing")),
    ("jitter = 4", "jitter = [4", ("cannot be read as TOML",)),
])
def test_a_malformed_data_file_fails_at_load_naming_the_file_the_key_and_the_problem(
        tmp_path: Path, line: str, replacement: str, named: tuple[str, ...]) -> None:
    text = DATA_FILE.read_text("utf-8")
    assert line in text
    broken = tmp_path / "arrangement.toml"
    broken.write_text(text.replace(line, replacement, 1), "utf-8")
    with pytest.raises(ComposerError) as failure:
        load_arrangement_data(broken)
    message = str(failure.value)
    assert str(broken) in message
    for word in named:
        assert word in message, message
