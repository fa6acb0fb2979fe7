"""The package's data tables (``composer/data/*.toml``), read once, and the checks that turn a
table into a typed record.

Presets, lexicon, harmony grammar, rooms and ranges are data, not code: every stage reads them
here. A stage that types its table builds frozen dataclasses with :func:`record`, so a malformed
file fails when it is loaded, with a message naming the file, the key and the problem.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from composer.base.errors import ComposerError

Record = TypeVar("Record")


def data_file(name: str) -> Traversable:
    """The package's data file ``composer/data/<name>.toml``."""
    return resources.files("composer").joinpath(f"data/{name}.toml")


def read_toml(path: Path | Traversable) -> dict[str, Any]:
    """A TOML file as a table; ComposerError naming the file if it is not valid TOML."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ComposerError(f"{path} is not valid TOML ({error})", "correct the file's syntax") from None


@cache
def table(name: str) -> dict[str, Any]:
    """The TOML table ``composer/data/<name>.toml``.

    >>> "grammar" in table("harmony")
    True
    """
    return read_toml(data_file(name))


def data_error(source: Path | Traversable | str, key: str, problem: str) -> ComposerError:
    """The error for a malformed data file: the file, the key and what is wrong with it.

    >>> str(data_error("rooms.toml", "hall.reverb_level", "1.5 is above 1"))
    'rooms.toml: hall.reverb_level: 1.5 is above 1: correct the value (the comments at the top of the file say what each key holds)'
    """
    return ComposerError(f"{source}: {key}: {problem}",
                         "correct the value (the comments at the top of the file say what each key holds)")


def bounds(low: float, high: float) -> dict[str, tuple[float, float]]:
    """A dataclass field's metadata: the least and most a value read by :func:`record` may be."""
    return {"bounds": (low, high)}


def record(kind: type[Record], values: Any, source: Path | Traversable | str, key: str,
           **given: Any) -> Record:
    """A frozen dataclass ``kind`` from the TOML table ``values`` found at ``key`` of ``source``.

    Every field not ``given`` must be in the table, and nothing else may be; each value must
    be of its field's type (an integer passes for a float) and within the field's
    :func:`bounds`, if it has them.
    """
    if not isinstance(values, Mapping):
        raise data_error(source, key, f"expected a table, found {values!r}")
    types = typing.get_type_hints(kind)
    wanted = {f.name: f for f in dataclasses.fields(kind)  # type: ignore[arg-type]
              if f.name not in given}
    unknown = sorted(values.keys() - wanted.keys())
    if unknown:
        raise data_error(source, f"{key}.{unknown[0]}", f"unknown key (known: {', '.join(wanted)})")
    fields: dict[str, Any] = dict(given)
    for name, spec in wanted.items():
        if name not in values:
            raise data_error(source, f"{key}.{name}", "missing")
        fields[name] = _typed(values[name], types[name], spec.metadata.get("bounds"), source, f"{key}.{name}")
    return kind(**fields)


def _typed(value: Any, kind: Any, limits: tuple[float, float] | None, source: Path | Traversable | str,
           key: str) -> Any:
    """``value`` as a ``kind`` (int, float or str) within ``limits``, or a data_error."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise data_error(source, key, f"expected {getattr(kind, '__name__', kind)}, found {value!r}")
    if limits is not None and not limits[0] <= value <= limits[1]:
        raise data_error(source, key, f"{value} is outside {limits[0]:g}–{limits[1]:g}")
    return value
