"""The one loop over the assessment steps, and the backend protocol it runs on.

:func:`run_steps` walks the steps in order. For each step it asks the backend to take the step's
input from the stages the step ``reads`` (:meth:`Step.select`), to fit it, to apply it (writing the
stages the step ``writes``) and to account for it (digests of the input and of the first stage
written, :meth:`Step.report`), then appends one :class:`~territoria.assess.record.StepRecord`. The
per-row inputs a step's transform takes beside the table (:meth:`Step.side_inputs`: the side columns
``aux``, the group labels ``groups``) go with the rows being transformed, as keyword arguments; a fitted
step never keeps them. The loop never looks at a step's name: what differs between steps is declared
by the steps (``reads``, ``writes``, :meth:`Step.fit_scope`, :meth:`Step.transform_scope`,
:meth:`Step.side_inputs`, :meth:`Step.provides`).

Backends: :class:`LocalBackend` (pandas / NumPy in this process) and
:class:`territoria.engines.dask_backend.DaskBackend` (row partitions on a Dask cluster).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np
import pandas as pd

from territoria.assess.base import Step, StepReport, plain
from territoria.assess.buffers import BufferPool, reusing
from territoria.assess.inputs import Prepared
from territoria.assess.record import FoldCache, StepRecord, digest
from territoria.assess.threads import submit

__all__ = ["Backend", "LocalBackend", "method_name", "plain_params", "run_steps"]


class Backend(Protocol):
    """Where the steps run. A stage is whatever the backend holds a table as (a DataFrame locally,
    a list of partition futures on Dask)."""

    def context(self, step: Step, shared: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword context of ``step.fit`` (``shared`` plus the input's side columns)."""
        ...

    def select(self, step: Step, stages: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """The step's input, from the stages it reads."""
        ...

    def fit(self, step: Step, data: Any, context: Mapping[str, Any]) -> None:
        """Fit ``step`` on ``data`` (one pass; how depends on ``step.fit_scope()``)."""
        ...

    def apply(self, step: Step, data: Any, context: Mapping[str, Any]) -> dict[str, Any]:
        """The stages the step writes, from ``data`` (how depends on ``step.transform_scope()``), with
        the step's side inputs (:meth:`Step.side_inputs`) for the same rows."""
        ...

    def account(self, step: Step, data: Any, written: Mapping[str, Any]) -> tuple[str, str, StepReport]:
        """Input digest, output digest and the step's report."""
        ...

    def fitted(self, step: Step) -> dict[str, Any]:
        """The step's learned attributes as plain data, for the record."""
        ...

    def done(self, position: int, stages: MutableMapping[str, Any]) -> None:
        """Called after each step: a backend may release stages no later step reads."""
        ...


def method_name(step: Step) -> str:
    """``Class(method)`` as the record writes it."""
    return f"{type(step).__name__}({step.method})"


def plain_params(step: Step) -> dict[str, Any]:
    """The step's parameters as plain data, for the record."""
    params = step.get_params()
    if params.get("values") is not None:
        params["values"] = dict(params["values"])
    return plain(params)


def run_steps(steps: Sequence[Step], backend: Backend, stages: MutableMapping[str, Any],
              context: MutableMapping[str, Any], *, start: int = 0,
              log: list[StepRecord] | None = None) -> list[StepRecord]:
    """Run ``steps[start:]`` on ``backend``; ``stages`` and ``context`` are updated in place.

    Returns the record: ``log`` (the records of the steps before ``start``) plus one
    :class:`StepRecord` per step run.

    A backend whose ``overlaps`` attribute is true lets a step's accounting (digests and report, which
    only read the step's input and output) run on a thread of :mod:`territoria.assess.threads` while the
    next step is fitted: most fits read their whole input on one thread, which leaves the other cores
    free. The record is the same; a step's ``seconds`` then add its accounting time to the rest.
    """
    log = list(log or [])
    overlaps = bool(getattr(backend, "overlaps", False))
    waiting: Callable[[], StepRecord] | None = None
    for position, step in enumerate(steps):
        if position < start:
            continue
        t0 = time.perf_counter()
        ctx = backend.context(step, context)
        data = backend.select(step, stages, ctx)
        try:
            backend.fit(step, data, ctx)
        finally:
            if waiting is not None:             # the previous step's accounting, run beside this fit
                log.append(waiting())
                waiting = None
        written = backend.apply(step, data, ctx)
        future = submit(_timed(backend, step, data, written)) if overlaps else None
        if future is None:
            in_d, out_d, report = backend.account(step, data, written)
        stages.update(written)
        context.update(step.provides())
        backend.done(position, stages)
        head = {"position": position, "address": step.family, "method": method_name(step),
                "params": plain_params(step), "fitted": backend.fitted(step)}
        if future is None:
            log.append(_record(head, in_d, out_d, report, time.perf_counter() - t0))
        else:
            waiting = _joiner(head, future, time.perf_counter() - t0)
    if waiting is not None:
        log.append(waiting())
    return log


def _timed(backend: Backend, step: Step, data: Any,
           written: Mapping[str, Any]) -> Callable[[], tuple[str, str, StepReport, float]]:
    def account() -> tuple[str, str, StepReport, float]:
        t0 = time.perf_counter()
        in_d, out_d, report = backend.account(step, data, written)
        return in_d, out_d, report, time.perf_counter() - t0
    return account


def _joiner(head: dict[str, Any], future: Future[tuple[str, str, StepReport, float]],
            seconds: float) -> Callable[[], StepRecord]:
    def join() -> StepRecord:
        in_d, out_d, report, more = future.result()
        return _record(head, in_d, out_d, report, seconds + more)
    return join


def _record(head: dict[str, Any], in_d: str, out_d: str, report: StepReport, seconds: float) -> StepRecord:
    return StepRecord(**head, input_digest=in_d, output_digest=out_d, seed=None,
                      cells_changed=int(report.cells_changed), warnings=tuple(report.warnings), seconds=seconds)


class LocalBackend:
    """The steps on pandas / NumPy in this process; digests cached per table object and column folds
    per column array, for the one run the backend serves. With several threads
    (:mod:`territoria.assess.threads`) a step's accounting overlaps the next fit.

    ``keep``: None holds every stage to the end (``keep="all"``). Else the stages to hold; any other is
    dropped once no later step reads it (:meth:`done`), and, at the next :meth:`apply` — after the
    accounting of every step that read it, which :func:`run_steps` joins before applying — its array
    goes back to a :class:`~territoria.assess.buffers.BufferPool` the following steps write into. So a
    stage is never written while it is read, and its digest is taken before it is overwritten.
    """

    overlaps = True

    def __init__(self, prepared: Prepared, *, steps: Sequence[Step] = (),
                 keep: Collection[str] | None = None) -> None:
        self.prepared = prepared
        # digests computed by prepare, matched by table identity (a replaced table is not matched)
        self._digests: list[tuple[pd.DataFrame, str]] = list(prepared.known_digests)
        self._folds: FoldCache = {}
        self.keep = None if keep is None else frozenset(keep)
        self.pool = None if keep is None else BufferPool()
        self._last_read = {stage: position for position, step in enumerate(steps) for stage in step.reads}
        self._dropped: list[pd.DataFrame] = []
        self._stages: Mapping[str, Any] = {}

    def digest(self, table: pd.DataFrame) -> str:
        for known, value in self._digests:
            if known is table:
                return value
        value = digest(table, folds=self._folds)
        self._digests = [(table, value), *self._digests[:3]]
        return value

    def context(self, step: Step, shared: Mapping[str, Any]) -> dict[str, Any]:
        p = self.prepared
        return {**shared, "aux": p.aux, "groups": p.groups(getattr(step, "by", None)), "direction": p.direction}

    def select(self, step: Step, stages: Mapping[str, pd.DataFrame], context: Mapping[str, Any]) -> pd.DataFrame:
        return step.select(stages, context)

    def fit(self, step: Step, data: pd.DataFrame, context: Mapping[str, Any]) -> None:
        step.fit(data, **context)

    def apply(self, step: Step, data: pd.DataFrame, context: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
        self._release(data)
        with reusing(self.pool):
            return step.apply(data, **step.side_from(context))

    def account(self, step: Step, data: pd.DataFrame,
                written: Mapping[str, pd.DataFrame]) -> tuple[str, str, StepReport]:
        return self.digest(data), self.digest(written[step.writes[0]]), step.report(data, written)

    def fitted(self, step: Step) -> dict[str, Any]:
        return step.fitted()

    def done(self, position: int, stages: MutableMapping[str, Any]) -> None:
        self._stages = stages
        if self.keep is None:
            return
        for name in [s for s in stages if s not in self.keep and self._last_read.get(s, -1) <= position]:
            self._dropped.append(stages.pop(name))

    def _release(self, data: pd.DataFrame) -> None:
        """Give the dropped stages' arrays back to the pool (none shared with a stage still held or with
        ``data``), and forget their digests and column folds: their memory is written next."""
        if not self._dropped or self.pool is None:
            return
        held = [v for table in [*self._stages.values(), data] if isinstance(table, pd.DataFrame)
                for v in _columns(table)]
        for table in self._dropped:
            columns = _columns(table)
            if self.pool.release(columns, held=held):
                self._digests = [(t, d) for t, d in self._digests if t is not table]
                low = columns[0].__array_interface__["data"][0]
                high = columns[-1].__array_interface__["data"][0] + columns[-1].nbytes
                self._folds = {k: v for k, v in self._folds.items() if not low <= k[0] < high}
        self._dropped = []


def _columns(table: pd.DataFrame) -> list[np.ndarray]:
    """The arrays of a table's columns (views, no copy)."""
    return [values.to_numpy() for _, values in table.items()]
