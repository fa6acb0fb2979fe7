"""Checks on what a brief asks for, shared by the text reader, brief files and flags: each
returns the value or raises a one-line ``ComposerError`` that says how to fix it."""

from __future__ import annotations

from composer.base.errors import ComposerError
from composer.composition.brief.model import KINDS, MAX_DURATION_S, MAX_TEMPO_BPM, MIN_DURATION_S, MIN_TEMPO_BPM


def check_duration(seconds: float) -> float:
    """A duration the composer can honour, or a clear error.

    >>> check_duration(90)
    90.0
    """
    if not seconds > 0:
        raise ComposerError(f"duration {seconds:g} s is not positive", "give a length such as 90 s or 1:30")
    if seconds < MIN_DURATION_S:
        raise ComposerError(f"duration {seconds:g} s is too short", f"give at least {MIN_DURATION_S:g} s")
    if seconds > MAX_DURATION_S:
        raise ComposerError(
            f"duration {seconds:g} s is longer than 60 minutes", "give at most 60 minutes, or compose it in parts"
        )
    return float(seconds)


def check_tempo(bpm: float) -> float:
    """A tempo in 20–300 BPM, or a clear error.

    >>> check_tempo(128)
    128.0
    """
    if not MIN_TEMPO_BPM <= bpm <= MAX_TEMPO_BPM:
        raise ComposerError(f"tempo {bpm:g} BPM is outside 20–300 BPM", "give a tempo such as 90 or 128")
    return float(bpm)


def check_kind(kind: str) -> str:
    """One of the five cue kinds, or a clear error.

    >>> check_kind("bed")
    'bed'
    """
    if kind not in KINDS:
        raise ComposerError(f"unknown kind {kind!r}", f"use one of: {', '.join(KINDS)}")
    return kind
