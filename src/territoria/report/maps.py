"""Maps and charts of the groups and the typology, rendered to PNG / SVG / PDF files (by suffix).

Every function takes the table to draw and an output ``path`` and returns the path; they are called
from the CLI (``territoria groups --map``, ``territoria typology --maps DIR``), never from method
modules. Figures are built with matplotlib's object API (``matplotlib.figure.Figure``), so no global
pyplot state or interactive backend is involved.

Regions and districts are drawn as choropleths of their polygons (:func:`plot_choropleth`; the polygons
come from :func:`territoria.ingest.boundaries.unit_polygons`, credited in the corner); settlements as
points over their regions' polygons, or over the outline of Kazakhstan and its land border (Natural
Earth 1:10m) in :func:`plot_point_map`. Coordinates are drawn in the Kazakhstan equidistant conic
(:data:`territoria.groups.KZ_CONIC`), not in raw degrees. Titles and legends are in ru, kk or en
(:data:`MAP_WORDS`, grade names from :mod:`territoria.report.messages`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pyproj import Transformer
from scipy.cluster.hierarchy import dendrogram
from shapely.geometry import shape

from territoria.errors import DataError
from territoria.groups.border import KZ_CONIC
from territoria.ingest.bundled import border_lines, neighbour_polygons
from territoria.report.geomap import LEVEL_COLOURS
from territoria.report.map_words import GRADES, MAP_WORDS, map_word

__all__ = ["MAP_WORDS", "map_word", "plot_choropleth", "plot_dendrogram", "plot_k_selection", "plot_point_map",
           "plot_profile_heatmap"]

_NO_DATA = "#f7f7f7"

_SUFFIXES = {".png", ".svg", ".pdf"}
_LISA_COLOURS = {"High-High": "#d7191c", "Low-Low": "#2c7bb6", "High-Low": "#fdae61", "Low-High": "#abd9e9",
                 "not significant": "#d9d9d9", "island": "#636363"}


def _check_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise DataError(f"{path}: unsupported figure format {path.suffix!r}; use one of {sorted(_SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def _projector() -> Transformer:
    return Transformer.from_crs("EPSG:4326", KZ_CONIC, always_xy=True)


def _draw_outline(ax: Any, proj: Transformer, polygons: dict | None, border: dict | None) -> None:
    if polygons is None or border is None:
        polygons = polygons or neighbour_polygons()
        border = border or border_lines()
    for feature in polygons.get("features", []):
        if (feature.get("properties") or {}).get("name") != "Kazakhstan":
            continue
        parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(shape(feature["geometry"]))))
        for poly in parts:
            if poly.geom_type != "Polygon":
                continue
            xy = shapely.get_coordinates(poly.exterior)
            x, y = proj.transform(xy[:, 0], xy[:, 1])
            ax.fill(x, y, facecolor="#f7f7f2", edgecolor="#9e9e9e", linewidth=0.4, zorder=0)
    for feature in border.get("features", []):
        geom = shape(feature["geometry"])
        for line in getattr(geom, "geoms", [geom]):
            xy = shapely.get_coordinates(line)
            x, y = proj.transform(xy[:, 0], xy[:, 1])
            ax.plot(x, y, color="#6d4c41", linewidth=0.8, zorder=1)


def plot_point_map(frame: pd.DataFrame, path: str | Path, *, column: str, title: str | None = None,
                   categorical: bool | None = None, polygons: dict | None = None, border: dict | None = None,
                   size: float = 30.0, cmap: str = "RdYlGn") -> Path:
    """Points coloured by ``column`` over Kazakhstan's outline and land border.

    Parameters
    ----------
    frame : DataFrame
        Columns ``lat``, ``lon`` and ``column``; rows without a point are skipped (counted in the title).
    column : str
        Numeric (colour scale ``cmap``) or categorical (one colour per value; LISA classes get the usual
        red / blue scheme).
    polygons, border : dict, optional
        GeoJSON of the outline and border; default: the bundled Natural Earth files.
    """
    path = _check_path(path)
    for col in ("lat", "lon", column):
        if col not in frame.columns:
            raise DataError(f"map: column {col!r} missing; have {list(frame.columns)}")
    has_point = frame[["lat", "lon"]].notna().all(axis=1)
    data = frame[has_point]
    proj = _projector()
    x, y = proj.transform(data["lon"].to_numpy(float), data["lat"].to_numpy(float))
    fig = Figure(figsize=(10, 6.5))
    ax = fig.add_subplot()
    _draw_outline(ax, proj, polygons, border)
    values = data[column]
    if categorical is None:
        categorical = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    if categorical:
        cats = list(pd.unique(values.astype(str)))
        palette = matplotlib.colormaps["tab10"]
        for i, cat in enumerate(sorted(cats)):
            mask = (values.astype(str) == cat).to_numpy()
            colour = _LISA_COLOURS.get(cat) or palette(i % 10)
            ax.scatter(x[mask], y[mask], s=size, color=colour, edgecolors="black", linewidths=0.3,
                       label=f"{cat} ({int(mask.sum())})", zorder=2)
        ax.legend(loc="lower left", fontsize=7, frameon=True, title=column, title_fontsize=8)
    else:
        sc = ax.scatter(x, y, c=values.to_numpy(float), s=size, cmap=cmap, edgecolors="black",
                        linewidths=0.3, zorder=2)
        fig.colorbar(sc, ax=ax, shrink=0.7, label=column)
    skipped = int((~has_point).sum())
    ax.set_title((title or column) + (f" ({skipped} without a point not shown)" if skipped else ""), fontsize=10)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _save(fig, path)


def plot_dendrogram(linkage: np.ndarray, labels: list[str], path: str | Path, *, k: int | None = None,
                    title: str = "Ward dendrogram (z-scores of the block scores)") -> Path:
    """Ward dendrogram; with ``k`` a dashed line marks the cut into k clusters."""

    path = _check_path(path)
    fig = Figure(figsize=(max(6.0, 0.35 * len(labels)), 5))
    ax = fig.add_subplot()
    threshold = None
    if k is not None and 1 < k <= len(labels):
        heights = np.sort(linkage[:, 2])
        threshold = float((heights[-k] + heights[-k + 1]) / 2) if k > 1 else None
    dendrogram(linkage, labels=list(labels), ax=ax, leaf_rotation=90, color_threshold=threshold)
    if threshold is not None:
        ax.axhline(threshold, linestyle="--", color="grey", linewidth=0.8)
    ax.set_ylabel("merge height (Ward)")
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_profile_heatmap(relative_sd: pd.DataFrame, path: str | Path, *, labels: pd.Series | None = None,
                         title: str = "Cluster profiles: mean relative to the national mean (sd)") -> Path:
    """Heat map of cluster x column profiles (diverging, centred on 0), values printed in the cells."""
    path = _check_path(path)
    data = relative_sd.astype(float)
    fig = Figure(figsize=(1.6 + 1.3 * data.shape[1], 1.2 + 0.6 * data.shape[0]))
    ax = fig.add_subplot()
    bound = float(np.nanmax(np.abs(data.to_numpy()))) or 1.0
    im = ax.imshow(data.to_numpy(), cmap="RdBu", vmin=-bound, vmax=bound, aspect="auto")
    ax.set_xticks(range(data.shape[1]), [str(c) for c in data.columns], rotation=30, ha="right", fontsize=8)
    rows = [f"{c}" + (f": {labels[c]}" if labels is not None and c in labels.index else "") for c in data.index]
    ax.set_yticks(range(data.shape[0]), [r if len(r) < 70 else r[:67] + "..." for r in rows], fontsize=7)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, f"{data.iat[i, j]:+.1f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8, label="sd from the national mean")
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_k_selection(k_table: pd.DataFrame, path: str | Path) -> Path:
    """Silhouette, Calinski–Harabasz and within-cluster SS against k, Ward and k-means side by side."""
    path = _check_path(path)
    fig = Figure(figsize=(12, 3.6))
    for i, (crit, name) in enumerate([("silhouette", "silhouette"), ("calinski_harabasz", "Calinski–Harabasz"),
                                      ("wss", "within-cluster SS (elbow)")]):
        ax = fig.add_subplot(1, 3, i + 1)
        for method in ("ward", "kmeans"):
            col = f"{method}_{crit}"
            if col in k_table:
                ax.plot(k_table.index, k_table[col], marker="o", label=method)
        ax.set_xlabel("k")
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=8)
    return _save(fig, path)


def _legend_entries(values: pd.Series, lang: str) -> list[str]:
    present = set(values.dropna().astype(str))
    grades = [g for g in GRADES if g in present]
    return grades + sorted(present - set(grades))


def plot_choropleth(units: Any, path: str | Path, *, column: str, title: str | None = None, lang: str = "en",
                    attribution: str | None = None, points: Any = None, categorical: bool | None = None,
                    cmap: str = "RdYlGn", label_points: int = 25) -> Path:
    """Polygons coloured by ``column`` (grades, LISA classes, clusters or a number), or points on them.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons (EPSG:4326) with ``column``; a missing value is drawn grey as "no data".
    column : str
        Numeric (continuous colour scale with a colour bar) or categorical (a legend: grades in their order
        and colours, LISA classes red / blue, others a qualitative palette).
    title : str, optional
        Default: the column's map word in ``lang``.
    attribution : str, optional
        Printed in the lower right corner; default ``units.attrs["attribution"]``.
    points : GeoDataFrame, optional
        Settlements drawn over their regions with their own ``column`` values. The polygons are then the
        background: they are drawn grey, not counted as "no data", and the map is framed on the polygons
        that hold a point. Points without a value are drawn grey and counted as "no data".
    label_points : int, default=25
        With at most this many points, each carries its ``name`` (when the points have that column).
    """

    path = _check_path(path)
    if column not in units.columns:
        raise DataError(f"map: column {column!r} missing; have {list(units.columns)}")
    polys = units.to_crs(KZ_CONIC)
    dots = points.to_crs(KZ_CONIC) if points is not None and len(points) else None
    if dots is not None and column not in dots.columns:
        raise DataError(f"map: column {column!r} missing from the points; have {list(dots.columns)}")
    fig = Figure(figsize=(10, 6.5))
    ax = fig.add_subplot()
    shown = dots if dots is not None else polys        # the layer whose values the map shows
    values = shown[column]
    if categorical is None:
        categorical = not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or (
            column.endswith("cluster"))
    polys.plot(ax=ax, color=_NO_DATA, edgecolor="#bdbdbd", linewidth=0.3)  # "no data" (or background) underneath
    marker = {"markersize": 36, "edgecolor": "black", "linewidth": 0.4, "zorder": 3}
    handles = []
    if categorical:
        palette = matplotlib.colormaps["tab10"]
        for i, value in enumerate(_legend_entries(values, lang)):
            colour = LEVEL_COLOURS.get(value) or _LISA_COLOURS.get(value) or palette(i % 10)
            part = shown[values.astype(str) == value]
            part.plot(ax=ax, color=colour, **(marker if dots is not None else {"edgecolor": "white",
                                                                                  "linewidth": 0.3}))
            handles.append(Patch(facecolor=colour, edgecolor="#555", label=f"{map_word(value, lang)} ({len(part)})"))
    else:
        known = shown[values.notna()]
        if len(known):
            style = marker if dots is not None else {"edgecolor": "white", "linewidth": 0.3}
            known.plot(ax=ax, column=column, cmap=cmap, legend=True, **style,
                       legend_kwds={"shrink": 0.6, "label": map_word("index" if column not in MAP_WORDS else column,
                                                                       lang)})
    missing = int(values.isna().sum())
    if dots is not None and missing:
        dots[values.isna()].plot(ax=ax, color=_NO_DATA, **marker)
    if missing:
        handles.append(Patch(facecolor=_NO_DATA, edgecolor="#555", label=f"{map_word('no_data', lang)} ({missing})"))
    if dots is not None:
        _frame_on_points(ax, polys, dots)
        if len(dots) <= label_points and "name" in dots.columns:
            for point, name in zip(dots.geometry, dots["name"].astype(str), strict=True):
                ax.annotate(name, (point.x, point.y), xytext=(4, 4), textcoords="offset points", fontsize=6,
                            zorder=4)
    if handles:
        place = ({"loc": "center left", "bbox_to_anchor": (1.0, 0.5)} if categorical  # beside the map
                 else {"loc": "lower left"})                                          # the colour bar is beside it
        ax.legend(handles=handles, **place, fontsize=7, frameon=False,
                  title=map_word(column, lang) if column in MAP_WORDS else column, title_fontsize=8)
    ax.set_title(title or map_word(column, lang), fontsize=11)
    credit = attribution if attribution is not None else units.attrs.get("attribution", "")
    if credit:
        ax.text(0.99, 0.01, f"{map_word('boundaries', lang)}: {credit}", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=6, color="#555")
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _save(fig, path)


def _frame_on_points(ax: Any, polygons: Any, points: Any) -> None:
    """Frame the axes on the polygons that hold a point (the settlements' regions), with a margin."""
    holding = polygons[polygons.intersects(points.geometry.union_all())]
    x0, y0, x1, y1 = (holding if len(holding) else points).total_bounds
    pad = 0.05 * max(x1 - x0, y1 - y0, 1.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
