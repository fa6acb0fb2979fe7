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

    >>> "grammar" in table("harmony")
    True
    """
    return tomllib.loads(resources.files("composer").joinpath(f"data/{name}.toml").read_text("utf-8"))


@cache
def gm_ranges() -> dict[int, tuple[int, int]]:
    """Comfortable range (lowest, highest MIDI note) of each GM program, from ``data/ranges.toml``.

    >>> gm_ranges()[0]
    (21, 108)
    """
    ranges: dict[int, tuple[int, int]] = {}
    for family in table("ranges")["family"].values():
        first, last = family["programs"]
        for program in range(first, last + 1):
            ranges[program] = (int(family["range"][0]), int(family["range"][1]))
    for program, (low, high) in table("ranges").get("program", {}).items():
        ranges[int(program)] = (int(low), int(high))
    return ranges
