"""Plotly maps from real geometry, drawn without any tile server or CDN.

The background is the Natural Earth 1:10m outline of Kazakhstan and its neighbours bundled with the
package (:func:`territoria.ingest.bundled.neighbour_polygons`, clipped to the window around
Kazakhstan), or the geoBoundaries ADM1 polygons of Kazakhstan when ``territoria data fetch
geoboundaries`` has put them in the cache. Units are points: settlements at their own coordinates, a
region at its capital city's point (or the mean of its settlements' points; see
:func:`territoria.report.service.regions_ranking`). Coordinates are degrees; the y axis is stretched
by 1/cos(48°) so that shapes at Kazakhstan's mid-latitude keep their proportions.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go

__all__ = ["LEVEL_COLOURS", "outline_traces", "point_map"]

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
    from shapely.geometry import box, shape

    from territoria.ingest.bundled import neighbour_polygons

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
        from territoria.ingest.remote import cached

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
            x=list(xs), y=list(ys), mode="lines", fill="toself", hoverinfo="skip", showlegend=False,
            line={"color": "#8d8d8d" if home else "#c7c7c7", "width": 0.7},
            fillcolor="#f7f4ea" if home else "#ececec"))
    return traces


def point_map(frame: pd.DataFrame, *, color: str = "level", text: str = "name", title: str = "",
              link: str = "unit", size: float = 13.0, note: str = "",
              names: dict[str, str] | None = None) -> go.Figure:
    """Points over the outline, one trace per value of ``color`` (grades get their own colours).

    Parameters
    ----------
    frame : DataFrame
        Columns ``lat``, ``lon``, ``color``, ``text`` and ``link`` (the unit code; it goes into
        ``customdata`` so the web page can open the unit on a click). Rows without a point are left out
        and counted in the title.
    names : dict, optional
        Display name of each value of ``color`` (the legend in the reader's language); colours stay keyed
        by the values.
    """
    names = names or {}
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
