"""Timing fitted to the exact duration: whole bars at a tempo inside the use case's range, then a
release ("tail") that ends exactly at the requested second; a stinger's pickup into its hit.
"""

from __future__ import annotations

import math

from composer.base.exact import Fraction
from composer.composition.brief import Brief, Preset, lexicon, presets
from composer.composition.plan.model import Timing
from composer.composition.plan.timeline import CutTiming, Segment, fit_to_events
from composer.composition.styles import styles


def fit_timing(brief: Brief, preset: Preset, ending: str) -> CutTiming:
    """Tempo, meter, bars, pickup and release fitted to the brief's exact duration: the brief's
    meter, else its named style's, else the use case's; cut to the brief's events (and to a
    button's final beat) where it has them."""
    meter = brief.meter or (styles()[brief.style].meter if brief.style else preset.meter)
    low, high = tempo_range(brief)
    wanted = Fraction(brief.tempo_bpm).limit_denominator(1000) if brief.tempo_bpm else _tempo_from_arousal(brief, low, high)
    duration = Fraction(brief.duration_s)  # exact: a float is a binary fraction
    if brief.kind != "stinger" and (brief.events or ending == "button"):
        return fit_to_events(brief.events, duration, wanted, meter, ending)
    timing = _fit_whole(brief, duration, wanted, low, high, meter, ending)
    return CutTiming(timing, (Segment(0, timing.bars, "play"),))


def _fit_whole(brief: Brief, duration: Fraction, wanted: Fraction, low: int, high: int, meter: tuple[int, int],
               ending: str) -> Timing:
    """One tempo for the whole piece (a stinger's pickup into its hit)."""
    if brief.kind == "stinger":
        tempo, pickup_q, tail = _fit_stinger(duration, wanted)
        return Timing(tempo, meter, 0, pickup_q, tail)
    fixed = brief.tempo_bpm is not None
    tempo, bars, tail, meter = _fit_form(duration, wanted, low, high, meter, ending == "loop", fixed)
    return Timing(tempo, meter, bars, Fraction(0), tail)


#: Mood words that ask for a slow tempo: they lower the range (``_slowed``).
SLOW_WORDS = ("slow", "slower")


def tempo_range(brief: Brief) -> tuple[int, int]:
    """The tempo range: the named style's, else the use case's; a slow brief's lower; an ambient
    cue's slower still.

    >>> from composer.composition.brief import parse_text
    >>> tempo_range(parse_text("reggae for a product video")), tempo_range(parse_text("a product video"))
    ((66, 84), (120, 140))
    >>> tempo_range(parse_text("sad, slow")), tempo_range(parse_text("a slow bossa nova"))
    ((64, 95), (96, 135))
    >>> tempo_range(parse_text("mournful solo cello")), tempo_range(parse_text("mournful memorial video"))
    ((64, 95), (60, 80))
    >>> tempo_range(parse_text("relaxed jazz trio")), tempo_range(parse_text("upbeat jazz trio"))
    ((88, 145), (110, 180))
    """
    low, high = styles()[brief.style].tempo if brief.style else presets()[brief.preset].tempo
    if (any(word in SLOW_WORDS for word in brief.mood_words) or (_grieving(brief) and low + high > 2 * GRIEVING_BPM)
            or (_calm(brief) and low + high > 2 * CALM_BPM)):
        low, high = _slowed(low, high)
    if brief.kind == "ambient":
        return min(low, 50), min(high, 70)
    return int(low), int(high)


#: A mood word at or under this valence and arousal grieves (sad, mournful, melancholy, somber):
#: the brief is played slow, as if it said so, where its range's middle is above GRIEVING_BPM.
GRIEVING_MOOD = (-0.6, -0.3)
GRIEVING_BPM = 80


#: A mood word at or under this arousal calms (calm, relaxed, gentle, peaceful): the brief is
#: played slow where its range's middle is above CALM_BPM (a relaxed jazz trio for a hotel
#: lobby swings at a walk, not at 140).
CALM_AROUSAL = -0.5
CALM_BPM = 110


def _calm(brief: Brief) -> bool:
    moods = lexicon().moods
    return any(word in moods and moods[word][1] <= CALM_AROUSAL for word in brief.mood_words)


def _grieving(brief: Brief) -> bool:
    moods = lexicon().moods
    return any(word in moods and moods[word][0] <= GRIEVING_MOOD[0] and moods[word][1] <= GRIEVING_MOOD[1]
               for word in brief.mood_words)


