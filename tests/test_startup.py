"""Start-up: each command imports only what it needs, so `composer --help` and `composer explain`
answer at once (issue 19: under 0.3 s and 0.5 s, measured by benchmarks/startup.py).

Timing is not tested here (the shared machine's load would make it flaky); what makes the time
is: a library imported at module level where a function needs it would show up in a fresh
process's ``sys.modules``, and these tests name it.
"""

from __future__ import annotations

import json

import pretty_midi
import pytest

from composer.base.general_midi import PROGRAMS, drum_name, program_name
from tests.conftest import run_composer

#: Libraries that take 0.05–1 s to import and that neither `--help` nor `explain` uses.
HEAVY = ("scipy", "music21", "pretty_midi", "mido", "numpy", "matplotlib", "fluidsynth", "soundfile", "pyloudnorm",
         "mutagen", "dask", "distributed", "opentimelineio")
#: Run before the command: at exit, one line on stderr naming the heavy libraries it loaded.
REPORT_LOADED = (f"import atexit, json, sys\n"
                 f"atexit.register(lambda: print('loaded:', json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)),"
                 f" file=sys.stderr))")


def loaded_by(*args: str, imports: str = "") -> list[str]:
    """The heavy libraries a fresh `composer ARGS` process imported (after ``imports``, Python
    import statements run first), after checking it succeeded."""
    run = run_composer(*args, python_prelude=f"{REPORT_LOADED}\n{imports}")
    assert run.code == 0, run.stderr
    line = next(line for line in run.stderr.splitlines() if line.startswith("loaded: "))
    return list(json.loads(line.removeprefix("loaded: ")))


@pytest.mark.parametrize("args", [
    ("--help",),
    ("explain", "calm piano for an interview, 60 seconds"),
    ("explain", "tense cue, 90 seconds, a hit at 1:15, drop to just the pad from 0:40 to 0:50", "--json"),
    ("presets",),
    ("styles",),
])
def test_light_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    assert loaded_by(*args) == []


def test_a_key_change_loads_music21_for_it_alone() -> None:
    # music21 spells the new key; nothing else heavy comes with it
    assert loaded_by("explain", "tense cue, 90 seconds, turns hopeful at 0:40 with a key change to major") == ["music21"]


def test_importing_the_api_loads_nothing_heavy() -> None:
    # `from composer import compose` loads the music when compose is first used, not before
    assert loaded_by("--version", imports="import composer, composer.understanding\ncomposer.__version__") == []


def test_midi_only_compose_leaves_the_mastering_and_plotting_libraries_unloaded(tmp_path) -> None:
    loaded = loaded_by("compose", "calm piano, 10 seconds", "--midi-only", "--out", str(tmp_path))
    assert not {"scipy", "pyloudnorm", "matplotlib", "fluidsynth", "pretty_midi"} & set(loaded), loaded


def test_the_general_midi_names_are_pretty_midis() -> None:
    assert [program_name(p) for p in PROGRAMS] == [pretty_midi.program_to_instrument_name(p) for p in PROGRAMS]
    assert [drum_name(k) for k in range(128)] == [pretty_midi.note_number_to_drum_name(k) for k in range(128)]
    with pytest.raises(ValueError):
        program_name(128)
