"""Report documents: titled sections of text, a table and a chart, built from :mod:`~territoria.report.service`.

One :class:`Document` feeds every output: the HTML/PDF report (:func:`territoria.report.render.to_html`),
the XLSX workbook (one sheet per table) and the web page (``Document.to_dict()`` is the JSON the API
returns and the page script draws).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from territoria.errors import UnknownNameError
from territoria.mechanisms import load_knowledge_base
from territoria.report import charts, service
from territoria.report.geomap import point_map
from territoria.report.i18n import t
from territoria.report.messages import Translator, headers, indicator_name

__all__ = ["Document", "Section", "frame_to_json", "grade_scale", "overview_section", "profile_document",
           "ranking_document", "uncertainty_sentence"]


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def frame_to_json(frame: pd.DataFrame, lang: str | None = None) -> dict[str, Any]:
    """``{"columns": [...], "rows": [[...], ...]}`` with missing values as null; with ``lang`` also
    ``"headers"``, the columns' headers in that language (the columns stay codes for clients)."""
    out: dict[str, Any] = {"columns": [str(c) for c in frame.columns],
                           "rows": [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]}
    if lang is not None:
        out["headers"] = headers(frame.columns, lang)
    return out


@dataclass
class Section:
    """One part of a report: ``id``, ``title``, paragraphs ``text``, an optional ``table`` and ``figure``."""

    id: str
    title: str
    text: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    figure: go.Figure | None = None
    link: str | None = None  # column of ``table`` holding unit codes (rows link to the unit's page)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "text": self.text, "link": self.link,
                "table": frame_to_json(self.table, lang) if self.table is not None else None,
                "figure": json.loads(self.figure.to_json()) if self.figure is not None else None}


@dataclass
class Document:
    """A titled list of sections in one language."""

    title: str
    subtitle: str
    lang: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "subtitle": self.subtitle, "lang": self.lang, "meta": self.meta,
                "sections": [s.to_dict(self.lang) for s in self.sections]}

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def uncertainty_sentence(tr: Translator, *, name: str, rank: Any, n: int, lo: Any, hi: Any) -> str:
    """The rank and its 5–95 % Monte-Carlo interval in words a non-statistician reads: "X is ranked 14th
    of 17; in 90 of 100 plausible variants of the method it is between 12th and 14th"."""
    known = lo is not None and hi is not None and not (pd.isna(lo) or pd.isna(hi))
    lo_s, hi_s = (f"{float(lo):.0f}", f"{float(hi):.0f}") if known else ("", "")
    return tr.text("uncertainty.sentence", {"name": name, "rank": int(rank), "n": int(n), "lo": lo_s, "hi": hi_s,
                                           "width": "none" if not known else ("one" if lo_s == hi_s else "range")})


def grade_scale(result: Any, tr: Translator, level: Any) -> str:
    """The grade and the scale it comes from: "crisis — level 1 of 5: crisis → depressive → …"."""
    labels = list(result.spec.grade.labels) if result is not None and result.spec.grade is not None else []
    if level is None or str(level) not in labels:
        return tr.term("level", level) if level is not None else "—"
    return tr.text("overview.grade", {"level": tr.term("level", level), "position": labels.index(str(level)) + 1,
                                      "k": len(labels), "scale": " → ".join(tr.term("level", v) for v in labels)})


def overview_section(p: dict[str, Any], tr: Translator, catalogue: Any) -> Section:
    """The first page of a profile: rank with its interval, grade and its scale, status, the three weakest
    points and the package of mechanisms by horizon (``p`` is :func:`territoria.report.service.unit_profile`)."""
    lang = tr.lang
    a, status = p["assessment"], p["status"]
    items: list[tuple[str, str]] = []
    if a is not None:
        items.append((tr.text("overview.rank"), uncertainty_sentence(
            tr, name=p["assessed_name"], rank=a["rank"], n=a["n_units"], lo=a["rank_p05"], hi=a["rank_p95"])))
        items.append((tr.text("overview.grade_item"), grade_scale(p["result"], tr, a["level"])))
    items.append((t("status", lang), status["status_label"] if status["status"] != "insufficient_data"
                  else t("insufficient_data", lang)))
    weak = p["weak"]
    if weak is not None and len(weak):
        lines = [tr.text("overview.weak_point", {"indicator": _indicator_name(catalogue, str(c), lang),
                                                  "gap": float(g)})
                 for c, g in zip(weak["code"].head(3), weak["gap_national"].head(3), strict=True)]
        # a separator as well as the line break: a reader that joins lines (a spreadsheet cell without wrapping,
        # copied text) still sees three items
        items.append((tr.text("overview.weakest"), ";\n".join(lines)))
    mech = p["mechanisms"]
    if len(mech):
        lines = []
        for horizon, part in mech.groupby("horizon", sort=False):
            names = [str(x) for x in part["name"]]
            lines.append(tr.text("overview.horizon", {"horizon": tr.term("horizon", horizon),
                                                      "years": str(part["years"].iloc[0]),
                                                      "names": "; ".join(names[:4]), "more": max(len(names) - 4, 0)}))
        items.append((tr.text("overview.package"), "\n".join(lines)))
    notes = [t("region_note", lang, year=a["year"], region=p["region_name"])] if a is not None and \
        "region" in p["notes"] else []
    table = pd.DataFrame(items, columns=["item", "value"])
    return Section("overview", tr.text("overview.title"), notes, table=table)


