"""Benchmark (d): the Dask engine on LocalClusters of 1 and 2 worker processes (SYNTHETIC data throughout).

1. Assessment of 10,000,000 units × 34 indicators (``--units N`` for another size), one year, on a
   LocalCluster of 2 workers × 1 thread (issue 18's setting; target ≤ 3 GB per worker): the table is
   generated ON the workers, partition by partition, each partition from its own
   ``SeedSequence([seed, i])`` (never on the client), and held there before the clock starts; it is
   assessed with ``keep="scores"`` (indicator stages stay on the workers). Timed, with the peak
   resident memory of each worker process (sampled every 0.05 s, matched to the task stream:
   ``benchmarks/rss_timeline.py`` says which task ran at each worker's peak). Up to 2,000,000 units the local
   engine also assesses the same table and the scores and ranks are compared bit for bit. Baselines:
   the plain-pandas pipeline of benchmark (a) and its floor, timed on a slice of up to 1,000,000 units
   in this process and scaled linearly (a 10-million-row pandas run needs ~15 GB in one process).
2. Monte-Carlo, 10,000 replications on 85,000 units × 16 indicators: the same analysis on 1 and 2
   workers (the scaling ratio), against the local engine (2 threads), the pandas loop of benchmark (b)
   (timed on 10 runs, scaled) and its floor (timed on 500 runs, scaled).
3. From the task stream of both runs: total task time and the longest task, and an estimate (not a
   measurement) of a 32-worker cluster: ``max(total task time / 32, longest task) + client time`` for
   the assessment (a column task cannot be split), ``total task time / 32 + client time`` for the
   Monte-Carlo (runs are re-cut into four tasks per worker).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.rss_timeline import RSSTimeline, peak_report
from benchmarks.synthetic import synthetic_table, synthetic_tree

GB = 2**30


def synthetic_part(i: int, rows: int, n_indicators: int, seed: int) -> pd.DataFrame:
    """SYNTHETIC partition ``i``: the generator of :func:`benchmarks.synthetic.synthetic_table`, seeded
    per partition with ``SeedSequence([seed, i])`` (a common factor plus noise, lognormal-ish, 2 % NaN)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
    factor = rng.normal(size=(rows, 1))
    x = np.exp(0.5 * (0.6 * factor + rng.normal(size=(rows, n_indicators))))
    x[rng.random(x.shape) < 0.02] = np.nan
    x[:, :2] = np.where(np.isnan(x[:, :2]), 1.0, x[:, :2])
    frame = pd.DataFrame(x, columns=[f"s{j + 1:02d}" for j in range(n_indicators)])
    frame.insert(0, "unit", pd.array([f"SYN{i:04d}{u:07d}" for u in range(rows)], dtype="str"))
    return frame


@contextlib.contextmanager
def _closing(cluster: Any) -> Any:
    """``cluster``, closed on exit; a close that times out (worker processes slow to stop on a loaded
    machine, as at 13:00 on 2026-12-07, which lost a finished 10M run's report) is said, not raised."""
    try:
        yield cluster
    finally:
        try:
            cluster.close(timeout=120)
        except TimeoutError:
            print("note: the LocalCluster did not close within 120 s (machine under load); figures kept")


def _stream_stats(stream: list[dict[str, Any]]) -> tuple[float, float, int]:
    spans = [sum(s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "compute") for t in stream]
    return float(sum(spans)), float(max(spans, default=0.0)), len(spans)


