"""Plan: the brief turned into musical decisions — tempo, key, meter, form, energy, roles.

The form is fitted to the exact duration: whole bars at a tempo inside the preset's range,
then a release ("tail") that ends exactly at the requested second. Musical time is kept as
exact ``Fraction`` quarter notes; seconds appear only where the brief speaks in seconds.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any

from music21 import key as m21key

from composer.composition.brief import Brief, Preset, ShapeEvent, lexicon, presets, presets_colours
from composer.base.quiet import quiet_import
from composer.base.records import record
from composer.base.tables import table

pretty_midi = quiet_import("pretty_midi")

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


@dataclass(frozen=True)
class Section:
    """A span of the form, in quarter notes from the start, with its mean energy (0..1)."""

    name: str
    start_q: Fraction
    length_q: Fraction
    energy: float

    @property
    def end_q(self) -> Fraction:
        return self.start_q + self.length_q


@dataclass(frozen=True)
class Role:
    """One part of the arrangement: what it does and which General MIDI program plays it."""

    role: str
    program: int
    channel: int

    @property
    def name(self) -> str:
        return "Drums" if self.role == "drums" else str(pretty_midi.program_to_instrument_name(self.program))


@dataclass(frozen=True)
class Timing:
    """When the music happens: tempo, meter, whole bars after a pickup, and the release after
    them, fitted so that the piece ends exactly at the asked second."""

    tempo_bpm: Fraction
    meter: tuple[int, int]
    bars: int
    pickup_q: Fraction
    tail_s: Fraction

    @property
    def bar_q(self) -> Fraction:
        """Quarter notes per bar: 4 in 4/4, 3 in 3/4, 3 in 6/8."""
        return Fraction(4 * self.meter[0], self.meter[1])

    @property
    def music_q(self) -> Fraction:
        """Length of the written music in quarter notes (pickup plus whole bars)."""
        return self.pickup_q + self.bars * self.bar_q

    @property
    def end_q(self) -> Fraction:
        """The requested end, in quarter notes at the plan's tempo (music plus release)."""
        return self.music_q + self.tail_s * self.tempo_bpm / 60

    def seconds(self, quarters: Fraction) -> float:
        """Seconds from the start at ``quarters`` quarter notes (one tempo throughout)."""
        return float(quarters * 60 / self.tempo_bpm)

    def bar_start_q(self, bar: int) -> Fraction:
        return self.pickup_q + bar * self.bar_q


@dataclass(frozen=True)
class Plan(Timing):
    """Every decision the later stages need, and nothing they decide themselves: no stage
    after the plan reads the Brief or the presets."""

    kind: str
    duration_s: float
    #: The use-case preset the brief chose (presets.toml), for the report; its values are below.
    preset: str
    #: The mood: valence (dark −1 … bright 1) and arousal (calm −1 … energetic 1).
    valence: float
    arousal: float
    tempo_range: tuple[int, int]
    tonic: str
    mode: str
    sections: tuple[Section, ...]
    bar_energy: tuple[float, ...]
    roles: tuple[Role, ...]
    ending: str
    loudness_lufs: float
    #: The space it plays in (a name in rooms.toml).
    room: str
    #: The family of four-chord loops harmony leans on (harmony.toml [idioms]), and how often.
    idiom: str
    idiom_share: float
    #: The motif's character (harmony.toml [motif_flavours]); "" for the plain one.
    motif_flavour: str
    #: The share of each beat the first of two eighths takes: 1/2 plays straight.
    swing: Fraction
    #: "pop" (hats, kick, backbeat) or "cinematic" (a trailer's toms).
    drum_style: str
    #: First bar of a lift (the key up a step to the end) and its tonic; None and "" for none.
    lift_bar: int | None = None
    lift_tonic: str = ""
    #: Bars left to the speaking voice over an underscore (every other phrase): no melody there.
    voice_bars: frozenset[int] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.tonic} {self.mode}"

    def section_at(self, quarters: Fraction) -> Section:
        """The section playing at ``quarters``."""
        starts = [s.start_q for s in self.sections]
        return self.sections[max(0, bisect.bisect_right(starts, quarters) - 1)]

    def key_at(self, quarters: Fraction) -> tuple[str, str]:
        """(tonic, mode) in force at ``quarters``: the home key, or the lifted key after a lift."""
        if self.lift_bar is not None and quarters >= self.bar_start_q(self.lift_bar):
            return self.lift_tonic, self.mode
        return self.tonic, self.mode

    @property
    def lift_q(self) -> Fraction | None:
        """Where the lift starts, in quarter notes, or None."""
        return None if self.lift_bar is None else self.bar_start_q(self.lift_bar)

    def lift_summary(self) -> dict[str, Any] | None:
        """The lift as JSON data (first bar counted from 1, start in seconds, new key), or None."""
        if self.lift_bar is None or self.lift_q is None:
            return None
        return {"bar": self.lift_bar + 1, "start_s": round(self.seconds(self.lift_q), 3),
                "key": f"{self.lift_tonic} {self.mode}"}

    def energy_curve(self) -> list[tuple[float, float]]:
        """The energy curve as [seconds, level] points, one per bar start."""
        return [(round(self.seconds(self.bar_start_q(b)), 3), e) for b, e in enumerate(self.bar_energy)]


