"""Mastering: rendered audio brought to its loudness target with its true peak under −1 dBTP.

One gain to the target (integrated loudness per ITU-R BS.1770, measured by the meter in
loudness.py), then a look-ahead limiter on the 4× oversampled peaks, never clipping. Where the
target would need more limiting than MAX_LIMITING_DB, the ceiling wins and the result says how
far the loudness fell short. The gain is capped at MAX_GAIN_DB: near-silence (a MIDI file whose
notes are inaudible, a synth's residue) stays near-silent rather than raised into loud noise,
and the result says the cap held it short.

Everything runs over the audio a block at a time, the limiter carrying only its look-ahead,
release and running sums across blocks, so the memory mastering takes does not grow with the
piece's length, and the bytes are those of one pass over the whole piece.
"""

from __future__ import annotations

import math
from contextlib import closing
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from composer.audio.alongside import ahead, both
from composer.audio.loudness import REACH, Loudness, PeakEnvelope, k_weighted_power, sliding_extreme, true_peak
from composer.audio.spool import BLOCK_FRAMES, Audio, columns, scale, write

TRUE_PEAK_CEILING_DBTP = -1.0
#: The limiter aims this far under the ceiling, so the 4× oversampled peak lands under it.
LIMITER_MARGIN_DB = 0.1
#: The limiter sees peaks this far ahead and ramps its gain down over the same time.
LIMITER_LOOKAHEAD_S = 0.005
#: How fast the limiter gives its gain back after a peak (a linear release, in dB per second).
LIMITER_RELEASE_DB_PER_S = 20.0
#: The most the limiter may take off a peak; past that, the ceiling wins and loudness falls short.
MAX_LIMITING_DB = 6.0
#: The most gain mastering applies: composed pieces need about +20 dB, a quiet DAW export more;
#: past this the audio is near-silence (a synth's residue at −150 dBFS) and stays so.
MAX_GAIN_DB = 40.0
#: Loudness is within this of its target once mastered (the contract is ±0.5 LU).
LOUDNESS_TOLERANCE_LU = 0.1


