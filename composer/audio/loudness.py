"""The meter: loudness and true peak as ITU-R BS.1770 and EBU Tech 3342 define them, one
implementation that mastering, delivery and the measures share.

K-weighting is pyloudnorm's filters, run chunk by chunk so memory stays flat; each frame's
K-weighted power is summed into the pieces that gating reads: BS.1770's 400 ms blocks for the
integrated loudness, EBU Tech 3342's 3 s windows for the loudness range. The true peak is the
highest value of the audio 4× oversampled (BS.1770-4, annex 2), oversampled only where a peak
could be.

scipy.signal (through pyloudnorm too) takes about a second to import, more than a short render,
so it is imported when first filtering, not with this module: commands that never measure
(``--help``, ``explain``, ``compose --midi-only``) never pay it, and a render starts the import
on a thread (:func:`preload`) while FluidSynth plays.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cache

import numpy as np

from composer.audio.spool import Audio, columns, sample_peak

# --- K-weighting -------------------------------------------------------------------------

#: Loudness of a K-weighted mean square of 1, in LUFS: BS.1770's offset for the filter's gain.
LUFS_OFFSET = -0.691
#: BS.1770's channel weights (L, R, C, Ls, Rs).
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
#: Blocks under this loudness are silence to every gate (BS.1770 and EBU Tech 3342 alike).
ABSOLUTE_GATE_LUFS = -70.0
#: Frames K-weighted at a time.
CHUNK_FRAMES = 1 << 18


def k_weighted_power(audio: Audio, sample_rate: int, chunk_frames: int = CHUNK_FRAMES,
                     stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Each frame's K-weighted power (the channels' squares, weighted and summed, float32), as
    (first frame, power) chunk by chunk: pyloudnorm's K-weighting filters, one filter state
    carried through the audio up to frame ``stop`` (default: all of it)."""
    from scipy.signal import sosfilt

    audio = columns(audio)
    stop = len(audio) if stop is None else stop
    sos = k_weighting(sample_rate)
    state = np.zeros((len(sos), 2, audio.shape[1]))
    for start in range(0, stop, chunk_frames):
        weighted, state = sosfilt(sos, audio[start : min(stop, start + chunk_frames)], axis=0, zi=state)
        power = np.zeros(len(weighted), dtype=np.float32)
        for channel, weight in enumerate(CHANNEL_WEIGHTS[: audio.shape[1]]):
            power += np.float32(weight) * np.square(weighted[:, channel]).astype(np.float32)
        yield start, power


@cache
def k_weighting(sample_rate: int) -> np.ndarray:
    """pyloudnorm's K-weighting stages at ``sample_rate`` as second-order sections (b0 b1 b2 a0 a1 a2).

    >>> k_weighting(48000).shape
    (2, 6)
    """
    import pyloudnorm

    filters = pyloudnorm.Meter(sample_rate)._filters.values()
    return np.array([[*(stage.passband_gain * stage.b), *stage.a] for stage in filters])


def preload() -> None:
    """Import the filters' libraries on a daemon thread: a render calls this first, so the
    import runs on another core while the synth plays (FluidSynth releases the interpreter's
    lock while it renders). An import on the main thread meanwhile waits for it."""
    threading.Thread(target=_import_filters, name="composer-preload", daemon=True).start()


def _import_filters() -> None:
    import pyloudnorm  # noqa: F401  (imports scipy.signal)


def lufs(mean_square: float) -> float:
    """The loudness of a K-weighted mean square; -inf for silence.

    >>> lufs(1.0), lufs(0.0)
    (-0.691, -inf)
    """
    return LUFS_OFFSET + 10 * math.log10(mean_square) if mean_square > 0 else -math.inf


# --- integrated loudness (ITU-R BS.1770) -------------------------------------------------

#: BS.1770 gating: 400 ms blocks every 100 ms (a step of a quarter block), relative gate −10 LU.
BLOCK_S, BLOCK_STEP, RELATIVE_GATE_LU = 0.4, 0.25, -10.0


