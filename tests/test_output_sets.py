"""Soundfonts (issue 16): one is checked by loading it, not by its header alone, and a
soundfonts/ folder wherever composer happens to run is not searched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from composer.audio import soundfonts
from composer.base.errors import ComposerError
from tests.conftest import run_composer

BRIEF = "tense cue, 4 seconds"


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

