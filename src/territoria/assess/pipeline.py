"""The recorded pipeline: ``Assessment(spec).run(data) -> Result``.

Order: denominate → impute → treat → normalise → weight → aggregate → rank → grade. Every step is
built from the spec, fitted, applied, and leaves a frozen :class:`StepRecord`. Input validation
(unknown indicators, non-numeric columns, units with every value missing, weights that do not sum as
stated) happens before any step runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess.aggregate import Aggregate
from territoria.assess.denominate import Denominate
from territoria.assess.grade import Grade
from territoria.assess.impute import Impute
from territoria.assess.inputs import Prepared, prepare
from territoria.assess.io import read_weights
from territoria.assess.normalise import Normalise
from territoria.assess.rank import Rank
from territoria.assess.record import StepRecord, digest, library_versions
from territoria.assess.spec import AssessmentSpec
from territoria.assess.treat import Treat
from territoria.assess.weight import Weight
from territoria.errors import SpecError

__all__ = ["STEPS", "Assessment"]

STEPS: tuple[str, ...] = ("denominate", "impute", "treat", "normalise", "weight", "aggregate", "rank", "grade")
_STAGE = {"denominate": "denominated", "impute": "imputed", "treat": "treated", "normalise": "normalised",
          "aggregate": "aggregated", "rank": "ranks"}
_INPUT = {"denominate": "raw", "impute": "denominated", "treat": "imputed", "normalise": "treated",
          "weight": "normalised", "aggregate": "normalised"}


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

    def build_steps(self) -> dict[str, Any]:
        """The unfitted steps of the spec, keyed by address."""
        s = self.spec
        values = read_weights(s.weight.file) if s.weight.method == "file" and s.weight.file else None
        return {
            "denominate": Denominate(rules={k: v.model_dump() for k, v in s.denominate.indicators.items()}),
            "impute": Impute(method=s.impute.method, by=s.impute.by),
            "treat": Treat(method=s.treat.method, skew=s.treat.skew, kurt=s.treat.kurt, winmax=s.treat.winmax,
                           fallback=s.treat.fallback, exclude=list(s.treat.exclude)),
            "normalise": Normalise(method=s.normalise.method, low=s.normalise.low, high=s.normalise.high,
                                   decimals=s.normalise.decimals, reference=s.normalise.reference,
                                   by=s.normalise.by,
                                   goalposts={k: tuple(v) for k, v in s.normalise.goalposts.items()} or None,
                                   clip=s.normalise.clip),
            "weight": Weight(method=s.weight.method, values=values, sum_to=s.weight.sum_to),
            "aggregate": Aggregate(method=s.aggregate.method, missing=s.aggregate.missing),
            "rank": Rank(descending=s.rank.descending, ties=s.rank.ties, decimals=s.rank.decimals),
            "grade": Grade(method=s.grade.method, thresholds=list(s.grade.thresholds), k=s.grade.k,
                           labels=list(s.grade.labels)),
        }

    def run(self, data: Any, *, units: pd.DataFrame | None = None, engine: str = "local",
            cluster: Any = None, **engine_options: Any) -> Any:
        """Validate the input against the spec, then run every step; returns a :class:`Result`.

        ``engine="dask"`` runs the same steps on a Dask cluster (``cluster``: scheduler address or
        client; None starts a LocalCluster) with identical results; ``engine_options`` go to
        :func:`territoria.engines.dask_engine.run_dask` (``n_workers``, ``n_partitions``, ``keep``).
        See docs/scaling.md.
        """
        if engine == "dask":
            from territoria.engines.dask_engine import run_dask

            return run_dask(self, data, units=units, cluster=cluster, **engine_options)
        if engine_options:
            raise SpecError("engine", f"options {sorted(engine_options)} apply to engine='dask' only")
        if engine != "local":
            raise SpecError("engine", f"expected 'local' or 'dask', got {engine!r}")
        prepared = prepare(self.spec, data, units=units)
        return self.execute(prepared)

    def execute(self, prepared: Prepared, *, start: str | None = None, previous: Any = None) -> Any:
        """Run from ``start`` (an address), reusing ``previous``'s tables before it."""
        from territoria.assess.result import Result

        spec = self.spec
        steps = self.build_steps()
        first = STEPS.index(start) if start else 0
        tables: dict[str, pd.DataFrame] = {"raw": prepared.table}
        log: list[StepRecord] = []
        if previous is not None and first > 0:
            tables = dict(previous.tables)
            log = [r for r in previous.log if r.position < first]
        tree = spec.tree_frame()
        options = spec.node_options()
        paths = {row.code: spec.node_path(row.code) for row in options.values()}
        weights = previous.weights if (previous is not None and first > STEPS.index("weight")) else None
        current = tables[_INPUT[STEPS[first]]] if STEPS[first] in _INPUT else tables["normalised"]
        for position, address in enumerate(STEPS):
            if position < first:
                continue
            step = steps[address]
            t0 = time.perf_counter()
            warnings: list[str] = []
            context: dict[str, Any] = {"aux": prepared.aux, "groups": prepared.groups(getattr(step, "by", None)),
                                       "direction": prepared.direction, "tree": tree, "paths": paths,
                                       "options": options, "weights": weights}
            if address in ("rank",):
                source = tables["aggregated"][[c for c in tables["aggregated"].columns if c in set(tree["code"])
                                               and c not in set(prepared.table.columns)]]
                out = step.fit_transform(source)
                tables["ranks"] = out
                changed, in_d, out_d = 0, digest(source), digest(out)
            elif address == "grade":
                on = spec.grade.on or _root(tree)
                source = tables["aggregated"][on]
                out = step.fit_transform(source)
                tables["grades"] = out.to_frame("level")
                changed, in_d, out_d = 0, digest(source), digest(out.astype(str))
            elif address == "weight":
                current = tables["normalised"]
                step.fit(current, **context)
                weights = step.weights_
                tables["weights"] = pd.DataFrame({"weight": step.weights_,
                                                  "effective": step.effective_.reindex(step.weights_.index)})
                changed, in_d, out_d = 0, digest(current), digest(tables["weights"])
            else:
                in_d = digest(current)
                out = step.fit_transform(current, **context)
                tables[_STAGE[address]] = out
                changed = int(getattr(step, f"n_{'imputed' if address == 'impute' else 'treated'}_", 0)) \
                    if address in ("impute", "treat") else int(((out != current) & out.notna()).sum().sum()) \
                    if address == "denominate" else 0
                if address == "impute":
                    tables["imputed_mask"] = step.mask_
                    left = int(out.isna().sum().sum())
                    if left and spec.impute.method != "none":
                        warnings.append(f"{left} cell(s) could not be imputed and stay missing")
                if address == "treat":
                    tables["treated_mask"] = step.mask_
                if address == "denominate" and getattr(step, "zero_denominators_", 0):
                    warnings.append(f"{step.zero_denominators_} cell(s) had a zero or missing denominator")
                if address == "aggregate":
                    tables["aggregated_raw"] = step.raw_
                out_d = digest(out)
                current = out
            log.append(StepRecord(position=position, address=address, method=_method_name(step),
                                  params=_plain_params(step), fitted=step.fitted(), input_digest=in_d,
                                  output_digest=out_d, seed=None, cells_changed=int(changed),
                                  warnings=tuple(warnings), seconds=time.perf_counter() - t0))
        if spec.flags is not None:
            tables["flags"] = _flags(spec, tables, tree)
        return Result(spec=spec, tables=tables, log=log, weights=weights,
                      prepared=prepared, data_sha256=prepared.sha256, versions=library_versions())


