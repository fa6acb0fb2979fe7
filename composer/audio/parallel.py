"""One render on several cores: the notes split into groups of about equal work, each group
played by its own synth in its own process, the groups' audio summed into the mix.

A note's voices depend only on its channel's messages (program, controllers, pitch bend) and
on the channel's other notes on the same key (a key struck again releases the last), so the
notes split by channel and key, each synth getting the channel messages of the notes it plays;
a channel whose notes act on each other (drums, portamento, legato, mono mode) stays whole.
FluidSynth is linear from a voice to the output (its reverb and chorus too, one unit per synth
summing as one unit of the sum would), so a synth playing some notes gives those notes' part
of the one-synth render, to float rounding (−150 dBFS measured) — with one exception, FluidSynth's own: a voice slot reused for a
new note keeps the output gain (pan × volume) of the note it played before, and the new note's
first 64 frames ramp from that gain to its own (fluid_rvoice_buffers_mix; fluid_rvoice_reset
does not zero ``current_amp``, in 2.3 and still in 2.6). Which slot a note gets depends on
every other note, so a synth with fewer notes gives some onsets another ramp: a
difference in the 64-frame block of such an onset (and, much fainter, in the reverb after it),
at worst −54 dBFS before mastering on a 3-minute bed (benchmarks/render.py), where the one-synth
render's ramp is no truer. The sum is taken in a fixed order (this process's
group first, then each worker's in turn), so the same MIDI and worker count give the same bytes.

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
#: A share of a render's work: a MIDI channel's notes on one key, or (key WHOLE) all its notes.
Unit = tuple[int, int]
WHOLE = -1
#: FluidSynth's percussion channel (MIDI channel 10).
DRUM_CHANNEL = 9
#: Messages that belong to one note (its key), not to the whole channel.
NOTE_MESSAGES = ("note_on", "note_off", "polytouch")


def linked_channels(events: Events) -> set[int]:
    """Channels whose notes must all play in one synth, as each may change how another sounds:
    the drum channel (a kit's exclusive classes cut one note by another), and any channel that
    selects a bank (a kit, maybe) or turns on portamento, legato or mono mode.

    >>> linked_channels([(0.0, mido.Message("control_change", channel=2, control=65, value=127))])
    {9, 2}
    """
    linked = {DRUM_CHANNEL}
    for _, message in events:
        if message.type == "control_change" and (message.control in (65, 68) and message.value >= 64
                                                 or message.control == 126
                                                 or message.control in (0, 32) and message.value > 0):
            linked.add(message.channel)
    return linked


def unit_work(events: Events) -> dict[Unit, float]:
    """Seconds of sounding notes per unit of work (each note with its release): the synth's work
    on it, near enough to share it out. A unit is a channel's notes on one key — they depend on
    nothing but the channel's messages — or, for a linked channel, all of its notes (key WHOLE).

    >>> on, off = mido.Message("note_on", note=60, channel=2), mido.Message("note_off", note=60, channel=2)
    >>> unit_work([(0.0, on), (1.5, off), (2.0, mido.Message("note_on", note=36, channel=9))])
    {(2, 60): 1.8, (9, -1): 0.3}
    """
    linked = linked_channels(events)
    work: dict[Unit, float] = {}
    sounding: dict[tuple[int, int], list[float]] = {}
    end = 0.0
    for seconds, message in events:
        end = seconds
        if message.type not in ("note_on", "note_off"):
            continue
        key = (message.channel, message.note)
        unit = (message.channel, WHOLE if message.channel in linked else message.note)
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault(key, []).append(seconds)
            work[unit] = work.get(unit, 0.0) + RELEASE_S
        elif sounding.get(key):
            work[unit] += seconds - sounding[key].pop(0)
    for (channel, note), starts in sounding.items():  # never released: sounds to the end
        unit = (channel, WHOLE if channel in linked else note)
        work[unit] += sum(end - start for start in starts)
    return {unit: round(seconds, 9) for unit, seconds in sorted(work.items())}


def work_groups(events: Events, parts: int) -> list[frozenset[Unit]]:
    """The units of work of ``events`` in at most ``parts`` groups of about equal work (the
    heaviest unit first into the lightest group, ties to the lower unit and group); fewer
    groups than ``parts`` where fewer units play.

    >>> notes = [(0.0, mido.Message("note_on", note=n, channel=0)) for n in (60, 60, 60, 64, 67)]
    >>> work_groups(notes, 2)
    [frozenset({(0, 60)}), frozenset({(0, 64), (0, 67)})]
    """
    work = unit_work(events)
    groups: list[set[Unit]] = [set() for _ in range(max(1, min(parts, len(work))))]
    loads = [0.0] * len(groups)
    for unit in sorted(work, key=lambda u: (-work[u], u)):
        lightest = min(range(len(groups)), key=lambda index: (loads[index], index))
        groups[lightest].add(unit)
        loads[lightest] += work[unit]
    return [frozenset(group) for group in groups if group]


def group_events(events: Events, group: frozenset[Unit]) -> list[tuple[float, mido.Message]]:
    """The messages a synth playing ``group`` needs: its notes, and every other message of
    their channels (programs, controllers, pitch bends), so each note sounds as in the whole."""
    channels = {channel for channel, _ in group}
    return [(seconds, message) for seconds, message in events if getattr(message, "channel", None) in channels and (
        message.type not in NOTE_MESSAGES or (message.channel, message.note) in group
        or (message.channel, WHOLE) in group)]


@dataclass(frozen=True)
class Part:
    """One worker's job: the messages of its notes, played as the whole render is."""

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
    notes, summed in group order into a new spool."""
    parts = [group_events(events, group) for group in work_groups(events, workers)]
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
