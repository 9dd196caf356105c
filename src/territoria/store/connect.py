"""Opening a Store's DuckDB file: waiting for another process's lock, and the shared read-only instance.

DuckDB locks a file for the whole process that opens it for writing; a second process waits
(:func:`open_with_retry`, with backoff) or fails with a clear error. Readers in one process (the web
app's requests) attach the file to one in-memory instance (:data:`SHARED_READERS`) instead of starting
an instance per request.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

from territoria.errors import StoreError

__all__ = ["SHARED_READERS", "SharedReaders", "lock_wait_seconds", "open_with_retry"]


def lock_wait_seconds(given: float | None, read_only: bool) -> float:
    """How long to wait for another process's lock: ``given``, else 0 for a reader (it fails at once),
    else ``TERRITORIA_LOCK_TIMEOUT`` (10 s)."""
    if given is not None:
        return max(0.0, float(given))
    if read_only:
        return 0.0
    try:
        return max(0.0, float(os.environ.get("TERRITORIA_LOCK_TIMEOUT", "10")))
    except ValueError:
        return 10.0


class SharedReaders:
    """This process's one in-memory DuckDB instance, to which read-only Stores attach their files (``shared``).

    A file is attached once however many Stores read it at the same time, and detached when the last one
    closes: the lock on a file is the process's (POSIX record locks), so detaching a second attachment of
    the file would release the lock the others still rely on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the base connection and the counts, for one thread at a time
        self._base: duckdb.DuckDBPyConnection | None = None
        self._serial = itertools.count(1)
        self._attached: dict[str, list[Any]] = {}  # path -> [alias, Stores reading it]

    def attach(self, path: str) -> tuple[duckdb.DuckDBPyConnection, str]:
        """A cursor of its own (a DuckDB client context) whose default database is ``path``, read-only, and
        the key to :meth:`detach` with."""
        path = os.path.realpath(path)  # one attachment per file, however it is spelt
        with self._lock:
            if self._base is None:
                self._base = duckdb.connect(":memory:")
            entry = self._attached.get(path)
            if entry is None:
                alias = f"territoria_store_{next(self._serial)}"
                quoted = path.replace("'", "''")
                try:
                    self._base.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")
                except BaseException:  # a failed attach (a lock held elsewhere, a bad file) leaves nothing
                    self._base.execute(f"DETACH DATABASE IF EXISTS {alias}")
                    raise
                entry = self._attached[path] = [alias, 0]
            entry[1] += 1
            cursor = self._base.cursor()
        try:
            cursor.execute(f"USE {entry[0]}")
        except BaseException:
            cursor.close()
            self.detach(path)
            raise
        return cursor, path

    def detach(self, path: str) -> None:
        """One Store reading ``path`` is done (its cursor closed); the last one releases the file and its lock."""
        with self._lock:
            entry = self._attached[path]
            entry[1] -= 1
            if entry[1] == 0:
                del self._attached[path]
                assert self._base is not None
                self._base.execute(f"DETACH DATABASE {entry[0]}")


SHARED_READERS = SharedReaders()
OpenedT = TypeVar("OpenedT")


def open_with_retry(connect: Callable[[], OpenedT], path: str, lock_timeout: float) -> OpenedT:
    """``connect()`` to ``path``, retried with backoff while another process holds its lock, for
    ``lock_timeout`` s."""
    deadline = time.monotonic() + lock_timeout
    pause = 0.05
    while True:
        try:
            return connect()
        except duckdb.IOException as exc:
            busy = "lock" in str(exc).lower()
            if not busy or time.monotonic() + pause > deadline:
                hint = (f"; another process is using it (waited {lock_timeout:g} s; set TERRITORIA_LOCK_TIMEOUT "
                        "to wait longer)") if busy else ""
                raise StoreError(f"{path}: cannot open the Store ({exc}){hint}") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open the Store ({exc})") from None
