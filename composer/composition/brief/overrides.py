"""A brief from a TOML brief file and command-line flags: the text read first, then each field
the file or a flag sets laid over it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from composer.base.errors import ComposerError
from composer.composition.brief.checks import check_duration, check_kind, check_tempo
from composer.composition.brief.data import lexicon, presets
from composer.composition.brief.key import parse_key
from composer.composition.brief.meter import parse_meter
from composer.composition.brief.model import DEFAULT_DURATION_S, ENDINGS, Brief
from composer.composition.brief.reader import normalise
from composer.composition.brief.style import style_named
from composer.composition.brief.text import parse_text

#: The fields a brief file may hold.
BRIEF_FILE_FIELDS = ("brief", "kind", "duration", "tempo", "key", "meter", "loop", "seed", "name", "preset",
                     "instruments", "exclude", "ending", "style")


def load_brief_file(path: Path) -> dict[str, Any]:
    """Fields of a TOML brief file (``brief = "…"``, ``duration``, ``kind``, ``tempo``, ``key``, …)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ComposerError(f"brief file {path} does not exist", "check the path, e.g. scores/product-video.toml")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ComposerError(f"brief file {path} is not valid TOML ({error})", "fix the file, see scores/ for examples")
    known = set(BRIEF_FILE_FIELDS)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ComposerError(f"brief file {path} has unknown fields {unknown}", f"use only: {', '.join(sorted(known))}")
    return data


def build_brief(text: str | None, overrides: Mapping[str, Any]) -> Brief:
    """The brief from text, then each override (file fields, then flags) laid over it.

    >>> build_brief("calm piano for an interview", {"duration": 45, "key": "d minor"}).key
    'D minor'
    """
    brief = parse_text(text or "")
    changes: dict[str, Any] = {}
    if overrides.get("kind") is not None:
        changes["kind"] = check_kind(str(overrides["kind"]))
    if overrides.get("preset") is not None:
        if overrides["preset"] not in presets():
            raise ComposerError(f"unknown preset {overrides['preset']!r}", f"use one of: {', '.join(presets())}")
        changes["preset"] = overrides["preset"]
    changes |= _duration(brief, overrides, changes.get("kind"))
    if overrides.get("tempo") is not None:
        changes["tempo_bpm"] = check_tempo(_number(overrides["tempo"], "tempo"))
    if overrides.get("key") is not None:
        changes["key"] = parse_key(str(overrides["key"]))
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
    return replace(brief, **changes)


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


def _ending(brief: Brief, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``loop`` and ``ending`` from a file or flags; an asked ending wins over the loop's."""
    changes: dict[str, Any] = {}
    if overrides.get("loop") is not None:
        changes["loop"] = bool(overrides["loop"])
        changes["ending"] = "loop" if overrides["loop"] else brief.ending
    if overrides.get("ending") is not None:
        if overrides["ending"] not in ENDINGS:
            raise ComposerError(f"unknown ending {overrides['ending']!r}", f"use one of: {', '.join(ENDINGS)}")
        changes["ending"] = overrides["ending"]
    return changes


def _number(value: Any, field: str) -> float:
    """A number from a flag or a brief file, or a clear error naming the field."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ComposerError(f"{field} {value!r} is not a number", f"give {field} as a number, e.g. 90") from None


def _instrument_program(name: str) -> int:
    programs = lexicon().instruments
    key = normalise(name).strip()
    if key not in programs:
        raise ComposerError(f"unknown instrument {name!r}", f"use one of: {', '.join(sorted(programs))}")
    return programs[key]
