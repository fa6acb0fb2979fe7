"""The `composer` command as a user runs it: the example brief end to end, every bad input as one
clear line with a non-zero exit, and no half-written file after a failure or an interrupt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import pretty_midi
import pytest
import soundfile

from composer.base.files import staged
from tests.conftest import AS_FROM_A_TERMINAL, PROJECT, run_composer

EXAMPLE = ("bright, forward-moving background music for a 90-second product video, no vocals, "
           "builds slightly in the final 20 seconds")
CONTRACT_FIELDS = {"brief", "seed", "version", "kind", "tempo_bpm", "key", "meter", "duration_s", "sections",
                   "instruments", "soundfont", "loudness_lufs", "true_peak_dbtp", "ignored_words"}


def _assert_one_line_error(result, *words: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("composer: error:"), lines[0]
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]


def test_the_example_brief_end_to_end(tmp_path):
    result = run_composer("compose", EXAMPLE, "--seed", "1", "--out", str(tmp_path), "--name", "x")
    assert result.code == 0, result.stderr
    # not on a terminal: no bar, one plain line per phase as it begins
    assert result.stderr.splitlines() == ["composer: rendering 90 s", "composer: mastering", "composer: encoding wav",
                                          "composer: measuring wav"]
    midi, wav, report = tmp_path / "x.mid", tmp_path / "x.wav", tmp_path / "x.json"
    for path in (midi, wav, report):
        assert str(path) in result.stdout
    info = soundfile.info(str(wav))
    assert (info.samplerate, info.channels, info.frames) == (44100, 2, 90 * 44100)
    assert mido.MidiFile(midi).length == pytest.approx(90.0, abs=0.002)
    data = json.loads(report.read_text())
    assert CONTRACT_FIELDS <= set(data)
    assert data["duration_s"] == 90.0 and data["seed"] == 1 and data["kind"] == "thematic"
    assert data["key"].endswith("major") and 100 <= data["tempo_bpm"] <= 140
    assert data["loudness_lufs"] is not None and data["true_peak_dbtp"] <= -1.0
    assert all({"name", "start_s", "end_s", "energy"} <= set(s) for s in data["sections"])
    assert all({"role", "name", "program", "channel"} <= set(i) for i in data["instruments"])
    assert data["ignored_words"] == []
    statements = data["motif"]["statements_s"]
    assert len(statements) >= 3 and all(0 <= t < 90 for t in statements)  # where the motif is stated
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.mid", "x.wav"]


def test_midi_only_writes_no_audio(tmp_path):
    result = run_composer("compose", "calm piano for a 20-second interview", "--midi-only", "--out", str(tmp_path),
                          "--name", "calm")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calm.json", "calm.mid"]
    assert json.loads((tmp_path / "calm.json").read_text())["loudness_lufs"] is None


def test_brief_file_and_flags_flags_win(tmp_path):
    brief = tmp_path / "b.toml"
    brief.write_text('brief = "warm podcast bed"\nduration = 30\ntempo = 90\nseed = 4\nname = "bed"\n')
    result = run_composer("compose", "--brief-file", str(brief), "--tempo", "96", "--midi-only", "--out",
                          str(tmp_path))
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "bed.json").read_text())
    assert data["seed"] == 4 and data["duration_s"] == 30.0 and data["kind"] == "bed"
    assert data["tempo_bpm"] == pytest.approx(96, abs=6)  # a loop bends the tempo to whole bars


def _fake_soundfont(tmp_path: Path) -> Path:
    fake = tmp_path / "x.sf2"
    fake.write_text("this is a text file, not a soundfont")
    return fake


BAD_INPUTS = {
    "zero duration": (["compose", "calm piano", "--duration", "0"], ["duration"]),
    "negative duration": (["compose", "calm piano", "--duration", "-5"], ["duration"]),
    "over an hour": (["compose", "calm piano", "--duration", "3601"], ["60 minutes"]),
    "ten hours in words": (["compose", "calm piano for a 10-hour stream"], ["60 minutes"]),
    "zero seconds in words": (["compose", "calm piano for a 0-second clip"], ["duration"]),
    "unknown key": (["compose", "calm piano", "--key", "H-major"], ["key", "H-major"]),
    "negative length in the text": (["compose", "calm piano, -5 seconds"], ["length", "negative"]),
    "tempo too fast": (["compose", "calm piano", "--tempo", "900"], ["tempo", "20–300"]),
    "tempo too slow": (["compose", "calm piano", "--tempo", "10"], ["tempo"]),
    "tempo too fast in words": (["compose", "calm piano at 900 bpm"], ["tempo"]),
    "unknown kind": (["compose", "calm piano", "--kind", "symphony"], ["kind", "underscore"]),
    "empty brief": (["compose", "   "], ["empty"]),
    "no brief": (["compose"], ["no brief"]),
    "unknown format": (["compose", "calm piano", "--format", "aiff"], ["format", "wav"]),
    "loudness out of range": (["compose", "calm piano", "--loudness", "-2"], ["loudness"]),
    "missing brief file": (["compose", "--brief-file", "no/such/brief.toml"], ["does not exist"]),
    "missing soundfont": (["compose", "calm piano", "--soundfont", "no/such/font.sf2"], ["does not exist"]),
    "render a missing file": (["render", "no/such/file.mid"], ["does not exist"]),
    "explain an empty brief": (["explain", ""], ["empty"]),
    "stems headroom without stems": (["compose", "calm piano", "--stems-headroom", "1"], ["--stems-headroom", "--stems"]),
    "stems headroom out of range": (["compose", "calm piano", "--stems", "--stems-headroom", "-1"], ["0–60 dB"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_one_clear_line(case, tmp_path):
    args, words = BAD_INPUTS[case]
    result = run_composer(*args, "--out", str(tmp_path / "out")) if args[0] == "compose" else run_composer(*args)
    _assert_one_line_error(result, *words)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_corrupt_soundfont_fails_cleanly_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = run_composer("compose", "calm piano, 10 s", "--soundfont", str(_fake_soundfont(tmp_path)),
                          "--out", str(out), "--name", "x")
    _assert_one_line_error(result, "not a SoundFont")
    assert not out.exists() or list(out.iterdir()) == []


def test_missing_libfluidsynth_says_how_to_install_it(tmp_path):
    # The import of pyfluidsynth fails exactly as it does on a machine without the C library.
    result = run_composer("compose", "calm piano, 10 s", "--out", str(tmp_path), "--name", "x",
                          python_prelude="import sys; sys.modules['fluidsynth'] = None")
    _assert_one_line_error(result, "libfluidsynth", "apt-get install")
    assert list(tmp_path.iterdir()) == []


def test_output_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    result = run_composer("compose", "calm piano, 10 s", "--out", str(blocker / "sub"))
    _assert_one_line_error(result, "output folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_output_folder_without_write_permission(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run_composer("compose", "calm piano, 10 s", "--out", str(locked))
    _assert_one_line_error(result, "not writable")


@pytest.mark.parametrize("content", [b"this is not midi at all", b"MThd\x00\x00\x00\x06\x00\x01\x00"])
def test_render_refuses_a_corrupt_or_non_midi_file(tmp_path, content):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(content)
    result = run_composer("render", str(bad))
    _assert_one_line_error(result, "not a readable MIDI file")
    assert not (tmp_path / "bad.wav").exists()


def test_render_a_midi_file_it_did_not_make(tmp_path):
    from music21 import corpus

    chorale = corpus.parse("bach/bwv66.6")
    path = tmp_path / "bwv66.mid"
    chorale.write("midi", fp=str(path))
    result = run_composer("render", str(path), "--out", str(tmp_path / "bwv66.flac"))
    assert result.code == 0, result.stderr
    info = soundfile.info(str(tmp_path / "bwv66.flac"))
    # music21 leaves a beat after the last note, so the file's own end is kept
    assert info.frames == round(mido.MidiFile(path).length * 44100)


def test_render_gives_a_file_that_stops_on_its_last_note_time_to_ring(tmp_path):
    made = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes.append(pretty_midi.Note(velocity=100, pitch=60, start=0.0, end=1.5))
    made.instruments.append(piano)
    path = tmp_path / "short.mid"
    made.write(str(path))
    result = run_composer("render", str(path))
    assert result.code == 0, result.stderr
    assert soundfile.info(str(tmp_path / "short.wav")).frames == round((mido.MidiFile(path).length + 2.0) * 44100)


def test_a_failed_run_keeps_the_earlier_file_and_leaves_no_temporary(tmp_path):
    earlier = tmp_path / "x.mid"
    earlier.write_bytes(b"earlier")
    with pytest.raises(RuntimeError):
        with staged([earlier, tmp_path / "x.json"]) as (midi_tmp, json_tmp):
            midi_tmp.write_bytes(b"half")
            raise RuntimeError("disk full")
    assert earlier.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.mid"]


def test_an_interrupted_run_leaves_no_files(tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-c", f"{AS_FROM_A_TERMINAL}from composer.cli import main; main()", "compose", "steady corporate bed",
         "--duration", "1200", "--out", str(out), "--name", "long"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and any(out.iterdir())):
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode != 0
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("command", ["compose", "explain", "render", "soundfonts", "presets", "styles"])
def test_help_explains_each_command_with_an_example(command):
    result = run_composer(command, "--help")
    assert result.code == 0
    assert "Example" in result.stdout or command in ("soundfonts", "presets")
    if command == "compose":
        for option in ("--seed", "--out", "--name", "--kind", "--duration", "--tempo", "--key", "--format",
                       "--midi-only", "--loudness", "--soundfont", "--brief-file"):
            assert option in result.stdout
        assert "e.g." in result.stdout


def test_soundfonts_lists_what_it_found_and_the_default():
    result = run_composer("soundfonts")
    assert result.code == 0
    assert "default" in result.stdout and "TimGM6mb.sf2" in result.stdout


def test_explain_json_has_the_understood_fields():
    result = run_composer("explain", EXAMPLE, "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "thematic" and data["preset"] == "product" and data["duration_s"] == 90.0
    assert data["tempo_range"] == [120, 140] and data["mode"] == "major"
    assert data["energy"][-1][1] > data["energy"][0][1]


@pytest.mark.parametrize("ci", ["1", "true"])
def test_json_output_stays_clean_on_ci_machines(ci, tmp_path):
    # pyfluidsynth prints the library it loads when $CI is set; that must not reach stdout.
    explained = run_composer("explain", EXAMPLE, "--json", env={"CI": ci})
    assert explained.code == 0, explained.stderr
    assert json.loads(explained.stdout)["kind"] == "thematic"
    composed = run_composer("compose", "calm 4-second stinger", "--seed", "1", "--midi-only",
                            "--out", str(tmp_path), "--name", "s", env={"CI": ci})
    assert composed.code == 0, composed.stderr
    evaluated = run_composer("evaluate", str(tmp_path / "s.mid"), "--json", env={"CI": ci})
    assert evaluated.code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["duration_s"] == pytest.approx(4.0)
    listed = run_composer("soundfonts", env={"CI": ci})  # finds pretty_midi's own soundfont
    assert listed.code == 0 and listed.stdout.strip(), listed.stderr
    assert all(line.startswith(("default ", "  ")) for line in listed.stdout.splitlines()), listed.stdout


def test_explain_plans_what_compose_writes(tmp_path):
    explained = json.loads(run_composer("explain", "calm piano for a 30-second interview", "--seed", "5", "--json").stdout)
    result = run_composer("compose", "calm piano for a 30-second interview", "--seed", "5", "--midi-only",
                          "--out", str(tmp_path), "--name", "c")
    assert result.code == 0, result.stderr
    composed = json.loads((tmp_path / "c.json").read_text())
    for field in ("key", "tempo_bpm", "meter", "kind"):
        assert explained[field] == composed[field], field


def test_explain_and_the_report_serialise_the_plan_alike():
    """One serialiser behind both: every plan field the report shares with `composer explain`
    reads the same, explain's sections and instruments being the report's without ends and
    channels."""
    from composer import compose
    from composer.piece import explanation

    piece = compose("tense documentary underscore, 40 seconds, gets quiet at 0:20", seed=2)
    explained, report = explanation(piece.brief, piece.plan), piece.report()
    shared = set(explained) & set(report) - {"sections", "instruments"}
    assert shared == {"brief", "kind", "preset", "style", "duration_s", "mood", "tempo_bpm", "key", "lift", "meter", "bars",
                      "ending", "energy", "notes", "ignored_words", "events", "tempo_map", "key_changes", "scenes"}
    assert all(explained[field] == report[field] for field in shared)
    assert explained["sections"] == [{k: s[k] for k in ("name", "start_s", "energy")} for s in report["sections"]]
    assert explained["instruments"] == [{k: i[k] for k in ("role", "name", "program")} for i in report["instruments"]]


def test_a_brief_file_seed_must_be_a_whole_number(tmp_path):
    brief = tmp_path / "b.toml"
    brief.write_text('brief = "warm podcast bed"\nseed = "three"\n')
    _assert_one_line_error(run_composer("compose", "--brief-file", str(brief), "--midi-only", "--out", str(tmp_path)),
                           "seed")


def test_several_formats_from_one_render(tmp_path):
    from composer.audio.soundfonts import bundled_soundfont

    result = run_composer("compose", "upbeat tiktok reel, 5 seconds", "--format", "wav,flac", "--format", "ogg,mp3",
                          "--soundfont", str(bundled_soundfont()), "--out", str(tmp_path), "--name", "r")
    assert result.code == 0, result.stderr
    for suffix, exact in (("wav", True), ("flac", True), ("ogg", False), ("mp3", False)):
        info = soundfile.info(str(tmp_path / f"r.{suffix}"))
        assert (info.samplerate, info.channels) == (44100, 2)
        # lossless files are exact; lossy ones within one codec frame (1152 samples for MP3)
        assert info.frames == 5 * 44100 if exact else abs(info.frames - 5 * 44100) <= 1152


def test_version_prints_the_installed_version_and_exits_zero() -> None:
    from composer.base.about import version

    run = run_composer("--version")
    assert run.code == 0 and run.stdout.strip() == f"composer {version()}"


def test_python_and_the_command_line_default_to_the_same_seed() -> None:
    import inspect

    from composer import compose
    from composer.composition.brief import DEFAULT_SEED

    assert inspect.signature(compose).parameters["seed"].default == DEFAULT_SEED == 1


def test_on_a_terminal_one_bar_names_each_phase(monkeypatch) -> None:
    """On a terminal the progress bar takes each phase's name as the delivery reaches it."""
    import io

    from rich.console import Console

    from composer import cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=100))
    with cli._progress(1200.0) as progress:
        for phase, done, total in [("rendering", 10, 100), ("rendering", 100, 100), ("mastering", 0, 0),
                                   ("encoding wav", 0, 1), ("measuring wav", 0, 1)]:
            progress(phase, done, total)
            cli.err.file.flush()
            time.sleep(0.15)  # the bar redraws ten times a second
    shown = screen.getvalue()
    for label in ("rendering 1200 s", "mastering", "encoding wav", "measuring wav"):
        assert label in shown, shown