class Limiter:
    """A look-ahead limiter that keeps audio raised by ``gain_db`` under ``ceiling_dbtp``, run
    block by block over the audio so memory stays flat however long the piece: per frame, its
    gain reduction in dB (≥ 0).

    Each frame's needed reduction is held over the look-ahead window, released linearly, then
    smoothed with a moving average as long as the look-ahead: the gain starts falling before a
    peak and is fully down at it, so no peak is ever clipped. Across blocks it carries only its
    release and the moving average's running sum and last window, so the result is the same
    bytes as one pass over the whole piece.

    >>> peak = np.zeros(1000, dtype=np.float32); peak[500] = 2.0  # +6 dBTP
    >>> limiter = Limiter(0.0, -1.0, 1000)
    >>> reduction = limiter.reduction(limiter.needed(peak), 1000)
    >>> bool(reduction[500] >= 7.0 - 1e-4), float(reduction[0]), limiter.limits
    (True, 0.0, True)
    """

    #: The release runs on this grid of frames from the start: blocks begin on it.
    RELEASE_CHUNK = 1 << 16

    def __init__(self, gain_db: float, ceiling_dbtp: float, sample_rate: int) -> None:
        self.level = 10 ** ((ceiling_dbtp - gain_db) / 20)  # the envelope's level the limiter acts over
        self._offset_db = np.float32(gain_db - ceiling_dbtp)
        self.window = max(1, round(LIMITER_LOOKAHEAD_S * sample_rate))
        self._release_db_per_frame = LIMITER_RELEASE_DB_PER_S / sample_rate
        self._ramp = np.arange(self.RELEASE_CHUNK, dtype=np.float32) * np.float32(self._release_db_per_frame)
        self._carried = 0.0  # the release's level brought into the next block
        self._sum: float | None = None  # the moving average's running sum (float64, as scipy.ndimage keeps it)
        self._last = np.zeros(0)  # the last `window` released values
        self.limits = False  # whether any frame so far needed any reduction
        self.most_db = 0.0  # the largest reduction so far

    def needed(self, envelope: np.ndarray) -> np.ndarray:
        """Per frame of ``envelope`` (4× oversampled peaks, exact wherever they reach
        :attr:`level`), the reduction that frame alone needs: only those over the ceiling need any."""
        over = np.flatnonzero(envelope > np.float32(self.level))
        needed = np.zeros(len(envelope), dtype=np.float32)
        needed[over] = np.maximum(0.0, 20 * np.log10(envelope[over]) + self._offset_db)
        self.limits = self.limits or bool(len(over))
        return needed

    def reduction(self, needed: np.ndarray, count: int) -> np.ndarray:
        """The reduction of the next ``count`` frames, given what they and the look-ahead window
        after them need (``needed``, shorter only at the piece's end). Blocks come in order, each
        but the last a whole number of RELEASE_CHUNKs."""
        ahead = sliding_extreme(needed, 0, self.window - 1)[:count]  # max of needed[n : n + window]
        held = self._release(ahead)
        smoothed = self._average(held)
        # the needed reduction again, against the float rounding of the average
        reduction = np.asarray(np.maximum(smoothed, needed[:count]), dtype=np.float32)
        if count:
            self.most_db = max(self.most_db, float(reduction.max()))
        return reduction

    def _release(self, reduction_db: np.ndarray) -> np.ndarray:
        """``reduction_db`` where each value falls back by the release rate a frame at most:
        out[n] = max over k ≤ n of (in[k] − (n − k)·rate), a running maximum, chunk by chunk
        (chunks with nothing to hold or release are skipped)."""
        released = np.zeros_like(reduction_db, dtype=np.float32)
        for start in range(0, len(reduction_db), self.RELEASE_CHUNK):
            block = reduction_db[start : start + self.RELEASE_CHUNK].astype(np.float32)
            if self._carried <= 0 and not block.any():
                continue  # nothing to hold or release here: stays 0
            ramp = self._ramp[: len(block)]
            block[0] = max(block[0], self._carried)
            level = np.maximum.accumulate(block + ramp) - ramp
            released[start : start + len(block)] = level
            self._carried = float(level[-1]) - self._release_db_per_frame
        return released

    def _average(self, released: np.ndarray) -> np.ndarray:
        """The mean of the last ``window`` released values at each frame (the first value
        standing in before the start): scipy.ndimage.uniform_filter1d's running sum, in
        float64, carried from block to block, so the rounding is the same."""
        if not len(released):
            return np.zeros(0, dtype=np.float32)
        if self._sum is None:
            self._last = np.full(self.window, released[0], dtype=np.float64)
            self._sum = float(np.cumsum(self._last)[-1])
        joined = np.concatenate((self._last, released.astype(np.float64)))
        sums = np.cumsum(np.concatenate(([self._sum], joined[self.window :] - joined[: -self.window])))[1:]
        self._sum, self._last = float(sums[-1]), joined[-self.window :]
        return np.asarray(sums / self.window, dtype=np.float32)


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

    @property
    def gain_capped(self) -> bool:
        """Whether MAX_GAIN_DB, not the true-peak ceiling, held the loudness short of its target."""
        short = self.shortfall_lu > 0 or not math.isfinite(self.loudness_lufs)  # all of it under the gate
        return short and self.gain_db >= MAX_GAIN_DB - 1e-6


