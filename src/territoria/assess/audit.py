r"""Statistical audit of an indicator framework (OECD/JRC Handbook, COINr's ``get_*`` analyses).

Pure functions on a units × indicators table (index = unit code, columns = indicator code) and the
contract tree DataFrame (``code``, ``parent``, ``weight``, ``level``; leaves are columns of the
table). Each returns a tidy DataFrame; :func:`statistical_audit` bundles them in an :class:`Audit`.

What the audit looks at, and on which data:

* missing data — per indicator, per unit and aggregate node, per aggregate node;
* correlations (Pearson and Spearman, pairwise complete) between indicators, within a block
  (siblings: same parent) and across blocks, and of every indicator with every block score;
  flags for an indicator that correlates negatively with its own block's score, or above a
  threshold (default 0.9) with a sibling;
* Cronbach's alpha of the leaves under every aggregate node (complete cases only);
* principal components of the standardised leaves under every aggregate node (share of variance of
  the first component).

Give the table at the stage you want to audit — normalised and directed (higher = higher score)
for the flags to mean what they say. Block scores are taken from ``scores`` when given (e.g. the
aggregated table of a Result); otherwise they are recomputed as weighted arithmetic means of the
children with the tree's weights, missing children skipped (:func:`node_scores`).

References
----------
OECD & JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.4 (multivariate
analysis). Cronbach, L. J. (1951), Coefficient alpha and the internal structure of tests,
*Psychometrika* 16, 297-334. Becker, W. et al. (2022), COINr, *JOSS* 7(78), 4567.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from territoria.assess import kernels
from territoria.assess.tree_index import TreeIndex
from territoria.errors import DataError, SpecError, UnknownNameError

__all__ = [
    "Audit",
    "TreeIndex",
    "correlation_flags",
    "correlations",
    "cronbach_alpha",
    "flat_tree",
    "indicator_node_correlations",
    "missing_by_indicator",
    "missing_by_node",
    "missing_by_unit",
    "node_scores",
    "pca_first_component",
    "statistical_audit",
]

METHODS = ("pearson", "spearman")


def _numeric(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """The leaf columns as floats; a non-numeric column is refused with its name and a sample value."""
    out = {}
    for c in cols:
        s = data[c]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            bad = s[pd.to_numeric(s, errors="coerce").isna() & s.notna()]
            sample = bad.iloc[0] if len(bad) else s.iloc[0]
            raise DataError(f"indicator column {c!r} is not numeric (dtype {s.dtype}); "
                            f"e.g. unit {bad.index[0] if len(bad) else s.index[0]!r} has {sample!r}")
        out[c] = s.astype(float)
    return pd.DataFrame(out, index=data.index)


def flat_tree(columns: Iterable[str], *, root: str = "all") -> pd.DataFrame:
    """A one-block tree: every column a leaf of ``root`` with weight 1 (the default when no tree is given)."""
    cols = [str(c) for c in columns]
    return pd.DataFrame({"code": [*cols, root], "parent": [*([root] * len(cols)), None],
                         "weight": 1.0, "level": [*([1] * len(cols)), 2]})


def _prepare(data: pd.DataFrame, tree: pd.DataFrame | None) -> tuple[pd.DataFrame, TreeIndex]:
    idx = TreeIndex.from_frame(flat_tree(data.columns) if tree is None else tree, columns=data.columns)
    return _numeric(data, list(idx.leaves)), idx


# -- missing data -----------------------------------------------------------------------------------
def missing_by_indicator(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Missing values per indicator: count and share :math:`m_j / n` over the ``n`` units.

    Returns a frame indexed by ``indicator`` with ``parent``, ``n_units``, ``n_missing``,
    ``share_missing``.
    """
    x, t = _prepare(data, tree)
    miss = x.isna().sum()
    out = pd.DataFrame({"parent": [t.parent[c] for c in x.columns], "n_units": len(x),
                        "n_missing": miss.to_numpy(), "share_missing": (miss / max(len(x), 1)).to_numpy()},
                       index=pd.Index(x.columns, name="indicator"))
    return out


