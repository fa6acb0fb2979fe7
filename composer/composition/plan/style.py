"""The style the plan plays: the one the brief names, else its kind's or use case's, else the one
its mood calls for, else the default (``plan.toml`` [styles]). A style the brief chose (by name or
by a mood word) plays with its own sound; one it did not lends only its groove. A named style's
kit brings drums to every kind with a pulse, even where the use case has none, a mood's to a
theme or a bed; a style without a kit plays without; "no drums" still wins.
"""

from __future__ import annotations

from dataclasses import replace

from composer.composition.brief import Brief
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.plan.sound import DRUM_CHANNEL
from composer.composition.styles import Style, styles

#: The kinds of cue a named style's kit plays in: all but ambient, which has no pulse. An
#: underscore's drums follow its low energy (a groove's first level, or rest below it), so
#: "reggae for an interview" keeps its one drop under the voice.
DRUM_KINDS = ("thematic", "bed", "stinger", "underscore")
#: The kinds a style chosen by a mood word brings its kit to: an underscore stays out of the way.
MOOD_DRUM_KINDS = ("thematic", "bed")


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


def with_style_drums(roles: tuple[Role, ...], brief: Brief, style: Style) -> tuple[Role, ...]:
    """``roles`` with drums where the style wants them: none for a style without a kit, and a
    kit for a chosen style's (a named one's in the kinds that have drums, a mood's in a theme or
    a bed) unless the brief excludes them or fixes who plays (a solo, a named ensemble, a count
    of parts)."""
    has_drums = any(role.role == "drums" for role in roles)
    if style.drums is None:
        return tuple(role for role in roles if role.role != "drums")
    cast_fixed = brief.alone or bool(brief.ensemble) or brief.part_count is not None
    kinds = DRUM_KINDS if brief.style else MOOD_DRUM_KINDS if style_choice(brief)[1] else ()
    if not has_drums and not cast_fixed and brief.kind in kinds and "drums" not in brief.exclude:
        return (*roles, Role("drums", 0, DRUM_CHANNEL))
    return roles
