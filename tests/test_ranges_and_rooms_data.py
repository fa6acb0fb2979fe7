"""Typed data files: each loads into validated frozen records, and a malformed copy fails at load
with a ComposerError naming the file, the key and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from composer.audio.render import Room, read_rooms, rooms
from composer.base.errors import ComposerError
from composer.base.theory import read_gm_ranges
from tests.conftest import broken_data_copy


@pytest.mark.parametrize(("old", "new", "key", "problem"), [
    ("range = [21, 108]", "range = [108, 21]", "family.piano.range", "108 is above 21"),
    ("range = [21, 108]", "range = [21]", "family.piano.range", "expected [low, high]"),
    ("range = [21, 108]", "range = [21, 128]", "family.piano.range", "0–127"),
    ("programs = [0, 7]", "programs = [0, 8]", "family.chromatic_percussion.programs", "program 8"),
    ("programs = [0, 7]", "programs = [0, 6]", "family", "no family holds program 7"),
    ("programs = [0, 7]", "programs = [0, 7]\nrenge = [1, 2]", "family.piano", "exactly the keys"),
    ('"6" = [29, 89]', '"six" = [29, 89]', "program.six", "not a General MIDI program"),
    ('"6" = [29, 89]', '"6" = "F1"', "program.6", "expected [low, high]"),
    ("\n[program]\n", "\n[programs]\n", "programs", "unknown key"),
    ("\n[program]\n", "\n[program\n", "ranges.toml", "not valid TOML"),
])
def test_a_malformed_ranges_file_names_the_key_and_the_problem(
        tmp_path: Path, old: str, new: str, key: str, problem: str) -> None:
    path = broken_data_copy(tmp_path, "ranges", old, new)
    with pytest.raises(ComposerError, match=re.escape(str(path))) as caught:
        read_gm_ranges(path)
    assert key in str(caught.value) and problem in str(caught.value)


@pytest.mark.parametrize(("old", "new", "key", "problem"), [
    ("reverb_level = 0.3\n", "reverb_level = 1.5\n", "studio.reverb_level", "1.5 is outside 0–1"),
    ("reverb_level = 0.3\n", "reverb_level = \"wet\"\n", "studio.reverb_level", "expected float, found 'wet'"),
    ("chorus_voices = 3\n", "chorus_voices = 2.5\n", "studio.chorus_voices", "expected int, found 2.5"),
    ("chorus_voices = 3\n", "", "studio.chorus_voices", "missing"),
    ("chorus_voices = 3\n", "chorus_voices = 3\nchorus_wet = 1\n", "studio.chorus_wet", "unknown key"),
    ("[studio]\n", "studio = 1\n[studio_]\n", "studio", "expected a table"),
])
def test_a_malformed_rooms_file_names_the_key_and_the_problem(
        tmp_path: Path, old: str, new: str, key: str, problem: str) -> None:
    path = broken_data_copy(tmp_path, "rooms", old, new)
    with pytest.raises(ComposerError, match=re.escape(str(path))) as caught:
        read_rooms(path)
    assert f": {key}: {problem}" in str(caught.value)


def test_every_room_is_a_typed_record() -> None:
    assert set(rooms()) == {"studio", "booth", "chamber", "hall", "cathedral"}
    studio = rooms()["studio"]
    assert isinstance(studio, Room) and studio.name == "studio" and isinstance(studio.chorus_voices, int)
    assert all(isinstance(room.reverb_level, float) for room in rooms().values())
