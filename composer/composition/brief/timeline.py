"""Events from flags (``--hit 1:15``, ``--stop 0:20+2``, ``--dip 0:45-1:05:pad,piano`` …) and
from a timeline file (``--timeline cues.toml|cues.json``), each time read by the one
``parse_time`` the brief's words use."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.checks import check_tempo
from composer.composition.brief.events import DEFAULT_STOP_S, WrittenEvent, layer_role, mode_of
from composer.composition.brief.model import EVENT_KINDS, TURN_MODES, CueEvent
from composer.composition.brief.times import fps_from, parse_time

#: The flags (and brief-file fields) that ask for events, each with how it is written.
EVENT_FLAGS: dict[str, str] = {
    "hit": "--hit 1:15",
    "stop": "--stop 0:20+2 (start+length)",
    "dip": "--dip 0:45-1:05:pad,piano (start-end, then the layers kept)",
    "build": "--build 0:40-0:55 (a rise over the span into its end), or --build 0:55",
    "turn": "--turn 1:30:major (or :minor; none: a new section in the same mode)",
    "fade_in": "--fade-in 10 (seconds from the start)",
    "fade_out": "--fade-out 6 (the last seconds)",
    "button": "--button 0:30",
}
#: What a timeline file's entry may hold, each with an example of it written in TOML.
ENTRY_FIELDS: dict[str, str] = {
    "kind": f'kind = "hit" (one of {", ".join(EVENT_KINDS)})',
    "at": 'at = "1:15"',
    "length": "length = 2",
    "until": 'until = "1:05"',
    "keep": 'keep = ["pad", "piano"]',
    "mode": 'mode = "major"',
    "tempo": "tempo = 140",
    "label": 'label = "logo"',
}
_LAYERS = re.compile(r"(.*?):([a-z][a-z ,&+-]*)")


def flag_events(fields: Mapping[str, Any], fps: Fraction, sources: Mapping[str, str] | None = None) -> list[WrittenEvent]:
    """The events the event flags (or a brief file's or manifest's event fields) ask for, each
    with its source: ``sources`` by field (e.g. ``{"hit": "brief file"}``), else "flag".

    >>> [(w.event.kind, str(w.event.at_s), str(w.event.length_s), w.event.keep, w.from_end) for w in flag_events(
    ...     {"hit": ["1:15"], "stop": ["0:20+2"], "dip": ["0:45-1:05:pad,piano"], "fade_out": 6}, Fraction(25))]
    [('hit', '75', '0', (), False), ('stop', '20', '2', (), False), ('dip', '45', '20', ('pad', 'melody'), False), \
('fade_out', '0', '6', (), True)]
    """
    found: list[WrittenEvent] = []
    for name in EVENT_FLAGS:
        value = fields.get(name)
        if value is None:
            continue
        source = (sources or {}).get(name, "flag")
        for spec in value if isinstance(value, (list, tuple)) else [value]:
            written = _flag_event(name, str(spec).strip(), fps)
            found.append(written if source == "flag" else written._replace(event=replace(written.event, source=source)))
    return found


def _flag_event(name: str, spec: str, fps: Fraction) -> WrittenEvent:
    """One flag's event; a spec that does not read is an error showing how it is written."""
    def time(text: str) -> Fraction:
        try:
            return parse_time(text, fps)
        except ComposerError as error:
            raise ComposerError(f"--{name.replace('_', '-')} {spec!r}: {error.problem}",
                                f"write it as {EVENT_FLAGS[name]}") from None

    if name == "stop":
        at, _, length = spec.partition("+")
        return WrittenEvent(CueEvent("stop", time(at), time(length) if length else DEFAULT_STOP_S, source="flag"))
    if name in ("dip", "build"):
        span, layers = _split_tail(spec)
        if layers and name == "build":
            raise ComposerError(f"--build {spec!r} names layers, but a build keeps them all",
                                f"write it as {EVENT_FLAGS[name]}")
        first, dash, second = span.partition("-")
        start, end = time(first), time(second) if dash else None
        if end is not None and end <= start:
            raise ComposerError(f"--{name} {spec!r} ends before it starts", "write the earlier time first, e.g. "
                                f"{EVENT_FLAGS[name].split(' (')[0]}")
        if name == "build":
            return WrittenEvent(CueEvent("build", end, end - start, source="flag") if end is not None
                                else CueEvent("build", start, source="flag"))
        if end is None:
            raise ComposerError(f"--dip {spec!r} has no end", f"write it as {EVENT_FLAGS[name]}")
        keep = tuple(dict.fromkeys(_layer(layer, spec) for layer in re.split(r"[,&+]|\band\b", layers)
                                   if layer.strip()))
        return WrittenEvent(CueEvent("dip", start, end - start, keep, source="flag"))
    if name == "turn":
        at, mode = _split_tail(spec)
        if mode and mode not in TURN_MODES:
            raise ComposerError(f"--turn {spec!r}: {mode!r} is not a mode",
                                "write :major, :minor or :up (a step up), e.g. --turn 1:30:major")
        return WrittenEvent(CueEvent("turn", time(at), mode=mode, source="flag"))
    if name == "fade_in":
        return WrittenEvent(CueEvent("fade_in", Fraction(0), time(spec), source="flag"))
    if name == "fade_out":
        return WrittenEvent(CueEvent("fade_out", Fraction(0), time(spec), source="flag"), from_end=True)
    return WrittenEvent(CueEvent(name, time(spec), source="flag"))


