"""How many cues a minute `composer batch` writes with 1 and with 2 workers, and the speed-up.

A 40-cue manifest of 30-second cues (eight briefs of different uses, five seeds each, a WAV
each: composed, rendered, mastered, written and measured) is run by the real command in a
fresh process into an empty folder, once per worker count: the whole wall time a user waits,
start-up and catalogue included. The machine's other load counts too: note it beside the figures.
Run: .venv/bin/python benchmarks/batch.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFS = ("bright product video", "calm piano for an interview", "warm podcast bed", "tense documentary underscore",
          "upbeat corporate, acoustic guitar", "epic trailer, strings and brass", "lo-fi hip hop study bed",
          "gentle ambient texture")
SEEDS = range(1, 6)
DURATION_S = 30
WORKERS = (1, 2)


def manifest(folder: Path) -> Path:
    """The 40-cue manifest, as JSON Lines with its defaults on the first line."""
    path = folder / "cues.jsonl"
    rows = [{"defaults": {"duration": DURATION_S, "format": "wav"}}]
    rows += [{"brief": brief, "seed": seed, "name": f"cue-{n:02d}-{seed}"}
             for n, brief in enumerate(BRIEFS, 1) for seed in SEEDS]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return path


def run(cues: Path, out: Path, workers: int) -> tuple[float, float]:
    """Seconds of wall time for the whole batch in a fresh process, and the processor seconds
    it and its workers used (sampled from the process tree: the pool's processes are not the
    command's own children, so the kernel's child accounting misses them)."""
    import psutil  # comes with dask.distributed

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "composer", "batch", str(cues), "--out", str(out), "--workers",
                                str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    used: dict[int, float] = {}
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            for member in [root, *root.children(recursive=True)]:
                times = member.cpu_times()
                used[member.pid] = times.user + times.system
        except psutil.Error:
            pass
        time.sleep(0.1)
    if process.returncode:
        raise SystemExit(f"composer batch failed with status {process.returncode}")
    return time.perf_counter() - started, sum(used.values())


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cues = manifest(folder)
        count = len(BRIEFS) * len(SEEDS)
        load = os.getloadavg()[0]
        print(f"{count} cues of {DURATION_S} s (WAV), {os.cpu_count()} cores, load average {load:.1f} at the start")
        rates = {}
        for workers in WORKERS:
            seconds, busy = run(cues, folder / f"out-{workers}", workers)
            rates[workers] = count / seconds * 60
            print(f"{workers} worker{'s' if workers > 1 else ''}: {seconds:6.1f} s  {rates[workers]:5.1f} cues/min  "
                  f"({busy:.0f} processor seconds, {busy / seconds:.2f} cores busy)")
        print(f"speed-up 1 → 2 workers: {rates[2] / rates[1]:.2f}×  (load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
