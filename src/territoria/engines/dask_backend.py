"""The Dask backend of the one step loop (:func:`territoria.assess.loop.run_steps`).

A stage is a list of row partitions on the workers (futures; partitions never split a unit's years),
or, for a small stage (the weights), a DataFrame on the client. What each step needs is declared by
the step, never looked up by name:

* ``fit_scope() == "none"``: the fit reads no cell, so the step is fitted once on the client on the
  stage's empty head; then one task per partition applies it;
* ``"stats"``: one task per partition computes :meth:`Step.partial_stats`, the client merges them
  (:meth:`Step.merge_stats`, exact) and fits with :meth:`Step.fit_stats`; then one task per partition
  applies the fitted step. Each partition is read once: min-max (minima and maxima), the treatment
  (counts, power sums about a shift, the most extreme values with their multiplicities), means and
  z-score / distance references (exact sums). When :meth:`Step.stats_query` asks for another round
  it is run with ``query=``: a median's first round gives order statistics, the client brackets the
  middle ranks, the second gives the values inside the brackets — two reads, never a whole column;
  a step with side inputs gets its group labels from each partition's own side columns;
* ``"columns"``: statistics not merged (quantile and Jenks grade breaks) are fitted on each
  whole column, gathered on one worker (8 bytes per row) by the single-machine code — exact, never a
  sketch; then one task per partition applies the per-column steps;
* the per-row inputs a transform takes beside the table (:meth:`Step.side_inputs`: the side columns,
  the group labels) are cut from the partition's own side columns on its worker
  (:func:`~territoria.assess.base.side_arguments`), never kept in the fitted step nor shipped from the
  client;
* ``transform_scope() == "columns"``: a rank needs each whole column: the column task fits *and*
  transforms, and the column is cut back into the partitions; ``"table"``: the whole table on one
  worker (an aggregation that ranks within years).

With ``keep="all"`` every stage is gathered once into the Result and digested whole, so the record is
the local one; with ``keep="scores"`` the indicator stages stay on the workers, the digests combine
per-partition digests and stages are released as soon as no later step reads them.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import pandas as pd

from territoria.assess.base import Step, StepReport, plain, side_arguments
from territoria.assess.record import digest
from territoria.engines.cluster import EngineError
from territoria.engines.sources import combine

__all__ = ["DaskBackend", "merge_fitted"]


# -- tasks run on the workers (module level so they pickle by reference) --------------------------------
def _select(step: Step, parts: dict[str, pd.DataFrame], context: dict[str, Any]) -> pd.DataFrame:
    return step.select(parts, context)


def _partial(step: Step, part: pd.DataFrame, context: dict[str, Any], query: Any = None,
             aux: pd.DataFrame | None = None) -> Any:
    """One partition's statistics (round ``query``); ``aux``: its side columns, when the step takes side
    inputs (its group labels come from them, not from the client)."""
    extra = {} if query is None else {"query": query}
    side = {} if aux is None else side_arguments(step, aux)
    return step.partial_stats(part, **{**context, **side}, **extra)


def _apply(step: Step, part: pd.DataFrame, aux: pd.DataFrame | None = None) -> dict[str, Any]:
    """Apply the fitted step to one partition; ``aux``: the partition's side columns, given when the
    step's transform takes side inputs."""
    return step.apply(part, **side_arguments(step, aux))


def _apply_only(apply: Any, args: tuple[Any, ...], stage: str) -> pd.DataFrame:
    """The one stage that ``apply(*args)`` writes: a step writing a single stage needs no second task per
    partition to pick it out of the written mapping (each task costs the scheduler and a round trip)."""
    return apply(*args)[stage]


def _apply_by_column(steps: dict[str, Step], part: pd.DataFrame, aux: pd.DataFrame | None = None) -> dict[str, Any]:
    """Apply the steps fitted on batches of whole columns (in column order) to one partition."""
    if len(steps) == 1:
        return _apply(next(iter(steps.values())), part, aux)
    names = list(map(str, part.columns))
    keys = [names.index(k) for k in steps] + [len(names)]
    pieces = [_apply(step, part.iloc[:, a:b], aux)
              for step, a, b in zip(steps.values(), keys, keys[1:], strict=False)]
    stages = list(pieces[0]) if pieces else []
    return {s: pd.concat([p[s] for p in pieces], axis=1) for s in stages}


