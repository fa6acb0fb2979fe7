"""The style the plan plays: the one the brief names, else its kind's or use case's
(``plan.toml`` [styles]). A style without a kit plays without drums; the drums play the
style's GM2 kit ("power" for rock), or the one the brief names ("brushes"). Whether drums play
at all is the casting's (``sound.choose_roles``).
"""

from __future__ import annotations

from composer.base.errors import ComposerError
from composer.composition.brief import Brief, ensembles
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.plan.sound import DRUM_CHANNEL
from composer.composition.styles import Style, styles


def choose_style(brief: Brief) -> Style:
    """The brief's style, or the one its kind or use case plays by default.

    >>> from composer.composition.brief import parse_text
    >>> briefs = ("reggae for a travel vlog", "tense trailer", "calm interview")
    >>> [choose_style(parse_text(text)).name for text in briefs]
    ['reggae', 'trailer hybrid', 'pop']
    """
    if brief.style:
        return styles()[brief.style]
    rules = plan_data().styles
    return styles()[rules.kinds.get(brief.kind) or rules.presets.get(brief.preset, rules.default)]


def with_style_drums(roles: tuple[Role, ...], brief: Brief, style: Style) -> tuple[Role, ...]:
    """``roles`` with the drums on the kit the brief names ("brushes"), else the style's: its
    General MIDI 2 program (``ensembles.toml`` [kits]) is the drum Role's; a style without a
    kit plays without drums."""
    if style.drums is None:
        return tuple(role for role in roles if role.role != "drums")
    kit = Role("drums", kit_program(brief.kit or style.drums.kit), DRUM_CHANNEL)
    return tuple(kit if role.role == "drums" else role for role in roles)


def kit_program(kit: str) -> int:
    """The General MIDI 2 program (bank 128) of a drum kit named in ``ensembles.toml`` [kits].

    >>> kit_program("standard"), kit_program("brush"), kit_program("tr-808")
    (0, 40, 25)
    """
    kits = ensembles().kits
    if kit not in kits:
        raise ComposerError(f"unknown drum kit {kit!r} (in styles.toml or a brief)", f"use one of: {', '.join(kits)}")
    return kits[kit]
