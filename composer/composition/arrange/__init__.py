"""Arrangement: roles turned into notes, with layers, velocity and density following energy.

Every part is a plain ``PartSpec`` of ``NoteEvent``s in exact quarter-note time. Energy
(0..1 per bar, from the plan) decides which layers play, how hard and how busily: that is what
makes a build audible. Every layer that plays in a bar is heard in it (a chord held across bars
is struck again), so the notes played per bar, weighted by velocity, rise and fall with the
planned energy.

One module per player family: ``pads``, ``bass``, ``lines`` (melody and counter-line),
``mallets`` (ostinato and ambient texture), ``percussion`` (timpani, drums, a button ending);
``parts`` holds what they share and ``performance`` how the parts are played (pedal,
expression, micro-timing). The arrangement data (velocities, timing, mix, texture) is
``data/arrangement.toml``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from composer.composition.arrange.bass import bass
from composer.composition.arrange.lines import counter, counter_range, melody
from composer.composition.arrange.mallets import ostinato, texture
from composer.composition.arrange.pads import pad
from composer.composition.arrange.data import ArrangementData, arrangement_data, load_arrangement_data
from composer.composition.arrange.parts import NoteEvent, PartSpec
from composer.composition.arrange.percussion import BUTTON_Q, button, drums, timpani
from composer.composition.arrange.performance import PIANOS, expression, fade_length_s, humanize, pedal
from composer.composition.harmony import ChordSpan
from composer.composition.melody import Theme
from composer.composition.plan import Plan

__all__ = ["BUTTON_Q", "PIANOS", "ArrangementData", "NoteEvent", "PartSpec", "arrange", "arrangement_data",
           "counter_range", "fade_length_s", "load_arrangement_data"]

#: A player: writes the notes of one role's part.
Player = Callable[[Plan, list[ChordSpan], Theme, PartSpec, random.Random], None]

#: The player of each role.
PLAYERS: dict[str, Player] = {"pad": pad, "bass": bass, "melody": melody, "counter": counter, "ostinato": ostinato,
                              "texture": texture, "timpani": timpani, "drums": drums}


def arrange(plan: Plan, chords: list[ChordSpan], theme: Theme, rng: random.Random) -> list[PartSpec]:
    """Notes for every role of the plan, in the plan's role order; then pedal, expression and
    micro-timing."""
    parts = []
    for role in plan.roles:
        part = PartSpec(role)
        PLAYERS[role.role](plan, chords, theme, part, rng)
        if plan.ending == "button" and plan.kind != "stinger" and not part.is_drums:
            button(plan, chords[-1], part)
        part.notes.sort(key=lambda n: (n.start_q, n.pitch))
        part.pedal_q = pedal(plan, chords, part)
        part.expression = expression(plan, chords, part)
        parts.append(part)
    for part in parts:  # after all the notes, so humanizing never changes what is played
        humanize(part, rng)
    return parts
