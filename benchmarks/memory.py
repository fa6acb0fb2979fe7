"""Peak memory of the longest render composer makes: a 60-minute bed with stems, as WAV.

The mix and every stem are 1.27 GB of float32 each at this length; they are spooled to disk
(composer/audio/spool.py), so the peak should stay far under 1 GB. Each run is the real command in
a fresh process, its peak resident memory (ru_maxrss) read when it ends. It takes several
minutes and about 10 GB of disk (files and scratch), removed afterwards.
Run: .venv/bin/python benchmarks/memory.py [MINUTES]
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BRIEF = "calm podcast bed, {minutes} minutes"
LIMIT_MB = 1024


def measure(minutes: int) -> tuple[float, float]:
    """(peak MB, seconds) of one `composer compose BRIEF --stems --format wav` in a fresh process."""
    folder = Path(tempfile.mkdtemp(prefix="composer-memory-"))
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "composer", "compose", BRIEF.format(minutes=minutes), "--stems",
                        "--format", "wav", "--out", str(folder), "--name", "bed"], check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, seconds


def main() -> None:
    minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    peak_mb, seconds = measure(minutes)
    verdict = "under" if peak_mb < LIMIT_MB else "OVER"
    print(f"{minutes}-minute bed with stems (WAV): peak {peak_mb:.0f} MB ({verdict} {LIMIT_MB} MB), {seconds:.0f} s")
    if peak_mb >= LIMIT_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