def profile_document(store: Any, code: str, *, lang: str = "en", result: Any = None) -> Document:
    """A unit's profile: seeds' table layout, radar, trends, rank with interval, groups, type, status,
    weaknesses, risk flags and mechanisms by horizon."""
    p = service.unit_profile(store, code, lang=lang, result=result)
    result = p["result"]
    tr = Translator(lang, catalogue=store.catalogue)
    unit = p["unit"]
    name = unit.get(f"name_{lang}") or unit["name_en"]
    a = p["assessment"]
    sections: list[Section] = [overview_section(p, tr, store.catalogue)]
    status = p["status"]
    label = status["status_label"] if status["status"] != "insufficient_data" else t("none", lang)
    coded = status.get("fact_codes")
    facts = tr.codes(coded) if isinstance(coded, str) else [f for f in str(status.get("facts") or "").split(" | ")
                                                            if f]
    sections.append(Section("status", t("status", lang), [f"{label}", *facts]))
    if a is not None:
        notes = [t("region_note", lang, year=a["year"], region=p["region_name"])] if "region" in p["notes"] else []
        notes.append(t("assessment_used", lang, name=a["name"], version=a["version"] or "-", year=a["year"],
                       level=tr.term("unit_level", a["assessed_level"] or "")))
        text = t("rank_text", lang, rank=a["rank"], n=a["n_units"], lo=a["rank_p05"], hi=a["rank_p95"],
                 level=a["level"], score=a["score"])
        ranking = service.regions_ranking(store, result, lang=lang)
        if a.get("rank_in_region") is not None:
            notes.append(t("rank_in_region", lang, rank=a["rank_in_region"], n=a["n_in_region"],
                           region=p["region_name"]))
        context = p["diagnosis"].context if p.get("diagnosis") is not None else None
        if context is not None:
            notes.append(t("region_context", lang, region=p["region_name"], rank=context.rank, n=context.n_units,
                           name=context.assessment, year=context.year))
        sections.append(Section("rank", t("rank_interval", lang), [*notes, f"{p['assessed_name']}: {text}"],
                                figure=charts.rank_intervals(ranking, highlight=p["region"],
                                                             axis_title=tr.header("rank"))))
        sections.append(Section("radar", t("subindices", lang), [], figure=charts.radar(
            a["blocks"], reference=a["national"], name=p["assessed_name"], reference_name=t("national_mean", lang),
            labels={b: tr.term("block", b) for b in a["blocks"]})))
    else:
        sections.append(Section("rank", t("rank_interval", lang), [t("not_assessed", lang)]))
    table = p["table"]
    shown_table = table.drop(columns=["indicator"]).rename(columns={"unit": "unit_of_measure"})
    if len(shown_table):
        shown_table["block"] = [tr.term("block", b) if b else "" for b in shown_table["block"]]
    sections.append(Section("table", t("indicators_by_year", lang), [t("source_note", lang)], table=shown_table))
    if len(table):
        sections.append(Section("trends", t("trends", lang), [], figure=charts.trend_lines(table)))
    if p["groups"] is not None:
        groups = p["groups"].copy()
        if len(groups):
            groups["group"] = [tr.term("group", g) for g in groups["group"]]
            if "reason_code" in groups:
                groups["reason"] = ["; ".join(tr.codes(c)) if isinstance(c, str) and lang != "en" else r
                                    for c, r in zip(groups.pop("reason_code"), groups["reason"], strict=True)]
            else:
                groups["reason"] = [tr.group_reason(r) for r in groups["reason"]]
        sections.append(Section("groups", t("groups", lang), [] if len(groups) else [t("none", lang)],
                                table=groups if len(groups) else None))
    if p["type"] is not None:
        ty = p["type"]
        label = "; ".join(tr(c) for c in ty["label_codes"]) if ty.get("label_codes") else ty["label"]
        sections.append(Section("type", t("cluster_type", lang), [tr.text("type.line", {
            "region": p["region_name"], "label": label, "cluster": ty["cluster"], "stability": ty["stability"]})]))
    if p["weak"] is not None:
        cat = store.catalogue
        weak = p["weak"].copy()
        weak.insert(2, "name", [_indicator_name(cat, c, lang) for c in weak["code"]])
        blocks = p["weak_blocks"]
        sections.append(Section("weaknesses", t("weaknesses", lang),
                                [tr.list_sep.join(
                                    tr.text("weak.block", {"block": b, "gap": float(g)})
                                    for b, g in zip(blocks["code"], blocks["gap_national"], strict=True))],
                                table=weak.drop(columns=["unit"])))
    flags = p["flags"]
    shown = None
    if len(flags):
        shown = flags[["label", "indicator", "year", "value", "threshold", "text", "citation"]].copy()
        shown["label"] = [tr.word("rule", r, params={"label": lab}) for r, lab in zip(flags["rule"], flags["label"],
                                                                                      strict=True)]
        shown["indicator"] = [tr.indicator(i) for i in flags["indicator"]]
        shown["citation"] = [tr.citation(c) for c in flags["citation"]]
        if "text_code" in flags:
            shown["text"] = [tr({"code": c, "params": json.loads(pr)}) if isinstance(c, str) else x
                             for c, pr, x in zip(flags["text_code"], flags["text_params"], flags["text"], strict=True)]
    sections.append(Section("risks", t("risk_flags", lang),
                            ([] if shown is not None else [t("none", lang)])
                            + [t("not_evaluable", lang, n=p["flags_not_evaluable"])], table=shown))
    mech = p["mechanisms"]
    cols = [c for c in ("horizon", "years", "name", "government", "score", "reasons", "sources") if c in mech]
    shown_mech = mech[cols].copy()
    if len(shown_mech):
        shown_mech["horizon"] = [tr.term("horizon", h) for h in shown_mech["horizon"]]
        shown_mech["government"] = [", ".join(tr.term("government", g.strip()) for g in str(v).split(",") if g.strip())
                                    for v in shown_mech["government"]]
        if "sources" in shown_mech and "mechanism" in mech:
            kb_sources = {m.id: m.sources for m in load_knowledge_base(None).mechanisms}
            shown_mech["sources"] = [tr.citation(s, items=kb_sources.get(m)) if m in kb_sources else tr.citation(s)
                                     for m, s in zip(mech["mechanism"], mech["sources"], strict=True)]
        if "reason_codes" in mech:
            shown_mech["reasons"] = ["; ".join(tr.codes(c)) if isinstance(c, str) else r
                                     for c, r in zip(mech["reason_codes"], mech["reasons"], strict=True)]
    sections.append(Section("mechanisms", t("mechanisms", lang), [], table=shown_mech))
    level = tr.term("unit_level", str(unit.get("level")))
    pop = unit.get("population")
    subtitle = f"{code} · {level} · {t('region', lang)}: {p['region_name']}"
    if pop is not None and not (isinstance(pop, float) and math.isnan(pop)):
        subtitle += f" · {t('population', lang)}: {tr.number(float(pop))} ({unit.get('population_year')})"
    used = None
    if a is not None:
        used = {"name": a["name"], "version": a["version"], "level": a["assessed_level"], "year": a["year"],
                "unit": a["unit"], "rank_in_region": a["rank_in_region"], "n_in_region": a["n_in_region"]}
    return Document(name, subtitle, lang, sections, meta={"unit": code, "region": p["region"],
                                                          "status": status["status"], "assessment": used,
                                                          "assessment_note": p["assessment_note"]})


