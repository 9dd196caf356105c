"""Uncertainty and sensitivity analysis: Sobol estimator on Ishigami, Monte-Carlo invariants.

All data here are synthetic (seeded), except the analytic Ishigami indices.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess import kernels, threads
from territoria.assess.sobol import SobolAccumulator, ab_matrices, sobol_indices
from territoria.assess.uncertainty import UncertaintyAnalysis, rank_rows
from territoria.errors import DataError, SpecError

# -- Ishigami (Ishigami & Homma 1990): analytic first-order and total indices -----------------------
A_, B_ = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[..., 0]) + A_ * np.sin(x[..., 1]) ** 2 + B_ * x[..., 2] ** 4 * np.sin(x[..., 0])


def _analytic() -> tuple[np.ndarray, np.ndarray]:
    pi = np.pi
    v1 = 0.5 * (1 + B_ * pi**4 / 5) ** 2
    v2 = A_**2 / 8
    v13 = 8 * B_**2 * pi**8 / 225
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_indices_match_analytic_values() -> None:
    rng = np.random.default_rng(2024)
    n = 2**15
    a, b = rng.uniform(-np.pi, np.pi, (n, 3)), rng.uniform(-np.pi, np.pi, (n, 3))
    s1, st = sobol_indices(ishigami(a), ishigami(b), ishigami(ab_matrices(a, b, [[0], [1], [2]])))
    ref1, reft = _analytic()
    assert ref1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)        # the published values
    assert s1 == pytest.approx(ref1, abs=0.03)
    assert st == pytest.approx(reft, abs=0.03)


def test_ishigami_matches_salib_on_the_same_runs() -> None:
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = salib_sample.sample(problem, 2**12, calc_second_order=False, seed=7)
    y = ishigami(x)
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, seed=7)
    runs = y.reshape(-1, 5)                            # SALib's layout per base sample: A, AB_1..AB_3, B
    s1, st = sobol_indices(runs[:, 0], runs[:, 4], runs[:, 1:4].T)
    # SALib centres on the mean of all runs, we centre on the mean of A and B: equal up to noise
    assert s1 == pytest.approx(ref["S1"], abs=0.01)
    assert st == pytest.approx(ref["ST"], abs=1e-9)    # the total-order estimator is identical


def test_accumulator_is_exact_and_chunk_free_on_integer_outputs() -> None:
    rng = np.random.default_rng(5)
    ya, yb, yab = rng.integers(1, 1000, (40, 7)), rng.integers(1, 1000, (40, 7)), rng.integers(1, 1000, (2, 40, 7))
    whole = SobolAccumulator(2, (7,), exact=True)
    whole.add(ya, yb, yab)
    parts = SobolAccumulator(2, (7,), exact=True)
    for sl in (slice(0, 13), slice(13, 40)):
        parts.add(ya[sl], yb[sl], yab[:, sl])
    for x, y in zip(whole.indices(aggregate=True), parts.indices(aggregate=True), strict=True):
        assert np.array_equal(x, y)
    s1, _ = sobol_indices(ya, yb, yab, aggregate=True)    # float path agrees with the int path
    assert s1 == pytest.approx(whole.indices(aggregate=True)[0], rel=1e-12)


def test_rank_rows_equals_kernel_ranks_with_ties() -> None:
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, (4, 60)).astype(float)
    for desc in (True, False):
        assert np.array_equal(rank_rows(s, descending=desc), kernels.rank_scores(s, descending=desc))


# -- the Monte-Carlo analysis -----------------------------------------------------------------------
def _synthetic(n: int = 300, k: int = 8, missing: float = 0.05, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    data = pd.DataFrame(base + rng.normal(size=(n, k)), columns=[f"i{j}" for j in range(k)],
                        index=[f"U{u:04d}" for u in range(n)])
    data = data.mask(rng.random((n, k)) < missing)
    data.iloc[:, 0] = data.iloc[:, 0].fillna(0.0)            # every unit keeps >= 2 values
    data.iloc[:, k // 2] = data.iloc[:, k // 2].fillna(0.0)
    half = k // 2
    rows = [{"code": f"i{j}", "parent": "p" if j < half else "q", "weight": 1.0 + j % 3, "level": 1}
            for j in range(k)]
    rows += [{"code": "p", "parent": "idx", "weight": 2.0, "level": 2},
             {"code": "q", "parent": "idx", "weight": 1.0, "level": 2},
             {"code": "idx", "parent": None, "weight": 1.0, "level": 3}]
    return data, pd.DataFrame(rows)


FULL = {"weight_perturbation": 0.3, "normalise": ({"method": "minmax", "low": 1, "high": 100}, "rank"),
        "aggregate": ("arithmetic", "geometric", "harmonic"), "impute": ("none", "mean", "median"),
        "exclude_one": True}


def test_seeded_runs_are_reproducible_and_seed_dependent() -> None:
    data, tree = _synthetic()
    one = UncertaintyAnalysis(n_replications=140, seed=3, **FULL).run(data, tree)
    two = UncertaintyAnalysis(n_replications=140, seed=3, **FULL).run(data, tree)
    other = UncertaintyAnalysis(n_replications=140, seed=4, **FULL).run(data, tree)
    pd.testing.assert_frame_equal(one.ranks, two.ranks)
    pd.testing.assert_frame_equal(one.sensitivity, two.sensitivity)
    assert not one.design.equals(other.design)
    assert one.n_base == 140 // 7 and one.n_runs == 140
    assert list(one.sensitivity.index) == ["weights", "normalise", "aggregate", "impute", "exclude"]


def test_chunk_size_does_not_change_any_number() -> None:
    data, tree = _synthetic()
    small = UncertaintyAnalysis(n_replications=210, seed=9, chunk_size=7, keep_ranks=True, **FULL).run(data, tree)
    big = UncertaintyAnalysis(n_replications=210, seed=9, keep_ranks=True, **FULL).run(data, tree)
    assert np.array_equal(small.rank_samples, big.rank_samples)
    pd.testing.assert_frame_equal(small.ranks, big.ranks, check_exact=True)
    pd.testing.assert_frame_equal(small.sensitivity, big.sensitivity, check_exact=True)


def test_runs_equal_an_independent_recomputation_with_the_kernels() -> None:
    data, tree = _synthetic(n=120)
    res = UncertaintyAnalysis(n_replications=70, seed=1, keep_ranks=True, **FULL).run(data, tree)
    leaves = [f"i{j}" for j in range(8)]
    agg = {"arithmetic": kernels.aggregate_arithmetic, "geometric": kernels.aggregate_geometric,
           "harmonic": kernels.aggregate_harmonic}
    for run in [0, 1, 5, 17, 33, 69]:
        row, w = res.design.iloc[run], res.weights.iloc[run]
        x = data[leaves].to_numpy()
        if row["impute"] != "none":
            fill = np.nanmean(x, axis=0) if row["impute"] == "mean" else np.nanmedian(x, axis=0)
            x = np.where(np.isnan(x), fill, x)
        z = kernels.minmax(x, low=1, high=100) if row["normalise"].startswith("minmax") else kernels.rank(x)
        wl = w[leaves].to_numpy().copy()
        if row["exclude"] != "none":
            wl[leaves.index(row["exclude"])] = 0.0
        f = agg[row["aggregate"]]
        blocks = np.column_stack([f(z[:, :4], wl[:4]), f(z[:, 4:], wl[4:])])
        score = f(blocks, w[["p", "q"]].to_numpy())
        assert np.array_equal(kernels.rank_scores(score), res.rank_samples[:, run]), run


def test_no_uncertainty_collapses_the_interval_on_the_nominal_rank() -> None:
    data, tree = _synthetic()
    res = UncertaintyAnalysis(n_replications=50, seed=0, weight_perturbation=0.0).run(data, tree)
    r = res.ranks
    assert (r["rank_p05"] == r["rank"]).all() and (r["rank_p95"] == r["rank"]).all()
    assert (r["rank_median"] == r["rank"]).all()
    assert res.sensitivity.empty
    nominal = kernels.aggregate_arithmetic(np.column_stack([
        kernels.aggregate_arithmetic(kernels.minmax(data.iloc[:, :4].to_numpy()), np.array([1.0, 2, 3, 1])),
        kernels.aggregate_arithmetic(kernels.minmax(data.iloc[:, 4:].to_numpy()), np.array([2.0, 3, 1, 2]))]),
        np.array([2.0, 1.0]))
    assert np.allclose(r["score"], nominal, rtol=1e-13)
    assert np.array_equal(r["rank"], kernels.rank_scores(nominal))


def test_the_only_input_that_moves_ranks_gets_all_the_variance() -> None:
    # Two uncertain inputs: the imputation method, inert here because nothing is missing, and the
    # indicator left out, which is then the only choice that moves a rank.
    data, tree = _synthetic(missing=0.0)
    res = UncertaintyAnalysis(n_replications=2000, seed=2, weight_perturbation=0.0,
                              impute=("mean", "median"), exclude_one=True).run(data, tree)
    sens = res.sensitivity
    assert sens.loc["impute", "S1"] == 0.0 and sens.loc["impute", "ST"] == 0.0
    assert sens.loc["exclude", "ST"] == pytest.approx(1.0, abs=0.1)
    assert sens.loc["exclude", "S1"] == pytest.approx(1.0, abs=0.1)


def test_directions_are_applied_before_normalising() -> None:
    data, tree = _synthetic()
    flip = pd.Series(-1.0, index=data.columns)
    a = UncertaintyAnalysis(n_replications=28, seed=5, **FULL).run(data, tree, directions=flip)
    b = UncertaintyAnalysis(n_replications=28, seed=5, **FULL).run(-data, tree)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)


def test_bad_settings_and_data_are_named() -> None:
    data, tree = _synthetic()
    with pytest.raises(SpecError, match=r"uncertainty\.aggregate\[1\].*'copland'"):
        UncertaintyAnalysis(aggregate=("arithmetic", "copland")).run(data, tree)
    with pytest.raises(SpecError, match=r"uncertainty\.normalise.*'minmax'.*<= 0"):
        UncertaintyAnalysis(aggregate=("geometric",)).run(data, tree)
    with pytest.raises(SpecError, match="weight_perturbation"):
        UncertaintyAnalysis(weight_perturbation=1.5).run(data, tree)
    empty = data.copy()
    empty.loc["U0003"] = np.nan
    with pytest.raises(DataError, match="U0003"):
        UncertaintyAnalysis().run(empty, tree)
    single = data.copy()
    single.loc["U0007", "i1":] = np.nan
    with pytest.raises(DataError, match=r"fewer than 2.*U0007"):
        UncertaintyAnalysis(exclude_one=True).run(single, tree)


def test_benchmark_module_runs_on_a_tiny_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))      # the repository root
    from benchmarks import bench_uncertainty

    report = bench_uncertainty.run(n_units=400, n_replications=36, pandas_replications=3)
    assert report["speedup_vs_pandas"] > 0 and report["seconds"] > 0
    assert report["pandas_agree"] == 3          # the pandas baseline computes the same ranks
    assert report["nominal_equal"]               # the analysis ran on the Result: its nominal run is the Result


def test_thread_count_is_a_parameter_and_changes_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    # every piece on the pool however small the table: the fits of the alternatives (ranks of the rank
    # normalisation, the model's tables) and the runs really go to two threads
    monkeypatch.setattr(threads, "MIN_CELLS", 0)
    seen: set[str] = set()

    def rank_rows_seen(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return rank_rows(*args, **kwargs)

    monkeypatch.setattr(kernels, "rank_rows", rank_rows_seen)
    data, tree = _synthetic()
    one = UncertaintyAnalysis(n_replications=140, seed=3, keep_ranks=True, n_jobs=1, **FULL).run(data, tree)
    assert seen == {threading.current_thread().name}
    seen.clear()
    two = UncertaintyAnalysis(n_replications=140, seed=3, keep_ranks=True, n_jobs=2, **FULL).run(data, tree)
    assert seen and all(name.startswith("territoria-assess") for name in seen)   # the rank normalisation's
    assert np.array_equal(one.rank_samples, two.rank_samples)
    pd.testing.assert_frame_equal(one.ranks, two.ranks, check_exact=True)
    pd.testing.assert_frame_equal(one.sensitivity, two.sensitivity, check_exact=True)
    with pytest.raises(SpecError, match=r"uncertainty\.n_jobs.*got 0"):
        UncertaintyAnalysis(n_jobs=0).run(data, tree)


def test_units_without_a_score_in_some_runs() -> None:
    """``missing: propagate`` (the SVI rule): a unit lacking one indicator has a score only in the runs that
    leave that indicator out; its quantiles come from those runs, and it stays out of the Sobol sums."""
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec

    rng = np.random.default_rng(4)
    data = pd.DataFrame(rng.random((30, 4)), columns=["a", "b", "c", "d"],
                        index=pd.Index([f"U{i:02d}" for i in range(30)], name="unit"))
    data.loc["U05", "c"] = np.nan
    spec = AssessmentSpec.from_mapping({
        "normalise": {"method": "percentile_rank", "decimals": 4},
        "aggregate": {"method": "sum", "missing": "propagate"},
        "uncertainty": {"n": 300, "seed": 1, "weights": 0.2, "exclude_one": True},
        "tree": {"t": {"children": {"x": {"children": {"a": None, "b": None}},
                                    "y": {"children": {"c": None, "d": None}}}}}})
    result = Assessment(spec).run(data)
    assert np.isnan(result.ranks["U05"])
    ua = UncertaintyAnalysis.from_spec(spec)
    ua.keep_ranks = True
    res = ua.run(result)
    assert np.isnan(res.ranks.loc["U05", "rank"]) and np.array_equal(res.ranks["rank"], result.ranks, equal_nan=True)
    samples = res.rank_samples[list(data.index).index("U05")]
    excluded_c = (res.design["exclude"] == "c").to_numpy()
    assert (samples[excluded_c] > 0).all() and (samples[~excluded_c] == 0).all()
    assert res.ranks.loc["U05", "rank_median"] == np.quantile(samples[excluded_c], 0.5)
    others = res.ranks.drop(index="U05")
    assert others[["rank_p05", "rank_median", "rank_p95"]].notna().all().all()
    assert np.isfinite(res.sensitivity[["S1", "ST"]].to_numpy()).all()


def test_one_list_of_methods_per_step_read_from_the_spec_model() -> None:
    from typing import get_args

    from territoria.assess import spec
    from territoria.assess.aggregate import Aggregate
    from territoria.assess.impute import Impute
    from territoria.assess.normalise import Normalise
    from territoria.assess.rank import Rank
    from territoria.assess.treat import Treat
    from territoria.assess.weight import Weight

    pairs = [(spec.AggMethod, spec.AGGREGATE_METHODS, Aggregate, "method"),
             (spec.MissingRule, spec.MISSING_RULES, Aggregate, "missing"),
             (spec.NormMethod, spec.NORMALISE_METHODS, Normalise, "method"),
             (spec.ImputeMethod, spec.IMPUTE_METHODS, Impute, "method"),
             (spec.TreatMethod, spec.TREAT_METHODS, Treat, "method"),
             (spec.WeightMethod, spec.WEIGHT_METHODS, Weight, "method"),
             (spec.TiesRule, spec.TIES_RULES, Rank, "ties")]
    for literal, names, step, param in pairs:
        assert names == get_args(literal) and len(names) >= 2
        assert step.constraints[param][0].options == names, (step.__name__, param)
    assert kernels.TIES == spec.TIES_RULES
    data, tree = _synthetic(n=40, missing=0.0)
    for method in spec.AGGREGATE_METHODS:           # every listed method is an alternative the analysis runs
        res = UncertaintyAnalysis(n_replications=12, seed=0, weight_perturbation=0.1,
                                  normalise=({"method": "minmax", "low": 1, "high": 10},),
                                  aggregate=("arithmetic", method)).run(data, tree)
        assert res.ranks["rank_median"].between(1, 40).all(), method
    with pytest.raises(SpecError, match=r"uncertainty\.impute\[0\].*one of \('none', 'mean', 'median', 'locf'"):
        UncertaintyAnalysis(impute=("mode",)).run(data, tree)


def test_pipeline_benchmark_runs_on_a_size_smaller_than_its_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up takes 500 units in every year: with fewer units, and with years as row blocks, a
    slice of rows would hold one year only and the spec's ``years`` would refuse it."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    from benchmarks import bench_pipeline

    report = bench_pipeline.run(n_units=900, n_indicators=8, n_years=3, repeats=1, pandas_repeats=1)
    assert report["ranks_agree"] and report["seconds"] > 0 and report["n_years"] == 3
    assert report["threaded_same_digests"] and report["n_jobs"] == 2
    assert report["scores_same_record"]          # keep="scores" writes the record of keep="all"
