"""Casting (issue 14): who plays. A style's palette sounds in the roles the brief leaves free
(rock's guitars, reggae's organ, jazz's piano and upright bass), named instruments and
exclusions win over it; the drums play the style's General MIDI 2 kit, or the one the brief
names ("brushes"), and the default soundfont has every kit; percussion named is heard in a
percussion role; "just piano and drums" and "drums only" keep the drums they name; named
jazz and chamber ensembles fix who plays. Read back from the written MIDI (mido), short pieces.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from pathlib import Path

import mido
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import compose
from composer.audio.render import load_fluidsynth, render_midi
from composer.composition.brief import ensembles, lexicon, parse_text
from composer.composition.plan import make_plan
from composer.composition.plan.sound import SYNTHETIC_PROGRAMS
from composer.composition.styles import styles
from composer.piece import Piece

#: Use cases of every kind with a pulse (an ambient cue has no drums and holds its bass as a drone).
USES = ("product video", "calm interview underscore", "podcast bed", "epic trailer theme", "logo sting",
        "kids' explainer", "sad documentary")
#: The kit program every GM2 kit name stands for (bank 128).
GM2_KITS = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr-808": 25, "jazz": 32, "brush": 40,
            "orchestral": 48}


def midi_channels(piece: Piece) -> tuple[dict[int, int], Counter[int]]:
    """The program each channel is set to and how many notes each channel plays, from the MIDI."""
    programs: dict[int, int] = {}
    notes: Counter[int] = Counter()
    for track in mido.MidiFile(file=io.BytesIO(piece.midi_bytes)).tracks:
        for message in track:
            if message.type == "program_change":
                programs[message.channel] = message.program
            elif message.type == "note_on" and message.velocity > 0:
                notes[message.channel] += 1
    return programs, notes


def pitched(piece: Piece) -> list[int]:
    """The programs of the pitched channels that play notes, sorted."""
    programs, notes = midi_channels(piece)
    return sorted(programs[channel] for channel in notes if channel != 9)


def style_word(name: str) -> str | None:
    """A word naming the style that is no palette colour as well ("synthwave" also reads as
    "electronic"), so that what plays is the style's palette alone; None if it has none."""
    return next((word for word in styles()[name].words if not parse_text(word).colours), None)


# --- the style's palette -------------------------------------------------------------------

PALETTED = [name for name, style in styles().items() if style.palette and style_word(name)]


@pytest.mark.parametrize("name", PALETTED)
def test_the_style_palette_plays_the_roles_the_brief_leaves_free(name: str) -> None:
    """Whatever the use case, every pitched role the style's palette names plays one of its programs."""
    palette = styles()[name].palette
    for index, use in enumerate(USES):
        plan = make_plan(parse_text(f"{style_word(name)} for a {use}, 20 seconds"), random.Random(index))
        wrong = [(r.role, r.program) for r in plan.roles
                 if r.role in palette and not r.asked and r.program not in palette[r.role]]  # "big band" is an ensemble too
        assert not wrong, (name, use, plan.roles)


@pytest.mark.parametrize(("text", "wanted", "unwanted"), [
    ("aggressive rock track with pounding drums, 20 seconds", {29, 30, 34}, set(range(40, 56))),
    ("rock for a product video, 20 seconds", {29, 30, 34}, set(range(40, 56))),
    ("synthwave for a car commercial, 20 seconds", {38, 81, 89}, set(range(0, 80)) - {38, 39, 62, 63}),  # synth basses and brasses are synths
    ("reggae for a travel vlog, 20 seconds", {16, 33}, set(range(40, 56))),
    ("jazz for a hotel lobby, 20 seconds", {0, 32}, set(range(40, 56))),
    ("lo-fi hip hop, 20 seconds", {4, 33}, set(range(40, 56))),
])
def test_a_style_sounds_like_itself_in_the_midi(text: str, wanted: set[int], unwanted: set[int]) -> None:
    """Rock is guitars and electric bass, not strings or harp; synthwave synths; reggae organ,
    guitar and bass; jazz piano and upright bass; lo-fi electric piano and bass; each with drums."""
    piece = compose(text, seed=2)
    played = set(pitched(piece))
    assert wanted <= played and not played & unwanted, (text, played)
    assert midi_channels(piece)[1][9] > 0, text