def _whole(step: Step, context: dict[str, Any], bounds: list[tuple[int, int]], *parts: pd.DataFrame) -> Any:
    """Fit and apply on the concatenated parts; the written stages cut back into ``bounds``."""
    table = pd.concat(parts)
    fitted = step.replace().fit(table, **context)
    written = fitted.apply(table, **fitted.side_from(context))
    return fitted, {s: [w.iloc[a:b] for a, b in bounds] for s, w in written.items()}


def _take(part: pd.DataFrame, column: str) -> pd.DataFrame:
    return part[[column]]


def _account(step: Step, before: pd.DataFrame, written: dict[str, pd.DataFrame],
             known: str | None = None) -> tuple[str, str, StepReport]:
    """Digests of a partition's input (``known`` when the previous step already digested it) and output,
    and the step's report on the partition."""
    before_digest = digest(before) if known is None else known
    return before_digest, digest(written[step.writes[0]]), step.report(before, written)


def _apply_account(apply: Any, args: tuple[Any, ...], step: Step, part: pd.DataFrame, known: str | None,
                   needed: list[str], trim: Mapping[str, Sequence[str]] | None = None,
                   ) -> tuple[dict[str, Any], tuple[str, str, StepReport]]:
    """Apply (``apply(*args)``) and account for one partition in one task, so that the partition can
    be freed as soon as the task is done (``keep="scores"``); of the stages written, only the
    ``needed`` ones are kept (a cell mask serves the report, then nothing reads it), and of those
    only the columns not in ``trim[stage]`` (digested and reported whole, first)."""
    written = apply(*args)
    report = _account(step, part, written, known)
    return {s: _trimmed(written[s], (trim or {}).get(s, ())) for s in needed}, report


def _trimmed(table: pd.DataFrame, drop: Sequence[str]) -> pd.DataFrame:
    gone = [c for c in drop if c in table.columns]
    # a copy: the kept columns must not hold the dropped ones' memory (a block shared with the input)
    return table.drop(columns=gone).copy() if gone else table


def _cut(got: Any, stage: str, i: int) -> pd.DataFrame:
    return got[1][stage][i]


def merge_fitted(fitted: list[dict[str, Any]]) -> dict[str, Any]:
    """One record of per-column fits: nested mappings united, first value kept otherwise."""
    out: dict[str, Any] = {}
    for f in fitted:
        for key, value in f.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge_fitted([out[key], value])
            elif key not in out:
                out[key] = value
    return out


