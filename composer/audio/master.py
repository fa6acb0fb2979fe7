"""Mastering: rendered audio brought to its loudness target with its true peak under −1 dBTP.

One gain to the target (integrated loudness per ITU-R BS.1770, measured by the meter in
loudness.py), then a look-ahead limiter on the 4× oversampled peaks, never clipping. Where the
target would need more limiting than MAX_LIMITING_DB, the ceiling wins and the result says how
far the loudness fell short. The gain is capped at MAX_GAIN_DB: near-silence (a MIDI file whose
notes are inaudible, a synth's residue) stays near-silent rather than raised into loud noise,
and the result says the cap held it short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from composer.audio.loudness import PHASE_GAIN, REACH, Loudness, PeakEnvelope, nearby_peaks, sliding_extreme, true_peak
from composer.audio.spool import Audio, scale

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

    @property
    def gain_capped(self) -> bool:
        """Whether MAX_GAIN_DB, not the true-peak ceiling, held the loudness short of its target."""
        short = self.shortfall_lu > 0 or not math.isfinite(self.loudness_lufs)  # all of it under the gate
        return short and self.gain_db >= MAX_GAIN_DB - 1e-6


def master(audio: Audio, sample_rate: int, loudness_lufs: float) -> tuple[Audio, Mastered]:
    """Bring ``audio`` to ``loudness_lufs`` with its true peak under −1 dBTP: one gain to the
    target, then a look-ahead limiter on the 4× oversampled peaks (never clipping). The limiter
    may take at most MAX_LIMITING_DB off a peak; where the target needs more, the ceiling wins
    and the result says how far the loudness fell short. Works in place, on an array or a
    spool (a long piece is large).

    The limiter K-weights the audio once more, keeping each frame's power: each gain curve it
    tries is measured by weighting that power (the curve moves slowly against the K-filter's
    memory, so this is the limited audio's loudness to about 0.001 LU; tested against
    pyloudnorm on the result). Peaks are oversampled only where they could reach the ceiling,
    before and after the limiter. Audio too short for an integrated loudness (under 400 ms) is
    brought to the ceiling. No gain exceeds MAX_GAIN_DB.

    >>> residue = np.random.default_rng(1).normal(0, 1e-7, (44100, 2)).astype(np.float32)  # −140 dBFS
    >>> _, done = master(residue, 44100, -16.0)
    >>> done.gain_db, done.gain_capped, bool(done.true_peak_dbtp < -80)
    (40.0, True, True)
    """
    meter = Loudness(audio, sample_rate)
    loudness = meter.integrated()
    peak = true_peak(audio)
    if peak <= 0:
        return audio, Mastered(0.0, 0.0, loudness, -math.inf, loudness_lufs)
    peak_dbtp = 20 * math.log10(peak)
    aim = TRUE_PEAK_CEILING_DBTP - LIMITER_MARGIN_DB
    most_db = min(aim + MAX_LIMITING_DB - peak_dbtp, MAX_GAIN_DB)
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
        scale(audio, np.float32(10 ** (gain_db / 20)))
        return audio, Mastered(gain_db, 0.0, loudness, peak_dbtp + gain_db, loudness_lufs)
    curve = _gain_curve(gain_db, reduction_db)
    bound = _limited_peak_bound(envelope, curve)
    loudness = meter.integrated(curve)
    scale(audio, curve)
    del envelope, curve
    final_peak = PeakEnvelope(audio, bound).peak()
    final_dbtp = 20 * math.log10(final_peak)
    if final_dbtp > TRUE_PEAK_CEILING_DBTP - 0.01:  # what the smooth gain curve let through
        trim_db = TRUE_PEAK_CEILING_DBTP - 0.02 - final_dbtp
        scale(audio, np.float32(10 ** (trim_db / 20)))
        loudness, final_dbtp = loudness + trim_db, final_dbtp + trim_db
    return audio, Mastered(gain_db, float(reduction_db.max()), loudness, final_dbtp, loudness_lufs)


def _gain_curve(gain_db: float, reduction_db: np.ndarray) -> np.ndarray:
    """Per frame, the linear gain of ``gain_db`` less the limiter's reduction."""
    curve: np.ndarray = np.power(np.float32(10), (np.float32(gain_db) - reduction_db) / np.float32(20))
    return curve


def _limited_peak_bound(envelope: PeakEnvelope, curve: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
    """Per frame, an upper bound of the 4× oversampled |value| of the audio times ``curve``.

    A frame's oversampled value is a weighted sum of the samples within REACH, each times its
    own gain; with the frame's own gain g(t) instead, it is g(t) × the envelope. The difference
    is at most the phase gain × the largest change of the curve within REACH × the largest
    |sample| there: where the curve holds still (almost everywhere) the bound is g(t) × envelope.
    Chunk by chunk, so memory stays flat.
    """
    bound = np.empty(len(curve), dtype=np.float32)
    for start in range(0, len(curve), chunk):
        stop = min(len(curve), start + chunk)
        lo, hi = max(0, start - REACH), min(len(curve), stop + REACH)
        around = curve[lo:hi]
        highest = sliding_extreme(around, REACH, REACH, fill=None)[start - lo : stop - lo]
        lowest = sliding_extreme(around, REACH, REACH, np.minimum, fill=None)[start - lo : stop - lo]
        gain = curve[start:stop]
        change = np.maximum(highest - gain, gain - lowest)
        bound[start:stop] = gain * envelope.values[start:stop]
        bound[start:stop] += np.float32(PHASE_GAIN) * change * nearby_peaks(envelope.audio, start, stop)
    return bound
