"""The monitoring board: re-evaluate adopted measures and early warnings, and word them for a reader.

:func:`evaluate` runs the same steps as ``territoria monitor`` (``interfaces/cli/dynamics._evaluate``):
:func:`territoria.mechanisms.monitor.evaluate_measures` on every active measure, the early warnings of
:func:`territoria.mechanisms.monitor.early_warnings` (risk flags of the last two years; graded levels of
a 2019–2023 composite for measures on regions), appended to the Store's history by
:func:`territoria.store.measures.record_evaluations` / ``record_warnings`` (a row equal to the latest one
is not appended again). It returns what changed between the board before and after.

:func:`board` is the board in one language: the measures and warnings tables with their statuses, kinds
and facts worded from the catalogue (:mod:`territoria.report.messages`), each time beside its ISO value
as the reader writes it (``evaluated_at_text``, ``raised_at_text``: :func:`territoria.report.moments.moment`),
and the time of the latest recorded evaluation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from territoria.assess.spec import default_spec_path
from territoria.diagnosis import risk_flags
from territoria.diagnosis.references import unit_indicators
from territoria.dynamics.composite import composite_over_years
from territoria.errors import DataError
from territoria.mechanisms import load_knowledge_base
from territoria.mechanisms.monitor import early_warnings, evaluate_measures
from territoria.report.messages import Translator
from territoria.report.moments import moment
from territoria.store import measures as ms
from territoria.store.assessments import load_assessment

__all__ = ["board", "evaluate", "last_recorded"]

_MEASURE_COLUMNS = ["measure_id", "unit", "mechanism", "indicator", "baseline_value", "target_value", "deadline_year",
                    "status", "data_year", "value", "expected", "evaluated_at", "facts"]
_WARNING_COLUMNS = ["unit", "kind", "year", "detail", "raised_at"]
_LEVEL_DOWN = re.compile(r"^level fell from (?P<level_from>\S+) \((?P<year_from>\d{4})\) to (?P<level_to>\S+) "
                         r"\((?P<year_to>\d{4})\)$")
_NEW_FLAG = re.compile(r"^new risk flag (?P<rule>[a-z0-9_]+): ")


def evaluate(store: Any, *, as_of: int | None = None, composite_years: tuple[int, int] = (2019, 2023),
             assessment: str | None = None) -> dict[str, Any]:
    """Re-evaluate every active measure and raise early warnings (the steps of ``territoria monitor``).

    Parameters
    ----------
    store : Store
        Opened for writing.
    as_of : int, optional
        Evaluation year (default: the latest data).
    composite_years : (int, int)
        Years of the composite whose graded levels give the ``level_down`` warnings of regions.
    assessment : str, optional
        A stored multi-year assessment with grades (``territoria assessments``) whose graded levels give
        the ``level_down`` warnings of the units it rates, instead of the regions' composite.

    Returns
    -------
    dict
        ``evaluated_at`` (UTC ISO time), ``evaluations`` and ``warnings`` (rows appended), ``changes``
        (DataFrame ``kind, measure_id, unit, indicator, field, before, after``: a measure whose status,
        data year or value changed, or a new warning).
    """
    stored_levels = _stored_levels(store, assessment) if assessment is not None else None
    before = ms.measures(store)
    seen = set(ms.warnings(store)["warning_id"])
    active = ms.measures(store, active_only=True)
    import_id = ms.latest_import(store)
    added = 0
    if len(active):
        obs = store.observations(units=active["unit"].unique().tolist(),
                                 indicators=active["indicator"].unique().tolist())
        added = ms.record_evaluations(store, evaluate_measures(active, obs, as_of=as_of), import_id=import_id)
    units = active["unit"].unique().tolist() if len(active) else []
    warned = 0
    if units:
        obs = store.observations(units=units)
        national = store.observations(units=["KZ"])
        years = sorted(set(obs["year"]))[-2:]
        # the implied series (population change...) do not depend on the year: derived once, not per year
        implied = unit_indicators(obs, national) if len(obs) else obs
        flags = pd.concat([risk_flags(implied, national=national, year=y, derive=False).assign(year=y)
                           for y in years], ignore_index=True) if len(years) == 2 else None
        levels, order = None, ()
        regions = [u for u in units if u in set(store.units(level="region").index)]
        if stored_levels is not None:
            levels, order = stored_levels[0][stored_levels[0]["unit"].isin(units)], stored_levels[1]
        elif regions:
            result = composite_over_years(store.panel(level="region", borders="old"), default_spec_path(),
                                          list(range(composite_years[0], composite_years[1] + 1)))
            frame = result.to_frame().reset_index()
            levels = frame[frame["unit"].isin(regions)][["unit", "year", "level"]]
            order = tuple(result.spec.grade.labels)
        warned = ms.record_warnings(store, early_warnings(levels, flags, order=order), import_id=import_id)
    after = ms.measures(store)
    changes = _changes(before, after, ms.warnings(store), seen)
    return {"evaluated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "evaluations": int(added),
            "warnings": int(warned), "changes": changes}


def _stored_levels(store: Any, name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Graded levels by year of the units a stored multi-year assessment rates, and its grade order."""
    found = load_assessment(store, name=name)
    frame = found.to_frame()
    if not isinstance(frame.index, pd.MultiIndex) or found.spec.grade is None:
        raise DataError(f"monitor: assessment {found.label} needs several years and grades for level warnings "
                        "(a spec with `years` and a `grade` section)")
    frame = frame.reset_index()
    frame["unit"] = frame["unit"].astype(str)
    return frame[["unit", "year", "level"]], tuple(found.spec.grade.labels)


