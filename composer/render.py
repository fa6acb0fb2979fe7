"""Audio: any MIDI file rendered in-process by FluidSynth, exactly as long as asked, mastered.

The synth is driven event by event from the MIDI file (through pyfluidsynth's ctypes
binding), at the asked sample rate and in the piece's room, writing float samples straight into
one preallocated buffer: the length in frames is ``round(duration × rate)`` by construction.
Seconds become frames only here. Mastering is one gain to the loudness target (BS.1770, with
pyloudnorm's K-weighting and gating, vectorised) and a look-ahead limiter on the 4× oversampled
peaks (scipy's resample_poly filter, run only where a peak could be), so the true peak stays
under −1 dBTP without clipping. Stems come from the same synth in the same pass: each
MIDI channel plays into its own FluidSynth output group (with its own reverb and chorus), so the
mix is exactly the sum of its stems.
"""

from __future__ import annotations

import ctypes
import math
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import mido
import numpy as np
import pyloudnorm
from scipy.ndimage import uniform_filter1d
from scipy.signal import firwin, sosfilt, upfirdn

from composer.errors import ComposerError
from composer.quiet import quiet_import
from composer.tables import table

SAMPLE_RATE = 44100
#: The rates FluidSynth renders at directly (48 kHz is what video editors use).
SAMPLE_RATES = (44100, 48000)
TRUE_PEAK_CEILING_DBTP = -1.0
#: The limiter aims this far under the ceiling, so the 4× oversampled peak lands under it.
LIMITER_MARGIN_DB = 0.1
#: The limiter sees peaks this far ahead and ramps its gain down over the same time.
LIMITER_LOOKAHEAD_S = 0.005
#: How fast the limiter gives its gain back after a peak (a linear release, in dB per second).
LIMITER_RELEASE_DB_PER_S = 20.0
#: The most the limiter may take off a peak; past that, the ceiling wins and loudness falls short.
MAX_LIMITING_DB = 6.0
#: Loudness is within this of its target once mastered (the contract is ±0.5 LU).
LOUDNESS_TOLERANCE_LU = 0.1
#: Extra seconds rendered past a loop's end; their sound is folded onto the loop's start.
LOOP_WRAP_S = 4.0
CHUNK_FRAMES = 1 << 15
FADE_IN_S = 0.005
FADE_OUT_S = 0.05
#: Gain inside the synth: low enough that dense chords never clip before mastering.
SYNTH_GAIN = 0.3

#: FluidSynth's MIDI channels in a file, each of which can play into its own output group.
MIDI_CHANNELS = 16

Progress = Callable[[int, int], None]
#: A stem's name and the MIDI channels (0-based) it plays.
StemChannels = dict[str, frozenset[int]]


@dataclass(frozen=True)
class Room:
    """FluidSynth's own reverb and chorus for a render (``data/rooms.toml``): the space the
    instruments play in, so a render does not sound like a dry General MIDI demo."""

    name: str
    reverb_room_size: float
    reverb_damping: float
    reverb_width: float
    reverb_level: float
    chorus_voices: int
    chorus_level: float
    chorus_speed_hz: float
    chorus_depth_ms: float


def room(name: str) -> Room:
    """A room from ``data/rooms.toml`` by name.

    >>> room("studio").name
    'studio'
    """
    rooms = table("rooms")
    if name not in rooms:
        raise ComposerError(f"unknown room {name!r}", f"use one of: {', '.join(rooms)}")
    return Room(name=name, **rooms[name])


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


def read_midi(path: Path) -> mido.MidiFile:
    """A MIDI file from disk, or a clear error for a missing, corrupt or non-MIDI file."""
    try:
        return mido.MidiFile(str(path))
    except FileNotFoundError:
        raise ComposerError(f"MIDI file {path} does not exist", "check the path") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, mido.KeySignatureError) as error:
        raise ComposerError(
            f"{path} is not a readable MIDI file ({error})", "give a Standard MIDI File (.mid) exported from a DAW"
        ) from None