def master(audio: Audio, sample_rate: int, loudness_lufs: float,
           block_frames: int = BLOCK_FRAMES) -> tuple[Audio, Mastered]:
    """Bring ``audio`` to ``loudness_lufs`` with its true peak under −1 dBTP: one gain to the
    target, then a look-ahead limiter on the 4× oversampled peaks (never clipping). The limiter
    may take at most MAX_LIMITING_DB off a peak; where the target needs more, the ceiling wins
    and the result says how far the loudness fell short. Works in place, on an array or a
    spool (a long piece is large), ``block_frames`` at a time (a multiple of
    Limiter.RELEASE_CHUNK), so memory stays flat however long the piece.

    Each gain the limiter tries is one pass over the audio: its peaks (oversampled only where
    they could reach the ceiling), its gain curve, and the K-weighted power under that curve,
    summed into the meter's gating pieces (this is the limited audio's loudness to about 0.001
    LU; tested against pyloudnorm on the result); a last pass applies the curve. Audio too
    short for an integrated loudness (under 400 ms) is brought to the ceiling. No gain exceeds
    MAX_GAIN_DB.

    >>> residue = np.random.default_rng(1).normal(0, 1e-7, (44100, 2)).astype(np.float32)  # −140 dBFS
    >>> _, done = master(residue, 44100, -16.0)
    >>> done.gain_db, done.gain_capped, bool(done.true_peak_dbtp < -80)
    (40.0, True, True)
    """
    if block_frames % Limiter.RELEASE_CHUNK:
        raise ValueError(f"mastering runs in blocks of a multiple of {Limiter.RELEASE_CHUNK} frames")
    meter, peak = both(lambda: Loudness(audio, sample_rate), lambda: true_peak(audio))
    loudness = meter.integrated()
    if peak <= 0:
        return audio, Mastered(0.0, 0.0, loudness, -math.inf, loudness_lufs)
    peak_dbtp = 20 * math.log10(peak)
    aim = TRUE_PEAK_CEILING_DBTP - LIMITER_MARGIN_DB
    most_db = min(aim + MAX_LIMITING_DB - peak_dbtp, MAX_GAIN_DB)
    gain_db = min(loudness_lufs - loudness if math.isfinite(loudness) else aim - peak_dbtp, most_db)
    limiter: Limiter | None = None
    for attempt in range(4):  # limiting lowers the loudness a little: raise the gain and limit again
        limiter = Limiter(gain_db, aim, sample_rate) if peak_dbtp + gain_db > aim else None
        pieces = meter.piece_sums()
        if limiter is not None:
            curves = _gain_curves(audio, limiter, gain_db, block_frames)
            with closing(ahead(k_weighted_power(audio, sample_rate, block_frames))) as powers:  # on another core
                for (_, _, curve), (_, power) in zip(curves, powers):
                    pieces.add(power * np.square(curve, dtype=np.float32))
        if limiter is None or not limiter.limits:  # a plain gain moves loudness by exactly its decibels
            limiter, loudness = None, meter.integrated() + gain_db
            break
        loudness = meter.integrated(pieces.total())
        missing = loudness_lufs - loudness
        if abs(missing) < LOUDNESS_TOLERANCE_LU / 2 or (missing > 0 and gain_db >= most_db) or attempt == 3:
            break
        gain_db = min(gain_db + missing, most_db)
    if limiter is None:  # a plain gain moves the true peak by exactly its decibels too
        scale(audio, np.float32(10 ** (gain_db / 20)))
        return audio, Mastered(gain_db, 0.0, loudness, peak_dbtp + gain_db, loudness_lufs)
    limiter = Limiter(gain_db, aim, sample_rate)
    pending: tuple[int, np.ndarray] | None = None
    for start, raw, curve in _gain_curves(audio, limiter, gain_db, block_frames):
        if pending is not None:  # written once the next block's overlap with it is read
            write(audio, *pending)
        pending = start, raw * curve[:, None]
    if pending is not None:
        write(audio, *pending)
    final_dbtp = 20 * math.log10(true_peak(audio))
    if final_dbtp > TRUE_PEAK_CEILING_DBTP - 0.01:  # what the smooth gain curve let through
        trim_db = TRUE_PEAK_CEILING_DBTP - 0.02 - final_dbtp
        scale(audio, np.float32(10 ** (trim_db / 20)))
        loudness, final_dbtp = loudness + trim_db, final_dbtp + trim_db
    return audio, Mastered(gain_db, limiter.most_db, loudness, final_dbtp, loudness_lufs)


def _gain_curve(gain_db: float, reduction_db: np.ndarray) -> np.ndarray:
    """Per frame, the linear gain of ``gain_db`` less the limiter's reduction."""
    curve: np.ndarray = np.power(np.float32(10), (np.float32(gain_db) - reduction_db) / np.float32(20))
    return curve


def _gain_curves(audio: Audio, limiter: Limiter, gain_db: float,
                 block_frames: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Block by block, (first frame, the block as it is now, its gain curve): the limited gain
    of each frame. Each block's peaks are read with the look-ahead window and the oversampling's
    reach around it, all read before the block is yielded, so a caller may write each block
    back once it has the next."""
    audio, frames = columns(audio), len(audio)
    for start in range(0, frames, block_frames):
        stop = min(frames, start + block_frames)
        ahead = min(frames, stop + limiter.window - 1)  # the look-ahead past the block
        lo, hi = max(0, start - REACH), min(frames, ahead + REACH)  # and the oversampling's reach
        around = np.array(audio[lo:hi])
        envelope = PeakEnvelope(around).at_least(limiter.level)[start - lo : ahead - lo]
        reduction = limiter.reduction(limiter.needed(envelope), stop - start)
        yield start, around[start - lo : stop - lo], _gain_curve(gain_db, reduction)
