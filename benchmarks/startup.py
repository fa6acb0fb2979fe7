"""How long a user waits for each command, start-up included: whole-process wall time.

Each command runs in a fresh process, as a user runs it (the `composer` script beside this
Python, with this checkout first on the path), the commands taken in turn round after round so
that the shared machine's load falls on all of them alike. Given per command: the median and
the least wall time, and the median processor seconds (user + system), which the machine's
other load disturbs less than the wall time. `python -c pass` is the floor no command can go
under. A first round, not counted, lets Python cache the bytecode as it does for any installed
package (the runs ignore $PYTHONDONTWRITEBYTECODE: compiling composer's own modules from
source on every run would add about 0.1 s to each command). The load average is printed before
and after: on the 2-core development machine other work often takes a core. `--help` should
take under 0.3 s and `explain` under 0.5 s (issue 19).
Run: .venv/bin/python benchmarks/startup.py [ROUNDS]   (default 5; about 25 s)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
#: The commands' environment: this checkout first on the path, bytecode cached.
ENVIRONMENT = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT)}
BRIEF = "calm piano for an interview, 60 seconds"
CUE = "bright music for a product video, 30 seconds"
#: The longest a command should take on this machine class (issue 19), where one is set.
TARGETS_S = {"composer --help": 0.3, "composer explain": 0.5}


def composer_command() -> list[str]:
    """The `composer` script installed beside this Python, else this Python running the package."""
    script = Path(sys.executable).with_name("composer")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "composer"]


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and processor seconds (user + system) of one run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                             env=ENVIRONMENT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}: {process.stderr.strip()}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def commands(folder: Path) -> dict[str, list[str]]:
    """The commands timed, by label; the MIDI the render reads is written here first."""
    composer = composer_command()
    small = folder / "small"
    subprocess.run([*composer, "compose", "logo stinger, 5 seconds", "--seed", "1", "--midi-only", "--out", str(small),
                    "--name", "small"], cwd=ROOT, check=True, capture_output=True, env=ENVIRONMENT)
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "composer --help": [*composer, "--help"],
        "composer explain": [*composer, "explain", BRIEF],
        "composer compose --midi-only (30 s)": [*composer, "compose", CUE, "--seed", "1", "--midi-only", "--out",
                                                str(folder / "cue"), "--name", "cue"],
        "composer render (5 s MIDI → WAV)": [*composer, "render", str(small / "small.mid"), "--out",
                                             str(folder / "small.wav")],
    }


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    with tempfile.TemporaryDirectory() as scratch:
        timed_commands = commands(Path(scratch))
        print(f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start; "
              f"median of {rounds} fresh processes each; {' '.join(composer_command())}")
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in timed_commands}
        for command in timed_commands.values():  # the uncounted first round
            timed(command)
        for _ in range(rounds):
            for label, command in timed_commands.items():
                runs[label].append(timed(command))
    print(f"{'command':38} {'wall s':>7} {'min s':>7} {'CPU s':>7}  target")
    for label, measured in runs.items():
        walls = sorted(wall for wall, _ in measured)
        median = statistics.median(walls)
        cpu = statistics.median(cpu for _, cpu in measured)
        target = TARGETS_S.get(label)
        verdict = "" if target is None else f"< {target:g} s {'met' if median < target else 'MISSED'}"
        print(f"{label:38} {median:7.2f} {walls[0]:7.2f} {cpu:7.2f}  {verdict}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
