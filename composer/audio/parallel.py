"""One render on several cores: the MIDI channels split into groups of about equal work, each
group played by its own synth in its own process, the groups' audio summed into the mix.

FluidSynth is linear from a voice to the output (its reverb and chorus too), and a channel's
voices depend only on that channel's messages, so a synth playing some channels gives exactly
those channels' part of the one-synth render, up to float rounding: how stems already sum back
to the mix. The sum is taken in a fixed order (this process's group first, then each worker's
in turn), so the same MIDI and worker count give the same bytes; another worker count differs
by float rounding only (far under −120 dBFS).

The workers are fresh Python processes (``python -c``), never forks: a synth's threads do not
survive a fork, and multiprocessing's spawn would import this program's ``__main__`` (the whole
CLI) into each. Each loads the soundfont itself, reads its job from a scratch folder and writes
float32 frames there, which this process sums block by block; the folder goes however the render
ends (a worker killed with this process leaves it in the temporary folder).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mido

from composer.audio.render import Progress, Room, render_into
from composer.audio.spool import Spool, scratch_error
from composer.base.errors import ComposerError

#: Seconds a note is counted to sound after its note-off (its release), in the work estimate.
RELEASE_S = 0.3
#: Seconds between looks at the workers while waiting for them.
POLL_S = 0.05

Events = Sequence[tuple[float, mido.Message]]


def channel_work(events: Events) -> dict[int, float]:
    """Seconds of sounding notes per MIDI channel (each with its release): the synth's work on
    it, near enough to share it out. A channel with messages but no notes has none.

    >>> on, off = mido.Message("note_on", note=60, channel=2), mido.Message("note_off", note=60, channel=2)
    >>> channel_work([(0.0, on), (1.5, off), (2.0, mido.Message("control_change", channel=9))])
    {2: 1.8, 9: 0.0}
    """
    work: dict[int, float] = {}
    sounding: dict[tuple[int, int], list[float]] = {}
    end = 0.0
    for seconds, message in events:
        end = seconds
        channel = getattr(message, "channel", None)
        if channel is None:
            continue
        work.setdefault(channel, 0.0)
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault((channel, message.note), []).append(seconds)
            work[channel] += RELEASE_S
        elif message.type in ("note_on", "note_off") and sounding.get((channel, message.note)):
            work[channel] += seconds - sounding[(channel, message.note)].pop(0)
    for (channel, _), starts in sounding.items():
        work[channel] += sum(end - start for start in starts)  # never released: sounds to the end
    return {channel: round(seconds, 9) for channel, seconds in sorted(work.items())}


def channel_groups(events: Events, parts: int) -> list[frozenset[int]]:
    """The channels of ``events`` in at most ``parts`` groups of about equal work (the heaviest
    channel first into the lightest group, ties to the lower channel and group), the first
    group the heaviest; fewer groups than ``parts`` where fewer channels play notes.

    >>> notes = [(0.0, mido.Message("note_on", note=60, channel=c)) for c in (0, 0, 0, 1, 2)]
    >>> channel_groups(notes, 2)
    [frozenset({0}), frozenset({1, 2})]
    """
    work = channel_work(events)
    playing = sum(1 for seconds in work.values() if seconds > 0)
    groups: list[set[int]] = [set() for _ in range(max(1, min(parts, playing)))]
    loads = [0.0] * len(groups)
    for channel in sorted(work, key=lambda c: (-work[c], c)):
        lightest = min(range(len(groups)), key=lambda index: (loads[index], index))
        groups[lightest].add(channel)
        loads[lightest] += work[channel]
    return [frozenset(group) for group in groups if group]


@dataclass(frozen=True)
class Part:
    """One worker's job: the messages of its channels, played as the whole render is."""

    events: list[tuple[float, mido.Message]]
    soundfont: Path
    sample_rate: int
    frames: int
    total: int
    loop: bool
    space: Room
    out: Path


