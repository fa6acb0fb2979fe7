"""Delivery safety (issue 16): a run's files appear as one set or not at all, under a lock on
their name, never through a planted link; soundfonts are checked by loading them; OGG files
and float stems come out byte-identical run after run.

Interruptions are simulated deterministically: a stage of a real run (real composing, a real
FluidSynth render, real files) raises KeyboardInterrupt, as Ctrl-C would there, or a real
process is paused at a known stage and sent the signal.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import pretty_midi
import pytest
from typer.testing import CliRunner

from composer.audio import render as renderer
from composer.audio import soundfonts
from composer.audio.deliver import Rendering, deliver
from composer.audio.formats import Provenance
from composer.base import files
from composer.base.errors import ComposerError
from composer.cli import app
from tests.conftest import AS_FROM_A_TERMINAL, PROJECT, run_composer

runner = CliRunner()
BRIEF = "tense cue, 4 seconds"


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``, hidden ones too, with a hash of each file's bytes."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(folder.rglob("*"))}


def _full_run(folder: Path, soundfont: Path, seed: int, *extra: str) -> Any:
    """A compose writing every kind of file: MIDI, four audio formats, stems, MusicXML, PNG,
    markers and the report; run from ``folder``'s parent with ``--out out`` (the report names
    its files by the path given, so sets in different places compare equal)."""
    assert folder.name == "out"
    before = Path.cwd()
    os.chdir(folder.parent)
    try:
        return runner.invoke(app, ["compose", BRIEF, "--seed", str(seed), "--hit", "0:02", "--format",
                                   "wav,flac,ogg,mp3,musicxml", "--plot", "--stems", "--soundfont", str(soundfont),
                                   "--out", "out", "--name", "cue", *extra])
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A folder holding the old set (seed 1), and the snapshots of the old and the new (seed 2) sets."""
    soundfont = soundfonts.bundled_soundfont()
    old = tmp_path_factory.mktemp("old") / "out"
    result = _full_run(old, soundfont, 1)
    assert result.exit_code == 0, result.output
    old_set = _snapshot(old)
    assert len(old_set) == 15 and {"cue-stems/pad.wav", "cue.otio", "cue-markers.csv"} <= old_set.keys()
    new = tmp_path_factory.mktemp("new") / "out"
    shutil.copytree(old, new)
    assert _full_run(new, soundfont, 2).exit_code == 0
    new_set = _snapshot(new)
    assert new_set.keys() == old_set.keys() and new_set["cue.wav"] != old_set["cue.wav"]
    return old, old_set, new_set


def _nth_call_raises(original: Callable[..., Any], n: int) -> Callable[..., Any]:
    """``original``, except that its ``n``-th call raises KeyboardInterrupt, as Ctrl-C there would."""
    calls = 0

    def patched(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    return patched


#: Each stage of a run with every output (module, attribute, which call raises); write_audio is
#: called for the four formats and then the three stems, Path.write_bytes for the six files beside.
STAGES = [("composer.piece", "make_plan", 1), ("composer.audio.render", "render_with_stems", 1),
          ("composer.audio.master", "master", 1),
          *[("composer.audio.deliver", "write_audio", n) for n in range(1, 8)],
          *[("pathlib.Path", "write_bytes", n) for n in range(1, 7)],
          ("composer.base.files", "_write_journal", 1)]


@pytest.mark.parametrize(("module", "name", "call"), STAGES, ids=[f"{m.split('.')[-1]}.{n}#{c}" for m, n, c in STAGES])
def test_an_interrupt_at_any_stage_before_the_commit_leaves_the_old_set_and_no_litter(
        tmp_path, sets, module, name, call):
    import importlib

    old, old_set, _ = sets
    folder = tmp_path / "out"
    shutil.copytree(old, folder)
    owner: Any = Path if module == "pathlib.Path" else importlib.import_module(module)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, _nth_call_raises(getattr(owner, name), call))
        assert _full_run(folder, soundfonts.bundled_soundfont(), 2).exit_code == 130  # typer's status for Ctrl-C
    assert _snapshot(folder) == old_set


@pytest.mark.parametrize("move", range(1, 13))
def test_an_interrupt_between_the_commits_renames_finishes_the_new_set(tmp_path, sets, move):
    """Past the journal the set is committed: an interrupt at any of its renames (4 audio files,
    the stems folder aside and in, 6 files beside) still ends with the whole new set."""
    old, _, new_set = sets
    folder = tmp_path / "out"
    shutil.copytree(old, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "_move", _nth_call_raises(files._move, move))
        assert _full_run(folder, soundfonts.bundled_soundfont(), 2).exit_code == 130  # typer's status for Ctrl-C
    assert _snapshot(folder) == new_set


