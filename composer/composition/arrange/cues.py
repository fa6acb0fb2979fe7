"""The picture's events as the players play them, after every part is written: a stop cuts
every part (only the room rings on), a drop-out leaves the layers it keeps (the melody rests),
and a hit is a tutti accent on its downbeat, every part striking a chord tone together after
half a beat's breath, given weight by the kit's kick and crash (a hand percussionist's own
final strokes), the timpani's root and the bass's root an octave down, and announced by a roll
(snare, congas or timpani) swelling into it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from composer.base.exact import Fraction
from composer.base.theory import gm_ranges
from composer.composition.arrange.parts import SIXTEENTH, NoteEvent, PartSpec, energy_at
from composer.composition.arrange.percussion import BUTTON_Q, SNARE, TIMPANI_RANGE
from composer.composition.harmony import ChordSpan, chord_index
from composer.composition.plan import PlacedEvent, Plan
from composer.composition.styles import Groove, drum_key

#: How hard a hit is struck: from HIT_FLOOR at no energy to HIT_FLOOR + HIT_RISE at full, so a
#: hit in a quiet underscore lands without jolting the voice over it; and how long its chord
#: sounds (quarter notes).
HIT_FLOOR = 84
HIT_RISE = 38
HIT_LENGTH_Q = Fraction(1)
#: The breath before a hit: the held notes let go this long before it, so the hit speaks.
BREATH_Q = Fraction(1, 2)
#: The pickup into a hit: a roll over this last stretch before it (quarter notes), swelling
#: from ROLL_FROM to ROLL_TO of the hit's velocity.
PICKUP_Q = Fraction(1)
ROLL_FROM, ROLL_TO = 0.45, 0.8
#: The kit's voices that play a fill: snares, clap and toms.
FILL_KEYS = frozenset(drum_key(voice) for voice in ("snare", "side_stick", "clap", "electric_snare", "floor_tom",
                                                    "low_tom", "mid_tom", "high_tom"))
#: Before a dance track's drop, the kick and bass leave this long (quarter notes: two beats) and
#: only the roll and the rest of the band lead into it.
DROP_GAP_Q = Fraction(2)
#: Parts that strike a hit only where they already play: a counter-line answers the melody and
#: is not to cross it.
FOLLOWERS = ("counter",)
#: A stop's cut-off: the notes sounding into it let go this long before it (more than any
#: player's micro-timing), so it is silent to the millisecond.
CUT_OFF_Q = Fraction(1, 16)
#: The layer a drop-out keeps when it names none: the thinnest texture that still carries the harmony.
DIP_LAYERS = ("pad",)


def play_events(plan: Plan, chords: list[ChordSpan], parts: Sequence[PartSpec]) -> tuple[PartSpec, ...]:
    """``parts`` with the plan's stops, drop-outs and hits played (in time order).

    >>> from composer.composition.plan import Role
    >>> pad = PartSpec(Role("pad", 48, 0), (NoteEvent(Fraction(0), Fraction(8), 60, 80),))
    >>> stop = PlacedEvent("stop", Fraction(2), Fraction(2), Fraction(4), Fraction(6))
    >>> [(n.start_q, n.length_q) for n in _silenced(pad, stop.at_q, stop.end_q).notes]
    [(Fraction(0, 1), Fraction(4, 1)), (Fraction(6, 1), Fraction(2, 1))]
    """
    result = list(parts)
    for event in plan.events:
        if event.is_drop:  # the kick and bass clear the way
            result = [_silenced(part, event.at_q - DROP_GAP_Q, event.at_q, CUT_OFF_Q)
                      if part.is_drums or part.role.role == "bass" else part for part in result]
        if event.kind == "stop":
            result = [_silenced(part, event.at_q, event.end_q, CUT_OFF_Q) for part in result]
        elif event.kind == "dip":
            result = _dipped(event, result)
        elif event.kind == "enter":  # the named layers and instruments come in here, silent before
            result = [_silenced(part, Fraction(0), event.at_q)
                      if part.role.role in event.keep or (part.role.program in event.programs and not part.is_drums)
                      else part for part in result]
    for at_q in sorted(tutti(plan)):
        chord = chords[chord_index([c.start_q for c in chords], at_q)]
        result = [_accented(part, chord, at_q, plan) for part in result]
    return tuple(result)


def in_scenes(plan: Plan, part: PartSpec) -> PartSpec:
    """``part`` resting through each scene that rests its role: what it sounds into the scene
    lets go at its start, and a chord held through is struck again where the part plays on."""
    return _rested(part, [(scene.start_q, scene.end_q) for scene in plan.scenes if part.role.role in scene.resting])


def tutti(plan: Plan) -> frozenset[Fraction]:
    """Where every part strikes together: each hit, and a button ending's final chord."""
    hits = {e.at_q for e in plan.events if e.kind == "hit"}
    if plan.ending == "button" and plan.kind != "stinger" and plan.tail_s > 0:
        hits.add(plan.music_q)
    return frozenset(hits)


