"""Threads for the independent per-column (per-block) work of the local engine.

``Assessment.run(..., n_jobs=...)`` sets how many threads the steps may use while it runs
(:func:`using`); a kernel hands its independent pieces of work — a column, a block of rows, a year —
to :func:`each`, which runs them on that many threads, or in this thread when one is set. NumPy
releases the GIL inside its loops, so pieces over large arrays run in parallel. Every piece does the
same operations on the same values whatever the number of threads, so the thread count never changes
a bit of the output: only the order in which independent pieces finish.

The count is held in a :class:`contextvars.ContextVar`: it is seen by the thread that set it only, so
the pieces themselves (run in worker threads) never start threads of their own, and a Dask worker or
another thread running steps stays on one thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import numpy as np

from territoria.errors import SpecError

__all__ = ["MIN_CELLS", "cuts", "each", "resolve_jobs", "submit", "thread_count", "using"]

T = TypeVar("T")

#: Below this many cells a table's work runs in the calling thread: starting threads costs more.
MIN_CELLS = 1 << 18

# (pool, its size) of the innermost :func:`using` of this context; None: one thread
_POOL: ContextVar[tuple[ThreadPoolExecutor, int] | None] = ContextVar("territoria_assess_threads", default=None)


def resolve_jobs(n_jobs: int | None, *, where: str = "n_jobs") -> int:
    """Threads for ``n_jobs``: None = 1, -1 = every core, else the positive integer given."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0 or n_jobs < -1:
        raise SpecError(where, f"must be a positive integer, -1 (every core) or None, got {n_jobs!r}")
    return max(1, os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)


@contextmanager
def using(n_threads: int) -> Iterator[None]:
    """Let :func:`each` use ``n_threads`` threads in this context (one pool, shut down on exit)."""
    if n_threads <= 1:
        token = _POOL.set(None)
        try:
            yield
        finally:
            _POOL.reset(token)
        return
    with ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="territoria-assess") as pool:
        token = _POOL.set((pool, n_threads))
        try:
            yield
        finally:
            _POOL.reset(token)


def thread_count() -> int:
    """Threads :func:`each` uses here (1 outside :func:`using` and inside its pieces)."""
    pool = _POOL.get()
    return 1 if pool is None else pool[1]


def cuts(n: int, pieces: int) -> list[int]:
    """Bounds of ``pieces`` consecutive parts of ``range(n)`` as equal as integers allow: part ``k`` is
    ``range(bounds[k], bounds[k + 1])``.

    Examples
    --------
    >>> cuts(10, 3)
    [0, 3, 6, 10]
    """
    return [n * k // pieces for k in range(pieces + 1)]


def each(fn: Callable[[int], T], n: int, *, cells: int | None = None) -> list[T]:
    """``[fn(0), ..., fn(n - 1)]``, on the threads of :func:`using` when there are several and the work
    (``cells``: how many table cells the ``n`` pieces touch together) is large enough to gain from them.

    The pieces must be independent (each writes its own part of any output); exceptions are raised in
    the caller, the first piece's first.
    """
    pool = _POOL.get()
    if pool is None or n <= 1 or (cells is not None and cells < MIN_CELLS):
        return [fn(i) for i in range(n)]
    return list(pool[0].map(fn, range(n)))


def submit(fn: Callable[[], T]) -> Future[T] | None:
    """Start ``fn()`` on a thread of :func:`using` and return its future; None (nothing started) when
    this context has one thread. ``fn`` runs with one thread: pieces it hands to :func:`each` run in
    its own thread, so it never waits for the pool it runs on."""
    pool = _POOL.get()
    return None if pool is None else pool[0].submit(fn)
