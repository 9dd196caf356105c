"""The summary report of one assessment: the most vulnerable units and why, the groups of settlements,
a map, the trends over the years, the mechanisms by horizon and how certain the ranking is, in words a
non-statistician reads.

Built as a :class:`~territoria.report.document.Document` (the model of every report) from the Store's
stored assessment and the method modules (:func:`territoria.diagnosis.diagnose` through
:func:`territoria.report.assessed.diagnoses`, :func:`territoria.groups.assign_groups`,
:func:`territoria.mechanisms.recommend`); written as HTML, PDF, XLSX or DOCX by
:func:`territoria.report.render.write`. No I/O here beyond reading the Store.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from territoria.groups import GroupAssignment, assign_groups
from territoria.ingest.boundaries import unit_polygons
from territoria.mechanisms import load_knowledge_base, recommend
from territoria.report import charts
from territoria.report.assessed import diagnoses, ranking_table
from territoria.report.document import Document, Section, uncertainty_sentence
from territoria.report.geomap import choropleth, point_map
from territoria.report.i18n import t
from territoria.report.messages import Translator
from territoria.report.service import region_of_unit

__all__ = ["SECTIONS", "settlement_groups", "summary_document", "top_units"]

#: The sections of the summary report, in order ("population" beside "trends" when both charts are drawn).
SECTIONS = ("key", "vulnerable", "uncertainty", "groups", "map", "trends", "population", "mechanisms")
#: The groups of settlements the summary counts (the method's step 2).
SUMMARY_GROUPS = ("small_town", "single_industry", "border")
_POPULATION = "population_1jan"
_LINES = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#c51b7d"]


def _names(store: Any, lang: str) -> pd.Series:
    """Every unit's name in ``lang``, the Russian or English one where that language has none."""
    units = store.units()
    names = units[f"name_{lang}"].where(units[f"name_{lang}"].fillna("") != "", units["name_ru"])
    return names.where(names.fillna("") != "", units["name_en"])