def missing_by_unit(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    """Missing values per unit and aggregate node (the leaves under it), long form.

    Columns ``unit``, ``node``, ``level``, ``n_indicators``, ``n_missing``, ``share_missing``; the
    root node's rows give the unit's overall share.
    """
    x, t = _prepare(data, tree)
    na = x.isna()
    frames = []
    for node in t.aggregates:
        leaves = list(t.leaves_under(node))
        m = na[leaves].sum(axis=1).to_numpy()
        frames.append(pd.DataFrame({"unit": x.index, "node": node, "level": t.level[node],
                                    "n_indicators": len(leaves), "n_missing": m, "share_missing": m / len(leaves)}))
    return pd.concat(frames, ignore_index=True)


def missing_by_node(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    """Missing values per aggregate node over the cells of its leaves.

    Indexed by ``node``: ``level``, ``n_indicators``, ``n_cells``, ``n_missing``, ``share_missing``,
    ``n_units_complete`` (no leaf missing), ``n_units_empty`` (every leaf missing).
    """
    x, t = _prepare(data, tree)
    na = x.isna()
    rows = []
    for node in t.aggregates:
        sub = na[list(t.leaves_under(node))]
        cells, m = sub.size, int(sub.to_numpy().sum())
        rows.append({"node": node, "level": t.level[node], "n_indicators": sub.shape[1], "n_cells": cells,
                     "n_missing": m, "share_missing": m / cells if cells else np.nan,
                     "n_units_complete": int((~sub.any(axis=1)).sum()),
                     "n_units_empty": int(sub.all(axis=1).sum())})
    return pd.DataFrame(rows).set_index("node")


# -- scores and correlations ------------------------------------------------------------------------
def node_scores(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Scores of every aggregate node: weighted arithmetic means of its children, bottom-up.

    :math:`s_{ig} = \sum_{c \in g} w_c\, s_{ic} / \sum_{c \in g,\ s_{ic}\ \text{present}} w_c`
    (:func:`territoria.assess.kernels.aggregate_arithmetic`); a missing child is skipped with the
    weights renormalised. The tree's ``method`` column is ignored: this is the audit's reference
    score when no aggregated table is given.
    """
    x, t = _prepare(data, tree)
    values: dict[str, np.ndarray] = {c: x[c].to_numpy() for c in x.columns}
    for node in t.aggregates:
        kids = t.children[node]
        mat = np.column_stack([values[k] for k in kids])
        values[node] = kernels.aggregate_arithmetic(mat, np.array([t.edge_weight[(k, node)] for k in kids]))
    return pd.DataFrame({n: values[n] for n in t.aggregates}, index=x.index)


def _corr(a: pd.DataFrame, method: str) -> pd.DataFrame:
    if method not in METHODS:
        raise SpecError("audit.method", f"correlation method must be one of {METHODS}, got {method!r}")
    return a.corr(method=method)


def correlations(data: pd.DataFrame, tree: pd.DataFrame | None = None, *,
                 methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Correlations between every pair of indicators, marked within or across blocks.

    Pairwise complete observations. Long form, one row per pair (``x`` before ``y`` in tree order)
    and method: ``x``, ``y``, ``block_x``, ``block_y`` (first parents), ``within`` (a parent in common),
    ``method``, ``r``,
    ``n`` (units with both values). Pivot on ``x``/``y`` for the matrix.
    """
    x, t = _prepare(data, tree)
    present = x.notna().astype(float)
    n_pair = present.T @ present
    rows = []
    for method in methods:
        r = _corr(x, method)
        for a, b in combinations(x.columns, 2):
            rows.append((a, b, t.parent[a], t.parent[b], bool(set(t.parents[a]) & set(t.parents[b])), method,
                         float(r.at[a, b]), int(n_pair.at[a, b])))
    return pd.DataFrame(rows, columns=["x", "y", "block_x", "block_y", "within", "method", "r", "n"])


def indicator_node_correlations(data: pd.DataFrame, tree: pd.DataFrame | None = None, *,
                                scores: pd.DataFrame | None = None,
                                methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Correlation of every indicator with every aggregate node's score.

    ``scores`` (units × aggregate codes) defaults to :func:`node_scores`. Long form: ``indicator``,
    ``node``, ``level``, ``own`` (the node is an ancestor of the indicator), ``parent`` (the node is
    its direct parent), ``method``, ``r``, ``n``.
    """
    x, t = _prepare(data, tree)
    if scores is None:
        scores = node_scores(data, tree)
    lacking = [a for a in t.aggregates if a not in scores.columns]
    if lacking:
        raise UnknownNameError("aggregate score column", lacking[0],
                               difflib.get_close_matches(lacking[0], [str(c) for c in scores.columns], n=3))
    s = scores.reindex(x.index)[list(t.aggregates)].astype(float)
    rows = []
    for method in methods:
        both = _corr(pd.concat([x, s.add_prefix("\0")], axis=1), method)
        for ind in x.columns:
            anc = t.ancestors(ind)
            for node in t.aggregates:
                n = int((x[ind].notna() & s[node].notna()).sum())
                rows.append((ind, node, t.level[node], node in anc, node in t.parents[ind], method,
                             float(both.at[ind, "\0" + node]), n))
    return pd.DataFrame(rows, columns=["indicator", "node", "level", "own", "parent", "method", "r", "n"])


def correlation_flags(data: pd.DataFrame, tree: pd.DataFrame | None = None, *,
                      scores: pd.DataFrame | None = None, threshold: float = 0.9,
                      method: str = "pearson") -> pd.DataFrame:
    """Indicators that correlate negatively with their block, or above ``threshold`` with a sibling.

    Flags (OECD/JRC Handbook; COINr ``get_corr_flags``): ``kind == "negative_with_block"`` when
    :math:`r(x_j, s_{parent(j)}) < 0`; ``kind == "high_with_sibling"`` when :math:`r(x_j, x_k) >`
    ``threshold`` for two leaves with the same parent (one row per pair). Columns ``indicator``,
    ``other`` (block or sibling), ``block``, ``kind``, ``method``, ``r``.
    """
    pairs = correlations(data, tree, methods=[method])
    with_nodes = indicator_node_correlations(data, tree, scores=scores, methods=[method])
    neg = with_nodes[with_nodes["parent"] & (with_nodes["r"] < 0)]
    high = pairs[pairs["within"] & (pairs["r"] > threshold)]
    rows = [(r.indicator, r.node, r.node, "negative_with_block", method, r.r) for r in neg.itertuples()]
    rows += [(r.x, r.y, r.block_x, "high_with_sibling", method, r.r) for r in high.itertuples()]
    return pd.DataFrame(rows, columns=["indicator", "other", "block", "kind", "method", "r"])


# -- reliability and dimensionality -----------------------------------------------------------------
def _complete(x: pd.DataFrame, leaves: Sequence[str]) -> np.ndarray:
    return x[list(leaves)].dropna(axis=0, how="any").to_numpy()


def cronbach_alpha(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Cronbach's alpha of the leaves under every aggregate node.

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_{i=1}^k \sigma_i^2}{\sigma_t^2}\right)

    with *k* leaves, :math:`\sigma_i^2` the variance of leaf *i* and :math:`\sigma_t^2` the variance
    of the unweighted sum of the leaves (sample variances, ``ddof = 1``).

    Notes
    -----
    Complete cases only: a unit missing any leaf of the node is left out (``n_complete`` says how
    many remain). ``alpha`` is NaN for a node with fewer than 2 leaves or 2 complete units, or a
    zero-variance total. Columns ``node``, ``level``, ``k``, ``n_complete``, ``alpha``.
    """
    x, t = _prepare(data, tree)
    rows = []
    for node in t.aggregates:
        leaves = t.leaves_under(node)
        m = _complete(x, leaves)
        k, n = len(leaves), m.shape[0]
        alpha = np.nan
        if k >= 2 and n >= 2:
            total = m.sum(axis=1).var(ddof=1)
            if total > 0:
                alpha = k / (k - 1) * (1.0 - m.var(axis=0, ddof=1).sum() / total)
        rows.append({"node": node, "level": t.level[node], "k": k, "n_complete": n, "alpha": alpha})
    return pd.DataFrame(rows).set_index("node")


def pca_first_component(data: pd.DataFrame, tree: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""Principal components of the standardised leaves under every aggregate node.

    Leaves are standardised (:math:`z = (x - \bar x)/s`, complete cases) and decomposed by SVD,
    :math:`Z = U \Sigma V^\top`; the eigenvalues of the correlation matrix are
    :math:`\lambda_i = \sigma_i^2/(n-1)` and the first component explains
    :math:`\lambda_1 / \sum_i \lambda_i = \lambda_1 / k`.

    Columns ``node``, ``level``, ``k``, ``n_complete``, ``eigenvalue_pc1``, ``explained_pc1``
    (share, 0-1), ``n_eigen_gt1`` (Kaiser's count of components with :math:`\lambda > 1`).

    Notes
    -----
    Complete cases only. A leaf with zero variance in the complete cases cannot be standardised:
    it is left out and ``k`` counts the leaves used.
    """
    x, t = _prepare(data, tree)
    rows = []
    for node in t.aggregates:
        m = _complete(x, t.leaves_under(node))
        sd = m.std(axis=0, ddof=1) if m.shape[0] >= 2 else np.zeros(m.shape[1])
        keep = sd > 0
        z = (m[:, keep] - m[:, keep].mean(axis=0)) / sd[keep]
        k, n = z.shape[1], z.shape[0]
        eig = np.full(1, np.nan)
        if k >= 1 and n >= 2:
            eig = np.linalg.svd(z, compute_uv=False) ** 2 / (n - 1)
        rows.append({"node": node, "level": t.level[node], "k": k, "n_complete": n,
                     "eigenvalue_pc1": float(eig[0]), "explained_pc1": float(eig[0] / eig.sum()),
                     "n_eigen_gt1": int(np.sum(eig > 1.0 + 1e-12))})
    return pd.DataFrame(rows).set_index("node")


# -- bundle -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Audit:
    """Every table of the statistical audit (see the module docstring and each function)."""

    missing_by_indicator: pd.DataFrame
    missing_by_unit: pd.DataFrame
    missing_by_node: pd.DataFrame
    correlations: pd.DataFrame
    node_correlations: pd.DataFrame
    flags: pd.DataFrame
    cronbach: pd.DataFrame
    pca: pd.DataFrame


def statistical_audit(data: pd.DataFrame, tree: pd.DataFrame, *, scores: pd.DataFrame | None = None,
                      threshold: float = 0.9, methods: Sequence[str] = METHODS,
                      flag_method: str = "pearson") -> Audit:
    """Run every audit table on ``data`` (units × indicators) and ``tree``; see :class:`Audit`."""
    if scores is None:
        scores = node_scores(data, tree)
    return Audit(
        missing_by_indicator=missing_by_indicator(data, tree),
        missing_by_unit=missing_by_unit(data, tree),
        missing_by_node=missing_by_node(data, tree),
        correlations=correlations(data, tree, methods=methods),
        node_correlations=indicator_node_correlations(data, tree, scores=scores, methods=methods),
        flags=correlation_flags(data, tree, scores=scores, threshold=threshold, method=flag_method),
        cronbach=cronbach_alpha(data, tree),
        pca=pca_first_component(data, tree),
    )
