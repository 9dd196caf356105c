"""Benchmark (a): the full recorded pipeline on a panel of 100,000 units × 34 indicators × 12 years
(SYNTHETIC data), side by side with a plain pandas script and the floor, in one run.

The job: median imputation within each year, skewness/kurtosis winsorisation (COINr's rule, pooled over
years, log fallback), min-max with goalposts pooled across years, four blocks of arithmetic means, ranks
within each year. Territoria runs ``Assessment(spec).run(panel)`` with every step recorded (digests of
every input and output, masks of filled and treated cells, every stage table kept); the plain pandas
script does the same steps the obvious pandas way, nothing recorded; the floor is one pass over the panel
(column minima and maxima, one weighted sum) and one ``np.argsort`` a year. Times are the best of
``repeats`` runs (as ``timeit`` reports); the same data for all three. Territoria is timed again with
``n_jobs`` threads (``Assessment.run(n_jobs=2)``: the columns of each step shared between two threads,
the same digests), and with ``keep="scores"`` (the same record, the indicator stages dropped once digested
and their memory reused); the pandas script and the floor stay on one thread.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.synthetic import synthetic_table, synthetic_tree


def synthetic_panel(n_units: int, n_indicators: int, n_years: int, *, seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC panel indexed by (unit, year), years as row blocks: each year the table of
    :func:`benchmarks.synthetic.synthetic_table` times a 5 % lognormal year-to-year drift (2 % NaN kept)."""
    base = synthetic_table(n_units, n_indicators, seed=seed)
    rng = np.random.default_rng(seed + 1)
    frames = []
    for y in range(2013, 2013 + n_years):
        frame = base * np.exp(0.05 * rng.normal(size=base.shape))
        frame.index = pd.MultiIndex.from_arrays([base.index, np.full(n_units, y)], names=["unit", "year"])
        frames.append(frame)
    return pd.concat(frames)


def spec_mapping(tree: pd.DataFrame, years: list[int]) -> dict[str, Any]:
    """The benchmark's spec (median, winsorise, pooled min-max, the tree's blocks); one year when
    ``years`` has fewer than two."""
    rows = [{"code": r.code, "parent": None if pd.isna(r.parent) else r.parent, "weight": r.weight}
            for r in tree.itertuples()]
    spec: dict[str, Any] = {"name": "synthetic panel benchmark", "tree": rows, "impute": {"method": "median"},
                            "treat": {"method": "winsorise"},
                            "normalise": {"method": "minmax", "reference": "pooled"}}
    if len(years) > 1:
        spec["years"] = years
    return spec


def _winsorise_pandas(col: pd.Series, winmax: int = 5) -> pd.Series:
    """COINr's rule the obvious pandas way: cap the tail the skewness points to, one distinct value at a
    time; give up (shifted log) once more than ``winmax`` of the original values lie beyond the caps."""
    y = col.copy()
    while not (abs(y.skew()) < 2.0 or y.kurt() < 3.5):
        if y.skew() >= 0:
            top = y.max()
            y[y == top] = y[y < top].max()
        else:
            bottom = y.min()
            y[y == bottom] = y[y > bottom].min()
        if int((col > y.max()).sum() + (col < y.min()).sum()) > winmax:
            return np.log(col - col.min() + 0.01 * (col.max() - col.min()))
    return y


def plain_pandas(data: pd.DataFrame, tree: pd.DataFrame) -> pd.Series:
    """The same steps in plain pandas: groupby-median fill, winsorise, pooled min-max, block means, ranks."""
    years = (data.index.get_level_values("year") if "year" in (data.index.names or [])
             else np.zeros(len(data), dtype=int))
    x = data.fillna(data.groupby(years).transform("median"))
    x = x.apply(_winsorise_pandas)
    z = 100 * (x - x.min()) / (x.max() - x.min())
    leaves = tree[tree["level"] == 1]
    blocks = pd.DataFrame({b: z[list(k)].mean(axis=1) for b, k in leaves.groupby("parent")["code"]})
    score = blocks.mean(axis=1)
    return score.groupby(years).rank(ascending=False, method="min")