def _indicator_name(catalogue: Any, code: str, lang: str) -> str:
    try:
        item = catalogue[code]
    except KeyError:
        return code
    return indicator_name(item, lang)


def scale_notes(result: Any, tr: Translator, store: Any = None) -> list[str]:
    """Which scale the grades are on, and which units the sample leaves out, in the reader's language."""
    lang = tr.lang
    g = result.spec.grade
    notes = []
    if g.method in ("relative", "thresholds"):
        names = [tr.term("level", v) for v in g.labels] or [str(i + 1) for i in range(len(g.thresholds) + 1)]
        b = [tr.number(float(v)) for v in g.thresholds]
        bands = [f"{names[0]} < {b[0]}"] + [f"{names[i]} {b[i - 1]}–{b[i]}" for i in range(1, len(b))] + [
            f"{names[-1]} ≥ {b[-1]}"]
        notes.append(t(f"scale_{g.method}", lang, bands="; ".join(bands)))
    elif g.method in ("quantiles", "jenks"):
        notes.append(t("scale_learned", lang, method=g.method, k=g.k or len(g.labels) or 5))
    left = list(getattr(result, "excluded", []) or [])
    kinds = result.spec.units.kinds
    if not left and kinds and store is not None:      # a stored Result: the units its kinds filter leaves out
        units = store.units(level=result.spec.units.level) if result.spec.units.level else store.units()
        left = [str(u) for u, k in units["kind"].items() if isinstance(k, str) and k not in kinds]
    if left:
        names_of = store.units(codes=left)[f"name_{lang}"].to_dict() if store is not None else {}
        shown = ", ".join(str(names_of.get(u) or u) for u in left)
        notes.append(t("sample_left_out", lang, units=shown, reason=tr.citation("Orynbet & Imangali 2022, "
                                                                                "section 3")))
    return notes


