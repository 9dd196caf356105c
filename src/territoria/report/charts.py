"""Plotly charts of the reports and the web pages (figures only; no I/O).

Each function returns a ``plotly.graph_objects.Figure``; the HTML report embeds it with the bundled
plotly.js (no CDN), the PDF is Chromium's print of that HTML, and the web page draws the figure's
JSON from the API.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from territoria.report.geomap import LEVEL_COLOURS

__all__ = ["index_trends", "levels_bar", "national_reference", "radar", "rank_intervals", "trend_lines"]

_LAYOUT = {"margin": {"l": 40, "r": 20, "t": 40, "b": 40}, "font": {"size": 11}}


def radar(blocks: Mapping[str, float], *, reference: Mapping[str, float] | None = None, name: str = "",
          reference_name: str = "", title: str = "", labels: Mapping[str, str] | None = None) -> go.Figure:
    """Sub-index radar: the unit's block scores, optionally against a reference (the national mean).

    The polygon is closed by repeating the first block; ``labels`` gives the blocks' display names.
    """
    keys = list(blocks)
    shown = [(labels or {}).get(k, k) for k in keys]
    fig = go.Figure()
    if reference is not None:
        ref = [reference[k] for k in keys]
        fig.add_trace(go.Scatterpolar(r=[*ref, ref[0]], theta=[*shown, shown[0]], name=reference_name,
                                      line={"color": "#888", "dash": "dash"}))
    vals = [blocks[k] for k in keys]
    fig.add_trace(go.Scatterpolar(r=[*vals, vals[0]], theta=[*shown, shown[0]], name=name, fill="toself",
                                  line={"color": "#b2182b"}))
    fig.update_layout(title=title, height=380, polar={"radialaxis": {"range": [0, 100]}},
                      legend={"orientation": "h"}, **_LAYOUT)
    return fig


def trend_lines(table: pd.DataFrame, *, max_charts: int = 9, title: str = "") -> go.Figure:
    """Small multiples of a unit's series: ``table`` is :func:`territoria.report.service.unit_table`
    (columns ``indicator, name, unit`` and one per year). Indicators with two or more years are drawn,
    at most ``max_charts`` of them (those with the most years first)."""
    years = [c for c in table.columns if str(c).isdigit()]
    counts = table[years].notna().sum(axis=1) if years else pd.Series(dtype=int)
    # assign before filtering: assigning a Series to an empty frame would bring its rows back (as NaN)
    chosen = table.assign(_n=counts)[counts >= 2].sort_values("_n", ascending=False, kind="stable").head(max_charts)
    n = max(len(chosen), 1)
    cols = min(3, n)
    rows = -(-n // cols)
    # titles wrapped at word boundaries (two lines at most, never cut mid-word): the panels are narrow
    names = ["<br>".join(textwrap.wrap(f"{r['name']}, {r['unit']}" if r["unit"] else str(r["name"]), 34,
                                       max_lines=2, placeholder=" …")) for _, r in chosen.iterrows()]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names or [""], vertical_spacing=0.3 / rows + 0.08)
    for i, (_, r) in enumerate(chosen.iterrows()):
        series = r[years].dropna().astype(float)
        fig.add_trace(go.Scatter(x=[int(y) for y in series.index], y=series.to_numpy(), mode="lines+markers",
                                 name=str(r["name"])[:45], showlegend=False, line={"color": "#2166ac"}),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_annotations(font_size=10)
    span = max((int(y) for y in years), default=0) - min((int(y) for y in years), default=0)
    fig.update_xaxes(dtick=max(1, -(-span // 5)), tickformat="d")  # at most about six year labels a panel
    fig.update_layout(title=title, height=250 * rows + 60, **{**_LAYOUT, "margin": {"l": 40, "r": 20, "t": 60,
                                                                                    "b": 40}})
    return fig


def rank_intervals(ranking: pd.DataFrame, *, highlight: str | None = None, title: str = "",
                   axis_title: str = "rank") -> go.Figure:
    """Every unit's rank with its 5–95 % Monte-Carlo interval (``rank``, ``rank_p05``, ``rank_p95``,
    ``name``, ``unit``), the highlighted unit in red. Rank 1 is the least vulnerable."""
    data = ranking.sort_values("rank")
    colours = ["#b2182b" if u == highlight else "#4d4d4d" for u in data["unit"]]
    fig = go.Figure(go.Scatter(
        x=data["rank"], y=data["name"], mode="markers", marker={"color": colours, "size": 9},
        customdata=data["unit"],
        error_x={"type": "data", "symmetric": False, "array": (data["rank_p95"] - data["rank"]).clip(lower=0),
                 "arrayminus": (data["rank"] - data["rank_p05"]).clip(lower=0), "color": "#999"}))
    fig.update_layout(title=title, height=24 * len(data) + 90, xaxis={"title": axis_title, "dtick": 1},
                      yaxis={"autorange": "reversed"}, showlegend=False, **_LAYOUT)
    return fig


def levels_bar(levels: pd.Series, *, order: list[str] | None = None, title: str = "",
               labels: Mapping[str, str] | None = None, axis_title: str = "units") -> go.Figure:
    """Number of units per level (grade), in the grade order of the spec (worst first); ``labels`` gives
    the levels' display names."""
    order = order or list(LEVEL_COLOURS)
    counts = levels.astype(str).value_counts().reindex(order, fill_value=0)
    fig = go.Figure(go.Bar(x=[(labels or {}).get(k, k) for k in counts.index], y=counts.to_numpy(),
                           text=counts.to_numpy(),
                           marker={"color": [LEVEL_COLOURS.get(k, "#777") for k in counts.index]}))
    fig.update_layout(title=title, height=300, yaxis={"title": axis_title, "dtick": 1}, **_LAYOUT)
    return fig


