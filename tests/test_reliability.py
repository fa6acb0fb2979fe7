"""Reliability (issue 16): no input crashes composer, numbers and keys are read as written, a
name never leads outside --out, and an empty MIDI file is never mastered up into noise.

Every crash and wrong reading the issue found is a regression test here; the fuzz tests at the
end throw arbitrary text and arbitrary brief files at the reader, which may only ever answer
with a Brief or a ComposerError. ``FUZZ_EXAMPLES=100000`` runs them much longer.
"""

from __future__ import annotations

import io
import json
import math
import os
import string
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from composer import compose
from composer.audio.master import MAX_GAIN_DB, master
from composer.base.errors import ComposerError
from composer.cli import MAX_NAME_BYTES, _request, app
from composer.composition.brief import build_brief, lexicon, parse_text
from composer.composition.plan import make_plan
from composer.piece import generator
from tests.conftest import run_composer

runner = CliRunner()


def _error_of(*args: str) -> ComposerError:
    """The ComposerError a command stops with (run in-process: `main` prints it as one line)."""
    result = runner.invoke(app, list(args))
    assert isinstance(result.exception, ComposerError), (result.exception, result.output)
    assert "\n" not in str(result.exception)
    return result.exception


def _key_signatures(midi: bytes) -> list[str]:
    return [m.key for m in mido.MidiFile(file=io.BytesIO(midi)).tracks[0] if m.type == "key_signature"]


# --------------------------------------------------------------------------------------------
# Keys past seven sharps or flats: written as their enharmonic twin, with a note

@pytest.mark.parametrize(("asked", "written"), [("G# major", "Ab major"), ("Fb major", "E major"),
                                                 ("E# minor", "F minor"), ("B# major", "C major"),
                                                 ("D# dorian", "D# dorian"), ("Cb major", "Cb major")])
def test_a_key_past_seven_accidentals_is_respelled_with_a_note(asked: str, written: str) -> None:
    brief = build_brief("calm piano, 4 seconds", {"key": asked})
    assert brief.key == written
    assert any(asked in note and written in note for note in brief.notes) == (asked != written)


def test_a_brief_in_fb_composes_in_e_and_its_midi_says_so() -> None:
    piece = compose("calm piano in Fb, 4 seconds", seed=1)
    assert piece.plan.key == "E major"
    assert "Fb major needs 8 flats: written as E major, the same sound" in piece.brief.notes
    assert _key_signatures(piece.midi_bytes)[0] == "E"


def test_explain_and_compose_agree_on_a_respelled_key(tmp_path: Path) -> None:
    explained = runner.invoke(app, ["explain", "calm piano, 4 seconds", "--key", "G# major", "--json"])
    assert explained.exit_code == 0, explained.output
    composed = runner.invoke(app, ["compose", "calm piano, 4 seconds", "--key", "G# major", "--midi-only",
                                   "--out", str(tmp_path), "--name", "cue"])
    assert composed.exit_code == 0, composed.output
    report = json.loads((tmp_path / "cue.json").read_text("utf-8"))
    assert json.loads(explained.output)["key"] == report["key"] == "Ab major"
    assert report["notes"] == json.loads(explained.output)["notes"]
    assert _key_signatures((tmp_path / "cue.mid").read_bytes())[0] == "Ab"


# --------------------------------------------------------------------------------------------
# Titles and names in any script: MIDI text is UTF-8

def test_a_default_title_with_a_dash_is_written_as_utf8() -> None:
    piece = compose("tense cue — for a chase, 3 seconds", seed=1)
    assert piece.title == "tense cue — for a chase, 3 seconds"
    assert mido.MidiFile(file=io.BytesIO(piece.midi_bytes), charset="utf-8").tracks[0].name == piece.title


