"""Audio: any MIDI file rendered in-process by FluidSynth, exactly as long as asked, mastered.

The synth is driven event by event from the MIDI file (through pyfluidsynth's ctypes
binding), writing float samples straight into one preallocated buffer: the length in frames
is ``round(duration × rate)`` by construction. Seconds become frames only here.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import mido
import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from composer.errors import ComposerError
from composer.quiet import quiet_import

SAMPLE_RATE = 44100
TRUE_PEAK_CEILING_DBTP = -1.0
#: Extra seconds rendered past a loop's end; their sound is folded onto the loop's start.
LOOP_WRAP_S = 4.0
CHUNK_FRAMES = 1 << 15
FADE_IN_S = 0.005
FADE_OUT_S = 0.05
#: Gain inside the synth: low enough that dense chords never clip before mastering.
SYNTH_GAIN = 0.3

Progress = Callable[[int, int], None]


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

    def __init__(self, soundfont: Path, sample_rate: int) -> None:
        fluidsynth = load_fluidsynth()
        self.synth: Any = fluidsynth.Synth(gain=SYNTH_GAIN, samplerate=float(sample_rate))
        self.synth.setting("synth.polyphony", 512)
        self.synth.setting("synth.cpu-cores", 1)
        if self.synth.sfload(str(soundfont), 1) < 0:
            self.synth.delete()
            raise ComposerError(f"FluidSynth could not load the soundfont {soundfont}", "try another .sf2 file")
        self.synth.set_reverb(roomsize=0.5, damping=0.4, width=0.8, level=0.35)
        self.synth.set_chorus(nr=3, level=0.6, speed=0.3, depth=6.0)
        write = fluidsynth._fl.fluid_synth_write_float
        write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                          ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        self._write = write

    def fill(self, frames: np.ndarray) -> None:
        """Render ``len(frames)`` stereo frames into a C-contiguous float32 (frames × 2) view."""
        if len(frames):
            address = frames.ctypes.data
            self._write(self.synth.synth, len(frames), address, 0, 2, address, 1, 2)

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
) -> np.ndarray:
    """Stereo float32 audio of ``midi``, exactly ``round(duration_s × sample_rate)`` frames.

    A loop renders a little past its end and folds that ring-out onto its start, so the file
    repeats without a seam; anything else fades in over 5 ms and out over ``fade_out_s``.
    """
    frames = round(duration_s * sample_rate)
    extra = round(LOOP_WRAP_S * sample_rate) if loop else 0
    audio = np.zeros((frames + extra, 2), dtype=np.float32)
    synth = _Synth(soundfont, sample_rate)
    try:
        cursor = 0
        seconds = 0.0
        for message in midi:
            seconds += message.time
            if message.is_meta or message.type == "sysex":
                continue
            target = min(round(seconds * sample_rate), frames)
            cursor = _advance(synth, audio, cursor, target, progress)
            if target >= frames:
                break
            synth.send(message)
        if loop:  # release everything at the loop point, then let it ring into the wrap
            for channel in range(16):
                synth.synth.cc(channel, 123, 0)
        _advance(synth, audio, cursor, frames + extra, progress)
    finally:
        synth.close()
    if loop:
        audio[: min(extra, frames)] += audio[frames : frames + min(extra, frames)]
        return np.ascontiguousarray(audio[:frames])
    _fade(audio, sample_rate, FADE_IN_S, fade_out_s)
    return audio


def _advance(synth: _Synth, audio: np.ndarray, cursor: int, target: int, progress: Progress | None) -> int:
    """Render from frame ``cursor`` up to ``target``, in chunks so progress can be shown."""
    while cursor < target:
        step = min(CHUNK_FRAMES, target - cursor)
        synth.fill(audio[cursor : cursor + step])
        cursor += step
        if progress is not None:
            progress(cursor, len(audio))
    return cursor


def _fade(audio: np.ndarray, sample_rate: int, fade_in_s: float, fade_out_s: float) -> None:
    """Raised-cosine fades at both ends, so the file starts and stops without a click."""
    for seconds, at_end in ((fade_in_s, False), (fade_out_s, True)):
        count = min(len(audio), max(1, round(seconds * sample_rate)))
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, count, dtype=np.float64))).astype(np.float32)
        if at_end:
            audio[-count:] *= ramp[::-1, None]
        else:
            audio[:count] *= ramp[:, None]


def true_peak_dbtp(audio: np.ndarray, block_frames: int = 1 << 18) -> float:
    """True peak in dBTP: the sample peak after 4× oversampling (ITU-R BS.1770-4, annex 2).

    Oversampled block by block, each with some context on both sides for the filter, so memory
    stays flat however long the piece is.
    """
    if not len(audio):
        return -math.inf
    context = 256
    peak = 0.0
    for start in range(0, len(audio), block_frames):
        lo, hi = max(0, start - context), min(len(audio), start + block_frames + context)
        oversampled = resample_poly(audio[lo:hi], 4, 1, axis=0)
        inner = oversampled[4 * (start - lo) : 4 * (min(len(audio), start + block_frames) - lo)]
        peak = max(peak, float(np.max(np.abs(inner))))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770); -inf for silence or under 0.4 s."""
    if len(audio) < 0.4 * sample_rate:
        return -math.inf
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))  # float32: half the memory


def master(audio: np.ndarray, sample_rate: int, loudness_lufs: float) -> tuple[np.ndarray, float, float]:
    """One gain that brings ``audio`` to ``loudness_lufs`` unless that would push the true peak
    over −1 dBTP: then the ceiling wins. Scales ``audio`` in place and returns it with its
    loudness (LUFS) and true peak (dBTP) after the gain."""
    loudness = integrated_loudness(audio, sample_rate)
    peak = true_peak_dbtp(audio)
    if not math.isfinite(peak):
        return audio, loudness, peak
    gain_db = loudness_lufs - loudness if math.isfinite(loudness) else TRUE_PEAK_CEILING_DBTP - peak
    gain_db = min(gain_db, TRUE_PEAK_CEILING_DBTP - 0.05 - peak)
    audio *= np.float32(10 ** (gain_db / 20))  # in place: a long piece is large
    # a gain moves loudness and true peak by exactly its decibels: no second measurement needed
    return audio, loudness + gain_db, peak + gain_db
