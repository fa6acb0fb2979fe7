"""Typed records from the package's TOML data: each table becomes a frozen dataclass, checked
field by field against its type hints when it is loaded, so a malformed data file fails at
once with the file, the key and the problem, never later as a KeyError deep in a stage.

A record's field types may be ``int``, ``float``, ``str``, ``bool``, ``Fraction`` (written as
a number or a string like "1/2"), another record, ``tuple[X, ...]`` or a fixed
``tuple[X, Y]``, ``dict[str, X]``, and ``X | None``. A field with a default may be left out.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Cue:
...     name: str
...     beats: tuple[int, ...]
...     share: Fraction = Fraction(1, 2)
>>> record(Cue, {"name": "hit", "beats": [1, 3]}, "cues.toml")
Cue(name='hit', beats=(1, 3), share=Fraction(1, 2))
>>> record(Cue, {"name": "hit", "beats": [1, "x"]}, "cues.toml")
Traceback (most recent call last):
composer.base.errors.ComposerError: composer/data/cues.toml is malformed at beats[1]: 'x' is not a whole number: fix the file or reinstall composer
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from fractions import Fraction
from functools import cache
from typing import Any, TypeVar

from composer.base.errors import ComposerError

Record = TypeVar("Record")


class _Malformed(Exception):
    """A problem at a key path inside one file (turned into a ComposerError at the top)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(problem)
        self.where, self.problem = where, problem


def record(kind: type[Record], data: Any, file: str) -> Record:
    """``data`` (a parsed TOML table) as a ``kind`` record; ComposerError naming ``file``, the
    key and the problem when it does not fit."""
    try:
        value: Record = _convert(kind, data, "")
    except _Malformed as error:
        where = f" at {error.where}" if error.where else ""
        raise ComposerError(f"composer/data/{file} is malformed{where}: {error.problem}",
                            "fix the file or reinstall composer") from None
    return value


def _join(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else key


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _convert(kind: Any, value: Any, where: str) -> Any:
    """``value`` converted to the type ``kind`` (see the module docstring for what is allowed)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return _dataclass(kind, value, where)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        return _convert(next(a for a in arguments if a is not type(None)), value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Malformed(where, f"{value!r} is not a list")
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return tuple(_convert(arguments[0], item, _join(where, i)) for i, item in enumerate(value))
        if len(value) != len(arguments):
            raise _Malformed(where, f"{value!r} is not a list of {len(arguments)}")
        return tuple(_convert(a, item, _join(where, i)) for i, (a, item) in enumerate(zip(arguments, value)))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _Malformed(where, f"{value!r} is not a table")
        return {str(k): _convert(arguments[1], item, _join(where, str(k))) for k, item in value.items()}
    return _scalar(kind, value, where)


def _scalar(kind: Any, value: Any, where: str) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise _Malformed(where, f"{value!r} is not true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Malformed(where, f"{value!r} is not a whole number")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Malformed(where, f"{value!r} is not a number")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise _Malformed(where, f"{value!r} is not text")
        return value
    if kind is Fraction:
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise _Malformed(where, f"{value!r} is not a number or a fraction like \"1/2\"") from None
    raise TypeError(f"records cannot hold {kind!r}")  # a programming error, not a data one


def _dataclass(kind: type, value: Any, where: str) -> Any:
    if not isinstance(value, Mapping):
        raise _Malformed(where, f"{value!r} is not a table")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise _Malformed(_join(where, unknown[0]), "unknown key")
    hints = _hints(kind)
    given = {}
    for name, field in fields.items():
        if name in value:
            given[name] = _convert(hints[name], value[name], _join(where, name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _Malformed(_join(where, name), "missing")
    return kind(**given)
