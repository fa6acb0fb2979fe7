"""What the music is for: the use-case preset and the cue kind (underscore, bed, stinger,
thematic, ambient), and whether it loops."""

from __future__ import annotations

from collections.abc import Sequence

from composer.composition.brief.checks import MAX_STINGER_S
from composer.composition.brief.data import Preset, lexicon
from composer.composition.brief.mood import MoodWord
from composer.composition.brief.words import Meaning


def preset_name(meanings: Sequence[Meaning]) -> str:
    """The first use case the brief names, or "general".

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> preset_name(read_words(Reader("calm underscore for a documentary interview")).meanings)
    'documentary'
    """
    return next((m.value for m in meanings if m.category == "preset"), "general")


def asks_loop(meanings: Sequence[Meaning]) -> bool:
    """Whether a kind word asks for a seamless loop.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> asks_loop(read_words(Reader("warm seamless loop for a podcast")).meanings)
    True
    """
    return any(m.category == "kinds" and m.phrase in lexicon().loop_words for m in meanings)


def cue_kind(meanings: Sequence[Meaning], preset: Preset, loop: bool, duration_s: float | None = None) -> str:
    """The first kind the brief names; else a bed for a loop; else a weak kind ("background")
    when no use case is named; else the preset's kind. A loop word names a bed only through
    ``loop``, so "a looping theme" is a thematic loop. Kind follows length: a word naming a
    moment ("hit", "reveal") is a stinger only in a cue no longer than a stinger.

    >>> from composer.composition.brief.data import presets
    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [cue_kind(read_words(Reader(text)).meanings, presets()[preset], loop)
    ...  for text, preset, loop in [("looping theme", "general", True), ("background music", "general", False),
    ...                              ("background music", "product", False)]]
    ['thematic', 'bed', 'thematic']
    >>> documentary = presets()["documentary"]
    >>> [cue_kind(read_words(Reader("tense cue, a hit")).meanings, documentary, False, duration)
    ...  for duration in (None, 4, 90)]
    ['stinger', 'stinger', 'underscore']
    """
    long_cue = duration_s is not None and duration_s > MAX_STINGER_S
    named = [m.value for m in meanings if m.category == "kinds" and (m.value != "bed" or not loop)
             and not (long_cue and m.phrase in lexicon().moment_words)]
    if named:
        return named[0]
    if loop:
        return "bed"
    weak = [m.value for m in meanings if m.category == "weak_kinds"]
    if weak and preset.name == "general":
        return weak[0]
    return preset.kind



#: From this arousal a brief that names neither a kind nor a use case asks to be heard: "upbeat",
#: "energetic" or "aggressive" music is a theme, never a quiet underscore.
LIVELY_AROUSAL = 0.4
#: A mood word this energetic makes the music lead, whatever the use case's own kind, except
#: under a voice: an upbeat interview is still an underscore, only brighter and quicker.
DRIVING_AROUSAL = 0.55
UNDER_A_VOICE = ("documentary", "interview")


def lively_kind(kind: str, meanings: Sequence[Meaning], preset: Preset, arousal: float,
                style: str | None = None, driving: Sequence[MoodWord] = ()) -> str:
    """The kind where the brief names no kind: with no use case either, a theme where it names a
    style (a genre asked for by name is music to be heard, "80s synthwave", "a tango") or its
    mood is lively (arousal from LIVELY_AROUSAL); with a use case whose own is an underscore and
    not one under a voice, a theme where one of its mood words ``driving`` drives (arousal from
    DRIVING_AROUSAL: "upbeat corporate", "energetic brand film"); else ``kind``.

    >>> from composer.composition.brief.data import presets
    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [lively_kind("underscore", read_words(Reader(text)).meanings, presets()["general"], arousal)
    ...  for text, arousal in (("energetic track", 0.56), ("energetic underscore", 0.56), ("calm music", -0.5))]
    ['thematic', 'underscore', 'underscore']
    """
    named = any(m.category in ("kinds", "weak_kinds") for m in meanings)
    if kind != "underscore" or named:
        return kind
    if preset.name == "general" and (style or arousal >= LIVELY_AROUSAL):
        return "thematic"
    if preset.name not in UNDER_A_VOICE and any(word.arousal * word.intensity >= DRIVING_AROUSAL for word in driving):
        return "thematic"  # "upbeat corporate": music that drives is never a quiet underscore
    return kind