def _root(tree: pd.DataFrame) -> str:
    return str(tree.loc[tree["parent"].isna(), "code"].iloc[0])


def _method_name(step: Any) -> str:
    return f"{type(step).__name__}({getattr(step, 'method', '')})" if hasattr(step, "method") else type(step).__name__


def _plain_params(step: Any) -> dict[str, Any]:
    from territoria.assess.base import plain

    params = step.get_params()
    if "values" in params and params["values"] is not None:
        params["values"] = dict(params["values"])
    return plain(params)


def _flags(spec: AssessmentSpec, tables: dict[str, pd.DataFrame], tree: pd.DataFrame) -> pd.DataFrame:
    f = spec.flags
    base = tables["normalised"] if f.stage == "normalised" else tables["raw"]
    leaves = base[[c for c in base.columns]]
    flags = (leaves >= f.threshold) if f.above else (leaves <= f.threshold)
    flags = flags.astype(float).where(leaves.notna())
    kids = tree.dropna(subset=["parent"]).groupby("parent", sort=False)["code"].apply(list).to_dict()
    order = tree.sort_values("level", kind="stable")["code"]
    for code in order:
        if code in kids:
            part = flags[kids[code]]
            flags[code] = part.sum(axis=1, min_count=len(kids[code]))
            flags.loc[part.isna().any(axis=1), code] = np.nan
    return flags
