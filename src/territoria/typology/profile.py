r"""Cluster profiles relative to the national mean, and a plain-language label per cluster.

For cluster :math:`c` and column :math:`j` (an indicator, a block score or the composite):

* mean :math:`\bar x_{cj}`;
* relative to the national mean in standard deviations: :math:`d_{cj} = (\bar x_{cj} - \bar x_j) / s_j`
  (:math:`\bar x_j, s_j` over all units, ``ddof=0``, unweighted: the "national" mean is the mean of the
  units clustered, e.g. of the 17 regions);
* as a percentage of the national mean: :math:`r_{cj} = 100\,\bar x_{cj} / \bar x_j` (NaN when
  :math:`\bar x_j = 0`).

The label names a cluster by its overall position on the composite and by its strongest and weakest
blocks (largest and smallest :math:`d_{cj}` among the block columns), e.g.
"less vulnerable than average; strongest: economic (+1.3 sd); weakest: environmental (-0.4 sd)".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = ["cluster_label_codes", "cluster_labels_text", "profiles"]


def profiles(table: pd.DataFrame, labels: pd.Series) -> dict[str, pd.DataFrame]:
    """Per-cluster means of every column, absolute and relative to the national mean.

    Returns
    -------
    dict of DataFrame
        ``mean`` (cluster x column), ``relative_sd`` (:math:`d_{cj}`), ``percent_of_mean`` (:math:`r_{cj}`),
        each indexed by ``cluster``; ``mean`` has a ``units`` column with the cluster size.
    """
    missing = labels.index.difference(table.index)
    if len(missing):
        raise DataError(f"profiles: {len(missing)} labelled unit(s) not in the table, first {list(missing[:5])}")
    table = table.loc[labels.index].astype(float)
    national, sd = table.mean(), table.std(ddof=0)
    means = table.groupby(labels.rename("cluster")).mean()
    relative = (means - national) / sd.where(sd > 0, np.nan)
    percent = 100 * means / national.where(national != 0, np.nan)
    means.insert(0, "units", labels.value_counts().reindex(means.index).to_numpy())
    return {"mean": means, "relative_sd": relative, "percent_of_mean": percent}


def cluster_labels_text(relative_sd: pd.DataFrame, *, blocks: Sequence[str], composite: str | None = None,
                        higher_is: str = "better", names: dict[str, str] | None = None,
                        threshold: float = 0.25) -> pd.Series:
    """A plain-language label per cluster from its strongest and weakest blocks.

    Parameters
    ----------
    relative_sd : DataFrame
        ``profiles(...)["relative_sd"]``.
    blocks : sequence of str
        Block columns to compare (e.g. social, economic, infrastructural, environmental).
    composite : str, optional
        Composite column; its sign gives the overall wording.
    higher_is : {"better", "worse"}, default="better"
        Whether a higher score means less vulnerable (the bundled spec: better).
    names : dict, optional
        Display names of the blocks.
    threshold : float, default=0.25
        ``|d|`` below this (in sd) on the composite reads "about average".
    """
    names = names or {}
    out = {}
    for cluster, parts in _label_parts(relative_sd, blocks=blocks, composite=composite, higher_is=higher_is,
                                       threshold=threshold).items():
        words = []
        for part in parts:
            p = part["params"]
            if part["code"] == "cluster.position":
                words.append({"average": "about average", "less": "less vulnerable than average",
                              "more": "more vulnerable than average"}[p["position"]])
            else:
                kind = "strongest" if part["code"] == "cluster.strongest" else "weakest"
                words.append(f"{kind}: {names.get(p['block'], p['block'])} ({p['sd']:+.1f} sd)")
        out[cluster] = "; ".join(words)
    return pd.Series(out, name="label").rename_axis("cluster")


def cluster_label_codes(relative_sd: pd.DataFrame, *, blocks: Sequence[str], composite: str | None = None,
                        higher_is: str = "better", threshold: float = 0.25) -> pd.Series:
    """The label of :func:`cluster_labels_text` as language-neutral message codes, one list per cluster.

    Each item is ``{"code": "cluster.position", "params": {"position": "average" | "less" | "more"}}``
    or ``{"code": "cluster.strongest" | "cluster.weakest", "params": {"block": ..., "sd": d}}`` with
    :math:`d` the block's relative score in sd (sign: positive = better), rounded to 0.1.
    """
    parts = _label_parts(relative_sd, blocks=blocks, composite=composite, higher_is=higher_is, threshold=threshold)
    return pd.Series(parts, name="label_codes", dtype=object).rename_axis("cluster")


def _label_parts(relative_sd: pd.DataFrame, *, blocks: Sequence[str], composite: str | None, higher_is: str,
                 threshold: float) -> dict[object, list[dict[str, object]]]:
    if higher_is not in ("better", "worse"):
        raise DataError(f"cluster labels: higher_is={higher_is!r}; expected 'better' or 'worse'")
    absent = [b for b in blocks if b not in relative_sd.columns]
    if absent or not blocks:
        raise DataError(f"cluster labels: block column(s) {absent or '(none)'} not in the profile; "
                        f"have {list(relative_sd.columns)}")
    sign = 1.0 if higher_is == "better" else -1.0
    out: dict[object, list[dict[str, object]]] = {}
    for cluster, row in relative_sd.iterrows():
        parts: list[dict[str, object]] = []
        if composite is not None and composite in row.index:
            d = sign * float(row[composite])
            position = "average" if not abs(d) >= threshold else "less" if d > 0 else "more"  # NaN: average
            parts.append({"code": "cluster.position", "params": {"position": position}})
        block = (sign * row[list(blocks)]).astype(float)
        strong, weak = block.idxmax(), block.idxmin()
        parts.append({"code": "cluster.strongest", "params": {"block": str(strong), "sd": float(block[strong])}})
        if weak != strong:
            parts.append({"code": "cluster.weakest", "params": {"block": str(weak), "sd": float(block[weak])}})
        out[cluster] = parts
    return out