def _split_tail(spec: str) -> tuple[str, str]:
    """A flag's times and the words after its last colon ("0:45-1:05:pad,piano").

    >>> _split_tail("0:45-1:05:pad,piano"), _split_tail("1:30"), _split_tail("1:30:major")
    (('0:45-1:05', 'pad,piano'), ('1:30', ''), ('1:30', 'major'))
    """
    match = _LAYERS.fullmatch(spec.lower())
    return (match.group(1), match.group(2).strip()) if match else (spec, "")


def _layer(name: str, spec: str) -> str:
    role = layer_role(name.strip())
    if not role:
        raise ComposerError(f"--dip {spec!r}: {name.strip()!r} is not a layer",
                            "name roles (pad, bass, melody, drums …) or instruments, e.g. --dip 0:45-1:05:pad,piano")
    return role


def load_timeline(path: Path, fps: Fraction) -> list[WrittenEvent]:
    """The events of a timeline file: TOML (``[[events]]`` tables) or JSON (a list, or
    ``{"events": [...]}``), each entry ``{kind, at, length?, until?, keep?, mode?, tempo?,
    label?}``; a file may set its own ``fps``."""
    shown = f"timeline file {path}"
    try:
        text = path.read_text("utf-8")
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except FileNotFoundError:
        raise ComposerError(f"{shown} does not exist", "check the path, e.g. --timeline cues.toml") from None
    except IsADirectoryError:
        raise ComposerError(f"{shown} is a folder", "give a .toml or .json file, e.g. --timeline cues.toml") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ComposerError(f"{shown} is not valid {kind} ({error})",
                            'write e.g. [[events]] kind = "hit" at = "1:15" (TOML) or [{"kind": "hit", "at": "1:15"}] '
                            "(JSON)") from None
    except OSError as error:
        raise ComposerError(f"cannot read {shown} ({error.strerror})", "check the path and its permissions") from None
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"events", "fps"})
        if unknown:
            raise ComposerError(f"{shown} has unknown fields {unknown}", "use only: events, fps")
        if "fps" in data:
            fps = fps_from(data["fps"])
        data = data.get("events", [])
    if not isinstance(data, list) or not data:
        raise ComposerError(f"{shown} holds no events", 'list them, e.g. [[events]] kind = "hit" at = "1:15"')
    return [_entry(entry, f"{shown}: event {number}", fps) for number, entry in enumerate(data, 1)]


