"""Side inputs on the Dask engine: denominators and group labels travel with each row partition (the
fitted steps keep none of them), and the Result equals the local one bit for bit. SYNTHETIC data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec


def _data(n: int = 1_200) -> pd.DataFrame:
    """SYNTHETIC table: four skewed indicators (4 % gaps), a population and a group column."""
    rng = np.random.default_rng(8)
    x = np.exp(rng.normal(size=(n, 4))) * 100
    x[rng.random(x.shape) < 0.04] = np.nan
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(4)],
                         index=pd.Index([f"u{i:05d}" for i in range(n)], name="unit"))
    frame["pop"] = rng.integers(100, 40_000, n).astype(float)
    frame.iloc[::97, frame.columns.get_loc("pop")] = 0.0        # zero denominators: missing after division
    frame["zone"] = np.array(["north", "south", "east", "west"])[rng.integers(0, 4, n)]
    return frame


def _spec() -> AssessmentSpec:
    tree = [{"code": "root", "parent": None}, {"code": "a", "parent": "root"}, {"code": "b", "parent": "root"}]
    tree += [{"code": f"x{j}", "parent": "a" if j < 2 else "b"} for j in range(4)]
    return AssessmentSpec.from_mapping({
        "name": "side inputs", "tree": tree,
        "denominate": {"indicators": {"x0": {"by": "pop", "kind": "per_1000"}, "x2": {"by": "pop"}}},
        "impute": {"method": "mean", "by": "zone"}, "normalise": {"method": "distance", "by": "zone"},
    })


def test_denominators_and_groups_per_partition_equal_local(client):
    """Denominators on row partitions (aux), group means fitted on whole columns then applied per
    partition with its group labels, a group-mean distance transformed on whole columns."""
    a, data = Assessment(_spec()), _data()
    local = a.run(data)
    dist = a.run(data, engine="dask", cluster=client, n_partitions=5)
    assert set(dist.tables) == set(local.tables)
    for name, frame in local.tables.items():
        pd.testing.assert_frame_equal(dist.tables[name], frame, check_exact=True, obj=name)
    assert [(r.address, r.fitted, r.input_digest, r.output_digest, r.cells_changed, r.warnings) for r in dist.log] \
        == [(r.address, r.fitted, r.input_digest, r.output_digest, r.cells_changed, r.warnings) for r in local.log]
    assert local.log[0].warnings and local.log[0].cells_changed > 0          # the zeros were met
    scores = a.run(data, engine="dask", cluster=client, n_partitions=5, keep="scores")
    pd.testing.assert_series_equal(scores.scores, local.scores, check_exact=True)
    pd.testing.assert_frame_equal(scores.tables["ranks"], local.tables["ranks"], check_exact=True)
