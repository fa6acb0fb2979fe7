"""Atomic output: every file is written under a temporary name and renamed into place.

A run that fails or is interrupted leaves no half-written file, and an earlier file of the
same name survives untouched until the new one is complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from composer.base.errors import ComposerError


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it writable, before any long work starts."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ComposerError(f"output folder {folder} is a file", "give a folder path with --out") from None
    except OSError as error:
        raise ComposerError(f"cannot create output folder {folder} ({error.strerror})", "choose another --out") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ComposerError(f"output folder {folder} is not writable", "choose another --out or fix its permissions")
    return folder


def temporary_path(path: Path) -> Path:
    """A hidden sibling of ``path`` (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def staged(paths: list[Path]) -> Iterator[list[Path]]:
    """Temporary paths for ``paths``; renamed into place together when the block succeeds,
    removed when it fails (including Ctrl-C)."""
    temporaries = [temporary_path(p) for p in paths]
    try:
        yield temporaries
        for temporary, final in zip(temporaries, paths):
            os.replace(temporary, final)
    except OSError as error:
        raise ComposerError(f"cannot write {error.filename or paths[0]} ({error.strerror})",
                            "check free disk space and permissions of the output folder") from None
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with staged([path]) as (temporary,):
        temporary.write_bytes(data)
