"""How the parts are played beyond their written notes, kept beside the score in a typed
record: swing, the exact end, and per part its mix level, expression (CC11) curve, sustain
pedal and the players' micro-timing. The MIDI writer reads it; the score never carries it."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from composer.base.exact import Fraction
from composer.composition.arrange.comping import GUITARS, pattern_name
from composer.composition.arrange.cues import exact_onsets
from composer.composition.arrange.data import arrangement_data
from composer.composition.arrange.lines import articulation
from composer.composition.arrange.parts import PartSpec, energy_at
from composer.composition.harmony import ChordSpan
from composer.composition.plan import SUSTAINING_PROGRAMS, Plan, Role

#: Pianos (GM programs 0-7, acoustic and electric): the parts that use the sustain pedal.
PIANOS = range(0, 8)
#: Where a fade-in starts (CC11): about 30 dB under full, so the music arrives out of silence.
FADE_IN_FROM = 4


@dataclass(frozen=True)
class PartPerformance:
    """How one part is played: its mix level (CC7); its expression curve as (quarter notes,
    CC11 value) points joined by straight lines; the spans (start, end in quarter notes) its
    sustain pedal holds; how many milliseconds the player is behind (positive) or ahead of
    (negative) the beat at each onset, the notes struck together sharing one; and where a
    guitar strums, how many more milliseconds each string of a strum (onset, pitch) sounds
    after the stroke's first."""

    part_id: str
    mix_level: int
    expression: tuple[tuple[Fraction, int], ...]
    pedal: tuple[tuple[Fraction, Fraction], ...]
    nudges_ms: Mapping[Fraction, int]
    strums_ms: Mapping[tuple[Fraction, int], int] = field(default_factory=dict)
    #: An 808's glides: (from, to in quarter notes, semitones) where its pitch slides from the
    #: note sounding to the next one's, arriving as that note is struck (the bend then resets).
    glides: tuple[tuple[Fraction, Fraction, int], ...] = ()


@dataclass(frozen=True)
class Performance:
    """How the whole arrangement is played: the swing ratio (the share of a beat its first
    eighth takes; 1/2 is straight), the exact end of the piece in quarter notes (music plus
    release) and each part's performance, in track order, under the score part's id (its role)."""

    swing: Fraction
    end_q: Fraction
    parts: tuple[PartPerformance, ...]

    def part(self, part_id: str) -> PartPerformance:
        """The performance of the part whose id is ``part_id``.

        >>> pad = PartPerformance("pad", 100, (), (), {})
        >>> Performance(Fraction(1, 2), Fraction(16), (pad,)).part("pad").mix_level
        100
        """
        for played in self.parts:
            if played.part_id == part_id:
                return played
        raise KeyError(part_id)


def perform(plan: Plan, chords: list[ChordSpan], parts: Sequence[PartSpec], rng: random.Random) -> Performance:
    """How ``parts`` are played: mix, expression, pedal and micro-timing per part, in order
    (the micro-timing draws from ``rng``, after every note is written, so it never changes
    what is played)."""
    played = []
    timings = [random.Random(rng.getrandbits(64)) for _ in parts]  # one each: a part never shifts another
    for part, timing in zip(parts, timings):
        played.append(PartPerformance(part.role.role, mix_level(plan, part, parts),
                                      tuple(expression(plan, chords, part)), tuple(pedal(plan, chords, part)),
                                      humanize(part, timing, exact_onsets(plan)), strums(plan, part),
                                      glides(plan, part)))
    return Performance(plan.swing, plan.end_q, tuple(played))


def mix_level(plan: Plan, part: PartSpec, parts: Sequence[PartSpec]) -> int:
    """The part's CC7: its role's mix, and where a melody plays, every other pitched part
    lowered (the data's [balance]) as far as its mix, its velocities, its voices sounding at once
    and its program's own loudness make it louder than the melody (a synth hears CC7 and velocity
    as 40·log10(v/127) dB each; four voices as 6 dB over one), then its kind's margin further:
    the melody sits clearly above its accompaniment, a held pad further under a piano's or a
    guitar's melody, whose notes die away. A stinger is one gesture of the whole band, its melody
    a quiet pickup into the hit: its parts keep their mix (lowered under that pickup, the strings of
    a logo sting fell 14 dB and the hit alone was left to carry its loudness)."""
    mix = arrangement_data().mix
    level = mix[part.role.role]
    melody = next((p for p in parts if p.role.role == "melody" and p.notes), None)
    if melody is None or part is melody or part.is_drums or not part.notes or plan.kind == "stinger":
        return level
    balance = arrangement_data().balance
    over_db = (40 * math.log10(level / mix["melody"]) + 40 * math.log10(_mean_velocity(part) / _mean_velocity(melody))
               + 10 * math.log10(voices(part) / voices(melody))
               + balance.program_db[part.role.program] - balance.program_db[melody.role.program])
    under_db = over_db + balance.under_melody_db[plan.kind]
    if part.role.program in SUSTAINING_PROGRAMS and melody.role.program not in SUSTAINING_PROGRAMS:
        under_db += balance.sustained_db
    return max(1, round(level * 10 ** (-max(0.0, under_db) / 40)))


