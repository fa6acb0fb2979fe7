"""What composer is: its installed version (light to import: `composer --version` reads it)."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """The installed composer version ("0+unknown" when run from a tree that is not installed).

    >>> version().count(".") >= 1 or version() == "0+unknown"
    True
    """
    try:
        return metadata.version("composer")
    except metadata.PackageNotFoundError:
        return "0+unknown"
