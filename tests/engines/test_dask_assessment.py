"""The Dask engine gives the single-machine Result: ranks identical, scores within 1e-12."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import Assessment
from territoria.engines.dask_engine import partition_bounds

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def same(local, dist) -> None:
    for name in ("denominated", "imputed", "treated", "normalised", "aggregated"):
        a, b = local.tables[name], dist.tables[name]
        assert list(a.columns) == list(b.columns) and a.index.equals(b.index), name
        np.testing.assert_allclose(b.to_numpy(float), a.to_numpy(float), rtol=0, atol=1e-12, err_msg=name)
    pd.testing.assert_frame_equal(dist.tables["ranks"], local.tables["ranks"])
    pd.testing.assert_series_equal(dist.scores, local.scores, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(dist.tables["grades"], local.tables["grades"])
    assert [r.address for r in dist.log] == [r.address for r in local.log]


def test_partitions_never_split_a_unit():
    idx = pd.MultiIndex.from_product([["a", "b", "c", "d", "e"], [2020, 2021]], names=["unit", "year"])
    bounds = partition_bounds(idx, 3)
    assert bounds[0][0] == 0 and bounds[-1][1] == 10
    assert all(a % 2 == 0 and b % 2 == 0 for a, b in bounds)


def test_svi_example_spec(client):
    table = read_wide_table(EXAMPLES / "reference" / "svi" / "SVI2020_US_COUNTY.csv.gz", "FIPS")
    a = Assessment(EXAMPLES / "svi_2020.yaml")
    same(a.run(table), a.run(table, engine="dask", cluster=client))


def test_bundled_vulnerability_spec(client, bundled_store_path):
    from territoria.interfaces.cli.assess import default_spec_path
    from territoria.store import Store

    panel = Store(bundled_store_path, read_only=True).panel(level="region")
    a = Assessment(default_spec_path())
    same(a.run(panel), a.run(panel, engine="dask", cluster=client))


@pytest.mark.parametrize("spec_patch", [
    {"normalise": {"method": "percentile_rank"}, "grade": {"method": "quantiles", "k": 5}},
    {"normalise": {"method": "zscore"}, "impute": {"method": "median"}, "treat": {"method": "winsorise"},
     "grade": {"method": "quantiles", "k": 4}},
])
def test_synthetic_units(client, spec_patch):
    """Synthetic table (random, labelled so): 6,000 units × 6 indicators, 2% missing, in 6 partitions. The
    equality does not depend on the size (it was 60,000 units: ten times the CPU for the same check)."""
    rng = np.random.default_rng(11)
    n = 6_000
    x = rng.lognormal(size=(n, 6))
    x[rng.random(x.shape) < 0.02] = np.nan
    table = pd.DataFrame(x, index=pd.Index([f"u{i:06d}" for i in range(n)], name="unit"),
                         columns=[f"x{j}" for j in range(6)])
    spec = _spec(spec_patch)
    a = Assessment(spec)
    same(a.run(table), a.run(table, engine="dask", cluster=client, n_partitions=6))


def _spec(patch):
    from territoria.assess.spec import AssessmentSpec

    rows = [{"code": "VI", "parent": None}, {"code": "A", "parent": "VI"}, {"code": "B", "parent": "VI"}]
    rows += [{"code": f"x{j}", "parent": "A" if j < 3 else "B"} for j in range(6)]
    base = {"name": "synthetic", "tree": rows}
    base.update(patch)
    return AssessmentSpec.model_validate(base)


def test_engine_options_pass_through_and_are_refused_locally(client):
    """Synthetic table (random, labelled so); ``n_partitions`` reaches the Dask engine, not the local one."""
    from territoria.errors import SpecError

    rng = np.random.default_rng(3)
    table = pd.DataFrame(rng.lognormal(size=(500, 6)), columns=[f"x{j}" for j in range(6)],
                         index=pd.Index([f"u{i:04d}" for i in range(500)], name="unit"))
    a = Assessment(_spec({}))
    same(a.run(table), a.run(table, engine="dask", cluster=client, n_partitions=7))
    with pytest.raises(SpecError, match="engine='dask' only"):
        a.run(table, n_partitions=7)


def test_worker_killed_mid_assessment_raises_a_clear_error(first_task_killer):
    """SIGKILL one of two worker processes at a known point, the moment it starts its first task (synthetic
    table, labelled so). The input partitions are scattered round-robin over both workers and exist nowhere
    else, so the dead worker takes some with it and Dask cannot recompute them: the engine must raise
    EngineError naming the lost worker (``engines.cluster.worker_lost``), never return a Result built from
    the partitions left. The outcome is fixed by the kill point, not by timing, nor by the size (1,200 units,
    100 per partition; it was 6,000: the same check for five times the data to scatter and prepare)."""
    from distributed import Client, LocalCluster

    from territoria.engines import EngineError
    from territoria.engines.cluster import worker_lost

    rng = np.random.default_rng(21)
    n = 1_200
    table = pd.DataFrame(rng.lognormal(size=(n, 6)), columns=[f"x{j}" for j in range(6)],
                         index=pd.Index([f"u{i:06d}" for i in range(n)], name="unit"))
    a = Assessment(_spec({"treat": {"method": "winsorise"}, "grade": {"method": "quantiles", "k": 5}}))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        with first_task_killer(c), pytest.raises(EngineError, match="lost a worker mid-run") as err:
            a.run(table, engine="dask", cluster=c, n_partitions=12)
        assert worker_lost(err.value.__cause__)


def test_panel_dask_equals_local_bit_for_bit_with_the_same_record(client):
    """SYNTHETIC panel (random numbers, labelled so): 3,000 units × 8 indicators × 3 years. With
    ``keep="all"`` every stage table and the whole step record (digests included) equal the local run."""
    from territoria.assess.spec import AssessmentSpec

    rng = np.random.default_rng(5)
    n, k = 3000, 8
    frames = []
    for year in (2020, 2021, 2022):
        x = np.exp(rng.normal(size=(n, k)))
        x[rng.random(x.shape) < 0.03] = np.nan
        x[:, 0] = np.where(np.isnan(x[:, 0]), 1.0, x[:, 0])
        idx = pd.MultiIndex.from_arrays([[f"u{i:05d}" for i in range(n)], [year] * n], names=["unit", "year"])
        frames.append(pd.DataFrame(x, index=idx, columns=[f"x{j}" for j in range(k)]))
    table = pd.concat(frames)
    tree = [{"code": "root", "parent": None}, {"code": "a", "parent": "root"}, {"code": "b", "parent": "root"}]
    tree += [{"code": f"x{j}", "parent": "a" if j < 4 else "b"} for j in range(k)]
    spec = AssessmentSpec.from_mapping({"name": "panel", "tree": tree, "years": [2020, 2021, 2022],
                                        "impute": {"method": "median"}, "treat": {"method": "winsorise"},
                                        "normalise": {"method": "minmax"}, "grade": {"method": "quantiles", "k": 4}})
    a = Assessment(spec)
    local, dist = a.run(table), a.run(table, engine="dask", cluster=client, n_partitions=7)
    assert set(dist.tables) == set(local.tables)
    for name, frame in local.tables.items():
        pd.testing.assert_frame_equal(dist.tables[name], frame, check_exact=True, obj=name)
    strip = [(r.address, r.method, r.params, r.fitted, r.input_digest, r.output_digest, r.cells_changed, r.warnings)
             for r in local.log]
    assert [(r.address, r.method, r.params, r.fitted, r.input_digest, r.output_digest, r.cells_changed,
             r.warnings) for r in dist.log] == strip