def _mean_velocity(part: PartSpec) -> float:
    return sum(note.velocity for note in part.notes) / len(part.notes)


def voices(part: PartSpec) -> float:
    """How many notes the part sounds at once, on average while it sounds: a chord of four is
    heard about 6 dB over one of its notes.

    >>> from composer.composition.arrange.parts import NoteEvent
    >>> chord = [NoteEvent(Fraction(0), Fraction(2), p, 60) for p in (48, 52, 55, 60)]
    >>> voices(PartSpec(Role("pad", 0, 0), (*chord, NoteEvent(Fraction(2), Fraction(2), 60, 60))))
    2.5
    """
    held = sum(note.length_q for note in part.notes)
    covered, reach = Fraction(0), None
    for note in sorted(part.notes, key=lambda n: n.start_q):
        start = note.start_q if reach is None else max(note.start_q, reach)
        if note.end_q > start:
            covered += note.end_q - start
        reach = note.end_q if reach is None else max(reach, note.end_q)
    return float(held / covered) if covered else 1.0


def fade_length_s(plan: Plan) -> float:
    """How long a fade ending takes: the fade-out the brief asks for, else a tenth of the
    piece, 2 to 6 s, at most half of it."""
    asked = [e for e in plan.events if e.kind == "fade_out"]
    if asked:
        return plan.duration_s - plan.seconds(asked[0].at_q)
    return min(6.0, max(2.0, plan.duration_s * 0.1), plan.duration_s / 2)


def pedal(plan: Plan, chords: list[ChordSpan], part: PartSpec) -> list[tuple[Fraction, Fraction]]:
    """Sustain-pedal spans for a piano: down through each chord it plays in, lifted at the
    change. A detached melody stays unpedalled, or the pedal would undo its articulation."""
    if not _pedalled(plan, part.role):
        return []
    starts = [n.start_q for n in part.notes]
    spans = []
    for chord in chords:
        first = bisect.bisect_left(starts, chord.start_q)
        if first < len(starts) and starts[first] < chord.end_q:
            spans.append((chord.start_q, min(chord.end_q, plan.end_q)))
    return spans


def _pedalled(plan: Plan, role: Role) -> bool:
    """Whether ``role`` uses the sustain pedal: a piano, unless it plays a detached line."""
    if role.program not in PIANOS or role.role == "drums":
        return False
    return role.role not in ("melody", "counter") or articulation(plan) >= 1


def expression(plan: Plan, chords: list[ChordSpan], part: PartSpec) -> list[tuple[Fraction, int]]:
    """CC11 points. Sustaining instruments (strings, pads, organs) follow the energy bar by bar,
    swell over the bar before a section that arrives at least as strong, and in ambient cues
    breathe in and out over each chord. A fade ending takes every part down to silence."""
    points: list[tuple[Fraction, int]] = []
    if part.role.program in SUSTAINING_PROGRAMS and not part.is_drums and part.notes:
        points = _energy_curve(plan, chords)
    fade_out = next((e for e in plan.events if e.kind == "fade_out"), None)
    if fade_out is not None or plan.ending == "fade":
        if fade_out is not None:
            fade_start = fade_out.at_q
        else:
            fade_q = Fraction(fade_length_s(plan)).limit_denominator(1000) * plan.end_tempo_bpm / 60
            fade_start = max(Fraction(0), plan.end_q - fade_q)
        held = value_at(sorted(points), fade_start) if points else 127
        points = [p for p in points if p[0] < fade_start] + [(fade_start, held), (plan.end_q, 0)]
    for fade_in in (e for e in plan.events if e.kind == "fade_in" and e.end_q > e.at_q):
        arrived = value_at(sorted(points), fade_in.end_q) if points else 127
        points = [p for p in points if not fade_in.at_q <= p[0] <= fade_in.end_q]
        points += [(fade_in.at_q, FADE_IN_FROM), (fade_in.end_q, arrived)]
    return sorted(dict(points).items())