class Worker:
    """A render worker process playing one :class:`Part` into ``part.out``."""

    def __init__(self, part: Part, scratch: Path, name: str) -> None:
        self.part = part
        job = scratch / f"{name}.job"
        job.write_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
        self._stdout, self._stderr = scratch / f"{name}.out", scratch / f"{name}.err"
        package_root = str(Path(__file__).resolve().parents[2])  # the composer this process runs
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        with self._stdout.open("wb") as stdout, self._stderr.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from composer.audio.parallel import serve; serve()", str(job)],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env={**os.environ, "PYTHONPATH": path})

    def done_frames(self) -> int:
        """Frames written so far (the worker writes them in order)."""
        try:
            return self.part.out.stat().st_size // 8
        except FileNotFoundError:
            return 0

    def finish(self) -> Spool:
        """The worker's frames once it has ended (its file's name already gone), or one clear
        ComposerError for a worker that failed."""
        code = self.process.wait()
        if code == 0 and self.done_frames() == self.part.total:
            spool = Spool(self.part.total, file=self.part.out.open("r+b"))
            self.part.out.unlink()
            return spool
        try:
            said = json.loads(self._stdout.read_bytes())
            raise ComposerError(said["problem"], said["fix"])
        except (ValueError, KeyError, TypeError):
            lines = self._stderr.read_text("utf-8", errors="replace").strip().splitlines()
            why = lines[-1] if lines else f"exit code {code}, {self.done_frames()} of {self.part.total} frames"
            raise ComposerError(f"a render worker failed ({why})",
                                "render with --workers 1, and report it if that works") from None

    def stop(self) -> None:
        """End the worker if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def render_parts(events: Events, soundfont: Path, sample_rate: int, frames: int, total: int, loop: bool,
                 space: Room, progress: Progress | None, workers: int) -> Spool:
    """``events`` played as :func:`composer.audio.render.render_into` plays them, by up to
    ``workers`` processes (this one and the rest started for it) each playing a group of
    channels, summed in group order into a new spool."""
    groups = channel_groups(events, workers)
    parts = [[event for event in events if getattr(event[1], "channel", None) in group] for group in groups]
    audio = Spool(total)
    scratch: Path | None = None
    started: list[Worker] = []
    try:
        scratch = Path(tempfile.mkdtemp(prefix="composer-render-"))
        for number, own in enumerate(parts[1:], start=1):
            part = Part(own, soundfont, sample_rate, frames, total, loop, space, scratch / f"part-{number}.f32")
            started.append(Worker(part, scratch, f"part-{number}"))

        def tell(done: int, _total: int) -> None:
            if progress is not None:
                progress(done + sum(worker.done_frames() for worker in started), total * len(parts))

        render_into(audio, parts[0], soundfont, sample_rate, frames, total, loop, space, tell)
        while any(worker.process.poll() is None for worker in started):
            tell(total, total)
            time.sleep(POLL_S)
        for worker in started:
            rendered = worker.finish()
            try:
                for start, block in rendered.blocks():
                    block += audio.read(start, start + len(block))
                    audio.write(start, block)
            finally:
                rendered.close()
        tell(total, total)
        return audio
    except OSError as error:
        audio.close()
        raise scratch_error(error) from None
    except BaseException:
        audio.close()
        raise
    finally:
        for worker in started:
            worker.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def serve() -> None:
    """A worker's life (``python -c ... JOB``): play the pickled :class:`Part` at ``JOB`` into
    its file; a ComposerError is said on stdout as JSON (problem, fix), anything else as a
    traceback on stderr, and the process exits 1."""
    try:
        part: Part = pickle.loads(Path(sys.argv[1]).read_bytes())
        with part.out.open("w+b") as file:
            audio = Spool(file=file)
            render_into(audio, part.events, part.soundfont, part.sample_rate, part.frames, part.total, part.loop,
                        part.space)
    except ComposerError as error:
        sys.stdout.write(json.dumps({"problem": error.problem, "fix": error.fix}))
        sys.exit(1)
    except BaseException:
        traceback.print_exc()
        sys.exit(1)
