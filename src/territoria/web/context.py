"""The web application's access to the Store: one lock, short-lived connections, cached results.

DuckDB lets one process hold a file either read-only or writable, so every request opens the Store for
as long as it needs it, under one lock. Assessment results and documents are cached per version of the
Store file (its size and modification time, WAL included), so an import invalidates them.
"""

from __future__ import annotations

import threading
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
    """

    def __init__(self, db: str | Path, *, max_upload_bytes: int = 10 * 2**20, cache_size: int = 128) -> None:
        self.db = Path(db)
        self.max_upload_bytes = int(max_upload_bytes)
        self.lock = threading.RLock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_size = cache_size

    def version(self) -> tuple[int, ...]:
        parts = []
        for path in (self.db, Path(str(self.db) + ".wal")):
            st = path.stat() if path.exists() else None
            parts += [st.st_mtime_ns, st.st_size] if st else [0, 0]
        return tuple(parts)

    @contextmanager
    def store(self, *, write: bool = False) -> Iterator[Any]:
        from territoria.store import Store

        with self.lock, Store(self.db, read_only=not write) as store:
            yield store

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per Store version and ``key``."""
        with self.lock:
            full = (self.version(), *key)
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            value = compute()
            self._cache[full] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return value

    def result(self, store: Any) -> Any:
        """The bundled regional assessment of the current Store (cached)."""
        from territoria.report import service

        return self.cached(("assessment",), lambda: service.assessment(store))