def run_assessment(*, n_units: int = 10_000_000, n_indicators: int = 34, n_partitions: int = 80,
                   baseline_units: int = 1_000_000, seed: int = 1, n_workers: int = 2,
                   check_local: bool | None = None, timeline: str | None = None,
                   hold_input: bool = False) -> dict[str, Any]:
    """Time the Dask engine on benchmark (a)'s job (one year), data generated on the workers.

    The partitions are generated and held on the workers (``persist``) before the clock starts, so the
    time is the assessment's (reading the partitions, validating, the steps), as the pandas baseline's
    is; the generation is timed apart. ``check_local`` (default: up to 2,000,000 units) also runs the
    local engine on the same table, built on the client from the same partitions, and compares the
    scores and ranks bit for bit. The persisted input is handed over to the engine (no reference kept
    here), which lets each partition go once it is prepared, as a run reading Parquet never holds
    it; ``hold_input`` keeps it for the whole run (the setting of the figures before 2026-12-07
    18:30 UTC). ``timeline``: a file for the RSS samples and task spans (``rss_timeline``).
    """
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, get_task_stream, wait

    from benchmarks.bench_pipeline import plain_pandas, spec_mapping
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec
    from territoria.engines.dask_engine import run_dask

    tree = synthetic_tree(n_indicators)
    assessment = Assessment(AssessmentSpec.from_mapping(spec_mapping(tree, [])))
    rows = -(-n_units // n_partitions)
    sizes = [min(rows, n_units - i * rows) for i in range(n_partitions) if n_units - i * rows > 0]
    frame = dd.from_map(synthetic_part, range(len(sizes)), sizes, args=[n_indicators, seed],
                        meta=synthetic_part(0, 0, n_indicators, seed))
    with _closing(LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               memory_limit="6GB")) as cluster, Client(cluster) as client:
        t0 = time.perf_counter()
        frames = [frame.persist()]
        del frame
        wait(frames[0])
        generate = time.perf_counter() - t0
        held_frame = frames[0] if hold_input else None
        with RSSTimeline(client) as rss, get_task_stream(client) as ts:
            t0 = time.perf_counter()
            result = run_dask(assessment, frames.pop(), cluster=client, keep="scores")
            seconds = time.perf_counter() - t0
        work, longest, n_tasks = _stream_stats(ts.data)
        where = peak_report(rss, ts.data)
        if timeline is not None:
            rss.write(timeline, ts.data)
        peaks = sorted(rss.peak.values())
        held = max(rss.start.values())                  # the persisted input, before the run
        del held_frame
    assert len(result.scores) == n_units and result.ranks.notna().all()
    identical = float("nan")
    if check_local if check_local is not None else n_units <= 2_000_000:
        whole = pd.concat([synthetic_part(i, r, n_indicators, seed) for i, r in enumerate(sizes)]).set_index("unit")
        local = assessment.run(whole)
        identical = float(np.array_equal(local.scores.to_numpy(), result.scores.to_numpy())
                          and local.scores.index.equals(result.scores.index)
                          and np.array_equal(local.ranks.to_numpy(), result.ranks.to_numpy()))
        del whole, local
    data = synthetic_table(baseline_units, n_indicators, seed=seed)
    t0 = time.perf_counter()
    plain_pandas(data, tree)
    plain = (time.perf_counter() - t0) * n_units / baseline_units
    x, w = data.to_numpy(), np.full(n_indicators, 1.0 / n_indicators)
    t0 = time.perf_counter()
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    np.argsort(np.nan_to_num(x) @ w + lo[0] + hi[0])
    floor = (time.perf_counter() - t0) * n_units / baseline_units
    client_side = max(0.0, seconds - work / min(n_workers, os.cpu_count() or 1))
    return {"n_units": n_units, "n_indicators": n_indicators, "n_partitions": len(sizes), "seconds": seconds,
            "n_workers": n_workers, "generate_seconds": generate, "identical": identical,
            "peak_worker_gb": peaks[-1] / GB, "peak_worker_gb_other": peaks[0] / GB, "task_seconds": work,
            "start_worker_gb": held / GB, "peak_where": where, "hold_input": hold_input,
            "longest_task": longest, "n_tasks": n_tasks, "pandas_seconds": plain, "floor_seconds": floor,
            "baseline_units": baseline_units, "ratio_to_pandas": seconds / plain, "ratio_to_floor": seconds / floor,
            "est_32": max(work / 32, longest) + client_side, "client_seconds": client_side}