def test_named_instruments_and_exclusions_win_over_the_palette() -> None:
    roles = {r.role: r.program for r in make_plan(parse_text("rock with a cello, 20 seconds"), random.Random(1)).roles}
    assert 42 in roles.values() and roles["bass"] == styles()["rock"].palette["bass"][0]
    programs = {r.program for r in make_plan(parse_text("rock, no distorted guitar, 20 seconds"), random.Random(1)).roles
                if r.role != "drums"}
    assert 30 not in programs and 29 in programs  # the palette's next choice stands in
    assert not any(r.role == "bass" for r in make_plan(parse_text("reggae, no bass, 20 seconds"), random.Random(1)).roles)


@pytest.mark.parametrize(("text", "program"), [("blues guitar for a motorbike ad, 45 seconds", 27),
                                               ("bossa nova with guitar, 30 seconds", 24),
                                               ("jazz trio with guitar, 30 seconds", 26),
                                               ("blues with an acoustic guitar, 30 seconds", 25),
                                               ("calm guitar underscore, 30 seconds", 25)])
def test_a_plain_guitar_is_the_styles_own(text: str, program: int) -> None:
    """"blues guitar" played a steel-string acoustic (the word's program) in a blues band whose
    guitar is electric: a plain "guitar" is the style's own guitar (nylon in bossa nova, hollow
    body in jazz), the word's own where the style has none; "acoustic guitar" is what it says."""
    plan = make_plan(parse_text(text), random.Random(1))
    guitars = [r.program for r in plan.roles if 24 <= r.program <= 31]
    assert guitars and guitars[0] == program, plan.roles


@pytest.mark.parametrize(("text", "program"), [("motown soul groove with horns, 40 seconds", 61),
                                               ("funk with horns, 30 seconds", 61),
                                               ("reggae with horns, 30 seconds", 56),
                                               ("epic orchestral trailer with horns, 40 seconds", 60)])
def test_horns_are_the_styles_horn_section(text: str, program: int) -> None:
    """"soul with horns" played the tune on a French horn: a soul, funk or reggae band's horns are
    its brass section or trumpet; an orchestra's horns are French horns."""
    plan = make_plan(parse_text(text), random.Random(1))
    assert {r.role: r.program for r in plan.roles}["melody"] == program, plan.roles


@pytest.mark.parametrize(("text", "programs"), [
    ("gritty blues guitar for a motorbike ad, 45 seconds", {"pad": 29}),
    ("gritty rock guitar riff for a car ad, 30 seconds", {"pad": 29, "melody": 29}),
    ("distorted guitar rock for a sports promo, 30 seconds", {"pad": 30}),
    ("gritty piano ballad, 30 seconds", {"pad": 0, "melody": 0}),
])
def test_gritty_and_distorted_recolour_only_the_clean_guitars(text: str, programs: dict[str, int]) -> None:
    """"gritty blues guitar" played a clean electric guitar: "gritty" (dirty, crunchy) makes the
    clean guitars overdriven and "distorted" (fuzz) distorted, named or not; a piano stays a piano."""
    roles = {r.role: r.program for r in make_plan(parse_text(text), random.Random(1)).roles}
    assert {role: roles[role] for role in programs} == programs, roles


def test_a_brass_band_is_cornets_trombones_and_a_tuba() -> None:
    roles = {r.role: r.program for r in make_plan(parse_text("proud march, brass band, 30 seconds"), random.Random(1)).roles}
    assert (roles["melody"], roles["counter"], roles["bass"]) == (56, 57, 58) and "drums" in roles


