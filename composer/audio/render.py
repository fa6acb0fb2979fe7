"""Audio: any MIDI file rendered in-process by FluidSynth, exactly as long as asked.

The synths are driven event by event from the MIDI file (through pyfluidsynth's ctypes
binding), at the asked sample rate and in the piece's room, writing float samples into spools:
the length in frames is ``round(duration × rate)`` by construction. Seconds become frames only
here. A cue of a minute or more plays as two note groups, each on its own synth (on two cores where
there are two; the same bytes on one: composer.audio.parallel). Stems come from the same synths
in the same pass: each MIDI channel plays into its own FluidSynth output group (with its own
reverb and chorus), so the mix is exactly the sum of its stems. Mastering is master.py's.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import mido
import numpy as np

from composer.audio.parallel import RENDER_GROUPS, note_groups
from composer.audio.spool import Spool
from composer.base.errors import ComposerError
from composer.base.midi_text import decoded_midi
from composer.base.quiet import quiet_import
from composer.base.records import bounds, record
from composer.base.tables import data_file, read_toml

SAMPLE_RATE = 44100
#: The rates FluidSynth renders at directly (48 kHz is what video editors use).
SAMPLE_RATES = (44100, 48000)
#: Extra seconds rendered past a loop's end; their sound is folded onto the loop's start.
LOOP_WRAP_S = 4.0
CHUNK_FRAMES = 1 << 15
FADE_IN_S = 0.005
FADE_OUT_S = 0.05
#: Gain inside the synth: low enough that dense chords never clip before mastering.
SYNTH_GAIN = 0.3

#: Seconds between looks at the synths' threads while waiting for them (to tell progress).
POLL_S = 0.05

#: FluidSynth's MIDI channels in a file, each of which can play into its own output group.
MIDI_CHANNELS = 16

Progress = Callable[[int, int], None]
#: A stem's name and the MIDI channels (0-based) it plays.
StemChannels = dict[str, frozenset[int]]


@dataclass(frozen=True)
class Room:
    """FluidSynth's own reverb and chorus for a render (``data/rooms.toml``): the space the
    instruments play in, so a render does not sound like a dry General MIDI demo. Each value
    is bounded as FluidSynth bounds its setting."""

    name: str
    reverb_room_size: float = field(metadata=bounds(0, 1))
    reverb_damping: float = field(metadata=bounds(0, 1))
    reverb_width: float = field(metadata=bounds(0, 100))
    reverb_level: float = field(metadata=bounds(0, 1))
    chorus_voices: int = field(metadata=bounds(0, 99))
    chorus_level: float = field(metadata=bounds(0, 10))
    chorus_speed_hz: float = field(metadata=bounds(0.1, 5))
    chorus_depth_ms: float = field(metadata=bounds(0, 256))


def room(name: str) -> Room:
    """A room from ``data/rooms.toml`` by name.

    >>> room("studio").name
    'studio'
    """
    known = rooms()
    if name not in known:
        raise ComposerError(f"unknown room {name!r}", f"use one of: {', '.join(known)}")
    return known[name]


@cache
def rooms() -> Mapping[str, Room]:
    """Every room of ``data/rooms.toml``, by name."""
    return read_rooms(data_file("rooms"))


def read_rooms(path: Path | Traversable) -> Mapping[str, Room]:
    """The rooms of a rooms file, by name; a malformed one is a ComposerError naming the key."""
    return MappingProxyType({name: record(Room, values, path, name, name=name)
                             for name, values in read_toml(path).items()})


DEFAULT_ROOM = "studio"


def load_fluidsynth() -> ModuleType:
    """The pyfluidsynth module, with its C library's log quietened; a clear error if missing."""
    try:
        fluidsynth = quiet_import("fluidsynth")  # loads the C library
    except (ImportError, OSError):
        raise ComposerError(
            "libfluidsynth is not installed",
            "install it with `sudo apt-get install libfluidsynth3` (Debian/Ubuntu), "
            "`brew install fluid-synth` (macOS), or run `make setup`",
        ) from None
    library = getattr(fluidsynth, "_fl", None)
    if library is not None and hasattr(library, "fluid_set_log_function"):
        library.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        for level in range(5):  # FLUID_PANIC .. FLUID_DBG: composer reports failures itself
            library.fluid_set_log_function(level, None, None)
    return fluidsynth