def _energy_curve(plan: Plan, chords: list[ChordSpan]) -> list[tuple[Fraction, int]]:
    """A sustaining part's expression points, unsorted: the energy bar by bar, a swell into
    each arrival, and in ambient cues a breath over each long chord."""

    def level(q: Fraction) -> int:
        return round(127 * (0.8 + 0.2 * energy_at(plan, q)))

    points = []
    for bar in range(max(1, plan.bars)):
        start = plan.bar_start_q(bar) if plan.bars else Fraction(0)
        points.append((start, level(start)))
    for previous, section in zip(plan.sections, plan.sections[1:]):
        before = section.start_q - min(plan.bar_q, section.length_q, previous.length_q)
        if section.energy >= previous.energy and before >= 0:
            points.append((before, level(before)))
            points.append((section.start_q - Fraction(1, 8), min(127, level(before) + 16)))
    if plan.kind == "ambient":
        for chord in chords:
            if chord.length_q >= 2 * plan.bar_q:
                middle = chord.start_q + chord.length_q / 2
                points.append((middle, min(127, level(middle) + 14)))
    return points


def value_at(points: list[tuple[Fraction, int]], q: Fraction) -> int:
    """The expression value at ``q`` on the straight lines between ``points`` (sorted).

    >>> value_at([(Fraction(0), 100), (Fraction(4), 120)], Fraction(1))
    105
    """
    index = bisect.bisect_right([p[0] for p in points], q)
    if index == 0:
        return points[0][1]
    if index == len(points):
        return points[-1][1]
    (q0, v0), (q1, v1) = points[index - 1], points[index]
    return round(v0 + (v1 - v0) * (q - q0) / (q1 - q0))


def humanize(part: PartSpec, rng: random.Random, exact: frozenset[Fraction] = frozenset()) -> dict[Fraction, int]:
    """Micro-timing: each onset of the part (a chord's notes together) gets its own offset of
    up to the role's limit in milliseconds, smaller offsets likelier than large ones; the
    onsets in ``exact`` (hits on the picture, entries after a stop) land on time."""
    limit = arrangement_data().timing_ms[part.role.role]
    offsets: dict[Fraction, int] = {}
    for note in part.notes:
        if note.start_q not in offsets:
            offset = round(rng.triangular(-limit, limit, 0))
            offsets[note.start_q] = 0 if note.start_q in exact else offset
    return offsets


#: An 808 slides into its next note over this last stretch before it (quarter notes), where it
#: still sounds then and the next note is at most GLIDE_RANGE semitones away (the bend's reach,
#: set on its channel).
GLIDE_Q = Fraction(1, 4)
GLIDE_RANGE = 12


def glides(plan: Plan, part: PartSpec) -> tuple[tuple[Fraction, Fraction, int], ...]:
    """An 808 bass's slides: into each note at another pitch that the note before still sounds
    into (less GLIDE_Q), as a trap producer draws them; other basses do not glide.

    >>> from composer import compose
    >>> piece = compose("dark trap beat, 20 seconds", seed=1)
    >>> bass = next(p for p in piece.parts if p.role.role == "bass")
    >>> all(0 < abs(semitones) <= GLIDE_RANGE and end - start == GLIDE_Q for start, end, semitones in glides(piece.plan, bass))
    True
    """
    if part.role.role != "bass" or plan.bass_pattern != "glide_808":
        return ()
    notes = sorted(part.notes, key=lambda n: (n.start_q, n.pitch))
    slides = []
    for before, after in zip(notes, notes[1:]):
        interval = after.pitch - before.pitch
        if (before.start_q < after.start_q - GLIDE_Q and before.end_q >= after.start_q - GLIDE_Q
                and 0 < abs(interval) <= GLIDE_RANGE):
            slides.append((after.start_q - GLIDE_Q, after.start_q, interval))
    return tuple(slides)


def strums(plan: Plan, part: PartSpec) -> dict[tuple[Fraction, int], int]:
    """A strumming guitar's strokes (the chord player of a chordal comping pattern, on a guitar):
    each chord of three or more strings spread over the data's ``strum_ms``, a stroke on the
    beat down (low string first), one between beats up (high string first) and quicker."""
    pattern = pattern_name(plan, part.role.program)
    if (part.role.role != "pad" or part.role.program not in GUITARS or pattern == "sustain"
            or arrangement_data().players.comping[pattern].kind != "chords"):
        return {}
    up_ms, down_ms = arrangement_data().players.strum_ms
    struck: dict[Fraction, list[int]] = {}
    for note in part.notes:
        struck.setdefault(note.start_q, []).append(note.pitch)
    spread: dict[tuple[Fraction, int], int] = {}
    for onset, pitches in struck.items():
        if len(pitches) < 3:
            continue
        down = (onset - plan.pickup_q) % 1 == 0
        strings = sorted(set(pitches), reverse=not down)
        total = down_ms if down else up_ms
        for index, pitch in enumerate(strings):
            spread[(onset, pitch)] = round(total * index / (len(strings) - 1))
    return spread
