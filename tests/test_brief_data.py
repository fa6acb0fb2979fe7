"""The brief's data files load into typed, frozen records, and a malformed copy fails at load
with one ComposerError that names the file, the key and the problem (issue 13)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from composer.base.errors import ComposerError
from composer.base.tables import data_file
from composer.composition.brief import KINDS, lexicon, presets, presets_colours
from composer.composition.brief.data import Lexicon, PresetTable, load_lexicon, load_presets
from tests.conftest import broken_data_copy


def test_the_package_files_load_as_typed_records(tmp_path: Path) -> None:
    lex = lexicon()
    assert isinstance(lex, Lexicon)
    assert lex.instruments["cello"] == 42 and lex.moods["calm"] == (0.2, -0.7)
    assert lex.meters["waltz"] == (3, 4) and "loop" in lex.loop_words
    assert set(lex.shape.verbs) >= {"build", "drop", "fade"} and 0 < lex.shape.build_amount <= 1
    assert "general" in presets()
    for name, preset in presets().items():
        assert preset.name == name and preset.kind in KINDS
        assert preset.tempo[0] <= preset.tempo[1] and list(preset.programs) == ["pad", "bass", "melody", "ostinato"]
    assert presets()["trailer"].timpani == 47 and presets()["general"].timpani == -1
    assert presets()["meditation"].texture == 94 and presets()["general"].texture is None
    assert presets_colours()["acoustic"].synthetic_only
    # an unchanged copy loads to the same records: the loaders read any path
    assert load_lexicon(broken_data_copy(tmp_path, "lexicon", "\n[moods]", "\n[moods]")) == lex
    copy = load_presets(broken_data_copy(tmp_path, "presets", "[general]", "[general]"))
    assert copy == PresetTable(presets(), presets_colours())


def test_the_records_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        presets()["general"].room = "hall"  # type: ignore[misc]
    with pytest.raises(TypeError):
        lexicon().moods["calm"] = (1.0, 1.0)  # type: ignore[index]
    with pytest.raises(TypeError):
        presets()["general"].programs["pad"] = 0  # type: ignore[index]


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("bright = [0.7, 0.3]", "bright = [0.7]", "moods.bright", "must be two numbers"),
        ("bright = [0.7, 0.3]", "bright = [0.7, 3.0]", "moods.bright[1]", "must be a number in -1..1"),
        ("cello = 42", 'cello = "42"', "instruments.cello", "must be a whole number in 0..127"),
        ("cello = 42", "cello = 128", "instruments.cello", "must be a whole number in 0..127"),
        ('waltz = "3/4"', 'waltz = "three"', "meters.waltz", 'must be a meter such as "3/4"'),
        ('underscore = "underscore"', 'underscore = "underscorr"', "kinds.underscore", "must be one of underscore"),
        ("slightly = 0.5", "Slightly = 0.5", "modifiers.Slightly", "must be written in lower case"),
        ("\n[modifiers]", "\n[modifier]", "modifier", "is not a known key"),
        ("build_amount = 0.5", "", "shape.build_amount", "is missing"),
        ('prefixes = ["no"', 'prefixes = ["No"', "exclusion_words.prefixes", "must be a list of lower-case words"),
        ("loop = true\nloopable", "loop = 1\nloopable", "loop_words.loop", "must be true or false"),
    ],
)
def test_a_broken_lexicon_fails_naming_the_file_key_and_problem(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = broken_data_copy(tmp_path, "lexicon", old, new)
    with pytest.raises(ComposerError) as caught:
        load_lexicon(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key} {problem}"), message
    assert caught.value.fix and "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("tempo = [120, 140]\nmood = [0.6, 0.5]", 'tempo = "fast"\nmood = [0.6, 0.5]', "product.tempo", "must be two numbers"),
        ("tempo = [50, 66]", "tempo = [66, 50]", "meditation.tempo", "must be [low, high] with low ≤ high"),
        ("tempo = [50, 70]", "tempo = [50, 700]", "ambient.tempo[1]", "must be a whole number in 20..300"),
        ('room = "booth"\npad = 50', 'pad = 50', "news.room", "is missing"),
        ('kind = "stinger"', 'kind = "sting"', "logo.kind", "must be one of underscore, bed, stinger"),
        ("drums = false\nmeter = [4, 4]\nidiom = \"drift\"\nidiom_share = 0.7\n\n[ambient]",
         "drums = \"no\"\nmeter = [4, 4]\nidiom = \"drift\"\nidiom_share = 0.7\n\n[ambient]", "meditation.drums",
         "must be true or false"),
        ("timpani = 47", "timpany = 47", "trailer.timpany", "is not a known key"),
        ("idiom_share = 0.3", "idiom_share = 3", "general.idiom_share", "must be a number in 0..1"),
        ("[general]", "[generic]", "general", "is missing: a brief that names no use case"),
        ("synthetic_only = true", "synthetic_only = 1", "colours.acoustic.synthetic_only", "must be true or false"),
        ("ostinato = 81\n\n[colours.lofi]", "oboe = 68\n\n[colours.lofi]", "colours.electronic.oboe", "is not a known key"),
    ],
)
def test_broken_presets_fail_naming_the_file_key_and_problem(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = broken_data_copy(tmp_path, "presets", old, new)
    with pytest.raises(ComposerError) as caught:
        load_presets(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key} {problem}"), message
    assert caught.value.fix and "\n" not in message


@pytest.mark.parametrize("name", ["lexicon", "presets"])
def test_a_data_file_that_is_not_toml_fails_naming_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(data_file(name).read_text("utf-8") + "\n[unclosed\n", "utf-8")
    load = load_lexicon if name == "lexicon" else load_presets
    with pytest.raises(ComposerError, match=f"data file {path} is not valid TOML"):
        load(path)  # type: ignore[operator]
    with pytest.raises(ComposerError, match="does not exist"):
        load(tmp_path / "missing.toml")  # type: ignore[operator]
