"""Connecting to a Dask cluster: an existing scheduler by address, or a LocalCluster.

A scheduler that does not answer within ``timeout`` seconds raises :class:`EngineError` naming the
address; nothing falls back silently to one machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from territoria.errors import TerritoriaError

__all__ = ["EngineError", "connect", "worker_lost"]


class EngineError(TerritoriaError):
    """The distributed engine could not run: no scheduler, a lost worker, or no distributed form."""


@contextlib.contextmanager
def connect(*, cluster: Any = None, n_workers: int = 2, threads_per_worker: int = 1,
            timeout: float = 3.0, memory_limit: str | None = None) -> Iterator[Any]:
    """Yield a ``distributed.Client``.

    Parameters
    ----------
    cluster : str, Client or None
        A scheduler address (``tcp://host:8786``), an existing ``Client`` (used as is, not closed),
        or None for a new ``LocalCluster`` of ``n_workers`` processes, torn down on exit.
    """
    # lazy: heavy (dask, distributed, jinja2), which territoria.engines does not load
    from distributed import Client, LocalCluster

    if isinstance(cluster, Client):
        yield cluster
        return
    if cluster is None:
        kwargs: dict[str, Any] = {"n_workers": n_workers, "threads_per_worker": threads_per_worker,
                                  "processes": True, "dashboard_address": None}
        if memory_limit is not None:
            kwargs["memory_limit"] = memory_limit
        with LocalCluster(**kwargs) as local, Client(local) as client:
            yield client
        return
    try:
        client = Client(str(cluster), timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"--cluster {cluster}: the Dask scheduler did not answer within {timeout:g} s "
                          f"({type(exc).__name__}: {exc}); expected the address of a running "
                          "`dask scheduler`, e.g. tcp://10.0.0.5:8786") from exc
    try:
        yield client
    finally:
        client.close()


def worker_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says a worker (and the tasks or data it held) was lost: ``KilledWorker`` after
    retries, or a future cancelled because its inputs died with a worker."""
    # lazy: heavy (dask, distributed, jinja2), which territoria.engines does not load
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    return isinstance(exc, (KilledWorker, FutureCancelledError))