def _changes(before: pd.DataFrame, after: pd.DataFrame, warnings: pd.DataFrame, seen: set[Any]) -> pd.DataFrame:
    rows = []
    old = before.set_index("measure_id")
    for r in after.itertuples():
        for field in ("status", "data_year", "value"):
            new = getattr(r, field)
            was = old.at[r.measure_id, field] if r.measure_id in old.index else None
            if _same(was, new):
                continue
            rows.append({"kind": "evaluation", "measure_id": int(r.measure_id), "unit": str(r.unit),
                         "indicator": str(r.indicator), "field": field, "before": _plain(was), "after": _plain(new)})
    for w in warnings[~warnings["warning_id"].isin(seen)].itertuples():
        rows.append({"kind": "warning", "measure_id": None, "unit": str(w.unit), "indicator": None,
                     "field": str(w.kind), "before": None, "after": str(w.detail)})
    return pd.DataFrame(rows, columns=["kind", "measure_id", "unit", "indicator", "field", "before", "after"])


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if a is None or b is None:
        return a is None and b is None
    return a == b


def last_recorded(store: Any) -> str | None:
    """Time of the latest evaluation or warning recorded in the Store (ISO), None when there is none."""
    found = store.query("SELECT greatest((SELECT max(evaluated_at) FROM measure_evaluations), "
                        "(SELECT max(raised_at) FROM monitor_warnings)) AS at")
    at = found["at"].iloc[0] if len(found) else None
    return None if at is None or pd.isna(at) else pd.Timestamp(at).isoformat(timespec="seconds")


