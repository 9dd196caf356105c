r"""Monte-Carlo uncertainty and Sobol sensitivity analysis of a composite index's ranks.

The choices an analyst could reasonably have made differently are the *uncertain inputs*:

* ``weights`` — every node weight of the tree multiplied by :math:`1 + x(2u - 1)`, :math:`u \sim U(0,1)`
  (±``weight_perturbation``), renormalised among siblings by the aggregation;
* ``normalise`` — one method drawn uniformly from a list;
* ``aggregate`` — one method drawn uniformly from a list, applied at every aggregate node;
* ``impute`` — one method drawn uniformly from a list;
* ``exclude`` — no indicator or one indicator left out, each of the :math:`m + 1` cases equally likely.

An input with a single alternative (or a zero perturbation) is fixed, not uncertain. The nominal
index uses the first alternative of each list, the tree's weights and every indicator.

Sampling is a Saltelli design (:mod:`territoria.assess.sobol`): *N* base samples, each giving
:math:`D + 2` model runs (:math:`A`, :math:`B` and one :math:`A_B^{(i)}` per uncertain input), so
``n_replications`` runs give :math:`N = \lfloor n / (D + 2) \rfloor`. Every run is a valid draw of the
inputs (the inputs are independent), so the rank intervals use all :math:`N(D + 2)` runs, and the
Sobol indices use the same runs. The sensitivity indices are computed on the rank of every unit and
combined as variance-weighted means over units — the share of the total rank variance due to each
input (generalised Sobol indices; see :mod:`territoria.assess.sobol`).

Everything is vectorised across runs: normalised tables are computed once per (imputation,
normalisation) pair, block scores for a whole chunk of runs are one matrix product, higher levels
are weighted sums over the replication axis, and ranks are one sort per run. Runs are evaluated in
chunks of whole base samples so memory stays bounded. The design is drawn up front from
``numpy.random.SeedSequence(seed)`` (a few kilobytes), so the chunking never changes a number.

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005), Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators, *J. R. Statist. Soc. A* 168(2), 307-323.
OECD & JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from territoria.assess.audit import TreeIndex, _numeric
from territoria.assess.mc_model import AGGREGATORS, IMPUTERS, NORMALISERS, Model, Norm, Runs, as_norm
from territoria.assess.mc_rank import column_quantiles, rank_rows
from territoria.assess.sobol import SobolAccumulator
from territoria.errors import DataError, SpecError, UnknownNameError

__all__ = ["AGGREGATORS", "IMPUTERS", "NORMALISERS", "MonteCarloPlan", "UncertaintyAnalysis", "UncertaintyResult",
           "rank_rows"]

_QUANTILES = {"rank_p05": 0.05, "rank_median": 0.5, "rank_p95": 0.95}
_CHUNK_BYTES = 256 * 2**20
_THREADS = 2
_UNIT_BLOCK = 1024

@dataclass
class UncertaintyResult:
    """What :meth:`UncertaintyAnalysis.run` returns.

    Attributes
    ----------
    ranks : DataFrame
        Indexed by unit: ``score`` and ``rank`` (nominal index), ``rank_median``, ``rank_p05``,
        ``rank_p95`` (over all runs; linear interpolation between order statistics).
    sensitivity : DataFrame
        Indexed by uncertain input: ``S1`` (first order), ``ST`` (total), ``alternatives``.
    design : DataFrame
        One row per run: ``base``, ``role`` (``"A"``, ``"B"`` or the input taken from *B*), and the
        alternative used for each input (``weights`` is the run's mean absolute weight change).
    weights : DataFrame
        The node weights of every run (runs × node codes, before renormalisation among siblings).
    n_base, n_runs, seed : int
    rank_samples : ndarray or None
        ``(n_units, n_runs)`` int32 ranks when ``keep_ranks=True``.
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
        Alternatives among :data:`NORMALISERS`, each a name or a mapping/object with ``method``,
        ``low``, ``high``, ``decimals`` (e.g. ``{"method": "minmax", "low": 1, "high": 100}``).
    aggregate : sequence of str, default=("arithmetic",)
        Alternatives among :data:`AGGREGATORS`, applied at every aggregate node.
    impute : sequence of str, default=("none",)
        Alternatives among :data:`IMPUTERS`: ``none`` skips missing values (weights renormalised),
        ``mean``/``median`` fill each indicator with its mean/median over the units.
    exclude_one : bool, default=False
        Make the indicator set uncertain: each run leaves out no indicator or one indicator.
    descending : bool, default=True
        Rank 1 = highest score.
    chunk_size : int, optional
        Runs evaluated together (rounded down to whole base samples); by default chosen so one
        chunk's arrays take about 256 MB.
    progress : bool, default=False
        Show a ``rich`` progress bar.
    keep_ranks : bool, default=False
        Keep every run's ranks in the result (``n_units × n_runs`` int32).

    Notes
    -----
    ``data`` is the table just before imputation (denominated, treated), one row per unit. The
    directions are applied first (``x * direction``) so that a higher value gives a higher score.
    Geometric and harmonic means need positive normalised values: pair them with
    ``{"method": "minmax", "low": 1, "high": 100}`` or ``rank``. A unit with no value is refused;
    with ``exclude_one`` a unit needs two values (leaving out its only one would leave it unscored).

    Examples
    --------
    >>> ua = UncertaintyAnalysis(n_replications=200, seed=1, normalise=("minmax", "zscore"))
    >>> res = ua.run(table, tree)                                       # doctest: +SKIP
    >>> res.ranks[["rank", "rank_median", "rank_p05", "rank_p95"]]     # doctest: +SKIP
    """

    def __init__(self, *, n_replications: int = 1000, seed: int = 0, weight_perturbation: float = 0.25,
                 normalise: Sequence[Any] = ("minmax",), aggregate: Sequence[str] = ("arithmetic",),
                 impute: Sequence[str] = ("none",), exclude_one: bool = False, descending: bool = True,
                 chunk_size: int | None = None, progress: bool = False, keep_ranks: bool = False) -> None:
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

    # -- checks ------------------------------------------------------------------------------------
    def _check(self) -> tuple[list[Norm], list[str], list[str]]:
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
        lists = {}
        for name, allowed in (("aggregate", AGGREGATORS), ("impute", IMPUTERS)):
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
        norms = [as_norm(item, f"{where}.normalise[{i}]") for i, item in enumerate(raw)]
        return norms, lists["aggregate"], lists["impute"]

    def _inputs(self, tree: TreeIndex, norms: list, aggs: list, imps: list) -> list[tuple[str, int]]:
        """(name, number of design columns) of every uncertain input, in a fixed order."""
        out = []
        if self.weight_perturbation > 0:
            out.append(("weights", len(tree.parent) - 1))
        for name, seq in (("normalise", norms), ("aggregate", aggs), ("impute", imps)):
            if len(seq) > 1:
                out.append((name, 1))
        if self.exclude_one:
            out.append(("exclude", 1))
        return out

    # -- run ---------------------------------------------------------------------------------------
    def plan(self, data: pd.DataFrame, tree: pd.DataFrame, *,
             directions: pd.Series | Mapping[str, float] | None = None) -> MonteCarloPlan:
        """Check the inputs and draw the whole design up front (no run is evaluated yet).

        ``directions`` (+1 / -1 per indicator) are applied first when given; otherwise the data are
        taken as already directed.
        """
        norms, aggs, imps = self._check()
        t = TreeIndex.from_frame(tree, columns=data.columns)
        leaves = list(t.leaves)
        x = _numeric(data, leaves).to_numpy()
        if directions is not None:
            d = pd.Series(directions, dtype=float)
            lacking = [c for c in leaves if c not in d.index]
            if lacking:
                raise UnknownNameError("indicator direction", lacking[0], [])
            bad = d[leaves][~d[leaves].isin([1.0, -1.0])]
            if len(bad):
                raise DataError(f"direction of {bad.index[0]!r} must be +1 or -1, got {bad.iloc[0]!r}")
            x = x * d[leaves].to_numpy()
        present = (~np.isnan(x)).sum(axis=1)
        need = 2 if self.exclude_one and "none" in imps else 1
        short = np.flatnonzero(present < need)
        if len(short):
            units = [str(u) for u in data.index[short[:5]]]
            raise DataError(f"{len(short)} unit(s) have fewer than {need} indicator value(s) "
                            f"({'needed when one indicator may be excluded' if need == 2 else 'every value missing'})"
                            f", e.g. {units}; drop them or impute first")
        model = Model(t, x, norms, aggs, imps)
        inputs = self._inputs(t, norms, aggs, imps)
        return self._design(model, inputs, pd.Index(data.index, name="unit"))

    def _design(self, model: Model, inputs: list[tuple[str, int]], index: pd.Index) -> MonteCarloPlan:
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
            per_run = model.x.shape[0] * 8 * (len(model.tree.aggregates) + 8)
            chunk = max(1, _CHUNK_BYTES // max(per_run, 1))
        else:
            chunk = self.chunk_size
        model.prepare()
        return MonteCarloPlan(model=model, runs=runs, inputs=inputs, index=index, n_base=n_base,
                              per_base=per_base, chunk=chunk, descending=self.descending, seed=int(self.seed))

    def run(self, data: pd.DataFrame, tree: pd.DataFrame, *,
            directions: pd.Series | Mapping[str, float] | None = None) -> UncertaintyResult:
        """Run the analysis on ``data`` (units × indicators) with the contract ``tree``.

        ``directions`` (+1 / -1 per indicator) are applied first when given; otherwise the data are
        taken as already directed. Equivalent to ``summarise(plan, plan.evaluate_all())`` with
        ``plan = self.plan(...)``; the runs are shared between two threads.
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
            # Our threads already fill the cores; a multi-threaded BLAS inside each would only spin.
            with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(max_workers=_THREADS) as pool:
                list(pool.map(work, pieces))
        finally:
            if bar is not None:
                bar[0].stop()
        return self.summarise(plan, store)

    def summarise(self, plan: MonteCarloPlan, store: np.ndarray) -> UncertaintyResult:
        """Rank intervals and Sobol indices from the ranks of every run (``store``, runs × units, int32).

        Units are split between two threads; the Sobol sums are exact integers, so the split changes
        no number.
        """
        model, inputs, per_base, n_base = plan.model, plan.inputs, plan.per_base, plan.n_base
        d, n_units = len(inputs), plan.n_units
        if store.shape != (plan.n_runs, n_units):
            raise ValueError(f"rank store must be shaped {(plan.n_runs, n_units)}, got {store.shape}")
        qs = list(_QUANTILES.values())
        halves = [h for h in np.array_split(np.arange(n_units), _THREADS) if len(h)]

        def part(units: np.ndarray) -> tuple[SobolAccumulator, np.ndarray]:
            # Narrow blocks of units with every run: the block's arrays stay in cache for all the sums.
            accs, quantiles = [], []
            for u0 in range(int(units[0]), int(units[-1]) + 1, _UNIT_BLOCK):
                cols = slice(u0, min(u0 + _UNIT_BLOCK, int(units[-1]) + 1))
                width = cols.stop - cols.start
                acc = SobolAccumulator(d, (width,), exact=True)
                if d:
                    by_base = store[:, cols].reshape(n_base, per_base, width)
                    acc.add(by_base[:, 0], by_base[:, 1], by_base[:, 2:].transpose(1, 0, 2))
                accs.append(acc)
                quantiles.append(column_quantiles(store[:, cols], qs, block=_UNIT_BLOCK))
            return SobolAccumulator.concatenate(accs), np.concatenate(quantiles, axis=0)

        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            parts = list(pool.map(part, halves))
        acc = SobolAccumulator.concatenate([p[0] for p in parts])
        quantiles = np.concatenate([p[1] for p in parts], axis=0)

        nominal_score = model.scores(plan.runs.nominal())[0]
        nominal_rank = rank_rows(nominal_score[None, :], descending=plan.descending)[0]
        table = pd.DataFrame({"score": nominal_score, "rank": nominal_rank}, index=plan.index)
        table = table.join(pd.DataFrame(quantiles, index=plan.index, columns=list(_QUANTILES))[
            ["rank_median", "rank_p05", "rank_p95"]])
        s1, st = acc.indices(aggregate=True) if d else (np.array([]), np.array([]))
        alternatives = model.alternatives()
        sens = pd.DataFrame({"S1": s1, "ST": st, "alternatives": [alternatives[n] for n, _ in inputs]},
                            index=pd.Index([n for n, _ in inputs], name="input"))
        roles = ["A", "B", *[n for n, _ in inputs]]
        frame = plan.runs.frame(model)
        frame.insert(0, "role", np.tile(roles, n_base))
        frame.insert(0, "base", np.repeat(np.arange(n_base), per_base))
        weights = pd.DataFrame(plan.runs.weights, columns=model.nodes).drop(columns=model.tree.root)
        return UncertaintyResult(ranks=table, sensitivity=sens, design=frame, weights=weights,
                                 n_base=n_base, n_runs=plan.n_runs, seed=plan.seed,
                                 rank_samples=store.T if self.keep_ranks else None)


@dataclass
class MonteCarloPlan:
    """The whole Monte-Carlo design, drawn up front: what any engine needs to evaluate runs.

    The design comes from one ``SeedSequence`` before any run is evaluated, and every run's ranks
    depend only on that run's choices, so runs may be evaluated in any grouping, order, thread or
    process (e.g. on Dask workers) without changing a number.

    Attributes
    ----------
    model : Model
        The index as a function of the choices (data, tree, alternatives).
    runs : Runs
        The decoded choices of every run, in design order (base sample by base sample).
    inputs : list of (name, width)
        The uncertain inputs, in design order.
    index : Index
        The units.
    n_base, per_base, chunk : int
        Base samples, runs per base sample (*D* + 2), runs evaluated together.
    descending : bool
    seed : int
    """

    model: Model
    runs: Runs
    inputs: list[tuple[str, int]]
    index: pd.Index
    n_base: int
    per_base: int
    chunk: int
    descending: bool
    seed: int

    @property
    def n_runs(self) -> int:
        return self.n_base * self.per_base

    @property
    def n_units(self) -> int:
        return int(self.model.x.shape[0])

    def pieces(self) -> list[np.ndarray]:
        """Run numbers grouped by (imputation, normalisation, aggregation), at most ``chunk`` per piece.

        Runs of one piece share their normalised table, so their scores are one matrix product.
        """
        runs = self.runs
        key = runs.imp * 10_000 + runs.norm * 100 + runs.agg
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        return [p[i:i + self.chunk] for p in np.split(order, bounds) for i in range(0, len(p), self.chunk)]

    def evaluate(self, sel: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """Ranks of the runs ``sel`` (int32, ``len(sel) × n_units``), or written to rows ``sel`` of ``out``."""
        scores = self.model.scores(self.runs.take(sel), monotone=True)
        if out is None:
            return rank_rows(scores, descending=self.descending)
        return rank_rows(scores, descending=self.descending, out=out, rows=sel)


def _progress(show: bool, total: int) -> tuple[Any, Any] | None:
    if not show:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("uncertainty: model runs", total=total)
    bar.start()
    return bar, task