def run_uncertainty(*, n_units: int = 85_000, n_indicators: int = 16, n_replications: int = 10_000,
                    pandas_runs: int = 10, floor_runs: int = 500, seed: int = 0) -> dict[str, float]:
    from distributed import Client, LocalCluster, get_task_stream

    from benchmarks.bench_uncertainty import SETTINGS, _floor, _pandas_run
    from territoria.assess.uncertainty import UncertaintyAnalysis
    from territoria.engines import dask_uncertainty

    data = synthetic_table(n_units, n_indicators, seed=seed)
    tree = synthetic_tree(n_indicators)
    ua = UncertaintyAnalysis(n_replications=n_replications, seed=seed, **SETTINGS)
    ua.run(data.iloc[:1000], tree)                                          # warm-up
    t0 = time.perf_counter()
    local = ua.run(data, tree)
    local_seconds = time.perf_counter() - t0
    out: dict[str, float] = {"n_units": n_units, "n_indicators": n_indicators, "n_runs": local.n_runs,
                             "local_seconds": local_seconds}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit="8GB") as cluster, Client(cluster) as client:
            dask_uncertainty.run_uncertainty(ua, data.iloc[:1000], tree, cluster=client)       # warm-up
            with get_task_stream(client) as ts:
                t0 = time.perf_counter()
                res = dask_uncertainty.run_uncertainty(ua, data, tree, cluster=client)
                out[f"seconds_{workers}"] = time.perf_counter() - t0
            work, longest, n_tasks = _stream_stats(ts.data)
        out[f"identical_{workers}"] = float(res.ranks.equals(local.ranks) and res.sensitivity.equals(local.sensitivity))
        if workers == 2:
            out.update(task_seconds=work, longest_task=longest, n_tasks=n_tasks)
    plan = ua.plan(data, tree)
    store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)
    for sel in plan.pieces():
        plan.evaluate(sel, out=store)
    t0 = time.perf_counter()
    ua.summarise(plan, store)
    out["summarise_seconds"] = time.perf_counter() - t0
    k = min(pandas_runs, local.n_runs)
    t0 = time.perf_counter()
    for r in range(k):
        _pandas_run(data, tree, local.design.iloc[r], local.weights.iloc[r])
    out["pandas_seconds"] = (time.perf_counter() - t0) / k * local.n_runs
    out["floor_seconds"] = _floor(data.to_numpy(), floor_runs) / floor_runs * local.n_runs
    out["scaling"] = out["seconds_1"] / out["seconds_2"]
    out["ratio_to_pandas"] = out["seconds_2"] / out["pandas_seconds"]
    out["ratio_to_floor"] = out["seconds_2"] / out["floor_seconds"]
    client_side = max(0.0, out["seconds_2"] - out["task_seconds"] / 2)
    out["client_seconds"] = client_side
    out["est_32"] = out["task_seconds"] / 32 + client_side      # runs re-cut into 4 tasks per worker
    return out


