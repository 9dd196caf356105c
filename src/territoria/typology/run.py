"""The whole typology of an assessment Result: clusters of block scores, profiles, labels, stability,
and spatial clusters of the composite index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from territoria.errors import DataError
from territoria.typology.cluster import Typology
from territoria.typology.profile import cluster_label_codes, cluster_labels_text, profiles
from territoria.typology.spatial import (
    Moran,
    contiguous_clusters,
    lisa,
    moran,
    spatial_weights,
    unit_weights,
    units_as_points,
)
from territoria.typology.stability import Stability, bootstrap_stability

__all__ = ["TypologyResult", "typology_of_result"]


@dataclass
class TypologyResult:
    """What :func:`typology_of_result` returns.

    Attributes
    ----------
    table : DataFrame
        One row per unit: composite, ``level`` (grade), ``cluster``, ``label``, ``stability``,
        ``co_assignment`` and, with geometry, ``Is``, ``p_sim``, ``lisa_class`` (``island`` for units
        without neighbours), ``depression_hot_spot``, ``contiguous_cluster`` (polygons only) and, with
        points, ``lat``, ``lon``.
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
    weights : str
        What the spatial weights were (``queen contiguity of 2024 polygons``, ``4 nearest neighbours``...).
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
    weights: str = ""

    def k_table(self) -> pd.DataFrame:
        """Criteria per k side by side, with the k each criterion picks marked."""
        sel = self.typology.k_selection_.copy()
        best = sel.attrs.get("best", {})
        for method, picks in best.items():
            sel[f"{method}_picked_by"] = [", ".join(c for c, k in picks.items() if k == kk) for kk in sel.index]
        return sel


def typology_of_result(result: Any, *, units: gpd.GeoDataFrame | None = None,
                       points: pd.DataFrame | None = None, islands: str = "exclude", method: str = "ward",
                       k: int | None = None, criterion: str = "silhouette", k_range: tuple[int, int] = (2, 8),
                       seed: int = 0, n_resamples: int = 200, neighbours: int = 4, band_km: float | None = None,
                       permutations: int = 999, alpha: float = 0.05, higher_is: str = "better") -> TypologyResult:
    """Cluster the block scores of an assessment ``Result`` and map spatial clusters of its composite.

    Parameters
    ----------
    result : territoria.assess.result.Result
        One-year result (index: unit). The blocks are the children of the tree's root.
    units : GeoDataFrame, optional
        Geometry per unit: polygons (:func:`territoria.ingest.boundaries.unit_polygons`; queen contiguity)
        or points (settlements; k nearest neighbours). Units without geometry are left out of the spatial
        part, named in a note; units sharing one location are refused (:class:`DataError`).
    points : DataFrame, optional
        ``lat``, ``lon`` per unit, the same as point ``units`` (kept for callers that have a table).
        Without ``units`` and ``points`` the spatial part is skipped (a note says so).
    islands : {"exclude", "nearest"}
        Polygons without a neighbour: left out of Moran's I and LISA (class ``island``, a note), or joined
        to their nearest unit (:func:`~territoria.typology.spatial.unit_weights`).
    method, k, criterion, k_range, seed : see :class:`~territoria.typology.cluster.Typology`.
    n_resamples : int, default=200
        Bootstrap resamples for the stability.
    neighbours, band_km : KNN neighbours or a distance band (km) for the weights of points.
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
    notes: list[str] = []
    mor, spots, described = None, None, ""
    if units is None and points is not None:
        units = units_as_points(points.reindex(out.index).dropna(subset=["lat", "lon"]))
        out = out.join(points[["lat", "lon"]])
    if units is None:
        notes.append("spatial: no unit geometry given; Moran's I and LISA skipped")
    else:
        geo = units[units.index.isin(out.index)]
        lacking = out.index.difference(geo.index)
        if len(lacking):
            notes.append(f"spatial: {len(lacking)} unit(s) without geometry left out: {list(lacking)}")
        polygons = bool(len(geo)) and not (geo.geometry.geom_type == "Point").all()
        if polygons or band_km is None:
            w = unit_weights(geo, islands=islands, k=neighbours)
            described = (f"queen contiguity of {units.attrs.get('map', 'the given')} polygons" if polygons
                         else f"{neighbours} nearest neighbours")
        else:
            w = spatial_weights(pd.DataFrame({"lat": geo.geometry.y, "lon": geo.geometry.x}), band_km=band_km)
            described = f"{band_km:g} km distance band"
        isolated = [u for u in geo.index if str(u) in set(w.islands)]
        kept = geo.index.difference(pd.Index(isolated), sort=False)
        if isolated:
            notes.append(f"spatial: {len(isolated)} unit(s) without a neighbour (island) left out of Moran's I "
                         f"and LISA: {isolated}; islands='nearest' joins each to its nearest unit")
            # lazy: heavy (libpysal), which territoria.typology does not load
            from libpysal.weights import w_subset

            w = w_subset(w, [str(u) for u in kept])
            w.transform = "r"
        if len(kept) < 3:
            notes.append(f"spatial: {len(kept)} unit(s) with a neighbour; Moran's I and LISA need 3 or more, "
                         "skipped")
            out["lisa_class"] = pd.Series("island", index=pd.Index(isolated), dtype=object).reindex(out.index)
            return TypologyResult(table=out, typology=fitted, profiles=prof, labels=labels, stability=stab,
                                  notes=notes, label_codes=label_codes, weights=described)
        values = out.loc[kept, root]
        mor = moran(values, w, permutations=permutations, seed=seed)
        local = lisa(values, w, permutations=permutations, seed=seed, alpha=alpha, higher_is=higher_is)
        out = out.join(local[["Is", "p_sim", "lisa_class", "depression_hot_spot"]])
        out.loc[isolated, "lisa_class"] = "island"
        spots = _hot_spots(local, w, higher_is)
        if polygons:
            if w.n_components > 1:
                notes.append(f"spatial: the units fall into {w.n_components} separate pieces of contiguous "
                             "territory; a contiguous cluster may join pieces (scikit-learn links them by scores)")
            contiguous = contiguous_clusters(fitted.zscores_.loc[kept], w, min(fitted.k_, len(kept)))
            out["contiguous_cluster"] = contiguous.reindex(out.index)
    return TypologyResult(table=out, typology=fitted, profiles=prof, labels=labels, stability=stab,
                          moran=mor, hot_spots=spots, notes=notes, label_codes=label_codes, weights=described)


def _hot_spots(local: pd.DataFrame, w: Any, higher_is: str) -> pd.DataFrame:
    mean = local["value"].mean()
    low = local["value"] < mean if higher_is == "better" else local["value"] > mean
    rows = []
    for unit in local.index[local["depression_hot_spot"]]:
        members = [unit, *[n for n in w.neighbors[str(unit)] if low.get(n, False)]]
        rows.append({"core": unit, "members": ", ".join(str(m) for m in members), "n_members": len(members),
                     "p_sim": local.at[unit, "p_sim"]})
    return pd.DataFrame(rows, columns=["core", "members", "n_members", "p_sim"])
