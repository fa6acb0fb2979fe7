"""The sound: key and mode from the mood, the roles and their General MIDI programs, the motif's
flavour and the swing.
"""

from __future__ import annotations

import random
from fractions import Fraction

from composer.composition.brief import Brief, Preset, lexicon, presets_colours
from composer.composition.plan.data import plan_data
from composer.composition.plan.model import Role
from composer.composition.styles import styles

#: Keys a player finds comfortable, by mode; the seed picks one when the brief names none.
COMFORTABLE_TONICS = {"major": ("C", "D", "Eb", "F", "G", "A", "Bb"), "minor": ("A", "B", "C", "D", "E", "F#", "G")}

#: General MIDI channel (0-based) per role; drums always on MIDI channel 10.
ROLE_CHANNELS = {"pad": 0, "bass": 1, "melody": 2, "ostinato": 3, "texture": 5, "timpani": 6, "drums": 9}

#: The high bowed layer of an ambient cue whose preset names none (GM 92, bowed glass).
AMBIENT_TEXTURE = 92

#: An ambient bass is a held drone: a bass that cannot sustain (plucked, synth) gives way to a cello.
AMBIENT_DRONE = 42

DRUM_CHANNEL = 9

#: Synthesizers and electric instruments, which an "acoustic" or "orchestral" brief replaces.
SYNTHETIC_PROGRAMS = frozenset({2, 3, 4, 5, 16, 17, 18, *range(26, 32), *range(33, 40), 50, 51, 62, 63,
                                *range(80, 104)})


SUSTAINING_PROGRAMS = set(range(16, 24)) | set(range(40, 45)) | set(range(48, 56)) | set(range(88, 96))


def choose_key(brief: Brief, rng: random.Random) -> tuple[str, str]:
    """The brief's key, or a mode from its mood (``plan.toml`` [[mode_regions]]) on a
    comfortable tonic."""
    if brief.key:
        tonic, mode = brief.key.split()
        return tonic, mode
    mode = "major" if brief.valence >= 0 else "minor"
    for region in plan_data().mode_regions:
        (v_low, v_high), (a_low, a_high) = region.valence, region.arousal
        if v_low <= brief.valence <= v_high and a_low <= brief.arousal <= a_high:
            mode = rng.choice(region.modes)
            break
    family = "minor" if mode in ("minor", "dorian", "phrygian") else "major"
    if brief.kind == "stinger":
        mode = family  # two or three chords cannot establish a mode: a sting is major or minor
    return rng.choice(COMFORTABLE_TONICS[family]), mode


def choose_roles(brief: Brief, preset: Preset) -> tuple[Role, ...]:
    """Which roles play and on which General MIDI programs: the preset's, then the brief's wishes."""
    programs: dict[str, int] = dict(preset.programs)
    programs["texture"] = (AMBIENT_TEXTURE if preset.texture is None else preset.texture) if brief.kind == "ambient" else -1
    for colour in brief.colours:
        spec = presets_colours()[colour]
        for role in programs:
            if role in spec.programs and (not spec.synthetic_only or programs[role] in SYNTHETIC_PROGRAMS):
                programs[role] = spec.programs[role]
    wanted = list(brief.instruments)
    for program in wanted:
        target = "pad" if program in SUSTAINING_PROGRAMS else ("melody" if "melody" not in _placed(wanted, program) else "ostinato")
        programs[target] = program
    excluded_programs = {lexicon().instruments.get(word) for word in brief.exclude}
    for role, program in list(programs.items()):
        if program in excluded_programs or role in brief.exclude:
            programs[role] = -1
    drums = preset.drums and brief.kind in ("thematic", "bed", "stinger")
    if brief.kind == "ambient":
        programs["melody"] = programs["ostinato"] = -1
        if programs["bass"] >= 0 and programs["bass"] not in SUSTAINING_PROGRAMS:
            programs["bass"] = AMBIENT_DRONE
    if brief.kind == "bed" and programs["ostinato"] >= 0:
        programs["melody"] = -1
    if "drums" in brief.exclude:
        drums = False
    programs["timpani"] = preset.timpani if drums else -1
    roles = [Role(role, program, ROLE_CHANNELS[role]) for role, program in programs.items() if program >= 0]
    if not any(r.role == "pad" for r in roles):
        roles.insert(0, Role("pad", 89 if 89 not in excluded_programs else 48, ROLE_CHANNELS["pad"]))
    counter = _counter_role(brief, roles, excluded_programs)
    if counter is not None:
        roles.insert(next(i for i, r in enumerate(roles) if r.role == "melody") + 1, counter)
    if drums:
        roles.append(Role("drums", 0, DRUM_CHANNEL))
    return tuple(roles)


def _counter_role(brief: Brief, roles: list[Role], excluded_programs: set[int | None]) -> Role | None:
    """The counter-line's role, if the cue wants one: a thematic cue (or a preset named in
    plan.toml) with a melody, and a program for it that the brief does not exclude."""
    data = plan_data().counter
    if brief.kind not in data.kinds and brief.preset not in data.presets:
        return None
    if not any(r.role == "melody" for r in roles) or "counter" in brief.exclude:
        return None
    program = data.programs.get(brief.preset, -1)
    for colour in brief.colours:
        program = data.colours.get(colour, program)
    if program < 0 or program in excluded_programs or any(colour not in presets_colours() for colour in brief.colours):
        return None
    return Role("counter", program, data.channel)


def _placed(wanted: list[int], program: int) -> set[str]:
    """Roles already taken by the non-sustaining instruments asked for before ``program``."""
    earlier = [p for p in wanted[: wanted.index(program)] if p not in SUSTAINING_PROGRAMS]
    return {"melody"} if earlier else set()


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
