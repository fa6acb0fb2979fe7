"""How a brief is understood before anything is composed: the one random generator a brief and
seed start from, and the plan as JSON data (`composer explain`'s fields and the report's).

Kept apart from :mod:`composer.piece`, which loads the music and audio stacks (music21, mido,
numpy, soundfile), so that `composer explain` imports only the brief and the plan.
"""

from __future__ import annotations

import random
from typing import Any

from composer.base.exact import Fraction
from composer.base.general_midi import program_name
from composer.composition.brief import Brief
from composer.composition.plan import PlacedEvent, Plan, Scene
from composer.composition.plan.style import style_choice

__all__ = ["EXPLAINED", "explanation", "generator", "understood"]

#: The fields `composer explain` shows, in its order (the report shows most of them in its own).
EXPLAINED = ("brief", "kind", "preset", "style", "duration_s", "mood", "tempo_range", "tempo_bpm", "key", "lift",
             "mode", "meter", "bars", "instruments", "exclude", "loop", "ending", "sections", "energy", "cues",
             "events", "tempo_map", "key_changes", "scenes", "notes", "ignored_words")


def understood(brief: Brief, plan: Plan) -> dict[str, Any]:
    """What the brief asked and the plan decided, as JSON data: the one serialiser of the plan
    behind both the report and `composer explain`, which each show these fields in their order.

    >>> from composer.composition.brief import build_brief
    >>> from composer.composition.plan import make_plan
    >>> brief = build_brief("calm piano for a 20-second interview", {})
    >>> fields = understood(brief, make_plan(brief, generator(3, brief)))
    >>> fields["kind"], fields["preset"], fields["duration_s"], fields["meter"], fields["style"]
    ('underscore', 'interview', 20.0, '4/4', {'name': 'pop', 'words': [], 'groove': None})
    >>> [instrument["name"] for instrument in fields["instruments"]]
    ['Pad 2 (warm)', 'Acoustic Bass', 'Acoustic Grand Piano']
    """
    return {
        "brief": brief.text,
        "kind": plan.kind,
        "preset": plan.preset,
        "style": {"name": plan.style, "words": list(style_choice(brief)[1]), "groove": brief.groove or None},
        "duration_s": plan.duration_s,
        "mood": {"valence": plan.valence, "arousal": plan.arousal, "words": list(brief.mood_words)},
        "tempo_range": list(plan.tempo_range),
        "tempo_bpm": round(float(plan.tempo_bpm), 3),
        "key": plan.key,
        "lift": plan.lift_summary(),
        "mode": plan.mode,
        "meter": f"{plan.meter[0]}/{plan.meter[1]}",
        "bars": plan.bars,
        "instruments": [{"role": r.role, "name": r.name, "program": r.program, "channel": r.channel + 1}
                        for r in plan.roles],
        "exclude": list(brief.exclude),
        "loop": plan.ending == "loop",
        "ending": plan.ending,
        "sections": [{"name": s.name, "start_s": round(plan.seconds(s.start_q), 3),
                      "end_s": round(min(plan.seconds(s.end_q), plan.duration_s), 3), "energy": s.energy}
                     for s in plan.sections],
        "energy": plan.energy_curve(),
        "cues": [{"verb": e.verb, "amount": e.amount, "start_s": e.start_s, "from_end_s": e.from_end_s}
                 for e in brief.shape],
        "events": [_event_fields(plan, event) for event in plan.events],
        "tempo_map": [_tempo_fields(plan, *run) for run in plan.tempo_runs()] if plan.tempo_changes else [],
        "key_changes": [{"start_s": round(plan.seconds(at_q), 3), "bar": plan.bar_at(at_q) + 1,
                         "key": f"{tonic} {mode}"} for at_q, tonic, mode in plan.key_changes],
        "scenes": [_scene_fields(plan, scene) for scene in plan.scenes],
        "notes": [*brief.notes, *plan.notes],
        "ignored_words": list(brief.ignored_words),
    }


def _scene_fields(plan: Plan, scene: Scene) -> dict[str, Any]:
    """A scene as JSON data: where it starts, what changed and who rests; where a second voice
    takes the tune or enters with a counter-melody, which role and instrument it is."""
    fields: dict[str, Any] = {"start_s": round(plan.seconds(scene.start_q), 3), "bar": plan.bar_at(scene.start_q) + 1,
                              "change": scene.change, "resting": list(scene.resting)}
    featured = next((role for role in plan.roles if role.role == scene.features), None)
    if featured is not None:
        fields |= {"features": featured.role, "instrument": featured.name}
    return fields


def _tempo_fields(plan: Plan, first_q: Fraction, last_q: Fraction, before: Fraction, bpm: Fraction) -> dict[str, Any]:
    """A tempo of the map as JSON data: where it starts and what it plays; a ramp's tempo before
    it and where it arrives as well."""
    fields: dict[str, Any] = {"start_s": round(plan.seconds(first_q), 3), "bar": plan.bar_at(first_q) + 1,
                              "bpm": round(float(bpm), 3)}
    if last_q != first_q:
        fields |= {"from_bpm": round(float(before), 3), "end_s": round(plan.seconds(last_q), 3),
                   "end_bar": plan.bar_at(last_q) + 1}
    return fields


def _event_fields(plan: Plan, event: PlacedEvent) -> dict[str, Any]:
    """An event as JSON data: what was asked, and where the music lands it (to the millisecond)."""
    landed = plan.exact_seconds(event.moment_q)
    fields: dict[str, Any] = {
        "kind": event.kind, "asked_s": round(float(event.asked_s), 3),
        "length_s": round(float(event.asked_length_s), 3), "landed_s": round(float(landed), 3), "off_ms": round(float(landed - event.asked_s) * 1000, 3),
        "bar": plan.bar_at(event.moment_q) + 1, "keep": [*event.keep, *map(program_name, event.programs)],
        "mode": event.mode, "label": event.label,
        "source": event.source,
    }
    if event.end_q != event.at_q:
        fields["span_s"] = [round(plan.seconds(event.at_q), 3), round(plan.seconds(event.end_q), 3)]
    return fields


def explanation(brief: Brief, plan: Plan) -> dict[str, Any]:
    """`composer explain`'s fields: :func:`understood` before anything is composed, with the
    sections by their starts and the instruments without channels; the events as asked and
    as landed.

    >>> from composer.composition.brief import build_brief
    >>> from composer.composition.plan import make_plan
    >>> brief = build_brief("tense cue, 40 seconds, a hit at 0:16.5", {"stop": "0:20+2"})
    >>> events = explanation(brief, make_plan(brief, generator(1, brief)))["events"]
    >>> [(e["kind"], e["asked_s"], e["landed_s"], e.get("span_s"), e["source"]) for e in events]
    [('hit', 16.5, 16.5, None, 'brief'), ('stop', 20.0, 20.0, [20.0, 22.0], 'flag')]
    """
    fields = understood(brief, plan)
    fields["instruments"] = [{key: i[key] for key in ("role", "name", "program")} for i in fields["instruments"]]
    fields["sections"] = [{key: s[key] for key in ("name", "start_s", "energy")} for s in fields["sections"]]
    return {name: fields[name] for name in EXPLAINED}


def generator(seed: int, brief: Brief) -> random.Random:
    """The one random generator all randomness flows from, seeded by the seed and the brief's
    words: one seed gives different briefs different keys and tunes, the same brief and seed
    the same piece. The plan draws from it; harmony, theme and arrangement each draw from a
    generator seeded by it in turn, so that what one stage draws never shifts another's (the
    motif stays when a later hit moves)."""
    return random.Random(f"{seed}:{brief.text}")