def test_an_emoji_name_is_the_midi_title(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compose", "calm piano, 3 seconds", "--midi-only", "--out", str(tmp_path),
                                 "--name", "🎵x"])
    assert result.exit_code == 0, result.output
    midi = mido.MidiFile(str(tmp_path / "🎵x.mid"), charset="utf-8")
    assert midi.tracks[0].name == "🎵x"


# --------------------------------------------------------------------------------------------
# Names: a plain file name, or refused before anything is written

def _every_path(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


@pytest.mark.parametrize("name", ["../x", "../../escaped", "a/b/c", "a\\b", "line\nbreak", "tab\there", ".", "..",
                                  "", "x" * 300, "é" * (MAX_NAME_BYTES // 2 + 1), "ABSOLUTE"])
def test_a_name_that_is_not_a_plain_file_name_is_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    name = str(tmp_path / "abs-name") if name == "ABSOLUTE" else name
    out = tmp_path / "parent" / "out"
    out.parent.mkdir()
    before = _every_path(tmp_path)
    error = _error_of("compose", "calm piano, 3 seconds", "--midi-only", "--out", str(out), "--name", name)
    assert "--name" in str(error) and "plain file name" in str(error)
    assert _every_path(tmp_path) == before


def test_a_brief_files_name_is_checked_too(tmp_path: Path) -> None:
    brief = tmp_path / "brief.toml"
    brief.write_text('brief = "calm piano, 3 seconds"\nname = "../../x"\n', "utf-8")
    before = _every_path(tmp_path)
    error = _error_of("compose", "--brief-file", str(brief), "--midi-only", "--out", str(tmp_path / "out"))
    assert "name in" in str(error) and "plain file name" in str(error)
    assert _every_path(tmp_path) == before


def test_a_name_of_120_bytes_in_any_script_is_written(tmp_path: Path) -> None:
    name = "é" * (MAX_NAME_BYTES // 2)
    result = runner.invoke(app, ["compose", "calm piano, 3 seconds", "--midi-only", "--out", str(tmp_path),
                                 "--name", name])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.json", f"{name}.mid"]


def test_a_brief_that_cannot_be_read_leaves_no_out_folder(tmp_path: Path) -> None:
    _error_of("compose", "calm piano, -5 seconds", "--midi-only", "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Lengths and times, read strictly

@pytest.mark.parametrize(("text", "seconds"), [
    ("calm piano, ½ minute", 30.0), ("calm piano, 1½ minutes", 90.0), ("calm piano, 1/2 minute", 30.0),
    ("calm piano, 1:00:00", 3600.0), ("calm piano, 1,000 seconds", 1000.0), ("calm piano, 0:45", 45.0),
    ("calm piano - 2 minutes", 120.0), ("calm piano — 2 minutes", 120.0), ("a 30-45 second sting", 45.0),
])
def test_lengths_are_read_as_written(text: str, seconds: float) -> None:
    assert parse_text(text).duration_s == seconds


@pytest.mark.parametrize(("text", "mentions"), [
    ("calm piano, -5 seconds", "negative"), ("calm piano, −2 minutes", "negative"), ("calm (-0:30)", "negative"),
    ("calm piano, 1:00:01", "60 minutes"),
    ("builds in the last " + "9" * 309 + " seconds", "too large"),
    ("builds in the last " + "9" * 5000 + " seconds", "too large"),
    ("calm piano at " + "9" * 400 + " bpm", "too large"),
])
def test_impossible_lengths_are_one_clear_line(text: str, mentions: str) -> None:
    with pytest.raises(ComposerError) as error:
        build_brief(text, {})
    assert mentions in str(error.value) and "\n" not in str(error.value) and error.value.fix


@pytest.mark.parametrize(("text", "overrides"), [
    ("calm piano, 2 minutes, quiet at 5:00", {}),
    ("calm piano, 2 minutes, quiet at 2:00", {}),
    ("calm piano, quiet at 1:30, lifts at 1:50", {"duration": 60}),
])
def test_a_change_past_the_end_is_refused_not_kept(text: str, overrides: dict[str, Any]) -> None:
    with pytest.raises(ComposerError) as error:
        build_brief(text, overrides)
    assert "piece" in str(error.value) and "longer length" in error.value.fix


@pytest.mark.parametrize(("text", "overrides", "field"), [
    ("calm piano, 30 seconds, builds in the final 40 seconds", {}, "from_end_s"),
    ("calm piano, 30 seconds, quiet for the first minute", {}, "end_s"),
    ("bright product video, builds slightly in the final 20 seconds", {"duration": 6}, "from_end_s"),
])
def test_a_span_longer_than_the_piece_is_the_whole_piece_with_a_note(text: str, overrides: dict[str, Any],
                                                                    field: str) -> None:
    brief = build_brief(text, overrides)
    assert getattr(brief.shape[0], field) == brief.duration_s
    assert any("read as the whole piece" in note for note in brief.notes)


def test_a_change_inside_the_piece_is_kept() -> None:
    brief = build_brief("calm piano, quiet at 1:30, lifts at 1:50", {"duration": 120})
    assert [event.start_s for event in brief.shape] == [90, 110]


def test_a_long_stinger_gives_way_to_the_length_asked_with_a_note() -> None:
    brief = build_brief("logo stinger, 10 minutes", {})
    assert (brief.kind, brief.duration_s) == ("thematic", 600.0)
    assert any("stinger lasts at most 6 s" in note for note in brief.notes)
    assert build_brief("a 5 second logo sting", {}).kind == "stinger"
    assert build_brief("warm podcast loop with a transition, 2 minutes", {}).kind == "bed"


def test_a_stinger_asked_by_flag_for_longer_than_a_stinger_is_refused() -> None:
    with pytest.raises(ComposerError, match="stinger lasts at most 6 s"):
        build_brief("calm piano, 60 seconds", {"kind": "stinger"})
    assert build_brief("calm piano, 6 seconds", {"kind": "stinger"}).kind == "stinger"


def test_a_letter_past_g_is_listed_not_refused() -> None:
    brief = build_brief("calm piano in H# minor, 20 seconds", {})
    assert brief.key is None and "h#" in brief.ignored_words and brief.duration_s == 20.0


def test_a_brief_starting_with_a_dash_goes_after_double_dash() -> None:
    result = runner.invoke(app, ["explain", "--json", "--", "-calm piano, 3 seconds"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["brief"] == "-calm piano, 3 seconds"
    assert '"--"' in runner.invoke(app, ["compose", "--help"]).output


# --------------------------------------------------------------------------------------------
# Brief files: every field of its type

@pytest.mark.parametrize(("line", "mentions"), [
    ("exclude = 5", "exclude"), ('preset = ["a"]', "preset"), ('name = "a\\u0000b"', "control character"),
    ('loop = "no"', "loop"), ("seed = true", "seed"), ("brief = 5", "brief"), ("duration = true", "duration"),
    ("instruments = [1, 2]", "instruments"), ("duration = 1e999", "duration"), ("tempo = nan", "tempo"),
    ('kind = ["bed"]', "kind"), ("key = 5", "key"),
])
def test_a_brief_file_field_of_the_wrong_type_is_one_clear_line(tmp_path: Path, line: str, mentions: str) -> None:
    brief = tmp_path / "brief.toml"
    brief.write_text(f'brief = "calm piano, 3 seconds"\n{line}\n' if not line.startswith("brief") else f"{line}\n",
                     "utf-8")
    error = _error_of("explain", "--brief-file", str(brief))
    assert mentions in str(error) and error.fix


def test_loop_false_in_a_brief_file_does_not_loop(tmp_path: Path) -> None:
    brief = tmp_path / "brief.toml"
    brief.write_text('brief = "warm seamless loop for a podcast, 30 seconds"\nloop = false\nexclude = "drums"\n',
                     "utf-8")
    result = runner.invoke(app, ["explain", "--brief-file", str(brief), "--json"])
    assert result.exit_code == 0, result.output
    assert (json.loads(result.output)["loop"], json.loads(result.output)["exclude"]) == (False, ["drums"])


def test_a_folder_as_brief_file_is_one_clear_line(tmp_path: Path) -> None:
    result = run_composer("compose", "--brief-file", str(tmp_path), "--midi-only", "--out", str(tmp_path / "out"))
    assert result.code == 2 and result.stderr.count("\n") == 1 and "is a folder" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# render: MIDI files it cannot play are refused; mastering never raises near-silence into noise

def _midi_file(path: Path, midi_type: int, ticks_per_beat: int, notes: bool) -> Path:
    song = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    played = [mido.Message("note_on", note=60, velocity=90), mido.Message("note_off", note=60, time=480)]
    song.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="x"), mido.Message("program_change"),
                                       *(played if notes else []), mido.MetaMessage("end_of_track", time=4800)]))
    song.save(str(path))
    return path


@pytest.mark.parametrize(("midi_type", "ticks", "notes", "mentions"), [
    (2, 480, True, "type 2"), (1, 0, True, "0 ticks per beat"), (1, 480, False, "plays no notes"),
    (0, 480, False, "plays no notes"),
])
def test_render_refuses_a_midi_file_it_cannot_play(tmp_path: Path, midi_type: int, ticks: int, notes: bool,
                                                   mentions: str) -> None:
    source = _midi_file(tmp_path / "in.mid", midi_type, ticks, notes)
    error = _error_of("render", str(source), "--out", str(tmp_path / "out.wav"))
    assert mentions in str(error)
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize("command", ["evaluate", "plot"])
def test_evaluate_and_plot_refuse_a_midi_file_without_ticks_per_beat(tmp_path: Path, command: str) -> None:
    source = _midi_file(tmp_path / "in.mid", 1, 0, True)
    assert "0 ticks per beat" in str(_error_of(command, str(source)))


def test_a_seed_too_long_for_the_default_name_is_one_clear_line(tmp_path: Path) -> None:
    error = _error_of("compose", "calm piano, 3 seconds", "--midi-only", "--out", str(tmp_path / "out"),
                      "--seed", "9" * 130)
    assert "default name" in str(error) and not (tmp_path / "out").exists()


def test_render_of_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    assert "is a folder" in str(_error_of("render", str(tmp_path)))


def test_mastering_caps_its_gain_and_says_so() -> None:
    """A synth's residue (−150 dBFS) stays near-silent: the gain stops at MAX_GAIN_DB."""
    residue = np.random.default_rng(3).normal(0, 10 ** (-150 / 20), (44100 * 2, 2)).astype(np.float32)
    audio, done = master(residue, 44100, -16.0)
    assert done.gain_db == MAX_GAIN_DB and done.gain_capped
    assert 20 * math.log10(float(np.abs(audio).max())) < -90
    quiet_tone = (0.01 * np.sin(np.arange(44100 * 2) * 2 * math.pi * 440 / 44100)).astype(np.float32)
    _, reached = master(np.stack([quiet_tone, quiet_tone], axis=1), 44100, -16.0)
    assert not reached.gain_capped and abs(reached.loudness_lufs + 16.0) < 0.5


# --------------------------------------------------------------------------------------------
# Fuzz: any text, any brief file, a Brief or a ComposerError and nothing else

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))


def _fuzz(examples: int) -> settings:
    """CI runs ``examples`` (a few seconds); FUZZ_EXAMPLES=N runs N, at random."""
    if FUZZ_EXAMPLES:
        return settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    return settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _words() -> list[str]:
    lex = lexicon()
    words = set(lex.moods) | set(lex.kinds) | set(lex.instruments) | set(lex.numbers) | set(lex.families)
    return sorted(words) + [
        "in", "at", "the", "final", "last", "first", "for", "from", "until", "over", "key", "of", "major", "minor",
        "m", "dorian", "sharp", "flat", "#", "b", "♭", "♯", "bpm", "s", "sec", "seconds", "min", "minutes", "h",
        "hours", "and a half", "half a", "a minute and a half", "builds", "quiet", "lifts", "drops", "swells", "hit",
        "loop", "stinger", "fades out", "button", "no", "without", "only", "solo", "trio", "in the last", "at the",
        "A", "B", "C", "D", "E", "F", "G", "H", "Fb", "E#", "B#", "G#", "Cb", "Ab", "C#m", "waltz", "3/4", "6/8",
    ]


WORDS = _words()
FIGURES = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.integers(0, 10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.tuples(st.integers(0, 99), st.integers(0, 99)).map(lambda t: f"{t[0]}:{t[1]:02d}"),
    st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)).map(lambda t: f"{t[0]}:{t[1]:02d}:{t[2]:02d}"),
    st.tuples(st.integers(0, 99), st.integers(0, 20)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.sampled_from(["½", "1½", "¾", "⅓", "2⅔", "−5", "-5", "٣", "²", "1e999", "0.0", ".5", "5.", "1,5", "1 1/2"]),
)
UNITS = st.sampled_from(["", " ", " seconds", "s", " s", " min", " minutes", "m", " hours", "h", " bpm", "-second",
                         "-minute", " sec", "-bpm"])
TOKENS = st.one_of(st.sampled_from(WORDS), st.tuples(FIGURES, UNITS).map("".join),
                   st.sampled_from(list(",.-—–'!?:;/()\n\t…’\"") + ["\x00", "\u2028", "\ufeff", "🎵", "ẞ", "İ"]),
                   st.text(max_size=6))
BRIEFS = st.tuples(st.lists(TOKENS, max_size=24), st.sampled_from([" ", "", ", ", "-", " \n"])).map(
    lambda parts: parts[1].join(parts[0]))
FLAGS = st.fixed_dictionaries({}, optional={
    "duration": st.one_of(st.floats(), st.integers(-10, 4000), st.text(max_size=6)),
    "tempo": st.one_of(st.floats(), st.integers(-10, 400)),
    "kind": st.sampled_from(["bed", "stinger", "thematic", "ambient", "underscore", "x"]),
    "key": st.one_of(st.sampled_from(["G# major", "Fb major", "E# minor", "B# major", "H minor", "C"]), st.text(max_size=5)),
    "meter": st.sampled_from(["3/4", "6/8", "4/4", "5/0", "x"]),
    "loop": st.booleans(),
})


def _brief_or_clear_error(text: str, overrides: dict[str, Any]) -> None:
    try:
        brief = build_brief(text, overrides)
    except ComposerError as error:
        assert str(error) and "\n" not in str(error), repr(str(error))
        return
    assert 1 <= brief.duration_s <= 3600
    assert brief.key is None or brief.key.split()[0][0] in "ABCDEFG"


@_fuzz(2500)
@given(BRIEFS, FLAGS)
def test_any_brief_text_reads_or_is_one_clear_line(text: str, flags: dict[str, Any]) -> None:
    _brief_or_clear_error(text, flags)


@_fuzz(1500)
@given(st.text(max_size=80))
def test_any_unicode_text_reads_or_is_one_clear_line(text: str) -> None:
    _brief_or_clear_error(text, {})


@_fuzz(150)
@given(BRIEFS, st.integers(0, 2**64))
def test_any_brief_that_reads_can_be_planned(text: str, seed: int) -> None:
    """`explain` plans what it read: a brief the reader accepts never crashes the planner."""
    try:
        brief = build_brief(text, {})
    except ComposerError:
        return
    try:
        make_plan(brief, generator(seed, brief))
    except ComposerError as error:
        assert "\n" not in str(error)


# Brief files: the fields, and any TOML value in each (and fields that do not exist)
TOML_SCALARS = st.one_of(
    st.text(max_size=20), st.sampled_from(["calm piano, 3 seconds", "logo stinger, 10 minutes", "../x", "", "bed",
                                           "D minor", "G# major", "3/4", "fade", "piano", "drums", "podcast", "a\x00b"]),
    st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans(),
    st.dates(), st.datetimes(), st.times(),
)


def _toml_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Arrays and inline tables of ``inner`` values."""
    return st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)


TOML_VALUES = st.recursive(TOML_SCALARS, _toml_containers, max_leaves=6)
FIELDS = st.sampled_from(["brief", "kind", "duration", "tempo", "key", "meter", "loop", "seed", "name", "preset",
                          "instruments", "exclude", "ending", "style", "Brief"])


def _toml(value: Any) -> str:
    """``value`` as a TOML inline value (tomllib reads; the standard library writes none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, date, time)):
        return value.isoformat() if isinstance(value, (date, datetime, time)) else str(value)
    if isinstance(value, str):
        escaped = "".join(c if c not in '"\\' and c.isprintable() else f"\\U{ord(c):08X}" for c in value)
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + "}"


