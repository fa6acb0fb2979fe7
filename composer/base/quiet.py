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
import sys
import threading
from types import ModuleType

#: ``redirect_stdout`` swaps the one ``sys.stdout`` of the process: two threads importing at
#: once (a render's synths start on two threads) would each restore what the other set, and
#: leave stdout pointing at a discarded buffer for good. One import at a time restores it.
_IMPORTING = threading.Lock()


def quiet_import(name: str) -> ModuleType:
    """The module `name`, imported with anything it prints to stdout discarded; safe from any
    thread: one import at a time, and stdout swapped only by the first (another thread asking
    meanwhile waits for the module to finish loading rather than see it half made)."""
    with _IMPORTING:
        module = sys.modules.get(name)
        if module is not None:
            return module
        with contextlib.redirect_stdout(io.StringIO()):
            return importlib.import_module(name)
