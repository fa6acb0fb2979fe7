"""The style the plan plays: the one the brief names, else its kind's or use case's
(``plan.toml`` [styles]). A named style's kit brings drums to every kind with a pulse, even
where the use case has none; a style without a kit plays without; "no drums" still wins.
"""

from __future__ import annotations

from composer.composition.brief import Brief
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.plan.sound import DRUM_CHANNEL
from composer.composition.styles import Style, styles

#: The kinds of cue a named style's kit plays in: all but ambient, which has no pulse. An
#: underscore's drums follow its low energy (a groove's first level, or rest below it), so
#: "techno, 128 bpm", read as an underscore for want of a use case, still has its kick.
DRUM_KINDS = ("thematic", "bed", "stinger", "underscore")


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
    """``roles`` with drums where the style wants them: none for a style without a kit, and a
    kit for a named style's in the kinds that have drums unless the brief excludes them or fixes
    who plays (a solo, a named ensemble, a count of parts)."""
    has_drums = any(role.role == "drums" for role in roles)
    if style.drums is None:
        return tuple(role for role in roles if role.role != "drums")
    cast_fixed = brief.alone or bool(brief.ensemble) or brief.part_count is not None
    if (brief.style and not has_drums and not cast_fixed and brief.kind in DRUM_KINDS
            and "drums" not in brief.exclude):
        return (*roles, Role("drums", 0, DRUM_CHANNEL))
    return roles