def describe_assessment(rep: dict[str, float]) -> str:
    return "\n".join([
        f"(d1) Dask assessment, SYNTHETIC data generated on the workers: {rep['n_units']:,} units x "
        f"{rep['n_indicators']} indicators, one year, {rep['n_partitions']} partitions, LocalCluster "
        f"{rep['n_workers']} x 1 thread",
        f"    territoria on Dask     {rep['seconds']:8.1f} s   (keep='scores'; impute median, winsorise, min-max, "
        "arithmetic, ranks: benchmark (a)'s job; partitions already generated on the workers)",
        f"    generation             {rep['generate_seconds']:8.1f} s   (the SYNTHETIC partitions, on the workers; not "
        "counted above)",
        f"    same as local engine   {_same(rep['identical'])}",
        f"    peak RSS per worker    {rep['peak_worker_gb']:8.2f} GB  (other worker "
        f"{rep['peak_worker_gb_other']:.2f} GB; target <= 3 GB; up to "
        f"{rep.get('start_worker_gb', float('nan')):.2f} GB were held before the run: the worker and the "
        "persisted SYNTHETIC input, " + ("held through the run)" if rep.get("hold_input") else
                                         "handed to the engine, freed as it is prepared)"),
        rep.get("peak_where", ""),
        f"    plain pandas           {rep['pandas_seconds']:8.1f} s   (benchmark (a)'s pandas steps, timed on "
        f"{rep['baseline_units']:,} units, scaled x{rep['n_units'] / rep['baseline_units']:g})",
        f"    floor                  {rep['floor_seconds']:8.2f} s   (min/max, one weighted sum, one argsort; scaled "
        "the same way)",
        f"    ratio to pandas        {rep['ratio_to_pandas']:8.2f}",
        f"    ratio to floor         {rep['ratio_to_floor']:8.1f}",
        f"    task time              {rep['task_seconds']:8.1f} s   in {rep['n_tasks']:,} tasks, longest "
        f"{rep['longest_task']:.2f} s; client/scheduler time ~{rep['client_seconds']:.1f} s",
        f"    32 workers (estimate)  {rep['est_32']:8.1f} s   (max(task time / 32, longest task) + client time)",
    ])


def _same(flag: float) -> str:
    if np.isnan(flag):
        return "not checked (the table is too large for one process here)"
    return "yes (scores and ranks bit for bit)" if flag else "NO"


def describe_uncertainty(rep: dict[str, float]) -> str:
    return "\n".join([
        f"(d2) Dask Monte-Carlo, SYNTHETIC data: {rep['n_units']:,} units x {rep['n_indicators']} indicators, "
        f"{rep['n_runs']:,} runs (settings of benchmark (b))",
        f"    1 worker               {rep['seconds_1']:8.1f} s   (identical to local: {bool(rep['identical_1'])})",
        f"    2 workers              {rep['seconds_2']:8.1f} s   (identical to local: {bool(rep['identical_2'])})",
        f"    scaling 1 -> 2         {rep['scaling']:8.2f} x",
        f"    local engine           {rep['local_seconds']:8.1f} s   (2 threads, one process)",
        f"    summarise (client)     {rep['summarise_seconds']:8.1f} s   (Sobol + rank quantiles; serial part)",
        f"    pandas loop            {rep['pandas_seconds']:8.1f} s   (timed on 10 runs, scaled)",
        f"    floor                  {rep['floor_seconds']:8.1f} s   (per run one weighted sum + argsort; "
        "timed on 500 runs, scaled)",
        f"    ratio to pandas        {rep['ratio_to_pandas']:8.3f}",
        f"    ratio to floor         {rep['ratio_to_floor']:8.2f}",
        f"    task time              {rep['task_seconds']:8.1f} s   in {rep['n_tasks']} tasks, longest "
        f"{rep['longest_task']:.1f} s; client time ~{rep['client_seconds']:.1f} s",
        f"    32 workers (estimate)  {rep['est_32']:8.1f} s   (task time / 32 + client time; the runs re-cut "
        "into 4 tasks per worker)",
    ])


def main(quick: bool = False, *, n_units: int | None = None, assessment_only: bool = False,
         timeline: str | None = None) -> None:
    if quick:
        print(describe_assessment(run_assessment(n_units=200_000, n_partitions=8, baseline_units=50_000)))
        print(describe_uncertainty(run_uncertainty(n_units=5_000, n_replications=500, floor_runs=50)))
        return
    if n_units is None:
        print(describe_assessment(run_assessment(timeline=timeline)))
    else:
        print(describe_assessment(run_assessment(n_units=n_units, n_partitions=max(8, n_units // 125_000),
                                                 baseline_units=min(n_units, 1_000_000), timeline=timeline)))
    if not assessment_only:
        print(describe_uncertainty(run_uncertainty()))


if __name__ == "__main__":
    main()