def make_plan(brief: Brief, rng: random.Random) -> Plan:
    """Decide tempo, key, meter, form and sound for ``brief``, in one pass; the seed only picks
    among equals."""
    preset = presets()[brief.preset]
    ending = brief.ending or _default_ending(brief)
    timing = _timing(brief, preset, ending)
    tonic, mode = _key(brief, rng)
    form = [] if brief.kind == "stinger" else _form(brief, timing)
    bar_energy = _bar_energy(brief, timing, form)
    lift = None if brief.kind == "stinger" else _lift(brief.kind, timing, tonic, mode, ending, form, rng)
    lift_bar, lift_tonic = lift if lift else (None, "")
    return Plan(
        **timing.__dict__,
        kind=brief.kind,
        duration_s=brief.duration_s,
        preset=brief.preset,
        valence=brief.valence,
        arousal=brief.arousal,
        tempo_range=tempo_range(brief),
        tonic=tonic,
        mode=mode,
        sections=_sections(brief.kind, timing, form, bar_energy),
        bar_energy=bar_energy,
        roles=_roles(brief, preset),
        ending=ending,
        loudness_lufs=preset.loudness - (3.0 if brief.kind in ("underscore", "bed") else 0.0),
        room=preset.room,
        idiom=preset.idiom,
        idiom_share=preset.idiom_share,
        motif_flavour=_motif_flavour(brief),
        swing=_swing(brief, timing.meter),
        drum_style="cinematic" if brief.preset in plan_data().drums.cinematic_presets else "pop",
        lift_bar=lift_bar,
        lift_tonic=lift_tonic,
        voice_bars=_voice_bars(brief.kind, form),
    )


def _timing(brief: Brief, preset: Preset, ending: str) -> Timing:
    """Tempo, meter, bars, pickup and release fitted to the brief's exact duration."""
    meter = brief.meter or preset.meter
    low, high = tempo_range(brief)
    wanted = Fraction(brief.tempo_bpm).limit_denominator(1000) if brief.tempo_bpm else _tempo_from_arousal(brief, low, high)
    duration = Fraction(brief.duration_s)  # exact: a float is a binary fraction
    if brief.kind == "stinger":
        tempo, pickup_q, tail = _fit_stinger(duration, wanted)
        return Timing(tempo, meter, 0, pickup_q, tail)
    fixed = brief.tempo_bpm is not None
    tempo, bars, tail, meter = _fit_form(duration, wanted, low, high, meter, ending == "loop", fixed)
    return Timing(tempo, meter, bars, Fraction(0), tail)


def _motif_flavour(brief: Brief) -> str:
    """The motif's character from the brief's first mood word that names one (plan.toml
    [motif_flavours]: playful, epic, tense), or "" for the plain one."""
    for word in brief.mood_words:
        for name, words in plan_data().motif_flavours.items():
            if word in words:
                return name
    return ""