def ranking_document(store: Any, *, lang: str = "en", scope: str | None = None, result: Any = None) -> Document:
    """Ranking report: the regions' ranking (or one region's, or a Store unit list's members) with a
    table, a map and the distribution of levels; plus the watch list of settlements and districts.

    ``scope``: None (all regions), a region code, or the name of a Store unit list.
    """
    result = result if result is not None else service.assessment(store)
    tr = Translator(lang, catalogue=store.catalogue)
    ranking = service.regions_ranking(store, result, lang=lang)
    order = list(result.spec.grade.labels) if result.spec.grade is not None else None
    codes = None
    rated = getattr(result, "level", None) or result.spec.units.level
    ranking_title = t("regions_ranking", lang) if rated in (None, "region") else t(
        "units_ranking", lang, level=tr.term("unit_level", rated))
    title = ranking_title
    if scope:
        regions = set(ranking["unit"])
        if scope in regions:
            codes = [u for u in store.units().index if str(u)[:2] == scope[:2] and str(u) != scope]
            codes = [c for c in service.watch_list(store, result, lang=lang)["unit"] if c in set(codes)] or None
            title = str(ranking.loc[ranking["unit"] == scope, "name"].iloc[0])
        else:
            members = store.unit_list(scope)
            if members.empty:
                raise UnknownNameError("region or unit list", scope, [])
            codes = members["code"].astype(str).tolist()
            title = scope
    watch = service.watch_list(store, result, lang=lang, codes=codes)
    cols = ["unit", "name", "rank", "rank_p05", "rank_p95", "level", result.root,
            *[c for c in ranking.columns if c in result.tree["code"].tolist() and c != result.root]]
    if scope and codes is not None and scope in set(ranking["unit"]):
        ranking = ranking[ranking["unit"] == scope]
    level_names = {str(v): tr.term("level", v) for v in [*(order or []), *ranking["level"].dropna().astype(str),
                                                          *watch["region_level"].dropna().astype(str)]}
    shown_ranking = ranking[cols].copy()
    shown_ranking["level"] = shown_ranking["level"].map(lambda v: level_names.get(str(v), v) if pd.notna(v) else v)
    shown_watch = watch[["unit", "name", "level", "region_name", "region_rank", "region_level", "status_label",
                         "seed_status", "population"]].copy()
    shown_watch["level"] = [tr.term("unit_level", v) for v in shown_watch["level"]]
    shown_watch["region_level"] = [tr.term("level", v) if isinstance(v, str) else v
                                   for v in shown_watch["region_level"]]
    shown_watch["seed_status"] = [tr.term("seed_status", v) if isinstance(v, str) else v
                                  for v in shown_watch["seed_status"]]
    sections = [
        Section("ranking", ranking_title, scale_notes(result, tr, store), table=shown_ranking, link="unit"),
        Section("map", t("map", lang), [t("map_note", lang)],
                figure=point_map(ranking if not scope else
                                 watch.drop(columns="level").rename(columns={"region_level": "level"}),
                                 color="level", title="", names=level_names,
                                 no_data=tr.text("summary.not_rated"))),
        Section("levels", t("levels", lang), [], figure=charts.levels_bar(
            ranking["level"] if not scope else watch["region_level"], order=order, labels=level_names,
            axis_title=t("units_count", lang))),
        Section("watch", t("watch_list", lang), [t("watch_note", lang)], table=shown_watch, link="unit"),
    ]
    version = getattr(result, "version", None)  # a stored assessment: which version is shown
    subtitle = (f"{tr.term('spec', result.spec.name)}{f' v{version}' if version else ''} · "
                f"{max(result.spec.year_list)} · {len(ranking)} "
                f"{t('units_count', lang)}")
    return Document(title, subtitle, lang, sections, meta={"scope": scope})