def check_sample_rate(sample_rate: int) -> int:
    """``sample_rate`` if FluidSynth renders at it directly (nothing is resampled), else a clear error."""
    if sample_rate not in SAMPLE_RATES:
        raise ComposerError(f"sample rate {sample_rate} Hz is not supported",
                            f"use --sample-rate {' or '.join(map(str, SAMPLE_RATES))}")
    return sample_rate


def worker_count(asked: int | None) -> int:
    """How many threads play a cue's note groups: ``asked`` (a clear error under one), else one
    per core the process may use, up to RENDER_GROUPS. The audio is the same bytes either way
    (composer.audio.parallel); only the wall time differs.

    >>> worker_count(3), 1 <= worker_count(None) <= RENDER_GROUPS
    (3, True)
    """
    if asked is not None:
        return check_workers(asked)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(RENDER_GROUPS, cores))


def check_workers(workers: int) -> int:
    """``workers`` if at least one, else a clear error."""
    if workers < 1:
        raise ComposerError(f"--workers {workers} is less than 1", "give e.g. --workers 2, or leave it out for one")
    return workers


def read_midi(path: Path) -> mido.MidiFile:
    """A MIDI file from disk that can be played, or a clear error for a missing, corrupt or
    non-MIDI file, a type 2 file (independent patterns, not one piece) or one with no ticks per
    beat. Text (title, track names) is read as UTF-8, as composer writes it, else as Latin-1."""
    if path.is_dir():
        raise ComposerError(f"{path} is a folder, not a MIDI file", "give a Standard MIDI File (.mid)")
    try:
        midi = decoded_midi(path.read_bytes())
    except FileNotFoundError:
        raise ComposerError(f"MIDI file {path} does not exist", "check the path") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, mido.KeySignatureError) as error:
        raise ComposerError(
            f"{path} is not a readable MIDI file ({error})", "give a Standard MIDI File (.mid) exported from a DAW"
        ) from None
    if midi.type == 2:
        raise ComposerError(f"{path} is a type 2 MIDI file (separate patterns, not one piece)",
                            "export it from your DAW as a type 0 or type 1 Standard MIDI File")
    if midi.ticks_per_beat <= 0:
        raise ComposerError(f"{path} gives {midi.ticks_per_beat} ticks per beat, so its notes have no times",
                            "export it again from your DAW as a Standard MIDI File")
    return midi


def check_playable(midi: mido.MidiFile, path: Path) -> mido.MidiFile:
    """``midi`` if it plays at least one note, else a clear error: an empty file renders only the
    synth's residue, which no loudness target should be raised from."""
    if not any(message.type == "note_on" and message.velocity > 0 for track in midi.tracks for message in track):
        raise ComposerError(f"{path} plays no notes", "give a MIDI file with notes in it")
    return midi


