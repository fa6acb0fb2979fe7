"""Typed records from the package's TOML data: a table becomes a frozen dataclass, checked
field by field against its type hints when it is loaded, so a malformed data file fails at
once with the file, the key and the problem (:func:`composer.base.tables.data_error`), never
later as a KeyError deep in a stage.

A record's field types may be ``int``, ``float`` (an integer passes), ``str``, ``bool``,
``Fraction`` (a number or a string like "1/2"), another record, ``tuple[X, ...]`` or a fixed
``tuple[X, Y]``, ``dict[str, X]`` and ``X | None``. A field with a default may be left out; a
field whose metadata holds :func:`bounds` must lie within them.

>>> from dataclasses import dataclass, field
>>> @dataclass(frozen=True)
... class Cue:
...     name: str
...     beats: tuple[int, ...]
...     level: float = field(default=0.5, metadata=bounds(0, 1))
...     share: Fraction = Fraction(1, 2)
>>> record(Cue, {"name": "hit", "beats": [1, 3]}, "cues.toml")
Cue(name='hit', beats=(1, 3), level=0.5, share=Fraction(1, 2))
>>> record(Cue, {"name": "hit", "beats": [1, "x"]}, "cues.toml")
Traceback (most recent call last):
composer.base.errors.ComposerError: cues.toml: beats[1]: expected int, found 'x': correct the value (the comments at the top of the file say what each key holds)
>>> record(Cue, {"name": "hit", "beats": [], "level": 2}, "cues.toml", "intro")
Traceback (most recent call last):
composer.base.errors.ComposerError: cues.toml: intro.level: 2.0 is outside 0–1: correct the value (the comments at the top of the file say what each key holds)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from composer.base.exact import Fraction
from composer.base.tables import data_error

Record = TypeVar("Record")


class _Malformed(Exception):
    """A problem at a key path (turned into the one data_error at the top)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


def bounds(low: float, high: float) -> dict[str, tuple[float, float]]:
    """A dataclass field's metadata: the least and most a value read by :func:`record` may be."""
    return {"bounds": (low, high)}


def record(kind: type[Record], values: Any, source: Path | Traversable | str, key: str = "",
           **given: Any) -> Record:
    """``values`` (a parsed TOML table, found at ``key`` of the file ``source``) as a ``kind``
    record; the fields in ``given`` are set by the caller, not read. A ComposerError naming
    the file, the key and the problem when the table does not fit."""
    try:
        result: Record = _dataclass(kind, values, key, given)
    except _Malformed as error:
        raise data_error(source, error.key, error.problem) from None
    return result


def _join(key: str, part: str | int) -> str:
    return f"{key}[{part}]" if isinstance(part, int) else f"{key}.{part}" if key else part


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _dataclass(kind: type, values: Any, key: str, given: Mapping[str, Any]) -> Any:
    if not isinstance(values, Mapping):
        raise _Malformed(key, f"expected a table, found {values!r}")
    fields = {f.name: f for f in dataclasses.fields(kind) if f.name not in given}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise _Malformed(_join(key, unknown[0]), f"unknown key (known: {', '.join(fields)})")
    hints = _hints(kind)
    read = dict(given)
    for name, spec in fields.items():
        where = _join(key, name)
        if name in values:
            read[name] = _convert(hints[name], values[name], where)
            limits = spec.metadata.get("bounds")
            if limits is not None and not limits[0] <= read[name] <= limits[1]:
                raise _Malformed(where, f"{read[name]} is outside {limits[0]:g}–{limits[1]:g}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise _Malformed(where, "missing")
    return kind(**read)


def _convert(kind: Any, value: Any, key: str) -> Any:
    """``value`` converted to the type ``kind`` (see the module docstring for what is allowed)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return _dataclass(kind, value, key, {})  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        return _convert(next(a for a in arguments if a is not type(None)), value, key)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Malformed(key, f"expected a list, found {value!r}")
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple(_convert(arguments[0], item, _join(key, i)) for i, item in enumerate(value))
        if len(value) != len(arguments):
            raise _Malformed(key, f"expected a list of {len(arguments)}, found {value!r}")
        return tuple(_convert(a, item, _join(key, i)) for i, (a, item) in enumerate(zip(arguments, value)))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _Malformed(key, f"expected a table, found {value!r}")
        return {str(k): _convert(arguments[1], item, _join(key, str(k))) for k, item in value.items()}
    return _scalar(kind, value, key)


def _scalar(kind: Any, value: Any, key: str) -> Any:
    if kind is Fraction:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Malformed(key, f"expected a number or a fraction like \"1/2\", found {value!r}")
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise _Malformed(key, f"expected a number or a fraction like \"1/2\", found {value!r}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind not in (bool, int, float, str):
        raise TypeError(f"records cannot hold {kind!r}")  # a programming error, not a data one
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Malformed(key, f"expected {kind.__name__}, found {value!r}")
    return value
