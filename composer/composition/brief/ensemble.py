"""Who plays, as the brief asks: the instruments it names, whether they play alone ("solo
cello", "just piano"), a named ensemble ("string quartet"), a count of parts ("trio"), the
drums or a kit ("brushes"), what it excludes ("no drums", "without piano"), the palette
colours ("acoustic", "electronic") and notes on the families it mentions. Which role each
plays is the plan's decision."""

from __future__ import annotations

from collections.abc import Sequence

from composer.composition.brief.data import ensembles, lexicon
from composer.composition.brief.words import Meaning

_NO_VOCALS = "no vocals: composer writes instrumental music only"


def instruments(meanings: Sequence[Meaning]) -> tuple[int, ...]:
    """The General MIDI programs of the instruments named, each once, in order.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> instruments(read_words(Reader("cello and harp, no piano, two cellos")).meanings)
    (42, 46)
    """
    return tuple(dict.fromkeys(lexicon().instruments[m.value] for m in meanings if m.category == "instruments"))


def plain(meanings: Sequence[Meaning]) -> tuple[int, ...]:
    """The programs named only by a word that does not say which of its kind ("guitar", not
    "nylon guitar"), each once: the style decides which plays.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> plain(read_words(Reader("blues guitar and piano")).meanings), plain(read_words(Reader("nylon guitar")).meanings)
    ((25,), ())
    """
    words = lexicon().instruments
    named = [m for m in meanings if m.category == "instruments"]
    specific = {words[m.value] for m in named if m.value not in ensembles().plain_words}
    return tuple(dict.fromkeys(words[m.value] for m in named
                               if m.value in ensembles().plain_words and words[m.value] not in specific))


def alone(meanings: Sequence[Meaning]) -> bool:
    """Whether the named instruments (and drums, if named) play alone: an only word beside one of
    them ("just piano and strings", "drums only"), or a solo word beside the one instrument
    named ("solo cello", "solo piano with drums") or beside the drums ("a drum solo").

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [alone(read_words(Reader(text)).meanings) for text in ("sad solo cello", "piano only, with strings",
    ...                                                         "a solo horn, then strings", "cello", "drum solo")]
    [True, True, False, False, True]
    """
    if any(m.category == "only" for m in meanings):
        return True
    pitched = len(instruments(meanings))
    one = pitched == 1 or (pitched == 0 and names_drums(meanings))
    return (one or solo_list(meanings)) and not ensemble(meanings) and any(m.category == "solo" for m in meanings)


def solo_list(meanings: Sequence[Meaning]) -> bool:
    """Whether every instrument the brief names is in one list right after a solo word ("solo
    cello and piano", "solo violin, piano and harp"): a duo or trio as chamber music writes it,
    the first leading. "a solo horn, then strings" is two ideas, not one list.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [solo_list(read_words(Reader(text)).meanings) for text in ("solo cello and piano", "a solo horn, then strings")]
    [True, False]
    """
    named = [index for index, m in enumerate(meanings) if m.category == "instruments"]
    solos = [index for index, m in enumerate(meanings) if m.category == "solo"]
    if len(named) < 2 or not solos or solos[0] + 1 != named[0]:
        return False
    between = meanings[named[0] : named[-1] + 1]
    return all(m.category == "instruments" or (m.category == "filler" and m.phrase in ("and", "&")) for m in between)


def accompanies(meanings: Sequence[Meaning], band: bool) -> bool:
    """Whether the music a soloist joins ("X with a solo flute") is a band the soloist leads: a
    style played by a band (``band``), a colour ("warm strings"), or a kind of cue ("ambient
    drone", "underscore") under one soloist. A solo list after a kind ("underscore with solo
    cello and piano") is the duo itself.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [accompanies(read_words(Reader(text)).meanings, False) for text in (
    ...     "ambient drone with solo flute", "underscore with solo cello and piano", "solo piano")]
    [True, False, False]
    """
    kind_named = any(m.category == "kinds" for m in meanings) and not solo_list(meanings)
    return band or bool(colours(meanings)) or kind_named


#: Words that add a soloist to music named before them ("pop with a solo clarinet").
JOINING_WORDS = ("with", "featuring")


def joins(meanings: Sequence[Meaning]) -> bool:
    """Whether a solo word's instrument is added to music named before it: "with" or
    "featuring" just before the solo phrase ("corporate pop with a solo clarinet"), where the
    clarinet leads the band rather than playing alone.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [joins(read_words(Reader(text)).meanings) for text in ("pop with a solo clarinet", "sad solo cello",
    ...                                                         "strings featuring a violin solo")]
    [True, False, True]
    """
    previous = ""
    for meaning in meanings:
        if meaning.category == "filler" and meaning.phrase in ("a", "an", "the"):
            continue
        if meaning.category in ("solo", "instruments") and previous in JOINING_WORDS:
            return any(m.category == "solo" for m in meanings)
        previous = meaning.phrase if meaning.category == "filler" else ""
    return False