class _Synth:
    """One FluidSynth instance with a soundfont loaded, writing float stereo into numpy arrays."""

    def __init__(self, soundfont: Path, sample_rate: int, space: Room, groups: int = 1) -> None:
        check_sample_rate(sample_rate)
        fluidsynth = load_fluidsynth()
        # MIDI channel c plays into output group c % groups, each with its own reverb and chorus
        per_group = {"synth.audio-groups": groups, "synth.audio-channels": groups, "synth.effects-groups": groups}
        self.synth: Any = fluidsynth.Synth(gain=SYNTH_GAIN, samplerate=float(sample_rate), **per_group)
        self.synth.setting("synth.polyphony", 512)
        self.synth.setting("synth.cpu-cores", 1)
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
) -> np.ndarray:
    """Stereo float32 audio of ``midi``, exactly ``round(duration_s × sample_rate)`` frames.

    A loop renders a little past its end and folds that ring-out onto its start, so the file
    repeats without a seam; anything else fades in over 5 ms and out over ``fade_out_s``.
    """
    frames, extra = _frames(duration_s, sample_rate, loop)
    audio = np.zeros((frames + extra, 2), dtype=np.float32)
    synth = _Synth(soundfont, sample_rate, space or room(DEFAULT_ROOM))

    def advance(cursor: int, target: int) -> None:
        synth.fill(audio[cursor:target])
        if progress is not None:
            progress(target, len(audio))

    try:
        _play(midi, synth, sample_rate, frames, loop, advance, len(audio))
    finally:
        synth.close()
    return _finish(audio, frames, sample_rate, loop, fade_out_s)


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
) -> tuple[np.ndarray, RenderedStems]:
    """The mix of :func:`render_midi` and its stems, from one synth in one pass.

    Each MIDI channel plays into an output group of its own stem, with that group's own reverb
    and chorus (they are linear, so the groups' sum is the one-group render up to float
    rounding): the mix is the sum of the stems, note for note, because the same synth allocated
    the same voices for both. Stems wait in temporary files, so memory holds the mix alone.
    """
    frames, extra = _frames(duration_s, sample_rate, loop)
    groups = output_groups(stems)
    audio = np.zeros((frames + extra, 2), dtype=np.float32)
    rendered = RenderedStems(list(stems), lambda alone: _finish(alone, frames, sample_rate, loop, fade_out_s))
    owned = {name: sorted({channel % groups for channel in channels}) for name, channels in stems.items()}
    synth = _Synth(soundfont, sample_rate, space or room(DEFAULT_ROOM), groups)

    def advance(cursor: int, target: int) -> None:
        block = synth.fill_groups(target - cursor)
        audio[cursor:target] = block.sum(axis=0).T
        for name, indices in owned.items():
            rendered.append(name, block[indices].sum(axis=0).T)
        if progress is not None:
            progress(target, len(audio))

    try:
        _play(midi, synth, sample_rate, frames, loop, advance, len(audio))
    except BaseException:
        rendered.close()
        raise
    finally:
        synth.close()
    return _finish(audio, frames, sample_rate, loop, fade_out_s), rendered


class RenderedStems:
    """Stems as one render played them, each in an anonymous temporary file (the system deletes
    it when it is closed, or when the process ends however it ends) until it is read once."""

    def __init__(self, names: list[str], finish: Callable[[np.ndarray], np.ndarray]) -> None:
        self._files = {name: tempfile.TemporaryFile() for name in names}
        self._finish = finish

    def append(self, name: str, block: np.ndarray) -> None:
        """Add ``block`` (frames × 2) to the end of stem ``name``."""
        self._files[name].write(np.ascontiguousarray(block, dtype=np.float32).tobytes())

    def scaled(self, gain_db: float) -> Iterator[tuple[str, np.ndarray]]:
        """Each stem with the loop fold and fades of the mix, raised by ``gain_db``, one at a time;
        each is read once and its file closed."""
        gain = np.float32(10 ** (gain_db / 20))
        try:
            for name, file in self._files.items():
                file.seek(0)
                alone = np.fromfile(file, dtype=np.float32).reshape(-1, 2)
                file.close()
                alone = self._finish(alone)
                alone *= gain
                yield name, alone
        finally:
            self.close()

    def close(self) -> None:
        for file in self._files.values():
            file.close()


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


