"""The assessment pipeline on a Dask cluster, with the single-machine result exactly.

The prepared table is cut into row partitions that never split a unit (its years stay together); the
steps then run in the one loop of the local engine (:func:`territoria.assess.loop.run_steps`) on the
:class:`~territoria.engines.dask_backend.DaskBackend`, which reads from each step how much data its
fit and its transform need (one task per partition per step where the step allows it; whole columns
where a statistic is not exactly mergeable or a rank needs a column whole).

Weights from principal components (``weight.method: pca``) have no distributed form: the engine
raises :class:`~territoria.engines.cluster.EngineError` rather than approximate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import operator
from pathlib import Path
from typing import Any

import pandas as pd
from dask import delayed

from territoria.assess.inputs import Prepared, prepare
from territoria.assess.loop import run_steps
from territoria.assess.pipeline import STEPS, Assessment, flags_table, replay
from territoria.assess.record import digest, library_versions
from territoria.assess.result import Result
from territoria.assess.tree import node_table
from territoria.engines import sources
from territoria.engines.cluster import EngineError, connect, worker_lost
from territoria.engines.dask_backend import DaskBackend
from territoria.engines.sources import combine, lengths_to_bounds, prepare_part
from territoria.errors import DataError

__all__ = ["GATHER_BYTES", "partition_bounds", "run_dask"]

#: Most bytes of whole columns gathered into one fit task. The fitting worker holds them twice at its
#: peak (the pieces as they arrived and their concatenation) beside its share of the stage: at
#: 10,000,000 rows a batch is one column (80 MB), where 256 MB (three columns) added ~0.35 GB to
#: the per-worker peak; more, smaller batches cost tasks, not memory.
GATHER_BYTES = 128 * 2**20



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
def _take(part: pd.DataFrame, column: str) -> pd.Series:
    return part[column]


def _head(part: pd.DataFrame) -> pd.DataFrame:
    return part.iloc[:0]


def _take_columns(part: pd.DataFrame, names: list[str], bare: bool = False) -> pd.DataFrame:
    """The columns ``names`` of a partition; ``bare``: without its unit labels (a fit that reads values only)."""
    out = part[names]
    return out.reset_index(drop=True) if bare else out


def _fit_columns(step: Any, bounds: list[tuple[int, int]], context: dict[str, Any], global_transform: bool,
                 names: list[str], bare: bool,
                 *parts: pd.DataFrame) -> tuple[dict[str, Any], list[pd.DataFrame] | None]:
    """Fit ``step`` on the whole columns of a batch (the rows of every partition, in order); with
    ``global_transform`` also transform them and cut them back into the partitions.

    A ``columns``-scope fit treats each column on its own, so one fit on the batch equals a fit per
    column (the single-machine code on each whole column) and applies with one call per partition.
    Returns ``{key: fitted step}`` (key: the batch's first column).
    """
    block = pd.concat(parts, ignore_index=bare) if len(parts) > 1 else parts[0]
    block = block[names] if list(block.columns) != names else block
    ctx = dict(context)
    if ctx.get("direction") is not None:
        ctx["direction"] = ctx["direction"].reindex(names)
    fitted = step.replace().fit(block, **ctx)
    if not global_transform:
        return {names[0]: fitted}, None
    out = fitted.transform(block, **fitted.side_from(ctx))
    whole = out.to_frame() if isinstance(out, pd.Series) else out
    return {names[0]: fitted}, [whole.iloc[a:b] for a, b in bounds]


def _assemble(*pieces: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(pieces, axis=1)


def _assemble_onto(part: pd.DataFrame, *pieces: pd.DataFrame) -> pd.DataFrame:
    """The pieces of a partition transformed without labels, given the partition's own labels."""
    out = pd.concat(pieces, axis=1) if len(pieces) > 1 else pieces[0]
    return out.set_axis(part.index, axis=0)


def _drop(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return part.drop(columns=[c for c in columns if c in part.columns])


def _part_flags(spec: Any, raw: pd.DataFrame, normalised: pd.DataFrame, tree: pd.DataFrame) -> pd.DataFrame:
    return flags_table(spec, {"raw": raw, "normalised": normalised}, tree)


class Partitions:
    """The client and the row partitions of the prepared input (indicators and side columns)."""

    def __init__(self, client: Any, spec: Any, prepared: Prepared, parts: list[Any], aux_parts: list[Any],
                 bounds: list[tuple[int, int]], lean: bool) -> None:
        self.client, self.spec, self.prepared = client, spec, prepared
        self.parts, self.aux_parts, self.bounds, self.lean = parts, aux_parts, bounds, lean
        self.empty, self.empty_aux = prepared.table.iloc[:0], prepared.aux.iloc[:0]

    @classmethod
    def whole(cls, client: Any, spec: Any, prepared: Prepared, n_partitions: int, lean: bool) -> Partitions:
        bounds = partition_bounds(prepared.table.index, n_partitions)
        # keys of this run's own (hash=False): a content-hashed key is shared by every client and run that
        # scatters equal data, and its release by one, racing the scatter by another, cancels the other's
        # future ("already forgotten") — which is not a lost worker and must not fail the run
        parts = [client.scatter(prepared.table.iloc[a:b], hash=False) for a, b in bounds]
        aux_parts = [client.scatter(prepared.aux.iloc[a:b], hash=False) for a, b in bounds]
        return cls(client, spec, prepared, parts, aux_parts, bounds, lean)

    @classmethod
    def partitioned(cls, client: Any, spec: Any, source: Any, lean: bool) -> Partitions:
        """Partitions read (or generated) and validated on the workers; only lengths come back."""

        shared = client.scatter([dataclasses.replace(source, frame=None)], broadcast=True, hash=False)[0]
        # one graph: each partition is validated right after it is read / generated, then freed
        prep = client.compute([delayed(prepare_part, pure=False)(spec, d, shared)
                               for d in source.frame.to_delayed()])
        # the input is not read again: without the engine's reference, a persisted frame that its caller
        # handed over is freed on the workers partition by partition as each is prepared, instead of
        # sitting beside the stages through the run (at 10,000,000 x 34 it is ~1.4 GB per worker of two)
        source.frame = None
        info = client.gather([client.submit(lambda p: (len(p[0]), p[2]), f, pure=False) for f in prep])
        keep = [i for i, (n, _) in enumerate(info) if n]
        if not keep:
            raise DataError("no unit left after the units filter / year selection of the spec")
        parts = [client.submit(operator.getitem, prep[i], 0, pure=False) for i in keep]
        aux_parts = [client.submit(operator.getitem, prep[i], 1, pure=False) for i in keep]
        bounds = lengths_to_bounds([info[i][0] for i in keep])
        tree = node_table(spec.tree_frame())
        leaves = list(client.gather(client.submit(lambda p: list(p.columns), parts[0], pure=False)))
        direction = pd.Series([float(tree.at[c, "direction"]) if pd.notna(tree.at[c, "direction"])
                               else source.directions.get(c, 1.0) for c in leaves], index=leaves)
        if lean:
            table = client.gather(client.submit(lambda p: p.iloc[:0], parts[0], pure=False))
            aux = client.gather(client.submit(lambda p: p.iloc[:0], aux_parts[0], pure=False))
            sha = combine([info[i][1] for i in keep])
        else:
            table, aux = pd.concat(client.gather(parts)), pd.concat(client.gather(aux_parts))
            sha = hashlib.sha256((digest(table) + digest(aux)).encode()).hexdigest()
        prepared = Prepared(table=table, aux=aux, direction=direction, sha256=sha, units=None)
        return cls(client, spec, prepared, parts, aux_parts, bounds, lean)

    def groups(self, by: str | None) -> pd.Series | None:
        if not self.lean or by is None or by not in self.empty_aux.columns:
            return self.prepared.groups(by)
        return pd.concat(self.client.gather([self.client.submit(_take, a, by, pure=False)
                                             for a in self.aux_parts]))

    def empty_of(self, parts: Any) -> pd.DataFrame:
        """The columns and dtypes of a stage, without its rows."""
        if isinstance(parts, pd.DataFrame):
            return parts.iloc[:0]
        return self.client.gather(self.client.submit(_head, parts[0], pure=False))

    def columns(self, parts: list[Any], step: Any, names: list[str], context: dict[str, Any],
                global_transform: bool) -> tuple[dict[str, Any], list[Any] | None]:
        """Fit ``step`` on each whole column; optionally transform it there and cut it back.

        Columns go in batches: one task per partition hands over the batch's columns (8 bytes per row
        and column), one task fits them (the single-machine code on the batch's whole columns, one
        fitted step per batch, keyed by the batch's first column; the batches keep the column order).
        A batch holds at most :data:`GATHER_BYTES` of gathered columns (one column at least), and one
        wave of batches per worker is in flight at a time. A fit that reads values only (one period,
        no groups, no transform here) gets the columns without the unit labels: the labels of every
        row (10,000,000 unit names are ~0.2 GB) would otherwise be gathered, and concatenated, with
        each batch. So does a transform on one period without groups (a rank of whole columns): its
        values are positional, and each partition's piece gets the partition's own labels back when
        it is assembled.
        """
        c = self.client
        workers = max(1, len(c.scheduler_info().get("workers", {})))
        rows = max(1, self.bounds[-1][1] if self.bounds else 1)
        size = max(1, min(-(-len(names) // workers), GATHER_BYTES // (8 * rows)))
        batches = [names[i:i + size] for i in range(0, len(names), size)]
        bare = not isinstance(self.empty.index, pd.MultiIndex) and getattr(step, "by", None) is None
        steps: dict[str, Any] = {}
        cut: list[Any] = []
        for wave in range(0, len(batches), workers):
            tasks = []
            for batch in batches[wave:wave + workers]:
                cols = [c.submit(_take_columns, p, batch, bare, pure=False) for p in parts]
                tasks.append(c.submit(_fit_columns, step, self.bounds, context, global_transform, batch, bare,
                                      *cols, pure=False))
                del cols
            for got in c.gather([c.submit(operator.itemgetter(0), t, pure=False) for t in tasks]):
                steps.update(got)
            if global_transform:
                cut.extend(tasks)
        if not global_transform:
            return steps, None
        out = []
        for i in range(len(self.bounds)):
            pieces = [c.submit(lambda t, i=i: t[1][i], t, pure=False) for t in cut]
            out.append(c.submit(_assemble_onto, parts[i], *pieces, pure=False) if bare
                       else c.submit(_assemble, *pieces, pure=False))
        return steps, out


def run_dask(assessment: Assessment, data: Any, *, units: pd.DataFrame | None = None, cluster: Any = None,
             n_workers: int = 2, n_partitions: int | None = None, keep: str = "all") -> Result:
    """Run ``assessment`` on a Dask cluster; returns the same :class:`Result` as the local engine.

    Parameters
    ----------
    data : Panel, DataFrame, path or dask.dataframe.DataFrame
        A Panel or wide table (validated on the client, then scattered in partitions); the folder of a
        Parquet export (:func:`territoria.store.export.export_parquet`) or a ``dask.dataframe`` wide
        table, read and validated partition by partition on the workers (never whole on the client).
        The engine holds no reference to a ``dask.dataframe`` once its partitions are prepared: a
        persisted frame that the caller does not hold either (``run_dask(a, frames.pop())``) is freed
        on the workers as it is prepared.
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
    del data                                # not read again (see Partitions.partitioned)
    with connect(cluster=cluster, n_workers=n_workers) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or n_workers)
        try:
            if source is None:
                runner = Partitions.whole(client, assessment.spec, prepared, n_partitions or 4 * workers,
                                       keep == "scores")
            else:
                runner = Partitions.partitioned(client, assessment.spec, source, keep == "scores")
            return _execute(assessment, runner, keep_all=keep == "all")
        except Exception as exc:
            if worker_lost(exc):
                raise EngineError(f"the Dask engine lost a worker mid-run ({type(exc).__name__}: {exc}); "
                                  "no partial result is returned — rerun, or give the workers more "
                                  "memory (docs/scaling.md)") from exc
            raise


def _source(spec: Any, data: Any, units: pd.DataFrame | None) -> Any:
    if isinstance(data, (str, Path)):
        return sources.from_parquet(spec, data)
    if type(data).__module__.startswith("dask"):
        return sources.from_dask_frame(spec, data, units=units)
    return None


def _execute(assessment: Assessment, r: Partitions, *, keep_all: bool) -> Result:
    """The one loop (:func:`run_steps`) on the Dask backend; the Result assembled from its stages."""
    spec, prepared, c = assessment.spec, r.prepared, r.client
    built = assessment.build_steps()
    steps = [built[a] for a in STEPS]
    context = assessment.context(prepared)
    keep = ("raw", "normalised") if spec.flags is not None else ()
    if not keep_all:
        keep = (*keep, "aggregated", "aggregated_raw", "ranks", "grades")
    # keep="scores": the indicators inside the aggregated stages are read by no later step (ranks read
    # the aggregates, grades the graded column) nor by the Result; dropped as soon as each partition is
    # accounted for, they do not sit on the workers (a whole stage) through the ranks and grades
    leaves_now = [c for c in map(str, r.empty.columns) if c != context.get("grade_on")]
    trim = None if keep_all else {"aggregated": leaves_now, "aggregated_raw": leaves_now}
    backend = DaskBackend(r, steps, keep_all=keep_all, keep=keep, trim=trim)
    stages: dict[str, Any] = {"raw": r.parts}
    if keep_all:
        backend.tables["raw"] = prepared.table
    r.parts = []
    log = run_steps(steps, backend, stages, context)
    tables = backend.tables
    tree, leaves = context["tree"], list(map(str, r.empty.columns))
    if not keep_all:
        for name in ("aggregated", "aggregated_raw"):
            tables[name] = pd.concat(c.gather([c.submit(_drop, p, leaves, pure=False) for p in stages[name]]))
        for name in ("ranks", "grades"):
            tables[name] = pd.concat(c.gather(stages[name]))
    if spec.flags is not None:
        if keep_all:
            tables["flags"] = flags_table(spec, tables, tree)
        else:
            tables["flags"] = pd.concat(c.gather([c.submit(_part_flags, spec, raw, norm, tree, pure=False)
                                                  for raw, norm in zip(stages["raw"], stages["normalised"],
                                                                       strict=True)]))
    return Result(spec=spec, tables=tables, log=log, weights=context["weights"], prepared=prepared,
                  data_sha256=prepared.sha256, versions={**library_versions(), "engine": "dask"},
                  replay=replay if keep_all else _no_replay, keep="all" if keep_all else "scores")


def _no_replay(*_: Any) -> Result:
    raise EngineError("rerun: a keep='scores' Result holds no indicator tables to replay from; run the "
                      "assessment again with the changed spec (engine='dask')")
