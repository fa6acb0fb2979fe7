"""How fast composing is (MIDI only, no audio), and whether cost grows linearly with length.

Each length runs in a fresh process so its peak memory (ru_maxrss) is its own.
Run: .venv/bin/python benchmarks/compose.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

BRIEF = "bright, forward-moving background music for a product video, builds slightly in the final 20 seconds"
LENGTHS_S = (30, 180, 1200)
REPEATS = 3


def measure(duration_s: float) -> dict[str, float]:
    """Best-of-REPEATS seconds to compose and write MIDI bytes, and this process's peak memory."""
    from composer import compose

    compose(BRIEF, seed=0, duration=5)  # warm caches (music21 keys, lexicon) before timing
    best = float("inf")
    for repeat in range(REPEATS):
        started = time.perf_counter()
        piece = compose(BRIEF, seed=repeat, duration=duration_s)
        piece.midi_bytes
        best = min(best, time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"duration_s": duration_s, "seconds": best, "peak_mb": peak_mb}


def main() -> None:
    if len(sys.argv) == 2:
        print(json.dumps(measure(float(sys.argv[1]))))
        return
    print(f"{'music':>8} {'compute':>9} {'× real time':>12} {'ms per music-second':>20} {'peak MB':>8}")
    for duration in LENGTHS_S:
        output = subprocess.run([sys.executable, __file__, str(duration)], capture_output=True, text=True, check=True)
        row = json.loads(output.stdout)
        speed = row["duration_s"] / row["seconds"]
        per_second_ms = 1000 * row["seconds"] / row["duration_s"]
        print(f"{duration:>7}s {row['seconds']:>8.3f}s {speed:>11.0f}× {per_second_ms:>20.2f} {row['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