def _play(midi: mido.MidiFile, synth: _Synth, sample_rate: int, frames: int, loop: bool,
          advance: Callable[[int, int], None], total: int) -> None:
    """Send ``midi``'s messages to ``synth`` at their frames, rendering ``total`` frames by
    ``advance(start, stop)`` in chunks of at most CHUNK_FRAMES (so progress can be shown)."""
    cursor = 0

    def until(target: int) -> int:
        nonlocal cursor
        while cursor < target:
            step = min(CHUNK_FRAMES, target - cursor)
            advance(cursor, cursor + step)
            cursor += step
        return cursor

    for seconds, message in timed_messages(midi):
        target = min(round(seconds * sample_rate), frames)
        until(target)
        if target >= frames:
            break
        synth.send(message)
    if loop:  # release everything at the loop point, then let it ring into the wrap
        for channel in range(MIDI_CHANNELS):
            synth.synth.cc(channel, 123, 0)
    until(total)


def _finish(audio: np.ndarray, frames: int, sample_rate: int, loop: bool, fade_out_s: float) -> np.ndarray:
    """A loop's ring-out folded onto its start; anything else faded at both ends (both linear,
    so stems finished alike still sum to the finished mix)."""
    if loop:
        extra = len(audio) - frames
        audio[: min(extra, frames)] += audio[frames : frames + min(extra, frames)]
        return np.ascontiguousarray(audio[:frames])
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


def _fade(audio: np.ndarray, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    """Raised-cosine fades at both ends, so the file starts and stops without a click."""
    for seconds, at_end in ((fade_in_s, False), (fade_out_s, True)):
        count = min(len(audio), max(1, round(seconds * sample_rate)))
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, count, dtype=np.float64))).astype(np.float32)
        if at_end:
            audio[-count:] *= ramp[::-1, None]
        else:
            audio[:count] *= ramp[:, None]


#: 4× oversampling for the true peak (ITU-R BS.1770-4, annex 2) with scipy's resample_poly filter
#: (a Kaiser-windowed sinc, β 5, 81 taps), applied only where a peak could be: frame t's
#: oversampled value at phase k is sum(_TAPS[k::4] · samples around t).
OVERSAMPLING = 4
_HALF_TAPS = 10 * OVERSAMPLING
_TAPS = (firwin(2 * _HALF_TAPS + 1, 1 / OVERSAMPLING, window=("kaiser", 5.0)) * OVERSAMPLING).astype(np.float32)
#: How many frames on each side of a frame its oversampled values reach.
_REACH = _HALF_TAPS // OVERSAMPLING + 1
#: The most an oversampled value can be, as a multiple of the largest |sample| within _REACH
#: (the largest sum of |taps| of a phase; a little over, for float rounding).
_PHASE_GAIN = float(max(np.abs(_TAPS[k::OVERSAMPLING]).sum() for k in range(OVERSAMPLING))) * (1 + 1e-5)
#: An exact pass covers at most this many frames at a time, so memory stays flat.
_EXACT_FRAMES = 1 << 16


class PeakEnvelope:
    """Per frame of ``audio``, the highest 4× oversampled |value| on any channel from it to the
    next frame. Oversampling is computed only where the value could reach a level asked for;
    elsewhere an upper bound stands in (the phase gain times the largest nearby |sample|), which
    already rules those frames out. Music spends most frames well under its peaks, so this is a
    few percent of the work of oversampling everything, with the same result where it counts."""

    def __init__(self, audio: np.ndarray, bound: np.ndarray | None = None) -> None:
        """``bound``: a known upper bound per frame (kept and refined), instead of the phase
        gain times the largest nearby |sample|."""
        self.audio = audio.reshape(len(audio), -1)
        self.sample_peak = max(float(self.audio.max()), -float(self.audio.min())) if len(audio) else 0.0
        if bound is None:
            bound = nearby_peaks(self.audio)
            bound *= np.float32(_PHASE_GAIN)
        self.values: np.ndarray = bound
        self._exact = np.zeros(len(audio), dtype=bool)

    def at_least(self, level: float) -> np.ndarray:
        """The envelope, exact wherever it could reach ``level`` (under ``level`` elsewhere)."""
        for start, stop in _runs((self.values >= level) & ~self._exact):
            self.values[start:stop] = oversampled_peaks(self.audio, start, stop)
            self._exact[start:stop] = True
        return self.values

    def peak(self) -> float:
        """The highest 4× oversampled |value| (0 for silence)."""
        return float(self.at_least(_PEAK_FLOOR * self.sample_peak).max()) if self.sample_peak > 0 else 0.0


