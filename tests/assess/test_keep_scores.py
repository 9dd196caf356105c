"""``Assessment.run(keep="scores")`` on the local engine: the same record and scores as ``keep="all"``, the
dropped stages' memory reused for later ones (territoria.assess.buffers), and a clear error where a table it
does not hold is asked for. Data: the published SVI 2020 county file under examples/reference (real) and
synthetic panels (random lognormal numbers, not statistics)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess import loop
from territoria.assess.buffers import BufferPool, empty, reusing
from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import SCORE_TABLES, Assessment
from territoria.assess.result import Result
from territoria.assess.spec import AssessmentSpec
from territoria.errors import SpecError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Each peer spec of examples/ and its published input file under examples/reference (README there), id column.
REFERENCE = {"svi_2018": ("svi/SVI2018_US_COUNTY.csv.gz", "FIPS"),
             "svi_2022": ("svi/SVI_2022_US_county.csv.gz", "FIPS"),
             "inform_2025": ("inform/inform_risk_2025_main.csv", "ISO3"),
             "inform_2025_risk": ("inform/inform_risk_2025_main.csv", "ISO3"),
             "coinr_asem": ("coinr/ASEM_iData.csv", "uCode")}


def _panel(n: int, years: tuple[int, ...]) -> pd.DataFrame:
    rng = np.random.default_rng(77)
    x = rng.lognormal(sigma=1.2, size=(n * len(years), 8))
    x[rng.random(x.shape) < 0.05] = np.nan
    index = pd.MultiIndex.from_product([[f"u{i:04d}" for i in range(n)], list(years)], names=["unit", "year"])
    return pd.DataFrame(x, index=index, columns=[f"x{j}" for j in range(8)])


def _spec(**patch) -> AssessmentSpec:
    rows = [{"code": "VI", "parent": None}, {"code": "A", "parent": "VI"}, {"code": "B", "parent": "VI"}]
    rows += [{"code": f"x{j}", "parent": "A" if j < 4 else "B"} for j in range(8)]
    return AssessmentSpec.model_validate({"name": "synthetic", "tree": rows, "years": [2021, 2022, 2023],
                                          "impute": {"method": "median"}, "treat": {"method": "winsorise"},
                                          "normalise": {"method": "minmax", "reference": "pooled"}, **patch})


def _same_scores(lean: Result, full: Result) -> None:
    assert lean.log == full.log                 # params, fitted values, digests of every stage, counts
    pd.testing.assert_series_equal(lean.scores, full.scores, check_exact=True)
    for name in ("ranks", "grades", "weights"):
        pd.testing.assert_frame_equal(lean.tables[name], full.tables[name], check_exact=True)
    aggregates = list(lean.tables["aggregated"].columns)
    assert aggregates == full.aggregates[::-1] or set(aggregates) == set(full.aggregates)
    pd.testing.assert_frame_equal(lean.tables["aggregated"], full.tables["aggregated"][aggregates], check_exact=True)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_keep_scores_has_the_record_and_scores_of_keep_all(n_jobs):
    data = _panel(1500, (2021, 2022, 2023))      # 36,000 cells: several threads share the columns
    a = Assessment(_spec())
    full, lean = a.run(data, n_jobs=n_jobs), a.run(data, keep="scores", n_jobs=n_jobs)
    treat = next(r for r in full.log if r.address == "treat")
    assert treat.cells_changed > 0               # the treatment changed cells: its mask was written and reused
    _same_scores(lean, full)
    assert (full.keep, lean.keep) == ("all", "scores")
    assert sorted(lean.tables) == sorted(SCORE_TABLES)


def test_published_svi_with_flags_and_percentile_ranks():
    table = read_wide_table(EXAMPLES / "reference" / "svi" / "SVI2020_US_COUNTY.csv.gz", "FIPS")
    a = Assessment(EXAMPLES / "svi_2020.yaml")
    full, lean = a.run(table), a.run(table, keep="scores")
    assert a.spec.flags is not None
    _same_scores(lean, full)
    pd.testing.assert_frame_equal(lean.tables["flags"], full.tables["flags"], check_exact=True)
    assert sorted(lean.tables) == sorted([*SCORE_TABLES, "flags"])


def test_dropped_stages_memory_takes_later_stages(monkeypatch):
    pools: list[BufferPool] = []

    class Recording(BufferPool):
        def __init__(self) -> None:
            super().__init__()
            pools.append(self)

    monkeypatch.setattr(loop, "BufferPool", Recording)
    data = _panel(800, (2021, 2022, 2023))
    Assessment(_spec()).run(data, keep="scores")
    (pool,) = pools
    # normalise writes into the imputed table's array, the treated mask into the imputed mask's
    assert pool.released_ >= 2
    assert pool.reused_ >= 2
    Assessment(_spec()).run(data)
    assert len(pools) == 1                       # keep="all": no pool, every stage its own memory


def test_rerun_save_and_load_keep_the_choice(tmp_path):
    data = _panel(400, (2021, 2022, 2023))
    a = Assessment(_spec())
    full, lean = a.run(data), a.run(data, keep="scores")
    again = lean.rerun({"normalise.method": "zscore"})
    reference = full.rerun({"normalise.method": "zscore"})
    assert again.keep == "scores"
    _same_scores(again, reference)
    loaded = Result.load(lean.save(tmp_path / "lean"))
    assert loaded.keep == "scores"
    pd.testing.assert_series_equal(loaded.scores, lean.scores, check_exact=True)


def test_a_table_not_held_is_a_clear_error():
    lean = Assessment(_spec()).run(_panel(300, (2021, 2022, 2023)), keep="scores")
    with pytest.raises(SpecError, match=r"keep='scores'.*keep='all'"):
        lean.audit()
    with pytest.raises(SpecError, match="aggregates only"):
        _ = lean.contributions
    with pytest.raises(SpecError, match=r"no 'denominated' table: it was run with keep='scores'"):
        _ = lean.tables["denominated"]             # as the reports and the diagnosis read it
    assert lean.tables.get("normalised") is None
    with pytest.raises(SpecError, match=r"^keep: expected one of all, scores, got 'everything'"):
        Assessment(_spec()).run(_panel(10, (2021, 2022, 2023)), keep="everything")


def test_pool_hands_back_only_its_own_whole_arrays_not_in_use():
    pool = BufferPool()
    with reusing(pool):
        mine = empty((1000, 3))
    assert mine.flags.f_contiguous and mine.shape == (1000, 3)
    theirs = np.empty((1000, 3), order="F")
    columns = [mine[:, j] for j in range(3)]
    assert not pool.release([theirs[:, j] for j in range(3)])       # not handed out by this pool
    assert not pool.release(columns[:2])                             # a part of it
    assert not pool.release(columns, held=[mine[10:20, 1]])          # a stage still reads it
    assert pool.release(columns)
    assert not pool.release(columns)                                 # once
    assert pool.empty((1000, 3)) is mine and pool.reused_ == 1
    assert pool.empty((1000, 3)) is not mine                         # taken: a new array
    assert empty((5, 2)).shape == (5, 2)                             # outside reusing: numpy.empty


@pytest.mark.parametrize("name", [*sorted(REFERENCE), "vulnerability_regions", "vulnerability_districts"])
def test_every_example_spec_keeps_its_record_with_keep_scores(name, bundled_store_path):
    """Every example spec, on its published reference file or the bundled Store (real data), the SVI 2020 one
    above: the record and the scores of keep="scores" are those of keep="all"."""
    if name in REFERENCE:
        file, id_column = REFERENCE[name]
        data = read_wide_table(EXAMPLES / "reference" / file, id_column)
        spec_path = EXAMPLES / f"{name}.yaml"
    else:
        from territoria.assess.spec import default_spec_path
        from territoria.store import Store

        with Store(bundled_store_path, read_only=True) as store:
            data = store.panel(level="region" if name == "vulnerability_regions" else "district")
        spec_path = default_spec_path() if name == "vulnerability_regions" else EXAMPLES / f"{name}.yaml"
    a = Assessment(spec_path)
    _same_scores(a.run(data, keep="scores"), a.run(data))
