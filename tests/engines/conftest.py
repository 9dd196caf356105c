"""A LocalCluster of 2 worker processes (1 thread each), shared by the engine tests, torn down after; and a
worker killer for the lost-worker tests (which start their own cluster)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def client():
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