def exact_onsets(plan: Plan) -> frozenset[Fraction]:
    """The onsets players strike exactly on time, with no micro-timing: hits and a button, and
    the entries where the music resumes after a stop or a drop-out."""
    return tutti(plan) | {e.end_q for e in plan.events if e.kind in ("stop", "dip")}


def _dip_layers(event: PlacedEvent, parts: Sequence[PartSpec]) -> tuple[str, ...]:
    """The roles a drop-out keeps: those it names that play, else the thinnest texture."""
    playing = {part.role.role for part in parts}
    named = tuple(role for role in event.keep if role in playing and role != "melody")
    if named:
        return named
    return next(((layer,) for layer in DIP_LAYERS if layer in playing),
                tuple(r for r in ("bass", "ostinato", "texture") if r in playing)[:1])


def _dipped(event: PlacedEvent, parts: Sequence[PartSpec]) -> list[PartSpec]:
    """``parts`` through a drop-out: the layers it keeps play on, the rest rest. Where it names
    the melody's instrument ("drop to just the piano"), that instrument leaves the tune and
    plays the kept layer's harmony instead (alone, if nothing else was named), as a player
    would under a quote.

    >>> from composer.composition.plan import Role
    >>> pad = PartSpec(Role("pad", 48, 0), (NoteEvent(Fraction(0), Fraction(8), 60, 40),))
    >>> tune = PartSpec(Role("melody", 0, 1), (NoteEvent(Fraction(2), Fraction(1), 72, 60),))
    >>> dip = PlacedEvent("dip", Fraction(1), Fraction(2), Fraction(2), Fraction(4), keep=("melody",))
    >>> [[(n.start_q, n.length_q, n.pitch) for n in part.notes] for part in _dipped(dip, [pad, tune])]
    [[(Fraction(0, 1), Fraction(2, 1), 60), (Fraction(4, 1), Fraction(4, 1), 60)], [(Fraction(2, 1), Fraction(2, 1), 60)]]
    """
    kept = _dip_layers(event, parts)
    harmony = next((part for part in parts if kept and part.role.role == kept[0]), None)
    voiced = "melody" in event.keep and harmony is not None
    alone = voiced and not any(role in event.keep for role in kept)
    result = []
    for part in parts:
        role = part.role.role
        if role in kept and not alone:
            result.append(part)
            continue
        quiet = _silenced(part, event.at_q, event.end_q)
        if role == "melody" and voiced and harmony is not None:
            inside = _within(harmony, event.at_q, event.end_q)
            quiet = PartSpec(part.role, tuple(sorted(quiet.notes + inside, key=lambda n: (n.start_q, n.pitch))))
        result.append(quiet)
    return result


def _within(part: PartSpec, start_q: Fraction, end_q: Fraction) -> tuple[NoteEvent, ...]:
    """``part``'s notes sounding from ``start_q`` to ``end_q``, cut to it (one held into it is
    struck at its start)."""
    return tuple(NoteEvent(max(n.start_q, start_q), min(n.end_q, end_q) - max(n.start_q, start_q), n.pitch, n.velocity)
                 for n in part.notes if n.start_q < end_q and n.end_q > start_q)