def floor(data: pd.DataFrame) -> np.ndarray:
    """One pass over the panel (column minima and maxima, one weighted sum) and one argsort a year."""
    x = data.to_numpy()
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    w = 1.0 / (hi - lo) / x.shape[1]
    score = np.nan_to_num(x) @ w
    years = data.index.get_level_values("year").to_numpy()
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    bounds = [*starts.tolist(), len(years)]
    return np.concatenate([np.argsort(score[a:b]) for a, b in itertools.pairwise(bounds)])


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any, float]:
    """Best wall-clock time, the result of that fastest run (its step times are the ones shown), best
    CPU time of this process (on a shared machine the wall clock also counts the time other jobs hold
    the cores)."""
    best, cpu, out = np.inf, np.inf, None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, out = wall, value
        cpu = min(cpu, time.process_time() - c0)
        del value
    return best, out, cpu


def run(*, n_units: int = 100_000, n_indicators: int = 34, n_years: int = 12, repeats: int = 3,
        pandas_repeats: int = 2, seed: int = 1, n_jobs: int = 2) -> dict[str, Any]:
    """Figures of benchmark (a); territoria is timed on one thread and on ``n_jobs`` threads
    (``Assessment.run(n_jobs=...)``, the same bits), the pandas script and the floor on one."""
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec

    data = synthetic_panel(n_units, n_indicators, n_years, seed=seed)
    years = list(range(2013, 2013 + n_years))
    tree = synthetic_tree(n_indicators)
    panel = Assessment(AssessmentSpec.from_mapping(spec_mapping(tree, years)))
    one = Assessment(AssessmentSpec.from_mapping(spec_mapping(tree, [years[-1]])))
    single = data.xs(years[-1], level="year")
    first_units = data.index.get_level_values("unit").unique()[:500]
    panel.run(data[data.index.get_level_values("unit").isin(first_units)])   # warm-up: every year, 500 units
    ours, result, ours_cpu = _best(lambda: panel.run(data), repeats)
    ours_one, _, one_cpu = _best(lambda: one.run(single), repeats)
    threaded, result_n, threaded_cpu = _best(lambda: panel.run(data, n_jobs=n_jobs), repeats)
    threaded_one, _, _ = _best(lambda: one.run(single, n_jobs=n_jobs), repeats)
    same_bits = [r.output_digest for r in result.log] == [r.output_digest for r in result_n.log]
    del result_n
    lean, result_lean, lean_cpu = _best(lambda: panel.run(data, keep="scores"), repeats)
    lean_n, _, lean_n_cpu = _best(lambda: panel.run(data, keep="scores", n_jobs=n_jobs), repeats)
    lean_same = result_lean.log == result.log
    del result_lean
    plain, ranks, plain_cpu = _best(lambda: plain_pandas(data, tree), pandas_repeats)
    bottom, _, bottom_cpu = _best(lambda: floor(data), repeats)
    same = bool((result.ranks.to_numpy() == ranks.to_numpy()).mean() > 0.99)
    return {"n_units": n_units, "n_indicators": n_indicators, "n_years": n_years, "seconds": ours,
            "one_year_seconds": ours_one, "pandas_seconds": plain, "floor_seconds": bottom,
            "speedup_vs_pandas": plain / ours, "ratio_to_floor": ours / bottom, "ranks_agree": same,
            "cpu": {"ours": ours_cpu, "one_year": one_cpu, "pandas": plain_cpu, "floor": bottom_cpu,
                    "threaded": threaded_cpu},
            "n_jobs": n_jobs, "threaded_seconds": threaded, "threaded_one_year_seconds": threaded_one,
            "threaded_same_digests": same_bits, "load": _load(),
            "scores_seconds": lean, "scores_threaded_seconds": lean_n, "scores_same_record": lean_same,
            "scores_cpu": lean_cpu, "scores_threaded_cpu": lean_n_cpu,
            "steps": {r.address: r.seconds for r in result.log}}


