"""Styles: the library is valid data, a brief's words choose its style, and each style's groove
is heard in the written MIDI (read back with mido) over a few seeds of short cues."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import mido
import pytest

from composer import compose
from composer.base.errors import ComposerError
from composer.composition.brief import build_brief, parse_text
from composer.composition.plan import Plan, make_plan, plan_data
from composer.composition.styles import Groove, Level, StyleLibrary, check_library, style_library, style_words, styles
from composer.piece import explanation, generator

SEEDS = (1, 2)
#: How far (in quarter notes) a hit may sit from its grid position: the drums' micro-timing.
NEAR_Q = 0.06
SNARES = {38, 40}
KICK = 36
TIMEKEEPERS = {42, 44, 46, 51}


def _brief(word: str) -> str:
    return f"energetic {word} theme for a product video, 20 seconds"


def _drum_bars(style: str, seed: int) -> tuple[tuple[int, int], list[list[tuple[float, int]]]]:
    """The MIDI's meter and its body bars' drum hits (beats from the bar's start, GM key): the
    bars the groove plays in, without the first and the last."""
    piece = compose(_brief(style_library().styles[style].words[0]), seed=seed)
    assert piece.plan.style == style
    midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
    meter = next((m.numerator, m.denominator) for m in midi.tracks[0] if m.type == "time_signature")
    bar_q = 4 * meter[0] / meter[1]
    hits: dict[int, list[tuple[float, int]]] = {}
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity and message.channel == 9:
                q = tick / midi.ticks_per_beat
                bar = int((q + NEAR_Q) // bar_q)
                hits.setdefault(bar, []).append((q - bar * bar_q, message.note))
    last = max(hits)
    return meter, [hits[bar] for bar in sorted(hits) if 0 < bar < last]


def _on(hits: list[tuple[float, int]], beat: int, keys: set[int]) -> bool:
    """Whether one of ``keys`` sounds on ``beat`` (1 is the downbeat)."""
    return any(abs(q - (beat - 1)) < NEAR_Q and key in keys for q, key in hits)


def _share(bars: list[list[tuple[float, int]]], test: Callable[[list[tuple[float, int]]], bool]) -> float:
    assert bars, "no body bars with drums"
    return sum(1 for hits in bars if test(hits)) / len(bars)


# --- the library ------------------------------------------------------------------------------

def test_the_library_covers_distinct_grooves() -> None:
    library = styles()
    assert len(library) >= 16
    with_kit = [s for s in library.values() if s.drums is not None]
    assert {s.name for s in library.values() if s.drums is None} == {"cinematic orchestral", "ambient"}
    assert all(len(s.drums.levels) >= 2 for s in with_kit if s.drums)
    assert {s.feel for s in library.values()} >= {"straight", "swing", "half-time"}


def test_the_plan_defaults_name_styles() -> None:
    rules = plan_data().styles
    assert {rules.default, *rules.kinds.values(), *rules.presets.values()} <= set(styles())


def test_a_grid_that_does_not_fill_its_bar_is_a_data_error() -> None:
    library = style_library()
    pop = library.styles["pop"]
    assert pop.drums is not None
    short = replace(pop.drums, levels={"calm": Level(0.3, {"kick": (100, 0, 0)})})
    broken = StyleLibrary(library.drum_keys, {**library.styles, "pop": replace(pop, drums=short)})
    with pytest.raises(ComposerError, match=r"styles\.pop\.drums\.levels\.calm\.steps\.kick: expected 16 steps"):
        check_library(broken)
    unknown = replace(pop.drums, fill={"cowbel": (1, 2, 3, 4)})
    with pytest.raises(ComposerError, match="unknown drum voice"):
        check_library(StyleLibrary(library.drum_keys, {"pop": replace(pop, drums=unknown)}))


def test_a_groove_rests_below_its_first_level() -> None:
    groove = Groove("standard", {"light": Level(0.3, {}), "full": Level(0.6, {})}, {}, 100)
    assert groove.level_at(0.2) is None
    assert groove.level_at(0.3) is groove.levels["light"] and groove.level_at(0.9) is groove.levels["full"]


# --- briefs choose styles -------------------------------------------------------------------

@pytest.mark.parametrize("style", list(styles()))
def test_each_style_is_chosen_by_its_words(style: str) -> None:
    for word in styles()[style].words:
        brief = parse_text(f"{word} for a short video")
        assert brief.style == style, word
        assert not set(word.split()) & set(brief.ignored_words), word
        explained = explanation(brief, make_plan(brief, generator(1, brief)))
        assert explained["style"] == {"name": style, "words": [word]}


def test_the_longest_phrase_and_the_first_style_win() -> None:
    assert parse_text("lo-fi hip hop beat").style == "lo-fi hip hop"
    assert parse_text("hip hop beat").style == "boom-bap"
    brief = parse_text("a bossa nova, or maybe reggae")
    assert brief.style == "bossa nova" and "reggae" in brief.ignored_words
    assert any("more than one style" in note for note in brief.notes)


def test_an_era_is_a_style_not_a_length() -> None:
    brief = parse_text("80s synthwave drive, 30 seconds")
    assert (brief.style, brief.duration_s) == ("synthwave", 30.0)
    assert parse_text("product video, 80s").duration_s == 80.0


def test_without_style_words_the_use_case_plays_its_own() -> None:
    for text, style in (("bright product video", "pop"), ("tense trailer theme", "trailer hybrid"),
                        ("slow meditation", "ambient")):
        brief = parse_text(text)
        plan = make_plan(brief, generator(1, brief))
        assert (brief.style, plan.style) == (None, style)
        assert explanation(brief, plan)["style"] == {"name": style, "words": []}


def test_a_flag_or_file_names_a_style() -> None:
    assert build_brief("calm music for a video", {"style": "Bossa"}).style == "bossa nova"
    with pytest.raises(ComposerError, match="unknown style"):
        build_brief("calm music", {"style": "polka-step"})


def test_a_named_style_sets_tempo_meter_swing_and_drums() -> None:
    def plan(text: str) -> Plan:
        brief = parse_text(text)
        return make_plan(brief, generator(3, brief))

    techno = plan("techno, 128 bpm")
    assert techno.tempo_bpm == 128 and any(r.role == "drums" for r in techno.roles)
    reggae = plan("reggae for a product video, 30 seconds")
    assert 66 <= reggae.tempo_bpm <= 84 and reggae.tempo_range == (66, 84)
    assert plan("jazz for a product video").swing == Fraction(2, 3)
    assert plan("a waltz for a party").meter == (3, 4)
    assert plan("a march in 4/4").meter == (4, 4)
    assert not any(r.role == "drums" for r in plan("reggae for a product video, no drums").roles)
    assert not any(r.role == "drums" for r in plan("film score for a trailer").roles)


# --- grooves heard in the MIDI ---------------------------------------------------------------

@pytest.mark.parametrize("style", ["pop", "rock", "synthwave", "lo-fi hip hop", "boom-bap", "funk", "disco"])
def test_backbeat_styles_put_the_snare_on_two_and_four(style: str) -> None:
    for seed in SEEDS:
        meter, bars = _drum_bars(style, seed)
        assert meter == (4, 4)
        assert _share(bars, lambda hits: _on(hits, 2, SNARES) and _on(hits, 4, SNARES)) >= 0.8, (style, seed)


@pytest.mark.parametrize("style", ["edm", "disco"])
def test_four_on_the_floor_styles_kick_every_beat(style: str) -> None:
    for seed in SEEDS:
        _, bars = _drum_bars(style, seed)
        assert _share(bars, lambda hits: all(_on(hits, beat, {KICK}) for beat in (1, 2, 3, 4))) == 1.0


def test_the_one_drop_has_kick_and_snare_on_three_and_nothing_on_one() -> None:
    for seed in SEEDS:
        _, bars = _drum_bars("reggae", seed)
        assert _share(bars, lambda hits: _on(hits, 3, {KICK}) and _on(hits, 3, SNARES | {37})) >= 0.8
        assert not any(_on(hits, 1, {KICK}) for hits in bars)


@pytest.mark.parametrize("style", ["jazz swing", "lo-fi hip hop", "boom-bap"])
def test_swing_styles_play_their_offbeat_eighths_late(style: str) -> None:
    for seed in SEEDS:
        _, bars = _drum_bars(style, seed)
        offbeats = [q % 1 for hits in bars for q, key in hits if key in TIMEKEEPERS and 0.4 < q % 1 < 0.78]
        assert len(offbeats) >= len(bars)
        assert all(0.6 <= share <= 0.7 for share in offbeats), (style, seed, offbeats)


def test_the_waltz_is_in_three_with_the_kick_on_one() -> None:
    for seed in SEEDS:
        meter, bars = _drum_bars("waltz", seed)
        assert meter == (3, 4)
        assert _share(bars, lambda hits: _on(hits, 1, {KICK}) and not _on(hits, 4, {KICK})) >= 0.8


@pytest.mark.parametrize("words", ["film score", "ambient music"])
def test_styles_without_a_kit_play_no_drums(words: str) -> None:
    for seed in SEEDS:
        piece = compose(f"epic {words} for a trailer, 12 seconds", seed=seed)
        midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
        assert not any(m.type == "note_on" and m.channel == 9 for track in midi.tracks for m in track)


def test_every_style_word_is_known_once() -> None:
    words = [word for style in styles().values() for word in style.words]
    assert len(words) == len(set(words)) == len(style_words())


def test_the_command_lists_styles_and_explain_takes_a_style_flag() -> None:
    import json

    from typer.testing import CliRunner

    from composer.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["styles"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    assert all(name in listed.stdout for name in styles())
    explained = runner.invoke(app, ["explain", "calm music for a video", "--style", "reggae", "--json"])
    assert explained.exit_code == 0
    assert json.loads(explained.stdout)["style"] == {"name": "reggae", "words": ["reggae"]}
    unknown = runner.invoke(app, ["explain", "calm music", "--style", "polka-step"])
    assert unknown.exit_code != 0
