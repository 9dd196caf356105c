r"""The Monte-Carlo model of :mod:`territoria.assess.uncertainty`: from decoded choices to ranks.

A run is a choice of imputation, normalisation, aggregation, the indicator left out (or none) and a
multiplicative factor per node weight. The normalised table of every (imputation, normalisation)
pair is made by the pipeline's own steps (:class:`~territoria.assess.mc_steps.StepSource`), once;
a run then weights and aggregates it, many runs at once:

* **general path** — :func:`territoria.assess.aggregate.aggregate_array`, the aggregate step's own
  function (per-node methods, ``missing`` rule, ``round``, ``post``, ``parent_uses``), given the runs'
  weights on a leading replication axis; ranks by the rank step's rule (scores rounded to
  ``decimals``, then :func:`territoria.assess.kernels.rank_scores` with its ``ties``);
* **fast path** — when the whole tree is one weighted mean (:mod:`territoria.assess.mc_fast`), one
  matrix product per group of runs, ranked with :func:`~territoria.assess.mc_rank.rank_rows`.

An indicator left out gets weight 0 and a neutral value (so ``missing="propagate"`` does not see its
gaps): its parent renormalises over the other children, as if the indicator had been dropped.
A unit without a score in a run (``missing="propagate"``) gets rank 0 there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess import kernels
from territoria.assess.aggregate import aggregate_array
from territoria.assess.mc_fast import FAST_METHODS, FastTree, to_space
from territoria.assess.mc_rank import rank_rows
from territoria.assess.threads import each
from territoria.assess.tree import CompiledTree
from territoria.errors import SpecError

__all__ = ["Model", "Runs"]

_GENERAL_BYTES = 64 * 2**20          # working arrays of one slice of runs on the general path


@dataclass
class Runs:
    """Decoded choices of a set of runs (indices into the model's lists of alternatives).

    ``factor`` multiplies the fitted edge weights, in ``Model.codes`` order (1 = unchanged).
    """

    norm: np.ndarray        # (R,)
    agg: np.ndarray         # (R,)
    imp: np.ndarray         # (R,)
    excl: np.ndarray        # (R,) -1 = none, else leaf position
    factor: np.ndarray      # (R, n_codes)

    def take(self, sel: np.ndarray) -> Runs:
        return Runs(self.norm[sel], self.agg[sel], self.imp[sel], self.excl[sel], self.factor[sel])

    @classmethod
    def nominal(cls, n_codes: int, count: int = 1) -> Runs:
        """``count`` runs of the nominal choices (first alternatives, fitted weights, every indicator)."""
        zero = np.zeros(count, dtype=int)
        return cls(zero, zero, zero, zero - 1, np.ones((count, n_codes)))

    def frame(self, model: Model) -> pd.DataFrame:
        excl = np.array(["none", *model.leaves], dtype=object)[self.excl + 1]
        return pd.DataFrame({"normalise": [model.norms[i] for i in self.norm],
                             "aggregate": [model.aggs[i] for i in self.agg],
                             "impute": [model.imps[i] for i in self.imp], "exclude": excl,
                             "weights": np.abs(self.factor - 1.0).mean(axis=1)})


class Model:
    """The index as a function of the decoded choices, vectorised over runs.

    Parameters
    ----------
    tree : CompiledTree
        The aggregate step's fitted tree (leaves in the normalised table's order, per-node methods).
    tables : dict
        ``(imputation, normalisation) -> (normalised leaves (n_units, m), fitted edge weights (n_slots,))``,
        weights in ``tree.slots`` order (every code, then the reuse edges of a DAG).
    norms, aggs, imps : list of str
        Labels of the alternatives; ``aggs[0]`` keeps the tree's own methods, ``aggs[k]`` (k > 0) applies
        one method at every node.
    options : mapping
        Per-node options (``round``, ``post``, ``parent_uses``).
    missing : {"skip", "propagate"}
    rank_rule : (descending, ties, decimals)
    periods : list of ndarray, optional
        Unit positions of each year of a (unit, year) panel: a run ranks within each year, as the rank
        step does (None: one ranking of every unit).
    """

    def __init__(self, *, tree: CompiledTree, tables: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]],
                 norms: list[str], aggs: list[str], imps: list[str], options: Mapping[str, Any],
                 missing: str, rank_rule: tuple[bool, str, int | None],
                 periods: list[np.ndarray] | None = None) -> None:
        self.tree, self.tables, self.norms, self.aggs, self.imps = tree, tables, norms, aggs, imps
        self.periods = periods
        self.options, self.missing = dict(options), missing
        self.descending, self.ties, self.decimals = rank_rule
        self.codes = list(tree.slots)                  # the weight of every edge: codes, then reuse edges
        self.leaves = list(tree.leaves)
        self._root_slot = len(tree.codes) - 1          # the primary root's weight is not a weight of anything
        # every edge of each leaf: an excluded indicator gets weight 0 under each of its parents
        self._leaf_edges = np.zeros((len(self.leaves), len(self.codes)), dtype=bool)
        for slots, kids in zip(tree.edges, tree.children, strict=True):
            for slot, kid in zip(slots, kids, strict=True):
                if kid < len(self.leaves):
                    self._leaf_edges[kid, slot] = True
        self.fast_tree = FastTree.from_compiled(tree)
        self.methods = [list(tree.methods), *[[a] * len(tree.nodes) for a in aggs[1:]]]
        # the fast path walks a tree with one root; a DAG (a reused node) takes the general path
        plain = missing == "skip" and "formula" not in tree.methods and len(tree.roots) == 1 and not tree.reused \
            and not any(
            getattr(self.options.get(n), "round", None) is not None
            or getattr(self.options.get(n), "post", None) is not None
            or getattr(self.options.get(n), "coverage", None) is not None
            or getattr(self.options.get(n), "zeros", None) not in (None, "refuse") for n in tree.nodes)
        self.fast = [ms[0] if plain and len(set(ms)) == 1 and ms[0] in FAST_METHODS else None
                     for ms in self.methods]
        self._space: dict[tuple[int, int, str], np.ndarray] = {}
        self._present: dict[tuple[int, int], np.ndarray | None] = {}
        self._check_positive()

    @property
    def n_units(self) -> int:
        return int(next(iter(self.tables.values()))[0].shape[0])

    @property
    def general(self) -> bool:
        """True when some run takes the general path (scores may be missing there)."""
        return any(f is None for f in self.fast)

    def _check_positive(self) -> None:
        """Refuse values a geometric or harmonic node cannot take: below 0, or 0 where the node's own rule for
        zeros is ``refuse`` (the aggregate step's rule, node by node)."""
        m = len(self.leaves)
        for (_, j), (z, _) in self.tables.items():
            for k, methods in enumerate(self.methods):
                for i, meth in enumerate(methods):
                    kids = sorted(int(c) for c in self.tree.children[i] if c < m)
                    if meth not in ("geometric", "harmonic") or self.tree.methods[i] == "formula" or not kids:
                        continue
                    low = np.nanmin(z[:, kids])
                    refuse = getattr(self.options.get(self.tree.nodes[i]), "zeros", None) in (None, "refuse")
                    if low < 0 or (low == 0 and refuse):
                        raise SpecError("uncertainty.normalise", f"normalisation {self.norms[j]!r} gives values "
                                        f"<= 0 (min {low:g}) under node {self.tree.nodes[i]!r}, but aggregate "
                                        f"alternative {self.aggs[k]!r} takes a {meth} mean there, which needs "
                                        "positive values; use {'method': 'minmax', 'low': 1, 'high': 100} or "
                                        "'rank', or a rule for zeros (aggregate: {zeros: zero})")

    def alternatives(self) -> dict[str, str]:
        return {"weights": f"node weights x U(1-x, 1+x), {len(self.codes) - 1} "
                           f"{'edges' if self.tree.reused else 'nodes'}",
                "normalise": ", ".join(self.norms), "aggregate": ", ".join(self.aggs),
                "impute": ", ".join(self.imps), "exclude": f"none or one of {len(self.leaves)} indicators"}

    def decode(self, u: np.ndarray, inputs: list[tuple[str, int]], x: float) -> Runs:
        """Runs from design rows ``u`` in [0, 1): one column per choice, one per perturbed weight."""
        r = u.shape[0]
        cols, start = {}, 0
        for name, width in inputs:
            cols[name] = slice(start, start + width)
            start += width

        def pick(name: str, k: int) -> np.ndarray:
            if name not in cols:
                return np.zeros(r, dtype=int)
            return np.minimum((u[:, cols[name]][:, 0] * k).astype(int), k - 1)

        factor = np.ones((r, len(self.codes)))
        if "weights" in cols:
            keep = np.delete(np.arange(len(self.codes)), self._root_slot)
            factor[:, keep] = 1.0 + x * (2.0 * u[:, cols["weights"]] - 1.0)
        return Runs(pick("normalise", len(self.norms)), pick("aggregate", len(self.aggs)),
                    pick("impute", len(self.imps)), pick("exclude", len(self.leaves) + 1) - 1, factor)

    def weights(self, runs: Runs) -> np.ndarray:
        """Edge weights of every run, ``(R, n_slots)``: the alternative's fitted weights × the factors."""
        out = np.empty_like(runs.factor)
        for (i, j), (_, w0) in self.tables.items():
            sel = (runs.imp == i) & (runs.norm == j)
            out[sel] = runs.factor[sel] * w0
        return out

    # -- tables in the mean's space (computed once; prepare() fills them before threads read) -----
    def _leaf_space(self, imp: int, norm: int, method: str) -> np.ndarray:
        key = (imp, norm, method)
        if key not in self._space:
            t = to_space(self.tables[(imp, norm)][0], method)
            self._space[key] = np.ascontiguousarray(np.where(np.isnan(t), 0.0, t).T)
        return self._space[key]

    def _mask(self, imp: int, norm: int) -> np.ndarray | None:
        if (imp, norm) not in self._present:
            miss = np.isnan(self.tables[(imp, norm)][0])
            self._present[(imp, norm)] = np.ascontiguousarray((~miss).T.astype(float)) if miss.any() else None
        return self._present[(imp, norm)]

    def prepare(self) -> None:
        """Compute every cached table now, so that threads evaluating runs only read shared state; the
        tables side by side on the threads in use (each writes its own key)."""
        methods = sorted({f for f in self.fast if f is not None})
        keys = list(self.tables)
        cells = sum(table.size for table, _ in self.tables.values())
        each(lambda k: self._mask(*keys[k]), len(keys), cells=cells)
        jobs = [(i, j, method) for i, j in keys for method in methods]
        each(lambda k: self._leaf_space(*jobs[k]), len(jobs), cells=cells * len(methods))

    # -- scores and ranks ---------------------------------------------------------------------
    def _groups(self, runs: Runs) -> list[tuple[tuple[int, int, int], np.ndarray]]:
        combo = np.stack([runs.imp, runs.norm, runs.agg], axis=1)
        if len(combo) and (combo == combo[0]).all():                  # one choice: no regrouping copy
            return [(tuple(int(k) for k in combo[0]), np.arange(len(combo)))]
        return [(tuple(int(k) for k in key), np.flatnonzero((combo == key).all(axis=1)))
                for key in np.unique(combo, axis=0)]

    def _scores(self, key: tuple[int, int, int], factor: np.ndarray, excl: np.ndarray,
                monotone: bool = False) -> np.ndarray:
        imp, norm, agg = key
        z, w0 = self.tables[(imp, norm)]
        w = factor * w0
        method = self.fast[agg]
        if method is not None:
            return self.fast_tree.scores(self._leaf_space(imp, norm, method), self._mask(imp, norm), w, excl,
                                         method, monotone)
        return self._general(z, w, excl, None if agg == 0 else self.aggs[agg])

    def _general(self, z: np.ndarray, w: np.ndarray, excl: np.ndarray, method: str | None) -> np.ndarray:
        """Root scores by :func:`aggregate_array` with every run's weights on a leading axis."""
        t = self.tree
        w = w.copy()
        hit = np.flatnonzero(excl >= 0)
        if t.reused:
            w[hit] = np.where(self._leaf_edges[excl[hit]], 0.0, w[hit])
        else:
            w[hit, excl[hit]] = 0.0                                   # leaves come first in codes
        root = len(t.leaves) + len(t.nodes) - 1
        methods = self.methods[0] if method is None else [method]
        n, m = z.shape
        out = np.empty((w.shape[0], n))
        step = max(1, _GENERAL_BYTES // max(1, n * (m + len(t.nodes)) * 8 * 4))
        for s in range(0, w.shape[0], step):
            ws, ex = w[s:s + step], excl[s:s + step]
            x = np.repeat(z[None], len(ws), axis=0)
            rows = np.flatnonzero(ex >= 0)
            x[rows, :, ex[rows]] = 1.0                                # neutral value, weight 0
            kids = [ws[:, e][:, None, :] for e in t.edges]
            if "copeland" in methods:                                 # pairwise: one run at a time
                for i in range(len(ws)):
                    rep, _ = aggregate_array(x[i], t, weights=[k[i, 0] for k in kids], method=method,
                                             missing=self.missing, options=self.options)
                    out[s + i] = rep[..., root]
            else:
                rep, _ = aggregate_array(x, t, weights=kids, method=method, missing=self.missing,
                                         options=self.options)
                out[s:s + len(ws)] = rep[..., root]
        return out

    def scores(self, runs: Runs) -> np.ndarray:
        """Root scores of ``runs``, shape ``(R, n_units)`` (NaN where a unit has no score)."""
        out = np.empty((len(runs.norm), self.n_units))
        for key, sel in self._groups(runs):
            out[sel] = self._scores(key, runs.factor[sel], runs.excl[sel])
        return out

    def ranks(self, runs: Runs, *, out: np.ndarray | None = None,
              rows: np.ndarray | None = None) -> np.ndarray:
        """Ranks of ``runs`` by the rank step's rule, int32 ``(R, n_units)``, 0 = no score.

        Written to rows ``rows`` of ``out`` when given (default: a new array, row ``i`` = run ``i``).
        """
        if out is None:
            out = np.empty((len(runs.norm), self.n_units), dtype=np.int32)
        target = np.arange(len(runs.norm)) if rows is None else np.asarray(rows)
        for key, sel in self._groups(runs):
            mono = self.fast[key[2]] is not None and self.ties == "min" and self.decimals is None
            s = self._scores(key, runs.factor[sel], runs.excl[sel], monotone=mono)
            if mono and np.isnan(s).any():                            # a unit left without any value
                mono, s = False, self._scores(key, runs.factor[sel], runs.excl[sel])
            if not mono and self.decimals is not None:
                s = np.round(s, self.decimals)
            if self.periods is None:
                self._rank(s, mono, out, target[sel])
            else:                                                     # within each year
                for cols in self.periods:
                    part = np.empty((len(sel), len(cols)), dtype=np.int32)
                    self._rank(s[:, cols], mono, part, None)
                    out[np.ix_(target[sel], cols)] = part
        return out

    def _rank(self, s: np.ndarray, mono: bool, out: np.ndarray, rows: np.ndarray | None) -> None:
        """Rank the rows of ``s`` into rows ``rows`` of ``out`` (all rows in order when None)."""
        if mono:
            rank_rows(s, descending=self.descending, out=out, rows=rows)
        else:
            r = kernels.rank_scores(s, descending=self.descending, ties=self.ties)
            out[slice(None) if rows is None else rows] = np.nan_to_num(r, nan=0.0).astype(np.int32)