def _load() -> tuple[float, float, float] | None:
    """The 1-, 5- and 15-minute load averages (None where the system does not tell)."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe(rep: dict[str, Any]) -> str:
    steps = ", ".join(f"{k} {v:.2f}" for k, v in rep["steps"].items())
    n = rep["n_jobs"]
    runs = {"one thread, keep='all'": rep["seconds"], f"n_jobs={n}, keep='all'": rep["threaded_seconds"],
            "one thread, keep='scores'": rep["scores_seconds"],
            f"n_jobs={n}, keep='scores'": rep["scores_threaded_seconds"]}
    how, best = min(runs.items(), key=lambda item: item[1])     # every one keeps the same record
    cpu = rep["cpu"]
    return "\n".join([
        f"(a) full pipeline, SYNTHETIC panel: {rep['n_units']:,} units x {rep['n_indicators']} indicators x "
        f"{rep['n_years']} years, 4 blocks",
        f"    territoria Assessment  {rep['seconds']:8.2f} s   (one thread, keep='all'; every step recorded)",
        f"      per step: {steps}",
        f"    one year               {rep['one_year_seconds']:8.2f} s   (target <= 0.2 s)",
        f"    {rep['n_jobs']} threads (n_jobs={rep['n_jobs']})  {rep['threaded_seconds']:8.2f} s   (one year "
        f"{rep['threaded_one_year_seconds']:.2f} s; speed-up vs pandas "
        f"{rep['pandas_seconds'] / rep['threaded_seconds']:.1f} x; same digests as 1 thread: "
        f"{'yes' if rep['threaded_same_digests'] else 'NO'})",
        f"    keep='scores'          {rep['scores_seconds']:8.2f} s   ({rep['n_jobs']} threads "
        f"{rep['scores_threaded_seconds']:.2f} s; speed-up vs pandas "
        f"{rep['pandas_seconds'] / rep['scores_seconds']:.1f} x / "
        f"{rep['pandas_seconds'] / rep['scores_threaded_seconds']:.1f} x; the record of keep='all': "
        f"{'yes' if rep['scores_same_record'] else 'NO'})",
        f"    plain pandas           {rep['pandas_seconds']:8.2f} s   (same steps the obvious pandas way; "
        "nothing recorded)",
        f"    floor                  {rep['floor_seconds']:8.3f} s   (one pass over the panel, one argsort a year)",
        f"    best, record kept      {best:8.2f} s   ({how}; target <= 1 s)",
        f"    speed-up vs pandas     {rep['speedup_vs_pandas']:8.1f} x one thread, keep='all'; "
        f"{rep['pandas_seconds'] / best:.1f} x at best ({how}) (target >= 9 x)",
        f"    ratio to floor         {rep['ratio_to_floor']:8.1f}   (target <= 10)",
        f"    ranks as pandas's      {'yes' if rep['ranks_agree'] else 'NO'} (same ranks for > 99 % of rows)",
        f"    CPU time (this process): territoria {cpu['ours']:.2f} s, one year {cpu['one_year']:.2f} s, "
        f"pandas {cpu['pandas']:.2f} s, floor {cpu['floor']:.3f} s; speed-up vs pandas "
        f"{cpu['pandas'] / cpu['ours']:.1f} x, ratio to floor {cpu['ours'] / cpu['floor']:.1f}; "
        f"{rep['n_jobs']} threads {cpu['threaded']:.2f} s; keep='scores' {rep['scores_cpu']:.2f} s, "
        f"{rep['n_jobs']} threads {rep['scores_threaded_cpu']:.2f} s",
        "    load average (1, 5, 15 min) at the end: "
        + (", ".join(f"{v:.2f}" for v in rep["load"]) if rep["load"] else "unknown"),
    ])