def names_drums(meanings: Sequence[Meaning]) -> bool:
    """Whether the brief asks for drums: the word ("piano and drums", "a steady beat") or a kit
    ("brushes"); "no drums" is an exclusion, not this.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [names_drums(read_words(Reader(text)).meanings) for text in ("just piano and drums", "jazz with brushes",
    ...                                                               "calm piano, no drums")]
    [True, True, False]
    """
    return any(m.category in ("kits", "grooves") or (m.category, m.value) == ("families", "drums") for m in meanings)


def named_roles(meanings: Sequence[Meaning]) -> tuple[str, ...]:
    """The parts the brief names by their role, not an instrument ("just drums and bass": the
    style's bass), each once; "no bass" is an exclusion, not this.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> named_roles(read_words(Reader("just drums and bass")).meanings), named_roles(read_words(Reader("no bass")).meanings)
    (('bass',), ())
    """
    return tuple(dict.fromkeys(m.value for m in meanings if m.category == "families" and m.value in ("bass", "melody")))


def featured(meanings: Sequence[Meaning]) -> tuple[int, ...]:
    """The programs a solo or lead word names ("a solo horn", "guitar lead"), each once: they lead.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> [featured(read_words(Reader(text)).meanings) for text in ("a solo horn, then strings", "blues, guitar lead")]
    [(60,), (25,)]
    """
    words = lexicon().instruments
    return tuple(dict.fromkeys(words[m.value] for m in meanings if m.category in ("solo", "lead") and m.value in words))


def ensemble(meanings: Sequence[Meaning]) -> str:
    """The named ensemble the brief asks for ("jazz trio"), or "".

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> ensemble(read_words(Reader("romantic string quartet")).meanings)
    'string quartet'
    """
    return _named(meanings, "ensembles")


def part_count(meanings: Sequence[Meaning]) -> int | None:
    """How many parts a count word asks for ("duo", "trio"), or None.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> part_count(read_words(Reader("cello and piano duo")).meanings)
    2
    """
    return next((ensembles().counts[m.value] for m in meanings if m.category == "counts"), None)


def groove(meanings: Sequence[Meaning]) -> str:
    """The groove the brief asks for over any style ("light percussion"), or "" for the style's.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> groove(read_words(Reader("calm guitar with light percussion")).meanings), groove(read_words(Reader("drums")).meanings)
    ('hand percussion', '')
    """
    return _named(meanings, "grooves")


def kit(meanings: Sequence[Meaning]) -> str:
    """The drum kit the brief names ("with brushes"), or "" for the style's own.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> kit(read_words(Reader("happy jazz trio with brushes")).meanings), kit(read_words(Reader("jazz trio")).meanings)
    ('brush', '')
    """
    return _named(meanings, "kits")


def exclusions(meanings: Sequence[Meaning]) -> tuple[str, ...]:
    """The families and instruments excluded ("no drums", "without piano"), each once; "vocals"
    leaves out the programs that sound like singing (a choir pad, voice oohs).

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> exclusions(read_words(Reader("no vocals, without drums, minus piano")).meanings)
    ('vocals', 'drums', 'piano')
    """
    return tuple(dict.fromkeys(m.value for m in meanings if m.category == "exclude"))


def colours(meanings: Sequence[Meaning]) -> tuple[str, ...]:
    """The palette colours named, each once, in order.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> colours(read_words(Reader("lo-fi chill bed, acoustic")).meanings)
    ('lofi', 'acoustic')
    """
    return tuple(dict.fromkeys(m.value for m in meanings if m.category == "colours"))


def family_notes(meanings: Sequence[Meaning]) -> list[str]:
    """What the report says about the families the brief mentions, in order.

    >>> from composer.composition.brief.words import read_words
    >>> from composer.composition.brief.reader import Reader
    >>> family_notes(read_words(Reader("with percussion, no vocals")).meanings)
    ["'percussion' noted: drums play where the style uses them", 'no vocals: composer writes instrumental music only']
    """
    notes = []
    for meaning in meanings:
        if meaning.category in ("exclude", "families") and meaning.value == "vocals":
            notes.append(_NO_VOCALS)
        elif meaning.category == "families":
            notes.append(f"'{meaning.phrase}' noted: {meaning.value} play where the style uses them")
    return notes


def _named(meanings: Sequence[Meaning], category: str) -> str:
    """The value of the brief's first meaning of ``category`` (an ensemble, kit or groove named
    by its words), or "" where it names none."""
    return next((m.value for m in meanings if m.category == category), "")