def _file_brief_or_clear_error(path: Path) -> None:
    """What `explain --brief-file` does with a file: read it, check it, build the brief."""
    try:
        asked = _request(None, path, None)
        build_brief(asked.text, asked.fields)
    except ComposerError as error:
        assert str(error) and "\n" not in str(error), repr(str(error))


@_fuzz(1000)
@given(st.dictionaries(FIELDS, TOML_VALUES, max_size=6))
def test_any_brief_file_reads_or_is_one_clear_line(tmp_path_factory: pytest.TempPathFactory,
                                                    fields: dict[str, Any]) -> None:
    text = "".join(f"{field} = {_toml(value)}\n" for field, value in fields.items())
    assert tomllib.loads(text).keys() == fields.keys()  # the file holds what was drawn
    path = tmp_path_factory.mktemp("briefs") / "brief.toml"
    path.write_text(text, "utf-8")
    _file_brief_or_clear_error(path)


@_fuzz(500)
@given(st.one_of(st.text(max_size=60).map(str.encode), st.binary(max_size=60),
                 st.lists(st.sampled_from(['brief = "', "calm", '"\n', "[a]\n", "name = ", "'x'", "loop = ", "1",
                                           "\n", "=", "duration = 1e999\n", string.printable[:10]])).map(
                     lambda parts: "".join(parts).encode())))
