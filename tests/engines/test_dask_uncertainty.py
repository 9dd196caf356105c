"""Monte-Carlo on Dask: bit for bit the single-machine numbers, on 1 and 2 workers, and after a lost worker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.uncertainty import UncertaintyAnalysis
from territoria.engines import EngineError
from territoria.engines.dask_uncertainty import _tasks, run_uncertainty


def synthetic(n: int = 2_000, seed: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC table: n units × 6 lognormal indicators (3 % missing) under two sub-indices."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=(n, 6))
    x[rng.random(x.shape) < 0.03] = np.nan
    data = pd.DataFrame(x, index=pd.Index([f"u{i:05d}" for i in range(n)], name="unit"),
                        columns=[f"x{j}" for j in range(6)])
    tree = pd.DataFrame({"code": ["VI", "A", "B", *data.columns],
                         "parent": [None, "VI", "VI", "A", "A", "A", "B", "B", "B"],
                         "weight": 1.0, "level": [3, 2, 2, 1, 1, 1, 1, 1, 1]})
    return data, tree


def analysis(n: int = 700) -> UncertaintyAnalysis:
    return UncertaintyAnalysis(n_replications=n, seed=41, chunk_size=9, exclude_one=True,
                               normalise=({"method": "minmax", "low": 1, "high": 100}, "rank"),
                               aggregate=("arithmetic", "geometric"), impute=("none", "mean"))


def same(a, b) -> None:
    for name in ("ranks", "sensitivity", "design", "weights"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert (a.n_base, a.n_runs, a.seed) == (b.n_base, b.n_runs, b.seed)


@pytest.fixture(scope="module")
def one_worker():
    """A cluster of one worker, in this process (``processes=False``): what it checks is the split of the
    runs into tasks for one worker; the process boundary (the plan pickled to worker processes) is the
    two-worker run's, on the shared cluster of processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def baseline() -> tuple[pd.DataFrame, pd.DataFrame, UncertaintyAnalysis, object]:
    """The synthetic table, its tree, :func:`analysis` and its local run, shared by the tests that compare
    a Dask run with it (computed once: the local run is deterministic and no test modifies it)."""
    data, tree = synthetic()
    ua = analysis()
    return data, tree, ua, ua.run(data, tree)


def test_identical_on_one_and_two_workers_and_locally(client, one_worker, baseline):
    data, tree, ua, local = baseline
    two = run_uncertainty(ua, data, tree, cluster=client, tasks_per_worker=5)
    one = run_uncertainty(ua, data, tree, cluster=one_worker, tasks_per_worker=3)
    same(local, two)
    same(local, one)
    assert two.n_runs >= 600 and (two.sensitivity["ST"] > 0).all()


def test_tasks_cover_every_run_once():
    pieces = [np.arange(a, b) for a, b in [(0, 9), (9, 12), (12, 30), (30, 31)]]
    got = np.sort(np.concatenate([p for g in _tasks(pieces, 3) for p in g]))
    assert np.array_equal(got, np.arange(31)) and len(_tasks(pieces, 10)) == 4


def test_result_uncertainty_engine_dask(client, bundled_store_path):
    from territoria.assess.pipeline import Assessment
    from territoria.interfaces.cli.assess import default_spec_path
    from territoria.store import Store

    res = Assessment(default_spec_path()).run(Store(bundled_store_path, read_only=True).panel(level="region"))
    same(res.uncertainty(n_replications=150, seed=3),
         res.uncertainty(n_replications=150, seed=3, engine="dask", cluster=client))


def test_worker_killed_mid_run_gives_the_right_result_or_a_clear_error(first_task_killer, baseline):
    """SIGKILL one of two worker processes while the runs are evaluated, at a known point: the moment it
    starts its first task. Dask reruns its tasks on the other worker (the plan was broadcast to both), so
    the result is the local one; if the runs cannot be rerun the engine raises EngineError — never a
    result missing runs. The kill point is fixed by the plugin, not by timing, so the size does not matter
    (it was 4,000 units × 3,000 replications, large enough for a timed killer to find the runs busy): the
    module's table and analysis, 40 tasks."""
    from distributed import Client, LocalCluster

    data, tree, ua, local = baseline
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as c, first_task_killer(c):
        try:
            got = run_uncertainty(ua, data, tree, cluster=c, tasks_per_worker=20)
        except EngineError as exc:
            assert "lost" in str(exc)
        else:
            same(local, got)


def test_general_path_on_dask_equals_local(client):
    """INFORM (published component scores, examples/reference): rounded nodes and mixed methods take the
    general path of the model; the Dask workers give the local numbers, and the nominal run is the Result."""
    from pathlib import Path

    from territoria.assess.io import read_wide_table
    from territoria.assess.pipeline import Assessment

    examples = Path(__file__).resolve().parents[2] / "examples"
    res = Assessment(examples / "inform_2025.yaml").run(
        read_wide_table(examples / "reference" / "inform" / "inform_risk_2025_main.csv", "ISO3"))
    ua = UncertaintyAnalysis(n_replications=90, seed=6, weight_perturbation=0.3, exclude_one=True, chunk_size=4,
                             normalise=[res.spec.normalise], aggregate=["arithmetic"], impute=["none"])
    local = ua.run(res)
    same(local, run_uncertainty(ua, res, cluster=client, tasks_per_worker=3))
    assert np.array_equal(local.ranks["rank"], res.ranks, equal_nan=True)