#: Phase 0 of the oversampling is the sample itself (its centre tap is 1.0006, its others 0), so
#: the true peak is at least the sample peak: frames that cannot reach this much of it need no
#: oversampling to find the true peak.
_PEAK_FLOOR = 0.99


def true_peak(audio: np.ndarray, chunk: int = 1 << 18) -> float:
    """The highest 4× oversampled |value| of ``audio`` (0 for silence), chunk by chunk with no
    per-frame envelope kept, oversampling only frames whose bound reaches the sample peak."""
    audio = audio.reshape(len(audio), -1)
    sample_peak = max(float(audio.max()), -float(audio.min())) if len(audio) else 0.0
    peak = 0.0
    for start in range(0, len(audio), chunk):
        stop = min(len(audio), start + chunk)
        bound = nearby_peaks(audio, start, stop) * np.float32(_PHASE_GAIN)
        for first, last in _runs(bound >= _PEAK_FLOOR * sample_peak):
            peak = max(peak, float(oversampled_peaks(audio, start + first, start + last).max()))
    return peak


def sliding_extreme(values: np.ndarray, before: int, after: int, pick: np.ufunc = np.maximum,
                    fill: float | None = 0.0) -> np.ndarray:
    """Per index n, the largest (``pick=np.minimum``: smallest) of ``values[n - before : n + after + 1]``;
    beyond the ends count ``fill`` (None: the end value). By doubling spans, a few passes
    whatever the window (scipy.ndimage's filters take several times longer on long audio).

    >>> sliding_extreme(np.array([0, 3, 1, 0, 0, 2], dtype=np.float32), 1, 1).tolist()
    [3.0, 3.0, 3.0, 1.0, 2.0, 2.0]
    """
    width = before + after + 1
    if fill is None:
        padded = np.pad(values, (before, after), mode="edge")
    else:
        padded = np.pad(values, (before, after), constant_values=fill)
    span, spans = 1, padded  # spans[i] = pick of padded[i : i + span]
    while 2 * span <= width:
        spans = pick(spans[:-span], spans[span:])
        span *= 2
    extreme: np.ndarray = pick(spans[: len(values)], spans[width - span : width - span + len(values)])
    return extreme


def nearby_peaks(audio: np.ndarray, start: int = 0, stop: int | None = None, chunk: int = 1 << 18) -> np.ndarray:
    """For frames ``start`` to ``stop``, the largest |sample| on any channel within _REACH
    frames (silence beyond the ends), chunk by chunk so memory stays flat."""
    stop = len(audio) if stop is None else stop
    nearby = np.empty(stop - start, dtype=np.float32)
    for first in range(start, stop, chunk):
        last = min(stop, first + chunk)
        lo, hi = max(0, first - _REACH), min(len(audio), last + _REACH)
        around = sliding_extreme(_frame_peaks(audio[lo:hi]), _REACH, _REACH)
        nearby[first - start : last - start] = around[first - lo : last - lo]
    return nearby


def _frame_peaks(audio: np.ndarray) -> np.ndarray:
    """Per frame, the largest |sample| on any channel (channel by channel: numpy reduces a short
    inner axis slowly)."""
    peaks: np.ndarray = np.abs(audio[:, 0])
    for channel in range(1, audio.shape[1]):
        np.maximum(peaks, np.abs(audio[:, channel]), out=peaks)
    return peaks