def test_colours_still_recolour_the_palette() -> None:
    """ "acoustic rock" keeps no synthesizer or electric program; "orchestral rock" plays the orchestra."""
    acoustic = make_plan(parse_text("acoustic rock for a product video, 20 seconds"), random.Random(1))
    assert not {r.program for r in acoustic.roles if r.role != "drums"} & SYNTHETIC_PROGRAMS, acoustic.roles
    orchestral = make_plan(parse_text("orchestral rock for a product video, 20 seconds"), random.Random(1))
    assert {48, 60} <= {r.program for r in orchestral.roles}, orchestral.roles


# --- the drum kit --------------------------------------------------------------------------

def test_the_kits_are_general_midi_2_and_every_style_names_one() -> None:
    assert dict(ensembles().kits) == GM2_KITS
    unknown = {name: style.drums.kit for name, style in styles().items()
               if style.drums is not None and style.drums.kit not in GM2_KITS}
    assert not unknown, f"styles naming a kit that is not a GM2 kit: {unknown}"


@pytest.mark.parametrize(("text", "kit"), [
    ("happy jazz trio with brushes, 12 seconds", 40),
    ("slow ballad with brushes for a wedding, 12 seconds", 40),
    ("rock for a product video, 12 seconds", 16),
    ("jazz for a hotel lobby, 12 seconds", 32),
    ("synthwave, 12 seconds", 24),
    ("hip hop with 808 drums, 12 seconds", 25),
    ("upbeat product video, 12 seconds", 0),
])
def test_the_drums_play_the_kit_of_the_style_or_the_brief(text: str, kit: int) -> None:
    """The Plan's drum Role carries the kit's program; the MIDI sets it on channel 10 (the
    standard kit is channel 10's own and needs no program change) and plays notes there."""
    piece = compose(text, seed=1)
    drums = [r for r in piece.plan.roles if r.role == "drums"]
    assert [r.program for r in drums] == [kit], piece.plan.roles
    programs, notes = midi_channels(piece)
    assert programs.get(9, 0) == kit and (kit != 0 or 9 not in programs) and notes[9] > 0, (programs, notes)
    assert not {"brushes", "drums", "808"} & set(piece.brief.ignored_words)


def test_the_soundfonts_have_every_kit(default_soundfont: Path, small_soundfont: Path) -> None:
    """Both the default soundfont and the bundled one hold each GM2 kit on bank 128, so no kit
    falls back to the standard one."""
    fluidsynth = load_fluidsynth()
    for soundfont in (default_soundfont, small_soundfont):
        synth = fluidsynth.Synth()
        try:
            font = synth.sfload(str(soundfont))
            missing = [kit for kit, program in GM2_KITS.items() if not synth.sfpreset_name(font, 128, program)]
        finally:
            synth.delete()
        assert not missing, (soundfont, missing)


def _drum_audio(kit: int, soundfont: Path) -> np.ndarray:
    """One second of snare and ride on channel 10 after a program change to ``kit``."""
    track = mido.MidiTrack([mido.Message("program_change", channel=9, program=kit)])
    for note in (38, 51, 38, 51):
        track += [mido.Message("note_on", channel=9, note=note, velocity=100, time=0),
                  mido.Message("note_off", channel=9, note=note, velocity=0, time=240)]
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    return render_midi(midi, soundfont, 1.0)


def test_a_kit_changes_the_sound_and_a_missing_one_falls_back_to_the_standard_kit(small_soundfont: Path) -> None:
    standard, brush = _drum_audio(0, small_soundfont), _drum_audio(40, small_soundfont)
    assert np.abs(standard).max() > 0.01 and np.abs(brush).max() > 0.01
    assert not np.allclose(standard, brush, atol=1e-3)
    assert np.allclose(_drum_audio(99, small_soundfont), standard, atol=1e-4)  # no kit 99: the standard one