_PALETTE = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#c51b7d"]


def national_reference(scores: pd.DataFrame) -> pd.DataFrame:
    """The national value of every score per year: the unweighted mean over the assessed units.

    ``scores`` is indexed by (unit, year) with one column per code (``Result.tables["aggregated"]`` of a
    panel assessment); the result is indexed by year with the same columns. Missing scores are skipped.
    """
    if not isinstance(scores.index, pd.MultiIndex) or "year" not in scores.index.names:
        raise ValueError("national_reference: scores must be indexed by (unit, year); "
                         f"got index levels {list(scores.index.names)}")
    return scores.groupby(level="year").mean()


def index_trends(scores: pd.DataFrame, *, units: list[str], codes: list[str], national: pd.DataFrame | None = None,
                 names: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                 national_name: str = "national", title: str = "", columns: int = 3) -> go.Figure:
    """Small multiples of the composite index and its blocks over the years: one panel per code, one line
    per unit (one unit, or a group of units), the national value dashed.

    Parameters
    ----------
    scores : DataFrame
        Indexed by (unit, year), one column per code (``Result.tables["aggregated"]``).
    units : list of str
        The unit, or the members of a group, to draw (at most 8: a larger group is unreadable as lines).
    codes : list of str
        The codes to draw, one panel each, e.g. the root then the blocks (``[result.root, *blocks]``).
    national : DataFrame, optional
        Indexed by year with the same columns (:func:`national_reference`); drawn dashed grey.
    names, labels : mapping, optional
        Display names of the units and of the codes.

    Raises
    ------
    ValueError
        An unknown unit or code, or more than 8 units.
    """
    if not isinstance(scores.index, pd.MultiIndex) or list(scores.index.names)[:2] != ["unit", "year"]:
        raise ValueError(f"index_trends: scores must be indexed by (unit, year); got {list(scores.index.names)}")
    present = set(scores.index.get_level_values("unit").astype(str))
    missing_units = [u for u in units if u not in present]
    missing_codes = [c for c in codes if c not in scores.columns]
    if missing_units or missing_codes or not units or len(units) > len(_PALETTE):
        raise ValueError(f"index_trends: units {missing_units} / codes {missing_codes} are not in the scores, or "
                         f"{len(units)} units given (1 to {len(_PALETTE)} can be drawn)")
    n = max(len(codes), 1)
    cols = min(columns, n)
    rows = -(-n // cols)
    shown = [(labels or {}).get(c, c) for c in codes]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=shown, vertical_spacing=0.18)
    for i, code in enumerate(codes):
        row, col = i // cols + 1, i % cols + 1
        if national is not None and code in national:
            ref = national[code].dropna()
            fig.add_trace(go.Scatter(x=[int(y) for y in ref.index], y=ref.to_numpy(), mode="lines",
                                     name=national_name, legendgroup="national", showlegend=i == 0,
                                     line={"color": "#888", "dash": "dash"}), row=row, col=col)
        for j, unit in enumerate(units):
            series = scores.xs(unit, level="unit")[code].dropna()
            fig.add_trace(go.Scatter(x=[int(y) for y in series.index], y=series.to_numpy(), mode="lines+markers",
                                     name=(names or {}).get(unit, unit), legendgroup=unit, showlegend=i == 0,
                                     line={"color": _PALETTE[j]}), row=row, col=col)
    fig.update_annotations(font_size=11)
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(matches="y")  # one scale for every panel: the blocks compare with the index
    fig.update_layout(title=title, height=260 * rows + 80, legend={"orientation": "h"}, **_LAYOUT)
    return fig
