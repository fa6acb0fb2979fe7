"""Plan: the brief turned into musical decisions — tempo, key, meter, form, energy, roles.

The form is fitted to the exact duration: whole bars at a tempo inside the style's or preset's range,
then a release ("tail") that ends exactly at the requested second. Musical time is kept as
exact ``Fraction`` quarter notes; seconds appear only where the brief speaks in seconds.
"""

from __future__ import annotations

import dataclasses
import random

from composer.base.exact import Fraction
from composer.composition.brief import KINDS, Brief, ShapeEvent, presets
from composer.composition.plan.data import PlanData, plan_data
from composer.composition.plan.form import (choose_lift, default_ending, energy_per_bar, phrase_form, timed_sections,
                                            voice_bars)
from composer.composition.plan.model import PlacedEvent, Plan, Role, Scene, Section, Timing, music21_key, transposed_tonic
from composer.composition.plan.scenes import plan_scenes, scene_change_at
from composer.composition.plan.sound import (DRUM_CHANNEL, SINGLE_LINE_PROGRAMS, SUSTAINING_PROGRAMS, choose_key,
                                             choose_roles, motif_flavour, second_voice, swing)
from composer.composition.plan.style import choose_style, chosen_by_mood, groove_for, with_style_drums
from composer.composition.plan.timeline import cut_form, place
from composer.composition.plan.timing import fit_timing, tempo_range


def make_plan(brief: Brief, rng: random.Random) -> Plan:
    """Decide tempo, key, meter, form and sound for ``brief``, in one pass; the seed only picks
    among equals."""
    preset = presets()[brief.preset]
    style = choose_style(brief)
    asked = {event.kind for event in brief.events}
    ending = "button" if "button" in asked else "fade" if "fade_out" in asked else brief.ending or default_ending(brief)
    cut = fit_timing(brief, preset, ending)
    timing = cut.timing
    tonic, mode = choose_key(brief, rng, style)
    events = place(brief.events, timing, cut.on_downbeats) if brief.kind != "stinger" else ()
    casting = choose_roles(brief, preset, style, mood_kit=chosen_by_mood(brief))
    roles = with_style_drums(casting.roles, brief, style)
    accompanied = sum(r.role != "drums" for r in casting.roles) > 1  # a lone melody has no bars to leave to a voice
    if brief.kind == "stinger":
        form = []
    else:
        form = cut_form(brief.kind, cut.segments, events, timing) if events else phrase_form(brief, timing)
        if not accompanied or ending == "loop":  # a loop's first bar has the texture its last leads into
            form = _without_intro(form, join=not events)
    bar_energy = energy_per_bar(_with_event_shape(brief, events, timing), timing, form)
    lift = None if brief.kind == "stinger" or events else choose_lift(brief.kind, timing, tonic, mode, ending, form,
                                                                      rng)
    lift_bar, lift_tonic = lift if lift else (None, "")
    verbs = {e.verb for e in brief.shape}
    voice = second_voice(brief, style, roles)
    if voice is not None:  # the second voice joins only a piece that has scenes to feature it in
        after = next(index for index, r in enumerate(roles) if r.role == "melody") + 1  # the counter's place
        voiced = roles if voice in roles else (*roles[:after], voice, *roles[after:])
        scenes, scene_energy = plan_scenes(brief.kind, timing, form, voiced, rng, verbs, voice.role)
        roles = voiced if scenes else roles
    else:
        scenes, scene_energy = plan_scenes(brief.kind, timing, form, roles, rng, verbs)
    shaped = events or any(e.verb != "evolve" for e in brief.shape)  # the brief's own curve wins
    layer_energy = bar_energy
    if scene_energy and not shaped:
        bar_energy = tuple(round(max(0.05, min(1.0, e + lift_by)), 3) for e, lift_by in zip(bar_energy, scene_energy))
    return Plan(
        **{field.name: getattr(timing, field.name) for field in dataclasses.fields(timing)},
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
        layer_energy=layer_energy if layer_energy != bar_energy else (),
        roles=roles,
        ending=ending,
        loudness_lufs=preset.loudness - (3.0 if brief.kind in ("underscore", "bed") else 0.0),
        room=preset.room,
        idiom=preset.idiom,
        idiom_share=preset.idiom_share,
        motif_flavour=motif_flavour(brief),
        swing=swing(brief, timing.meter),
        style=style.name,
        groove=groove_for(style, roles, brief.groove),
        bass_pattern=style.bass,
        comping=style.comping,
        harmony_vocabulary=style.harmony,
        lift_bar=lift_bar,
        lift_tonic=lift_tonic,
        voice_bars=voice_bars(brief.kind, form) if accompanied else frozenset(),
        notes=casting.notes + cut.notes,
        events=events,
        key_changes=_key_changes(events, tonic, mode),
        scenes=scenes,
    )