class DaskBackend:
    """Run the steps on row partitions held by a Dask client (see the module docstring).

    Parameters
    ----------
    runner : territoria.engines.dask_engine.Partitions
        The partitions and the client.
    steps : sequence of Step
        The steps in order (to know when a stage is read for the last time).
    keep_all : bool
        Gather every stage into the Result (``keep="all"``); else only the scores.
    keep : sequence of str
        Stages held to the end of the run (for the Result).
    trim : mapping of str to sequence of str, optional
        With ``keep_all=False``: columns of a stage that no later step and not the Result reads
        (the indicators inside ``aggregated``), dropped from each partition as soon as it is written
        and accounted for, instead of held to the end of the run.
    """

    def __init__(self, runner: Any, steps: Sequence[Step], *, keep_all: bool, keep: Sequence[str] = (),
                 trim: Mapping[str, Sequence[str]] | None = None) -> None:
        self.r, self.client, self.keep_all = runner, runner.client, keep_all
        self.trim = dict(trim or {})
        self.tables: dict[str, pd.DataFrame] = {}
        self.fits: dict[int, dict[str, Any]] = {}
        self.last_read: dict[str, int] = {}
        self._digests: dict[Any, str] = {}            # partition future key -> digest (last step's output)
        self._position = {id(step): position for position, step in enumerate(steps)}
        self._accounted: list[Any] | None = None        # per-partition (digests, report) futures of a step
        self._gathered: dict[tuple[Any, ...], pd.DataFrame] = {}   # partition keys -> the stage gathered
        for position, step in enumerate(steps):
            for stage in step.reads:
                self.last_read[stage] = position
        for stage in keep:
            self.last_read[stage] = len(steps)

    # -- the Backend protocol ------------------------------------------------------------------------
    def context(self, step: Step, shared: Mapping[str, Any]) -> dict[str, Any]:
        return {**shared, "groups": self.r.groups(getattr(step, "by", None)), "direction": self.r.prepared.direction}

    def select(self, step: Step, stages: Mapping[str, Any], context: Mapping[str, Any]) -> list[Any]:
        if type(step).select is Step.select:
            return stages[step.reads[0]]
        small = {k: context[k] for k in ("tree", "leaves", "grade_on") if k in context}
        c = self.client
        return [c.submit(_select, step, dict(zip(step.reads, ps, strict=True)), small, pure=False)
                for ps in zip(*(stages[s] for s in step.reads), strict=True)]

    def fit(self, step: Step, data: list[Any], context: Mapping[str, Any]) -> None:
        scope = step.fit_scope()
        self._context = dict(context)
        self._columns: dict[str, Step] | None = None
        self._whole: list[Any] | None = None
        empty = self.r.empty_of(data)
        if step.transform_scope() == "columns":
            self._columns, self._whole = self.r.columns(data, step, list(map(str, empty.columns)), self._context,
                                                       True)
            self.fits[id(step)] = merge_fitted([s.fitted() for s in self._columns.values()])
            step.fit(empty, **{**self._context, "aux": self.r.empty_aux})
        elif step.transform_scope() == "table":
            return
        elif scope == "stats":
            step.fit_stats(self._stats(step, data), empty.columns, **self._context)
        elif scope == "columns":
            self._columns, _ = self.r.columns(data, step, list(map(str, empty.columns)), self._context, False)
        elif scope == "table":
            raise EngineError(f"{type(step).__name__}({step.method!r}) needs the whole table; it has no "
                              "distributed form (run with engine='local')")
        else:
            step.fit(empty, **{**self._context, "aux": self.r.empty_aux})

    def _stats(self, step: Step, data: list[Any]) -> Any:
        """Merged statistics: one task per partition and round; a second round while the step asks
        for one (:meth:`Step.stats_query`: a median's brackets)."""
        c = self.client
        aux = self.r.aux_parts if step.side_inputs() else [None] * len(data)
        # the group labels go with each partition's side columns, not whole from the client
        shared = {k: v for k, v in self._context.items() if not (step.side_inputs() and k in ("groups", "aux"))}
        query = None
        while True:
            parts = c.gather([c.submit(_partial, step, p, shared, query, a, pure=False)
                              for p, a in zip(data, aux, strict=True)])
            merged = step.merge_stats(parts)
            query = step.stats_query(merged)
            if query is None:
                return merged

    def apply(self, step: Step, data: list[Any], context: Mapping[str, Any]) -> dict[str, Any]:
        c, scope = self.client, step.transform_scope()
        if scope == "none":
            return step.apply(self.r.empty_of(data), **side_arguments(step, self.r.empty_aux))
        if scope == "columns":
            assert self._whole is not None
            return {step.writes[0]: self._whole}
        if scope == "table":
            got = c.submit(_whole, step, self._context, self.r.bounds, *data, pure=False)
            fitted = c.gather(c.submit(operator.itemgetter(0), got, pure=False))
            self.fits[id(step)] = fitted.fitted()
            return {s: [c.submit(_cut, got, s, i, pure=False) for i in range(len(data))] for s in step.writes}
        # the partition's side columns go along only when the transform takes side inputs
        aux = self.r.aux_parts if step.side_inputs() else [None] * len(data)
        if self._columns is not None:
            shared = c.scatter([self._columns], broadcast=True, hash=False)[0]
            calls = [(_apply_by_column, (shared, p, a)) for p, a in zip(data, aux, strict=True)]
            self.fits[id(step)] = merge_fitted([s.fitted() for s in self._columns.values()])
        else:
            calls = [(_apply, (step, p, a)) for p, a in zip(data, aux, strict=True)]
        self._accounted = None
        if self.keep_all:
            if len(step.writes) == 1:
                only = step.writes[0]
                return {only: [c.submit(_apply_only, fn, args, only, pure=False) for fn, args in calls]}
            out = [c.submit(fn, *args, pure=False) for fn, args in calls]
            position = self._position.get(id(step), -1)
            later = [s for s in step.writes if s == step.writes[0] or self.last_read.get(s, -1) > position]
            if len(later) < len(step.writes):
                return self._gather_unread(step, out, later)
        else:
            # one task applies and accounts for a partition; the input partition is then no longer needed,
            # nor a written stage no later step reads (the masks): neither stays on the workers
            position = self._position.get(id(step), -1)
            needed = [s for s in step.writes if s == step.writes[0] or self.last_read.get(s, -1) > position]
            trim = {st: self.trim[st] for st in needed if st in self.trim} or None
            both = [c.submit(_apply_account, fn, args, step, p, self._digests.get(p.key), needed, trim, pure=False)
                    for (fn, args), p in zip(calls, data, strict=True)]
            out = [c.submit(operator.itemgetter(0), b, pure=False) for b in both]
            self._accounted = [c.submit(operator.itemgetter(1), b, pure=False) for b in both]
            del both
            self._release(step, data)
            return {s: [c.submit(operator.itemgetter(s), o, pure=False) for o in out] for s in needed}
        return {s: [c.submit(operator.itemgetter(s), o, pure=False) for o in out] for s in step.writes}

    def _gather_unread(self, step: Step, out: list[Any], later: list[str]) -> dict[str, Any]:
        """keep="all": the written stages that no later step reads (a cell mask, the raw aggregates) come
        whole to the client at once, where the record and the Result take them, instead of through one
        task per partition and stage picking them out of the written mappings; the stages read later stay
        partitions on the workers. The first stage, gathered with them, is remembered for its accounting."""
        c = self.client
        written: dict[str, Any] = {s: [c.submit(operator.itemgetter(s), o, pure=False) for o in out] for s in later}
        got = c.gather(out)
        for s in step.writes:
            if s not in later:
                written[s] = pd.concat([g[s] for g in got])
        first = step.writes[0]
        self._remember(tuple(p.key for p in written[first]), pd.concat([g[first] for g in got]))
        return written

    def _release(self, step: Step, data: list[Any]) -> None:
        """Drop the client's hold on a stage's partitions that no later step reads (the loop's list is
        emptied in place): each partition is freed on its worker as soon as the task reading it is done,
        so a step holds one stage plus the partitions in flight, not its input and output stages whole."""
        reads_whole = type(step).select is Step.select and bool(step.reads)
        if reads_whole and self.last_read.get(step.reads[0], -1) == self._position.get(id(step)):
            data.clear()

    def account(self, step: Step, data: Any, written: Mapping[str, Any]) -> tuple[str, str, StepReport]:
        c = self.client
        if isinstance(written[step.writes[0]], pd.DataFrame):           # a small stage, on the client
            before = self.r.empty_of(data) if not self.keep_all else self.gathered(data)
            out = written[step.writes[0]]
            for s, table in written.items():
                self.tables[s] = table
            return digest(before), digest(out), step.report(before, written)
        if self.keep_all:
            before = self.gathered(data)
            done = {s: self.gathered(w) for s, w in written.items()}
            self.tables.update(done)
            return digest(before), digest(done[step.writes[0]]), step.report(before, done)

        # a partition written by the previous step was digested then: its digest is not recomputed
        if self._accounted is not None:
            got, self._accounted = c.gather(self._accounted), None
        else:
            got = c.gather([c.submit(_account, step, b, {s: w[i] for s, w in written.items()},
                                     self._digests.get(b.key), pure=False) for i, b in enumerate(data)])
        self._digests = {w.key: g[1] for w, g in zip(written[step.writes[0]], got, strict=True)}
        return combine([g[0] for g in got]), combine([g[1] for g in got]), StepReport.merge([g[2] for g in got])

    def fitted(self, step: Step) -> dict[str, Any]:
        return plain(self.fits.pop(id(step), None) or step.fitted())

    def done(self, position: int, stages: MutableMapping[str, Any]) -> None:
        for stage in [s for s in stages if self.last_read.get(s, -1) <= position and not isinstance(stages[s],
                                                                                                     pd.DataFrame)]:
            if self.keep_all and stage not in self.tables:
                self.tables[stage] = self.gathered(stages[stage])
            del stages[stage]

    # -- helpers ---------------------------------------------------------------------------------------
    def gathered(self, parts: Any) -> pd.DataFrame:
        if isinstance(parts, pd.DataFrame):
            return parts
        key = tuple(p.key for p in parts)
        if key in self._gathered:
            return self._gathered[key]
        table = pd.concat(self.client.gather(list(parts)))
        self._remember(key, table)
        return table

    def _remember(self, key: tuple[Any, ...], table: pd.DataFrame) -> None:
        """Keep the two stages gathered last (a step's output is the next step's input)."""
        self._gathered[key] = table
        while len(self._gathered) > 2:
            del self._gathered[next(iter(self._gathered))]
