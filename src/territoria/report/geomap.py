"""Plotly maps from real geometry, drawn without any tile server or CDN.

The background is the Natural Earth 1:10m outline of Kazakhstan and its neighbours bundled with the
package (:func:`territoria.ingest.bundled.neighbour_polygons`, clipped to the window around
Kazakhstan), or the geoBoundaries ADM1 polygons of Kazakhstan when ``territoria data fetch
geoboundaries`` has put them in the cache. Regions and districts are drawn as a choropleth of their
polygons (:func:`choropleth`, polygons from :func:`territoria.ingest.boundaries.unit_polygons`): one
filled trace per grade, so the legend is the grade scale, and an invisible marker per unit carries its
hover text and code (a click opens the unit). :func:`point_map` draws a region that has a polygon the
same way and everything else (settlements) as points at their own coordinates over the region
polygons. Coordinates are degrees; the y axis is stretched by 1/cos(48°) so that shapes at
Kazakhstan's mid-latitude keep their proportions. Nothing is fetched from a tile server or CDN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import box, shape

from territoria.ingest.boundaries import unit_polygons
from territoria.ingest.bundled import neighbour_polygons
from territoria.ingest.remote import cached

__all__ = ["LEVEL_COLOURS", "choropleth", "outline_traces", "point_map"]

#: Colours of the grades of the bundled spec (worst red, best green).
LEVEL_COLOURS = {"crisis": "#b2182b", "depressive": "#ef8a62", "vulnerable": "#fddbc7", "stable": "#67a9cf",
                 "developing": "#1a9850"}
_WINDOW = (44.0, 38.0, 90.0, 57.5)  # lon_min, lat_min, lon_max, lat_max
_MID_LAT = 48.0


def _rings(geometry: Any) -> list[Any]:
    polys = getattr(geometry, "geoms", [geometry])
    return [p.exterior for p in polys if not p.is_empty and p.geom_type == "Polygon"]


@lru_cache(maxsize=2)
def _outline(source: str) -> tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]:
    """(name, lons, lats) rings of the background, clipped to the window and simplified (cached)."""

    if source == "bundled":
        features = neighbour_polygons()["features"]
        name_key = "name"
    else:
        with open(source, encoding="utf-8") as handle:
            features = json.load(handle)["features"]
        name_key = "shapeName"
    window = box(*_WINDOW)
    out = []
    for feature in features:
        geom = shape(feature["geometry"]).intersection(window).simplify(0.02)
        name = str((feature.get("properties") or {}).get(name_key, ""))
        for ring in _rings(geom):
            xs, ys = ring.xy
            out.append((name, tuple(round(x, 3) for x in xs), tuple(round(y, 3) for y in ys)))
    return tuple(out)


def _background_source() -> str:
    try:
        path = cached("geoboundaries-kaz-adm1")
    except Exception:  # the cache is optional; any problem falls back to the bundled outline
        path = None
    return str(path) if path is not None and str(path).endswith(("json", "geojson")) else "bundled"


def outline_traces(source: str | None = None) -> list[go.Scatter]:
    """Filled outline traces: Kazakhstan light, its neighbours grey (geoBoundaries regions when cached)."""
    source = source or _background_source()
    traces = []
    for name, xs, ys in _outline(source):
        home = source != "bundled" or name == "Kazakhstan"
        traces.append(go.Scatter(
            x=_coordinates(xs), y=_coordinates(ys), mode="lines", fill="toself", hoverinfo="skip", showlegend=False,
            line={"color": "#8d8d8d" if home else "#c7c7c7", "width": 0.7},
            fillcolor="#f7f4ea" if home else "#ececec"))
    return traces


def _coordinates(values: Sequence[float | None]) -> np.ndarray:
    """Coordinates (None between rings) for a trace, as an object array: plotly checks a list value by value
    in Python (0.4 s for the 60,000 of the district polygons) and an array at once, and writes an object
    array to JSON as the same list (a float array would become a binary typed array)."""
    return np.array(values, dtype=object)


def _polygon_xy(geometry: Any) -> tuple[list[float | None], list[float | None]]:
    """Exterior and interior rings of a (multi)polygon as one None-separated x / y list for a filled trace."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for poly in getattr(geometry, "geoms", [geometry]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            x, y = ring.xy
            xs += [round(v, 3) for v in x] + [None]
            ys += [round(v, 3) for v in y] + [None]
    return xs, ys


