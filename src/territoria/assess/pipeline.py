"""The recorded pipeline: ``Assessment(spec).run(data) -> Result``.

Order: denominate → impute → treat → normalise → weight → aggregate → rank → grade. Every step is
built from the spec, fitted, applied, and leaves a frozen :class:`StepRecord`. Input validation
(unknown indicators, non-numeric columns, units with every value missing, weights that do not sum as
stated) happens before any step runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess.aggregate import Aggregate
from territoria.assess.base import Step
from territoria.assess.denominate import Denominate
from territoria.assess.grade import Grade
from territoria.assess.impute import Impute
from territoria.assess.inputs import Prepared, prepare, select_years
from territoria.assess.loop import LocalBackend, run_steps
from territoria.assess.normalise import Normalise
from territoria.assess.rank import Rank
from territoria.assess.record import StepRecord, library_versions
from territoria.assess.result import Result
from territoria.assess.spec import AssessmentSpec
from territoria.assess.threads import resolve_jobs, using
from territoria.assess.treat import Treat
from territoria.assess.weight import Weight
from territoria.errors import SpecError

__all__ = ["KEEP", "SCORE_TABLES", "STEPS", "Assessment", "flags_table", "replay", "root_code", "scores_only"]

STEPS: tuple[str, ...] = ("denominate", "impute", "treat", "normalise", "weight", "aggregate", "rank", "grade")
#: What a Result holds: every stage table, or the scores (:data:`SCORE_TABLES`).
KEEP: tuple[str, ...] = ("all", "scores")
#: The tables of a ``keep="scores"`` Result (``flags`` besides when the spec asks for them).
SCORE_TABLES: tuple[str, ...] = ("weights", "aggregated", "aggregated_raw", "ranks", "grades")


class Assessment:
    """Run an assessment spec on a Panel or a wide table.

    Parameters
    ----------
    spec : AssessmentSpec or path
        The spec, or the path of its YAML file.

    Examples
    --------
    >>> result = Assessment("examples/svi_2020.yaml").run(table)      # doctest: +SKIP
    >>> result.to_frame().head()                                      # doctest: +SKIP
    """

    def __init__(self, spec: AssessmentSpec | str | Path) -> None:
        self.spec = spec if isinstance(spec, AssessmentSpec) else AssessmentSpec.from_yaml(spec)

    def build_steps(self) -> dict[str, Step]:
        """The unfitted steps of the spec, keyed by address."""
        s = self.spec
        values = dict(s.weight.values) if s.weight.values is not None else None  # never a file read here
        return {
            "denominate": Denominate(rules={k: v.model_dump() for k, v in s.denominate.indicators.items()}),
            "impute": Impute(method=s.impute.method, by=s.impute.by),
            "treat": Treat(method=s.treat.method, skew=s.treat.skew, kurt=s.treat.kurt, winmax=s.treat.winmax,
                           fallback=s.treat.fallback, exclude=list(s.treat.exclude)),
            "normalise": Normalise(method=s.normalise.method, low=s.normalise.low, high=s.normalise.high,
                                   decimals=s.normalise.decimals, reference=s.normalise.reference,
                                   by=s.normalise.by,
                                   goalposts={k: tuple(v) for k, v in s.normalise.goalposts.items()} or None,
                                   clip=s.normalise.clip, mean=s.normalise.mean, sd=s.normalise.sd,
                                   transforms=s.transform_rules() or None),
            "weight": Weight(method=s.weight.method, values=values, sum_to=s.weight.sum_to),
            "aggregate": Aggregate(method=s.aggregate.method, missing=s.aggregate.missing, zeros=s.aggregate.zeros,
                                   epsilon=s.aggregate.epsilon),
            "rank": Rank(descending=s.rank.descending, ties=s.rank.ties, decimals=s.rank.decimals),
            "grade": Grade(method=s.grade.method, thresholds=list(s.grade.thresholds), k=s.grade.k,
                           labels=list(s.grade.labels)),
        }

    def run(self, data: Any, *, units: pd.DataFrame | None = None, engine: str = "local",
            cluster: Any = None, n_jobs: int | None = None, keep: str = "all", **engine_options: Any) -> Result:
        """Validate the input against the spec, then run every step; returns a :class:`Result`.

        ``engine="dask"`` runs the same steps on a Dask cluster (``cluster``: scheduler address or
        client; None starts a LocalCluster) with identical results; ``engine_options`` go to
        :func:`territoria.engines.dask_engine.run_dask` (``n_workers``, ``n_partitions``).
        See docs/scaling.md.

        ``keep``: ``"all"`` (default) holds every stage table in the Result; ``"scores"`` holds the
        aggregates, ranks, grades and weights (and flags), with the same record: every step's digests
        are taken of whole stages before they are dropped, so the log equals the ``"all"`` run's (local
        engine). A dropped stage's memory takes a later stage (:mod:`territoria.assess.buffers`): a run
        touches two indicator tables' worth of new memory instead of three and a half.

        ``n_jobs`` (local engine): threads that share the per-column work of the steps and digests,
        None = 1 (the default: the caller decides whether to take more than one core), -1 = every
        core. It changes no bit of the Result (:mod:`territoria.assess.threads`).
        """
        threads = resolve_jobs(n_jobs)
        if keep not in KEEP:
            raise SpecError("keep", f"expected one of {', '.join(KEEP)}, got {keep!r}")
        if isinstance(data, pd.DataFrame):
            data = select_years(self.spec, data)
        if engine == "dask":
            if n_jobs is not None:
                raise SpecError("n_jobs", "threads apply to engine='local'; a Dask cluster sets its own "
                                          "(n_workers, threads per worker)")
            # lazy: layers: territoria.engines.dask_engine is above this module (known violation, pyproject.toml)
            from territoria.engines.dask_engine import run_dask

            return run_dask(self, data, units=units, cluster=cluster, keep=keep, **engine_options)
        if engine_options:
            raise SpecError("engine", f"options {sorted(engine_options)} apply to engine='dask' only")
        if engine != "local":
            raise SpecError("engine", f"expected 'local' or 'dask', got {engine!r}")
        with using(threads):
            prepared = prepare(self.spec, data, units=units)
            return self.execute(prepared, keep=keep)

    def context(self, prepared: Prepared) -> dict[str, Any]:
        """What every step's fit may read besides its input: the tree and its options, the leaves,
        the graded code."""
        spec = self.spec
        # the tree prepare built for this very spec; a rerun's changed spec builds its own
        tree = prepared.tree if prepared.spec is spec and prepared.tree is not None else spec.tree_frame()
        options = spec.node_rules()
        paths: dict[str, str] = {}
        for row, path in spec.tree_rows():         # as spec.node_path, from one build of the rows
            if not row.reuse:
                paths.setdefault(row.code, path)
        return {"tree": tree, "options": options, "leaves": list(prepared.table.columns),
                "paths": {row.code: paths.get(row.code, f"tree.{row.code}") for row in options.values()},
                "grade_on": spec.grade.on or root_code(tree), "weights": None}

    def execute(self, prepared: Prepared, *, start: str | None = None, previous: Result | None = None,
                keep: str = "all") -> Result:
        """Run from ``start`` (an address), reusing ``previous``'s tables before it; ``keep`` as
        :meth:`run` (``"scores"`` runs every step: it has no earlier tables to start from)."""
        spec = self.spec
        steps = self.build_steps()
        first = STEPS.index(start) if start and keep == "all" else 0
        stages: dict[str, pd.DataFrame] = {"raw": prepared.table}
        log: list[StepRecord] = []
        context = self.context(prepared)
        if previous is not None and first > 0:
            stages = dict(previous.tables)
            log = [r for r in previous.log if r.position < first]
            if first > STEPS.index("weight"):
                context["weights"] = previous.weights
        ordered = [steps[a] for a in STEPS]
        held = None if keep == "all" else (*SCORE_TABLES, *(("raw", "normalised") if spec.flags is not None else ()))
        log = run_steps(ordered, LocalBackend(prepared, steps=ordered, keep=held), stages, context, start=first,
                        log=log)
        if spec.flags is not None:
            stages["flags"] = flags_table(spec, stages, context["tree"])
        if keep != "all":
            stages = scores_only(stages, leaves=list(prepared.table.columns))
        return Result(spec=spec, tables=stages, log=log, weights=context["weights"],
                      prepared=prepared, data_sha256=prepared.sha256, versions=library_versions(), replay=replay,
                      keep=keep)


def replay(spec: AssessmentSpec, prepared: Prepared, sections: set[str], previous: Result) -> Result:
    """``Result.rerun``'s engine: replay from the first step of ``sections`` (all steps when empty).

    A change of ``uncertainty`` or ``output`` affects no step: the tables and the record are kept and
    the Result carries the new spec.
    """
    steps = [s for s in STEPS if s in sections]
    if sections and not steps and not sections & {"flags"}:
        return dataclasses.replace(previous, spec=spec)
    start = steps[0] if steps else ("grade" if sections else None)
    return Assessment(spec).execute(prepared, start=start, previous=previous, keep=previous.keep)


def root_code(tree: pd.DataFrame) -> str:
    """The code of the tree's root (the composite)."""
    return str(tree.loc[tree["parent"].isna(), "code"].iloc[0])


