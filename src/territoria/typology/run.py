"""The whole typology of an assessment Result: clusters of block scores, profiles, labels, stability,
and spatial clusters of the composite index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from territoria.errors import DataError
from territoria.typology.cluster import Typology
from territoria.typology.profile import cluster_label_codes, cluster_labels_text, profiles
from territoria.typology.spatial import Moran, lisa, moran, spatial_weights
from territoria.typology.stability import Stability, bootstrap_stability

__all__ = ["TypologyResult", "typology_of_result"]


@dataclass
class TypologyResult:
    """What :func:`typology_of_result` returns.

    Attributes
    ----------
    table : DataFrame
        One row per unit: composite, ``level`` (grade), ``cluster``, ``label``, ``stability``,
        ``co_assignment`` and, with points, ``lat``, ``lon``, ``Is``, ``p_sim``, ``lisa_class``,
        ``depression_hot_spot``.
    typology : Typology
        The fitted clustering (``k_selection_``, ``linkage_``, ``zscores_``...).
    profiles : dict of DataFrame
        ``mean``, ``relative_sd``, ``percent_of_mean`` per cluster (blocks and composite).
    labels : Series
        Plain-language label per cluster.
    stability : Stability
    moran : Moran or None
    hot_spots : DataFrame
        Core units of significant clusters of depression with the neighbours that are below the mean.
    notes : list of str
    label_codes : Series or None
        The labels as message codes per cluster (:func:`~territoria.typology.profile.cluster_label_codes`).
    """

    table: pd.DataFrame
    typology: Typology
    profiles: dict[str, pd.DataFrame]
    labels: pd.Series
    stability: Stability
    moran: Moran | None = None
    hot_spots: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    label_codes: pd.Series | None = None

    def k_table(self) -> pd.DataFrame:
        """Criteria per k side by side, with the k each criterion picks marked."""
        sel = self.typology.k_selection_.copy()
        best = sel.attrs.get("best", {})
        for method, picks in best.items():
            sel[f"{method}_picked_by"] = [", ".join(c for c, k in picks.items() if k == kk) for kk in sel.index]
        return sel


def typology_of_result(result: Any, *, points: pd.DataFrame | None = None, method: str = "ward",
                       k: int | None = None, criterion: str = "silhouette", k_range: tuple[int, int] = (2, 8),
                       seed: int = 0, n_resamples: int = 200, neighbours: int = 4, band_km: float | None = None,
                       permutations: int = 999, alpha: float = 0.05, higher_is: str = "better") -> TypologyResult:
    """Cluster the block scores of an assessment ``Result`` and map spatial clusters of its composite.

    Parameters
    ----------
    result : territoria.assess.result.Result
        One-year result (index: unit). The blocks are the children of the tree's root.
    points : DataFrame, optional
        ``lat``, ``lon`` per unit (e.g. :func:`~territoria.typology.spatial.region_points`); without it
        the spatial part is skipped (a note says so). Units without a point are left out of it, named.
    method, k, criterion, k_range, seed : see :class:`~territoria.typology.cluster.Typology`.
    n_resamples : int, default=200
        Bootstrap resamples for the stability.
    neighbours, band_km : KNN neighbours or a distance band (km) for the spatial weights.
    permutations, alpha : permutations for the pseudo p-values; significance level of LISA classes.
    higher_is : {"better", "worse"}, default="better"
        Whether a higher composite means less vulnerable (true of the bundled spec).
    """
    aggregated = result.tables["aggregated"]
    if isinstance(aggregated.index, pd.MultiIndex):
        raise DataError("typology: the Result has several years; run the assessment for one year (--year)")
    tree = result.tree
    root = result.root
    blocks = [str(c) for c in tree.loc[tree["parent"] == root, "code"]]
    if len(blocks) < 2:
        raise DataError(f"typology: the tree's root {root!r} has {len(blocks)} block(s); need two or more")
    table = aggregated[blocks]
    fitted = Typology(method=method, k=k, k_range=k_range, criterion=criterion, seed=seed).fit(table)
    prof = profiles(aggregated[[*blocks, root]], fitted.labels_)
    labels = cluster_labels_text(prof["relative_sd"], blocks=blocks, composite=root, higher_is=higher_is)
    label_codes = cluster_label_codes(prof["relative_sd"], blocks=blocks, composite=root, higher_is=higher_is)
    stab = bootstrap_stability(fitted.zscores_, fitted.labels_, method=method, n_resamples=n_resamples, seed=seed)
    out = pd.DataFrame({root: aggregated[root]})
    if "grades" in result.tables:
        out["level"] = result.tables["grades"]["level"].reindex(out.index)
    out["cluster"] = fitted.labels_
    out["label"] = out["cluster"].map(labels)
    out = out.join(stab.units[["stability", "co_assignment"]])
    notes = []
    mor, spots = None, None
    if points is None:
        notes.append("spatial: no unit points given; Moran's I and LISA skipped")
    else:
        pts = points.reindex(out.index)[["lat", "lon"]]
        lacking = pts.index[pts.isna().any(axis=1)]
        if len(lacking):
            notes.append(f"spatial: {len(lacking)} unit(s) without a point left out: {list(lacking)}")
        pts = pts.drop(index=lacking)
        out = out.join(pts)
        w = spatial_weights(pts, k=neighbours, band_km=band_km)
        values = out.loc[pts.index, root]
        mor = moran(values, w, permutations=permutations, seed=seed)
        local = lisa(values, w, permutations=permutations, seed=seed, alpha=alpha, higher_is=higher_is)
        out = out.join(local[["Is", "p_sim", "lisa_class", "depression_hot_spot"]])
        spots = _hot_spots(local, w, higher_is)
    return TypologyResult(table=out, typology=fitted, profiles=prof, labels=labels, stability=stab,
                          moran=mor, hot_spots=spots, notes=notes, label_codes=label_codes)


def _hot_spots(local: pd.DataFrame, w: Any, higher_is: str) -> pd.DataFrame:
    mean = local["value"].mean()
    low = local["value"] < mean if higher_is == "better" else local["value"] > mean
    rows = []
    for unit in local.index[local["depression_hot_spot"]]:
        members = [unit, *[n for n in w.neighbors[str(unit)] if low.get(n, False)]]
        rows.append({"core": unit, "members": ", ".join(str(m) for m in members), "n_members": len(members),
                     "p_sim": local.at[unit, "p_sim"]})
    return pd.DataFrame(rows, columns=["core", "members", "n_members", "p_sim"])