def board(store: Any, *, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Measures (latest evaluation) and warnings in ``lang``: statuses, kinds and facts worded."""
    tr = Translator(lang, catalogue=store.catalogue)
    full = ms.measures(store)
    table = full[[c for c in _MEASURE_COLUMNS if c in full.columns]].copy()
    if len(table):
        table["facts"] = [_measure_facts(tr, r) for r in full.itertuples()]  # start_year is not shown but worded
        table["status"] = [tr.term("measure_status", s) if isinstance(s, str) else s for s in table["status"]]
        table["indicator"] = [tr.indicator(i) for i in table["indicator"]]
        named = _mechanism_names(lang)
        table["mechanism"] = [named.get(str(m), str(m)) for m in table["mechanism"]]
        names = store.units(codes=table["unit"].astype(str).unique().tolist())
        column = f"name_{lang}" if f"name_{lang}" in names.columns else "name_ru"
        own = names[column].where(names[column].notna(), names["name_ru"])
        table.insert(table.columns.get_loc("unit") + 1, "name", table["unit"].astype(str).map(own))
    alerts = ms.warnings(store)
    alerts = alerts[[c for c in _WARNING_COLUMNS if c in alerts.columns]].copy()
    if len(alerts):
        alerts["detail"] = [warning_detail(tr, d) for d in alerts["detail"]]
        alerts["kind"] = [tr.term("warning_kind", k) for k in alerts["kind"]]
    return {"measures": _with_text(table, "evaluated_at", lang), "warnings": _with_text(alerts, "raised_at", lang)}


def _with_text(frame: pd.DataFrame, column: str, lang: str) -> pd.DataFrame:
    """``frame`` with ``<column>_text`` after its time ``column``: the time as its reader writes it; the
    ISO column stays for the clients that compute with it."""
    if column not in frame.columns:
        return frame
    texts = [None if v is None or pd.isna(v) else moment(v, lang) for v in frame[column]]
    frame.insert(frame.columns.get_loc(column) + 1, f"{column}_text", pd.Series(texts, index=frame.index,
                                                                                  dtype=object))
    return frame


def _mechanism_names(lang: str) -> dict[str, str]:
    """The knowledge base's mechanism names in ``lang``, by id (a measure of an id it lacks shows the id)."""
    return {m.id: m.name.get(lang) for m in load_knowledge_base().mechanisms}


def _measure_facts(tr: Translator, r: Any) -> str:
    if r.status is None or (not isinstance(r.status, str) and pd.isna(r.status)):
        return ""
    if r.data_year is None or pd.isna(r.data_year):
        return tr.text("monitor.no_value", {"indicator": r.indicator, "start_year": _start(r)})
    return tr.text("monitor.evaluated", {
        "indicator": r.indicator, "data_year": int(r.data_year), "value": float(r.value),
        "baseline_value": float(r.baseline_value), "start_year": _start(r), "target_value": float(r.target_value),
        "deadline_year": int(r.deadline_year), "expected": round(float(r.expected), 3)})


def _start(r: Any) -> int | None:
    start = getattr(r, "start_year", None)
    return None if start is None or pd.isna(start) else int(start)


def warning_detail(tr: Translator, detail: str) -> str:
    """A recorded warning's detail in the reader's words (the English record when its form is unknown)."""
    if tr.lang == "en":
        return str(detail)
    if m := _LEVEL_DOWN.match(str(detail)):
        return tr.text("warning.level_down", {**m.groupdict(), "year_from": int(m["year_from"]),
                                              "year_to": int(m["year_to"])})
    if m := _NEW_FLAG.match(str(detail)):
        return tr.text("warning.new_flag", {"rule": m["rule"]})
    return str(detail)


def changes_text(tr: Translator, changes: pd.DataFrame) -> pd.DataFrame:
    """The ``changes`` of :func:`evaluate` with their values worded (statuses, indicator names, details,
    indicator values written as the reader writes numbers)."""
    out = changes.copy()
    if out.empty:
        return out
    out["indicator"] = [tr.indicator(i) if isinstance(i, str) else i for i in out["indicator"]]
    for col in ("before", "after"):
        out[col] = [tr.term("measure_status", v) if f == "status" and isinstance(v, str)
                    else warning_detail(tr, v) if k == "warning" and isinstance(v, str)
                    else tr.number(v) if f == "value" and isinstance(v, int | float) and not isinstance(v, bool)
                    else v
                    for k, f, v in zip(out["kind"], out["field"], out[col], strict=True)]
    out["field"] = [tr.term("warning_kind", f) if k == "warning" else tr.header(f)
                    for k, f in zip(out["kind"], out["field"], strict=True)]
    out["kind"] = [tr.term("change_kind", k) for k in out["kind"]]
    return out
