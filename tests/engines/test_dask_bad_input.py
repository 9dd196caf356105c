"""Bad input to the Dask engine: a clear error, never a silent fallback or approximation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.engines import EngineError
from territoria.errors import SpecError


def _assessment(weight: str) -> tuple[Assessment, pd.DataFrame]:
    rows = [{"code": "VI", "parent": None}] + [{"code": f"x{j}", "parent": "VI"} for j in range(3)]
    spec = AssessmentSpec.model_validate({"name": "synthetic", "tree": rows, "weight": {"method": weight}})
    x = np.random.default_rng(3).random((20, 3))    # synthetic
    return Assessment(spec), pd.DataFrame(x, index=pd.Index([f"u{i}" for i in range(20)], name="unit"),
                                          columns=["x0", "x1", "x2"])


def test_scheduler_that_does_not_answer_names_the_address():
    a, table = _assessment("equal")
    with pytest.raises(EngineError, match=r"127\.0\.0\.1:9"):
        a.run(table, engine="dask", cluster="tcp://127.0.0.1:9")


def test_step_without_distributed_form_refused():
    a, table = _assessment("pca")
    with pytest.raises(EngineError, match="pca"):
        a.run(table, engine="dask", cluster="tcp://127.0.0.1:9")


def test_unknown_engine():
    a, table = _assessment("equal")
    with pytest.raises(SpecError, match="engine"):
        a.run(table, engine="spark")
