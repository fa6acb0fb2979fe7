"""Delivery safety (issue 16): soundfonts are checked by loading them, and a soundfonts/
folder wherever composer happens to run is not searched; OGG files and float stems come out
byte-identical run after run.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import time
from pathlib import Path

import mido
import pretty_midi
import pytest

from composer.audio import render as renderer
from composer.audio import soundfonts
from composer.audio.deliver import Rendering, deliver
from composer.audio.formats import Provenance
from composer.base.errors import ComposerError
from tests.conftest import run_composer

BRIEF = "tense cue, 4 seconds"


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``, hidden ones too, with a hash of each file's bytes."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(folder.rglob("*"))}


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