# --- percussion and the drums named ----------------------------------------------------------

@pytest.mark.parametrize(("text", "program", "roles"), [
    ("timpani, epic trailer theme, 20 seconds", 47, ("timpani",)),
    ("taiko drums, product video, 20 seconds", 116, ("timpani", "ostinato")),
    ("steel drums for a travel vlog, 20 seconds", 114, ("melody", "ostinato")),
    ("melodic toms and marimba, kids' explainer, 20 seconds", 117, ("timpani", "ostinato")),
    ("playful marimba music for a kids' explainer, 20 seconds", 12, ("melody", "ostinato")),
    ("woodblock and glockenspiel, podcast bed, 20 seconds", 115, ("melody", "ostinato")),
])
def test_named_percussion_is_heard_in_a_percussion_role(text: str, program: int, roles: tuple[str, ...]) -> None:
    piece = compose(text, seed=3)
    role = next(r for r in piece.plan.roles if r.program == program and r.role != "drums")
    assert role.role in roles, piece.plan.roles
    programs, notes = midi_channels(piece)
    assert programs[role.channel] == program and notes[role.channel] > 0


@pytest.mark.parametrize(("text", "programs"), [
    ("just piano and drums for a product video, 12 seconds", [0]),
    ("piano and drums only, product video, 12 seconds", [0]),
    ("solo piano with drums, product video, 12 seconds", [0]),
    ("drums only, product video, 12 seconds", []),
    ("a drum solo for a product video, 12 seconds", []),
])
def test_drums_named_beside_instruments_that_play_alone_play_too(text: str, programs: list[int]) -> None:
    piece = compose(text, seed=1)
    assert pitched(piece) == programs and midi_channels(piece)[1][9] > 0, piece.plan.roles
    assert not {"solo", "only", "just"} & set(piece.brief.ignored_words)


def test_solo_without_drums_named_has_none() -> None:
    for text in ("solo piano, rock, 12 seconds", "just cello, product video, 12 seconds"):
        piece = compose(text, seed=1)
        assert len(pitched(piece)) == 1 and not midi_channels(piece)[1][9], piece.plan.roles


@pytest.mark.parametrize(("text", "programs", "drums"), [
    ("a jazz quartet for a hotel lobby, 12 seconds", [0, 32, 66], True),
    ("jazz quintet, 12 seconds", [0, 32, 56, 66], True),
    ("big band for a product launch, 12 seconds", [0, 32, 56, 61, 66], True),
    ("rock band, energetic, 12 seconds", [29, 30, 33], True),
    ("romantic piano quartet, 12 seconds", [0, 40, 41, 42], False),
    ("piano quintet for a wedding, 12 seconds", [0, 40, 40, 41, 42], False),
])
def test_jazz_rock_and_chamber_ensembles_fix_who_plays(text: str, programs: list[int], drums: bool) -> None:
    piece = compose(text, seed=2)
    assert pitched(piece) == programs, piece.plan.roles
    assert (midi_channels(piece)[1][9] > 0) == drums


# --- nobody named is left out ------------------------------------------------------------------

NAMES = sorted({min((w for w, p in lexicon().instruments.items() if p == program), key=len) for program in range(128)})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True),
       use=st.sampled_from((*USES, "meditation ambient", "lo-fi chill loop")), seed=st.integers(0, 9))
def test_up_to_three_named_instruments_always_find_a_part(names: list[str], use: str, seed: int) -> None:
    """Every kind has room for three named instruments: each gets a role on its program, and
    no "has no free part" note is written."""
    plan = make_plan(parse_text(f"{' and '.join(names)}, {use}, 20 seconds"), random.Random(seed))
    programs = {r.program for r in plan.roles if r.role != "drums"}
    assert {lexicon().instruments[name] for name in names} <= programs, (names, use, plan.roles)
    assert not any("no free part" in note for note in plan.notes)


