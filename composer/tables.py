"""The package's data tables (``composer/data/*.toml``), read once.

Presets, lexicon, harmony grammar and ranges are data, not code: every stage reads them here.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def table(name: str) -> dict[str, Any]:
    """The TOML table ``composer/data/<name>.toml``.

    >>> "major" in table("harmony")
    True
    """
    return tomllib.loads(resources.files("composer").joinpath(f"data/{name}.toml").read_text("utf-8"))
