"""The web application's access to the Store: one lock, short-lived connections, cached results.

DuckDB lets one process hold a file either read-only or writable, so every request opens the Store for
as long as it needs it, under one lock. Stored assessments (:mod:`territoria.store.assessments`) and
documents are cached per version of the Store file (its size and modification time, WAL included), so an
import invalidates them.

Readers while another process writes: a writer (``territoria import``) holds DuckDB's exclusive file lock,
and a read-only open then fails. Each time the application opens the Store for reading it keeps a
*replica*: a copy of the file taken while its shared lock guarantees no writer is active (once per
version). When the lock is held elsewhere, reads are served from the replica, i.e. the state before the
write; once the writer closes, reads see the new state. Without a replica yet (or for the application's
own writes) the open is retried with backoff for ``wait`` seconds; then the answer is 503 with
``Retry-After``, never a 500.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["WebContext"]


class WebContext:
    """Store path, upload limit, lock and a small cache of computed results.

    Parameters
    ----------
    db : Path
        The Store file.
    max_upload_bytes : int
        Largest accepted upload; larger bodies are refused with 413 before anything is written.
    cache_size : int
        How many computed items (assessment, documents) are kept.
    wait : float, default=10
        Seconds to retry opening a Store locked by another process when no replica can stand in.
    replica : bool, default=True
        Keep a copy of the last version read, served while another process holds the write lock.
    """

    def __init__(self, db: str | Path, *, max_upload_bytes: int = 10 * 2**20, cache_size: int = 128,
                 wait: float = 10.0, replica: bool = True) -> None:
        self.db = Path(db)
        self.max_upload_bytes = int(max_upload_bytes)
        self.lock = threading.RLock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = cache_size
        #: The latest re-evaluation of the monitoring board run from the web (``report.monitoring.evaluate``).
        self.last_evaluation: dict[str, Any] | None = None
        self.wait = float(wait)
        self._replica_dir: Path | None = None
        self._replica_version: tuple[int, ...] | None = None
        self._open_version: tuple[int, ...] | None = None
        self.served_from_replica = 0
        if replica:
            self._replica_dir = Path(tempfile.mkdtemp(prefix="territoria-replica-"))
            weakref.finalize(self, shutil.rmtree, self._replica_dir, ignore_errors=True)

    def version(self) -> tuple[int, ...]:
        parts = []
        for path in (self.db, Path(str(self.db) + ".wal")):
            st = path.stat() if path.exists() else None
            parts += [st.st_mtime_ns, st.st_size] if st else [0, 0]
        return tuple(parts)

    @contextmanager
    def store(self, *, write: bool = False) -> Iterator[Any]:
        """The Store, open for one request (see the module docstring for a Store locked elsewhere)."""
        with self.lock:
            store = self._open(write=write)
            try:
                yield store
            finally:
                self._open_version = None
                store.close()

    def _open(self, *, write: bool) -> Any:
        from fastapi import HTTPException

        from territoria.errors import StoreError
        from territoria.store import Store

        deadline, delay = time.monotonic() + self.wait, 0.02
        while True:
            try:
                store = Store(self.db, read_only=not write)
            except StoreError as exc:
                if "lock" not in str(exc).lower():
                    raise
                if not write and self._replica_version is not None:
                    self.served_from_replica += 1
                    self._open_version = self._replica_version
                    return Store(self._replica_dir / self.db.name, read_only=True)
                if time.monotonic() + delay > deadline:
                    raise HTTPException(503, f"the Store is locked by another process (an import?) and stayed "
                                             f"locked for {self.wait:g} s; retry shortly",
                                        headers={"Retry-After": "5"}) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            if not write:
                self._open_version = self.version()
                self._refresh_replica()
            return store

    def _refresh_replica(self) -> None:
        """Copy the Store (and its WAL) while our shared lock keeps writers out; once per version."""
        if self._replica_dir is None or self._replica_version == self._open_version:
            return
        for suffix in ("", ".wal"):
            source, target = Path(str(self.db) + suffix), self._replica_dir / (self.db.name + suffix)
            if source.exists():
                shutil.copyfile(source, target)
            else:
                target.unlink(missing_ok=True)
        self._replica_version = self._open_version

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per Store version and ``key``."""
        with self.lock:
            full = (self._open_version or self.version(), *key)
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            value = compute()
            self._cache[full] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return value

    def result(self, store: Any, *, name: str | None = None, unit: str | None = None,
               level: str | None = None) -> Any:
        """The stored assessment to show (cached per Store version): ``name``, else the latest one of
        ``unit``'s level that rates it, else the latest of ``level`` (default: regions); see
        :func:`territoria.store.assessments.resolve_assessment`."""
        from territoria.report import service

        return self.cached(("assessment", name, unit, level),
                           lambda: service.assessment(store, name=name, unit=unit, level=level))