class Loudness:
    """ITU-R BS.1770 integrated loudness, with pyloudnorm's K-weighting filters and its gating
    blocks, K-weighted once, in chunks (memory stays flat). The loudness of the audio under a
    gain curve (a limiter's) is read from the K-weighted power times the curve's square, summed
    into the same pieces with :meth:`piece_sums`, without keeping anything per frame. Agrees
    with ``pyloudnorm.Meter.integrated_loudness`` (tested to 0.01 LU)."""

    def __init__(self, audio: Audio, sample_rate: int, chunk_frames: int = CHUNK_FRAMES,
                 tap: Callable[[np.ndarray], None] | None = None) -> None:
        """``tap``: told each chunk's K-weighted power in order, so another measure (the
        loudness range) reads the same filtering instead of running its own."""
        self.sample_rate, self.frames = sample_rate, len(audio)
        count = int(np.round((self.frames / sample_rate - BLOCK_S) / (BLOCK_S * BLOCK_STEP))) + 1
        block = np.arange(count if self.frames >= BLOCK_S * sample_rate else 0)
        self._lower = (BLOCK_S * (block * BLOCK_STEP) * sample_rate).astype(np.int64)  # pyloudnorm's block bounds
        self._upper = np.minimum((BLOCK_S * (block * BLOCK_STEP + 1) * sample_rate).astype(np.int64), self.frames)
        cuts = np.unique(np.concatenate(([0], self._lower, self._upper)))
        #: Where the blocks' 100 ms pieces start; each block is a run of whole pieces.
        self._cuts = cuts[cuts < self.frames]
        self._pieces = np.zeros(len(self._cuts))  # K-weighted energy of each piece
        for start, power in k_weighted_power(audio, sample_rate, chunk_frames):
            self._add_pieces(start, power)
            if tap is not None:
                tap(power)

    def _add_pieces(self, start: int, power: np.ndarray) -> None:
        """Add the power of frames from ``start`` to the pieces they fall in."""
        first = int(np.searchsorted(self._cuts, start, side="right")) - 1
        inside = self._cuts[(self._cuts > start) & (self._cuts < start + len(power))]
        sums = np.add.reduceat(power, np.concatenate(([0], inside - start)), dtype=np.float64)
        self._pieces[first : first + len(sums)] += sums

    def piece_sums(self) -> PieceSums:
        """An empty sum of power per piece of this meter, to be fed all frames in order."""
        return PieceSums(self._cuts)

    def integrated(self, pieces: np.ndarray | None = None) -> float:
        """Integrated loudness in LUFS, of the audio, or of the K-weighted energy per piece
        ``pieces`` (:meth:`PieceSums.total`) if given; -inf for silence or under one 400 ms block."""
        if not len(self._lower):
            return -math.inf
        summed = np.concatenate(([0.0], np.cumsum(self._pieces if pieces is None else pieces)))
        ends = np.searchsorted(self._cuts, self._upper)  # == len(cuts) at the end
        energy = (summed[ends] - summed[np.searchsorted(self._cuts, self._lower)]) / (BLOCK_S * self.sample_rate)
        with np.errstate(divide="ignore"):
            levels = LUFS_OFFSET + 10 * np.log10(energy)
        gated = energy[levels >= ABSOLUTE_GATE_LUFS]
        if not len(gated):
            return -math.inf
        relative_gate = lufs(float(np.mean(gated))) + RELATIVE_GATE_LU
        kept = energy[(levels > relative_gate) & (levels > ABSOLUTE_GATE_LUFS)]
        return lufs(float(np.mean(kept))) if len(kept) else -math.inf


class PieceSums:
    """Power per frame, given block by block in order, summed per piece between ``cuts``: the
    frames of a piece cut by a block's end wait for the rest of it, so each piece is summed in
    one ``np.add.reduceat`` from its start, the same float64 sum as over the whole at once."""

    def __init__(self, cuts: np.ndarray) -> None:
        self._cuts = cuts
        self._waiting = np.zeros(0, dtype=np.float32)  # frames of the piece not yet complete
        self._start = 0  # the frame they begin at
        self._sums: list[np.ndarray] = []

    def add(self, power: np.ndarray) -> None:
        """Add the power of the next frames."""
        joined = np.concatenate((self._waiting, power))
        end = self._start + len(joined)
        inside = self._cuts[(self._cuts >= self._start) & (self._cuts < end)] - self._start
        if len(inside) > 1:
            self._sums.append(np.add.reduceat(joined[: inside[-1]], inside[:-1], dtype=np.float64))
        self._waiting, self._start = joined[inside[-1] :], self._start + int(inside[-1])

    def total(self) -> np.ndarray:
        """The sum of each piece, once every frame is in."""
        last = [np.add.reduceat(self._waiting, [0], dtype=np.float64)] if len(self._waiting) else []
        return np.concatenate([*self._sums, *last]) if self._sums or last else np.zeros(0)


