"""Peak memory of the longest renders composer makes: a 60-minute bed with stems, and a 60-minute
loud cue the limiter works on all through, both as WAV.

The mix and every stem are 1.27 GB of float32 each at 60 minutes; they are spooled to disk
(composer/audio/spool.py), and the limiter runs over the spool a block at a time
(composer/audio/master.py), so the peak should stay far under 1 GB however long the piece.
Each run is the real command in a fresh process, its peak resident memory (ru_maxrss) read when
it ends. It takes about 9 minutes and about 10 GB of disk (files and scratch), removed afterwards.
Run: .venv/bin/python benchmarks/memory.py [BED_MINUTES [LOUD_MINUTES]]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BED = "calm podcast bed, {minutes} minutes"
#: A brief loud enough that the limiter takes up to 6 dB off its peaks (limiter_reduction_db).
LOUD = "aggressive trap beat for a hype reel, {minutes} minutes"
LIMIT_MB = 1024


def measure(brief: str, *options: str) -> tuple[float, float, float]:
    """(peak MB, seconds, the limiter's most reduction in dB) of one `composer compose BRIEF
    --format wav` in a fresh process."""
    folder = Path(tempfile.mkdtemp(prefix="composer-memory-"))
    try:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "composer", "compose", brief, *options, "--format", "wav",
                                  "--out", str(folder), "--name", "cue"], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"composer compose {brief!r} failed")
        reduction = json.loads((folder / "cue.json").read_text())["limiter_reduction_db"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return usage.ru_maxrss / 1024, seconds, reduction


def main() -> None:
    bed_minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    loud_minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    over = False
    for label, brief, options in ((f"{bed_minutes}-minute bed with stems", BED.format(minutes=bed_minutes),
                                   ("--stems",)),
                                  (f"{loud_minutes}-minute loud cue", LOUD.format(minutes=loud_minutes), ())):
        peak_mb, seconds, reduction = measure(brief, *options)
        verdict = "under" if peak_mb < LIMIT_MB else "OVER"
        print(f"{label} (WAV, limiter {reduction:g} dB): peak {peak_mb:.0f} MB ({verdict} {LIMIT_MB} MB), "
              f"{seconds:.0f} s")
        over = over or peak_mb >= LIMIT_MB
    if over:
        sys.exit(1)


if __name__ == "__main__":
    main()
