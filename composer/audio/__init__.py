"""Sound: soundfonts, FluidSynth rendering, mastering and delivery of audio files.

Works from MIDI alone (composer's or anyone's); never imports ``composition`` or ``notation``.
The package itself holds only the limits of what a user may ask (loudness, bit depth), so the
command line checks them without loading the audio stack (scipy alone takes a second).
"""

from __future__ import annotations

from composer.base.errors import ComposerError

#: The loudness targets a user may ask for, in LUFS: quieter is lost under any dialogue, louder
#: cannot keep its true peak under the ceiling. A composed piece's default is its plan's (per use).
MIN_LOUDNESS_LUFS, MAX_LOUDNESS_LUFS = -40.0, -5.0
#: The target for a MIDI file with no use case (`composer render`): web video's.
DEFAULT_LOUDNESS_LUFS = -16.0
#: The bit depths WAV and FLAC are written at, with their libsndfile subtypes.
BIT_DEPTHS = {16: "PCM_16", 24: "PCM_24"}


def check_loudness(loudness_lufs: float | None) -> float | None:
    """``loudness_lufs`` if audio can be mastered to it, else a clear error.

    >>> check_loudness(-14.0)
    -14.0
    """
    if loudness_lufs is not None and not MIN_LOUDNESS_LUFS <= loudness_lufs <= MAX_LOUDNESS_LUFS:
        bounds = f"{MIN_LOUDNESS_LUFS:g}…{MAX_LOUDNESS_LUFS:g} LUFS"
        raise ComposerError(f"loudness {loudness_lufs:g} LUFS is outside {bounds}",
                            "use e.g. -14 (social), -16 (web), -23 (broadcast)")
    return loudness_lufs


def check_bit_depth(bit_depth: int | None) -> int | None:
    """``bit_depth`` if WAV and FLAC can be written at it, else a clear error."""
    if bit_depth is not None and bit_depth not in BIT_DEPTHS:
        raise ComposerError(f"bit depth {bit_depth} is not supported",
                            f"use --bit-depth {' or '.join(map(str, BIT_DEPTHS))} (WAV and FLAC)")
    return bit_depth


__all__ = ["BIT_DEPTHS", "DEFAULT_LOUDNESS_LUFS", "MAX_LOUDNESS_LUFS", "MIN_LOUDNESS_LUFS", "check_bit_depth", "check_loudness"]