def _swing(brief: Brief, meter: tuple[int, int]) -> Fraction:
    """The share of each beat the first of two eighths takes: 1/2 (straight) unless the brief's
    colour or mood swings (plan.toml [swing], the largest found wins); compound meters never
    swing."""
    if meter[1] != 4:
        return Fraction(1, 2)
    swing = plan_data().swing
    ratios = [swing.colours.get(c) for c in brief.colours] + [swing.moods.get(w) for w in brief.mood_words]
    return max((r for r in ratios if r is not None), default=Fraction(1, 2))


def tempo_range(brief: Brief) -> tuple[int, int]:
    low, high = presets()[brief.preset].tempo
    if brief.kind == "ambient":
        return min(low, 50), min(high, 70)
    return int(low), int(high)


def _tempo_from_arousal(brief: Brief, low: int, high: int) -> Fraction:
    position = (brief.arousal + 1) / 2
    return Fraction(round(low + position * (high - low)))


def _default_ending(brief: Brief) -> str:
    if brief.loop:
        return "loop"
    return {"stinger": "button", "ambient": "fade", "bed": "ring"}.get(brief.kind, "ring")


def _fit_form(
    duration: Fraction, wanted: Fraction, low: int, high: int, meter: tuple[int, int], loop: bool, tempo_fixed: bool
) -> tuple[Fraction, int, Fraction, tuple[int, int]]:
    """Tempo, bar count, release and meter so that the piece ends exactly at ``duration`` seconds.

    The asked meter is tried first; when no whole number of its bars fits inside the tempo range
    (very short pieces, short loops) the bar is halved, down to a single beat, rather than
    pushing the tempo out of its range. Only when even that fails does the tempo bend.
    """
    for candidate in _shorter_meters(meter):
        fit = _fit_bars(duration, wanted, low, high, Fraction(4 * candidate[0], candidate[1]), loop, tempo_fixed)
        if fit is not None:
            return (*fit, candidate)
    beat = (1, meter[1])
    beat_q = Fraction(4, meter[1])
    if loop:
        return 60 * beat_q / duration, 1, Fraction(0), beat
    release = min(Fraction(1), duration / 8)
    return 60 * beat_q / (duration - release), 1, release, beat


def _shorter_meters(meter: tuple[int, int]) -> list[tuple[int, int]]:
    """The meter, then bars of half its length (while whole), then one beat.

    >>> _shorter_meters((4, 4)), _shorter_meters((6, 8))
    ([(4, 4), (2, 4), (1, 4)], [(6, 8), (3, 8), (1, 8)])
    """
    result = [meter]
    beats = meter[0]
    while beats % 2 == 0 and beats > 2:
        beats //= 2
        result.append((beats, meter[1]))
    if beats > 1:
        result.append((2, meter[1]) if beats % 2 == 0 else (1, meter[1]))
    return list(dict.fromkeys(result + [(1, meter[1])]))


def _fit_bars(
    duration: Fraction, wanted: Fraction, low: int, high: int, bar_q: Fraction, loop: bool, tempo_fixed: bool
) -> tuple[Fraction, int, Fraction] | None:
    """Tempo, bars and release for bars of ``bar_q`` quarters, or None if none fits the range.

    A loop has no release: whole bars fill the duration, so the tempo bends (within the range)
    to fit. Otherwise the tempo is a whole BPM near the wanted one and the final chord rings for
    up to about 3 s (longer when bars are long) to the end.
    """
    if loop:
        estimate = max(1, round(duration * wanted / (60 * bar_q)))
        if tempo_fixed:
            return 60 * bar_q * estimate / duration, estimate, Fraction(0)
        fits = [n for n in range(1, estimate * 2 + 2) if low <= 60 * bar_q * n / duration <= high]
        if not fits:
            return None
        bars = min(fits, key=lambda n: abs(60 * bar_q * n / duration - wanted))
        return 60 * bar_q * bars / duration, bars, Fraction(0)
    min_tail = min(Fraction(1), duration / 8)
    candidates = [wanted] if tempo_fixed else sorted(range(low, high + 1), key=lambda t: (abs(t - wanted), t))
    for tempo in candidates:
        bar_s = 60 * bar_q / Fraction(tempo)
        bars = math.floor((duration - min_tail) / bar_s)
        tail = duration - bars * bar_s
        if bars >= 1 and tail <= max(Fraction(3), bar_s / 2 + min_tail):
            return Fraction(tempo), bars, tail
    return None