def _silenced(part: PartSpec, start_q: Fraction, end_q: Fraction, cut_off_q: Fraction = Fraction(0)) -> PartSpec:
    """``part`` silent from ``start_q`` to ``end_q``: a note sounding into the gap lets go
    ``cut_off_q`` before its start, and one held through it (a pad's chord) is struck again
    where the gap ends."""
    return _rested(part, [(start_q - cut_off_q, end_q)])


def _rested(part: PartSpec, gaps: Sequence[tuple[Fraction, Fraction]]) -> PartSpec:
    """``part`` silent through each of ``gaps`` ((start, end) in quarter notes, in time order,
    apart): a note sounding into a gap lets go at its start, and one held through it (a pad's
    chord) is struck again where it ends, in one pass over the notes however many the gaps (a
    long piece's resting scenes)."""
    if not gaps:
        return part
    ends = [end for _, end in gaps]
    notes: list[NoteEvent] = []
    for note in part.notes:
        piece: NoteEvent | None = note
        for start, end in gaps[bisect.bisect_right(ends, note.start_q):]:
            if piece is None or start >= piece.end_q:
                break
            if piece.start_q < start:
                notes.append(NoteEvent(piece.start_q, start - piece.start_q, piece.pitch, piece.velocity))
            restruck = piece.end_q > end and not part.is_drums
            piece = NoteEvent(end, piece.end_q - end, piece.pitch, piece.velocity) if restruck else None
        if piece is not None:
            notes.append(piece)
    return PartSpec(part.role, tuple(sorted(notes, key=lambda n: (n.start_q, n.pitch))))


def _accented(part: PartSpec, chord: ChordSpan, at_q: Fraction, plan: Plan) -> PartSpec:
    """``part`` striking the hit at ``at_q``: its notes there struck hard, or a chord tone added
    where it had none; the kit adds kick and crash. Notes held into the hit let go half a beat
    before it (the breath), and none of its own sound over the hit."""
    velocity = hit_velocity(plan, at_q)
    is_hit = at_q != plan.music_q
    if part.is_drums:
        voices, roll_key, fill_keys = _hit_voices(plan.groove)
        struck = [NoteEvent(at_q, HIT_LENGTH_Q, drum_key(voice), velocity) for voice in voices]
        kept = [n for n in part.notes if not (n.start_q == at_q and n.pitch in {s.pitch for s in struck})]
        if is_hit and not _fills(kept, at_q, fill_keys):
            kept += _roll(at_q, roll_key, velocity)
        return PartSpec(part.role, tuple(sorted(kept + struck, key=lambda n: (n.start_q, n.pitch))))
    if part.role.role == "timpani":
        root = TIMPANI_RANGE[0] + (chord.root_pc - TIMPANI_RANGE[0]) % 12
        kept = [n for n in part.notes if n.start_q != at_q]
        if is_hit and not any(at_q - PICKUP_Q <= n.start_q < at_q for n in kept):
            kept += _roll(at_q, root, velocity)
        kept.append(NoteEvent(at_q, min(HIT_LENGTH_Q, plan.end_q - at_q), root, velocity))
        return PartSpec(part.role, tuple(sorted(kept, key=lambda n: (n.start_q, n.pitch))))
    if not part.notes:
        return part
    breath = at_q - BREATH_Q
    notes: list[NoteEvent] = []
    at_hit = [n for n in part.notes if n.start_q == at_q]
    for note in part.notes:
        if note.start_q == at_q:
            notes.append(NoteEvent(at_q, note.length_q, note.pitch, max(note.velocity, velocity)))
        elif note.start_q < at_q and note.end_q > breath:
            if note.start_q < breath:
                notes.append(NoteEvent(note.start_q, breath - note.start_q, note.pitch, note.velocity))
        else:
            notes.append(note)
    length = BUTTON_Q if at_q == plan.music_q else min(HIT_LENGTH_Q, plan.end_q - at_q)
    if not at_hit and part.role.role not in FOLLOWERS:
        notes.append(NoteEvent(at_q, length, _hit_pitch(part, chord, at_q), velocity))
    if part.role.role == "bass":  # the weight: the root an octave under, where the instrument reaches
        root = min((n.pitch for n in notes if n.start_q == at_q), default=chord.bass) - 12
        if root >= gm_ranges()[part.role.program].low:
            notes.append(NoteEvent(at_q, length, root, velocity))
    return PartSpec(part.role, tuple(sorted(notes, key=lambda n: (n.start_q, n.pitch))))