class _Synth:
    """One FluidSynth instance with a soundfont loaded, writing float stereo into numpy arrays."""

    def __init__(self, soundfont: Path, sample_rate: int, space: Room, groups: int = 1) -> None:
        check_sample_rate(sample_rate)
        fluidsynth = load_fluidsynth()
        # MIDI channel c plays into output group c % groups, each with its own reverb and chorus;
        # settings are given at creation, as FluidSynth reads most of them only then
        settings = {"synth.audio-groups": groups, "synth.audio-channels": groups, "synth.effects-groups": groups,
                    "synth.polyphony": 512}
        self.synth: Any = fluidsynth.Synth(gain=SYNTH_GAIN, samplerate=float(sample_rate), **settings)
        if self.synth.sfload(str(soundfont), 1) < 0:
            self.synth.delete()
            raise ComposerError(f"FluidSynth could not load the soundfont {soundfont}", "try another .sf2 file")
        self.synth.set_reverb(roomsize=space.reverb_room_size, damping=space.reverb_damping,
                              width=space.reverb_width, level=space.reverb_level)
        self.synth.set_chorus(nr=space.chorus_voices, level=space.chorus_level, speed=space.chorus_speed_hz,
                              depth=space.chorus_depth_ms)
        write = fluidsynth._fl.fluid_synth_write_float
        write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                          ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self._write = write
        process = fluidsynth._fl.fluid_synth_process
        process.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                            ctypes.c_void_p]
        self._process = process
        #: Planar output per group (left, right); the group's reverb and chorus mix into the same rows.
        self.planar = np.zeros((groups, 2, CHUNK_FRAMES), dtype=np.float32)
        rows = [row.ctypes.data for group in self.planar for row in group]
        self._dry = (ctypes.c_void_p * len(rows))(*rows)
        self._effects = (ctypes.c_void_p * (2 * len(rows)))(*[row for pair in zip(rows[::2], rows[1::2])
                                                            for row in (*pair, *pair)])  # reverb, chorus

    def fill(self, frames: np.ndarray) -> None:
        """Render ``len(frames)`` stereo frames into a C-contiguous float32 (frames × 2) view."""
        if len(frames):
            address = frames.ctypes.data
            self._write(self.synth.synth, len(frames), address, 0, 2, address, 1, 2)

    def fill_groups(self, count: int) -> np.ndarray:
        """Render ``count`` ≤ CHUNK_FRAMES frames per output group: a (groups × 2 × count) view,
        valid until the next call."""
        block = self.planar[:, :, :count]
        block.fill(0.0)  # FluidSynth adds into the buffers
        self._process(self.synth.synth, count, len(self._effects), self._effects, len(self._dry), self._dry)
        return block

    def send(self, message: mido.Message) -> None:
        kind = message.type
        if kind == "note_on" and message.velocity > 0:
            self.synth.noteon(message.channel, message.note, message.velocity)
        elif kind in ("note_on", "note_off"):
            self.synth.noteoff(message.channel, message.note)
        elif kind == "control_change":
            self.synth.cc(message.channel, message.control, message.value)
        elif kind == "program_change":
            self.synth.program_change(message.channel, message.program)
        elif kind == "pitchwheel":
            self.synth.pitch_bend(message.channel, message.pitch)

    def close(self) -> None:
        self.synth.delete()


