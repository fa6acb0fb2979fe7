"""How fast composer renders audio, against the fluidsynth program's fast render of the same MIDI.

composer drives FluidSynth in-process (composer.audio.render.render_midi); the reference is
``fluidsynth -F out.wav -r 44100 -ni SOUNDFONT in.mid``, the fastest way the fluidsynth program
renders a file. Both load the soundfont and render the whole piece in one run, timed best of
REPEATS; the ratio is composer's time over fluidsynth's (at most 1: no slower). composer renders
with the piece's room (reverb and chorus), as `composer compose` does. "render + master" adds
composer's mastering (loudness measurement, 4× oversampled true-peak look-ahead limiter, gain).

Then whole-process `composer render` of a 3-minute bed (start-up, render, master, write, measure)
with one and two workers (threads playing the two note groups, composer.audio.parallel), against
``fluidsynth -F`` on the same MIDI and soundfont, each run in turn REPEATS times and the median
kept, so the ratios come from one run of the machine's load; and whether the two WAVs hold the
same samples (they must; their BWF chunks differ by the time they were written).

Then peak memory for a 20-minute podcast bed, each step in a fresh process so its ru_maxrss is
its own: composing (benchmarks/compose.py's own measurement, with this brief) and rendering +
mastering it.
Run: .venv/bin/python benchmarks/render.py (``--whole``: only the whole-process comparison)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import soundfile  # noqa: E402

from composer import compose  # noqa: E402
from composer.audio import master as mastering  # noqa: E402
from composer.audio import render as renderer  # noqa: E402
from composer.audio.soundfonts import bundled_soundfont  # noqa: E402

BRIEF = ("bright, forward-moving background music for a 90-second product video, no vocals, "
         "builds slightly in the final 20 seconds")
BED_BRIEF = "warm seamless loop for a podcast"
BED_S = 1200.0
WHOLE_BRIEF = "warm background bed for a podcast, 3 minutes"
WHOLE_S = 180.0
REPEATS = 3
FLUIDR3 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def best_of(run: Callable[[], object]) -> float:
    """The fastest of REPEATS runs, in seconds."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def soundfont() -> Path:
    """Debian's FluidR3_GM if installed (the default on a set-up machine), else the bundled one."""
    return FLUIDR3 if FLUIDR3.is_file() else bundled_soundfont()


def speed(font: Path) -> None:
    piece = compose(BRIEF, seed=1)
    seconds = piece.plan.duration_s
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        midi_path = piece.write_midi(folder / "piece.mid")

        def ours() -> object:
            return renderer.render_midi(renderer.read_midi(midi_path), font, seconds, space=piece.room)

        def ours_mastered() -> object:
            return mastering.master(ours(), renderer.SAMPLE_RATE, piece.plan.loudness_lufs)

        rows: list[tuple[str, float, float]] = []  # (label, best seconds, seconds of audio made)
        program = shutil.which("fluidsynth")
        if program:
            out_wav = folder / "out.wav"
            command = [program, "-F", str(out_wav), "-r", "44100", "-ni", str(font), str(midi_path)]
            took = best_of(lambda: subprocess.run(command, capture_output=True, check=True))
            info = soundfile.info(str(out_wav))
            rows.append(("fluidsynth -F (the program)", took, info.frames / info.samplerate))
        else:
            print("fluidsynth program not found: no reference column (install fluidsynth to compare)")
        rows.append(("composer render (in-process)", best_of(ours), seconds))
        rows.append(("composer render + master", best_of(ours_mastered), seconds))
    print(f"rendering the {seconds:g} s example brief with {font.name}, best of {REPEATS}")
    reference = rows[0][1] if program else None
    print(f"{'':30} {'seconds':>8} {'audio s':>8} {'× real time':>12} {'vs fluidsynth -F':>17}")
    for label, took, made in rows:
        ratio = f"{took / reference:.2f}" if reference else "—"
        print(f"{label:30} {took:>8.2f} {made:>8.1f} {made / took:>11.0f}× {ratio:>17}")
    if program:
        print("(fluidsynth -F plays the file to its end and lets the last notes release; it also writes the WAV)")


