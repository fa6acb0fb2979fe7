"""A brief from a TOML brief file and command-line flags: the text read first, then each field
the file or a flag sets laid over it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.checks import (check_duration, check_events, check_kind, check_stinger, check_tempo,
                                              check_times)
from composer.composition.brief.data import lexicon, presets
from composer.composition.brief.events import WrittenEvent, resolve
from composer.composition.brief.key import spell_key
from composer.composition.brief.markers import marker_events
from composer.composition.brief.meter import parse_meter
from composer.composition.brief.model import DEFAULT_DURATION_S, ENDINGS, Brief
from composer.composition.brief.reader import normalise
from composer.composition.brief.style import style_named
from composer.composition.brief.text import parse_text
from composer.composition.brief.timeline import entry_events, flag_events, load_timeline
from composer.composition.brief.times import DEFAULT_FPS, fps_from

#: The fields a brief file may hold, each with what it must be and an example of it written in TOML.
FIELD_SCHEMA: dict[str, tuple[str, str]] = {
    "brief": ("text", 'brief = "calm piano for a 60-second interview"'),
    "kind": ("text", 'kind = "bed"'),
    "duration": ("number", "duration = 90"),
    "tempo": ("number", "tempo = 96"),
    "key": ("text", 'key = "D minor"'),
    "meter": ("text", 'meter = "3/4"'),
    "loop": ("true or false", "loop = true"),
    "seed": ("whole number", "seed = 3"),
    "name": ("text", 'name = "launch-v1"'),
    "preset": ("text", 'preset = "podcast"'),
    "instruments": ("list of text", 'instruments = ["piano", "cello"]'),
    "exclude": ("list of text", 'exclude = ["drums"]'),
    "ending": ("text", 'ending = "fade"'),
    "style": ("text", 'style = "bossa nova"'),
    "hit": ("list of times", 'hit = ["1:15", "1:30"]'),
    "stop": ("list of times", 'stop = ["0:20+2"]'),
    "dip": ("list of times", 'dip = ["0:45-1:05:pad,piano"]'),
    "build": ("list of times", 'build = ["0:40-0:55"]'),
    "turn": ("list of times", 'turn = ["1:30:major"]'),
    "fade_in": ("time", "fade_in = 10"),
    "fade_out": ("time", "fade_out = 6"),
    "button": ("time", 'button = "0:30"'),
    "fps": ("number", "fps = 25"),
    "timeline": ("text", 'timeline = "cues.toml"'),
    "markers": ("text", 'markers = "edit.otio"'),
    "events": ("list of tables", 'events = [{kind = "hit", at = "1:15"}]'),
}
#: The fields that name a file, read relative to the brief file that names them.
_FILE_FIELDS = ("timeline", "markers")
BRIEF_FILE_FIELDS = tuple(FIELD_SCHEMA)


def load_brief_file(path: Path) -> dict[str, Any]:
    """Fields of a TOML brief file (``brief = "…"``, ``duration``, ``kind``, ``tempo``, ``key``, …),
    each of the type its field takes."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ComposerError(f"brief file {path} does not exist", "check the path, e.g. scores/product-video.toml")
    except IsADirectoryError:
        raise ComposerError(f"brief file {path} is a folder", "give a .toml file, e.g. scores/product-video.toml")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ComposerError(f"brief file {path} is not valid TOML ({error})", "fix the file, see scores/ for examples")
    except OSError as error:
        raise ComposerError(f"cannot read brief file {path} ({error.strerror})", "check the path and its permissions")
    known = set(BRIEF_FILE_FIELDS)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ComposerError(f"brief file {path} has unknown fields {unknown}", f"use only: {', '.join(sorted(known))}")
    fields = check_fields(data, f"brief file {path}")
    for field in _FILE_FIELDS:
        if isinstance(fields.get(field), str):
            fields[field] = str(path.parent / fields[field])
    return fields


