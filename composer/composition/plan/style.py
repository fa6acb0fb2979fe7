"""The style the plan plays: the one the brief names, else its kind's or use case's, else the one
its mood calls for, else the default (``plan.toml`` [styles]). A style the brief chose (by name or
by a mood word) plays with its own sound; one it did not lends only its groove. A style without a
kit plays without drums; the drums play the style's GM2 kit ("power" for rock), or the one the
brief names ("brushes"). Whether drums play at all is the casting's (``sound.choose_roles``).
"""

from __future__ import annotations

from dataclasses import replace

from composer.base.errors import ComposerError
from composer.composition.brief import Brief, ensembles
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.plan.sound import DRUM_CHANNEL
from composer.composition.styles import Groove, Style, style_library, styles


def style_choice(brief: Brief) -> tuple[str, tuple[str, ...]]:
    """The style the brief plays and the words of the brief that chose it: the phrase that names
    it, or the mood word that calls for it; none where its kind or use case plays its own.

    >>> from composer.composition.brief import parse_text
    >>> briefs = ("reggae for a travel vlog", "tense trailer", "calm interview", "chill groovy music")
    >>> [style_choice(parse_text(text)) for text in briefs]
    [('reggae', ('reggae',)), ('trailer hybrid', ()), ('pop', ()), ('lo-fi hip hop', ('chill',))]
    """
    if brief.style:
        return brief.style, brief.style_words
    rules = plan_data().styles
    own = rules.kinds.get(brief.kind) or rules.presets.get(brief.preset)
    if own:
        return own, ()
    mood = next((word for word in brief.mood_words if word in rules.moods), None)
    return (rules.moods[mood], (mood,)) if mood else (rules.default, ())


def choose_style(brief: Brief) -> Style:
    """The brief's style, or the one its kind, use case or mood plays: one the brief did not
    choose plays its groove with the use case's own sound (today's bass, pads and chords).

    >>> from composer.composition.brief import parse_text
    >>> briefs = ("reggae for a travel vlog", "tense trailer", "calm interview")
    >>> [(style.name, style.bass) for style in map(choose_style, map(parse_text, briefs))]
    [('reggae', 'one_drop'), ('trailer hybrid', 'held'), ('pop', 'held')]
    """
    name, words = style_choice(brief)
    style = styles()[name]
    if words:
        return style
    return replace(style, palette={}, bass="held", comping="sustain", harmony="triads")


def chosen_by_mood(brief: Brief) -> bool:
    """Whether a mood word of the brief, not its words naming a style, chose the style."""
    return not brief.style and bool(style_choice(brief)[1])


def with_style_drums(roles: tuple[Role, ...], brief: Brief, style: Style) -> tuple[Role, ...]:
    """``roles`` with the drums on the kit the brief names ("brushes"), else the style's: its
    General MIDI 2 program (``ensembles.toml`` [kits]) is the drum Role's; a style without a
    kit plays without drums unless the brief names them ("solo piano with drums"). Drums the
    brief names are asked for: they play even where the energy stays under the groove's first level."""
    if style.drums is None and not brief.names_drums:
        return tuple(role for role in roles if role.role != "drums")
    groove = groove_for(style, roles, brief.groove)
    own = groove.kit if groove is not None else "standard"
    kit = Role("drums", kit_program(brief.kit or own), DRUM_CHANNEL, asked=brief.names_drums)
    return tuple(kit if role.role == "drums" else role for role in roles)


def groove_for(style: Style, roles: tuple[Role, ...], asked: str = "") -> Groove | None:
    """The groove the drums play: the one the brief ``asked`` for over any style ("light
    percussion": styles.toml [grooves]), else the style's, or, where drums named play in a style
    without a kit ("solo piano with drums"), the default style's.

    >>> groove_for(styles()["solo piano"], (Role("drums", 0, DRUM_CHANNEL),)) is not None
    True
    >>> groove_for(styles()["rock"], (Role("drums", 0, DRUM_CHANNEL),), "hand percussion").arrival
    'tambourine'
    """
    if asked and any(role.role == "drums" for role in roles):
        return style_library().grooves[asked]
    if style.drums is not None or not any(role.role == "drums" for role in roles):
        return style.drums
    return styles()[plan_data().styles.default].drums


def kit_program(kit: str) -> int:
    """The General MIDI 2 program (bank 128) of a drum kit named in ``ensembles.toml`` [kits].

    >>> kit_program("standard"), kit_program("brush"), kit_program("tr-808")
    (0, 40, 25)
    """
    kits = ensembles().kits
    if kit not in kits:
        raise ComposerError(f"unknown drum kit {kit!r} (in styles.toml or a brief)", f"use one of: {', '.join(kits)}")
    return kits[kit]
