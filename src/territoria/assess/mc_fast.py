r"""The fast path of the Monte-Carlo model: one mean for the whole tree, done as matrix products.

When every node of the tree uses the same weighted mean — arithmetic, geometric or harmonic — with
``missing="skip"`` and no rounding or re-expression of a node, the aggregation of
:mod:`territoria.assess.aggregate` is a weighted *arithmetic* mean in the mean's space
:math:`t = z, \log z, 1/z`:

.. math:: t_{parent} = \frac{\sum_{c\ present} w_c t_c}{\sum_{c\ present} w_c},
   \qquad s = t_{root},\ \exp t_{root},\ 1/t_{root}

so the scores of many runs sharing a normalised table are matrix products (weights of the runs ×
leaf values). Without missing values the tree collapses into one effective weight per leaf and run,
:math:`e_\ell = \prod_{v \in path(\ell)} w_v / \sum_{c \in sib(v)} w_c`. The numbers equal the
aggregate step's up to rounding (tested against it in ``tests/assess/test_uncertainty_nominal.py``);
the nominal run itself is always taken from the step (:meth:`StepSource.nominal`). A tree with several
roots or a reused node (a DAG, weights per edge) takes the general path of :mod:`territoria.assess.mc_model`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from territoria.assess.tree import CompiledTree

__all__ = ["FAST_METHODS", "FastTree", "from_space", "to_space"]

FAST_METHODS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic")


def to_space(z: np.ndarray, method: str) -> np.ndarray:
    """Values in the mean's space: :math:`z`, :math:`\\log z` or :math:`1/z`."""
    with np.errstate(divide="ignore"):
        return np.log(z) if method == "geometric" else (1.0 / z if method == "harmonic" else z)


def from_space(t: np.ndarray, method: str, monotone: bool = False) -> np.ndarray:
    """Back from the mean's space; with ``monotone`` only turned increasing (same order, no exp)."""
    if monotone:
        return -t if method == "harmonic" else t
    return np.exp(t) if method == "geometric" else (1.0 / t if method == "harmonic" else t)


def _mean(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where no child was present (``den == 0``)."""
    shape = np.broadcast_shapes(num.shape, den.shape)
    return np.divide(num, den, out=np.full(shape, np.nan), where=den > 0)


@dataclass(frozen=True)
class FastTree:
    """The tree as the fast path walks it; weight columns are in ``CompiledTree.codes`` order."""

    leaves: tuple[str, ...]
    pos: dict[str, int]
    children: dict[str, tuple[str, ...]]
    blocks: tuple[str, ...]
    upper: tuple[str, ...]
    aggregates: tuple[str, ...]
    root: str

    @classmethod
    def from_compiled(cls, tree: CompiledTree) -> FastTree:
        codes = tree.codes
        kids = {node: tuple(codes[k] for k in tree.children[i]) for i, node in enumerate(tree.nodes)}
        leaf = set(tree.leaves)
        blocks = tuple(n for n in tree.nodes if all(k in leaf for k in kids[n]))
        return cls(leaves=tuple(tree.leaves), pos={c: i for i, c in enumerate(codes)}, children=kids,
                   blocks=blocks, upper=tuple(n for n in tree.nodes if n not in blocks),
                   aggregates=tuple(tree.nodes), root=tree.root)

    def effective(self, w: np.ndarray, wl: np.ndarray) -> np.ndarray:
        r"""Effective leaf weights ``(g, m)``: product of the renormalised weights on the path to the root.

        :math:`e_\ell = \prod_{v \in path(\ell)} w_v a_v / \sum_{c \in sib(v)} w_c a_c`, where
        :math:`a_v = 0` for a node whose leaves all have zero weight (an excluded indicator alone in
        its block), so its parent renormalises over the others, as with a missing child.
        """
        g = w.shape[0]
        own = {c: wl[:, i] for i, c in enumerate(self.leaves)}
        total: dict[str, np.ndarray] = {}

        def weight(k: str) -> np.ndarray:
            return own[k] if k in own else w[:, self.pos[k]] * (total[k] > 0)

        for node in self.aggregates:                                  # bottom-up
            total[node] = sum(weight(k) for k in self.children[node])
        share = {self.root: np.ones(g)}
        for node in reversed(self.aggregates):                        # top-down
            t = np.where(total[node] > 0, total[node], 1.0)
            for k in self.children[node]:
                share[k] = share[node] * weight(k) / t
        return np.stack([share[c] for c in self.leaves], axis=1)

    def scores(self, leaf_t: np.ndarray, present: np.ndarray | None, w: np.ndarray, excl: np.ndarray,
               method: str, monotone: bool = False) -> np.ndarray:
        r"""Root scores ``(g, n_units)`` of ``g`` runs sharing one normalised table and one mean.

        ``leaf_t`` are the leaves in the mean's space, ``(m, n_units)`` with missing as 0; ``present``
        ``(m, n_units)`` floats (None when nothing is missing); ``w`` the runs' node weights
        ``(g, n_codes)``; ``excl`` the leaf left out per run (-1: none), given weight 0.
        """
        g = w.shape[0]
        m, n_units = leaf_t.shape
        wl = w[:, :m].copy()                                          # leaves come first in codes
        hit = np.flatnonzero(excl >= 0)
        wl[hit, excl[hit]] = 0.0
        if present is None:
            return from_space(self.effective(w, wl) @ leaf_t, method, monotone)
        nb = len(self.blocks)
        big = np.zeros((nb, g, m))
        for j, blk in enumerate(self.blocks):
            cols = [self.pos[c] for c in self.children[blk]]
            big[j][:, cols] = wl[:, cols]
        flat = big.reshape(nb * g, m)
        num = (flat @ leaf_t).reshape(nb, g, n_units)                # every block of every run at once
        den = (flat @ present).reshape(nb, g, n_units)
        values = {blk: _mean(num[j], den[j]) for j, blk in enumerate(self.blocks)}
        for node in self.upper:
            n_acc = np.zeros((g, n_units))
            d_acc: np.ndarray = np.zeros((g, 1))
            for kid in self.children[node]:
                if kid not in values:                                 # a leaf child of an upper node
                    col = self.pos[kid]
                    wk, v = wl[:, col][:, None], leaf_t[col][None, :]
                    ok = present[col][None, :]
                else:
                    wk, v = w[:, self.pos[kid]][:, None], values[kid]
                    ok = None
                    if np.isnan(v.sum()):                              # a block empty for some unit/run
                        ok = ~np.isnan(v)
                        v = np.where(ok, v, 0.0)
                n_acc += v * wk
                d_acc = d_acc + (wk if ok is None else ok * wk)
            values[node] = _mean(n_acc, d_acc)
        return from_space(values[self.root], method, monotone)