def test_any_file_as_a_brief_file_reads_or_is_one_clear_line(tmp_path_factory: pytest.TempPathFactory,
                                                             content: bytes) -> None:
    path = tmp_path_factory.mktemp("files") / "brief.toml"
    path.write_bytes(content)
    _file_brief_or_clear_error(path)


# --------------------------------------------------------------------------------------------
# A full disk while the audio is written: one line, and nothing left behind

#: A process that can write no file past 30 kB, as a full disk stops it (EFBIG rather than
#: ENOSPC, but through the same failing write(2)); no real disk is filled. FROM_START limits
#: every file (the scratch audio fills first); AT_WRITING only once the audio files are written.
LIMIT = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
         "def full():\n    resource.setrlimit(resource.RLIMIT_FSIZE, (30000, 30000))\n")
FROM_START = LIMIT + "full()"
AT_WRITING = LIMIT + ("import composer.audio.formats as formats\nwrite = formats._write_tagged\n"
                      "def filling(*args, **kwargs):\n    full()\n    return write(*args, **kwargs)\n"
                      "formats._write_tagged = filling")


@pytest.mark.parametrize(("flags", "prelude", "mentions"), [
    (["--format", "wav"], AT_WRITING, "cannot write cue.wav"), (["--format", "mp3"], AT_WRITING, "cannot write cue.mp3"),
    (["--stems"], FROM_START, "cannot write scratch audio"),
])
def test_a_disk_that_fills_while_audio_is_written_is_one_line_and_no_files(tmp_path: Path, small_soundfont: Path,
                                                                           flags: list[str], prelude: str,
                                                                           mentions: str) -> None:
    result = run_composer("compose", "calm piano, 3 seconds", *flags, "--soundfont", str(small_soundfont),
                          "--out", str(tmp_path / "out"), "--name", "cue", python_prelude=prelude)
    *phases, error = result.stderr.splitlines()  # the progress lines of the phases it reached, then one error
    assert result.code == 2 and error.startswith("composer: error: ") and all(
        line.startswith("composer: ") and "error" not in line for line in phases), result.stderr
    assert mentions in result.stderr and "free" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_brief_starting_with_a_dash_is_one_line_pointing_after_double_dash() -> None:
    error = _error_of("compose", "--seed", "2", "-calm piano, 3 seconds", "--midi-only")
    assert "starts with '-'" in str(error) and "composer compose -- '-calm piano, 3 seconds'" in error.fix
    assert "starts with '-'" in str(_error_of("explain", "-5 seconds of calm piano")).replace('"', "'")
    assert not isinstance(runner.invoke(app, ["compose", "--bogus", "calm"]).exception, ComposerError)