def check_fields(fields: Mapping[str, Any], source: str = "") -> dict[str, Any]:
    """``fields`` (a brief file's or the Python API's overrides) if each has its field's type
    (``FIELD_SCHEMA``), else a clear error naming the field and showing how it is written. A
    number may be given as text ("90"); a list of text may be one text ("drums").

    >>> check_fields({"loop": True, "exclude": "drums"}, "brief file a.toml")
    {'loop': True, 'exclude': ['drums']}
    >>> check_fields({"loop": "no"}, "brief file a.toml")
    Traceback (most recent call last):
    composer.base.errors.ComposerError: brief file a.toml: loop 'no' is not true or false: write e.g. loop = true
    """
    checked = dict(fields)
    for field, value in fields.items():
        if field not in FIELD_SCHEMA or value is None:
            continue
        kind, example = FIELD_SCHEMA[field]
        if kind in ("list of text", "list of times") and isinstance(value, (str, int, float)) \
                and not isinstance(value, bool):
            checked[field] = value = [value]
        if not _is(kind, value):
            article = "a " if kind in ("number", "whole number") else ""
            raise ComposerError(f"{source + ': ' if source else ''}{field} {_shown(value)} is not {article}{kind}",
                                f"write e.g. {example}")
    return checked


def _is(kind: str, value: Any) -> bool:
    """Whether ``value`` is of the schema's ``kind``."""
    if isinstance(value, bool):
        return kind == "true or false"
    if kind == "number":
        return isinstance(value, (int, float, str))  # text is read as a number, or refused, by _number
    if kind == "whole number":
        return isinstance(value, int)
    if kind == "list of text":
        return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)
    if kind == "time":
        return isinstance(value, (int, float, str))
    if kind == "list of times":
        return isinstance(value, (list, tuple)) and all(isinstance(item, (int, float, str)) and not isinstance(item, bool)
                                                        for item in value)
    if kind == "list of tables":
        return isinstance(value, (list, tuple)) and all(isinstance(item, Mapping) for item in value)
    return isinstance(value, str) if kind == "text" else False


def build_brief(text: str | None, overrides: Mapping[str, Any]) -> Brief:
    """The brief from text, then each override (file fields, then flags) laid over it, then
    checked whole: a stinger no longer than a stinger, every asked change inside the piece.

    >>> build_brief("calm piano for an interview", {"duration": 45, "key": "d minor"}).key
    'D minor'
    """
    overrides = check_fields(overrides)
    fps = fps_from(overrides["fps"]) if overrides.get("fps") is not None else None
    brief = parse_text(text or "", fps)
    changes: dict[str, Any] = {}
    if overrides.get("kind") is not None:
        changes["kind"] = check_kind(str(overrides["kind"]))
    if overrides.get("preset") is not None:
        if overrides["preset"] not in presets():
            raise ComposerError(f"unknown preset {overrides['preset']!r}", f"use one of: {', '.join(presets())}")
        changes["preset"] = overrides["preset"]
    changes |= _duration(brief, overrides, changes.get("kind"))
    changes |= _events(brief, overrides, fps or DEFAULT_FPS, changes.get("duration_s", brief.duration_s))
    if overrides.get("tempo") is not None:
        changes["tempo_bpm"] = check_tempo(_number(overrides["tempo"], "tempo"))
    if overrides.get("key") is not None:
        changes["key"], respelled = spell_key(str(overrides["key"]))
        if respelled:
            changes["notes"] = (*changes.get("notes", brief.notes), respelled)
    if overrides.get("meter") is not None:
        changes["meter"] = parse_meter(str(overrides["meter"]))
    if overrides.get("style") is not None:
        changes["style"], changes["style_words"] = style_named(str(overrides["style"])), (str(overrides["style"]),)
    changes |= _ending(brief, overrides)
    if overrides.get("exclude"):
        changes["exclude"] = tuple(dict.fromkeys([*brief.exclude, *overrides["exclude"]]))
    if overrides.get("instruments"):
        programs = [_instrument_program(name) for name in overrides["instruments"]]
        changes["instruments"] = tuple(dict.fromkeys([*brief.instruments, *programs]))
    return check_events(check_times(check_stinger(replace(brief, **changes), kind_asked=overrides.get("kind") is not None)))