def _fit_stinger(duration: Fraction, wanted: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """A stinger is a short pickup into one hit that rings to the exact end.

    The pickup takes about a third of the length in whole beats (at most two fifths), so the
    hit, the loudest moment, lands in the first half. Returns (tempo, pickup quarters, ring
    seconds).
    """
    beat_s = Fraction(60) / wanted
    latest_hit = duration * Fraction(2, 5)
    beats = max(1, round(duration / 3 / beat_s))
    while beats > 1 and beats * beat_s > latest_hit:
        beats -= 1
    pickup_q = Fraction(beats)
    tempo = wanted if beat_s <= latest_hit else 60 / latest_hit  # only a very short sting bends
    return tempo, pickup_q, duration - pickup_q * 60 / tempo


def _key(brief: Brief, rng: random.Random) -> tuple[str, str]:
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


def _roles(brief: Brief, preset: Preset) -> tuple[Role, ...]:
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


def _bar_energy(brief: Brief, timing: Timing, form: list[tuple[str, int]]) -> tuple[float, ...]:
    """Energy 0..1 at each bar's middle: a level from the mood, shaped by the brief's events
    and by the form (a quieter intro, a stronger climax)."""
    base = 0.45 + 0.25 * brief.arousal
    base *= {"underscore": 0.8, "ambient": 0.7, "bed": 0.85}.get(brief.kind, 1.0)
    duration = brief.duration_s
    amount_per_verb = lexicon().shape.build_amount
    drop_level = lexicon().shape.drop_level
    events = sorted(brief.shape, key=lambda e: (_event_start(e, duration) or 0.0))

    def level(t: float) -> float:
        value = base
        for event in events:
            value = _apply(event, value, t, duration, base, amount_per_verb, drop_level, events)
        return max(0.05, min(1.0, value))

    if brief.kind == "stinger":
        return (round(level(timing.seconds(timing.pickup_q)), 3),)
    # "steady" means no form dynamics, and a loop has none either: its end leads into its start,
    # so a quieter intro would be a dip at every repeat
    steady = any(event.verb == "steady" for event in brief.shape) or brief.loop
    section_energy = {} if steady else plan_data().form.section_energy
    names = [name for name, bars in form for _ in range(bars)]
    result = []
    for bar in range(timing.bars):
        middle = timing.seconds(timing.bar_start_q(bar) + timing.bar_q / 2)
        shaped = level(middle) + section_energy.get(names[bar], 0.0)
        result.append(round(max(0.05, min(1.0, shaped)), 3))
    return tuple(result)


def _event_start(event: ShapeEvent, duration: float) -> float | None:
    if event.from_end_s is not None:
        return max(0.0, duration - event.from_end_s)
    return event.start_s


def _apply(
    event: ShapeEvent,
    value: float,
    t: float,
    duration: float,
    base: float,
    amount: float,
    drop_level: float,
    events: list[ShapeEvent],
) -> float:
    """The energy at ``t`` after ``event`` acts on ``value``."""
    if event.verb == "steady":
        return value
    start = _event_start(event, duration)
    rise = amount * event.amount
    if event.verb == "build":
        if start is None:  # "builds" with no time: across the whole piece
            return value - rise / 2 + rise * t / duration
        end = event.end_s if event.end_s is not None else duration
        if start == 0.0 and event.end_s is None:  # "starts quiet and swells": from low to high
            return value - rise / 2 + rise * t / duration
        if t < start:
            return value
        if event.from_end_s is None and event.end_s is None:  # "lifts at 1:10": back up within 2 s
            return max(value, base) + rise * 0.3 * min(1.0, (t - start) / 2)
        return value + rise * min(1.0, (t - start) / max(end - start, 1e-9))
    if event.verb == "drop":
        if start is None:
            return value
        later = [_event_start(e, duration) for e in events if e.verb == "build"]
        until = event.end_s if event.end_s is not None else min(
            (s for s in later if s is not None and s > start), default=duration)
        if start <= t < until:
            return min(value, drop_level)
    return value


def _form(brief: Brief, timing: Timing) -> list[tuple[str, int]]:
    """(section name, bars): phrases of four bars grouped into intro, statement, contrast,
    build, climax and ending sections."""
    lengths = _phrases_in_sections(brief.kind, timing.bars)
    build_from = _build_bar(brief, timing)
    if build_from is not None:
        return _with_build(lengths, build_from)
    rules = plan_data().form
    if brief.kind in rules.climax_kinds and timing.bars >= rules.climax_min_bars:
        middles = [i for i, (name, _) in enumerate(lengths) if name in ("statement", "contrast")]
        if len(middles) >= 3:
            lengths[middles[-1]] = ("climax", lengths[middles[-1]][1])
    return lengths


def _phrases_in_sections(kind: str, bars: int) -> list[tuple[str, int]]:
    """An intro, middle sections of up to eight bars (statement and contrast in turn, or an
    ambient cue's drifts) and a four-bar ending; short pieces are one statement.

    Bars that do not fill a four-bar phrase lengthen the intro (a vamp), where a listener
    expects waiting, rather than cutting a phrase short.

    >>> _phrases_in_sections("thematic", 30)
    [('intro', 6), ('statement', 8), ('contrast', 4), ('statement', 8), ('ending', 4)]
    """
    if bars < 8:
        return [("statement", bars)]
    intro = 4 + bars % 4 if bars >= 16 else bars % 4
    ending = 4 if bars >= 16 else 0
    middle = bars - intro - ending
    names = ("drift", "drift") if kind == "ambient" else ("statement", "contrast")
    lengths: list[tuple[str, int]] = [("intro", intro)] if intro else []
    index = 0
    while middle > 0:
        size = min(8, middle) if middle != 12 else 4
        lengths.append((names[index % 2], size))
        middle -= size
        index += 1
    return lengths + ([("ending", ending)] if ending else [])


def _with_build(lengths: list[tuple[str, int]], build_from: int) -> list[tuple[str, int]]:
    """The form with every section from ``build_from`` (cut at a phrase boundary) to the ending
    a build, whose last phrase is the climax when the build lasts eight bars or more."""
    lengths = _split_at(lengths, build_from)
    start_bars = list(itertools.accumulate([0] + [n for _, n in lengths]))
    lengths = [("build" if start >= build_from and name != "ending" else name, n)
               for (name, n), start in zip(lengths, start_bars)]
    building = [i for i, (name, _) in enumerate(lengths) if name == "build"]
    if building and sum(lengths[i][1] for i in building) >= 8:
        last = building[-1]
        if lengths[last][1] > 4:  # the build's last phrase is its climax
            lengths[last : last + 1] = [("build", lengths[last][1] - 4), ("climax", 4)]
        else:
            lengths[last] = ("climax", lengths[last][1])
    return lengths


def _sections(kind: str, timing: Timing, form: list[tuple[str, int]], bar_energy: tuple[float, ...]) -> tuple[Section, ...]:
    """The form as timed sections, each with its mean energy."""
    if kind == "stinger":
        hit = timing.pickup_q
        return (
            Section("pickup", Fraction(0), hit, bar_energy[0] * 0.8),
            Section("hit", hit, timing.end_q - hit, bar_energy[0]),
        )
    sections = []
    start_bar = 0
    for name, length in form:
        energies = bar_energy[start_bar : start_bar + length]
        sections.append(
            Section(name, timing.bar_start_q(start_bar), length * timing.bar_q, round(sum(energies) / len(energies), 3))
        )
        start_bar += length
    return tuple(sections)


def _voice_bars(kind: str, form: list[tuple[str, int]]) -> frozenset[int]:
    """The bars of every other four-bar phrase of each section after the intro, which an
    underscore leaves to the speaking voice."""
    if kind != "underscore":
        return frozenset()
    bars: set[int] = set()
    start = 0
    for name, length in form:
        if name != "intro":
            bars |= {start + b for b in range(length) if (b // 4) % 2 == 1}
        start += length
    return frozenset(bars)


def _lift(kind: str, timing: Timing, tonic: str, mode: str, ending: str, form: list[tuple[str, int]],
          rng: random.Random) -> tuple[int, str] | None:
    """(first bar, new tonic) of a lift up a step into the climax or the build's last phrase, or None."""
    data = plan_data().form
    names = [name for name, _ in form]
    if kind not in data.lift_kinds or mode not in data.lift_modes or ending == "loop":
        return None
    target = "climax" if "climax" in names else "build" if "build" in names else None
    if target is None or rng.random() >= data.lift_share:
        return None
    index = len(names) - 1 - names[::-1].index(target)
    bar = sum(n for _, n in form[:index])
    if timing.bars < data.lift_min_bars or bar < timing.bars // 2:
        return None  # a lift is a late event in a piece long enough to have settled its key
    lifted = music21_key(tonic, mode).tonic.transpose(data.lift_interval)
    if abs(m21key.Key(lifted.name, mode).sharps) > 6:
        lifted = lifted.getEnharmonic() or lifted
    return bar, lifted.name.replace("-", "b")


def _split_at(lengths: list[tuple[str, int]], bar: int) -> list[tuple[str, int]]:
    """Cut the section holding ``bar`` at a phrase boundary (4 bars) near it, so a build starts a section."""
    result: list[tuple[str, int]] = []
    start = 0
    for name, length in lengths:
        cut = start + round((bar - start) / 4) * 4
        if name not in ("intro", "ending") and start < cut < start + length:
            result += [(name, cut - start), (name, start + length - cut)]
        else:
            result.append((name, length))
        start += length
    return result


@cache
def music21_key(tonic: str, mode: str) -> m21key.Key:
    """The music21 Key of a tonic as composer writes it ("Bb") and a mode.

    >>> music21_key("Bb", "minor").sharps
    -5
    """
    return m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)


@dataclass(frozen=True)
class ModeRegion:
    """Moods in a (valence, arousal) box take one of ``modes`` (repeats weight the choice)."""

    name: str
    valence: tuple[float, float]
    arousal: tuple[float, float]
    modes: tuple[str, ...]


@dataclass(frozen=True)
class FormRules:
    """How sections shape the energy, where a climax stands and when a build lifts the key."""

    climax_kinds: tuple[str, ...]
    climax_min_bars: int
    section_energy: dict[str, float]
    lift_kinds: tuple[str, ...]
    lift_modes: tuple[str, ...]
    lift_share: float
    lift_min_bars: int
    lift_interval: str


@dataclass(frozen=True)
class SwingRules:
    """Swing ratios by colour and by mood word (the largest found wins)."""

    colours: dict[str, Fraction]
    moods: dict[str, Fraction]


@dataclass(frozen=True)
class CounterRules:
    """Which cues get a counter-line, on which channel and program (-1: none)."""

    kinds: tuple[str, ...]
    presets: tuple[str, ...]
    channel: int
    programs: dict[str, int]
    colours: dict[str, int]


@dataclass(frozen=True)
class DrumRules:
    cinematic_presets: tuple[str, ...]


@dataclass(frozen=True)
class PlanData:
    """``plan.toml``: the plan's decisions that are data."""

    mode_regions: tuple[ModeRegion, ...]
    form: FormRules
    motif_flavours: dict[str, tuple[str, ...]]
    swing: SwingRules
    counter: CounterRules
    drums: DrumRules


@cache
def plan_data() -> PlanData:
    """The plan's own data (``plan.toml``), checked when first read.

    >>> plan_data().form.lift_interval
    'M2'
    """
    return record(PlanData, table("plan"), "plan.toml")


def _build_bar(brief: Brief, timing: Timing) -> int | None:
    """The first bar of a timed build in the brief ("builds in the final 20 seconds"), if any."""
    for event in brief.shape:
        if event.verb == "build" and event.from_end_s is not None:
            start_s = brief.duration_s - event.from_end_s
            return math.ceil(start_s * float(timing.tempo_bpm) / 60 / float(timing.bar_q))
    return None