def _without_intro(form: list[tuple[str, int]], join: bool) -> list[tuple[str, int]]:
    """The form of a lone melody (a solo cello), which no one accompanies through an intro, and
    of a loop, whose wrap leads its full last bar into its first: it begins at once, the intro's
    bars a statement, joining the one after it if ``join`` (not where sections begin at the
    picture's events).

    >>> _without_intro([("intro", 4), ("statement", 8), ("ending", 4)], join=True)
    [('statement', 12), ('ending', 4)]
    >>> _without_intro([("intro", 4), ("statement", 8)], join=False)
    [('statement', 4), ('statement', 8)]
    """
    if not form or form[0][0] != "intro":
        return form
    if join and len(form) > 1 and form[1][0] == "statement":
        return [("statement", form[0][1] + form[1][1]), *form[2:]]
    return [("statement", form[0][1]), *form[1:]]


def _with_event_shape(brief: Brief, events: tuple[PlacedEvent, ...], timing: Timing) -> Brief:
    """``brief`` with its events' energy added to its shape: a build or swell rises over its
    span, a drop-out falls to the quiet level over its span."""
    shape = []
    for event in events:
        start_s, end_s = timing.seconds(event.at_q), timing.seconds(event.end_q)
        if event.kind in ("build", "swell") and end_s > start_s:
            shape.append(ShapeEvent("build", 1.0, start_s=start_s, end_s=end_s))
        elif event.kind == "dip":
            shape.append(ShapeEvent("drop", 1.0, start_s=start_s, end_s=end_s))
    return dataclasses.replace(brief, shape=brief.shape + tuple(shape)) if shape else brief


def _key_changes(events: tuple[PlacedEvent, ...], tonic: str, mode: str) -> tuple[tuple[Fraction, str, str], ...]:
    """Where each turn to a mode changes key: to the relative major or minor, whose notes the
    music already knows, so the turn is heard in the harmony's centre rather than a jolt; a
    key change with no mode ("up") a whole step up, as a pop song lifts."""
    changes = []
    for event in events:
        if event.kind != "turn" or not event.mode or event.mode == mode:
            continue
        if event.mode == "up":  # the key a step up, the mode kept
            tonic = transposed_tonic(tonic, mode, plan_data().form.lift_interval)
            changes.append((event.at_q, tonic, mode))
            continue
        family = "minor" if mode in ("minor", "dorian", "phrygian") else "major"
        if event.mode == family:
            continue
        tonic, mode = transposed_tonic(tonic, mode, "m3" if event.mode == "major" else "-m3", event.mode), event.mode
        changes.append((event.at_q, tonic, mode))
    return tuple(changes)


__all__ = ["DRUM_CHANNEL", "KINDS", "SINGLE_LINE_PROGRAMS", "SUSTAINING_PROGRAMS", "PlacedEvent", "Plan", "PlanData", "Role", "Scene", "Section", "Timing", "make_plan",
           "music21_key", "plan_data", "scene_change_at", "tempo_range"]