def oversampled_peaks(audio: np.ndarray, start: int, stop: int) -> np.ndarray:
    """For frames ``start`` to ``stop``, the highest |value| on any channel of ``audio`` 4×
    oversampled, each over its 4 phases (scipy's upfirdn with the resample_poly filter; the
    samples before and after ``audio`` count as silence, as in resample_poly)."""
    peaks = np.empty(stop - start, dtype=np.float32)
    for first in range(start, stop, _EXACT_FRAMES):
        last = min(stop, first + _EXACT_FRAMES)
        lo, hi = max(0, first - _REACH), min(len(audio), last + _REACH)
        planar = np.ascontiguousarray(audio[lo:hi].T, dtype=np.float32)
        skip = _HALF_TAPS + OVERSAMPLING * (first - lo)
        dense = upfirdn(_TAPS, planar, OVERSAMPLING, 1, axis=-1)[:, skip : skip + OVERSAMPLING * (last - first)]
        phases = _frame_peaks(dense.T).reshape(-1, OVERSAMPLING)
        peaks[first - start : last - start] = _frame_peaks(phases)
    return peaks


def _runs(mask: np.ndarray, join: int = 256) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True in ``mask``, runs less than ``join`` apart joined.

    >>> _runs(np.array([0, 1, 1, 0, 0, 1, 0], dtype=bool), join=1)
    [(1, 3), (5, 6)]
    """
    edges = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    if len(mask) and mask[0]:
        edges = np.concatenate(([0], edges))
    if len(mask) and mask[-1]:
        edges = np.append(edges, len(mask))
    starts, stops = edges[::2], edges[1::2]
    if not len(starts):
        return []
    kept = np.flatnonzero(np.concatenate(([True], starts[1:] - stops[:-1] > join)))
    return list(zip(starts[kept].tolist(), np.append(stops[kept[1:] - 1], stops[-1]).tolist()))


def true_peak_dbtp(audio: np.ndarray) -> float:
    """True peak in dBTP: the sample peak after 4× oversampling (ITU-R BS.1770-4, annex 2).

    >>> tone = np.sin(np.arange(4410) * 2 * np.pi / 4 + np.pi / 4)[:, None] * 0.5
    >>> round(true_peak_dbtp(tone))  # samples at ±0.354, the wave peaks at 0.5 between them
    -6
    """
    peak = true_peak(audio)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


#: BS.1770 gating: 400 ms blocks every 100 ms, absolute gate −70 LUFS, relative gate −10 LU.
_BLOCK_S, _STEP, _ABSOLUTE_GATE_LUFS, _RELATIVE_GATE_LU = 0.4, 0.25, -70.0, -10.0
#: BS.1770's channel weights (L, R, C, Ls, Rs).
_CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)


class Loudness:
    """ITU-R BS.1770 integrated loudness, with pyloudnorm's K-weighting filters and its gating
    blocks, K-weighted once, in chunks (memory stays flat). With ``per_frame``, each frame's
    K-weighted power is kept, so a limiter's gain curve can be tried by weighting the power,
    without filtering again. Agrees with ``pyloudnorm.Meter.integrated_loudness`` (tested to
    0.01 LU)."""

    def __init__(self, audio: np.ndarray, sample_rate: int, per_frame: bool = False,
                 chunk_frames: int = 1 << 18) -> None:
        audio = audio.reshape(len(audio), -1)
        self.sample_rate, self.frames = sample_rate, len(audio)
        count = int(np.round((self.frames / sample_rate - _BLOCK_S) / (_BLOCK_S * _STEP))) + 1
        block = np.arange(count if self.frames >= _BLOCK_S * sample_rate else 0)
        self._lower = (_BLOCK_S * (block * _STEP) * sample_rate).astype(np.int64)  # pyloudnorm's block bounds
        self._upper = np.minimum((_BLOCK_S * (block * _STEP + 1) * sample_rate).astype(np.int64), self.frames)
        cuts = np.unique(np.concatenate(([0], self._lower, self._upper)))
        #: Where the blocks' 100 ms pieces start; each block is a run of whole pieces.
        self._cuts = cuts[cuts < self.frames]
        self._pieces = np.zeros(len(self._cuts))  # K-weighted energy of each piece
        self.power = np.empty(len(audio), dtype=np.float32) if per_frame else None
        filters = pyloudnorm.Meter(sample_rate)._filters.values()  # the K-weighting stages
        sos = np.array([[*(stage.passband_gain * stage.b), *stage.a] for stage in filters])
        state = np.zeros((len(sos), 2, audio.shape[1]))
        for start in range(0, len(audio), chunk_frames):
            weighted, state = sosfilt(sos, audio[start : start + chunk_frames], axis=0, zi=state)
            power = np.zeros(len(weighted), dtype=np.float32)
            for channel, weight in enumerate(_CHANNEL_WEIGHTS[: audio.shape[1]]):
                power += np.float32(weight) * np.square(weighted[:, channel]).astype(np.float32)
            if self.power is not None:
                self.power[start : start + len(power)] = power
            self._add_pieces(start, power)

    def _add_pieces(self, start: int, power: np.ndarray) -> None:
        """Add the power of frames from ``start`` to the pieces they fall in."""
        first = int(np.searchsorted(self._cuts, start, side="right")) - 1
        inside = self._cuts[(self._cuts > start) & (self._cuts < start + len(power))]
        sums = np.add.reduceat(power, np.concatenate(([0], inside - start)), dtype=np.float64)
        self._pieces[first : first + len(sums)] += sums

    def integrated(self, gain: np.ndarray | None = None) -> float:
        """Integrated loudness in LUFS, of the audio times ``gain`` (per frame, needs
        ``per_frame``) if given; -inf for silence or under one 400 ms block."""
        if not len(self._lower):
            return -math.inf
        pieces = self._pieces
        if gain is not None:
            if self.power is None:
                raise ValueError("a gain curve needs Loudness(..., per_frame=True)")
            pieces = np.add.reduceat(self.power * np.square(gain, dtype=np.float32), self._cuts, dtype=np.float64)
        summed = np.concatenate(([0.0], np.cumsum(pieces)))
        ends = np.searchsorted(self._cuts, self._upper)  # == len(cuts) at the end
        energy = (summed[ends] - summed[np.searchsorted(self._cuts, self._lower)]) / (_BLOCK_S * self.sample_rate)
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10 * np.log10(energy)
        gated = energy[levels >= _ABSOLUTE_GATE_LUFS]
        if not len(gated):
            return -math.inf
        relative_gate = -0.691 + 10 * math.log10(float(np.mean(gated))) + _RELATIVE_GATE_LU
        kept = energy[(levels > relative_gate) & (levels > _ABSOLUTE_GATE_LUFS)]
        return -0.691 + 10 * math.log10(float(np.mean(kept))) if len(kept) else -math.inf


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770); -inf for silence or under 0.4 s.

    BS.1770 gates 400 ms blocks, so even a 1 s stinger has an integrated loudness (over its
    few blocks, dominated by its hit); only audio shorter than one block has none.
    """
    return Loudness(audio, sample_rate).integrated()


