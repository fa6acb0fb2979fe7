"""composer.base.theory: the one theory core that composition and measure share.

Scales are checked against music21's own (every tonic spelling × every mode a brief may name),
parallels against their definition under transposition, and the ranges as a complete table.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from music21 import key as m21key

from composer.base.theory import (
    BASS_RANGE,
    GM_PROGRAMS,
    MODE_STEPS,
    gm_ranges,
    key_pitch_classes,
    parallel_perfect,
    pitch_class,
    scale_pitch_classes,
)

TONICS = [letter + accidental for letter in "CDEFGAB" for accidental in ("", "#", "b")]


@pytest.mark.parametrize("mode", sorted(MODE_STEPS))
@pytest.mark.parametrize("tonic", TONICS)
def test_scales_are_music21s(tonic: str, mode: str) -> None:
    """The mode table spells the same seven pitch classes as music21's Key (which composition
    used before the theory core had its own table)."""
    music21 = m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)
    assert scale_pitch_classes(tonic, mode) == frozenset(p.pitchClass for p in music21.getPitches())
    assert pitch_class(tonic) == music21.tonic.pitchClass


@pytest.mark.parametrize("tonic", TONICS)
def test_a_key_owns_its_scale_and_in_minor_the_raised_sixth_and_seventh(tonic: str) -> None:
    assert key_pitch_classes(tonic, "major") == scale_pitch_classes(tonic, "major")
    minor = key_pitch_classes(tonic, "minor")
    raised = {(pitch_class(tonic) + 9) % 12, (pitch_class(tonic) + 11) % 12}
    assert minor == scale_pitch_classes(tonic, "minor") | raised
    assert len(minor) == 9


@given(st.lists(st.integers(30, 90), min_size=4, max_size=4), st.integers(-24, 24))
def test_parallels_are_the_same_in_any_transposition(voices: list[int], shift: int) -> None:
    low_a, high_a, low_b, high_b = voices
    assert parallel_perfect(low_a, high_a, low_b, high_b) == parallel_perfect(
        low_a + shift, high_a + shift, low_b + shift, high_b + shift)


@given(st.integers(30, 60), st.sampled_from([0, 7, 12, 19, 24]), st.integers(-5, 5).filter(bool))
def test_perfect_intervals_moved_together_are_parallels(low: int, interval: int, move: int) -> None:
    assert parallel_perfect(low, low + interval, low + move, low + interval + move)
    assert not parallel_perfect(low, low + interval, low, low + interval)  # no motion
    assert not parallel_perfect(low, low + interval + 4, low + move, low + interval + 4 + move)  # a sixth or third


def test_every_gm_program_has_a_range_the_bass_fits_in_its_own() -> None:
    ranges = gm_ranges()
    assert set(ranges) == set(GM_PROGRAMS)
    assert all(low <= high for low, high in ranges.values())
    for bass_program in range(32, 40):
        low, high = ranges[bass_program]
        assert low <= BASS_RANGE.low and BASS_RANGE.high <= high


def test_exact_time_reads_text_without_touching_shared_bytes() -> None:
    """composer's Fraction (quicktions') reads "1" and "3/4" as the standard library does, and
    reading them leaves every one-byte bytes object as it was (quicktions' own parser wrote a
    one-character string's digit into CPython's shared b"\\x00", and so into every MIDI key
    signature mido packed after it)."""
    import fractions
    import struct

    from composer.base.exact import Fraction

    texts = ["0", "1", "7", "3/4", "0.5", " 2 ", "-1"]
    assert [Fraction(text) for text in texts] == [fractions.Fraction(text) for text in texts]
    assert all(struct.pack("B", value)[0] == value for value in range(256))
