"""Plan: the brief turned into musical decisions — tempo, key, meter, form, energy, roles.

The form is fitted to the exact duration: whole bars at a tempo inside the style's or preset's range,
then a release ("tail") that ends exactly at the requested second. Musical time is kept as
exact ``Fraction`` quarter notes; seconds appear only where the brief speaks in seconds.
"""

from __future__ import annotations

import random

from composer.composition.brief import Brief, presets
from composer.composition.plan.data import PlanData, plan_data
from composer.composition.plan.form import (choose_lift, default_ending, energy_per_bar, phrase_form, timed_sections,
                                            voice_bars)
from composer.composition.plan.model import Plan, Role, Section, Timing, music21_key
from composer.composition.plan.sound import (DRUM_CHANNEL, SUSTAINING_PROGRAMS, choose_key, choose_roles, motif_flavour,
                                             swing)
from composer.composition.plan.style import choose_style, with_style_drums
from composer.composition.plan.timing import fit_timing, tempo_range


def make_plan(brief: Brief, rng: random.Random) -> Plan:
    """Decide tempo, key, meter, form and sound for ``brief``, in one pass; the seed only picks
    among equals."""
    preset = presets()[brief.preset]
    style = choose_style(brief)
    ending = brief.ending or default_ending(brief)
    timing = fit_timing(brief, preset, ending)
    tonic, mode = choose_key(brief, rng)
    form = [] if brief.kind == "stinger" else phrase_form(brief, timing)
    bar_energy = energy_per_bar(brief, timing, form)
    lift = None if brief.kind == "stinger" else choose_lift(brief.kind, timing, tonic, mode, ending, form, rng)
    lift_bar, lift_tonic = lift if lift else (None, "")
    casting = choose_roles(brief, preset, style)
    accompanied = sum(r.role != "drums" for r in casting.roles) > 1  # a lone melody has no bars to leave to a voice
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
        sections=timed_sections(brief.kind, timing, form, bar_energy),
        bar_energy=bar_energy,
        roles=with_style_drums(casting.roles, brief, style),
        ending=ending,
        loudness_lufs=preset.loudness - (3.0 if brief.kind in ("underscore", "bed") else 0.0),
        room=preset.room,
        idiom=preset.idiom,
        idiom_share=preset.idiom_share,
        motif_flavour=motif_flavour(brief),
        swing=swing(brief, timing.meter),
        style=style.name,
        groove=style.drums,
        bass_pattern=style.bass,
        comping=style.comping,
        harmony_vocabulary=style.harmony,
        lift_bar=lift_bar,
        lift_tonic=lift_tonic,
        voice_bars=voice_bars(brief.kind, form) if accompanied else frozenset(),
        notes=casting.notes,
    )


__all__ = ["DRUM_CHANNEL", "SUSTAINING_PROGRAMS", "Plan", "PlanData", "Role", "Section", "Timing", "make_plan",
           "music21_key", "plan_data", "tempo_range"]
