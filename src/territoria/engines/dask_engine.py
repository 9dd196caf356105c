"""The assessment pipeline on a Dask cluster, with the single-machine result exactly.

The prepared table is cut into row partitions that never split a unit (its years stay together). A
step is then run in one of three forms:

* **row-local** (denominate, aggregate, the transform of impute / treat / normalise): a map over the
  partitions with the fitted step broadcast once to every worker;
* **column-global fit** (impute mean / median, treat's skewness-kurtosis test and winsorisation bounds,
  normalise references): for each indicator one task gathers that indicator's column from every
  partition (8 bytes per row) and fits the single-machine step on it; the fitted per-column steps
  then transform the partitions. Because each column statistic is computed by the same code on the
  same values, it is exact, not an approximation by sketches;
* **column-global transform** (normalise ``rank`` / ``percentile_rank`` / ``distance`` by group,
  ranks, Jenks or quantile grades): the column task fits *and* transforms the whole column — an exact
  global sort — and the result is cut back into the partitions.

Weights from principal components (``weight.method: pca``) have no distributed form: the engine
raises :class:`~territoria.engines.cluster.EngineError` rather than approximate.
"""

from __future__ import annotations

import itertools
import operator
import time
from typing import Any

import pandas as pd

from territoria.assess.base import plain
from territoria.assess.inputs import Prepared, prepare
from territoria.assess.pipeline import STEPS, Assessment, _flags, _method_name, _plain_params, _root
from territoria.assess.record import StepRecord, digest, library_versions
from territoria.engines.cluster import EngineError, connect, worker_lost

__all__ = ["partition_bounds", "run_dask"]

_GLOBAL_NORMALISE = ("rank", "percentile_rank")


def partition_bounds(index: pd.Index, n_partitions: int) -> list[tuple[int, int]]:
    """Row ranges ``[start, stop)`` of about equal size that never split a unit's years."""
    n = len(index)
    n_partitions = max(1, min(n_partitions, n))
    units = index.get_level_values("unit") if isinstance(index, pd.MultiIndex) else index
    cuts = [0]
    for k in range(1, n_partitions):
        pos = round(k * n / n_partitions)
        while 0 < pos < n and units[pos] == units[pos - 1]:
            pos += 1
        if cuts[-1] < pos < n:
            cuts.append(pos)
    cuts.append(n)
    return list(itertools.pairwise(cuts))


# -- tasks run on the workers (module level so they pickle by reference) --------------------------
def _column(*parts: pd.DataFrame | pd.Series) -> pd.DataFrame:
    return pd.concat([p.to_frame() if isinstance(p, pd.Series) else p for p in parts])


def _take(part: pd.DataFrame, column: str) -> pd.Series:
    return part[column]


def _fit_column(step: Any, bounds: list[tuple[int, int]], context: dict[str, Any], global_transform: bool,
                *parts: pd.Series) -> tuple[Any, list[pd.DataFrame] | None]:
    col = _column(*parts)
    fitted = step.replace().fit(col, **context)
    if not global_transform:
        return fitted, None
    out = fitted.transform(col)
    out = out.to_frame() if isinstance(out, pd.Series) else out
    return fitted, [out.iloc[a:b] for a, b in bounds]


def _apply_columns(part: pd.DataFrame, steps: dict[str, Any]) -> pd.DataFrame:
    pieces = [steps[c].transform(part[[c]]) for c in part.columns]
    return pd.concat(pieces, axis=1) if pieces else part.copy()


def _row_local(step: Any, part: pd.DataFrame, context: dict[str, Any],
               stats: str | None = None) -> tuple[pd.DataFrame, Any]:
    fitted = step.replace().fit(part, **context)
    out = fitted.transform(part)
    extra = (getattr(fitted, "raw_", None), int(getattr(fitted, "zero_denominators_", 0)))
    if stats is not None:
        extra = (*extra, _stats(part, out, stats))
    return out, extra


def _apply_stats(part: pd.DataFrame, steps: dict[str, Any], how: str) -> tuple[pd.DataFrame, Any]:
    out = _apply_columns(part, steps)
    return out, _stats(part, out, how)


