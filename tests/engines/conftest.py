"""A LocalCluster of 2 worker processes (1 thread each), shared by the engine tests, torn down after."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c
