"""The Monte-Carlo model of :mod:`territoria.assess.uncertainty`: from decoded choices to scores.

The alternatives a replication may take (normalisation, aggregation, imputation), their decoding,
and the index computed for a whole chunk of replications at once (arrays shaped runs × units).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess import kernels
from territoria.assess.audit import TreeIndex
from territoria.assess.mc_rank import rank_rows
from territoria.errors import SpecError

NORMALISERS = ("minmax", "zscore", "rank", "percentile_rank")
AGGREGATORS = ("arithmetic", "geometric", "harmonic")
IMPUTERS = ("none", "mean", "median")



@dataclass(frozen=True)
class Norm:
    method: str
    low: float = 0.0
    high: float = 100.0
    decimals: int | None = None

    def label(self) -> str:
        if self.method == "minmax" and (self.low, self.high) != (0.0, 100.0):
            return f"minmax[{self.low:g},{self.high:g}]"
        return self.method

    def apply(self, x: np.ndarray) -> np.ndarray:
        if self.method == "minmax":
            return kernels.minmax(x, low=self.low, high=self.high)
        if self.method == "zscore":
            return kernels.zscore(x)
        if self.method == "rank":
            if not np.isnan(x).any():      # the integer-key ranking; same ranks (ties at the lowest)
                return rank_rows(np.ascontiguousarray(x.T), descending=False).T.astype(np.float64)
            return kernels.rank(x)
        return kernels.percentile_rank(x, decimals=self.decimals)


def as_norm(item: Any, where: str) -> Norm:
    """A normalisation alternative: a method name, a mapping or an object with ``method``/``low``/...."""
    if isinstance(item, str):
        raw: Mapping[str, Any] = {"method": item}
    elif isinstance(item, Mapping):
        raw = item
    else:
        raw = {k: getattr(item, k) for k in ("method", "low", "high", "decimals") if hasattr(item, k)}
    method = raw.get("method")
    if method not in NORMALISERS:
        raise SpecError(where, f"normalisation method must be one of {NORMALISERS}, got {method!r}")
    return Norm(method, float(raw.get("low", 0.0)), float(raw.get("high", 100.0)), raw.get("decimals"))


# -- the model: from decoded choices to scores ----------------------------------------------------
@dataclass
class Runs:
    """Decoded choices of a set of runs."""

    norm: np.ndarray        # (R,) index into normalisers
    agg: np.ndarray         # (R,) index into aggregators
    imp: np.ndarray         # (R,) index into imputers
    excl: np.ndarray        # (R,) -1 = none, else leaf position
    weights: np.ndarray     # (R, n_nodes) node weights, in the order of TreeIndex.parent
    w0: np.ndarray          # (n_nodes,) the tree's weights

    def take(self, sel: np.ndarray) -> Runs:
        return Runs(self.norm[sel], self.agg[sel], self.imp[sel], self.excl[sel], self.weights[sel], self.w0)

    def nominal(self) -> Runs:
        zero = np.zeros(1, dtype=int)
        return Runs(zero, zero, zero, zero - 1, self.w0[None, :].copy(), self.w0)

    def frame(self, model: Model) -> pd.DataFrame:
        rel = np.divide(np.abs(self.weights - self.w0), self.w0, where=self.w0 > 0,
                        out=np.zeros_like(self.weights))
        excl = np.array(["none", *model.tree.leaves], dtype=object)[self.excl + 1]
        return pd.DataFrame({"normalise": [model.norms[i].label() for i in self.norm],
                             "aggregate": [model.aggs[i] for i in self.agg],
                             "impute": [model.imps[i] for i in self.imp], "exclude": excl,
                             "weights": rel.mean(axis=1)})


class Model:
    """The index as a function of the decoded choices, vectorised over runs."""

    def __init__(self, tree: TreeIndex, x: np.ndarray, norms: list[Norm], aggs: list[str],
                 imps: list[str]) -> None:
        self.tree, self.x, self.norms, self.aggs, self.imps = tree, x, norms, aggs, imps
        self.nodes = list(tree.parent)                               # weight columns, tree order
        self.w0 = np.array([tree.weight[c] for c in self.nodes])
        self.leaf_pos = {c: i for i, c in enumerate(tree.leaves)}
        self.node_pos = {c: i for i, c in enumerate(self.nodes)}
        self.blocks = [g for g in tree.aggregates if all(k in self.leaf_pos for k in tree.children[g])]
        self.upper = [g for g in tree.aggregates if g not in self.blocks]
        self._tables: dict[tuple[int, int], tuple[np.ndarray, np.ndarray | None]] = {}
        self._transformed: dict[tuple[int, int, int], np.ndarray] = {}
        for i in range(len(imps)):
            for j in range(len(norms)):
                z, _ = self._table(i, j)
                if any(a != "arithmetic" for a in aggs) and np.nanmin(z) <= 0:
                    raise SpecError("uncertainty.normalise", f"normalisation {norms[j].label()!r} gives values "
                                    f"<= 0 (min {np.nanmin(z):g}) but aggregate alternatives include "
                                    f"{[a for a in aggs if a != 'arithmetic']}, which need positive values; "
                                    "use {'method': 'minmax', 'low': 1, 'high': 100} or 'rank'")

    def alternatives(self) -> dict[str, str]:
        return {"weights": f"node weights x U(1-x, 1+x), {len(self.nodes) - 1} nodes",
                "normalise": ", ".join(n.label() for n in self.norms), "aggregate": ", ".join(self.aggs),
                "impute": ", ".join(self.imps), "exclude": f"none or one of {len(self.tree.leaves)} indicators"}

    def decode(self, u: np.ndarray, inputs: list[tuple[str, int]], x: float) -> Runs:
        r = u.shape[0]
        cols, start = {}, 0
        for name, width in inputs:
            cols[name] = slice(start, start + width)
            start += width

        def pick(name: str, k: int) -> np.ndarray:
            if name not in cols:
                return np.zeros(r, dtype=int)
            return np.minimum((u[:, cols[name]][:, 0] * k).astype(int), k - 1)

        w = np.broadcast_to(self.w0, (r, len(self.nodes))).copy()
        if "weights" in cols:
            non_root = [i for i, c in enumerate(self.nodes) if c != self.tree.root]
            w[:, non_root] *= 1.0 + x * (2.0 * u[:, cols["weights"]] - 1.0)
        return Runs(pick("normalise", len(self.norms)), pick("aggregate", len(self.aggs)),
                     pick("impute", len(self.imps)), pick("exclude", len(self.tree.leaves) + 1) - 1, w, self.w0)

    def _table(self, imp: int, norm: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Normalised table for one (imputation, normalisation) pair and its missing mask (None if full)."""
        key = (imp, norm)
        if key not in self._tables:
            x = self.x
            method = self.imps[imp]
            if method != "none" and np.isnan(x).any():
                x = np.where(np.isnan(x), _column_fill(x, method), x)
            z = self.norms[norm].apply(x)
            miss = np.isnan(z)
            self._tables[key] = (z, miss if miss.any() else None)
        return self._tables[key]

    def _leaf_values(self, imp: int, norm: int, agg: int) -> np.ndarray:
        """Leaves in the aggregation's space (z, log z or 1/z), transposed to (m, n_units), missing as 0."""
        key = (imp, norm, agg)
        if key not in self._transformed:
            z, _ = self._table(imp, norm)
            t = _to_space(z, self.aggs[agg])
            self._transformed[key] = np.ascontiguousarray(np.where(np.isnan(t), 0.0, t).T)
        return self._transformed[key]

    def prepare(self) -> None:
        """Compute every cached table now, so that threads evaluating runs only read shared state."""
        def one(key: tuple[int, int, int]) -> None:
            i, j, k = key
            if self._table(i, j)[1] is not None:
                self._present(i, j)
            self._leaf_values(i, j, k)

        # The normalised tables exist since __init__; the transforms below only use np.errstate, which is
        # thread-local (warnings.catch_warnings is not), so they may run side by side.
        keys = [(i, j, k) for i in range(len(self.imps)) for j in range(len(self.norms)) for k in range(len(self.aggs))]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, keys))

    def scores(self, runs: Runs, *, monotone: bool = False) -> np.ndarray:
        """Root scores, shape ``(R, n_units)``.

        With ``monotone`` the scores are left in the aggregation's space, turned increasing (``t`` for
        arithmetic, :math:`\\log` of the geometric mean, minus the reciprocal of the harmonic mean):
        the same order and ranks, without the final exponential.
        """
        combo = np.stack([runs.imp, runs.norm, runs.agg], axis=1)
        if len(combo) and (combo == combo[0]).all():                  # one choice: no regrouping copy
            return self._scores_group(tuple(int(k) for k in combo[0]), runs.weights, runs.excl, monotone)
        out = np.empty((len(runs.norm), self.x.shape[0]))
        for key in np.unique(combo, axis=0):
            sel = np.flatnonzero((combo == key).all(axis=1))
            out[sel] = self._scores_group(tuple(int(k) for k in key), runs.weights[sel], runs.excl[sel],
                                          monotone)
        return out

    def _scores_group(self, key: tuple[int, int, int], w: np.ndarray, excl: np.ndarray,
                      monotone: bool = False) -> np.ndarray:
        r"""Scores of ``g`` runs sharing one (imputation, normalisation, aggregation) choice.

        Works in the aggregation's space :math:`t` (identity, log, reciprocal), where every mean is
        a weighted arithmetic mean, :math:`t_{parent} = \sum_c w_c t_c / \sum_{c\ present} w_c`;
        the inverse is applied once, at the root.
        """
        imp, norm, agg = key
        method = self.aggs[agg]
        tree, g = self.tree, w.shape[0]
        leaf_t = self._leaf_values(imp, norm, agg)                    # (m, n_units)
        _, miss = self._table(imp, norm)
        present = None if miss is None else self._present(imp, norm)  # (m, n_units) float
        m, n_units = leaf_t.shape
        wl = w[:, [self.node_pos[c] for c in tree.leaves]]            # (g, m), a copy
        hit = np.flatnonzero(excl >= 0)
        wl[hit, excl[hit]] = 0.0
        if present is None:
            # No missing value: every level is a weighted mean with the same weights for all units,
            # so the tree collapses into one effective weight per leaf and run (one matrix product).
            return _from_space(self._effective(w, wl) @ leaf_t, method, monotone)
        nb = len(self.blocks)
        big = np.zeros((nb, g, m))
        for j, blk in enumerate(self.blocks):
            cols = [self.leaf_pos[c] for c in tree.children[blk]]
            big[j][:, cols] = wl[:, cols]
        flat = big.reshape(nb * g, m)
        num = (flat @ leaf_t).reshape(nb, g, n_units)                # every block of every run at once
        den = big.sum(axis=2)[:, :, None] if present is None else (flat @ present).reshape(nb, g, n_units)
        values = {blk: _mean(num[j], den[j]) for j, blk in enumerate(self.blocks)}
        for node in self.upper:
            n_acc = np.zeros((g, n_units))
            d_acc: np.ndarray = np.zeros((g, 1))
            for kid in tree.children[node]:
                if kid in self.leaf_pos:
                    col = self.leaf_pos[kid]
                    wk, v = wl[:, col][:, None], leaf_t[col][None, :]
                    ok = None if present is None else present[col][None, :]
                else:
                    wk, v = w[:, self.node_pos[kid]][:, None], values[kid]
                    ok = None
                    if np.isnan(v.sum()):                              # a block empty for some unit/run
                        ok = ~np.isnan(v)
                        v = np.where(ok, v, 0.0)
                n_acc += v * wk
                d_acc = d_acc + (wk if ok is None else ok * wk)
            values[node] = _mean(n_acc, d_acc)
        return _from_space(values[tree.root], method, monotone)

    def _effective(self, w: np.ndarray, wl: np.ndarray) -> np.ndarray:
        r"""Effective leaf weights ``(g, m)``: product of the renormalised weights on the path to the root.

        :math:`e_\ell = \prod_{v \in path(\ell)} w_v a_v / \sum_{c \in sib(v)} w_c a_c`, where
        :math:`a_v = 0` for a node whose leaves all have zero weight (an excluded indicator alone in
        its block), so its parent renormalises over the others, as with a missing child.
        """
        tree, g = self.tree, w.shape[0]
        own = {c: wl[:, i] for i, c in enumerate(tree.leaves)}
        total: dict[str, np.ndarray] = {}
        for node in tree.aggregates:                                  # bottom-up
            total[node] = sum((own[k] if k in self.leaf_pos else
                               w[:, self.node_pos[k]] * (total[k] > 0)) for k in tree.children[node])
        share = {tree.root: np.ones(g)}
        for node in reversed(tree.aggregates):                        # top-down
            t = np.where(total[node] > 0, total[node], 1.0)
            for k in tree.children[node]:
                wk = own[k] if k in self.leaf_pos else w[:, self.node_pos[k]] * (total[k] > 0)
                share[k] = share[node] * wk / t
        return np.stack([share[c] for c in tree.leaves], axis=1)

    def _present(self, imp: int, norm: int) -> np.ndarray:
        key = (imp, norm, -1)
        if key not in self._transformed:
            _, miss = self._table(imp, norm)
            self._transformed[key] = np.ascontiguousarray((~miss).T.astype(float))
        return self._transformed[key]


def _to_space(z: np.ndarray, method: str) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(z) if method == "geometric" else (1.0 / z if method == "harmonic" else z)


def _from_space(t: np.ndarray, method: str, monotone: bool = False) -> np.ndarray:
    if monotone:
        return -t if method == "harmonic" else t
    return np.exp(t) if method == "geometric" else (1.0 / t if method == "harmonic" else t)


def _mean(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where no child was present (``den == 0``)."""
    shape = np.broadcast_shapes(num.shape, den.shape)
    return np.divide(num, den, out=np.full(shape, np.nan), where=den > 0)


def _column_fill(x: np.ndarray, method: str) -> np.ndarray:
    """Mean or median of each column over its present values; NaN for a column with none (it stays missing)."""
    present = ~np.isnan(x)
    count = present.sum(axis=0)
    fill = np.full(x.shape[1], np.nan)
    some = count > 0
    if method == "mean":
        fill[some] = np.where(present, x, 0.0).sum(axis=0)[some] / count[some]
    else:
        fill[some] = np.nanmedian(x[:, some], axis=0)
    return fill
