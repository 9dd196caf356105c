r"""Contributions: how much each indicator and block pulls a unit's score away from the mean.

For a node *P* with children *c* (normalised weights :math:`\tilde w_c`), the contribution of child
*c* to unit *i*'s deviation is :math:`C_{ic} = \tilde w_c (y_{ic} - \bar y_c)`, with :math:`\bar y_c`
the mean over units (within the year). For an arithmetic node without missing values
:math:`\sum_c C_{ic} = y_{iP} - \bar y_P` exactly. An indicator's contribution to the composite uses its
effective weight (product of normalised weights along the path): :math:`C_{ij} = W_j (y_{ij} - \bar y_j)`.
For other aggregation methods the same linear decomposition is reported as an approximation. A node
reused under several parents (a DAG) has a row under each parent, and an indicator's effective weight in a
root is summed over its paths to that root.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoria.assess.tree import path_weights, with_edges

__all__ = ["contributions"]


def contributions(scores: pd.DataFrame, tree: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Long table: unit (index level(s)), ``parent``, ``code``, ``contribution``, ``to`` (parent or root).

    ``scores`` holds every code of the tree (leaves normalised, nodes aggregated).
    Rows with ``to == "parent"`` decompose each node into its children; rows with ``to == "root"``
    decompose each root into the indicators below it (effective weights); ``weights`` is keyed by edge
    (the tree's ``edge`` column).
    """
    groups = _year_groups(scores)
    dev = scores - scores.groupby(groups).transform("mean") if groups is not None else scores - scores.mean()
    t = with_edges(tree)
    edges = t.dropna(subset=["parent"])
    w = edges["edge"].map(weights).to_numpy(dtype=float)
    parents = edges["parent"].to_numpy()
    wsum = {p: float(pd.Series(w[parents == p]).sum()) for p in dict.fromkeys(parents)}
    entries: list[tuple[str, str, str, float]] = []  # (parent or root, code, to, coefficient)
    for code, p, wi in zip(edges["code"], edges["parent"], w, strict=True):   # a reused node: one per parent
        entries.append((p, code, "parent", float(wi) / wsum[p] if wsum[p] > 0 else 0.0))
    for root, code, eff in path_weights(t, weights):       # every root above the indicator (a spec may have several)
        entries.append((root, code, "root", eff))
    n, k = len(scores), len(entries)
    coefficient = np.array([e[3] for e in entries])
    values = dev[[e[1] for e in entries]].to_numpy(dtype=float) * coefficient  # (units, entries)
    which = np.repeat(np.arange(k), n)
    column = {name: _labels([e[i] for e in entries], which) for i, name in enumerate(("parent", "code", "to"))}
    return pd.DataFrame({**column, "contribution": values.T.reshape(-1)},
                        index=scores.index[np.tile(np.arange(n), k)])


def _labels(names: list[str], which: np.ndarray) -> pd.Categorical:
    """``names[which]`` as a categorical: millions of rows, a handful of distinct codes."""
    categories = list(dict.fromkeys(names))
    position = {c: i for i, c in enumerate(categories)}
    return pd.Categorical.from_codes(np.array([position[n] for n in names])[which], categories)


def _year_groups(scores: pd.DataFrame) -> np.ndarray | None:
    if isinstance(scores.index, pd.MultiIndex) and "year" in scores.index.names:
        return scores.index.get_level_values("year").to_numpy()
    return None