def _duration(brief: Brief, overrides: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
    """An asked duration, or, when only the kind changes and the text named no length, that
    kind's default length."""
    if overrides.get("duration") is not None:
        return {
            "duration_s": check_duration(_number(overrides["duration"], "duration")),
            "notes": tuple(n for n in brief.notes if not n.startswith("no length given")),
            "duration_given": True,
        }
    if kind is not None and not brief.duration_given:
        return {"duration_s": DEFAULT_DURATION_S[kind]}
    return {}


def _events(brief: Brief, overrides: Mapping[str, Any], fps: Fraction, duration_s: float) -> dict[str, Any]:
    """The events of the flags, the brief file's ``events``, a timeline file and an editor's
    markers beside the words'; a fade-out the words placed at the end stays at the end of a
    length the flags changed. A button asked for ends the piece on a button, a fade-out to the
    end with a fade, unless the words name another ending.

    >>> [(e.kind, str(e.at_s), e.source) for e in build_brief("calm piano, fades out over the last 5 s",
    ...                                                        {"duration": 40, "hit": "0:10"}).events]
    [('hit', '10', 'flag'), ('fade_out', '35', 'brief')]
    """
    written = flag_events(overrides, fps, overrides.get("event_sources"))
    if overrides.get("events") is not None:
        written += entry_events(overrides["events"], "brief file", fps)
    if overrides.get("timeline") is not None:
        written += load_timeline(Path(overrides["timeline"]), fps)
    if overrides.get("markers") is not None:
        written += marker_events(Path(overrides["markers"]), fps)
    old_end, new_end = Fraction(brief.duration_s), Fraction(duration_s)
    if not written and old_end == new_end:
        return {}
    own = [WrittenEvent(e, from_end=True) if e.kind == "fade_out" and e.end_s == old_end else WrittenEvent(e)
           for e in brief.events]
    events = resolve([*own, *written], duration_s)
    changes: dict[str, Any] = {"events": events}
    if brief.ending is None and any(e.kind == "button" for e in events):
        changes["ending"] = "button"
    elif brief.ending is None and any(e.kind == "fade_out" and e.end_s == new_end for e in events):
        changes["ending"] = "fade"
    return changes


def _ending(brief: Brief, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``loop`` and ``ending`` from a file or flags; an asked ending wins over the loop's, and
    ``loop = false`` undoes a loop the words asked for.

    >>> _ending(build_brief("seamless loop for a podcast", {}), {"loop": False})
    {'loop': False, 'ending': None}
    """
    changes: dict[str, Any] = {}
    if overrides.get("loop") is not None:
        changes["loop"] = overrides["loop"]
        changes["ending"] = "loop" if overrides["loop"] else None if brief.ending == "loop" else brief.ending
    if overrides.get("ending") is not None:
        if overrides["ending"] not in ENDINGS:
            raise ComposerError(f"unknown ending {overrides['ending']!r}", f"use one of: {', '.join(ENDINGS)}")
        changes["ending"] = overrides["ending"]
    return changes


def _number(value: Any, field: str) -> float:
    """A number from a flag or a brief file, or a clear error naming the field."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ComposerError(f"{field} {_shown(value)} is not a number", f"give {field} as a number, e.g. 90") from None


def _shown(value: Any) -> str:
    """A value as a one-line error shows it: its repr, cut short.

    >>> _shown("x" * 50), _shown(10**5000)
    ("'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…", 'of more than 40 digits')
    """
    if isinstance(value, int) and abs(value) >= 10**40:  # repr of a huge int is slow, or refused
        return "of more than 40 digits"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}…"


def _instrument_program(name: str) -> int:
    programs = lexicon().instruments
    key = normalise(name).strip()
    if key not in programs:
        raise ComposerError(f"unknown instrument {name!r}", f"use one of: {', '.join(sorted(programs))}")
    return programs[key]
