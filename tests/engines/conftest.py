"""A LocalCluster of 2 worker processes (1 thread each), shared by the engine tests, torn down after; and a
worker killer for the lost-worker tests (which start their own cluster)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pytest

#: Dask's self-monitoring that no engine test reads: the worker's statistical profiler (a thread sampling
#: every 10 ms, for the dashboard), the host monitor (psutil every 500 ms, for the dashboard) and the
#: Nanny's memory check (psutil every 100 ms, acting only near the memory limit, which no test nears).
#: They cost CPU for every second a cluster lives, on every worker and the scheduler; slower or off here,
#: they change no task, no result and no lost-worker path (those are the scheduler's and the Nanny's
#: process watch, untouched).
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


@pytest.fixture(scope="session", autouse=True)
def quiet_clusters() -> Iterator[None]:
    """:data:`QUIET` for every cluster the engine tests start (the Nanny hands its config to its worker)."""
    import dask

    with dask.config.set(QUIET):
        yield


@pytest.fixture(scope="session")
def client(quiet_clusters):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


@contextlib.contextmanager
def kill_a_worker_at_its_first_task(client) -> Iterator[dict[str, str]]:
    """SIGKILL one worker process from inside, at a known point: the moment it starts executing its first
    task of the ``with`` body. Nothing is timed: a worker plugin kills the worker process of the chosen
    address (its Nanny restarts a fresh one on a new address, which the plugin spares). Yields
    ``{"worker": address}``; on exit, checks that that worker is gone."""
    from distributed import WorkerPlugin

    target = sorted(client.scheduler_info()["workers"])[0]

    class KillOnFirstTask(WorkerPlugin):  # local class: shipped to the workers by value (cloudpickle)
        name = "territoria-test-kill-on-first-task"

        def __init__(self, address: str) -> None:
            self.address = address
            self.mine = False

        def setup(self, worker) -> None:
            self.mine = worker.address == self.address

        def transition(self, key, start, finish, **kwargs) -> None:
            if self.mine and finish == "executing":
                os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillOnFirstTask(target))
    try:
        yield {"worker": target}
    finally:
        client.unregister_worker_plugin(KillOnFirstTask.name)
    assert target not in client.scheduler_info()["workers"], f"worker {target} was never killed"


@pytest.fixture
def first_task_killer():
    """:func:`kill_a_worker_at_its_first_task`, for the tests that lose a worker at a known point."""
    return kill_a_worker_at_its_first_task
