"""Two measures of one piece at once: mastering and the measure of a written file each read the
audio for two things (its K-weighting for loudness, its oversampled peaks for the true peak),
and both libraries (scipy's filters, numpy) let go of the interpreter's lock while they work,
so on a second core the second runs beside the first instead of after it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

First = TypeVar("First")
Second = TypeVar("Second")
Item = TypeVar("Item")


def both(first: Callable[[], First], second: Callable[[], Second]) -> tuple[First, Second]:
    """``(first(), second())``, ``second`` on a thread of its own while ``first`` runs here; the
    first failure is raised (after both have stopped).

    >>> both(lambda: 1, lambda: "two")
    (1, 'two')
    """
    with ThreadPoolExecutor(1, thread_name_prefix="composer-measure") as pool:
        later = pool.submit(second)
        try:
            done = first()
        except BaseException:
            later.cancel()
            raise
        return done, later.result()


def ahead(items: Iterator[Item], depth: int = 2) -> Generator[Item, None, None]:
    """``items``, made on a thread of their own at most ``depth`` ahead of the caller, in order;
    a failure there is raised here where it stopped; stopping early stops the thread.

    >>> list(ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    made: queue.Queue[tuple[Item] | BaseException | None] = queue.Queue(depth)  # None: no more
    stopped = threading.Event()

    def hand(entry: tuple[Item] | BaseException | None) -> bool:
        """Put ``entry`` in the queue unless the caller has stopped (then False)."""
        while not stopped.is_set():
            try:
                made.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not hand((item,)):
                    return
            hand(None)
        except BaseException as error:  # raised where the caller reads it
            hand(error)

    maker = threading.Thread(target=make, name="composer-ahead", daemon=True)
    maker.start()
    try:
        while (entry := made.get()) is not None:
            if isinstance(entry, BaseException):
                raise entry
            yield entry[0]
    finally:
        stopped.set()
        maker.join()
