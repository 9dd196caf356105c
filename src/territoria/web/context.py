"""The web application's access to the Store: short-lived connections, readers that never wait for a writer.

DuckDB lets one process hold a file either read-only or writable, so every request opens the Store for
as long as it needs it. Stored assessments (:mod:`territoria.store.assessments`) and documents are
cached per version of the Store file (its size and modification time, WAL included), so an import
invalidates them.

Readers and writers (issue 19, finding 5). Each time the application opens the Store for reading it
keeps a *replica*: a copy of the file taken while its shared lock guarantees that no writer is active
(once per version). Writes from this application run one at a time (``write_lock``); while one is
pending or under way, new reads are served from the replica, i.e. the last state before the write, so
a read never waits for an import (the writer only waits for the reads already open on the file, which
are short). Once the writer closes, reads see the new state. The same holds for a writer in another
process (``territoria import`` holds DuckDB's exclusive file lock): reads are served from the replica.
Without a replica yet (or for the application's own writes) the open is retried with backoff for
``wait`` seconds; then the answer is 503 with ``Retry-After``, never a 500.
"""

from __future__ import annotations

import itertools
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

import pandas as pd

from territoria.errors import StoreError
from territoria.report import service
from territoria.store import Store
from territoria.web.refusals import Refusal

__all__ = ["WebContext"]


class _LockedElsewhere(Exception):
    """The Store file is locked by a writer in another process and a replica can stand in."""


