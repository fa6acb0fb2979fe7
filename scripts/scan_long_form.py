"""Issue 17's measures over every style: a bed of each style ("<style word> bed, N minutes") and a
calm solo piano bed, for several seeds, read back from the MIDI with the long-form tests' own
helpers. A line per bed, FAIL with what failed: GAP@[s] (a half-minute, and the two after it,
heard alike), ROLE=n (a pitched part with fewer than six bar-rhythms in the five minutes from
its entry), run=n (a melody bar-rhythm more than four times in a row).

    .venv/bin/python scripts/scan_long_form.py --minutes 10 --seeds 1,2,3 [STYLE ...]
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.composition.styles import styles  # noqa: E402
from composer.piece import compose  # noqa: E402
from tests.test_long_form import (BAR_RHYTHMS, bar_rhythms, differ, longest_run, part_bar_rhythms,  # noqa: E402
                                  windows)


def measure(job: tuple[str, int]) -> tuple[str, int, str, list[str]]:
    """(brief, seed, style, what failed) for one bed."""
    brief, seed = job
    piece = compose(brief, seed=seed)
    plan = piece.plan
    heard = windows(piece)
    changes = [differ(a, b) for a, b in zip(heard, heard[1:])]
    failed = [f"GAP@{[i * 30 for i in range(len(changes) - 1) if not (changes[i] or changes[i + 1])]}s"]
    failed = [] if failed[0] == "GAP@[]s" else failed
    failed += [f"{role}={count}" for role, count in part_bar_rhythms(piece).items() if count < BAR_RHYTHMS]
    rhythms = bar_rhythms(piece)
    if rhythms and longest_run(rhythms) > 4:
        failed.append(f"run={longest_run(rhythms)}")
    return brief, seed, plan.style, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("styles", nargs="*", help="only the beds whose brief holds one of these words")
    args = parser.parse_args()
    briefs = [f"{style.words[0]} bed, {args.minutes} minutes" for style in styles().values()]
    briefs.append(f"calm solo piano bed, {args.minutes} minutes")
    briefs = [b for b in briefs if not args.styles or any(word in b for word in args.styles)]
    jobs = [(brief, int(seed)) for brief in briefs for seed in args.seeds.split(",")]
    failures = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for brief, seed, style, failed in pool.map(measure, jobs):
            failures += bool(failed)
            print(f"{'FAIL' if failed else 'ok  '} {brief:38} s{seed} [{style}] {' '.join(failed)}", flush=True)
    print(f"{failures} of {len(jobs)} beds fail")


if __name__ == "__main__":
    main()