def _slowed(low: int, high: int) -> tuple[int, int]:
    """A slow brief's range: from a fifth under the range's low end up to its middle, so "slow"
    sits low in its style or use case (arousal still picks within).

    >>> _slowed(80, 110), _slowed(60, 70)
    ((64, 95), (48, 65))
    """
    return round(low * 4 / 5), (low + high) // 2


def _tempo_from_arousal(brief: Brief, low: int, high: int) -> Fraction:
    position = (brief.arousal + 1) / 2
    return Fraction(round(low + position * (high - low)))


def _fit_form(
    duration: Fraction, wanted: Fraction, low: int, high: int, meter: tuple[int, int], loop: bool, tempo_fixed: bool
) -> tuple[Fraction, int, Fraction, tuple[int, int]]:
    """Tempo, bar count, release and meter so that the piece ends exactly at ``duration`` seconds.

    The asked meter is tried first; when no whole number of its bars fits inside the tempo range
    (very short pieces, short loops) the bar is halved, down to a single beat, rather than
    pushing the tempo out of its range. Only when even that fails does the tempo bend.
    """
    for candidate in _shorter_meters(meter):
        fit = _fit_bars(duration, wanted, low, high, Fraction(4 * candidate[0], candidate[1]), loop, tempo_fixed)
        if fit is not None:
            return (*fit, candidate)
    beat = (1, meter[1])
    beat_q = Fraction(4, meter[1])
    if loop:
        return 60 * beat_q / duration, 1, Fraction(0), beat
    release = min(Fraction(1), duration / 8)
    return 60 * beat_q / (duration - release), 1, release, beat


def _shorter_meters(meter: tuple[int, int]) -> list[tuple[int, int]]:
    """The meter, then bars of half its length (while whole), then one beat.

    >>> _shorter_meters((4, 4)), _shorter_meters((6, 8))
    ([(4, 4), (2, 4), (1, 4)], [(6, 8), (3, 8), (1, 8)])
    """
    result = [meter]
    beats = meter[0]
    while beats % 2 == 0 and beats > 2:
        beats //= 2
        result.append((beats, meter[1]))
    if beats > 1:
        result.append((2, meter[1]) if beats % 2 == 0 else (1, meter[1]))
    return list(dict.fromkeys(result + [(1, meter[1])]))


def _fit_bars(
    duration: Fraction, wanted: Fraction, low: int, high: int, bar_q: Fraction, loop: bool, tempo_fixed: bool
) -> tuple[Fraction, int, Fraction] | None:
    """Tempo, bars and release for bars of ``bar_q`` quarters, or None if none fits the range.

    A loop has no release: whole bars fill the duration, so the tempo bends (within the range)
    to fit. Otherwise the tempo is a whole BPM near the wanted one and the final chord rings for
    up to about 3 s (longer when bars are long) to the end.
    """
    if loop:
        estimate = max(1, round(duration * wanted / (60 * bar_q)))
        if tempo_fixed:
            return 60 * bar_q * estimate / duration, estimate, Fraction(0)
        fits = [n for n in range(1, estimate * 2 + 2) if low <= 60 * bar_q * n / duration <= high]
        if not fits:
            return None
        bars = min(fits, key=lambda n: abs(60 * bar_q * n / duration - wanted))
        return 60 * bar_q * bars / duration, bars, Fraction(0)
    min_tail = min(Fraction(1), duration / 8)
    candidates = [wanted] if tempo_fixed else sorted(range(low, high + 1), key=lambda t: (abs(t - wanted), t))
    for tempo in candidates:
        bar_s = 60 * bar_q / Fraction(tempo)
        bars = math.floor((duration - min_tail) / bar_s)
        tail = duration - bars * bar_s
        if bars >= 1 and tail <= max(Fraction(3), bar_s / 2 + min_tail):
            return Fraction(tempo), bars, tail
    return None


def _fit_stinger(duration: Fraction, wanted: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """A stinger is a short pickup into one hit that rings to the exact end.

    The pickup takes about a third of the length in whole beats (at most two fifths), so the
    hit, the loudest moment, lands in the first half. Returns (tempo, pickup quarters, ring
    seconds).
    """
    beat_s = Fraction(60) / wanted
    latest_hit = duration * Fraction(2, 5)
    beats = max(1, round(duration / 3 / beat_s))
    while beats > 1 and beats * beat_s > latest_hit:
        beats -= 1
    pickup_q = Fraction(beats)
    tempo = wanted if beat_s <= latest_hit else 60 / latest_hit  # only a very short sting bends
    return tempo, pickup_q, duration - pickup_q * 60 / tempo