def _assemble(*pieces: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(pieces, axis=1)


def _stats(before: pd.DataFrame, after: pd.DataFrame, how: str) -> tuple[int, int, str, str]:
    if how == "denominate":
        changed, left = int(((after != before) & after.notna()).sum().sum()), 0
    elif how == "impute":
        changed, left = int((before.isna() & after.notna()).to_numpy().sum()), int(after.isna().sum().sum())
    elif how == "treat":
        changed = int((~((after == before.astype(float)) | (after.isna() & before.isna()))).to_numpy().sum())
        left = 0
    else:
        changed, left = 0, 0
    return changed, left, digest(before), digest(after)


def _drop(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return part.drop(columns=[c for c in columns if c in part.columns])


def _part_flags(spec: Any, raw: pd.DataFrame, normalised: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    return _flags(spec, {"raw": raw, "normalised": normalised}, tree)


def _merge(fitted: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fitted:
        for key, value in f.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = _merge([out[key], value])
            elif key not in out:
                out[key] = value
    return out


class _Runner:
    def __init__(self, client: Any, spec: Any, prepared: Prepared, parts: list[Any], aux_parts: list[Any],
                 bounds: list[tuple[int, int]], lean: bool) -> None:
        self.client, self.spec, self.prepared = client, spec, prepared
        self.parts, self.aux_parts, self.bounds, self.lean = parts, aux_parts, bounds, lean
        self.empty, self.empty_aux = prepared.table.iloc[:0], prepared.aux.iloc[:0]

    @classmethod
    def whole(cls, client: Any, spec: Any, prepared: Prepared, n_partitions: int, lean: bool) -> _Runner:
        bounds = partition_bounds(prepared.table.index, n_partitions)
        parts = [client.scatter(prepared.table.iloc[a:b]) for a, b in bounds]
        aux_parts = [client.scatter(prepared.aux.iloc[a:b]) for a, b in bounds]
        return cls(client, spec, prepared, parts, aux_parts, bounds, lean)

    @classmethod
    def partitioned(cls, client: Any, spec: Any, source: Any, lean: bool) -> _Runner:
        """Partitions read (or generated) and validated on the workers; only lengths come back."""
        import dataclasses

        from dask import delayed

        from territoria.engines.sources import combine, lengths_to_bounds, prepare_part

        shared = client.scatter([dataclasses.replace(source, frame=None)], broadcast=True, hash=False)[0]
        # one graph: each partition is validated right after it is read / generated, then freed
        prep = client.compute([delayed(prepare_part, pure=False)(spec, d, shared)
                               for d in source.frame.to_delayed()])
        info = client.gather([client.submit(lambda p: (len(p[0]), p[2]), f, pure=False) for f in prep])
        keep = [i for i, (n, _) in enumerate(info) if n]
        if not keep:
            from territoria.errors import DataError

            raise DataError("no unit left after the units filter / year selection of the spec")
        parts = [client.submit(operator.getitem, prep[i], 0, pure=False) for i in keep]
        aux_parts = [client.submit(operator.getitem, prep[i], 1, pure=False) for i in keep]
        bounds = lengths_to_bounds([info[i][0] for i in keep])
        tree = spec.tree_frame().set_index("code")
        leaves = list(client.gather(client.submit(lambda p: list(p.columns), parts[0], pure=False)))
        direction = pd.Series([float(tree.at[c, "direction"]) if pd.notna(tree.at[c, "direction"])
                               else source.directions.get(c, 1.0) for c in leaves], index=leaves)
        if lean:
            table = client.gather(client.submit(lambda p: p.iloc[:0], parts[0], pure=False))
            aux = client.gather(client.submit(lambda p: p.iloc[:0], aux_parts[0], pure=False))
            sha = combine([info[i][1] for i in keep])
        else:
            import hashlib

            table, aux = pd.concat(client.gather(parts)), pd.concat(client.gather(aux_parts))
            sha = hashlib.sha256((digest(table) + digest(aux)).encode()).hexdigest()
        prepared = Prepared(table=table, aux=aux, direction=direction, sha256=sha, units=None)
        return cls(client, spec, prepared, parts, aux_parts, bounds, lean)

    def groups(self, by: str | None) -> pd.Series | None:
        if not self.lean or by is None or by not in self.empty_aux.columns:
            return self.prepared.groups(by)
        return pd.concat(self.client.gather([self.client.submit(_take, a, by, pure=False)
                                             for a in self.aux_parts]))

    def stats(self, before: list[Any], after: list[Any], how: str) -> tuple[int, int, str, str]:
        """Cells changed, cells left missing and combined digests, computed partition by partition."""
        return self.combine(self.client.gather([self.client.submit(_stats, b, a, how, pure=False)
                                                for b, a in zip(before, after, strict=True)]))

    @staticmethod
    def combine(got: list[tuple[int, int, str, str]]) -> tuple[int, int, str, str]:
        from territoria.engines.sources import combine

        return (sum(g[0] for g in got), sum(g[1] for g in got), combine([g[2] for g in got]),
                combine([g[3] for g in got]))

    def gather(self, parts: list[Any]) -> pd.DataFrame:
        return pd.concat(self.client.gather(parts))

    def columns(self, parts: list[Any], step: Any, names: list[str], context: dict[str, Any],
                global_transform: bool) -> tuple[dict[str, Any], list[Any] | None]:
        """Fit ``step`` on each whole column; optionally transform it there and cut it back.

        Columns go in batches of two per worker, so that at most that many gathered columns sit in
        the workers' memory at once (besides the partitions).
        """
        c = self.client
        tasks: dict[str, Any] = {}
        steps: dict[str, Any] = {}
        batch = max(2, 2 * len(c.scheduler_info().get("workers", {})))
        for start in range(0, len(names), batch):
            for name in names[start:start + batch]:
                cols = [c.submit(_take, p, name, pure=False) for p in parts]
                ctx = dict(context)
                if "direction" in ctx and ctx["direction"] is not None:
                    ctx["direction"] = ctx["direction"].reindex([name])
                tasks[name] = c.submit(_fit_column, step, self.bounds, ctx, global_transform, *cols, pure=False)
                del cols
            now = names[start:start + batch]
            fitted = [c.submit(operator.getitem, tasks[n], 0, pure=False) for n in now]
            steps.update(zip(now, c.gather(fitted), strict=True))
            if not global_transform:
                tasks.clear()
        if not global_transform:
            return steps, None
        out = []
        for i in range(len(self.bounds)):
            pieces = [c.submit(lambda t, i=i: t[1][i], t, pure=False) for t in tasks.values()]
            out.append(c.submit(_assemble, *pieces, pure=False))
        return steps, out


def run_dask(assessment: Assessment, data: Any, *, units: pd.DataFrame | None = None, cluster: Any = None,
             n_workers: int = 2, n_partitions: int | None = None, keep: str = "all") -> Any:
    """Run ``assessment`` on a Dask cluster; returns the same :class:`Result` as the local engine.

    Parameters
    ----------
    data : Panel, DataFrame, path or dask.dataframe.DataFrame
        A Panel or wide table (validated on the client, then scattered in partitions); the folder of a
        Parquet export (:func:`territoria.store.export.export_parquet`) or a ``dask.dataframe`` wide
        table, read and validated partition by partition on the workers (never whole on the client).
    cluster : str, distributed.Client or None
        Scheduler address, an open client, or None for a LocalCluster of ``n_workers`` processes.
    n_partitions : int, optional
        Row partitions of a Panel / DataFrame input; default four per worker. (A Parquet export is
        partitioned by its row groups.)
    keep : {"all", "scores"}
        ``"all"``: every stage table is gathered into the Result, as the local engine gives it.
        ``"scores"``: the indicator-level stages stay on the workers; the Result holds the aggregates
        (``tables["aggregated"]`` has the aggregate columns only), ranks, grades and weights, and the
        log's digests of the staying stages are SHA-256 over partition digests. For tables larger
        than the client's memory.
    """
    if assessment.spec.weight.method == "pca":
        raise EngineError("weight.method: 'pca' has no distributed form in the Dask engine (the "
                          "principal components need the whole table); run with engine='local' or "
                          "give the weights")
    if keep not in ("all", "scores"):
        raise EngineError(f"keep: expected 'all' or 'scores', got {keep!r}")
    source = _source(assessment.spec, data, units)
    prepared = prepare(assessment.spec, data, units=units) if source is None else None
    with connect(cluster=cluster, n_workers=n_workers) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or n_workers)
        try:
            if source is None:
                runner = _Runner.whole(client, assessment.spec, prepared, n_partitions or 4 * workers,
                                       keep == "scores")
            else:
                runner = _Runner.partitioned(client, assessment.spec, source, keep == "scores")
            return _execute(assessment, runner)
        except Exception as exc:
            if worker_lost(exc):
                raise EngineError(f"the Dask engine lost a worker mid-run ({type(exc).__name__}: {exc}); "
                                  "no partial result is returned — rerun, or give the workers more "
                                  "memory (docs/scaling.md)") from exc
            raise


def _source(spec: Any, data: Any, units: pd.DataFrame | None) -> Any:
    from pathlib import Path

    from territoria.engines import sources

    if isinstance(data, (str, Path)):
        return sources.from_parquet(spec, data)
    if type(data).__module__.startswith("dask"):
        return sources.from_dask_frame(spec, data, units=units)
    return None


def _execute(assessment: Assessment, r: _Runner) -> Any:
    from territoria.assess.result import Result

    spec, prepared, c = assessment.spec, r.prepared, r.client
    steps = assessment.build_steps()
    tree = spec.tree_frame()
    options = spec.node_options()
    paths = {row.code: spec.node_path(row.code) for row in options.values()}
    lean = r.lean
    tables: dict[str, pd.DataFrame] = {} if lean else {"raw": prepared.table}
    log: list[StepRecord] = []
    weights = None
    parts, r.parts = r.parts, []      # the raw partitions are freed once denominated ...
    raw_parts = parts if (lean and spec.flags is not None) else []     # ... unless flags need them
    names = [str(x) for x in r.empty.columns]
    normalised_parts: list[Any] = []
    for position, address in enumerate(STEPS):
        step = steps[address]
        t0 = time.perf_counter()
        warnings: list[str] = []
        groups = r.groups(getattr(step, "by", None))
        context: dict[str, Any] = {"groups": groups, "direction": prepared.direction, "tree": tree,
                                   "paths": paths, "options": options, "weights": weights}
        before = None if lean else tables[{"denominate": "raw", "impute": "denominated", "treat": "imputed",
                                           "normalise": "treated"}.get(address, "normalised")]
        prev = parts
        digests: tuple[str, str] | None = None
        fitted: dict[str, Any]
        if address == "denominate":
            futs = [c.submit(_row_local, step, p, {"aux": a}, address if lean else None, pure=False)
                    for p, a in zip(parts, r.aux_parts, strict=True)]
            parts = [c.submit(operator.getitem, f, 0, pure=False) for f in futs]
            prev = []           # each input partition is freed as soon as its output exists
            extra = c.gather([c.submit(operator.getitem, f, 1, pure=False) for f in futs])
            fitted = step.replace().fit(r.empty, aux=r.empty_aux).fitted()
            if lean:
                changed, _, *d = r.combine([e[2] for e in extra])
                digests, out = (d[0], d[1]), None
            else:
                out = r.gather(parts)
                tables["denominated"] = out
                changed = int(((out != before) & out.notna()).sum().sum())
            bad = sum(e[1] for e in extra)
            if bad:
                warnings.append(f"{bad} cell(s) had a zero or missing denominator")
        elif address in ("impute", "treat", "normalise"):
            is_global = address == "normalise" and (step.method in _GLOBAL_NORMALISE
                                                    or (step.method == "distance" and step.by is not None))
            col_steps, moved = r.columns(parts, step, names, context, is_global)
            if moved is None:
                shared = c.scatter([col_steps], broadcast=True, hash=False)[0]
                if lean:    # stats computed with the transform, so each input partition is freed at once
                    both = [c.submit(_apply_stats, p, shared, address, pure=False) for p in parts]
                    parts = [c.submit(operator.getitem, b, 0, pure=False) for b in both]
                    prev = []
                    applied = c.gather([c.submit(operator.getitem, b, 1, pure=False) for b in both])
                    del both
                else:
                    parts = [c.submit(_apply_columns, p, shared, pure=False) for p in parts]
            else:
                parts = moved
            fitted = _merge([s.fitted() for s in col_steps.values()])
            for k in ("mask_", "n_imputed_", "n_treated_"):
                fitted.pop(k, None)
            stage = {"impute": "imputed", "treat": "treated", "normalise": "normalised"}[address]
            changed = left = 0
            if lean:
                if address == "normalise" and spec.flags is not None:
                    normalised_parts = parts
                changed, left, *d = r.stats(prev, parts, address) if moved is not None else r.combine(applied)
                digests, out = (d[0], d[1]), None
            else:
                out = r.gather(parts)[names]
                tables[stage] = out
                if address in ("impute", "treat"):
                    mask = (before.isna() & out.notna()) if address == "impute" else \
                        ~((out == before.astype(float)) | (out.isna() & before.isna()))
                    tables[f"{stage}_mask"] = mask
                    changed = int(mask.to_numpy().sum())
                    left = int(out.isna().sum().sum()) if address == "impute" else 0
            if address in ("impute", "treat"):
                if left and spec.impute.method != "none":
                    warnings.append(f"{left} cell(s) could not be imputed and stay missing")
                fitted_key = "n_imputed_" if address == "impute" else "n_treated_"
                fitted[fitted_key] = changed
        elif address == "weight":
            step.fit(r.empty if lean else tables["normalised"].iloc[:0], **context)
            weights = step.weights_
            tables["weights"] = pd.DataFrame({"weight": step.weights_,
                                              "effective": step.effective_.reindex(step.weights_.index)})
            fitted, out, changed = step.fitted(), tables["weights"], 0
            if lean:
                digests = (r.stats(prev, prev, "none")[3], digest(out))
        elif address == "aggregate":
            context["weights"] = weights
            if any(getattr(o, "post", None) is not None for o in options.values()):
                # a node's post-processing ranks across units: no row-local form, so the aggregation
                # runs whole on one worker (exact; memory of the whole table on that worker)
                warnings.append("aggregate: a node's `post` ranks across units; aggregated on one worker")
                whole = c.submit(_row_local, step, c.submit(_column, *parts, pure=False), context, pure=False)
                futs = [c.submit(lambda w, a=a, b=b: (w[0].iloc[a:b], (w[1][0].iloc[a:b], 0)), whole, pure=False)
                        for a, b in r.bounds]
            else:
                futs = [c.submit(_row_local, step, p, context, "none" if lean else None, pure=False)
                        for p in parts]
            parts = [c.submit(operator.getitem, f, 0, pure=False) for f in futs]
            if lean and len(futs) and not warnings:     # digests came with the partitions: free the inputs
                prev = []
                extra = c.gather([c.submit(operator.getitem, f, 1, pure=False) for f in futs])
                *_, d_in, d_out = r.combine([e[2] for e in extra])
                digests = (d_in, d_out)
            else:
                extra = c.gather([c.submit(operator.getitem, f, 1, pure=False) for f in futs])
            if lean:
                if digests is None:
                    *_, d_in, d_out = r.stats(prev, parts, "none")
                    digests = (d_in, d_out)
                parts = [c.submit(_drop, p, names, pure=False) for p in parts]    # the leaves are not needed
                out = r.gather(parts)
            else:
                out = r.gather(parts)
            tables["aggregated"] = out
            tables["aggregated_raw"] = pd.concat([e[0] for e in extra]).reindex(out.index)
            fitted = step.replace().fit(r.empty, **context).fitted()
            changed = 0
        elif address == "rank":
            agg = tables["aggregated"]
            keep = [x for x in agg.columns if x in set(tree["code"]) and x not in set(names)]
            col_steps, moved = r.columns(parts, step, keep, {}, True)
            out = r.gather(moved or [])[keep]
            tables["ranks"] = out
            before, fitted, changed = agg[keep], step.replace().fit(agg[keep]).fitted(), 0
        else:   # grade
            on = spec.grade.on or _root(tree)
            col_steps, moved = r.columns(parts, step, [on], {}, True)
            graded = r.gather(moved or []).iloc[:, 0].rename("level").astype("string")
            tables["grades"] = graded.to_frame("level")
            before, fitted, changed = tables["aggregated"][on], col_steps[on].fitted(), 0
            out = graded
        prev = []          # the step's input partitions may now be freed on the workers
        if digests is not None:
            in_d, out_d = digests
        else:
            out_d = digest(out.astype(str)) if address == "grade" else digest(out)
            in_d = digest(before)
        log.append(StepRecord(position=position, address=address, method=_method_name(step),
                              params=_plain_params(step), fitted=plain(fitted), input_digest=in_d,
                              output_digest=out_d, seed=None, cells_changed=int(changed),
                              warnings=tuple(warnings), seconds=time.perf_counter() - t0))
    if spec.flags is not None and lean:
        got = c.gather([c.submit(_part_flags, spec, raw, norm, tree, pure=False)
                        for raw, norm in zip(raw_parts, normalised_parts, strict=True)])
        tables["flags"] = pd.concat(got)
        return Result(spec=spec, tables=tables, log=log, weights=weights, prepared=prepared,
                      data_sha256=prepared.sha256, versions={**library_versions(), "engine": "dask"})
    if spec.flags is not None:
        tables["flags"] = _flags(spec, tables, tree)
    return Result(spec=spec, tables=tables, log=log, weights=weights, prepared=prepared,
                  data_sha256=prepared.sha256, versions={**library_versions(), "engine": "dask"})

