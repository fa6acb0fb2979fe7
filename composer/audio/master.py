"""Mastering: rendered audio brought to its loudness target with its true peak under −1 dBTP.

One gain to the target (integrated loudness per ITU-R BS.1770, with pyloudnorm's K-weighting
and gating, vectorised and measured chunk by chunk so memory stays flat), then a look-ahead
limiter on the 4× oversampled peaks (scipy's resample_poly filter, run only where a peak could
be), never clipping. Where the target would need more limiting than MAX_LIMITING_DB, the
ceiling wins and the result says how far the loudness fell short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import uniform_filter1d
from scipy.signal import firwin, sosfilt, upfirdn

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
