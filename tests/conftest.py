"""Shared fixtures: the real soundfonts and a way to run the real `composer` command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import mido
import pytest

from composer.audio.soundfonts import bundled_soundfont, find_soundfonts
from composer.base.tables import data_file

PROJECT = Path(__file__).resolve().parent.parent
#: A child process's first line: Ctrl-C acts as it does from a terminal, even where the tests
#: run as a background job, whose children inherit SIGINT ignored (no Ctrl-C would reach them).
AS_FROM_A_TERMINAL = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
#: Audio files carry their origination date (BWF bext); the tests fix it, as reproducible builds
#: do, so a file written twice compares byte for byte (test_delivery checks the clock's date).
os.environ["SOURCE_DATE_EPOCH"] = "0"


@pytest.fixture(scope="session")
def small_soundfont() -> Path:
    """TimGM6mb (6 MB, shipped with pretty_midi): a real General MIDI soundfont that loads fast."""
    return bundled_soundfont()


@pytest.fixture(scope="session")
def default_soundfont() -> Path:
    """The soundfont composer picks with no configuration on this machine."""
    return find_soundfonts()[0].path


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_composer(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                 python_prelude: str = "") -> Run:
    """Run the real command-line tool in a fresh process, as a user would."""
    code = f"{python_prelude}\nfrom composer.cli import main\nmain()"
    process = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd or PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def composer_cli():
    return run_composer


def broken_data_copy(folder: Path, name: str, old: str, new: str) -> Path:
    """A copy of the package's ``data/<name>.toml`` in ``folder`` with the first passage ``old``
    replaced by ``new``: a malformed data file for a loader to refuse."""
    text = data_file(name).read_text("utf-8")
    assert old in text, f"{old!r} is not in {name}.toml"
    path = folder / f"{name}.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def note_spans(midi: mido.MidiFile, first_track: int = 0) -> list[tuple[int, int, int, int, int]]:
    """(track, channel, pitch, start tick, end tick) of every note of ``midi`` from track
    ``first_track`` on, each note-on paired with its note-off (or a note-on at velocity 0), as
    an independent reader of our files would pair them."""
    notes = []
    for index, track in enumerate(midi.tracks[first_track:], start=first_track):
        tick, open_notes = 0, {}
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                open_notes[(message.channel, message.note)] = tick
            elif message.type in ("note_on", "note_off") and (message.channel, message.note) in open_notes:
                start = open_notes.pop((message.channel, message.note))
                notes.append((index, message.channel, message.note, start, tick))
    return notes
