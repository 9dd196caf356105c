"""The spec language's transforms, formula nodes, coverage and zeros rules give the same Result on Dask.

The table is a synthetic fixture (made-up numbers; a zero and gaps placed on purpose)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec


def test_new_spec_features_on_dask_equal_local(client) -> None:
    rng = np.random.default_rng(7)
    n = 300
    table = pd.DataFrame({"income": rng.uniform(100, 1e5, n), "life": rng.uniform(40, 90, n),
                          "school": rng.uniform(0, 16, n), "share": rng.uniform(0.05, 1, n)},
                         index=pd.Index([f"u{i:03d}" for i in range(n)], name="unit"))
    table.iloc[::17, 2] = np.nan
    table.iloc[::29, 3] = np.nan
    spec = AssessmentSpec.from_mapping({
        "tree": {"nd": {"formula": "100 * ready * (1 - vuln / 100) ^ 0.5", "round": 6, "children": {
            "ready": {"method": "geometric", "children": {"income": {"transform": "log"}, "life": None}},
            "vuln": {"coverage": {"min_children": 2}, "children": {"school": None, "share": None}}}}},
        "normalise": {"method": "goalposts", "low": 0, "high": 1, "clip": True,
                      "goalposts": {"income": [100, 75000], "life": [50, 85], "school": [0, 18], "share": [0, 1]}},
        "aggregate": {"zeros": "zero"}})
    a = Assessment(spec)
    local, dist = a.run(table), a.run(table, engine="dask", cluster=client, n_partitions=5)
    for name in ("normalised", "aggregated"):
        np.testing.assert_allclose(dist.tables[name].to_numpy(float), local.tables[name].to_numpy(float), rtol=0,
                                   atol=1e-12, err_msg=name)
    pd.testing.assert_frame_equal(dist.tables["ranks"], local.tables["ranks"])
    assert local.withheld["unit"].tolist() == dist.withheld["unit"].tolist() != []
    assert [r.params for r in dist.log] == [r.params for r in local.log]