# --- no vocals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(styles()))
def test_no_vocals_leaves_every_voice_out_of_the_palette(name: str) -> None:
    """"no vocals" keeps choir aahs, voice oohs, the synth voice, the voice lead and the choir
    pad out of every role, whatever the style and use case; gospel sings without it."""
    voices = set(ensembles().voices)
    assert {52, 53, 54} <= voices
    word = styles()[name].words[0]
    for index, use in enumerate(USES):
        plan = make_plan(parse_text(f"{word} for a {use}, no vocals, 20 seconds"), random.Random(index))
        assert not {r.program for r in plan.roles if r.role != "drums"} & voices, (name, use, plan.roles)


def test_no_vocals_silences_the_gospel_choir_in_the_midi() -> None:
    voices = set(ensembles().voices)
    for seed in range(1, 9):
        sung = compose("gospel for a product video, 12 seconds", seed=seed)
        unsung = compose("gospel for a product video, no vocals, 12 seconds", seed=seed)
        assert set(pitched(sung)) & voices and not set(pitched(unsung)) & voices, (seed, pitched(unsung))


# --- drums named in a calm cue ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["calm documentary underscore with brushes, 30 seconds",
                                  "calm piano and drums, interview underscore, 30 seconds",
                                  "quiet podcast bed with a drum kit, 30 seconds"])
def test_drums_named_in_a_calm_cue_play_quietly(text: str) -> None:
    """A calm cue's energy never reaches a groove's first level, but drums the brief names are
    heard: in most bars, softer than a theme's; not named, a calm underscore has none."""
    for seed in range(1, 9):
        piece = compose(text, seed=seed)
        midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
        beat_ticks, bar_q = midi.ticks_per_beat, float(piece.plan.bar_q)
        bars: set[int] = set()
        velocities: list[int] = []
        for track in midi.tracks:
            tick = 0
            for message in track:
                tick += message.time
                if message.type == "note_on" and message.velocity and message.channel == 9:
                    bars.add(int(tick / beat_ticks // bar_q))
                    velocities.append(message.velocity)
        assert len(bars) >= 0.5 * piece.plan.bars, (text, seed, sorted(bars))
        assert sum(velocities) / len(velocities) < 60, (text, seed)
    assert not midi_channels(compose("calm documentary underscore, 30 seconds", seed=1))[1][9]


@pytest.mark.parametrize("brief,program", [("big band with muted trumpet, 2 minutes", 59),
                                           ("swinging big band bed with a muted trumpet lead, 5 minutes", 59)])
def test_a_named_instrument_takes_its_familys_part_from_a_named_ensemble(brief: str, program: int) -> None:
    """An instrument named beside an ensemble that already fills the parts its family suits
    plays one of them instead of being left out ("big band with muted trumpet" played the
    band's open trumpet), and is heard in the MIDI."""
    piece = compose(brief, seed=1)
    assert program in {role.program for role in piece.plan.roles}
    assert not [note for note in piece.report()["notes"] if "no free part" in note]
    midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
    assert any(msg.type == "program_change" and msg.program == program for track in midi.tracks for msg in track)


@pytest.mark.parametrize("brief,program", [("swinging big band bed with a muted trumpet lead, 5 minutes", 59),
                                           ("lo-fi bed with a saxophone lead, 2 minutes", 65)])
def test_a_leading_instrument_plays_the_tune_even_in_a_bed_or_a_band(brief: str, program: int) -> None:
    """An instrument the brief names as the lead sings the melody: a bed's named instrument
    otherwise plays its ostinato, and a band's own melody part came first (the muted trumpet
    played the big band's ostinato under the open trumpet's tune). A band part it displaces
    says so in the notes."""
    piece = compose(brief, seed=1)
    melody = next(part for part in piece.parts if part.role.role == "melody")
    assert melody.role.program == program and melody.notes
    if "band" in brief:
        assert any("gives its part to the muted trumpet" in note for note in piece.report()["notes"])
