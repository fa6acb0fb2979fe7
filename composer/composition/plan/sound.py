"""The sound: key and mode from the mood, the roles and their General MIDI programs (who plays
what: the named instruments in the roles their families suit, ``data/ensembles.toml``), the
motif's flavour and the swing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.base.general_midi import program_name
from composer.composition.brief import Brief, Preset, ensembles, lexicon, presets_colours
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.styles import Style, styles

#: Keys a player finds comfortable, by mode; the seed picks one when the brief names none.
COMFORTABLE_TONICS = {"major": ("C", "D", "Eb", "F", "G", "A", "Bb"), "minor": ("A", "B", "C", "D", "E", "F#", "G")}

#: General MIDI channel (0-based) per role; drums always on MIDI channel 10 (the counter-line's is plan data).
ROLE_CHANNELS = {"pad": 0, "bass": 1, "melody": 2, "ostinato": 3, "texture": 5, "timpani": 6, "drums": 9}

#: The order the parts are listed, written and mixed in (the kit last).
ROLE_ORDER = ("pad", "bass", "melody", "counter", "ostinato", "texture", "timpani")

#: The high bowed layer of an ambient cue whose preset names none (GM 92, bowed glass).
AMBIENT_TEXTURE = 92

#: An ambient bass is a held drone: a bass that cannot sustain (plucked, synth) gives way to a cello.
AMBIENT_DRONE = 42

DRUM_CHANNEL = 9

#: The kinds of cue a named style's kit (or named drums) plays in: all but ambient, which has no
#: pulse. An underscore's drums follow its low energy (a groove's first level, or rest below
#: it), so "techno, 128 bpm", read as an underscore for want of a use case, still has its kick.
DRUM_KINDS = ("thematic", "bed", "stinger", "underscore")
#: The kinds a style chosen by a mood word brings its kit to: an underscore stays out of the way.
MOOD_DRUM_KINDS = ("thematic", "bed")

#: Synthesizers and electric instruments, which an "acoustic" or "orchestral" brief replaces.
SYNTHETIC_PROGRAMS = frozenset({2, 3, 4, 5, 16, 17, 18, *range(26, 32), *range(33, 40), 50, 51, 62, 63,
                                *range(80, 104)})


SUSTAINING_PROGRAMS = set(range(16, 24)) | set(range(40, 45)) | set(range(48, 56)) | set(range(88, 96))
#: Solo winds and brass (trumpet, tuba, muted trumpet; saxophones, double reeds, clarinet, flutes
#: and pipes): one player sounds one note at a time, so a chord part one of them takes is its top
#: line. Trombones and horns are left out: a part for them is a section's.
SINGLE_LINE_PROGRAMS = frozenset({56, 58, 59, *range(64, 80)})


def choose_key(brief: Brief, rng: random.Random, style: Style) -> tuple[str, str]:
    """The brief's key, or a mode from its mood (``plan.toml`` [[mode_regions]]; the style's own
    where it plays in a few only) on a comfortable tonic."""
    if brief.key:
        tonic, mode = brief.key.split()
        return tonic, mode
    mode = "major" if brief.valence >= 0 else "minor"
    for region in plan_data().mode_regions:
        (v_low, v_high), (a_low, a_high) = region.valence, region.arousal
        if v_low <= brief.valence <= v_high and a_low <= brief.arousal <= a_high:
            mode = rng.choice(region.modes)
            break
    if style.modes and mode not in style.modes:
        mode = style.modes[0]
    family = "minor" if mode in ("minor", "dorian", "phrygian") else "major"
    if brief.kind == "stinger":
        mode = family  # two or three chords cannot establish a mode: a sting is major or minor
    return rng.choice(COMFORTABLE_TONICS[family]), mode


@dataclass(frozen=True)
class Casting:
    """Who plays which role, and what the plan could not do as the brief asked."""

    roles: tuple[Role, ...]
    notes: tuple[str, ...] = ()


def choose_roles(brief: Brief, preset: Preset, style: Style, mood_kit: bool = False) -> Casting:
    """Which roles play and on which General MIDI programs. The instruments the brief names (and
    its named ensemble) come first, each in the role its family suits; then, unless they are to
    play alone, the preset's roles around them as the cue's kind plays them, each on the style's
    palette program where it names one; then a count ("trio") keeps that many. A kit plays where
    the use case, a named style, the named ensemble or the brief's own word ("and drums") asks
    for one, or, with ``mood_kit``, a style a mood word chose (in a theme or a bed). Exclusions
    win throughout."""
    excluded: set[int | None] = {lexicon().instruments.get(word) for word in brief.exclude}
    if "vocals" in brief.exclude:
        excluded |= set(ensembles().voices)
    cast, notes = _cast_named(brief, style, excluded)
    if brief.alone or brief.ensemble:
        programs, drums = cast, _ensemble_drums(brief) or _asked_drums(brief, style, named=brief.names_drums)
        if brief.named_roles:  # "just drums and bass": the style's bass beside them
            band = _band(brief, preset, style, cast, excluded, drums)
            programs = {**{role: band[role] for role in brief.named_roles if role in band}, **cast}
    else:
        drums = (_drums(brief, preset) or _asked_drums(brief, style, named=bool(brief.style or brief.names_drums))
                 or (mood_kit and brief.kind in MOOD_DRUM_KINDS and _asked_drums(brief, style, named=True)))
        programs = {**_band(brief, preset, style, cast, excluded, drums), **cast}
        if brief.part_count is not None:
            programs, drums, counted = _to_count(brief.part_count, cast, programs, drums)
            notes += counted
    roles = [Role(role, programs[role], _channel(role), asked=cast.get(role) == programs[role])
             for role in ROLE_ORDER if role in programs]
    if drums:
        roles.append(Role("drums", 0, DRUM_CHANNEL))
    return Casting(tuple(roles), tuple(notes))


def _cast_named(brief: Brief, style: Style, excluded: set[int | None]) -> tuple[dict[str, int], list[str]]:
    """The roles of the leading named instruments, the named ensemble and the other named
    instruments, in that order, each in the first free role its family suits that the kind has
    a place for (one named by a plain word, "guitar", as the style's own of its kind; a leading
    one, unless it plays alone, the melody first: "big band with a muted trumpet lead" gives the
    muted trumpet the tune, where the band's trumpet kept it and the lead took the ostinato), a
    named instrument else in a role its family suits that the ensemble holds ("big
    band with a muted trumpet": the muted trumpet takes the band's trumpet part, where it was
    left out); a note for any that finds none."""
    cast: dict[str, int] = {}
    notes: list[str] = []
    solo = brief.alone and len(brief.instruments) == 1 and not brief.ensemble
    leading = [p for p in brief.featured if p in brief.instruments]
    named: list[tuple[int, tuple[str, ...], bool]] = []
    for program in [*leading, *(p for p in brief.instruments if p not in leading)]:
        family = ensembles().family(program)
        named.append((program, (family.solo, *family.roles) if solo or program in leading else family.roles, False))
    band: list[tuple[int, tuple[str, ...], bool]] = []
    if brief.ensemble:  # the parts the kind has a place for as they are first (an ambient quartet's cello is its bass)
        parts = ensembles().ensemble(brief.ensemble).parts.items()
        band = sorted(((program, (role,), True) for role, program in parts),
                      key=lambda part: _offered(brief.kind, part[1]) != part[1])
    from_ensemble: set[str] = set()
    for program, preferences, in_band in [*named[:len(leading)], *band, *named[len(leading):]]:
        if program in excluded:
            continue
        role = _free_role(brief, preferences, cast, lead=program in leading and not solo)
        if role is None and not in_band:  # a named instrument takes its family's part from the ensemble
            role = next((r for r in _offered(brief.kind, preferences) if r in from_ensemble), None)
            from_ensemble.discard(role or "")
        elif role is not None and in_band:
            from_ensemble.add(role)
        if role is None and in_band and preferences[0] in cast:
            notes.append(f"the {brief.ensemble}'s {_name(program)} gives its part to the {_name(cast[preferences[0]])} "
                         "the brief names")
        elif role is None:
            notes.append(f"{_name(program)} has no free part to play (named instruments take the roles their "
                         "families suit, one each): it is left out")
        else:
            # a plain word is the style's own instrument, as the brief colours it (a "gritty guitar": overdriven)
            cast[role] = _in_colours(brief, role, _styles_own(style, role, program)) if program in brief.plain else program
    return cast, notes


def _styles_own(style: Style, role: str, program: int) -> int:
    """The style's own instrument of ``program``'s kind (ensembles.toml [plain_words]) for
    ``role`` (else anywhere in its palette), else ``program``: a plain "guitar" in a blues band
    is its electric guitar, "horns" in a soul band its brass section."""
    first, last = ensembles().kin(program)
    kin = [p for p in (*style.palette.get(role, ()), *(p for ps in style.palette.values() for p in ps))
           if first <= p <= last]
    return kin[0] if kin else program


def _free_role(brief: Brief, preferences: tuple[str, ...], cast: dict[str, int], lead: bool = False) -> str | None:
    """The first role of ``preferences`` (then of the fallback roles) that the cue's kind has a
    place for, the brief does not exclude and no named instrument holds yet; a ``lead`` takes
    a role the kind keeps as itself (a bed's melody) before those it takes instead."""
    offered = _offered(brief.kind, (*preferences, *ensembles().fallback), lead)
    return next((role for role in offered if role not in cast and role not in brief.exclude), None)


def _offered(kind: str, roles: tuple[str, ...], lead: bool = False) -> tuple[str, ...]:
    """``roles`` as a cue of ``kind`` offers them: each that has no place in it replaced by the
    roles it takes instead (ensembles.toml [kind_roles]), each once; for a ``lead``, a role
    the kind still has comes first among them (a bed's tune is its ostinato, a lead's its melody).

    >>> _offered("ambient", ("melody", "ostinato", "pad")), _offered("bed", ("melody", "pad"))
    (('texture', 'pad'), ('ostinato', 'melody', 'pad'))
    >>> _offered("bed", ("melody", "pad"), lead=True)
    ('melody', 'ostinato', 'pad')
    """
    instead = ensembles().kind_roles.get(kind, {})

    def taken_for(role: str) -> tuple[str, ...]:
        roles = instead.get(role, (role,))
        return (role, *(r for r in roles if r != role)) if lead and role in roles else roles

    return tuple(dict.fromkeys(r for role in roles for r in taken_for(role)))


def _drums(brief: Brief, preset: Preset) -> bool:
    """Whether the preset's kit plays: in the kinds that have percussion, unless excluded."""
    return preset.drums and brief.kind in ("thematic", "bed", "stinger") and "drums" not in brief.exclude


def _asked_drums(brief: Brief, style: Style, named: bool) -> bool:
    """Whether a kit plays because the brief asks for it, by naming a style with a kit or the
    drums themselves: in the kinds with a pulse, unless excluded."""
    has_kit = style.drums is not None or brief.names_drums  # drums named play even in a style without a kit
    return named and has_kit and brief.kind in DRUM_KINDS and "drums" not in brief.exclude


def _ensemble_drums(brief: Brief) -> bool:
    """Whether a kit plays as a player of the named ensemble ("jazz trio"), unless excluded."""
    return bool(brief.ensemble) and ensembles().ensemble(brief.ensemble).drums and "drums" not in brief.exclude


def _band(brief: Brief, preset: Preset, style: Style, cast: dict[str, int], excluded: set[int | None],
          drums: bool) -> dict[str, int]:
    """The preset's roles the named instruments leave free, in the style's sound, recoloured, as
    the kind plays them: an ambient cue has no melody or ostinato and holds its bass as a drone;
    a bed with an ostinato has no melody of its own; a kit brings the preset's timpani; a pad
    always plays; a thematic cue adds a counter-line."""
    programs = _coloured(brief, preset, style, excluded)
    if drums:
        programs["timpani"] = _in_palette(style, "timpani", preset.timpani, excluded)
    else:
        programs["timpani"] = _in_palette(style, "timpani", HIT_TIMPANI, excluded) if _weighs_hits(brief) else -1
    band = {role: program for role, program in programs.items()
            if program >= 0 and program not in excluded and role not in brief.exclude and role not in cast}
    if brief.kind == "ambient":
        band.pop("melody", None)
        band.pop("ostinato", None)
        if "bass" in band and band["bass"] not in SUSTAINING_PROGRAMS:
            band["bass"] = AMBIENT_DRONE
    if brief.kind == "bed" and ("ostinato" in band or "ostinato" in cast):
        band.pop("melody", None)
    if "pad" not in band and "pad" not in cast:
        band["pad"] = 89 if 89 not in excluded else 48
    counter = _counter_program(brief, style, {**band, **cast}, excluded)
    if counter is not None and "counter" not in cast:
        band["counter"] = counter
    return band


#: The timpani that give a hit its weight in a cue without a kit (General MIDI 47).
HIT_TIMPANI = 47


def _weighs_hits(brief: Brief) -> bool:
    """Whether timpani join a kit-less cue to weigh its hits (a roll into each, the low root on
    it), as a film score's do: where the picture asks for a hit in a cue with a pulse or a
    theme, unless the brief rules out drums or percussion.

    >>> from composer.composition.brief import parse_text
    >>> _weighs_hits(parse_text("tense documentary underscore, 60 seconds, a hit at 0:40"))
    True
    >>> _weighs_hits(parse_text("tense documentary underscore, 60 seconds, a hit at 0:40, no drums"))
    False
    """
    return (any(e.kind == "hit" for e in brief.events) and brief.kind != "ambient"
            and not {"drums", "percussion", "timpani"} & set(brief.exclude))


def _coloured(brief: Brief, preset: Preset, style: Style, excluded: set[int | None]) -> dict[str, int]:
    """The preset's program per role (-1: none), with an ambient cue's texture, each role on
    the style's palette program where it names one (the use case says which roles play, the
    style how they sound; a named style without an ostinato has none), then recoloured by the
    brief's colours ("acoustic", "electronic")."""
    programs: dict[str, int] = dict(preset.programs)
    programs["texture"] = (AMBIENT_TEXTURE if preset.texture is None else preset.texture) if brief.kind == "ambient" else -1
    programs = {role: _in_palette(style, role, program, excluded) for role, program in programs.items()}
    if brief.style and "ostinato" not in style.palette:  # a named style's band has no use case's harp or marimba
        programs["ostinato"] = -1
    return {role: _in_colours(brief, role, program) for role, program in programs.items()}


def _in_colours(brief: Brief, role: str, program: int) -> int:
    """``program`` in ``role`` recoloured by each of the brief's colours in turn."""
    for colour in brief.colours:
        program = recoloured(colour, role, program)
    return program


def recoloured(colour: str, role: str, program: int) -> int:
    """``program`` in ``role`` as ``colour`` recolours it: the colour's program where it sets the
    role and replaces this program (an "acoustic" colour only synthesizers, "gritty" only clean
    guitars), else ``program``.

    >>> recoloured("gritty", "pad", 27), recoloured("gritty", "pad", 0), recoloured("acoustic", "pad", 48)
    (29, 0, 48)
    """
    spec = presets_colours()[colour]
    replaces = (spec.only is None or spec.only[0] <= program <= spec.only[1]) and (
        not spec.synthetic_only or program in SYNTHETIC_PROGRAMS)
    return spec.programs[role] if role in spec.programs and replaces else program


def _counter_program(brief: Brief, style: Style, programs: dict[str, int], excluded: set[int | None]) -> int | None:
    """The counter-line's program, if the cue wants one: a thematic cue (or a preset named in
    plan.toml) with a melody, and a program for it (the style's where it names one, else the
    use case's as the brief's colours recolour it) that the brief does not exclude: a chiptune
    answers its square lead with a sawtooth, not the use case's cello."""
    data = plan_data().counter
    if brief.kind not in data.kinds and brief.preset not in data.presets:
        return None
    if "melody" not in programs or "counter" in brief.exclude:
        return None
    program = _in_palette(style, "counter", data.programs.get(brief.preset, -1), excluded)
    for colour in brief.colours:  # a colour recolours the use case's counter, and a style's that it does not fit
        coloured = data.colours.get(colour, program)
        if coloured < 0 or "counter" not in style.palette or not _fits(colour, program):
            program = coloured
    if program < 0 or program in excluded or any(colour not in presets_colours() for colour in brief.colours):
        return None
    return program


def second_voice(brief: Brief, style: Style, roles: tuple[Role, ...]) -> Role | None:
    """A long bed's second voice for its scenes (plan.toml [scenes]): where the brief leaves the
    band to composer (no solo, ensemble or count) and the bed has a melody, its counter-line
    where the use case gave it one (in a bed it never reached its entry energy: a silent
    track), else the first instrument of its style's melody palette that no part plays, the
    brief does not exclude and its colours allow (no synthesizer in an "acoustic" bed), on the
    counter-line's channel; None where there is none.

    >>> from composer.composition.brief import parse_text
    >>> lofi = parse_text("warm lo-fi bed for a study stream, 5 minutes")
    >>> band = (Role("pad", 4, 0), Role("bass", 33, 1), Role("melody", 11, 2), Role("drums", 0, 9))
    >>> second_voice(lofi, styles()["lo-fi hip hop"], band)
    Role(role='counter', program=26, channel=4, asked=False)
    """
    present = {role.role: role for role in roles}
    if (brief.kind not in plan_data().scenes.second_voice_kinds or brief.alone or brief.ensemble
            or brief.part_count is not None or "counter" in brief.exclude or "melody" not in present):
        return None
    if "counter" in present:
        return None if present["counter"].asked else present["counter"]
    excluded = {lexicon().instruments.get(word) for word in brief.exclude}
    acoustic = any(presets_colours()[colour].synthetic_only for colour in brief.colours if colour in presets_colours())
    taken = {role.program for role in roles if role.role != "drums"}
    program = next((p for p in style.palette.get("melody", ()) if p not in taken | excluded
                    and not (acoustic and p in SYNTHETIC_PROGRAMS)), None)
    return None if program is None else Role("counter", program, _channel("counter"))


def _fits(colour: str, program: int) -> bool:
    """Whether ``program`` already has ``colour``'s sound: no synthesizer for an acoustic
    colour; else a synthesizer exactly where the colour's own melody is one (an electronic
    synthwave's synth brass fits, an orchestral rock's organ does not).

    >>> _fits("electronic", 62), _fits("orchestral", 18), _fits("acoustic", 42)
    (True, False, True)
    """
    spec = presets_colours()[colour]
    if spec.synthetic_only:
        return program not in SYNTHETIC_PROGRAMS
    return (program in SYNTHETIC_PROGRAMS) == (spec.programs.get("melody", -1) in SYNTHETIC_PROGRAMS)


def _in_palette(style: Style, role: str, program: int, excluded: set[int | None]) -> int:
    """The program ``role`` plays in ``style``: where the use case gives it one (``program`` ≥
    0), the first of the style's palette for it that the brief does not exclude; else
    ``program``.

    >>> rock = styles()["rock"]
    >>> _in_palette(rock, "melody", 0, set()), _in_palette(rock, "melody", 0, {29}), _in_palette(rock, "melody", -1, set())
    (29, 30, -1)
    """
    if program < 0:
        return program
    return next((p for p in style.palette.get(role, ()) if p not in excluded), program)


def _to_count(count: int, cast: dict[str, int], programs: dict[str, int],
              drums: bool) -> tuple[dict[str, int], bool, list[str]]:
    """The roles kept for a count of parts ("trio"), the kit counted as one: every named
    instrument, then the cue's own roles in ensembles.toml's fill order. Named instruments are
    never left out: more of them than the count all play, and a note says so."""
    kept = dict(cast)
    keep_drums = False
    for role in ensembles().fill_order:
        if len(kept) + keep_drums >= count:
            break
        if role == "drums":
            keep_drums = drums
        elif role in programs:
            kept[role] = programs[role]
    notes = [f"{len(cast)} instruments named for {count} parts: all of them play"] if len(cast) > count else []
    return kept, keep_drums, notes


def _channel(role: str) -> int:
    """The MIDI channel (0-based) of a role: the counter-line's is plan data."""
    return plan_data().counter.channel if role == "counter" else ROLE_CHANNELS[role]


def _name(program: int) -> str:
    """A program's General MIDI name in plain words, as a brief would write it.

    >>> _name(42), _name(0)
    ('cello', 'acoustic grand piano')
    """
    return program_name(program).lower()


def motif_flavour(brief: Brief) -> str:
    """The motif's character from the brief's first mood word that names one (plan.toml
    [motif_flavours]: playful, epic, tense), or "" for the plain one."""
    for word in brief.mood_words:
        for name, words in plan_data().motif_flavours.items():
            if word in words:
                return name
    return ""


def swing(brief: Brief, meter: tuple[int, int]) -> Fraction:
    """The share of each beat the first of two eighths takes: the named style's swing where it
    swings, else 1/2 (straight) unless the brief's colour or mood swings (plan.toml [swing], the
    largest found wins); compound meters never swing."""
    if meter[1] != 4:
        return Fraction(1, 2)
    if brief.style and styles()[brief.style].swing != Fraction(1, 2):
        return styles()[brief.style].swing
    swing = plan_data().swing
    ratios = [swing.colours.get(c) for c in brief.colours] + [swing.moods.get(w) for w in brief.mood_words]
    return max((r for r in ratios if r is not None), default=Fraction(1, 2))
