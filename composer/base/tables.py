"""The package's data tables (``composer/data/*.toml``), read once, and the checks that turn a
table into a typed record.

Presets, lexicon, harmony grammar, rooms and ranges are data, not code: every stage reads them
here. A stage that types its table builds frozen dataclasses (:mod:`composer.base.records`), so a
malformed file fails when it is loaded, with :func:`data_error` naming the file, the key and
the problem.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from composer.base.errors import ComposerError


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
