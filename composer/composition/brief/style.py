"""The style a brief names ("lo-fi hip hop", "bossa nova", "80s synthwave", "reggae"), read
longest phrase first, and the style a flag or brief file names.

It runs before the length and takes from the reader only a phrase with a figure in it, an era
("80s synthwave", "90s hip hop") the length would misread as seconds, or with a word the style
says it takes (the "reel" of "irish reel", which is no social-media reel). Other words it
leaves: a style's word may mean something more ("jazz" is a mood, "techno" a colour, "waltz" a
meter) and the lexicon still reads it. The chosen style's words the lexicon does not know leave
``ignored_words``, as every used word does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from composer.base.errors import ComposerError
from composer.composition.brief.reader import Reader, normalise
from composer.composition.styles import style_words, styles


@dataclass(frozen=True)
class NamedStyle:
    """The style a brief names (None: the use case's own), the phrases that named it, and the
    other styles it names too, which do not play, with their phrases and those of the scenes
    that called for other styles (read, not ignored; the styles named in a note)."""

    name: str | None = None
    words: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    others_words: tuple[str, ...] = ()

    def unused(self, ignored: Sequence[str]) -> tuple[str, ...]:
        """``ignored`` without the words of the phrases that named the style or another one.

        >>> NamedStyle("bossa nova", ("bossa nova",)).unused(["bossa", "nova", "blorp"])
        ('blorp',)
        >>> NamedStyle("jazz swing", ("jazz trio",), ("jazz ballad",), ("hotel lobby",)).unused(["hotel", "lobby"])
        ()
        """
        used = [word for phrase in (*self.words, *self.others_words) for word in phrase.split()]
        kept = []
        for word in ignored:
            if word in used:
                used.remove(word)
            else:
                kept.append(word)
        return tuple(kept)

    @property
    def band(self) -> bool:
        """Whether the style is played by a band (its palette names more than one instrument),
        not by one soloist (solo piano).

        >>> NamedStyle("pop").band, NamedStyle("solo piano").band, NamedStyle().band
        (True, False, False)
        """
        if self.name is None:
            return False
        return len({p for programs in styles()[self.name].palette.values() for p in programs}) > 1

    @property
    def notes(self) -> tuple[str, ...]:
        """A note when the brief names more than one style."""
        if not self.others:
            return ()
        return (f"the brief names more than one style ({', '.join((str(self.name), *self.others))}): "
                f"the first, {self.name}, plays",)


def find_style(reader: Reader) -> NamedStyle:
    """The first style the untaken words name, each phrase read longest first, with every
    phrase of the brief that names it ("twelve-bar blues shuffle": two); a scene's style
    ("hotel lobby") only where no style is named by its words, and then not noted as another.

    >>> find_style(Reader("chill lo-fi hip hop beat for studying")).name
    'lo-fi hip hop'
    >>> reader = Reader("an 80s synthwave drive, then some jazz")
    >>> found = find_style(reader)
    >>> found.name, found.words, found.others, [word for _, word in reader.untaken_words()][:2]
    ('synthwave', ('80s synthwave',), ('jazz swing',), ['an', 'drive'])
    >>> find_style(Reader("a twelve-bar blues shuffle")).words
    ('twelve-bar blues', 'shuffle')
    >>> found = find_style(Reader("a hotel lobby with a bossa nova feel"))
    >>> found.name, found.others, found.others_words
    ('bossa nova', (), ('hotel lobby',))
    >>> find_style(Reader("calm piano for an interview")).name is None
    True
    >>> reader = Reader("an irish reel for a travel vlog")
    >>> find_style(reader).name, [word for _, word in reader.untaken_words()]
    ('celtic reel', ['an', 'for', 'a', 'travel', 'vlog'])
    """
    table = style_words()
    longest = max(len(phrase.split()) for phrase in table)
    tokens = reader.untaken_words()
    words = [word for _, word in tokens]
    found: list[tuple[str, str, int]] = []  # (phrase, style, index of its first word)
    i = 0
    while i < len(words):
        phrase = next((" ".join(words[i : i + n]) for n in range(min(longest, len(words) - i), 0, -1)
                       if " ".join(words[i : i + n]) in table), "")
        if phrase:
            found.append((phrase, table[phrase], i))
            i += len(phrase.split())
        else:
            i += 1
    if not found:
        return NamedStyle()
    # a style named by its own words outranks one a scene calls for, wherever each stands
    by_words = [style for phrase, style, _ in found if phrase not in styles()[style].scenes]
    name = by_words[0] if by_words else found[0][1]
    chosen = [(phrase, first) for phrase, style, first in found if style == name]
    for phrase, first in chosen:
        if any(c.isdigit() for c in phrase) or set(phrase.split()) & set(styles()[name].takes):
            for position, word in tokens[first : first + len(phrase.split())]:
                match = re.compile(re.escape(word)).match(reader.text, position)
                if match:
                    reader.take(match)
    others = tuple(dict.fromkeys(style for style in by_words if style != name))
    others_words = tuple(dict.fromkeys(phrase for phrase, style, _ in found if style != name))
    return NamedStyle(name, tuple(dict.fromkeys(phrase for phrase, _ in chosen)), others, others_words)


def style_named(text: str) -> str:
    """The style a flag or a brief file names, by its name or any of its words.

    >>> style_named("Bossa"), style_named("jazz swing")
    ('bossa nova', 'jazz swing')
    """
    key = normalise(text).strip()
    if key in styles():
        return key
    if key in style_words():
        return style_words()[key]
    raise ComposerError(f"unknown style {text!r}", f"use one of: {', '.join(styles())} (see `composer styles`)")
