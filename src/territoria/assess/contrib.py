r"""Contributions: how much each indicator and block pulls a unit's score away from the mean.

For a node *P* with children *c* (normalised weights :math:`\tilde w_c`), the contribution of child
*c* to unit *i*'s deviation is :math:`C_{ic} = \tilde w_c (y_{ic} - \bar y_c)`, with :math:`\bar y_c`
the mean over units (within the year). For an arithmetic node without missing values
:math:`\sum_c C_{ic} = y_{iP} - \bar y_P` exactly. An indicator's contribution to the composite uses its
effective weight (product of normalised weights along the path): :math:`C_{ij} = W_j (y_{ij} - \bar y_j)`.
For other aggregation methods the same linear decomposition is reported as an approximation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["contributions"]


def contributions(scores: pd.DataFrame, tree: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Long table: unit (index level(s)), ``parent``, ``code``, ``contribution``, ``to`` (parent or root).

    ``scores`` holds every code of the tree (leaves normalised, nodes aggregated).
    Rows with ``to == "parent"`` decompose each node into its children; rows with ``to == "root"``
    decompose the composite into indicators (effective weights).
    """
    groups = _year_groups(scores)
    dev = scores - scores.groupby(groups).transform("mean") if groups is not None else scores - scores.mean()
    parent = dict(zip(tree["code"], tree["parent"], strict=True))
    wsum = {p: float(weights[[c for c, q in parent.items() if q == p]].sum()) for p in set(parent.values()) if p}
    frames = []
    for code, p in parent.items():
        if p is None:
            continue
        share = float(weights[code]) / wsum[p] if wsum[p] > 0 else 0.0
        frames.append(pd.DataFrame({"parent": p, "code": code, "to": "parent",
                                    "contribution": share * dev[code].to_numpy()}, index=scores.index))
    kids = {p for p in parent.values() if p}
    root = next(c for c, p in parent.items() if p is None)
    for code in parent:
        if code in kids:
            continue
        eff, cur = 1.0, code
        while parent[cur] is not None:
            eff *= float(weights[cur]) / wsum[parent[cur]] if wsum[parent[cur]] > 0 else 0.0
            cur = parent[cur]
        frames.append(pd.DataFrame({"parent": root, "code": code, "to": "root",
                                    "contribution": eff * dev[code].to_numpy()}, index=scores.index))
    out = pd.concat(frames)
    out["contribution"] = out["contribution"].astype(float)
    return out


def _year_groups(scores: pd.DataFrame) -> np.ndarray | None:
    if isinstance(scores.index, pd.MultiIndex) and "year" in scores.index.names:
        return scores.index.get_level_values("year").to_numpy()
    return None