def render_midi(
    midi: mido.MidiFile,
    soundfont: Path,
    duration_s: float,
    sample_rate: int = SAMPLE_RATE,
    loop: bool = False,
    fade_out_s: float = FADE_OUT_S,
    progress: Progress | None = None,
    space: Room | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Stereo float32 audio of ``midi``, exactly ``round(duration_s × sample_rate)`` frames.

    A loop renders a little past its end and folds that ring-out onto its start, so the file
    repeats without a seam; anything else fades in over 5 ms and out over ``fade_out_s``.
    ``workers`` threads render it (see :func:`render_spooled`).
    """
    spool = render_spooled(midi, soundfont, duration_s, sample_rate, loop, fade_out_s, progress, space, workers)
    try:
        return spool.array()
    finally:
        spool.close()


def render_spooled(
    midi: mido.MidiFile,
    soundfont: Path,
    duration_s: float,
    sample_rate: int = SAMPLE_RATE,
    loop: bool = False,
    fade_out_s: float = FADE_OUT_S,
    progress: Progress | None = None,
    space: Room | None = None,
    workers: int = 1,
) -> Spool:
    """:func:`render_midi` into a spool on disk, so memory holds one chunk however long the piece.
    Its note groups (composer.audio.parallel) play on up to ``workers`` threads at once: the
    same bytes whatever ``workers``."""
    frames, _ = _frames(duration_s, sample_rate, loop)
    audio, _ = _played(midi, soundfont, duration_s, sample_rate, loop, space, {}, progress, workers)
    try:
        return _finish(audio, frames, sample_rate, loop, fade_out_s)
    except BaseException:
        audio.close()
        raise


def render_with_stems(
    midi: mido.MidiFile,
    soundfont: Path,
    duration_s: float,
    stems: StemChannels,
    sample_rate: int = SAMPLE_RATE,
    loop: bool = False,
    fade_out_s: float = FADE_OUT_S,
    progress: Progress | None = None,
    space: Room | None = None,
    workers: int = 1,
) -> tuple[Spool, RenderedStems]:
    """The mix of :func:`render_spooled` and its stems, from the same synths in one pass.

    Each MIDI channel plays into an output group of its own stem, with that group's own reverb
    and chorus (they are linear, so the groups' sum is the one-group render up to float
    rounding): the mix is the sum of the stems, note for note, because the same synths
    allocated the same voices for both. The mix and the stems wait in temporary files, so
    memory holds one chunk of each.
    """
    frames, _ = _frames(duration_s, sample_rate, loop)
    audio, alone = _played(midi, soundfont, duration_s, sample_rate, loop, space, stems, progress, workers)
    rendered = RenderedStems(alone, lambda spool: _finish(spool, frames, sample_rate, loop, fade_out_s))
    try:
        return _finish(audio, frames, sample_rate, loop, fade_out_s), rendered
    except BaseException:
        audio.close()
        rendered.close()
        raise


class _Cancelled(Exception):
    """A synth's thread stopping because another failed or the render was interrupted."""


class _Take:
    """What one note group's synth played, in spools of ``frames``: the mix of its notes and,
    with stems, each stem's share of them."""

    def __init__(self, frames: int, stems: Iterable[str]) -> None:
        self.mix = Spool(frames)
        self.stems: dict[str, Spool] = {}
        try:
            for name in stems:
                self.stems[name] = Spool(frames)
        except BaseException:
            self.close()
            raise

    def add(self, other: _Take) -> None:
        """Add ``other``'s mix and stems into this take's, block by block."""
        for mine, theirs in ((self.mix, other.mix), *((self.stems[name], other.stems[name]) for name in self.stems)):
            for start, block in theirs.blocks():
                block += mine.read(start, start + len(block))
                mine.write(start, block)

    def close(self) -> None:
        for spool in (self.mix, *self.stems.values()):
            spool.close()


def _played(midi: mido.MidiFile, soundfont: Path, duration_s: float, sample_rate: int, loop: bool,
            space: Room | None, stems: StemChannels, progress: Progress | None,
            workers: int) -> tuple[Spool, dict[str, Spool]]:
    """``midi`` played by one synth per note group (composer.audio.parallel), on up to
    ``workers`` threads, summed in group order: the raw mix and each stem's share, in spools
    the caller closes; nothing folded or faded yet."""
    frames, extra = _frames(duration_s, sample_rate, loop)
    total = frames + extra
    groups = note_groups(list(timed_messages(midi)), duration_s)
    threads = min(check_workers(workers), len(groups))
    played = space or room(DEFAULT_ROOM)
    done = [0] * len(groups)
    cancelled = threading.Event()
    takes: list[_Take] = []

    def tell() -> None:
        if progress is not None:
            progress(sum(done), total * len(groups))

    def play(index: int) -> None:
        def advanced(target: int) -> None:
            if cancelled.is_set():
                raise _Cancelled
            done[index] = target
            if threads == 1:
                tell()

        try:
            _play_take(groups[index], takes[index], stems, soundfont, sample_rate, frames, total, loop, played,
                       advanced)
        except BaseException:
            cancelled.set()
            raise

    try:
        takes.extend(_Take(total, stems) for _ in groups)
        if threads == 1:
            for index in range(len(groups)):
                play(index)
        else:
            _on_threads(play, len(groups), threads, tell, cancelled)
        first, *others = takes
        for other in others:
            first.add(other)
            other.close()
        return first.mix, first.stems
    except BaseException:
        for take in takes:
            take.close()
        raise


def _on_threads(play: Callable[[int], None], count: int, threads: int, tell: Callable[[], None],
                cancelled: threading.Event) -> None:
    """``play(0)`` … ``play(count - 1)`` on ``threads`` threads, telling progress from this one
    while they run; the first real failure (in group order) is raised, the others stopped."""
    with ThreadPoolExecutor(threads, thread_name_prefix="composer-synth") as pool:
        futures = [pool.submit(play, index) for index in range(count)]
        try:
            while wait(futures, timeout=POLL_S).not_done:
                tell()
        except BaseException:
            cancelled.set()
            raise
    failures = [error for error in (future.exception() for future in futures) if error is not None]
    if failures:
        raise next((error for error in failures if not isinstance(error, _Cancelled)), failures[0])
    tell()


def _play_take(events: Sequence[tuple[float, mido.Message]], take: _Take, stems: StemChannels, soundfont: Path,
               sample_rate: int, frames: int, total: int, loop: bool, space: Room,
               advanced: Callable[[int], None]) -> None:
    """Play ``events`` (seconds, message) on one synth into ``take`` from its first frame:
    ``total`` frames, the events stopping at ``frames`` (a loop's end, where its notes are
    released to ring into the rest); ``advanced(frame)`` after each chunk."""
    groups = output_groups(stems) if stems else 1
    owned = {name: sorted({channel % groups for channel in channels}) for name, channels in stems.items()}
    chunk = np.zeros((CHUNK_FRAMES, 2), dtype=np.float32)
    synth = _Synth(soundfont, sample_rate, space, groups)

    def advance(cursor: int, target: int) -> None:
        if stems:
            block = synth.fill_groups(target - cursor)
            take.mix.write(cursor, block.sum(axis=0).T)
            for name, indices in owned.items():
                take.stems[name].write(cursor, block[indices].sum(axis=0).T)
        else:
            synth.fill(chunk[: target - cursor])
            take.mix.write(cursor, chunk[: target - cursor])
        advanced(target)

    try:
        _play(events, synth, sample_rate, frames, loop, advance, total)
    finally:
        synth.close()


class RenderedStems:
    """Stems as one render played them, each in a spool (an anonymous temporary file) until it is
    finished, scaled and handed on once."""

    def __init__(self, spools: dict[str, Spool], finish: Callable[[Spool], Spool]) -> None:
        self._spools = spools
        self._finish = finish

    def scaled(self, gain_db: float) -> Iterator[tuple[str, Spool]]:
        """Each stem with the loop fold and fades of the mix, raised by ``gain_db``, one at a time;
        each spool is closed once the next is asked for."""
        gain = np.float32(10 ** (gain_db / 20))
        try:
            for name, alone in self._spools.items():
                self._finish(alone).scale(gain)
                yield name, alone
                alone.close()
        finally:
            self.close()

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()


def output_groups(stems: StemChannels) -> int:
    """The fewest FluidSynth output groups (MIDI channel c plays into group c % n) that keep
    every stem's channels apart from every other stem's: fewer groups, fewer reverb units.

    >>> output_groups({"pad": frozenset({0}), "bass": frozenset({1}), "drums": frozenset({9})})
    5
    """
    for count in range(1, MIDI_CHANNELS + 1):
        owner: dict[int, str] = {}
        if all(owner.setdefault(channel % count, name) == name for name, channels in stems.items()
               for channel in channels):
            return count
    raise ValueError(f"two stems share a MIDI channel: {stems}")


def _frames(duration_s: float, sample_rate: int, loop: bool) -> tuple[int, int]:
    """Frames in the file, and the extra frames a loop renders past its end to fold back."""
    return round(duration_s * sample_rate), round(LOOP_WRAP_S * sample_rate) if loop else 0


def _play(events: Iterable[tuple[float, mido.Message]], synth: _Synth, sample_rate: int, frames: int, loop: bool,
          advance: Callable[[int, int], None], total: int) -> None:
    """Send ``events``' messages to ``synth`` at their frames, rendering ``total`` frames by
    ``advance(start, stop)`` in chunks of at most CHUNK_FRAMES (so progress can be shown)."""
    cursor = 0

    def until(target: int) -> int:
        nonlocal cursor
        while cursor < target:
            step = min(CHUNK_FRAMES, target - cursor)
            advance(cursor, cursor + step)
            cursor += step
        return cursor

    for seconds, message in events:
        target = min(round(seconds * sample_rate), frames)
        until(target)
        if target >= frames:
            break
        synth.send(message)
    if loop:  # release everything at the loop point, then let it ring into the wrap
        for channel in range(MIDI_CHANNELS):
            synth.synth.cc(channel, 123, 0)
    until(total)


def _finish(audio: Spool, frames: int, sample_rate: int, loop: bool, fade_out_s: float) -> Spool:
    """A loop's ring-out folded onto its start and cut off; anything else faded at both ends
    (both linear, so stems finished alike still sum to the finished mix). In place."""
    if loop:
        folded = min(len(audio) - frames, frames)
        start = audio.read(0, folded)
        start += audio.read(frames, frames + folded)
        audio.write(0, start)
        audio.resize(frames)
        return audio
    _fade(audio, sample_rate, FADE_IN_S, fade_out_s)
    return audio


def timed_messages(midi: mido.MidiFile) -> Iterator[tuple[float, mido.Message]]:
    """Every channel message of ``midi`` in playing order, with its time in seconds. Tracks merge
    as mido merges them (ties keep track order); each time comes from the tempo map, not a
    running sum of rounded deltas."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for index, track in enumerate(midi.tracks):
        tick = 0
        for message in track:
            tick += message.time
            events.append((tick, index, message))
    events.sort(key=lambda event: event[0])
    tempo, change_tick, change_s = 500_000, 0, 0.0  # 120 BPM until a set_tempo says otherwise
    for tick, _index, message in events:
        seconds = change_s + mido.tick2second(tick - change_tick, midi.ticks_per_beat, tempo)
        if message.type == "set_tempo":
            tempo, change_tick, change_s = message.tempo, tick, seconds
        elif not message.is_meta and message.type != "sysex":
            yield seconds, message


def track_stems(midi: mido.MidiFile) -> StemChannels:
    """One stem per track that plays, named by its track name (a type 0 file: one per channel).
    Tracks that share a MIDI channel share its program and controllers, so they share a stem.

    >>> song = mido.MidiFile(type=1)
    >>> song.tracks = [mido.MidiTrack([mido.MetaMessage("track_name", name="Lead Vox"),
    ...                                mido.Message("note_on", note=60)]), mido.MidiTrack([])]
    >>> track_stems(song)
    {'lead-vox': frozenset({0})}
    """
    if len(midi.tracks) == 1:
        return {f"channel-{channel + 1}": frozenset({channel}) for channel in sorted(_channels(midi.tracks[0]))}
    merged: list[tuple[list[str], set[int]]] = []  # (track names, their channels), in track order
    for index, track in enumerate(midi.tracks):
        channels = _channels(track)
        if not channels:
            continue
        names, joined = [stem_name(track.name) or f"track-{index + 1}"], set(channels)
        sharing = [position for position, group in enumerate(merged) if group[1] & channels]
        for position in reversed(sharing):
            earlier_names, earlier_channels = merged.pop(position)
            names, joined = earlier_names + names, earlier_channels | joined
        merged.insert(sharing[0] if sharing else len(merged), (names, joined))
    playing: StemChannels = {}
    for names, channels in merged:
        base = name = "+".join(names)
        count = 1
        while name in playing:
            count += 1
            name = f"{base}-{count}"
        playing[name] = frozenset(channels)
    return playing


def _channels(track: mido.MidiTrack) -> set[int]:
    """The MIDI channels a track's messages play on."""
    return {message.channel for message in track if not message.is_meta and hasattr(message, "channel")}


def stem_name(text: str) -> str:
    """A file-safe stem name.

    >>> stem_name("Electric Bass (finger)")
    'electric-bass-finger'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _fade(audio: Spool, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    """Raised-cosine fades at both ends, so the file starts and stops without a click."""
    for seconds, at_end in ((fade_in_s, False), (fade_out_s, True)):
        count = min(len(audio), max(1, round(seconds * sample_rate)))
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, count, dtype=np.float64))).astype(np.float32)
        start = len(audio) - count if at_end else 0
        block = audio.read(start, start + count)
        block *= ramp[::-1, None] if at_end else ramp[:, None]
        audio.write(start, block)