def integrated_loudness(audio: Audio, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770); -inf for silence or under 0.4 s.

    BS.1770 gates 400 ms blocks, so even a 1 s stinger has an integrated loudness (over its
    few blocks, dominated by its hit); only audio shorter than one block has none.

    >>> rate = 48000
    >>> tone = np.sin(2 * np.pi * 997 * np.arange(2 * rate) / rate)[:, None]
    >>> round(integrated_loudness(0.1 * tone, rate))  # a sine at -20 dBFS in one channel
    -23
    """
    return Loudness(audio, sample_rate).integrated()


# --- loudness range (EBU Tech 3342) ------------------------------------------------------

#: EBU Tech 3342 loudness range: short-term window and hop, relative gate and percentiles.
SHORT_TERM_S = 3.0
SHORT_TERM_HOP_S = 0.1
LRA_RELATIVE_GATE_LU = -20.0
LRA_PERCENTILES = (10.0, 95.0)


def loudness_range(audio: Audio, sample_rate: int) -> float | None:
    """Loudness range in LU (EBU Tech 3342): the spread between the 10th and 95th percentiles of
    the short-term loudness (3 s windows every 0.1 s), counting only windows above −70 LUFS and
    no more than 20 LU below their mean power. None for audio under 3 s or silence.

    >>> rate = 8000
    >>> t = np.arange(10 * rate) / rate
    >>> tone = np.sin(2 * np.pi * 1000 * t)[:, None].astype(np.float32)
    >>> round(loudness_range(np.concatenate([0.1 * tone, 0.0316 * tone]), rate))
    10
    """
    hops = HopPower(len(audio), sample_rate)
    for _, power in k_weighted_power(audio, sample_rate, hops.hop * max(1, CHUNK_FRAMES // hops.hop)):
        hops.add(power)
    return hops.range_lu()


def loudness_and_range(audio: Audio, sample_rate: int) -> tuple[float, float | None]:
    """:func:`integrated_loudness` and :func:`loudness_range` from one pass of K-weighting.

    >>> rate = 8000
    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(10 * rate) / rate)[:, None].astype(np.float32)
    >>> [round(value) for value in loudness_and_range(np.concatenate([0.1 * tone, 0.0316 * tone]), rate)]
    [-26, 10]
    """
    hops = HopPower(len(audio), sample_rate)
    meter = Loudness(audio, sample_rate, tap=hops.add)
    return meter.integrated(), hops.range_lu()


class HopPower:
    """The mean K-weighted power of each whole hop of SHORT_TERM_HOP_S (a last, shorter one is
    left out), fed every frame's power in order in chunks of any length."""

    def __init__(self, frames: int, sample_rate: int) -> None:
        self.hop = max(1, round(SHORT_TERM_HOP_S * sample_rate))
        self.power = np.zeros(frames // self.hop, dtype=np.float64)
        self._done = 0  # hops filled
        self._waiting = np.zeros(0, dtype=np.float32)  # frames of a hop not yet whole

    def add(self, power: np.ndarray) -> None:
        joined = np.concatenate((self._waiting, power)) if len(self._waiting) else power
        whole = min(len(joined) // self.hop, len(self.power) - self._done)
        self.power[self._done : self._done + whole] = joined[: whole * self.hop].reshape(-1, self.hop).mean(
            axis=1, dtype=np.float64)
        self._done += whole
        self._waiting = joined[whole * self.hop :] if self._done < len(self.power) else np.zeros(0, np.float32)

    def range_lu(self) -> float | None:
        """The loudness range in LU of the hops (see :func:`loudness_range`)."""
        window = round(SHORT_TERM_S / SHORT_TERM_HOP_S)
        if len(self.power) < window:
            return None
        sums = np.concatenate([[0.0], np.cumsum(self.power)])
        short_term = (sums[window:] - sums[:-window]) / window
        with np.errstate(divide="ignore"):
            loudness = LUFS_OFFSET + 10 * np.log10(short_term)
        audible = loudness > ABSOLUTE_GATE_LUFS
        if not audible.any():
            return None
        relative_gate = lufs(float(np.mean(short_term[audible]))) + LRA_RELATIVE_GATE_LU
        low, high = np.percentile(loudness[audible & (loudness > relative_gate)], LRA_PERCENTILES)
        return float(high - low)


# --- true peak (ITU-R BS.1770-4, annex 2) ------------------------------------------------

#: 4× oversampling for the true peak (ITU-R BS.1770-4, annex 2) with scipy's resample_poly filter
#: (a Kaiser-windowed sinc, β 5, 81 taps), applied only where a peak could be: frame t's
#: oversampled value at phase k is sum(taps[k::4] · samples around t).
OVERSAMPLING = 4
_HALF_TAPS = 10 * OVERSAMPLING
#: How many frames on each side of a frame its oversampled values reach.
REACH = _HALF_TAPS // OVERSAMPLING + 1


@cache
def oversampling_taps() -> np.ndarray:
    """resample_poly's 4× interpolation filter (float32), made on first use (see the module's note)."""
    from scipy.signal import firwin

    taps: np.ndarray = (firwin(2 * _HALF_TAPS + 1, 1 / OVERSAMPLING, window=("kaiser", 5.0)) * OVERSAMPLING)
    return taps.astype(np.float32)


@cache
def phase_gain() -> float:
    """The most an oversampled value can be, as a multiple of the largest |sample| within REACH
    (the largest sum of |taps| of a phase; a little over, for float rounding).

    >>> round(phase_gain(), 3)
    2.241
    """
    taps = oversampling_taps()
    return float(max(np.abs(taps[k::OVERSAMPLING]).sum() for k in range(OVERSAMPLING))) * (1 + 1e-5)
#: An exact pass covers at most this many frames at a time, so memory stays flat.
_EXACT_FRAMES = 1 << 16


class PeakEnvelope:
    """Per frame of ``audio``, the highest 4× oversampled |value| on any channel from it to the
    next frame. Oversampling is computed only where the value could reach a level asked for;
    elsewhere an upper bound stands in (the phase gain times the largest nearby |sample|), which
    already rules those frames out. Music spends most frames well under its peaks, so this is a
    few percent of the work of oversampling everything, with the same result where it counts."""

    def __init__(self, audio: Audio, bound: np.ndarray | None = None) -> None:
        """``bound``: a known upper bound per frame (kept and refined), instead of the phase
        gain times the largest nearby |sample|."""
        self.audio = columns(audio)
        self.sample_peak = sample_peak(self.audio)
        if bound is None:
            bound = nearby_peaks(self.audio)
            bound *= np.float32(phase_gain())
        self.values: np.ndarray = bound
        self._exact = np.zeros(len(audio), dtype=bool)

    def at_least(self, level: float) -> np.ndarray:
        """The envelope, exact wherever it could reach ``level`` (under ``level`` elsewhere)."""
        runs = _runs((self.values >= level) & ~self._exact)
        for frames, peaks in oversampled_runs(self.audio, runs):
            self.values[frames] = peaks
            self._exact[frames] = True
        return self.values

    def peak(self) -> float:
        """The highest 4× oversampled |value| (0 for silence)."""
        return float(self.at_least(_PEAK_FLOOR * self.sample_peak).max()) if self.sample_peak > 0 else 0.0


#: Phase 0 of the oversampling is the sample itself (its centre tap is 1.0006, its others 0), so
#: the true peak is at least the sample peak: frames that cannot reach this much of it need no
#: oversampling to find the true peak.
_PEAK_FLOOR = 0.99




def true_peak(audio: Audio, chunk: int = 1 << 18) -> float:
    """The highest 4× oversampled |value| of ``audio`` (0 for silence), chunk by chunk with no
    per-frame envelope kept, oversampling only frames whose bound reaches the sample peak."""
    audio = columns(audio)
    highest = sample_peak(audio)
    peak = 0.0
    for start in range(0, len(audio), chunk):
        stop = min(len(audio), start + chunk)
        bound = nearby_peaks(audio, start, stop) * np.float32(phase_gain())
        runs = [(start + first, start + last) for first, last in _runs(bound >= _PEAK_FLOOR * highest)]
        for _, peaks in oversampled_runs(audio, runs):
            peak = max(peak, float(peaks.max()))
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


def nearby_peaks(audio: Audio, start: int = 0, stop: int | None = None, chunk: int = 1 << 18) -> np.ndarray:
    """For frames ``start`` to ``stop``, the largest |sample| on any channel within REACH
    frames (silence beyond the ends), chunk by chunk so memory stays flat."""
    stop = len(audio) if stop is None else stop
    nearby = np.empty(stop - start, dtype=np.float32)
    for first in range(start, stop, chunk):
        last = min(stop, first + chunk)
        lo, hi = max(0, first - REACH), min(len(audio), last + REACH)
        around = sliding_extreme(_frame_peaks(audio[lo:hi]), REACH, REACH)
        nearby[first - start : last - start] = around[first - lo : last - lo]
    return nearby


def _frame_peaks(audio: np.ndarray) -> np.ndarray:
    """Per frame, the largest |sample| on any channel (channel by channel: numpy reduces a short
    inner axis slowly)."""
    peaks: np.ndarray = np.abs(audio[:, 0])
    for channel in range(1, audio.shape[1]):
        np.maximum(peaks, np.abs(audio[:, channel]), out=peaks)
    return peaks


def oversampled_peaks(audio: Audio, start: int, stop: int) -> np.ndarray:
    """For frames ``start`` to ``stop``, the highest |value| on any channel of ``audio`` 4×
    oversampled, each over its 4 phases (scipy's upfirdn with the resample_poly filter; the
    samples before and after ``audio`` count as silence, as in resample_poly)."""
    from scipy.signal import upfirdn

    taps = oversampling_taps()
    peaks = np.empty(stop - start, dtype=np.float32)
    for first in range(start, stop, _EXACT_FRAMES):
        last = min(stop, first + _EXACT_FRAMES)
        lo, hi = max(0, first - REACH), min(len(audio), last + REACH)
        planar = np.ascontiguousarray(audio[lo:hi].T, dtype=np.float32)
        skip = _HALF_TAPS + OVERSAMPLING * (first - lo)
        dense = upfirdn(taps, planar, OVERSAMPLING, 1, axis=-1)[:, skip : skip + OVERSAMPLING * (last - first)]
        phases = _frame_peaks(dense.T).reshape(-1, OVERSAMPLING)
        peaks[first - start : last - start] = _frame_peaks(phases)
    return peaks


#: Frames (with their reach) oversampled in one call of :func:`oversampled_runs`.
_BATCH_FRAMES = 1 << 18


def oversampled_runs(audio: Audio, runs: Sequence[tuple[int, int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """:func:`oversampled_peaks` of every (start, stop) run of ``runs`` (in order, apart), as
    (frame indices, their peaks) a batch at a time: the runs with their reach on each side (silence
    beyond the ends) laid end to end and oversampled in one upfirdn call. Each value depends only
    on the samples within its reach, summed in the same order, so these are the very floats
    :func:`oversampled_peaks` gives run by run, without its cost per call (a limited bed has
    thousands of short runs near its ceiling)."""
    from scipy.signal import upfirdn

    audio = columns(audio)
    taps, reach = oversampling_taps(), REACH
    pieces = [(first, min(stop, first + _EXACT_FRAMES)) for start, stop in runs
              for first in range(start, stop, _EXACT_FRAMES)]
    batch: list[tuple[int, int]] = []
    size = 0  # the batch's frames with their reach
    for index, (start, stop) in enumerate(pieces):
        batch.append((start, stop))
        size += stop - start + 2 * reach
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        if following is not None and size + following[1] - following[0] + 2 * reach <= _BATCH_FRAMES:
            continue
        joined = np.concatenate([_reached(audio, first, last) for first, last in batch])
        dense = upfirdn(taps, np.ascontiguousarray(joined.T, dtype=np.float32), OVERSAMPLING, 1, axis=-1)
        phases = _frame_peaks(dense[:, _HALF_TAPS : _HALF_TAPS + OVERSAMPLING * len(joined)].T)
        peaks = _frame_peaks(phases.reshape(-1, OVERSAMPLING))
        starts, lengths = np.array(batch).T
        lengths = lengths - starts
        offsets = np.repeat(np.cumsum(lengths + 2 * reach) - lengths - reach, lengths)
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        yield np.repeat(starts, lengths) + within, peaks[offsets + within]
        batch, size = [], 0


def _reached(audio: Audio, start: int, stop: int) -> np.ndarray:
    """Frames ``start`` to ``stop`` of ``audio`` with REACH frames on each side, silence beyond its ends."""
    lo, hi = start - REACH, stop + REACH
    inside = np.asarray(audio[max(0, lo) : min(len(audio), hi)], dtype=np.float32)
    if lo >= 0 and hi <= len(audio):
        return inside
    return np.pad(inside, ((max(0, -lo), max(0, hi - len(audio))), (0, 0)))


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


def true_peak_dbtp(audio: Audio) -> float:
    """True peak in dBTP: the sample peak after 4× oversampling (ITU-R BS.1770-4, annex 2).

    >>> tone = np.sin(np.arange(4410) * 2 * np.pi / 4 + np.pi / 4)[:, None] * 0.5
    >>> round(true_peak_dbtp(tone))  # samples at ±0.354, the wave peaks at 0.5 between them
    -6
    """
    peak = true_peak(audio)
    return 20 * math.log10(peak) if peak > 0 else -math.inf
