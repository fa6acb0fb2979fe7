"""Output as whole sets: a run's files are written together in a private staging folder and
become visible together, under a lock on their name, never through or over a symbolic link.

How a set is written (:func:`staged`):

1. A lock on NAME: ``.NAME.lock`` in the output folder, held with ``flock`` for the whole
   write; a second run on the same name fails at once with one line (it would otherwise
   replace the first's files without a word). The lock file is removed when released.
2. Staging: ``tempfile.mkdtemp`` makes ``.NAME.XXXXXXXX.composer-staging/`` in the output
   folder (an unpredictable name, created exclusively, mode 0700, so no one can plant a link
   inside it); every file and folder of the set is written in its ``set/`` there.
3. Commit: the list of the set's names is written to the staging folder's ``journal`` (renamed
   into place: this is the commit point), then each is renamed into the output folder in the
   caller's order (a folder that is replaced moves aside into ``old/`` first), then the staging
   folder is removed. SIGINT, SIGTERM and SIGHUP are held back while the renames run and
   delivered right after them.

POSIX renames one name at a time, so the set cannot appear in one step: someone listing the
folder during the few renames may see part of it, and a run killed outright there (SIGKILL, a
power cut) leaves a partial set with its journal. The next run on that NAME, or :func:`recover`,
finishes those renames first, so the folder then holds the new set whole. A run stopped at any
moment before its journal leaves the old set as it was, and no staging folder behind.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from composer.base.errors import ComposerError

STAGING_SUFFIX = ".composer-staging"
#: Signals that end a run: each runs the cleanup of the staging folder and the lock first.
ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: A name longer than this (in UTF-8 bytes) names its lock and staging folder by a hash instead.
LONGEST_KEY_BYTES = 150

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


@contextmanager
def output_folder(folder: Path) -> Iterator[Path]:
    """:func:`prepare_folder` for the block; the folders it created are removed again when the
    block fails and leaves them empty, so a failed run leaves no folder behind."""
    missing = []
    for ancestor in [folder, *folder.parents]:
        if os.path.lexists(ancestor):
            break
        missing.append(ancestor)
    prepare_folder(folder)
    try:
        yield folder
    except BaseException:
        for created in missing:
            try:
                created.rmdir()
            except OSError:
                break
        raise


def existing_folder(folder: Path) -> Path:
    """``folder`` if it is a folder, else a clear error: a set is written into a folder that is
    there already (the command line makes ``--out`` with :func:`output_folder`)."""
    if not folder.is_dir():
        raise ComposerError(f"output folder {folder} does not exist or is not a folder",
                            "create it first, or write into another folder")
    return folder


def set_key(name: str) -> str:
    """The name a set's lock and staging folder are made from: ``name`` itself, or a hash of
    it when it is too long to carry a prefix and suffix within a file name's 255 bytes."""
    if len(name.encode("utf-8")) <= LONGEST_KEY_BYTES:
        return name
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()