def _layout(fig: go.Figure, title: str, note: str, height: int = 460) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}}, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 30},
        plot_bgcolor="#dfe9f2", legend={"orientation": "h", "y": -0.02}, hovermode="closest",
        xaxis={"range": [_WINDOW[0] + 3, _WINDOW[2] - 2], "visible": False},
        yaxis={"range": [_WINDOW[1] + 2, _WINDOW[3] - 1.5], "visible": False, "scaleanchor": "x",
               "scaleratio": 1 / math.cos(math.radians(_MID_LAT))},
        annotations=[{"text": note, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
                      "showarrow": False, "font": {"size": 9, "color": "#555"}}] if note else [])
    return fig


def choropleth(units: Any, *, color: str = "level", text: str = "name", title: str = "", note: str = "",
               names: dict[str, str] | None = None, points: pd.DataFrame | None = None,
               no_data: str = "–") -> go.Figure:
    """Polygons filled by the grade (or any category) in ``color``, optionally points on top.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons (EPSG:4326) indexed by unit code with ``color`` and ``text``; units without a value are
        drawn light grey under ``no_data``.
    names : dict, optional
        Display name of each value of ``color`` (the legend in the reader's language).
    points : DataFrame, optional
        ``lat``, ``lon``, ``color``, ``text`` and ``unit``: settlements drawn over the polygons.
    note : str
        Printed in the lower right corner (the boundaries' attribution).
    """
    names = names or {}
    fig = go.Figure(outline_traces("bundled"))
    values = units[color].astype("string").fillna("")
    order = [v for v in LEVEL_COLOURS if v in set(values)] + sorted(set(values) - set(LEVEL_COLOURS) - {""})
    palette = ["#8c510a", "#01665e", "#762a83", "#b35806", "#2166ac", "#4d9221", "#c51b7d", "#5ab4ac"]
    for i, value in enumerate([*order, ""] if (values == "").any() else order):
        part = units[values == value]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for geom in part.geometry:
            x, y = _polygon_xy(geom)
            xs += x
            ys += y
        colour = LEVEL_COLOURS.get(value) or ("#eeeeee" if value == "" else palette[i % len(palette)])
        label = names.get(value, value) if value else no_data
        fig.add_trace(go.Scatter(x=_coordinates(xs), y=_coordinates(ys), mode="lines", fill="toself",
                                 fillcolor=colour, hoverinfo="skip",
                                 line={"color": "#b0b0b0" if value == "" else "#ffffff", "width": 0.6},
                                 name=f"{label} ({len(part)})",
                                 legendgroup=value or "none"))
        centres = part.geometry.representative_point()
        fig.add_trace(go.Scatter(
            x=centres.x.round(3), y=centres.y.round(3), mode="markers", showlegend=False, legendgroup=value or "none",
            marker={"size": 6, "opacity": 0}, text=part[text].astype(str), customdata=part.index.astype(str),
            hovertemplate="%{text}<br>" + label + "<extra></extra>"))
    if points is not None and len(points):
        shown = points.dropna(subset=["lat", "lon"])
        fig.add_trace(go.Scatter(
            x=shown["lon"], y=shown["lat"], mode="markers", name=f"{len(shown)}", showlegend=False,
            text=shown[text].astype(str), customdata=shown["unit"].astype(str),
            marker={"size": 8, "color": [LEVEL_COLOURS.get(str(v), "#555") for v in shown[color]],
                    "line": {"color": "#222", "width": 0.8}},
            hovertemplate="%{text}<extra></extra>"))
    return _layout(fig, title, note)