def _hit_voices(groove: Groove | None) -> tuple[tuple[str, ...], int, frozenset[int]]:
    """What the drummer strikes a hit with, rolls into it on and counts as a fill: a kit's kick
    and crash and snare roll, or a groove's own final hit and fill voices where it has no
    snare (a hand percussionist's congas and tambourine; he has no kick to strike).

    >>> from composer.composition.styles import style_library
    >>> voices, roll, _ = _hit_voices(style_library().grooves["hand percussion"])
    >>> voices, roll
    (('low_conga', 'tambourine'), 63)
    """
    if groove is None or SNARE in _keys(groove):
        return ("kick", "crash"), SNARE, FILL_KEYS
    fill = frozenset(drum_key(voice) for voice in groove.fill)
    return tuple(groove.ending), drum_key(next(iter(groove.fill))), fill


def _keys(groove: Groove) -> set[int]:
    """Every key a groove's levels and fill strike."""
    return {drum_key(voice) for level in groove.levels.values() for voice in level.steps} | {
        drum_key(voice) for voice in groove.fill}


def _fills(notes: Sequence[NoteEvent], at_q: Fraction, fill_keys: frozenset[int]) -> bool:
    """Whether the kit already plays a fill into ``at_q``: two or more strokes of its fill
    voices (a kit's snare or toms) in the beat before it (hats, ride and shakers keep time;
    they are not a fill)."""
    return sum(1 for n in notes if at_q - PICKUP_Q <= n.start_q < at_q and n.pitch in fill_keys) >= 2


def _roll(at_q: Fraction, pitch: int, velocity: int) -> list[NoteEvent]:
    """A roll of sixteenths over the beat before a hit, swelling into it: the pickup that tells
    the ear the hit is coming (a snare on a kit, the root on timpani).

    >>> [(str(n.start_q), n.velocity) for n in _roll(Fraction(8), 38, 100)]
    [('7', 45), ('29/4', 57), ('15/2', 68), ('31/4', 80)]
    """
    strokes = int(PICKUP_Q / SIXTEENTH)
    return [NoteEvent(at_q - PICKUP_Q + index * SIXTEENTH, SIXTEENTH, pitch,
                      round(velocity * (ROLL_FROM + (ROLL_TO - ROLL_FROM) * index / (strokes - 1))))
            for index in range(strokes)]


def hit_velocity(plan: Plan, at_q: Fraction) -> int:
    """How hard the hit at ``at_q`` is struck: harder the more energy the music has there.

    >>> from composer import compose
    >>> plan = compose("calm documentary underscore, 20 seconds", seed=1).plan
    >>> HIT_FLOOR <= hit_velocity(plan, Fraction(8)) < HIT_FLOOR + HIT_RISE
    True
    """
    return round(HIT_FLOOR + HIT_RISE * energy_at(plan, at_q))


def _hit_pitch(part: PartSpec, chord: ChordSpan, at_q: Fraction) -> int:
    """The chord tone a part strikes at a hit it had no note for: the bass its chord's bass,
    any other part the chord tone nearest the last note it played before the hit."""
    if part.role.role == "bass":
        return chord.bass
    before = [n.pitch for n in part.notes if n.start_q < at_q] or [n.pitch for n in part.notes]
    near = before[-1]
    candidates = [p for p in range(near - 6, near + 7) if p % 12 in chord.pitch_classes]
    return min(candidates, key=lambda p: (abs(p - near), p))
