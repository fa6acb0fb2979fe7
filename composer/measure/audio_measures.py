"""Measures of an audio file beside the meter's loudness and true peak: its samples, clipping and
the level at its start and end (where a click or a cut-off tail would show)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from composer.base.errors import ComposerError
from composer.measure.music import error_reason

#: |sample| at or above this counts as clipped.
CLIP_LEVEL = 0.999
#: Window for the level at the start and end of an audio file (seconds).
EDGE_S = 0.1


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """(float32 frames × channels, sample rate) of an audio file; ComposerError if unreadable."""
    import soundfile

    if not path.is_file():
        raise ComposerError(f"audio file {path} does not exist", "check the path")
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, ValueError, TypeError) as error:
        raise ComposerError(f"{path} is not a readable audio file ({error_reason(error)})",
                            "give a .wav, .flac, .ogg or .mp3 file") from None
    return audio, int(rate)


def rms_dbfs(block: np.ndarray) -> float | None:
    """RMS level in dB relative to full scale (a full-scale square wave is 0), None for silence.

    >>> rms_dbfs(np.full((100, 2), 0.5, dtype=np.float32))
    -6.021
    """
    if not block.size:
        return None
    mean_square = float(np.mean(np.square(block, dtype=np.float64)))
    return round(10 * math.log10(mean_square), 3) if mean_square > 0 else None


def clipped_samples(audio: np.ndarray) -> int:
    """Samples at or beyond ±CLIP_LEVEL of full scale.

    >>> clipped_samples(np.array([[0.5, -1.0], [1.0, 0.2]], dtype=np.float32))
    2
    """
    return int(np.count_nonzero(np.abs(audio) >= CLIP_LEVEL))


def edge_levels(audio: np.ndarray, sample_rate: int) -> tuple[float | None, float | None]:
    """RMS level (dBFS) of the first and of the last EDGE_S of the audio."""
    edge = max(1, round(EDGE_S * sample_rate))
    return rms_dbfs(audio[:edge]), rms_dbfs(audio[-edge:])
