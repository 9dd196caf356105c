"""Larger-than-memory input: the Store exported to Parquet by DuckDB, read partition by partition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.engines.dask_engine import run_dask
from territoria.errors import StoreError

from .test_dask_assessment import _spec, same


@pytest.fixture(scope="module")
def export(bundled_store_path, tmp_path_factory):
    from territoria.store import Store

    store = Store(bundled_store_path, read_only=True)
    path = store.export_parquet(tmp_path_factory.mktemp("parquet") / "regions", level="region", row_group_size=6)
    return store, path


def test_export_holds_the_panel_wide_table(export):
    store, path = export
    panel = store.panel(level="region")
    year = max(panel.years)
    read = pd.read_parquet(path / f"year={year}" / "part-0.parquet").set_index("unit").drop(columns="level")
    wide = panel.wide(year)
    wide = wide[wide.index.isin(panel.existing_in(year))]
    assert read.index.equals(wide.index)
    pd.testing.assert_frame_equal(read.reindex(columns=wide.columns), wide, check_names=False)
    with pytest.raises(StoreError, match="not empty"):
        store.export_parquet(path)


def test_parquet_export_gives_the_local_result(client, export):
    from territoria.interfaces.cli.assess import default_spec_path

    store, path = export
    a = Assessment(default_spec_path())
    local = a.run(store.panel(level="region"))
    dist = a.run(str(path), engine="dask", cluster=client)      # 20 regions in row groups of 6: 4 partitions
    same(local, dist)
    assert dist.data_sha256 == local.data_sha256
    lean = run_dask(a, path, cluster=client, keep="scores")
    pd.testing.assert_series_equal(lean.scores, local.scores, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(lean.tables["ranks"], local.tables["ranks"])
    pd.testing.assert_frame_equal(lean.tables["grades"], local.tables["grades"])
    assert "normalised" not in lean.tables
    assert [r.cells_changed for r in lean.log] == [r.cells_changed for r in local.log]


def _synthetic_part(i: int, rows: int = 4_000) -> pd.DataFrame:
    """SYNTHETIC partition i, generated on a worker from its own seed (lognormal values, 2 % missing); the
    equality with the local run does not depend on the size (it was 20,000 rows a partition)."""
    rng = np.random.default_rng(np.random.SeedSequence([2026, i]))
    x = rng.lognormal(size=(rows, 6))
    x[rng.random(x.shape) < 0.02] = np.nan
    return pd.DataFrame(x, columns=[f"x{j}" for j in range(6)]).assign(
        unit=[f"u{i:03d}{k:06d}" for k in range(rows)])


def test_dask_dataframe_generated_on_workers_equals_local(client):
    import dask.dataframe as dd

    frame = dd.from_map(_synthetic_part, range(5), meta=_synthetic_part(0, 0))
    a = Assessment(_spec({"normalise": {"method": "percentile_rank"}, "impute": {"method": "median"},
                          "grade": {"method": "quantiles", "k": 5}}))
    table = pd.concat([_synthetic_part(i) for i in range(5)]).set_index("unit")
    local = a.run(table)
    same(local, run_dask(a, frame, cluster=client))
    lean = run_dask(a, frame, cluster=client, keep="scores")
    pd.testing.assert_series_equal(lean.scores, local.scores, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(lean.tables["ranks"], local.tables["ranks"])