def whole_process(font: Path) -> None:
    """`composer render` in a fresh process with 1 and 2 workers against `fluidsynth -F`, in turn."""
    program = shutil.which("fluidsynth")
    piece = compose(WHOLE_BRIEF, seed=1, duration=WHOLE_S)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        midi_path = piece.write_midi(folder / "bed.mid")
        commands = {f"composer render --workers {n}": [sys.executable, "-m", "composer", "render", str(midi_path),
                                                        "--soundfont", str(font), "--workers", str(n), "--force",
                                                        "--out", str(folder / f"bed-{n}.wav")] for n in (1, 2)}
        if program:
            commands = {"fluidsynth -F": [program, "-F", str(folder / "fs.wav"), "-r", "44100", "-ni", str(font),
                                          str(midi_path)], **commands}
        times: dict[str, list[float]] = {label: [] for label in commands}
        cpu: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(REPEATS):
            for label, command in commands.items():
                started, used = time.perf_counter(), _children_cpu()
                subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
                times[label].append(time.perf_counter() - started)
                cpu[label].append(_children_cpu() - used)  # with the render workers it waited for
        one, two = (soundfile.read(str(folder / f"bed-{n}.wav"), dtype="int32")[0] for n in (1, 2))
        same = one.tobytes() == two.tobytes()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nwhole process, the {WHOLE_S / 60:g}-minute bed ({WHOLE_BRIEF!r}) with {font.name}, "
          f"median of {REPEATS} in turn; load average {load} on {os.cpu_count()} cores")
    reference = statistics.median(times["fluidsynth -F"]) if program else None
    print(f"{'':30} {'seconds':>8} {'vs fluidsynth -F':>17} {'CPU seconds':>12}")
    for label, runs in times.items():
        took = statistics.median(runs)
        print(f"{label:30} {took:>8.2f} {f'{took / reference:.2f}' if reference else '—':>17} "
              f"{statistics.median(cpu[label]):>12.2f}")
    print(f"1 vs 2 workers: {'the same' if same else 'DIFFERENT'} samples")


def _children_cpu() -> float:
    """CPU seconds (user and system) of every child process waited for so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def bed_memory(step: str) -> dict[str, float]:
    """Run in a fresh process: peak memory (MB) and seconds of one step of a 20-minute bed."""
    started = time.perf_counter()
    piece = compose(BED_BRIEF, seed=1, duration=BED_S)
    if step == "render":
        piece.audio(soundfont())  # render + master, as `composer compose` does
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def memory() -> None:
    compose_code = (f"import json, sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}]\n"
                    f"import compose as bench\nbench.BRIEF, bench.REPEATS = {BED_BRIEF!r}, 1\n"
                    f"print(json.dumps(bench.measure({BED_S})))")
    composed = json.loads(subprocess.run([sys.executable, "-c", compose_code], capture_output=True, text=True,
                                         check=True).stdout)
    rendered = json.loads(subprocess.run([sys.executable, __file__, "--bed", "render"], capture_output=True,
                                         text=True, check=True).stdout)
    print(f"\n{BED_S / 60:g}-minute bed ({BED_BRIEF!r}): peak memory, each step in a fresh process")
    print(f"{'':30} {'seconds':>8} {'peak MB':>8}")
    print(f"{'compose (MIDI only)':30} {composed['seconds']:>8.2f} {composed['peak_mb']:>8.0f}")
    print(f"{'compose + render + master':30} {rendered['seconds']:>8.2f} {rendered['peak_mb']:>8.0f}")


def main() -> None:
    if sys.argv[1:2] == ["--bed"]:
        print(json.dumps(bed_memory(sys.argv[2])))
        return
    if sys.argv[1:2] == ["--whole"]:  # only the whole-process comparison
        whole_process(soundfont())
        return
    speed(soundfont())
    whole_process(soundfont())
    memory()


if __name__ == "__main__":
    main()