def top_units(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most vulnerable rows of :func:`territoria.report.assessed.ranking_table` (highest rank
    number first: rank 1 is the least vulnerable)."""
    return table.sort_values("rank", ascending=False, kind="stable").head(n).reset_index(drop=True)


def _why(diag: Any, tr: Translator) -> str:
    parts = []
    weak = diag.weak_indicators
    if len(weak):
        parts.append(tr.text("summary.why_weak", {"names": "; ".join(tr.indicator(c) for c in weak["code"].head(3))}))
    held = diag.risk_flags
    if len(held):
        labels = [tr.word("rule", r, params={"label": lab}) for r, lab in zip(held["rule"], held["label"], strict=True)]
        parts.append(tr.text("summary.why_flags", {"names": "; ".join(labels)}))
    if diag.status is not None:
        parts.append(tr.text("summary.why_status", {"status": diag.status}))
    return "\n".join(parts)  # one line each: the weakest indicators, the risk flags, the status


def _packages(store: Any, diagnosed: dict[str, Any], lang: str) -> pd.DataFrame:
    """Every top unit's package of mechanisms (:func:`territoria.mechanisms.recommend`), one frame."""
    kb = load_knowledge_base(None)
    regions = store.units(level="region")[f"name_{lang}"].to_dict()
    frames = []
    for code, diag in diagnosed.items():
        flags = diag.flags if "rule" in diag.flags else None
        package = recommend(code, kb, flags=flags, weak=diag.weak_indicators, status=diag.status,
                            status_facts=diag.status_facts, region_names=regions, lang=lang,
                            status_fact_codes=diag.status_fact_codes)
        frames.append(package.assign(unit=code))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _mechanisms_table(packages: pd.DataFrame, tr: Translator) -> pd.DataFrame:
    """The mechanisms of the packages by horizon (short → long), each with how many units it is for."""
    if packages.empty:
        return pd.DataFrame(columns=["horizon", "years", "name", "government", "n_units"])
    order = {h: i for i, h in enumerate(("short", "medium", "long"))}
    table = (packages.groupby(["horizon", "years", "mechanism", "name", "government"], sort=False)["unit"]
             .nunique().rename("n_units").reset_index())
    table = table.assign(_h=table["horizon"].map(order)).sort_values(["_h", "n_units", "name"],
                                                                     ascending=[True, False, True])
    table["horizon"] = [tr.term("horizon", h) for h in table["horizon"]]
    table["government"] = [", ".join(tr.term("government", g.strip()) for g in str(v).split(",") if g.strip())
                           for v in table["government"]]
    return table[["horizon", "years", "name", "government", "n_units"]].reset_index(drop=True)


def _owner(code: str, parents: dict[str, Any], assessed: set[str]) -> str | None:
    """The assessed unit a settlement lies in, following the Store's parent links (five steps at most)."""
    for _ in range(6):
        if code in assessed:
            return code
        parent = parents.get(code)
        if not isinstance(parent, str):
            return None
        code = parent
    return None


def settlement_groups(store: Any) -> GroupAssignment:
    """The groups of the Store's settlements (:func:`territoria.groups.assign_groups` with the Store's
    list of rural support settlements): what :func:`summary_document` counts; computed once, it can be
    given to several summaries."""
    return assign_groups(store.units(level="settlement"), rural_support=store.unit_list("rural_support"))


def _groups_table(store: Any, found: GroupAssignment, assessed: set[str], top: list[str], names: pd.Series,
                  tr: Translator, crosswalk: pd.DataFrame | None) -> pd.DataFrame:
    """The three groups of settlements: how many, how many inside the top units, examples of those."""
    parents = store.units()["parent"].to_dict()
    then: dict[str, str] = {}  # region prefix -> the assessed region it belonged to
    chosen = set(top)
    rows = []
    for group in SUMMARY_GROUPS:
        members = found.memberships.loc[found.memberships["group"] == group, "unit"].astype(str).drop_duplicates()
        owners = []
        for code in members:
            owner = _owner(code, parents, assessed)
            if owner is None and crosswalk is not None:  # a region created after the assessed year
                if code[:2] not in then:
                    then[code[:2]] = region_of_unit(code, assessed, crosswalk)
                owner = then[code[:2]]
            owners.append(owner)
        inside = [c for c, o in zip(members, owners, strict=True) if o in chosen]
        rows.append({"group": tr.term("group", group), "settlements": len(members), "in_vulnerable": len(inside),
                     "examples": ", ".join(str(names.get(c, c)) for c in inside[:6])})
    return pd.DataFrame(rows)


def _map(table: pd.DataFrame, level: str, year: int, level_names: dict[str, str], tr: Translator) -> go.Figure:
    """Regions and districts as their polygons on the map of the assessed year, coloured by grade (units
    without a polygon counted in the note); other levels as points."""
    if level not in ("region", "district"):
        return point_map(table, color="level", title="", names=level_names, no_data=tr.text("summary.not_rated"))
    polygons = unit_polygons(level, year)
    shown = polygons.join(table.set_index("unit")[["level", "name"]], how="left")
    missing = len(set(table["unit"]) - set(polygons.index))
    note = "; ".join(x for x in (polygons.attrs.get("attribution", ""),
                                 tr.text("summary.map_missing", {"n": missing}) if missing else "") if x)
    return choropleth(shown, color="level", text="name", names=level_names, note=note,
                      no_data=tr.text("summary.not_rated"))


def _index_lines(result: Any, top: list[str], names: pd.Series, tr: Translator) -> go.Figure | None:
    """The composite index and each block of the top units over the years, with the national value
    (:func:`territoria.report.charts.index_trends`), for an assessment of several years."""
    scores = result.tables["aggregated"]
    if not (isinstance(scores.index, pd.MultiIndex) and "year" in scores.index.names) or \
            scores.index.get_level_values("year").nunique() < 2:
        return None
    shown = [result.root, *[c for c in result.aggregates if c != result.root]]
    return charts.index_trends(scores, units=top[:6], codes=shown, national=charts.national_reference(scores[shown]),
                               names={c: str(names.get(c, c)) for c in top[:6]},
                               labels={c: tr.term("block", c) for c in shown},
                               national_name=tr.text("summary.national"), columns=2)


def _population_lines(store: Any, top: list[str], names: pd.Series, tr: Translator) -> tuple[go.Figure, int] | None:
    """Population on 1 January of the top units and of the country, the first year they share = 100."""
    obs = store.observations(units=[*top[:6], "KZ"], indicators=[_POPULATION])
    if obs.empty:
        return None
    wide = obs.pivot_table(index="year", columns="unit", values="value", aggfunc="first").sort_index()
    shared = wide.dropna()
    if len(shared) < 2:
        return None
    base = int(shared.index[0])
    fig = go.Figure()
    for colour, code in zip(["#888", *_LINES], ["KZ", *[c for c in top[:6] if c in wide]], strict=False):
        series = (wide[code] / wide.at[base, code] * 100).loc[base:].dropna()
        fig.add_trace(go.Scatter(x=[int(y) for y in series.index], y=series.to_numpy(), mode="lines",
                                 name=str(names.get(code, code)),
                                 line={"color": colour, "dash": "dash" if code == "KZ" else "solid"}))
    span = int(wide.index.max()) - base
    fig.update_layout(height=380, legend={"orientation": "h", "y": -0.15}, margin={"l": 50, "r": 20, "t": 20, "b": 40},
                      yaxis={"title": f"{base} = 100"}, xaxis={"dtick": max(1, -(-span // 8)), "tickformat": "d"})
    return fig, base


def summary_document(store: Any, result: Any, *, lang: str = "en", n_top: int | None = None,
                     groups: GroupAssignment | None = None) -> Document:
    """The summary report of ``result`` (a stored assessment, :func:`territoria.report.service.assessment`).

    ``n_top``: how many of the most vulnerable units are described (default: a quarter of the units,
    between 5 and 10). ``groups``: :func:`settlement_groups` of the Store, when already computed.
    """
    tr = Translator(lang, catalogue=store.catalogue)
    names = _names(store, lang)
    table = ranking_table(store, result, lang=lang)
    table["name"] = table["unit"].map(names).fillna(table["name"])
    table["region_name"] = table["region"].map(names)
    n = len(table)
    k = n_top if n_top is not None else max(5, min(10, n // 4))
    top = top_units(table, k)
    codes = top["unit"].tolist()
    level = getattr(result, "level", None) or result.spec.units.level or "region"
    year = int(max(getattr(result, "years", None) or result.spec.year_list))
    name = tr.term("spec", result.spec.name)
    version = getattr(result, "version", None)
    grades = list(result.spec.grade.labels) if result.spec.grade is not None else []
    counts = table["grade"].astype(str).value_counts()
    level_counts = "; ".join(f"{tr.term('level', g)} {int(counts.get(g, 0))}" for g in grades) or "—"
    key = [tr.text("summary.key_scope", {"name": name, "version": version if version is not None else "—", "n": n,
                                         "level": tr.term("unit_level", level), "year": year}),
           tr.text("summary.key_worst", {"names": ", ".join(top["name"].astype(str).head(5))}),
           tr.text("summary.key_levels", {"counts": level_counts})]
    diagnosed = diagnoses(store, codes, result=result, context=False)
    vulnerable = top[["rank", "name", *(["region_name"] if level != "region" else []), "grade"]].copy()
    vulnerable["grade"] = [tr.term("level", g) for g in vulnerable["grade"]]
    vulnerable = vulnerable.rename(columns={"grade": "level"})
    vulnerable["status_label"] = [tr.status(d.status) if d.status else t("insufficient_data", lang)
                                  for d in diagnosed.values()]
    vulnerable["why"] = [_why(d, tr) for d in diagnosed.values()]
    sentences = [uncertainty_sentence(tr, name=str(r["name"]), rank=r["rank"], n=n, lo=r["rank_p05"], hi=r["rank_p95"])
                 for _, r in top.iterrows()]
    spec_mc = result.spec.uncertainty
    runs = spec_mc.n if spec_mc is not None else None
    interval_chart = charts.rank_intervals(top.assign(name=top["name"].astype(str)), axis_title=tr.header("rank"))
    if n > 30:  # a label per rank would crowd the axis: let plotly choose the ticks
        interval_chart.update_xaxes(dtick=None)
    sections = [Section("key", tr.text("summary.key"), key),
                Section("vulnerable", tr.text("summary.vulnerable"), [tr.text("summary.vulnerable_note")],
                        table=vulnerable),
                Section("uncertainty", tr.text("summary.uncertainty"),
                        [tr.text("summary.uncertainty_note", {"runs": runs}), *sentences], figure=interval_chart)]
    assessed = set(table["unit"].astype(str))
    found = groups if groups is not None else settlement_groups(store)
    table_groups = _groups_table(store, found, assessed, codes, names, tr,
                                 store.crosswalk() if level == "region" else None)
    sections.append(Section("groups", tr.text("summary.groups"),
                            [tr.text("summary.groups_note", {"km": found.rules.border.max_km, "k": k})],
                            table=table_groups))
    shown = table.rename(columns={"grade": "level"}).join(store.units(codes=list(assessed))[["lat", "lon"]],
                                                          on="unit")
    sections.append(Section("map", t("map", lang), [tr.text("summary.map_note")],
                            figure=_map(shown, level, year, {g: tr.term("level", g) for g in grades}, tr)))
    trend_text, trend_figure = [], None
    index_chart = _index_lines(result, codes, names, tr)
    population = _population_lines(store, codes, names, tr)
    if index_chart is not None:
        trend_text.append(tr.text("summary.trends_index", {"k": min(k, 6)}))
        trend_figure = index_chart
    if population is not None:
        trend_text.append(tr.text("summary.trends_population", {"k": min(k, 6), "base": population[1]}))
        trend_figure = trend_figure if trend_figure is not None else population[0]
    sections.append(Section("trends", tr.text("summary.trends"), trend_text or [t("none", lang)],
                            figure=trend_figure))
    if index_chart is not None and population is not None:
        sections.append(Section("population", tr.text("summary.population"), [], figure=population[0]))
    packages = _packages(store, diagnosed, lang)
    sections.append(Section("mechanisms", tr.text("summary.mechanisms"), [tr.text("summary.mechanisms_note",
                                                                                   {"k": k})],
                            table=_mechanisms_table(packages, tr)))
    title = tr.text("summary.title", {"level": tr.term("unit_level", level)})
    subtitle = tr.text("summary.subtitle", {"name": name, "version": version if version is not None else "—",
                                            "year": year, "n": n})
    return Document(title, subtitle, lang, sections, meta={"assessment": getattr(result, "name", result.spec.name),
                                                           "version": version, "level": level, "year": year,
                                                           "top": codes})