def _polygons_for(codes: pd.Series) -> Any:
    """Region or district polygons of the map that holds every code with the fewest extra polygons, or None."""

    wanted = set(codes)
    for level in ("region", "district"):
        best: tuple[int, int] | None = None                     # (year, polygons) of the map chosen so far
        for year in (2024, 2021, 2017):
            have = _codes_on_map(level, year)
            if wanted <= have and (best is None or len(have) < best[1]):
                best = (year, len(have))
        if best is not None:
            return unit_polygons(level, best[0])
    return None


@cache
def _codes_on_map(level: str, year: int) -> frozenset[str]:
    """The codes of the polygons of ``level`` on the map of ``year`` (bundled files: the same every time)."""
    return frozenset(unit_polygons(level, year).index)


def point_map(frame: pd.DataFrame, *, color: str = "level", text: str = "name", title: str = "",
              link: str = "unit", size: float = 13.0, note: str = "",
              names: dict[str, str] | None = None, no_data: str = "–") -> go.Figure:
    """Points over the outline, one trace per value of ``color`` (grades get their own colours).

    When every unit of ``frame`` is a region (or every one a district) with a polygon, the map is a
    :func:`choropleth` instead, on the map (2024, pre-2022, pre-2018) that holds all of them with the
    fewest polygons to spare.

    Parameters
    ----------
    frame : DataFrame
        Columns ``lat``, ``lon``, ``color``, ``text`` and ``link`` (the unit code; it goes into
        ``customdata`` so the web page can open the unit on a click). Rows without a point are left out
        and counted in the title.
    names : dict, optional
        Display name of each value of ``color`` (the legend in the reader's language); colours stay keyed
        by the values.
    no_data : str, default="–"
        Legend label of the polygons without a value, when the map is a :func:`choropleth`.
    """
    names = names or {}
    polygons = _polygons_for(frame[link].astype(str)) if link in frame else None
    if polygons is not None:
        shown = polygons.join(frame.assign(**{link: frame[link].astype(str)}).set_index(link)[[color, text]])
        return choropleth(shown, color=color, text=text, title=title, names=names, no_data=no_data,
                          note="; ".join(x for x in (note, polygons.attrs.get("attribution", "")) if x))
    fig = go.Figure(outline_traces())
    has_point = frame[["lat", "lon"]].notna().all(axis=1)
    data = frame[has_point]
    values = data[color].astype(str).fillna("")
    order = [v for v in LEVEL_COLOURS if v in set(values)] + sorted(set(values) - set(LEVEL_COLOURS))
    for value in order:
        part = data[values == value]
        fig.add_trace(go.Scatter(
            x=part["lon"], y=part["lat"], mode="markers", name=f"{names.get(value, value)} ({len(part)})",
            text=part[text].astype(str), customdata=part[link].astype(str),
            hovertemplate="%{text}<br>" + names.get(value, value) + "<extra></extra>",
            marker={"size": size, "color": LEVEL_COLOURS.get(value), "line": {"color": "#333", "width": 0.8}}))
    missing = int((~has_point).sum())
    full = title + (f" ({missing} without a point not shown)" if missing else "")
    fig.update_layout(
        title={"text": full, "font": {"size": 14}}, height=460, margin={"l": 10, "r": 10, "t": 40, "b": 30},
        plot_bgcolor="#dfe9f2", legend={"orientation": "h", "y": -0.02},
        xaxis={"range": [_WINDOW[0], _WINDOW[2]], "visible": False},
        yaxis={"range": [_WINDOW[1] + 2, _WINDOW[3] - 1.5], "visible": False, "scaleanchor": "x",
               "scaleratio": 1 / math.cos(math.radians(_MID_LAT))},
        annotations=[{"text": note, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "showarrow": False,
                      "font": {"size": 9, "color": "#555"}}] if note else [])
    return fig
