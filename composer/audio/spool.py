"""Audio too long to hold in memory: float32 frames in an anonymous temporary file, read and
written a block at a time, so memory stays flat however long the piece (a 60-minute stereo mix
is 1.27 GB of float32, each of its stems as much again).

Not a memory map: the pages of a mapped file count as the process's memory once touched, where
a block read here is freed as soon as it is done with. The file has no name (the system deletes
it when it is closed, or when the process ends however it ends), so nothing is left behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from composer.base.errors import ComposerError

#: Frames read or written at a time by the whole-spool passes (2 MB of stereo float32).
BLOCK_FRAMES = 1 << 18


class Spool:
    """``frames`` × ``channels`` float32 samples on disk, zero until written; sliced like an
    array (``spool[a:b]`` reads those frames into memory), written with :meth:`write`.

    >>> spool = Spool(4)
    >>> spool.write(1, np.ones((2, 2), dtype=np.float32))
    >>> spool[0:4][:, 0].tolist(), spool.shape
    ([0.0, 1.0, 1.0, 0.0], (4, 2))
    """

    def __init__(self, frames: int = 0, channels: int = 2, file: BinaryIO | None = None) -> None:
        """``frames`` of silence in an anonymous temporary file, or in ``file`` (opened for
        reading and writing; its own frames are kept up to ``frames``, then silence)."""
        self._file = file if file is not None else tempfile.TemporaryFile()
        self._fd = self._file.fileno()
        self.channels = channels
        self.frames = 0
        self.resize(frames)

    @property
    def shape(self) -> tuple[int, int]:
        return self.frames, self.channels

    def __len__(self) -> int:
        return self.frames

    def __getitem__(self, index: slice) -> np.ndarray:
        start, stop, step = index.indices(self.frames)
        if step != 1:
            raise ValueError("a spool is read in runs of frames")
        return self.read(start, stop)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start`` to ``stop`` (within the spool) as a new array."""
        block = np.empty((max(0, stop - start), self.channels), dtype=np.float32)
        view, offset = block.data.cast("B"), self._offset(start)
        while view:
            count = os.preadv(self._fd, [view], offset)
            if not count:
                raise ValueError(f"frames {start}–{stop} are past the spool's end")
            view, offset = view[count:], offset + count
        return block

    def write(self, start: int, block: np.ndarray) -> None:
        """Write ``block`` (frames × channels) from frame ``start``, growing the spool if it ends past it."""
        data = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.channels)
        view, offset = data.data.cast("B"), self._offset(start)
        try:
            while view:
                count = os.pwrite(self._fd, view, offset)
                view, offset = view[count:], offset + count
        except OSError as error:
            raise scratch_error(error) from None
        self.frames = max(self.frames, start + len(data))

    def append(self, block: np.ndarray) -> None:
        """Write ``block`` after the last frame."""
        self.write(self.frames, block)

    def resize(self, frames: int) -> None:
        """Cut the spool to ``frames``, or lengthen it with silence."""
        try:
            os.ftruncate(self._fd, self._offset(frames))
        except OSError as error:
            raise scratch_error(error) from None
        self.frames = frames

    def blocks(self, size: int = BLOCK_FRAMES) -> Iterator[tuple[int, np.ndarray]]:
        """Each run of at most ``size`` frames, with its first frame, in order."""
        for start in range(0, self.frames, size):
            yield start, self.read(start, min(self.frames, start + size))

    def scale(self, gain: np.float32 | np.ndarray) -> None:
        """Multiply every sample by ``gain``: one number, or one per frame."""
        for start, block in self.blocks():
            block *= gain if np.ndim(gain) == 0 else np.asarray(gain)[start : start + len(block), None]
            self.write(start, block)

    def array(self) -> np.ndarray:
        """All of it in memory (for audio short enough to hold)."""
        return self.read(0, self.frames)

    def close(self) -> None:
        self._file.close()

    def _offset(self, frame: int) -> int:
        return frame * self.channels * 4


#: Audio as mastering, the meter and the writers take it: in memory, or spooled to disk.
Audio = np.ndarray | Spool


def scratch_error(error: OSError) -> ComposerError:
    """The one line for a scratch file that could not be written (a full temporary folder)."""
    return ComposerError(f"cannot write scratch audio in {tempfile.gettempdir()} ({error.strerror})",
                         "free some space there or set TMPDIR to a roomier folder")


def scale(audio: Audio, gain: np.float32 | np.ndarray) -> None:
    """Multiply ``audio`` in place by ``gain`` (one number, or one per frame)."""
    if isinstance(audio, Spool):
        audio.scale(gain)
    else:
        audio *= gain if np.ndim(gain) == 0 else np.asarray(gain)[:, None]


def write(audio: Audio, start: int, block: np.ndarray) -> None:
    """Write ``block`` (frames × channels) into ``audio`` from frame ``start``."""
    if isinstance(audio, Spool):
        audio.write(start, block)
    else:
        audio[start : start + len(block)] = block.reshape(audio[start : start + len(block)].shape)


def columns(audio: Audio) -> Audio:
    """``audio`` as frames × channels (a mono array gains its one column)."""
    return audio if isinstance(audio, Spool) else audio.reshape(len(audio), -1)


def sample_peak(audio: Audio) -> float:
    """The largest |sample| (0 for no audio), block by block.

    >>> sample_peak(np.array([[0.5, -0.75]], dtype=np.float32))
    0.75
    """
    peak = 0.0
    for start in range(0, len(audio), BLOCK_FRAMES):
        block = audio[start : start + BLOCK_FRAMES]
        peak = max(peak, float(block.max()), -float(block.min()))
    return peak
