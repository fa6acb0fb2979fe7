"""The words of a brief left after the figures are read, looked up in the lexicon.

One pass, left to right, turns them into ``Meaning``s (a phrase may mean several things at
once: "corporate" picks a preset and is a mood) and a list of the words it could not use. The
pass settles the things that depend on neighbours: an exclusion word ("no", "without") takes
the family or instrument right after it, an intensity word ("very", "slightly") scales the next
meaning, or the shape verb just before it ("builds slightly"), and a solo word ("solo",
"only") belongs to the instrument right beside it ("solo cello", "piano only"). The extractors
for each field then read the meanings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache

from composer.composition.brief.data import ensembles, lexicon, presets, presets_colours
from composer.composition.brief.reader import Reader

#: Shape verbs that say how the piece ends rather than mark its energy curve.
ENDING_VERBS = ("fade", "button", "ring")
#: A big finish is a build half again as strong as a plain one.
BIG_FINISH = 1.5
#: How close after a shape verb (in characters) an intensity word still scales it.
_SCALES_VERB_WITHIN = 12
#: A phrase's meanings: (category, value) in lookup order.
Entries = list[tuple[str, str]]
#: What may stand between a solo word and its instrument: spaces, a hyphen, an article.
_BESIDE = re.compile(r"(?:\s|-|\b(?:a|an|the)\b)*")
#: The meanings the words inside a named ensemble ("jazz trio") or kit ("jazz drums") keep: not
#: as instruments or counts, since the ensemble or kit says who plays.
_NOT_INSIDE_ENSEMBLES = frozenset({"instruments", "families", "filler", "exclude", "modifiers", "solo", "only",
                                   "lead", "counts", "ensembles", "kits", "grooves"})
#: Words that size a named ensemble and so mean nothing more inside it: the "big" of "big band"
#: (read as a big mood, it made a tense heist for a big band bright).
_ENSEMBLE_SIZES = frozenset({"big", "small", "large"})


@dataclass(frozen=True)
class Meaning:
    """One thing a phrase of the brief says.

    ``category`` is a lexicon table ("moods", "instruments", "kinds", …), "preset", "colours",
    "shape", "filler", "exclude" for what an exclusion word took, "ensembles", "counts" and
    "kits" and "grooves" (``data/ensembles.toml``), or "solo", "only" and "lead" for a solo, only or lead word beside an
    instrument, whose value is that instrument's phrase. ``value`` is the name the phrase stands for (a kind,
    preset, colour, shape verb or family); for the words whose lexicon value is a number (moods,
    modifiers, instruments, meters, counts) it is the word itself.
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
    >>> [(m.phrase, m.category, m.value) for m in read_words(Reader("solo cello; solo")).meanings]
    [('solo', 'solo', 'cello'), ('cello', 'instruments', 'cello')]
    >>> read_words(Reader("solo cello; solo")).ignored
    ('solo',)
    """
    meanings: list[Meaning] = []
    ignored: list[tuple[int, str]] = []
    ends: dict[int, int] = {}
    intensity = 1.0
    excluding = False
    for position, end, phrase, entries in _phrases(reader):
        ends[position] = end
        categories = dict(entries)
        if not entries:
            ignored.append((position, phrase))
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
            if "ensembles" in categories or "kits" in categories or "grooves" in categories:
                meanings += _inside_ensemble(position, phrase)
            intensity = 1.0
        excluding = False
    meanings, lone = _solo_words(reader.text, meanings, ends)
    ignored += lone
    return Words(tuple(meanings), tuple(phrase for _, phrase in sorted(ignored)))


def _inside_ensemble(position: int, phrase: str) -> list[Meaning]:
    """The meanings the words of a named ensemble or kit keep ("jazz" of "jazz trio" is still a
    mood, "electronic" of "electronic drums" a colour; the "big" of "big band" none)."""
    table, _ = _phrase_table()
    return [Meaning(position, word, category, value) for word in phrase.split() if word not in _ENSEMBLE_SIZES
            for category, value in table.get(word, []) if category not in _NOT_INSIDE_ENSEMBLES]


def _solo_words(text: str, meanings: list[Meaning], ends: dict[int, int]) -> tuple[list[Meaning], list[tuple[int, str]]]:
    """Each solo or only word given the instrument beside it. One with no instrument beside it
    means nothing: a solo word is reported as ignored, an only word is filler ("just some
    background music")."""
    kept: list[Meaning] = []
    ignored: list[tuple[int, str]] = []
    for meaning in meanings:
        if meaning.category not in ("solo", "only", "lead"):
            kept.append(meaning)
        elif (instrument := _instrument_beside(text, meanings, ends, meaning)) is not None:
            kept.append(replace(meaning, value=instrument.phrase))
        elif meaning.category == "solo":
            ignored.append((meaning.position, meaning.phrase))
    return kept, ignored


def _instrument_beside(text: str, meanings: list[Meaning], ends: dict[int, int], word: Meaning) -> Meaning | None:
    """The instrument (or the drums, the bass, or a kit) right after ``word`` ("solo cello"), else
    right before it ("piano only", "drums and bass only"), with nothing but spaces, a hyphen or an article
    between them."""
    words = [m for m in meanings if m.category != "filler"]
    after = [m for m in words if m.position > word.position]
    before = [m for m in words if m.position < word.position]
    neighbours: list[tuple[int, int, list[Meaning]]] = []
    if after:
        first = min(m.position for m in after)
        neighbours.append((ends[word.position], first, [m for m in after if m.position == first]))
    if before:
        last = max(m.position for m in before)
        neighbours.append((ends[last], word.position, [m for m in before if m.position == last]))
    for start, end, candidates in neighbours:
        instrument = next((m for m in candidates if m.category in ("instruments", "kits")
                           or (m.category == "families" and m.value in ("drums", "bass"))), None)
        if instrument is not None and _BESIDE.fullmatch(text[start:end]):
            return instrument
    return None


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


def _phrases(reader: Reader) -> list[tuple[int, int, str, Entries]]:
    """(start, end, phrase, meanings) of the untaken words, the longest known phrase first; a
    word the lexicon does not know comes with no meanings.

    A plural the lexicon knows only in the singular ("cellos", "french horns", "moods") is read
    as the singular, for instruments and moods."""
    table, longest = _phrase_table()
    tokens = reader.untaken_words()
    words = [word for _, word in tokens]
    found: list[tuple[int, int, str, Entries]] = []
    i = 0
    while i < len(tokens):
        position, word = tokens[i]
        phrase, length = _longest_phrase(words, i, table, longest)
        if not phrase:
            phrase, length = word, 1
        last_position, last_word = tokens[i + length - 1]
        found.append((position, last_position + len(last_word), phrase, table.get(phrase, [])))
        i += length
    return found


def _longest_phrase(words: list[str], start: int, table: dict[str, Entries], longest: int) -> tuple[str, int]:
    """The longest known phrase starting at ``words[start]`` and how many words it spans, or
    ("", 0); a phrase ending in a plural reads as its singular where only that is an instrument
    or a mood."""
    for n in range(min(longest, len(words) - start), 0, -1):
        candidate = " ".join(words[start : start + n])
        if candidate in table:
            return candidate, n
        singular = _singular(candidate)
        if singular in table and any(c in ("instruments", "moods") for c, _ in table[singular]):
            return singular, n
    return "", 0


def _singular(phrase: str) -> str:
    """The phrase with its last word's plural "s" dropped, or "" if it has none.

    >>> _singular("french horns"), _singular("cello")
    ('french horn', '')
    """
    bare = phrase.strip("'-")
    return bare[:-1] if bare.endswith("s") and not bare.endswith("ss") else ""


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
    players = ensembles()
    for ensemble in players.ensembles:
        yield from ((word, "ensembles", ensemble.name) for word in ensemble.words)
    yield from ((word, "counts", word) for word in players.counts)
    yield from ((word, "kits", kit) for word, kit in players.kit_words.items())
    yield from ((word, "grooves", groove) for word, groove in players.groove_words.items())
    yield from ((word, "solo", word) for word in players.solo_words)
    yield from ((word, "only", word) for word in players.only_words)
    yield from ((word, "lead", word) for word in players.lead_words)
    for verb, phrases in lex.shape.verbs.items():
        yield from ((word, "shape", verb) for word in phrases)
    yield from ((word, "exclude", "") for word in lex.exclusion_prefixes)
    yield from ((word, "filler", "") for word in lex.filler)
