"""The words of a brief left after the figures are read, looked up in the lexicon.

One pass, left to right, turns them into ``Meaning``s (a phrase may mean several things at
once: "corporate" picks a preset and is a mood) and a list of the words it could not use. The
pass settles the two things that depend on neighbours: an exclusion word ("no", "without")
takes the family or instrument right after it, and an intensity word ("very", "slightly")
scales the next meaning, or the shape verb just before it ("builds slightly"). The extractors
for each field then read the meanings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache

from composer.composition.brief.data import lexicon, presets, presets_colours
from composer.composition.brief.reader import Reader

#: Shape verbs that say how the piece ends rather than mark its energy curve.
ENDING_VERBS = ("fade", "button", "ring")
#: A big finish is a build half again as strong as a plain one.
BIG_FINISH = 1.5
#: How close after a shape verb (in characters) an intensity word still scales it.
_SCALES_VERB_WITHIN = 12
#: A phrase's meanings: (category, value) in lookup order.
Entries = list[tuple[str, str]]


@dataclass(frozen=True)
class Meaning:
    """One thing a phrase of the brief says.

    ``category`` is a lexicon table ("moods", "instruments", "kinds", …), "preset", "colours",
    "shape", "filler", or "exclude" for what an exclusion word took. ``value`` is the name the
    phrase stands for (a kind, preset, colour, shape verb or family); for the words whose
    lexicon value is a number (moods, modifiers, instruments, meters) it is the word itself.
    ``amount`` is the intensity word's scale.
    """

    position: int
    phrase: str
    category: str
    value: str
    amount: float = 1.0

    @property
    def marks_shape(self) -> bool:
        """Whether it puts a mark on the energy curve (a build, a drop, "steady", …)."""
        return self.category == "shape" and self.value not in ENDING_VERBS


@dataclass(frozen=True)
class Words:
    """What the lexicon made of a brief's words: their meanings, and the words it could not use."""

    meanings: tuple[Meaning, ...]
    ignored: tuple[str, ...]


def read_words(reader: Reader) -> Words:
    """Read every word no extractor has taken yet, longest phrases first.

    >>> words = read_words(Reader("no drums, very sad, builds slightly, blorp"))
    >>> [(m.phrase, m.category, m.value, m.amount) for m in words.meanings]
    [('drums', 'exclude', 'drums', 1.0), ('sad', 'moods', 'sad', 1.4), ('builds', 'shape', 'build', 0.5)]
    >>> words.ignored
    ('blorp',)
    """
    meanings: list[Meaning] = []
    ignored: list[str] = []
    intensity = 1.0
    excluding = False
    for position, phrase, entries in _phrases(reader):
        categories = dict(entries)
        if not entries:
            ignored.append(phrase)
        elif "exclude" in categories:
            excluding = True
            continue
        elif excluding and ("families" in categories or "instruments" in categories):
            meanings.append(Meaning(position, phrase, "exclude", categories.get("families", phrase)))
        elif "modifiers" in categories:
            intensity = lexicon().modifiers[phrase]
            if _scale_last_verb(meanings, position, intensity):
                intensity = 1.0
        else:
            meanings += [Meaning(position, phrase, category, value, intensity) for category, value in entries]
            intensity = 1.0
        excluding = False
    return Words(tuple(meanings), tuple(ignored))


def _scale_last_verb(meanings: list[Meaning], position: int, intensity: float) -> bool:
    """ "builds slightly": an intensity word right after an unscaled shape verb scales that verb.
    Returns whether it did."""
    last = next((i for i in reversed(range(len(meanings))) if meanings[i].marks_shape), None)
    if last is None or meanings[last].position < position - _SCALES_VERB_WITHIN or mark_amount(meanings[last]) != 1.0:
        return False
    meanings[last] = replace(meanings[last], amount=intensity)
    return True


def mark_amount(meaning: Meaning) -> float:
    """How strongly a shape verb changes the energy: its intensity, half again for a big finish."""
    return BIG_FINISH * meaning.amount if meaning.value == "big_finish" else meaning.amount


def _phrases(reader: Reader) -> list[tuple[int, str, Entries]]:
    """(position, phrase, meanings) of the untaken words, the longest known phrase first; a word
    the lexicon does not know comes with no meanings.

    A plural the lexicon knows only in the singular ("cellos", "moods") is read as the singular,
    for instruments and moods."""
    table, longest = _phrase_table()
    tokens = reader.untaken_words()
    words = [word for _, word in tokens]
    found: list[tuple[int, str, Entries]] = []
    i = 0
    while i < len(tokens):
        position, word = tokens[i]
        phrase = _longest_phrase(words, i, table, longest)
        if phrase:
            found.append((position, phrase, table[phrase]))
            i += len(phrase.split())
            continue
        singular = word.strip("'-")[:-1] if word.strip("'-").endswith("s") else ""
        if singular in table and any(c in ("instruments", "moods") for c, _ in table[singular]):
            found.append((position, singular, table[singular]))
        else:
            found.append((position, word, []))
        i += 1
    return found


def _longest_phrase(words: list[str], start: int, table: dict[str, Entries], longest: int) -> str:
    """The longest known phrase starting at ``words[start]``, or ""."""
    for n in range(min(longest, len(words) - start), 0, -1):
        candidate = " ".join(words[start : start + n])
        if candidate in table:
            return candidate
    return ""


@cache
def _phrase_table() -> tuple[dict[str, Entries], int]:
    """Every word or phrase the lexicon and presets know, with its meanings, and the length in
    words of the longest. A filler word is filler only when it means nothing else."""
    table: dict[str, Entries] = {}
    for word, category, value in _vocabulary():
        if category != "filler" or word not in table:
            table.setdefault(word, []).append((category, value))
    return table, max(len(p.split()) for p in table)


def _vocabulary() -> Iterator[tuple[str, str, str]]:
    """(phrase, category, value) for every phrase of the presets and the lexicon, in lookup order."""
    lex = lexicon()
    for preset in presets().values():
        yield from ((word, "preset", preset.name) for word in preset.words)
    word_tables: tuple[tuple[str, Mapping[str, object]], ...] = (
        ("moods", lex.moods), ("modifiers", lex.modifiers), ("kinds", lex.kinds), ("weak_kinds", lex.weak_kinds),
        ("meters", lex.meters), ("families", lex.families), ("instruments", lex.instruments),
    )
    for category, words in word_tables:
        yield from ((word, category, value if isinstance(value, str) else word) for word, value in words.items())
    for colour in presets_colours().values():
        yield from ((word, "colours", colour.name) for word in colour.words)
    for verb, phrases in lex.shape.verbs.items():
        yield from ((word, "shape", verb) for word in phrases)
    yield from ((word, "exclude", "") for word in lex.exclusion_prefixes)
    yield from ((word, "filler", "") for word in lex.filler)
