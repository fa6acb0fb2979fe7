"""Loudness as ITU-R BS.1770 and EBU Tech 3342 define it: K-weighted power and loudness range."""

from __future__ import annotations

import math

import numpy as np

#: EBU Tech 3342 loudness range: short-term window, hop, gates and percentiles.
SHORT_TERM_S = 3.0
SHORT_TERM_HOP_S = 0.1
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -20.0
LRA_PERCENTILES = (10.0, 95.0)


def k_weighted_power(audio: np.ndarray, sample_rate: int, block: int) -> np.ndarray:
    """Mean square of the K-weighted signal (ITU-R BS.1770), channels weighted and summed, in
    consecutive blocks of ``block`` frames. Filtered in chunks, so memory stays flat."""
    from pyloudnorm.iirfilter import IIRfilter
    from scipy.signal import sosfilt, sosfilt_zi, tf2sos

    shelf = IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, sample_rate, "high_shelf")
    high_pass = IIRfilter(0.0, 0.5, 38.0, sample_rate, "high_pass")
    sos = np.vstack([tf2sos(shelf.b, shelf.a), tf2sos(high_pass.b, high_pass.a)])
    gains = (1.0, 1.0, 1.0, 1.41, 1.41)
    blocks = len(audio) // block
    power = np.zeros(blocks, dtype=np.float64)
    chunk = block * max(1, (1 << 20) // block)
    for channel in range(audio.shape[1]):
        state = sosfilt_zi(sos) * 0.0
        for start in range(0, blocks * block, chunk):
            piece = audio[start : min(start + chunk, blocks * block), channel].astype(np.float64)
            filtered, state = sosfilt(sos, piece, zi=state)
            squares = (filtered**2).reshape(-1, block).mean(axis=1)
            power[start // block : start // block + len(squares)] += gains[min(channel, 4)] * squares
    return power


def loudness_range(audio: np.ndarray, sample_rate: int) -> float | None:
    """Loudness range in LU (EBU Tech 3342): the spread between the 10th and 95th percentiles of
    the short-term loudness (3 s windows every 0.1 s), counting only windows above −70 LUFS and
    no more than 20 LU below their mean power. None for audio under 3 s or silence.

    >>> rate = 8000
    >>> t = np.arange(10 * rate) / rate
    >>> tone = np.sin(2 * np.pi * 1000 * t)[:, None].astype(np.float32)
    >>> round(loudness_range(np.concatenate([0.1 * tone, 0.0316 * tone]), rate))
    10
    """
    hop = max(1, round(SHORT_TERM_HOP_S * sample_rate))
    window = round(SHORT_TERM_S / SHORT_TERM_HOP_S)
    power = k_weighted_power(audio, sample_rate, hop)
    if len(power) < window:
        return None
    sums = np.concatenate([[0.0], np.cumsum(power)])
    short_term = (sums[window:] - sums[:-window]) / window
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(short_term)
    gated = loudness[loudness > ABSOLUTE_GATE_LUFS]
    if not len(gated):
        return None
    relative = -0.691 + 10 * math.log10(float(np.mean(10 ** ((gated + 0.691) / 10)))) + RELATIVE_GATE_LU
    gated = gated[gated > relative]
    low, high = np.percentile(gated, LRA_PERCENTILES)
    return float(high - low)
