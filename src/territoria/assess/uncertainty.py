r"""Monte-Carlo uncertainty and Sobol sensitivity analysis of a composite index's ranks.

The choices an analyst could reasonably have made differently are the *uncertain inputs*:

* ``weights`` — every node weight multiplied by :math:`1 + x(2u - 1)`, :math:`u \sim U(0,1)`
  (±``weight_perturbation``), renormalised among siblings by the aggregation;
* ``normalise`` — one normalisation drawn uniformly from a list;
* ``aggregate`` — one method drawn uniformly from a list; the first keeps the tree's own methods,
  any other is applied at every aggregate node;
* ``impute`` — one imputation method drawn uniformly from a list;
* ``exclude`` — no indicator or one indicator left out, each of the :math:`m + 1` cases equally likely.

An input with a single alternative (or a zero perturbation) is fixed, not uncertain. The nominal
index uses the first alternative of each list, the fitted weights and every indicator.

**The runs are the pipeline.** Every (imputation, normalisation) alternative is made by fitting the
pipeline's own steps — denominate, impute, treat, normalise, weight — on the same input and context
as :meth:`Assessment.execute` (:class:`~territoria.assess.mc_steps.StepSource`), once; the runs then
weight and aggregate these tables with the aggregate step's rules and rank with the rank step's
rule, vectorised across runs (:mod:`territoria.assess.mc_model`). The nominal run is computed by the
aggregate and rank steps themselves, so ``result.ranks`` equals the nominal rank for any spec.

Sampling is a Saltelli design (:mod:`territoria.assess.sobol`): *N* base samples, each giving
:math:`D + 2` model runs (:math:`A`, :math:`B` and one :math:`A_B^{(i)}` per uncertain input), so
``n_replications`` runs give :math:`N = \lfloor n / (D + 2) \rfloor`. Every run is a valid draw of the
inputs (the inputs are independent), so the rank intervals use all :math:`N(D + 2)` runs, and the
Sobol indices use the same runs: computed on the rank of every unit and combined as variance-weighted
means over units — the share of the total rank variance due to each input. The design is drawn up
front from ``numpy.random.SeedSequence(seed)``, so neither the chunking nor ``n_jobs`` changes a number.

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005), Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators, *J. R. Statist. Soc. A* 168(2), 307-323.
OECD & JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.8.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rich.progress import Progress
from threadpoolctl import threadpool_limits

from territoria.assess.mc_model import Model
from territoria.assess.mc_plan import QUANTILES, MonteCarloPlan, summarise_ranks
from territoria.assess.mc_rank import rank_rows
from territoria.assess.mc_steps import StepSource, as_normalise_spec, normalise_label
from territoria.assess.result import Result
from territoria.assess.spec import AGGREGATE_METHODS, IMPUTE_METHODS, NORMALISE_METHODS, AssessmentSpec, UncertaintySpec
from territoria.assess.threads import using
from territoria.assess.tree_index import TreeIndex
from territoria.errors import DataError, SpecError, UnknownNameError

__all__ = ["AGGREGATE_METHODS", "IMPUTE_METHODS", "NORMALISE_METHODS", "MonteCarloPlan", "UncertaintyAnalysis",
           "UncertaintyResult", "rank_rows"]

_CHUNK_BYTES = 256 * 2**20


@dataclass
class UncertaintyResult:
    """What :meth:`UncertaintyAnalysis.run` returns.

    Attributes
    ----------
    ranks : DataFrame
        Indexed by unit (or by unit and year for a panel Result, ranks within each year): ``score`` and
        ``rank`` (nominal index, equal to the assessment's),
        ``rank_median``, ``rank_p05``, ``rank_p95`` (over all runs; linear interpolation between order
        statistics).
    sensitivity : DataFrame
        Indexed by uncertain input: ``S1`` (first order), ``ST`` (total), ``alternatives``.
    design : DataFrame
        One row per run: ``base``, ``role`` (``"A"``, ``"B"`` or the input taken from *B*), and the
        alternative used for each input (``weights`` is the run's mean absolute relative weight change).
    weights : DataFrame
        The node weights of every run (runs × node codes, and ``code@parent`` for the further edges of a
        reused node; before renormalisation among siblings).
    n_base, n_runs, seed : int
    rank_samples : ndarray or None
        ``(n_units, n_runs)`` int32 ranks when ``keep_ranks=True`` (0 = no score in that run).
    """

    ranks: pd.DataFrame
    sensitivity: pd.DataFrame
    design: pd.DataFrame
    weights: pd.DataFrame
    n_base: int
    n_runs: int
    seed: int
    rank_samples: np.ndarray | None = field(default=None, repr=False)


class UncertaintyAnalysis:
    r"""Monte-Carlo rank intervals and Sobol indices over the uncertain choices of an index.

    Parameters
    ----------
    n_replications : int, default=1000
        Model runs requested; :math:`N = \lfloor n / (D + 2) \rfloor` base samples are used
        (at least 1), i.e. :math:`N (D + 2)` runs.
    seed : int, default=0
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same numbers.
    weight_perturbation : float, default=0.25
        Half-width *x* of the uniform multiplicative weight noise, :math:`0 \le x < 1`.
    normalise : sequence, default=("minmax",)
        Alternatives, each a method of :data:`NORMALISE_METHODS`, a mapping of the spec's
        ``normalise`` section (e.g. ``{"method": "minmax", "low": 1, "high": 100}``) or a ``NormaliseSpec``.
    aggregate : sequence of str, default=("arithmetic",)
        Alternatives among :data:`AGGREGATE_METHODS`; the first keeps the tree's own node methods
        (nodes without one use it), any other is applied at every node.
    impute : sequence of str, default=("none",)
        Alternatives among :data:`IMPUTE_METHODS` (``none`` skips missing values, weights renormalised).
    exclude_one : bool, default=False
        Make the indicator set uncertain: each run leaves out no indicator or one indicator.
    descending : bool, default=True
        Rank 1 = highest score (used with a table; a Result uses its spec's rank step).
    chunk_size : int, optional
        Runs evaluated together; by default chosen so one chunk's arrays take about 256 MB.
    progress : bool, default=False
        Show a ``rich`` progress bar.
    keep_ranks : bool, default=False
        Keep every run's ranks in the result (``n_units × n_runs`` int32).
    n_jobs : int or None, default=None
        Threads evaluating runs and summarising them: None = 1, -1 = every core.

    Notes
    -----
    :meth:`run` takes either a :class:`~territoria.assess.result.Result` — then the spec's own steps
    (denominate, impute, treat, normalise, weight, aggregate, rank) are refitted per alternative on
    the Result's input (a (unit, year) panel as a whole, each run ranked within each year), and the
    nominal run equals the Result — or a table (units × indicators, one
    row per unit) and a contract tree, with default steps: no denomination or treatment, the tree's
    weights, directions (+1/-1) applied by the normalisation, ``ties="min"``. Geometric and harmonic
    means need positive normalised values: pair them with ``{"method": "minmax", "low": 1, "high": 100}``
    or ``rank``. With a table, a unit with no value is refused; with ``exclude_one`` (and ``none``
    among the imputations) a unit needs two values.

    Examples
    --------
    >>> ua = UncertaintyAnalysis(n_replications=200, seed=1, normalise=("minmax", "zscore"))
    >>> res = ua.run(result)                                            # doctest: +SKIP
    >>> res.ranks[["rank", "rank_median", "rank_p05", "rank_p95"]]     # doctest: +SKIP
    """

    def __init__(self, *, n_replications: int = 1000, seed: int = 0, weight_perturbation: float = 0.25,
                 normalise: Sequence[Any] = ("minmax",), aggregate: Sequence[str] = ("arithmetic",),
                 impute: Sequence[str] = ("none",), exclude_one: bool = False, descending: bool = True,
                 chunk_size: int | None = None, progress: bool = False, keep_ranks: bool = False,
                 n_jobs: int | None = None) -> None:
        self.n_replications = n_replications
        self.seed = seed
        self.weight_perturbation = weight_perturbation
        self.normalise = normalise
        self.aggregate = aggregate
        self.impute = impute
        self.exclude_one = exclude_one
        self.descending = descending
        self.chunk_size = chunk_size
        self.progress = progress
        self.keep_ranks = keep_ranks
        self.n_jobs = n_jobs

    @classmethod
    def from_spec(cls, spec: AssessmentSpec, *, n_replications: int | None = None, seed: int | None = None,
                  progress: bool = False, n_jobs: int | None = None) -> UncertaintyAnalysis:
        """The analysis a spec's ``uncertainty`` section describes (defaults when it has none).

        The spec's own choice of every step comes first in each list of alternatives (the nominal run).
        """
        u = spec.uncertainty or UncertaintySpec()

        def first(nominal: Any, alternatives: list[Any]) -> list[Any]:
            return [nominal, *[a for i, a in enumerate(alternatives) if a != nominal and a not in alternatives[:i]]]

        return cls(n_replications=n_replications or u.n,
                   seed=seed if seed is not None else (u.seed if u.seed is not None else spec.seed),
                   weight_perturbation=u.weights, normalise=first(spec.normalise, list(u.normalise)),
                   aggregate=first(spec.aggregate.method, list(u.aggregate)),
                   impute=first(spec.impute.method, list(u.impute)), exclude_one=u.exclude_one,
                   descending=spec.rank.descending, progress=progress, n_jobs=n_jobs)

    # -- checks ------------------------------------------------------------------------------------
    @property
    def threads(self) -> int:
        """Threads used: ``n_jobs`` (None = 1, -1 = every core)."""
        n = self.n_jobs
        if n is None:
            return 1
        if not isinstance(n, int | np.integer) or n == 0 or n < -1:
            raise SpecError("uncertainty.n_jobs", f"must be a positive integer, -1 (every core) or None, got {n!r}")
        return max(1, os.cpu_count() or 1) if n == -1 else int(n)

    def _check(self) -> tuple[list[Any], list[str], list[str]]:
        where = "uncertainty"
        if not isinstance(self.n_replications, int | np.integer) or self.n_replications < 1:
            raise SpecError(f"{where}.n_replications", f"must be a positive integer, got {self.n_replications!r}")
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise SpecError(f"{where}.seed", f"must be a non-negative integer, got {self.seed!r}")
        x = self.weight_perturbation
        if not isinstance(x, int | float) or not 0 <= x < 1:
            raise SpecError(f"{where}.weight_perturbation", f"must be a number in [0, 1), got {x!r}")
        if self.chunk_size is not None and (not isinstance(self.chunk_size, int) or self.chunk_size < 1):
            raise SpecError(f"{where}.chunk_size", f"must be a positive integer or None, got {self.chunk_size!r}")
        _ = self.threads
        lists = {}
        for name, allowed in (("aggregate", AGGREGATE_METHODS), ("impute", IMPUTE_METHODS)):
            seq = [getattr(self, name)] if isinstance(getattr(self, name), str) else list(getattr(self, name))
            if not seq:
                raise SpecError(f"{where}.{name}", "needs at least one alternative")
            for i, m in enumerate(seq):
                if m not in allowed:
                    raise SpecError(f"{where}.{name}[{i}]", f"must be one of {allowed}, got {m!r}")
            lists[name] = seq
        raw = [self.normalise] if isinstance(self.normalise, str | Mapping) else list(self.normalise)
        if not raw:
            raise SpecError(f"{where}.normalise", "needs at least one alternative")
        norms = [as_normalise_spec(item, f"{where}.normalise[{i}]") for i, item in enumerate(raw)]
        return norms, lists["aggregate"], lists["impute"]

    def _inputs(self, n_codes: int, norms: list, aggs: list, imps: list) -> list[tuple[str, int]]:
        """(name, number of design columns) of every uncertain input, in a fixed order."""
        out = []
        if self.weight_perturbation > 0:
            out.append(("weights", n_codes - 1))
        for name, seq in (("normalise", norms), ("aggregate", aggs), ("impute", imps)):
            if len(seq) > 1:
                out.append((name, 1))
        if self.exclude_one:
            out.append(("exclude", 1))
        return out

    def _source(self, data: Any, tree: pd.DataFrame | None, directions: Any, aggs: list[str]) -> StepSource:
        if isinstance(data, Result):
            if tree is not None or directions is not None:
                raise SpecError("uncertainty", "with a Result, the tree and directions are the spec's; "
                                               "give neither")
            return StepSource.from_result(data)
        if tree is None:
            raise SpecError("uncertainty", "a table needs its contract tree (code, parent, weight, level)")
        leaves = list(TreeIndex.from_frame(tree, columns=data.columns).leaves)
        d = None
        if directions is not None:
            d = pd.Series(directions, dtype=float)
            lacking = [c for c in leaves if c not in d.index]
            if lacking:
                raise UnknownNameError("indicator direction", lacking[0], [])
            bad = d[leaves][~d[leaves].isin([1.0, -1.0])]
            if len(bad):
                raise DataError(f"direction of {bad.index[0]!r} must be +1 or -1, got {bad.iloc[0]!r}")
        for c in leaves:
            if not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c])):
                raise DataError(f"indicator column {c!r} is not numeric (dtype {data[c].dtype})")
        table = data[leaves].astype(float)
        return StepSource.from_table(table, tree, leaves=leaves, directions=d, aggregate=aggs[0],
                                     descending=self.descending)

    # -- run ---------------------------------------------------------------------------------------
    def plan(self, data: Any, tree: pd.DataFrame | None = None, *,
             directions: pd.Series | Mapping[str, float] | None = None) -> MonteCarloPlan:
        """Check the inputs, fit the steps of every alternative and draw the whole design (no run yet).

        ``data`` is a :class:`Result` (its spec's steps, input and rank rule) or a table with its
        ``tree`` (``directions``, +1 / -1 per indicator, applied by the normalisation when given).
        """
        # the steps' kernels and the model's tables on the threads of n_jobs (the same bits on any count)
        with using(self.threads):
            return self._plan(data, tree, directions)

    def _plan(self, data: Any, tree: pd.DataFrame | None,
              directions: pd.Series | Mapping[str, float] | None) -> MonteCarloPlan:
        norms, aggs, imps = self._check()
        source = self._source(data, tree, directions, aggs)
        descending, ties, decimals = source.rank_rule
        if ties == "average":
            raise SpecError("rank.ties", "the Monte-Carlo keeps integer ranks; 'average' ties give half ranks; "
                                         "use min, max or dense")
        present = source.table.notna().sum(axis=1).to_numpy()
        need = 2 if self.exclude_one and "none" in imps else 1
        short = np.flatnonzero(present < need)
        if len(short):
            units = [str(u) for u in source.table.index[short[:5]]]
            raise DataError(f"{len(short)} unit(s) have fewer than {need} indicator value(s) "
                            f"({'needed when one indicator may be excluded' if need == 2 else 'every value missing'})"
                            f", e.g. {units}; drop them or impute first")
        fitted = {(i, j): source.fit(imp, ns) for i, imp in enumerate(imps) for j, ns in enumerate(norms)}
        nominal = fitted[(0, 0)]
        compiled = source.aggregate_step(nominal.normalised, nominal.weights).tree_
        tables = {key: (f.normalised[compiled.leaves].to_numpy(dtype=float),
                        f.weights.reindex(compiled.slots).to_numpy(dtype=float)) for key, f in fitted.items()}
        model = Model(tree=compiled, tables=tables, norms=[normalise_label(n) for n in norms], aggs=aggs,
                      imps=imps, options=source.options, missing=source.missing,
                      rank_rule=(descending, ties, decimals), periods=source.periods)
        score, rank = source.nominal(nominal)
        if isinstance(data, Result) and not (
                np.array_equal(rank, data.ranks.to_numpy(dtype=float), equal_nan=True)
                and np.array_equal(score, data.scores.to_numpy(dtype=float), equal_nan=True)):
            # the steps refitted here must be the Result's; intervals of another model would be misleading
            raise DataError("uncertainty: the nominal Monte-Carlo run does not reproduce the Result's scores and "
                            "ranks (was the Result edited or built by other steps?); no interval is returned")
        inputs = self._inputs(len(compiled.slots), norms, aggs, imps)
        index = source.table.index
        index = index.copy() if isinstance(index, pd.MultiIndex) else pd.Index(index, name="unit")
        return self._design(model, inputs, index, descending, score, rank)

    def _design(self, model: Model, inputs: list[tuple[str, int]], index: pd.Index, descending: bool,
                score: np.ndarray, rank: np.ndarray) -> MonteCarloPlan:
        d = len(inputs)
        per_base = d + 2
        n_base = max(1, self.n_replications // per_base)
        groups, start = [], 0
        for _, width in inputs:
            groups.append(np.arange(start, start + width))
            start += width
        rng = np.random.default_rng(np.random.SeedSequence(self.seed))
        a, b = rng.random((n_base, start)), rng.random((n_base, start))
        design = np.repeat(a[:, None, :], per_base, axis=1)           # (N, D+2, k): A, B, AB_1..AB_D
        design[:, 1] = b
        for i, cols in enumerate(groups):
            design[:, 2 + i, cols] = b[:, cols]
        runs = model.decode(design.reshape(n_base * per_base, start), inputs, self.weight_perturbation)
        if self.chunk_size is None:
            width = len(model.tree.codes) * (4 if model.general else 0)
            per_run = model.n_units * 8 * (len(model.tree.nodes) + 8 + width)
            chunk = max(1, _CHUNK_BYTES // max(per_run, 1))
        else:
            chunk = self.chunk_size
        model.prepare()
        return MonteCarloPlan(model=model, runs=runs, inputs=inputs, index=index, n_base=n_base,
                              per_base=per_base, chunk=chunk, descending=descending, seed=int(self.seed),
                              nominal_score=score, nominal_rank=rank)

    def run(self, data: Any, tree: pd.DataFrame | None = None, *,
            directions: pd.Series | Mapping[str, float] | None = None) -> UncertaintyResult:
        """Run the analysis on a :class:`Result`, or on a table with its contract ``tree``.

        Equivalent to ``summarise(plan, store)`` with ``plan = self.plan(...)`` and every run's ranks
        (``plan.evaluate``) in ``store``; the runs are shared between ``n_jobs`` threads.
        """
        plan = self.plan(data, tree, directions=directions)
        store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)
        pieces = plan.pieces()
        bar = _progress(self.progress, plan.n_runs)

        def work(sel: np.ndarray) -> None:
            plan.evaluate(sel, out=store)
            if bar is not None:
                bar[0].update(bar[1], advance=len(sel))

        try:
            if self.threads == 1:
                for sel in pieces:
                    work(sel)
            else:
                # Our threads already fill the cores; a multi-threaded BLAS inside each would only spin.
                with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(max_workers=self.threads) as pool:
                    list(pool.map(work, pieces))
        finally:
            if bar is not None:
                bar[0].stop()
        return self.summarise(plan, store)

    def summarise(self, plan: MonteCarloPlan, store: np.ndarray) -> UncertaintyResult:
        """Rank intervals and Sobol indices from the ranks of every run (``store``, runs × units, int32)."""
        model, inputs, per_base, n_base = plan.model, plan.inputs, plan.per_base, plan.n_base
        if store.shape != (plan.n_runs, plan.n_units):
            raise ValueError(f"rank store must be shaped {(plan.n_runs, plan.n_units)}, got {store.shape}")
        quantiles, acc = summarise_ranks(plan, store, n_jobs=self.threads)
        table = pd.DataFrame({"score": plan.nominal_score, "rank": plan.nominal_rank}, index=plan.index)
        table = table.join(pd.DataFrame(quantiles, index=plan.index, columns=list(QUANTILES))[
            ["rank_median", "rank_p05", "rank_p95"]])
        s1, st = acc.indices(aggregate=True) if acc is not None else (np.array([]), np.array([]))
        alternatives = model.alternatives()
        sens = pd.DataFrame({"S1": s1, "ST": st, "alternatives": [alternatives[n] for n, _ in inputs]},
                            index=pd.Index([n for n, _ in inputs], name="input"))
        roles = ["A", "B", *[n for n, _ in inputs]]
        frame = plan.runs.frame(model)
        frame.insert(0, "role", np.tile(roles, n_base))
        frame.insert(0, "base", np.repeat(np.arange(n_base), per_base))
        weights = pd.DataFrame(model.weights(plan.runs), columns=model.codes).drop(columns=model.tree.root)
        return UncertaintyResult(ranks=table, sensitivity=sens, design=frame, weights=weights,
                                 n_base=n_base, n_runs=plan.n_runs, seed=plan.seed,
                                 rank_samples=store.T if self.keep_ranks else None)


def _progress(show: bool, total: int) -> tuple[Any, Any] | None:
    if not show:
        return None

    bar = Progress(transient=True)
    task = bar.add_task("uncertainty: model runs", total=total)
    bar.start()
    return bar, task