@contextmanager
def staged(paths: Sequence[Path], name: str | None = None, retire: Sequence[Path] = ()) -> Iterator[list[Path]]:
    """Staging paths for ``paths`` (files or folders, all in one folder), which the block fills;
    when it succeeds all are moved into place together in the order given (put the file that
    describes the set last), replacing what is there but never a symbolic link, and the files of
    an earlier set the new one no longer has (``retire``) leave with it, in the same commit.
    When it fails or is interrupted, nothing of it is left. The lock is on ``name`` (default:
    the first path's stem)."""
    folder = paths[0].parent
    if any(path.parent != folder for path in [*paths, *retire]):
        raise ComposerError(f"the files {[str(p) for p in paths]} are not in one folder",
                            "write one delivery's files into one folder")
    existing_folder(folder)
    key = set_key(name if name is not None else paths[0].stem)
    with ending_signals_raise(), locked(folder, key):
        recover(folder, key)
        for path in paths:
            _check_target(path)
        try:
            root = Path(tempfile.mkdtemp(prefix=f".{key}.", suffix=STAGING_SUFFIX, dir=folder))
        except OSError as error:
            raise _write_error(error, folder) from None
        try:
            (root / "set").mkdir()
            (root / "old").mkdir()
            yield [root / "set" / path.name for path in paths]
            for path in paths:
                _check_target(path)
            _commit(root, folder, [path.name for path in paths], [path.name for path in retire])
        except OSError as error:
            raise _write_error(error, folder) from None
        finally:
            if not (root / "journal").exists():
                shutil.rmtree(root, ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a set of one."""
    with staged([path]) as (temporary,):
        temporary.write_bytes(data)


def write_together(files: Mapping[Path, bytes], name: str | None = None, retire: Sequence[Path] = ()) -> None:
    """Write every file (all in one folder) as one set: all appear, or none (and the earlier
    set's files in ``retire`` leave with the commit)."""
    with staged(list(files), name, retire) as temporaries:
        for temporary, data in zip(temporaries, files.values()):
            temporary.write_bytes(data)


def _write_error(error: OSError, folder: Path) -> ComposerError:
    return ComposerError(f"cannot write {error.filename or folder} ({error.strerror})",
                         "check free disk space and permissions of the output folder")


def _check_target(path: Path) -> None:
    """Nothing at ``path``, or something to replace; never a link."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(found.st_mode):
        raise ComposerError(f"{path} is a symbolic link, and composer never writes through or over one",
                            "remove the link or choose another --name or --out")


def _commit(root: Path, folder: Path, names: list[str], retired: list[str]) -> None:
    """Write the journal (the commit point), then move every staged name into place and the
    ``retired`` names aside; the ending signals wait until all are moved. A failure in between
    finishes the moves."""
    for name in names:
        new, final = root / "set" / name, folder / name
        if os.path.isdir(final) != os.path.isdir(new) and os.path.lexists(final):
            kind = "folder" if os.path.isdir(final) else "file"
            raise ComposerError(f"{final} is a {kind} in the way of the new one", "move it or choose another --name")
    with held_signals():
        _write_journal(root, names, retired)
        try:
            roll_forward(root, folder, names, retired)
        except BaseException:
            roll_forward(root, folder, names, retired)  # the commit point is passed: finish it
            raise
        finally:
            if not any(os.path.lexists(root / "set" / name) for name in names):
                shutil.rmtree(root, ignore_errors=True)


def _write_journal(root: Path, names: list[str], retired: list[str]) -> None:
    """The set's names and those it retires, in a file that appears whole: once it exists, the
    set is committed."""
    part = root / "journal.part"
    part.write_text(json.dumps({"set": names, "retire": retired}), "utf-8")
    os.rename(part, root / "journal")


def roll_forward(root: Path, folder: Path, names: list[str], retired: Sequence[str] = ()) -> None:
    """Move every name still staged under ``root`` into ``folder``; a folder being replaced
    moves aside into ``old/`` first; then each ``retired`` name still in ``folder`` (never a
    link) moves aside too. Each step can be repeated after an interruption."""
    for name in names:
        new, final = root / "set" / name, folder / name
        if not os.path.lexists(new):
            continue
        if os.path.islink(final):
            raise ComposerError(f"{final} became a symbolic link while composer wrote it",
                                "remove the link and run again")
        if os.path.isdir(final):
            _move(final, root / "old" / name)
        _move(new, final)
    for name in retired:
        final = folder / name
        if os.path.lexists(final) and not os.path.islink(final) and name not in names:
            _move(final, root / "old" / name)


def _move(source: Path, target: Path) -> None:
    """One rename: a file replaces its old version atomically."""
    os.rename(source, target)


def recover(folder: Path, key: str) -> None:
    """Finish or remove what an earlier run on ``key`` left in ``folder`` (call it holding the
    lock): a committed set is moved into place, an uncommitted one removed. Only staging
    folders this user made are touched."""
    prefix = f".{key}."
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        middle = entry.name[len(prefix) : -len(STAGING_SUFFIX)]
        if not (entry.name.startswith(prefix) and entry.name.endswith(STAGING_SUFFIX)
                and re.fullmatch(r"[a-z0-9_]{8}", middle)):
            continue
        found = entry.stat(follow_symlinks=False)
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
            continue
        root = Path(entry.path)
        journal = root / "journal"
        if journal.is_file():
            written = json.loads(journal.read_text("utf-8"))
            names, retired = (written.get("set", []), written.get("retire", [])) if isinstance(written, dict) else (
                written, [])
            if not all(isinstance(n, str) and n not in ("", ".", "..") and "/" not in n for n in [*names, *retired]):
                continue  # not a journal composer wrote: leave it to the user
            roll_forward(root, folder, names, retired)
        shutil.rmtree(root, ignore_errors=True)


_held: dict[tuple[str, str], int] = {}


@contextmanager
def locked(folder: Path, key: str) -> Iterator[None]:
    """Hold the lock on ``key`` in ``folder`` (``.KEY.lock``) for the block, or fail at once
    with one line when another run holds it. Reentrant within a process."""
    ident = (os.path.realpath(folder), key)
    if ident in _held:
        _held[ident] += 1
        try:
            yield
        finally:
            _held[ident] -= 1
        return
    path = folder / f".{key}.lock"
    descriptor = _acquire(path, key, folder)
    _held[ident] = 1
    try:
        yield
    finally:
        del _held[ident]
        try:
            if _same_file(path, os.fstat(descriptor)):
                os.unlink(path)
        finally:
            os.close(descriptor)


def _acquire(path: Path, key: str, folder: Path) -> int:
    """An open, flock-ed lock file at ``path`` that is still the file at that path."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    while True:
        try:
            descriptor = os.open(path, flags, 0o600)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise ComposerError(f"{path} is a symbolic link, and composer never writes through one",
                                    "remove the link") from None
            raise ComposerError(f"cannot lock {key!r} in {folder} ({error.strerror})",
                                "check the permissions of the output folder") from None
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            os.close(descriptor)
            raise ComposerError(f"{path} is not a lock file composer made", "remove it")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "?"
            os.close(descriptor)
            raise ComposerError(f"another composer run (process {holder}) is writing {key!r} in {folder}",
                                "wait for it to finish, or choose another --name") from None
        if _same_file(path, opened):
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
            return descriptor
        os.close(descriptor)  # its holder removed it as we opened it: take the new one


def _same_file(path: Path, opened: os.stat_result) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)


class Interrupted(SystemExit):
    """SIGTERM or SIGHUP during a write: unwinds like Ctrl-C so the cleanup runs, then exits
    with the status the signal would have given (128 + its number)."""


def _raise_interrupted(number: int, frame: FrameType | None) -> None:
    raise Interrupted(128 + number)


@contextmanager
def ending_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Interrupted` for the block where they would have ended
    the process at once (their default), so the block's cleanup runs; SIGINT raises
    KeyboardInterrupt already. Outside the main thread no handler can be set: nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    for number, handler in previous.items():
        if handler == signal.SIG_DFL:
            signal.signal(number, _raise_interrupted)
    try:
        yield
    finally:
        for number, handler in previous.items():
            if handler == signal.SIG_DFL:
                signal.signal(number, handler)


@contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then act as they would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {number: signal.getsignal(number) for number in ENDING_SIGNALS}
    for number, handler in previous.items():
        if handler is not None and handler != signal.SIG_IGN:
            signal.signal(number, lambda number, frame: pending.append(number))
    try:
        yield
    finally:
        for number, handler in previous.items():
            if handler is not None and handler != signal.SIG_IGN:
                signal.signal(number, handler)
        for held in pending:
            signal.raise_signal(held)