def entry_events(entries: Any, source: str, fps: Fraction) -> list[WrittenEvent]:
    """A brief file's ``events = [...]``, read as a timeline file's entries."""
    if not isinstance(entries, list):
        raise ComposerError(f"{source}: events is not a list", 'write e.g. events = [{kind = "hit", at = "1:15"}]')
    return [_entry(entry, f"{source}: event {number}", fps) for number, entry in enumerate(entries, 1)]


def _entry(entry: Any, where: str, fps: Fraction) -> WrittenEvent:
    """One entry of a timeline, checked key by key; an error names the file, the entry and how
    the key is written."""
    if not isinstance(entry, dict):
        raise ComposerError(f"{where} is not a table", 'write e.g. {kind = "hit", at = "1:15"}')
    unknown = sorted(set(entry) - set(ENTRY_FIELDS))
    if unknown:
        raise ComposerError(f"{where} has unknown keys {unknown}", f"use only: {', '.join(ENTRY_FIELDS)}")
    kind = entry.get("kind")
    if kind not in EVENT_KINDS:
        raise ComposerError(f"{where}: kind {kind!r} is not an event", f"write {ENTRY_FIELDS['kind']}")
    where = f"{where} ({kind})"

    def time(key: str) -> Fraction | None:
        value = entry.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ComposerError(f"{where}: {key} {value!r} is not a time", f"write e.g. {ENTRY_FIELDS[key]}")
        try:
            return parse_time(str(value), fps)
        except ComposerError as error:
            raise ComposerError(f"{where}: {key} {value!r} does not read as a time",
                                f"write e.g. {ENTRY_FIELDS[key]} ({error.fix})") from None

    at, length, until = time("at"), time("length"), time("until")
    if at is None and kind not in ("fade_in", "fade_out"):
        raise ComposerError(f"{where} has no time", f"write e.g. {ENTRY_FIELDS['at']}")
    if until is not None:
        if at is None or until <= at:
            raise ComposerError(f"{where} ends (until) before it starts (at)", "write the earlier time as at")
        length = until - at
    if kind == "build" and until is not None and at is not None:
        at, length = until, length
    if kind in ("dip", "fade_in", "fade_out") and not length:
        raise ComposerError(f"{where} has no length", f"write e.g. {ENTRY_FIELDS['length']} or {ENTRY_FIELDS['until']}")
    keep = entry.get("keep", [])
    if isinstance(keep, str):
        keep = [keep]
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise ComposerError(f"{where}: keep {keep!r} is not a list of layers", f"write e.g. {ENTRY_FIELDS['keep']}")
    roles = [layer_role(k.strip().lower()) for k in keep]
    if not all(roles):
        raise ComposerError(f"{where}: {keep[roles.index('')]!r} is not a layer",
                            "name roles (pad, bass, melody, drums …) or instruments")
    written_mode = entry.get("mode", "")
    mode = mode_of(written_mode.lower()) if isinstance(written_mode, str) and written_mode else ""
    if mode is None or not isinstance(written_mode, str):
        raise ComposerError(f"{where}: mode {written_mode!r} is not a mode", f"write e.g. {ENTRY_FIELDS['mode']}")
    tempo = entry.get("tempo")
    if kind == "tempo":
        if isinstance(tempo, bool) or not isinstance(tempo, (int, float)):
            raise ComposerError(f"{where} has no tempo", f"write e.g. {ENTRY_FIELDS['tempo']}")
        tempo = Fraction(check_tempo(float(tempo))).limit_denominator(1000)
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise ComposerError(f"{where}: label {label!r} is not text", f"write e.g. {ENTRY_FIELDS['label']}")
    if kind == "stop" and length is None:
        length = DEFAULT_STOP_S
    event = CueEvent(kind, at if at is not None else Fraction(0), length or Fraction(0), tuple(dict.fromkeys(roles)),
                     mode, tempo if kind == "tempo" else None, label, "timeline")
    return WrittenEvent(event, from_end=kind == "fade_out" and at is None)