def limiter_gain_db(envelope: np.ndarray, gain_db: float, ceiling_dbtp: float, sample_rate: int) -> np.ndarray | None:
    """Gain reduction (dB ≥ 0, per frame) of a look-ahead limiter that keeps ``envelope`` raised
    by ``gain_db`` under ``ceiling_dbtp``; None when no frame needs any.

    Each frame's needed reduction is held over the look-ahead window, released linearly, then
    smoothed with a moving average as long as the look-ahead: the gain starts falling before a
    peak and is fully down at it, so no peak is ever clipped.

    >>> peak = np.zeros(1000, dtype=np.float32); peak[500] = 2.0  # +6 dBTP
    >>> reduction = limiter_gain_db(peak, 0.0, -1.0, 1000)
    >>> bool(reduction[500] >= 7.0 - 1e-4), float(reduction[0])
    (True, 0.0)
    """
    over = np.flatnonzero(envelope > np.float32(10 ** ((ceiling_dbtp - gain_db) / 20)))
    if not len(over):
        return None
    needed = np.zeros(len(envelope), dtype=np.float32)  # only the frames over the ceiling need any
    needed[over] = np.maximum(0.0, 20 * np.log10(envelope[over]) + np.float32(gain_db - ceiling_dbtp))
    window = max(1, round(LIMITER_LOOKAHEAD_S * sample_rate))
    ahead = sliding_extreme(needed, 0, window - 1)  # max of needed[n : n + window]
    held = _linear_release(ahead, LIMITER_RELEASE_DB_PER_S / sample_rate)
    smoothed: np.ndarray = uniform_filter1d(held, window, mode="nearest", origin=(window - 1) // 2)  # mean of the last `window`
    return np.asarray(np.maximum(smoothed, needed), dtype=np.float32)  # guard against the float rounding of the moving average


def _linear_release(reduction_db: np.ndarray, release_db_per_frame: float, chunk: int = 1 << 16) -> np.ndarray:
    """``reduction_db`` where each value falls back by ``release_db_per_frame`` a frame at most:
    out[n] = max over k ≤ n of (in[k] − (n − k)·rate), a running maximum, chunk by chunk
    (chunks with nothing to hold or release are skipped).

    >>> _linear_release(np.array([0, 3, 0, 0, 0, 0], dtype=np.float32), 1.0).tolist()
    [0.0, 3.0, 2.0, 1.0, 0.0, 0.0]
    """
    released = np.zeros_like(reduction_db, dtype=np.float32)
    ramp = np.arange(chunk, dtype=np.float32) * np.float32(release_db_per_frame)
    carried = 0.0
    for start in range(0, len(reduction_db), chunk):
        block = reduction_db[start : start + chunk].astype(np.float32)
        if carried <= 0 and not block.any():
            continue  # nothing to hold or release here: stays 0
        block[0] = max(block[0], carried)
        level = np.maximum.accumulate(block + ramp[: len(block)]) - ramp[: len(block)]
        released[start : start + len(block)] = level
        carried = float(level[-1]) - release_db_per_frame
    return released


@dataclass(frozen=True)
class Mastered:
    """What mastering did: one gain for the whole piece (stems get the same), then the look-ahead
    limiter's gain reduction; the loudness and true peak after both."""

    gain_db: float
    limiter_reduction_db: float
    loudness_lufs: float
    true_peak_dbtp: float
    target_lufs: float

    @property
    def shortfall_lu(self) -> float:
        """How far the ceiling held the loudness under its target (0 when it was reached)."""
        if not math.isfinite(self.loudness_lufs):
            return 0.0
        return max(0.0, self.target_lufs - self.loudness_lufs - LOUDNESS_TOLERANCE_LU)


def master(audio: np.ndarray, sample_rate: int, loudness_lufs: float) -> tuple[np.ndarray, Mastered]:
    """Bring ``audio`` to ``loudness_lufs`` with its true peak under −1 dBTP: one gain to the
    target, then a look-ahead limiter on the 4× oversampled peaks (never clipping). The limiter
    may take at most MAX_LIMITING_DB off a peak; where the target needs more, the ceiling wins
    and the result says how far the loudness fell short. Works in place (a long piece is large).

    The limiter K-weights the audio once more, keeping each frame's power: each gain curve it
    tries is measured by weighting that power (the curve moves slowly against the K-filter's
    memory, so this is the limited audio's loudness to about 0.001 LU; tested against
    pyloudnorm on the result). Peaks are oversampled only where they could reach the ceiling,
    before and after the limiter. Audio too short for an integrated loudness (under 400 ms) is
    brought to the ceiling.
    """
    meter = Loudness(audio, sample_rate)
    loudness = meter.integrated()
    peak = true_peak(audio)
    if peak <= 0:
        return audio, Mastered(0.0, 0.0, loudness, -math.inf, loudness_lufs)
    peak_dbtp = 20 * math.log10(peak)
    aim = TRUE_PEAK_CEILING_DBTP - LIMITER_MARGIN_DB
    most_db = aim + MAX_LIMITING_DB - peak_dbtp
    gain_db = min(loudness_lufs - loudness if math.isfinite(loudness) else aim - peak_dbtp, most_db)
    reduction_db: np.ndarray | None = None
    envelope = None
    if peak_dbtp + gain_db > aim:  # the limiter: peaks and power per frame (a plain gain needs neither)
        envelope, meter = PeakEnvelope(audio), Loudness(audio, sample_rate, per_frame=True)
    for attempt in range(4):  # limiting lowers the loudness a little: raise the gain and limit again
        reduction_db = (limiter_gain_db(envelope.at_least(10 ** ((aim - gain_db) / 20)), gain_db, aim, sample_rate)
                        if envelope is not None and peak_dbtp + gain_db > aim else None)
        if reduction_db is None:
            loudness = meter.integrated() + gain_db  # a plain gain moves loudness by exactly its decibels
            break
        missing = loudness_lufs - meter.integrated(_gain_curve(gain_db, reduction_db))
        if abs(missing) < LOUDNESS_TOLERANCE_LU / 2 or (missing > 0 and gain_db >= most_db) or attempt == 3:
            break
        gain_db = min(gain_db + missing, most_db)
    if reduction_db is None or envelope is None:  # a plain gain moves the true peak by exactly its decibels too
        audio *= np.float32(10 ** (gain_db / 20))
        return audio, Mastered(gain_db, 0.0, loudness, peak_dbtp + gain_db, loudness_lufs)
    curve = _gain_curve(gain_db, reduction_db)
    bound = _limited_peak_bound(envelope, curve)
    loudness = meter.integrated(curve)
    audio *= curve[:, None]
    del envelope, curve
    final_peak = PeakEnvelope(audio, bound).peak()
    final_dbtp = 20 * math.log10(final_peak)
    if final_dbtp > TRUE_PEAK_CEILING_DBTP - 0.01:  # what the smooth gain curve let through
        trim_db = TRUE_PEAK_CEILING_DBTP - 0.02 - final_dbtp
        audio *= np.float32(10 ** (trim_db / 20))
        loudness, final_dbtp = loudness + trim_db, final_dbtp + trim_db
    return audio, Mastered(gain_db, float(reduction_db.max()), loudness, final_dbtp, loudness_lufs)


def _gain_curve(gain_db: float, reduction_db: np.ndarray) -> np.ndarray:
    """Per frame, the linear gain of ``gain_db`` less the limiter's reduction."""
    curve: np.ndarray = np.power(np.float32(10), (np.float32(gain_db) - reduction_db) / np.float32(20))
    return curve


def _limited_peak_bound(envelope: PeakEnvelope, curve: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
    """Per frame, an upper bound of the 4× oversampled |value| of the audio times ``curve``.

    A frame's oversampled value is a weighted sum of the samples within _REACH, each times its
    own gain; with the frame's own gain g(t) instead, it is g(t) × the envelope. The difference
    is at most the phase gain × the largest change of the curve within _REACH × the largest
    |sample| there: where the curve holds still (almost everywhere) the bound is g(t) × envelope.
    Chunk by chunk, so memory stays flat.
    """
    bound = np.empty(len(curve), dtype=np.float32)
    for start in range(0, len(curve), chunk):
        stop = min(len(curve), start + chunk)
        lo, hi = max(0, start - _REACH), min(len(curve), stop + _REACH)
        around = curve[lo:hi]
        highest = sliding_extreme(around, _REACH, _REACH, fill=None)[start - lo : stop - lo]
        lowest = sliding_extreme(around, _REACH, _REACH, np.minimum, fill=None)[start - lo : stop - lo]
        gain = curve[start:stop]
        change = np.maximum(highest - gain, gain - lowest)
        bound[start:stop] = gain * envelope.values[start:stop]
        bound[start:stop] += np.float32(_PHASE_GAIN) * change * nearby_peaks(envelope.audio, start, stop)
    return bound