def flags_table(spec: AssessmentSpec, tables: Mapping[str, pd.DataFrame], tree: pd.DataFrame) -> pd.DataFrame:
    """Deprivation flags (the spec's ``flags`` section) per indicator, summed up the tree."""
    f = spec.flags
    base = tables["normalised"] if f.stage == "normalised" else tables["raw"]
    leaves = base[[c for c in base.columns]]
    flags = (leaves >= f.threshold) if f.above else (leaves <= f.threshold)
    flags = flags.astype(float).where(leaves.notna())
    kids = tree.dropna(subset=["parent"]).groupby("parent", sort=False)["code"].apply(list).to_dict()
    order = tree.drop_duplicates("code").sort_values("level", kind="stable")["code"]
    for code in order:
        if code in kids:
            part = flags[kids[code]]
            flags[code] = part.sum(axis=1, min_count=len(kids[code]))
            flags.loc[part.isna().any(axis=1), code] = np.nan
    return flags


def scores_only(tables: Mapping[str, pd.DataFrame], *, leaves: list[str]) -> dict[str, pd.DataFrame]:
    """The tables of a ``keep="scores"`` Result: :data:`SCORE_TABLES` and ``flags``, the indicators dropped
    from the aggregated stages (as the Dask engine gathers them)."""
    out = {k: tables[k] for k in (*SCORE_TABLES, "flags") if k in tables}
    for name in ("aggregated", "aggregated_raw"):
        table = out[name]
        out[name] = table[[c for c in table.columns if c not in set(leaves)]]
    return out
