"""The Monte-Carlo plan (the design drawn up front) and the summary of the runs' ranks.

A :class:`MonteCarloPlan` is what any engine needs to evaluate runs — the model with its normalised
tables, the decoded runs, the nominal run's score and rank — and :func:`summarise_ranks` turns the
ranks of every run into rank quantiles and Sobol sums, the units split between ``n_jobs`` threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.assess.mc_model import Model, Runs
from territoria.assess.mc_rank import column_quantiles
from territoria.assess.sobol import SobolAccumulator

__all__ = ["QUANTILES", "MonteCarloPlan", "summarise_ranks"]

QUANTILES = {"rank_p05": 0.05, "rank_median": 0.5, "rank_p95": 0.95}
_UNIT_BLOCK = 1024


@dataclass
class MonteCarloPlan:
    """The whole Monte-Carlo design, drawn up front: what any engine needs to evaluate runs.

    The design comes from one ``SeedSequence`` before any run is evaluated, and every run's ranks
    depend only on that run's choices, so runs may be evaluated in any grouping, order, thread or
    process (e.g. on Dask workers) without changing a number.

    Attributes
    ----------
    model : Model
        The index as a function of the choices (normalised tables per alternative, tree, rules).
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
    nominal_score, nominal_rank : ndarray
        Score and rank of the nominal choices, computed by the pipeline's aggregate and rank steps
        (equal to the assessment's ``Result.scores`` / ``Result.ranks``; NaN where a unit has none).
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
    nominal_score: np.ndarray
    nominal_rank: np.ndarray

    @property
    def n_runs(self) -> int:
        return self.n_base * self.per_base

    @property
    def n_units(self) -> int:
        return self.model.n_units

    def pieces(self) -> list[np.ndarray]:
        """Run numbers grouped by (imputation, normalisation, aggregation), at most ``chunk`` per piece.

        Runs of one piece share their normalised table, so their scores are computed together.
        """
        runs = self.runs
        key = runs.imp * 10_000 + runs.norm * 100 + runs.agg
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        return [p[i:i + self.chunk] for p in np.split(order, bounds) for i in range(0, len(p), self.chunk)]

    def evaluate(self, sel: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """Ranks of the runs ``sel`` (int32, ``len(sel) × n_units``, 0 = no score), or written to rows
        ``sel`` of ``out``."""
        sel = np.asarray(sel)
        if out is None:
            return self.model.ranks(self.runs.take(sel))
        return self.model.ranks(self.runs.take(sel), out=out, rows=sel)


def _missing_ranks(column: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of one unit's ranks over the runs where it has one (0 = none); NaN when it never has."""
    present = column[column > 0].astype(float)
    return np.quantile(present, qs) if present.size else np.full(len(qs), np.nan)


def summarise_ranks(plan: MonteCarloPlan, store: np.ndarray, *,
                    n_jobs: int) -> tuple[np.ndarray, SobolAccumulator | None]:
    """Rank quantiles (``n_units × 3``, order of :data:`QUANTILES`) and the Sobol sums of ``store``.

    Units are split between ``n_jobs`` threads; the Sobol sums are exact integers, so the split changes
    no number. A unit without a rank in some run (rank 0) gets its quantiles over the runs where it
    has one and is left out of the Sobol sums (as a unit whose rank never varies).
    """
    d, n_units = len(plan.inputs), plan.n_units
    n_base, per_base = plan.n_base, plan.per_base
    qs = list(QUANTILES.values())
    gaps = np.flatnonzero((store == 0).any(axis=0)) if plan.model.general else np.array([], dtype=int)
    parts_idx = [h for h in np.array_split(np.arange(n_units), max(1, n_jobs)) if len(h)]

    def part(units: np.ndarray) -> tuple[SobolAccumulator, np.ndarray]:
        # Narrow blocks of units with every run: the block's arrays stay in cache for all the sums.
        accs, quantiles = [], []
        for u0 in range(int(units[0]), int(units[-1]) + 1, _UNIT_BLOCK):
            cols = slice(u0, min(u0 + _UNIT_BLOCK, int(units[-1]) + 1))
            width = cols.stop - cols.start
            block = store[:, cols]
            holes = gaps[(gaps >= cols.start) & (gaps < cols.stop)] - cols.start
            if len(holes):
                block = block.copy()
                block[:, holes] = 1                                  # constant: no variance, no index
            acc = SobolAccumulator(d, (width,), exact=True)
            if d:
                by_base = block.reshape(n_base, per_base, width)
                acc.add(by_base[:, 0], by_base[:, 1], by_base[:, 2:].transpose(1, 0, 2))
            accs.append(acc)
            q = column_quantiles(block, qs, block=_UNIT_BLOCK)
            for h in holes:
                q[h] = _missing_ranks(store[:, cols.start + h], qs)
            quantiles.append(q)
        return SobolAccumulator.concatenate(accs), np.concatenate(quantiles, axis=0)

    if len(parts_idx) > 1:
        with ThreadPoolExecutor(max_workers=len(parts_idx)) as pool:
            parts = list(pool.map(part, parts_idx))
    else:
        parts = [part(h) for h in parts_idx]
    acc = SobolAccumulator.concatenate([p[0] for p in parts]) if d else None
    return np.concatenate([p[1] for p in parts], axis=0), acc