def test_a_run_killed_between_renames_is_finished_by_the_next_run_on_its_name(tmp_path, sets):
    """A run that dies outright after its 5th rename (no cleanup runs, as under SIGKILL) leaves a
    part of each set and its journal; recovery on that name moves the rest into place."""
    old, old_set, new_set = sets
    folder = tmp_path / "out"
    shutil.copytree(old, folder)
    moved = 0

    def dying(source: Path, target: Path) -> None:
        nonlocal moved
        moved += 1
        if moved > 5:
            raise SystemError("killed")
        os.rename(source, target)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "_move", dying)
        assert isinstance(_full_run(folder, soundfonts.bundled_soundfont(), 2).exception, SystemError)
    mixed = _snapshot(folder)
    staging = [name for name in mixed if name.endswith(files.STAGING_SUFFIX)]
    assert len(staging) == 1 and f"{staging[0]}/journal" in mixed
    assert mixed["cue.wav"] == new_set["cue.wav"] and mixed["cue.json"] == old_set["cue.json"]
    with files.locked(folder, "cue"):
        files.recover(folder, "cue")
    assert _snapshot(folder) == new_set


def test_a_staged_set_without_a_journal_is_removed_by_the_next_run(tmp_path, small_soundfont):
    folder = tmp_path / "out"
    folder.mkdir()
    leftover = folder / ".cue.abcd1234.composer-staging"
    (leftover / "set").mkdir(parents=True)
    (leftover / "set" / "cue.mid").write_bytes(b"half")
    other = folder / ".cue2.abcd1234.composer-staging"  # another name's: not this run's to touch
    other.mkdir()
    result = runner.invoke(app, ["compose", BRIEF, "--midi-only", "--out", str(folder), "--name", "cue"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [other.name, "cue.json", "cue.mid"]


def _paused_run(tmp_path: Path, stage: tuple[str, str, int], *args: str,
                cwd: Path = PROJECT) -> tuple[subprocess.Popen[bytes], Path]:
    """A real `composer` process that stops at ``stage`` (module, function, which call), until
    the file it returns exists: a run caught at a known moment, not at a moment guessed by timing."""
    ready, go = tmp_path / "paused", tmp_path / "go"
    module, name, call = stage
    code = (f"{AS_FROM_A_TERMINAL}import importlib, os, time\nowner = importlib.import_module({module!r})\n"
            f"original = getattr(owner, {name!r})\ncalls = [0]\n"
            f"def paused(*a, **k):\n    calls[0] += 1\n    if calls[0] == {call}:\n"
            f"        open({str(ready)!r}, 'w').close()\n"
            f"        while not os.path.exists({str(go)!r}): time.sleep(0.01)\n    return original(*a, **k)\n"
            f"setattr(owner, {name!r}, paused)\nfrom composer.cli import main\nmain()")
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not ready.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ready.exists(), process.communicate()[1].decode()
    return process, go


RENDER = ("composer.audio.render", "render_with_stems", 1)


@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_render_leaves_the_old_set_and_no_litter(tmp_path, sets, small_soundfont, ending):
    old, old_set, _ = sets
    folder = tmp_path / "out"
    shutil.copytree(old, folder)
    process, _ = _paused_run(tmp_path, RENDER, "compose", BRIEF, "--stems", "--format", "wav,flac", "--soundfont",
                             str(small_soundfont), "--out", str(folder), "--name", "cue")
    assert list(folder.glob(f".cue.*{files.STAGING_SUFFIX}")) and (folder / ".cue.lock").exists()
    process.send_signal(ending)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + ending
    assert b"Traceback" not in stderr
    assert _snapshot(folder) == old_set


@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_stems_are_written_leaves_no_folder_where_there_was_none(
        tmp_path, small_soundfont, ending):
    """The first stem is being written (after a WAV and a FLAC): the run stops, and the --out
    folder it made is gone again, with the stems, the lock and the staging folder."""
    run = tmp_path / "run"
    run.mkdir()
    process, _ = _paused_run(run, ("composer.audio.deliver", "write_audio", 3), "compose", BRIEF, "--stems",
                             "--format", "wav,flac", "--soundfont", str(small_soundfont), "--out",
                             str(tmp_path / "out"), "--name", "cue")
    staged_stems = list((tmp_path / "out").glob(f".cue.*{files.STAGING_SUFFIX}/set/cue-stems"))
    assert len(staged_stems) == 1 and not (tmp_path / "out" / "cue.wav").exists()
    process.send_signal(ending)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + ending and b"Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_commits_renames_waits_until_the_new_set_is_whole(tmp_path, sets, ending):
    """Caught at its second rename, a run holds the signal back, finishes moving the set into
    place, then ends as the signal asks."""
    old, _, new_set = sets
    folder = tmp_path / "out"
    shutil.copytree(old, folder)
    process, go = _paused_run(tmp_path, ("composer.base.files", "_move", 2), "compose", BRIEF, "--seed", "2",
                              "--hit", "0:02", "--format", "wav,flac,ogg,mp3,musicxml", "--plot", "--stems",
                              "--soundfont", str(soundfonts.bundled_soundfont()), "--out", "out", "--name", "cue",
                              cwd=tmp_path)
    process.send_signal(ending)
    go.touch()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + ending and b"Traceback" not in stderr
    (tmp_path / "paused").unlink()
    go.unlink()
    assert _snapshot(folder) == new_set


def test_a_second_run_on_the_same_name_fails_at_once_while_the_first_runs(tmp_path, small_soundfont):
    """Two real processes: the second fails with one line naming the first, which then finishes
    with its files whole; a run on another name in the same folder is not held up."""
    folder = tmp_path / "out"
    first, go = _paused_run(tmp_path, RENDER, "compose", BRIEF, "--stems", "--soundfont", str(small_soundfont),
                            "--out", str(folder), "--name", "cue")
    try:
        second = run_composer("compose", "calm piano", "--duration", "4", "--midi-only", "--out", str(folder),
                              "--name", "cue")
        assert second.code == 2 and len(second.stderr.splitlines()) == 1, second.stderr
        assert f"another composer run (process {first.pid}) is writing 'cue'" in second.stderr
        other = run_composer("compose", "calm piano", "--duration", "4", "--midi-only", "--out", str(folder),
                             "--name", "other")
        assert other.code == 0, other.stderr
    finally:
        go.touch()
        first.communicate(timeout=120)
    assert first.returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["cue-stems", "cue.json", "cue.mid", "cue.wav",
                                                         "other.json", "other.mid"]


def test_planted_links_at_temporary_and_final_names_are_never_followed(tmp_path, small_soundfont):
    """Links planted where the old code put its temporary files (``.NAME.ext.PID.tmp``, for the
    next few hundred process ids) are never touched; a link at a final name or at the lock stops
    the run with one line, and its target is never written."""
    folder, victim = tmp_path / "shared", tmp_path / "victim.txt"
    folder.mkdir()
    victim.write_text("precious")
    start = os.getpid()
    planted = [folder / f".x.{suffix}.{pid}.tmp" for pid in range(start, start + 400) for suffix in ("mid", "wav", "json")]
    for link in planted:
        link.symlink_to(victim)
    made = run_composer("compose", BRIEF, "--soundfont", str(small_soundfont), "--out", str(folder), "--name", "x")
    assert made.code == 0, made.stderr
    assert all(link.is_symlink() for link in planted) and victim.read_text() == "precious"
    for link in planted:
        link.unlink()
    assert sorted(p.name for p in folder.iterdir()) == ["x.json", "x.mid", "x.wav"]
    for final in ("x.wav", "x.json", ".x.lock"):
        target = folder / final
        if target.exists():
            target.unlink()
        target.symlink_to(victim)
        refused = run_composer("compose", BRIEF, "--soundfont", str(small_soundfont), "--out", str(folder),
                               "--name", "x", "--force")  # even --force never writes through a link
        assert refused.code == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
        assert "symbolic link" in refused.stderr and final in refused.stderr
        assert target.is_symlink() and victim.read_text() == "precious"
        target.unlink()


def _truncated(tmp_path: Path, source: Path) -> Path:
    """The real soundfont cut to half its length, as a download cut short leaves it."""
    data = source.read_bytes()
    path = tmp_path / "cut.sf2"
    path.write_bytes(data[: len(data) // 2])
    return path


def test_a_truncated_soundfont_is_found_corrupt_by_loading_it(tmp_path, small_soundfont):
    cut = _truncated(tmp_path, small_soundfont)
    assert cut.read_bytes()[8:12] == b"sfbk"  # its header alone looks fine
    with pytest.raises(ComposerError, match="is corrupt"):
        soundfonts.check_soundfont(cut)
    assert soundfonts.check_soundfont(small_soundfont) == small_soundfont
    listed = run_composer("soundfonts", env={soundfonts.ENVIRONMENT_VARIABLE: str(cut)})
    assert listed.code == 0 and listed.stderr == ""
    first, second = listed.stdout.splitlines()[:2]
    assert str(cut) in first and "corrupt" in first and not first.startswith("default")
    assert second.startswith("default")
    out = tmp_path / "out"
    failed = run_composer("compose", BRIEF, "--soundfont", str(cut), "--out", str(out))
    assert failed.code == 2 and len(failed.stderr.splitlines()) == 1 and "CRITICAL" not in failed.stderr
    assert "corrupt" in failed.stderr and not out.exists()


def test_a_soundfonts_folder_where_composer_runs_is_not_searched(tmp_path, small_soundfont):
    (tmp_path / "soundfonts").mkdir()
    shutil.copy(small_soundfont, tmp_path / "soundfonts" / "planted.sf2")
    listed = run_composer("soundfonts", cwd=tmp_path)
    assert listed.code == 0 and "planted.sf2" not in listed.stdout
    explicit = run_composer("compose", BRIEF, "--soundfont", "soundfonts/planted.sf2", "--out", "out", cwd=tmp_path)
    assert explicit.code == 0, explicit.stderr


def _duet_rendering(soundfont: Path, seconds: float = 4.0) -> Rendering:
    """Two players made elsewhere, rendered for ``seconds``."""
    song = pretty_midi.PrettyMIDI()
    for program, pitch in ((73, 72), (42, 48)):
        player = pretty_midi.Instrument(program=program, name=f"p{program}")
        player.notes.append(pretty_midi.Note(velocity=90, pitch=pitch, start=0.0, end=seconds - 1))
        song.instruments.append(player)
    buffer = io.BytesIO()
    song.write(buffer)
    return Rendering(mido.MidiFile(file=io.BytesIO(buffer.getvalue())), seconds, soundfont, renderer.room("studio"))


def test_ogg_and_float_stems_are_byte_identical_across_runs(tmp_path, small_soundfont):
    made = []
    for run in ("one", "two"):
        folder = tmp_path / run
        folder.mkdir()
        rendering = _duet_rendering(small_soundfont)
        deliver(rendering, [folder / "a.ogg"], Provenance("a", "0"), stems=renderer.track_stems(rendering.midi))
        made.append(_snapshot(folder))
        time.sleep(1.1)  # the PEAK chunk's time stamp counts seconds
    assert made[0] == made[1] and len(made[0]) == 4



@pytest.mark.parametrize(("full", "named"), [("out", "--out"), ("scratch", "TMPDIR")])
def test_a_render_that_would_fill_the_disk_is_refused_before_it_starts(tmp_path, monkeypatch, full, named):
    """Free space is checked where the files go and where stems are rendered to scratch, with the
    estimate in the one line, before anything is rendered; nothing is left behind. A full disk is
    made by reporting one: filling a real disk in CI would fill the machine's."""
    import composer.audio.deliver as delivery
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    real = shutil.disk_usage

    def disk_usage(path: Any) -> Any:
        usage = real(path)
        crowded = Path(path).is_relative_to(tmp_path / "out" if full == "out" else scratch)
        return usage._replace(free=10 * 2**20) if crowded else usage

    monkeypatch.setattr(delivery.shutil, "disk_usage", disk_usage)
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(app, ["compose", "calm piano, 60 seconds", "--seed", "1", "--stems", "--out", str(tmp_path / "out"),
                                     "--soundfont", str(soundfonts.bundled_soundfont())])
    finally:
        os.chdir(before)
    assert isinstance(result.exception, ComposerError), result.output
    message = str(result.exception)
    assert "not enough free space" in message and "MB" in message and named in message and "\n" not in message
    assert not (tmp_path / "out").exists() and not any(scratch.iterdir())


def test_a_set_written_again_with_fewer_files_leaves_none_of_the_old(tmp_path, small_soundfont):
    """A re-run under the name replaces the earlier set whole: its WAV, FLAC and stems go with
    it when the new set has none (a --midi-only re-cut), and a file of the user's beside them
    stays."""
    out = tmp_path / "out"
    first = runner.invoke(app, ["compose", BRIEF, "--format", "wav,flac", "--stems", "--soundfont", str(small_soundfont),
                                "--out", str(out), "--name", "cue"])
    assert first.exit_code == 0, first.output
    (out / "cue-notes.txt").write_text("mine", "utf-8")
    assert {"cue.wav", "cue.flac", "cue-stems"} <= {p.name for p in out.iterdir()}
    again = runner.invoke(app, ["compose", BRIEF, "--seed", "2", "--midi-only", "--out", str(out), "--name", "cue"])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == ["cue-notes.txt", "cue.json", "cue.mid"]
