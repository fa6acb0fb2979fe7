"""Arrangement: roles turned into notes, with layers, velocity and density following energy,
and how those notes are played.

Arrangement → [PartSpec] + Performance. Every part is a frozen ``PartSpec`` of ``NoteEvent``s in
exact quarter-note time: the written music. Energy (0..1 per bar, from the plan) decides which
layers play, how hard and how busily: that is what makes a build audible. Every layer that
plays in a bar is heard in it (struck there, or a sustained tone held into it; struck again
where the energy rises), so the notes heard per bar, weighted by velocity, rise and fall with
the planned energy. An instrument that cannot sustain (piano, plucked, struck) strikes a long
note again rather than hold it past its decay (``parts.within_decay``). Beside the parts, the
``Performance`` says how they are played: swing, the exact end, and per part its mix,
expression, pedal and micro-timing.

One module per player family: ``pads`` (the sustained pad), ``comping`` (the style's comping
patterns: strums and picking from guitar shapes, block, broken and Alberti keys, skank,
oom-pah-pah, stabs, arpeggios; a solo piano's left hand), ``bass`` (held, or the style's bass
pattern), ``lines`` (melody and counter-line), ``mallets`` (ostinato and ambient texture),
``percussion`` (timpani, drums, a button ending);
``parts`` holds what they share, ``performance`` how the parts are played, and ``data`` the
arrangement data (velocities, timing, mix, texture: ``data/arrangement.toml``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from composer.composition.arrange.bass import bass
from composer.composition.arrange.cues import in_scenes, play_events
from composer.composition.arrange.data import ArrangementData, arrangement_data, load_arrangement_data
from composer.composition.arrange.comping import left_hand
from composer.composition.arrange.lines import carries_the_bass, counter, counter_range, is_descant, melody
from composer.composition.arrange.mallets import ostinato, texture
from composer.composition.arrange.pads import pad
from composer.composition.arrange.parts import NoteEvent, PartSpec, Player, one_at_a_time, within_decay
from composer.composition.arrange.percussion import BUTTON_Q, button, drums, timpani
from composer.composition.arrange.performance import PIANOS, PartPerformance, Performance, fade_length_s, perform
from composer.composition.harmony import ChordSpan
from composer.composition.melody import Theme
from composer.composition.plan import Plan, Role

__all__ = ["BUTTON_Q", "PIANOS", "Arrangement", "ArrangementData", "NoteEvent", "PartPerformance", "PartSpec",
           "Performance", "arrange", "arrangement_data", "counter_range", "fade_length_s", "is_descant",
           "load_arrangement_data"]

#: The player of each role.
PLAYERS: dict[str, Player] = {"pad": pad, "bass": bass, "melody": melody, "counter": counter, "ostinato": ostinato,
                              "texture": texture, "timpani": timpani, "drums": drums}


@dataclass(frozen=True)
class Arrangement:
    """The written parts, in the plan's role order, and how they are played."""

    parts: tuple[PartSpec, ...]
    performance: Performance


def arrange(plan: Plan, chords: list[ChordSpan], theme: Theme, rng: random.Random) -> Arrangement:
    """Notes for every role of the plan, in the plan's role order, each part drawing from its own
    generator seeded from ``rng``; then how they are played (pedal, expression, micro-timing)."""
    players = [random.Random(rng.getrandbits(64)) for _ in plan.roles]  # one each: a part never shifts another
    written = [in_scenes(plan, _part(plan, chords, theme, role, own)) for role, own in zip(plan.roles, players)]
    parts = play_events(plan, chords, written)
    return Arrangement(parts, perform(plan, chords, parts, random.Random(rng.getrandbits(64))))


def _part(plan: Plan, chords: list[ChordSpan], theme: Theme, role: Role, rng: random.Random) -> PartSpec:
    """The part ``role``'s player writes, cut to a button ending's final hit where the piece has
    one, one note at a time where its instrument sounds so, no note longer than it sounds."""
    notes = PLAYERS[role.role](plan, chords, theme, role, rng)
    if carries_the_bass(plan, role):
        notes = [*notes, *left_hand(plan, chords, role, rng)]
    if plan.ending == "button" and plan.kind != "stinger" and role.role != "drums":
        notes = button(chords[-1], notes)
    notes = within_decay(plan, role, one_at_a_time(role, notes))
    return PartSpec(role, tuple(sorted(notes, key=lambda n: (n.start_q, n.pitch))))
