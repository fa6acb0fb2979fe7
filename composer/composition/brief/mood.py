"""The mood a brief asks for: valence (dark −1 … bright 1) and arousal (calm −1 … energetic 1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from composer.composition.brief.data import lexicon
from composer.composition.brief.words import Meaning

#: How far apart (in arousal) a calm word and a wild one must be for the report to name the pair.
_CONTRADICTION = 1.2


class MoodWord(NamedTuple):
    """A mood word of the brief, its (valence, arousal) and the intensity word's scale."""

    word: str
    valence: float
    arousal: float
    intensity: float


def mood_words(meanings: Sequence[Meaning]) -> list[MoodWord]:
    """The brief's mood words in order, each with its lexicon mood.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> mood_words(read_words(Reader("very sad piano")).meanings)
    [MoodWord(word='sad', valence=-0.8, arousal=-0.4, intensity=1.4)]
    """
    return [MoodWord(m.phrase, *lexicon().moods[m.value], m.amount) for m in meanings if m.category == "moods"]


def mood(preset_mood: tuple[float, float], words: Sequence[MoodWord]) -> tuple[float, float]:
    """Valence and arousal: the preset's, pulled 70 % toward the mean of the brief's mood words.

    A modifier scales its word ("very sad" is sadder than "sad"); contradictions (a calm word
    and an aggressive one) are averaged, so the music sits between them.

    >>> mood((0.3, 0.0), []), mood((0.3, 0.0), [MoodWord("sad", -0.8, -0.4, 1.4)])
    ((0.3, 0.0), (-0.61, -0.392))
    """
    if not words:
        return preset_mood
    valence = _clamp(sum(w.valence * w.intensity for w in words) / len(words))
    arousal = _clamp(sum(w.arousal * w.intensity for w in words) / len(words))
    return (
        round(_clamp(0.3 * preset_mood[0] + 0.7 * valence), 3),
        round(_clamp(0.3 * preset_mood[1] + 0.7 * arousal), 3),
    )


def contradiction(words: Sequence[MoodWord]) -> list[str]:
    """A note naming the calmest and the wildest mood words when they pull apart, else none.

    >>> contradiction([MoodWord("calm", 0.2, -0.7, 1.0), MoodWord("aggressive", -0.4, 0.9, 1.0)])
    ["'calm' and 'aggressive' pull apart: the music sits between them"]
    """
    if not words:
        return []
    calmest = min(words, key=lambda w: w.arousal)
    wildest = max(words, key=lambda w: w.arousal)
    if wildest.arousal - calmest.arousal < _CONTRADICTION:
        return []
    return [f"'{calmest.word}' and '{wildest.word}' pull apart: the music sits between them"]


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))