class WebContext:
    """Store path, upload limit, the reader/writer coordination and a small cache of computed results.

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
        Keep a copy of the last version read, served while a writer (here or in another process) is active.
    """

    def __init__(self, db: str | Path, *, max_upload_bytes: int = 10 * 2**20, cache_size: int = 512,
                 wait: float = 10.0, replica: bool = True) -> None:
        self.db = Path(db)
        self.max_upload_bytes = int(max_upload_bytes)
        #: Held by the one write under way in this application; writes queue on it, reads never take it.
        self.write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._readers = 0          # read connections open on the Store file itself
        self._writing = False      # a write is pending or under way: new reads go to the replica
        self._local = threading.local()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = cache_size
        self._computing: dict[tuple[Any, ...], threading.Event] = {}
        #: The latest re-evaluation of the monitoring board run from the web (``report.monitoring.evaluate``).
        self.last_evaluation: dict[str, Any] | None = None
        self.wait = float(wait)
        self._replica_dir: Path | None = None
        self._replica: tuple[tuple[int, ...], Path] | None = None   # (version, file) served to readers
        self._replica_users: dict[Path, int] = {}
        self._copying = threading.Lock()
        self._serial = itertools.count(1)
        self.served_from_replica = 0
        if replica:
            self._replica_dir = Path(tempfile.mkdtemp(prefix="territoria-replica-"))
            weakref.finalize(self, shutil.rmtree, self._replica_dir, ignore_errors=True)

    @property
    def replica_folder(self) -> Path | None:
        """The temporary folder holding the read replicas (None without replicas)."""
        return self._replica_dir

    def close(self) -> None:
        """Remove the replicas (also done when the context is garbage-collected). The context stays
        usable: the next read that needs a replica takes a fresh copy (an application may be started
        and stopped more than once, as by test clients)."""
        if self._replica_dir is not None:
            with self._cond:
                self._replica = None
                self._replica_users.clear()
            shutil.rmtree(self._replica_dir, ignore_errors=True)

    def version(self) -> tuple[int, ...]:
        parts = []
        for path in (self.db, Path(str(self.db) + ".wal")):
            st = path.stat() if path.exists() else None
            parts += [st.st_mtime_ns, st.st_size] if st else [0, 0]
        return tuple(parts)

    @property
    def writing(self) -> bool:
        """Whether a write of this application is pending or under way."""
        return self._writing

    @contextmanager
    def store(self, *, write: bool = False) -> Iterator[Any]:
        """The Store, open for one request (see the module docstring for readers during a write)."""
        if write:
            with self._write():
                store = self._open(write=True)
                try:
                    yield store
                finally:
                    store.close()
            return
        with self._cond:
            while self._writing and self._replica is None:
                self._cond.wait()  # no replica to stand in yet: this read waits for the write
            replica = self._take_replica() if self._writing else None
            if replica is None:
                self._readers += 1
        try:
            if replica is None:
                try:
                    store, version = self._open_file()
                except _LockedElsewhere:  # another process writes: serve the last state read
                    with self._cond:
                        self._readers -= 1
                        replica = self._take_replica()
                        self._cond.notify_all()
            if replica is not None:
                self.served_from_replica += 1
                store, version = Store(replica[1], read_only=True, shared=True), replica[0]
            self._local.version = version
            # the service memoises what every language of a page shares under this version of the file
            store.derived = self._derived
            try:
                yield store
            finally:
                store.close()
        finally:
            self._local.version = None
            with self._cond:
                if replica is not None:
                    self._replica_users[replica[1]] -= 1
                    self._drop_old_replicas()
                else:
                    self._readers -= 1
                self._cond.notify_all()

    def _take_replica(self) -> tuple[tuple[int, ...], Path]:
        """The current replica, counted as in use (called with ``_cond`` held, a replica present)."""
        assert self._replica is not None
        self._replica_users[self._replica[1]] = self._replica_users.get(self._replica[1], 0) + 1
        return self._replica

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self.write_lock:
            with self._cond:
                self._writing = True
                while self._readers:  # reads already open on the file finish; new ones use the replica
                    self._cond.wait()
            try:
                yield
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def _open(self, *, write: bool) -> Any:
        """The Store file itself, retried with backoff while another process holds its lock (then 503)."""
        deadline, delay = time.monotonic() + self.wait, 0.02
        while True:
            try:
                # reads attach to the process's one DuckDB instance (shared): a request's open costs ~3 ms, not ~20
                return Store(self.db, read_only=not write, shared=not write)
            except StoreError as exc:
                if "lock" not in str(exc).lower():
                    raise
                if not write and self._replica is not None:
                    raise _LockedElsewhere from None
                if time.monotonic() + delay > deadline:
                    raise Refusal(503, f"the Store is locked by another process (an import?) and stayed "
                                       f"locked for {self.wait:g} s; retry shortly", "error.web.store_locked",
                                  headers={"Retry-After": "5"}, seconds=self.wait) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _open_file(self) -> tuple[Any, tuple[int, ...]]:
        store = self._open(write=False)
        version = self.version()
        try:
            self._refresh_replica(version)
        except BaseException:
            store.close()
            raise
        return store, version

    def _refresh_replica(self, version: tuple[int, ...]) -> None:
        """Copy the Store (and its WAL) while our shared lock keeps writers out; once per version."""
        if self._replica_dir is None or (self._replica is not None and self._replica[0] == version):
            return
        if not self._copying.acquire(blocking=False):
            return  # another reader is copying this version
        try:
            folder = self._replica_dir / str(next(self._serial))
            folder.mkdir(parents=True)
            for suffix in ("", ".wal"):
                source = Path(str(self.db) + suffix)
                if source.exists():
                    shutil.copyfile(source, folder / (self.db.name + suffix))
            with self._cond:
                self._replica = (version, folder / self.db.name)
                self._replica_users.setdefault(self._replica[1], 0)
                self._drop_old_replicas()
        finally:
            self._copying.release()

    def _drop_old_replicas(self) -> None:
        """Delete the replicas that are neither current nor in use (called with ``_cond`` held). Only
        replicas already handed out are considered: one being copied is not known here yet."""
        current = self._replica[1] if self._replica is not None else None
        for path, users in list(self._replica_users.items()):
            if users == 0 and path != current:
                del self._replica_users[path]
                shutil.rmtree(path.parent, ignore_errors=True)

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per Store version and ``key``. Different keys compute in parallel; requests
        for a key being computed wait for that computation instead of repeating it (after an import, many
        readers asking for the ranking at once compute it once)."""
        full = (getattr(self._local, "version", None) or self.version(), *key)
        while True:
            with self._cond:
                if full in self._cache:
                    self._cache.move_to_end(full)
                    return self._cache[full]
                running = self._computing.get(full)
                if running is None:
                    running = self._computing[full] = threading.Event()
                    break
            running.wait()  # another request computes it; if that failed, this one tries itself
        try:
            value = compute()
            with self._cond:
                self._cache[full] = value
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return value
        finally:
            with self._cond:
                del self._computing[full]
            running.set()

    def units(self, store: Store, *, level: str | None = None) -> pd.DataFrame:
        """The Store's units (of ``level``), as :meth:`Store.units <territoria.store.Store.units>`, read once
        per Store version: reading and converting the ~14 000 units costs about 50 ms of CPU, and uploads,
        searches and unit lists ask for them on every request. Each caller gets its own frame (a shallow
        copy: pandas copies on write, so changing it leaves the cached one as it was). ``store`` is one this
        context opened for reading, which carries the read memo that :meth:`Store.units` uses."""
        return store.units(level=level)

    def _derived(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        return self.cached(("derived", *key), compute)

    def result(self, store: Any, *, name: str | None = None, unit: str | None = None,
               level: str | None = None) -> Any:
        """The stored assessment to show (cached per Store version): ``name``, else the latest one of
        ``unit``'s level that rates it, else the latest of ``level`` (default: regions); see
        :func:`territoria.store.assessments.resolve_assessment`."""

        return self.cached(("assessment", name, unit, level),
                           lambda: service.assessment(store, name=name, unit=unit, level=level))