# --------------------------------------------------------------------------------------------
# Overwrites: an earlier composer set or render is replaced; anyone else's file only with --force

def test_a_users_own_file_under_the_name_is_never_replaced_without_force(tmp_path: Path) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"my": "notes"}', "utf-8")
    compose_notes = ["compose", "calm piano, 3 seconds", "--midi-only", "--out", str(tmp_path), "--name", "notes"]
    error = _error_of(*compose_notes)
    assert "not part of a composer set" in str(error) and "--force" in error.fix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"] and "my" in notes.read_text("utf-8")
    assert runner.invoke(app, [*compose_notes, "--force"]).exit_code == 0
    assert json.loads(notes.read_text("utf-8"))["seed"] == 1
    again = runner.invoke(app, [*compose_notes, "--seed", "2"])  # an earlier composer set: replaced whole
    assert again.exit_code == 0 and json.loads(notes.read_text("utf-8"))["seed"] == 2


def test_render_replaces_its_own_audio_but_not_a_recording_that_shares_the_name(tmp_path: Path,
                                                                               small_soundfont: Path) -> None:
    song = _midi_file(tmp_path / "song.mid", 1, 480, True)
    render_song = ["render", str(song), "--soundfont", str(small_soundfont), "--duration", "2"]
    assert runner.invoke(app, render_song).exit_code == 0
    assert runner.invoke(app, render_song).exit_code == 0  # composer's own render: replaced
    recording = tmp_path / "song.wav"
    recording.write_bytes(b"RIFF, a take the user recorded")
    error = _error_of(*render_song)
    assert "composer did not make it" in str(error) and "--force" in error.fix
    assert recording.read_bytes() == b"RIFF, a take the user recorded"
    assert runner.invoke(app, [*render_song, "--force"]).exit_code == 0 and recording.stat().st_size > 1000


def test_a_sixty_minute_midi_ending_on_its_last_note_renders_at_sixty_minutes() -> None:
    """render adds 2 s of ring to a MIDI whose last note stops at its very end, but not past the
    longest length it renders: a 60-minute cue composer wrote was refused as 60:02."""
    import mido

    from composer.cli import _natural_length

    def ending_at(seconds: float) -> mido.MidiFile:
        midi = mido.MidiFile(ticks_per_beat=480)  # 120 BPM: 960 ticks a second
        midi.tracks.append(mido.MidiTrack([mido.Message("note_on", note=60, velocity=64, time=0),
                                           mido.Message("note_off", note=60, time=round(seconds * 960))]))
        return midi

    assert _natural_length(ending_at(3599.5)) == 3600.0
    assert _natural_length(ending_at(10)) == pytest.approx(12.0)
