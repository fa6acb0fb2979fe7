"""Imports of libraries that talk on stdout, kept off it so `--json` output stays one object.

pyfluidsynth prints the path of the C library it loads whenever ``$CI`` is set, and
pretty_midi imports pyfluidsynth; either import would corrupt what composer prints.

>>> quiet_import("json").__name__
'json'
"""

from __future__ import annotations

import contextlib
import importlib
import io
from types import ModuleType


def quiet_import(name: str) -> ModuleType:
    """The module `name`, imported with anything it prints to stdout discarded."""
    with contextlib.redirect_stdout(io.StringIO()):
        return importlib.import_module(name)
