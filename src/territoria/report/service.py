"""What reports and the web show, composed from the method modules (no method logic here).

Every function takes an open :class:`~territoria.store.Store` and returns DataFrames or plain dicts;
the HTML/PDF/XLSX reports (:mod:`territoria.report.render`) and the web application
(:mod:`territoria.web`) both call them, so the two never disagree.

Assessments come from the Store (:mod:`territoria.store.assessments`): a unit is shown in the latest
stored assessment of its own level (or the one named), diagnosed by :func:`territoria.diagnosis.diagnose`.
A unit that no assessment of its level rates keeps its own series and status, and its region's
assessment is shown as context; the profile says so in ``notes``.
The groups (:mod:`territoria.groups`) and the typology (:mod:`territoria.typology`)
are shown when those packages import; they are never required.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

import pandas as pd

from territoria.assess.record import digest
from territoria.catalog.units import splits
from territoria.diagnosis import region_of, risk_flags
from territoria.dynamics.status import load_status_rules
from territoria.dynamics.trends import trend_table
from territoria.errors import DataError, TerritoriaError, UnknownNameError
from territoria.ingest.bundled import geonames_places
from territoria.mechanisms import load_knowledge_base, recommend
from territoria.report.assessed import (
    assessment,
    assessment_label,
    derived,
    diagnosis,
    latest_year,
    rank_intervals,
    ranking_table,
    result_key,
    unit_region,
    unit_statuses,
)
from territoria.report.i18n import t
from territoria.report.messages import indicator_name, unit_name
from territoria.store import measures as ms

__all__ = ["STATUS_ORDER", "SeedTowns", "assessment", "assessment_label", "comparison", "diagnosis",
           "group_memberships", "monitoring", "rank_intervals", "ranking_table", "region_of_unit", "regions_ranking",
           "shared_latest", "unit_profile", "unit_region", "unit_table", "watch_list"]

#: Statuses from the most to the least worrying (the package's status rules).
STATUS_ORDER = ["at_risk_of_dying_out", "declining", "stagnating", "stable", "developing", "insufficient_data"]
#: The seeds' two worked towns (Turkeeva, Omarov & Abilkaiyr 2022, tables 1–2).
SeedTowns = {"593620100": "Bulaevo", "595220100": "Mamlyutka"}
_SEED_LISTS = ("depressed_orynbet_imangali_2022", "depressed_turkeeva_omarov_abilkaiyr_2022")


def _name_col(lang: str) -> str:
    return f"name_{lang}" if lang in ("en", "ru", "kk") else "name_en"


def _points(store: Any, codes: Iterable[str]) -> pd.DataFrame:
    """A point per region: its capital city's point (for a city of republican significance its GeoNames
    point, when :mod:`territoria.typology` is present), else the mean of its settlements' points."""
    codes = pd.Index([str(c) for c in codes])
    settlements = store.units(level="settlement")[["lat", "lon"]]
    try:
        # lazy: inside a try block (an optional import)
        from territoria.typology import region_points
    except ImportError:  # the typology package is optional
        region_points = None
    if region_points is not None:
        names = store.units(level="region")["name_en"]
        return region_points(codes, settlements, names=names, places=geonames_places())[["lat", "lon"]]
    rows = {}
    prefix = settlements.index.astype(str).str[:2]
    for code in codes:
        capital = code[:2] + "1010000"
        if capital in settlements.index and pd.notna(settlements.at[capital, "lat"]):
            rows[code] = settlements.loc[capital, ["lat", "lon"]].astype(float).tolist()
        else:
            own = settlements[(prefix == code[:2]) & settlements["lat"].notna()]
            rows[code] = [own["lat"].mean(), own["lon"].mean()] if len(own) else [float("nan")] * 2
    return pd.DataFrame.from_dict(rows, orient="index", columns=["lat", "lon"])


def regions_ranking(store: Any, result: Any, *, lang: str = "en") -> pd.DataFrame:
    """One row per assessed unit: name, composite, blocks, rank, 5–95 % rank interval, level, point.

    Sorted from the most vulnerable (highest rank number) to the least.
    """
    frame = derived(store, result_key(("regions_ranking",), result),
                     lambda: _ranking_frame(store, result)).copy()
    units = store.units(codes=list(frame.index))
    frame.insert(0, "name", units[_name_col(lang)].reindex(frame.index).to_numpy())
    frame.index.name = "unit"
    return frame.sort_values("rank", ascending=False).reset_index()


def _ranking_frame(store: Any, result: Any) -> pd.DataFrame:
    """What :func:`regions_ranking` shows in every language: scores, ranks, rank intervals and points."""
    # a panel assessment ranks within each year: the ranking is that of its latest year
    frame, intervals, _ = latest_year(result.to_frame(), rank_intervals(result))
    # the intervals must come from the model of these ranks: its nominal run is the result itself
    nominal = intervals["rank"].reindex(frame.index).astype(float) if "rank" in intervals else None
    if nominal is not None and not nominal.equals(frame["rank"].astype(float)):
        raise DataError("ranking: the Monte-Carlo nominal ranks differ from the assessment's ranks; the rank "
                        "intervals would belong to another model")
    frame = frame.join(intervals[["rank_median", "rank_p05", "rank_p95"]])
    return frame.join(_points(store, frame.index))


def region_of_unit(code: str, assessed: Iterable[str], crosswalk: pd.DataFrame | None = None) -> str:
    """The assessed region a unit belongs to (its own code for a region).

    A unit of a region created after the assessed year (Abai, Ulytau, Zhetysu in 2022) is given the
    region it belonged to then, from the crosswalk's splits.
    """

    assessed = set(map(str, assessed))
    region = region_of(code)
    if region in assessed or crosswalk is None:
        return region
    return _region_then(crosswalk).get(region, region)


def _region_then(crosswalk: pd.DataFrame) -> dict[str, str]:
    """A region created by a split whose old region kept its code -> that old region (crosswalk splits)."""
    return {part: s.old for s in splits(crosswalk) if s.keeps_code for part in s.parts if part != s.old}


def _status_labels(lang: str) -> dict[str, str]:
    rules = load_status_rules()
    labels = {r.status: r.label.get(lang) for r in rules.statuses}
    labels[rules.default.status] = rules.default.label.get(lang)

    labels.setdefault("insufficient_data", t("insufficient_data", lang))
    return labels


def _statuses(store: Any, codes: list[str], lang: str) -> pd.DataFrame:
    table = derived(store, ("statuses", tuple(codes)), lambda: _classified(store, codes)).copy()
    table["status_label"] = table["status"].map(_status_labels(lang)).fillna(table["status"])
    return table[["status", "status_label", "facts", "fact_codes"]]


def _classified(store: Any, codes: list[str]) -> pd.DataFrame:
    """The units' statuses from their series (the same in every language)."""
    table = unit_statuses(store, codes, store.observations(units=codes)).reindex(codes)
    table["status"] = table["status"].fillna("insufficient_data")
    return table[["status", "facts", "fact_codes"]]


def watch_list(store: Any, result: Any, *, lang: str = "en", codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Settlements and districts to watch, most worrying first.

    By default: the units the seeds name as depressed (the Store's unit lists) and every settlement
    with series of its own. Columns: unit, name, level, kind, region, region_name, region_rank,
    region_level, status, status_label, facts, seed_status, population, lat, lon. Ordered by the
    region's rank (worst first), then the status (most worrying first). The region columns come from
    ``result`` when it rates regions, else from the latest stored assessment of the regions.
    """
    if getattr(result, "level", None) not in (None, "region"):
        with suppress(TerritoriaError):  # without a regions' assessment the region columns stay empty
            result = assessment(store, level="region")
    seed = pd.concat([store.unit_list(name) for name in _SEED_LISTS], ignore_index=True)
    seed_status = seed.drop_duplicates("code").set_index("code")["status"] if len(seed) else pd.Series(dtype=str)
    if codes is None:
        own = store.query("SELECT o.unit FROM observations o JOIN units u ON u.code = o.unit "
                          "WHERE u.level = 'settlement' GROUP BY o.unit HAVING count(DISTINCT o.indicator) > 1")
        codes = list(dict.fromkeys([*seed["code"].astype(str), *own["unit"].astype(str)]))
    codes = [str(c) for c in codes]
    if not codes:
        return pd.DataFrame(columns=["unit", "name", "level", "region", "region_rank", "status"])
    units = store.units(codes=codes).reindex(codes)
    ranks, grades = result.ranks, result.grades
    regions = store.units(level="region")[_name_col(lang)]
    crosswalk = store.crosswalk()
    # region_of_unit of each code, its splits read once (once per version of the Store in the web)
    rated, then = set(map(str, ranks.index)), derived(store, ("region_then",), lambda: _region_then(crosswalk))
    region = [r if (r := region_of(c)) in rated else then.get(r, r) for c in codes]
    table = pd.DataFrame({
        "unit": codes, "name": units[_name_col(lang)].to_numpy(), "level": units["level"].to_numpy(),
        "kind": units["kind"].to_numpy(), "region": region,
        "region_name": [regions.get(r) for r in region],
        "region_rank": pd.array([ranks.get(r) for r in region], dtype="Int64"),
        "region_level": [grades.get(r) for r in region],
    })
    table = table.join(_statuses(store, codes, lang).reset_index(drop=True))
    table["seed_status"] = table["unit"].map(seed_status)
    table["population"] = units["population"].to_numpy()
    table["lat"], table["lon"] = units["lat"].to_numpy(), units["lon"].to_numpy()
    severity = table["status"].map({s: i for i, s in enumerate(STATUS_ORDER)})
    order = table.assign(_r=-table["region_rank"].fillna(0).astype(int), _s=severity)
    return table.loc[order.sort_values(["_r", "_s", "name"]).index].reset_index(drop=True)


def unit_table(store: Any, code: str, *, lang: str = "en", years: Iterable[int] | None = None,
               indicators: Iterable[str] | None = None) -> pd.DataFrame:
    """A unit's indicators by year in the layout of the seeds' settlement tables.

    Columns ``block, indicator, name, unit`` then one column per year (as text: ``"2015"``...), one row
    per indicator, ordered by block then catalogue order (the seeds' Tables 1–2 of Turkeeva, Omarov &
    Abilkaiyr 2022 list the socio-economic indicators with their unit of measurement and 2015–2020).
    """
    obs = store.observations(units=[code], indicators=list(indicators) if indicators is not None else None)
    if years is not None:
        obs = obs[obs["year"].isin(list(years))]
    if obs.empty:
        return pd.DataFrame(columns=["block", "indicator", "name", "unit"])
    wide = obs.pivot_table(index="indicator", columns="year", values="value", aggfunc="first")
    wide.columns = [str(int(c)) for c in wide.columns]

    cat = store.catalogue
    order = {ind.id: i for i, ind in enumerate(cat)}
    meta = []
    for ind in wide.index:
        try:
            item = cat[ind]
            meta.append((item.block or "", indicator_name(item, lang), unit_name(item, lang)))
        except KeyError:
            meta.append(("", ind, ""))
    wide.insert(0, "unit", [m[2] for m in meta])
    wide.insert(0, "name", [m[1] for m in meta])
    wide.insert(0, "block", [m[0] for m in meta])
    wide = wide.reset_index()
    wide["_o"] = wide["indicator"].map(order).fillna(len(order))
    return wide.sort_values(["block", "_o"]).drop(columns="_o").reset_index(drop=True)


def group_memberships(store: Any, code: str, level: str) -> pd.DataFrame | None:
    """Group memberships of a settlement (None when the groups package is absent or not a settlement)."""
    if level != "settlement":
        return None
    try:
        # lazy: inside a try block (an optional import)
        from territoria.groups import assign_groups
    except ImportError:
        return None
    units = store.units(codes=[code])
    assignment = assign_groups(units)
    found = pd.concat([assignment.memberships.assign(member=True), assignment.unknown.assign(member=None)],
                      ignore_index=True)
    return found[["group", "member", "reason", "reason_code"]].reset_index(drop=True)


#: Typologies already computed, by what they are computed from (the scores and the tree); a few kept.
_TYPOLOGIES: dict[tuple[Any, ...], Any] = {}


def _typology(result: Any, region: str) -> dict[str, Any] | None:
    try:
        # lazy: inside a try block (an optional import)
        from territoria.typology import typology_of_result
    except ImportError:
        return None

    key = (digest(result.tables["aggregated"]), digest(result.tree), result.spec.name)
    try:
        typ = _TYPOLOGIES.get(key) or typology_of_result(result, n_resamples=50, seed=0)
    except DataError:
        return None
    _TYPOLOGIES[key] = typ
    while len(_TYPOLOGIES) > 8:
        _TYPOLOGIES.pop(next(iter(_TYPOLOGIES)))
    if region not in typ.table.index:
        return None
    row = typ.table.loc[region]
    codes = getattr(typ, "label_codes", None)
    return {"cluster": int(row["cluster"]), "label": str(row["label"]), "stability": float(row["stability"]),
            "label_codes": list(codes.get(row["cluster"], [])) if codes is not None else None}


def unit_profile(store: Any, code: str, *, lang: str = "en", result: Any = None, name: str | None = None,
                 year: int | None = None, n_weak: int = 5) -> dict[str, Any]:
    """Everything a unit's profile shows.

    The unit is diagnosed (:func:`diagnosis`) in ``result``, or else in the assessment ``name``, or
    else in the latest stored assessment of its own level. When none rates it, the profile shows its
    region's assessment as context and says so (``notes``: ``"region"``), or ``"not_assessed"``.

    Returns
    -------
    dict
        ``unit`` (dict of the unit's row), ``region`` (the assessed unit whose rank is shown: the unit
        itself or its region), ``table`` (indicator × year, :func:`unit_table`), ``trends``, ``status``
        (dict), ``assessment`` (dict: score, blocks, rank, rank interval, level, n_units, national block
        means, name, version, year, rank_in_region, n_in_region), ``result`` (the Result whose rank is
        shown), ``diagnosis`` (:class:`~territoria.diagnosis.Diagnosis` or None), ``weak`` and
        ``weak_blocks``, ``flags`` (risk flags that hold), ``flags_not_evaluable`` (count),
        ``mechanisms``, ``groups`` (or None), ``type`` (or None), ``notes`` (list of str),
        ``assessment_note`` (which assessment was used, or why none), ``region_name`` (the unit's region)
        and ``assessed_name`` (the name of the unit whose rank is shown).
    """

    core = derived(store, result_key(("unit_profile", code, name, year, n_weak), result),
                    lambda: _profile_core(store, code, result=result, name=name, year=year, n_weak=n_weak))
    row, flags, status = core["row"], core["flags"], core["status"]
    # the memoised parts are shared by every request: each answer gets its own copies of the tables
    status = {**status, "status_label": _status_labels(lang).get(status["status"]) or status["status"]}
    out: dict[str, Any] = {"unit": {"code": code, **{k: row[k] for k in row.index}},
                           "table": unit_table(store, code, lang=lang), "notes": list(core["notes"]),
                           "status": status, "diagnosis": core["diagnosis"], "trends": core["trends"].copy(),
                           "region": core["region"], "result": core["result"],
                           "assessment": dict(core["assessment"]) if core["assessment"] is not None else None,
                           "assessment_note": core["assessment_note"], "weak": _copy(core["weak"]),
                           "weak_blocks": _copy(core["weak_blocks"]), "flags": core["flags_held"].copy(),
                           "flags_not_evaluable": core["flags_not_evaluable"],
                           "groups": core["groups"].copy() if core["groups"] is not None else None,
                           "type": dict(core["type"]) if core["type"] is not None else None}
    regions = store.units(level="region")[_name_col(lang)].to_dict()
    names = store.units(codes=[out["region"]])[_name_col(lang)].to_dict()
    out["assessed_name"] = names.get(out["region"]) or regions.get(out["region"], out["region"])
    own_region = code if str(row["level"]) == "region" else (unit_region(store, code) or out["region"])
    out["region_name"] = regions.get(own_region, own_region)
    out["mechanisms"] = recommend(
        code, load_knowledge_base(None), flags=_copy(flags), weak=out["weak"],
        status=None if status["status"] == "insufficient_data" else status["status"],
        status_facts=status.get("facts") or "", region_names=regions, lang=lang,
        status_fact_codes=status.get("fact_codes") if isinstance(status.get("fact_codes"), str) else None)
    return out


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, pd.DataFrame | pd.Series) else value


def _profile_core(store: Any, code: str, *, result: Any, name: str | None, year: int | None,
                  n_weak: int) -> dict[str, Any]:
    """What :func:`unit_profile` shows in every language: the diagnosis, the rank shown, flags, trends,
    groups, type and the status (without its label)."""
    units = store.units(codes=[code])
    if units.empty:
        raise UnknownNameError("unit", code, [])
    row = units.iloc[0]
    notes: list[str] = []
    diag = None
    note = ""
    if result is not None:
        in_result = code in set(map(str, result.tables["aggregated"].index.get_level_values(0)))
        if in_result:
            diag = diagnosis(store, code, result=result, year=year, n=n_weak)
    else:
        try:
            result = assessment(store, name=name, unit=code, year=year)
            diag = diagnosis(store, code, result=result, year=year, n=n_weak)
        except TerritoriaError as exc:
            if name is not None:
                raise
            note = str(exc)
    obs = store.observations(units=[code])
    if diag is not None:  # the diagnosis has evaluated the unit's risk rules
        flags = diag.flags if "rule" in diag.flags else None
    else:
        flags = risk_flags(obs, national=store.observations(units=["KZ"]), year=year) if len(obs) else None
    status = _statuses(store, [code], "en").iloc[0].to_dict()
    out: dict[str, Any] = {"row": row, "notes": notes, "status": status, "diagnosis": diag, "flags": flags}
    try:
        out["trends"] = trend_table(obs).reset_index() if len(obs) else pd.DataFrame()
    except DataError:
        out["trends"] = pd.DataFrame()
    shown = diag
    if diag is None:  # not rated at its own level: its region, said so
        context = None
        if result is not None:
            region = region_of_unit(code, result.ranks.index, store.crosswalk())
            if region in set(map(str, result.ranks.index)):
                context = diagnosis(store, region, result=result, year=year, n=n_weak, context=False,
                                    own_series=False)
        elif str(row["level"]) != "region":
            try:
                regional = assessment(store, level="region")
            except TerritoriaError:
                regional = None
            region = region_of_unit(code, regional.ranks.index, store.crosswalk()) if regional is not None else None
            if region is not None and region in set(map(str, regional.ranks.index)):
                result = regional
                context = diagnosis(store, region, result=result, n=n_weak, context=False, own_series=False)
        shown = context
        notes.append("region" if context is not None else "not_assessed")
    out["shown"] = shown
    out["region"] = shown.unit if shown is not None else (unit_region(store, code) or code)
    out["result"] = result if shown is not None else None
    weak = weak_blocks = None
    if shown is not None:
        frame = result.to_frame()
        if isinstance(frame.index, pd.MultiIndex):
            frame = frame.xs(shown.year, level="year")
        frame.index = frame.index.astype(str)
        root = result.root
        blocks = [str(c) for c in result.tree.loc[result.tree["parent"] == root, "code"]]
        r = frame.loc[shown.unit]
        unc = rank_intervals(result) if not isinstance(result.tables["aggregated"].index, pd.MultiIndex) else None
        interval = {k: (float(unc.at[shown.unit, k]) if unc is not None else float(shown.rank))
                    for k in ("rank_p05", "rank_p95", "rank_median")}
        out["assessment"] = {
            "unit": shown.unit, "score": shown.score, "rank": shown.rank, "level": str(r["level"]),
            "n_units": shown.n_units, "blocks": {b: float(r[b]) for b in blocks},
            "national": {b: float(frame[b].mean()) for b in blocks}, **interval, "year": shown.year,
            "name": shown.assessment, "version": shown.version, "rank_in_region": shown.rank_in_region,
            "n_in_region": shown.n_in_region, "assessed_level": shown.level}
        weak, weak_blocks = shown.weak_indicators, shown.weak_blocks
        note = f"assessment used: {assessment_label(result)}, year {shown.year}" + (
            "" if diag is not None else f" (of the unit's region {shown.unit}: {note or 'none of its own level'})")
    else:
        out["assessment"] = None
    out["assessment_note"] = note
    out["weak"], out["weak_blocks"] = weak, weak_blocks
    if flags is not None:
        out["flags_held"] = flags[flags["flag"] == True].reset_index(drop=True)  # noqa: E712
        out["flags_not_evaluable"] = int(flags["flag"].isna().sum())
    else:
        out["flags_held"], out["flags_not_evaluable"] = pd.DataFrame(), 0
    out["groups"] = diag.groups if diag is not None else group_memberships(store, code, str(row["level"]))
    out["type"] = _typology(result, shown.unit) if shown is not None and shown.level == "region" else None
    return out


def comparison(store: Any, codes: list[str], *, lang: str = "en", result: Any = None) -> pd.DataFrame:
    """Units side by side: status, region, region's rank and level, sub-indices, latest value of each
    indicator they share. One column per unit (the unit's name), one row per item; a unit named twice is
    shown once."""
    codes = list(dict.fromkeys(codes))
    if len(codes) < 2:
        raise DataError(f"comparison: give two or more different units (got {codes})")
    result = result if result is not None else assessment(store)
    frame = result.to_frame()
    watched = watch_list(store, result, lang=lang, codes=codes).set_index("unit").reindex(codes)
    blocks = [c for c in frame.columns if c not in ("rank", "level", "scale")]
    rows: dict[str, list[Any]] = {k: [] for k in ("status", "region", "region_rank", "region_level", *blocks)}
    for code in codes:
        w = watched.loc[code]
        rows["status"].append(w["status_label"])
        rows["region"].append(w["region_name"])
        rows["region_rank"].append(w["region_rank"])
        rows["region_level"].append(w["region_level"])
        for b in blocks:
            rows[b].append(float(frame.at[w["region"], b]) if w["region"] in frame.index else None)
    table = pd.DataFrame(rows, index=codes).T
    shared = shared_latest(store.observations(units=codes), codes)
    if len(shared):
        table = pd.concat([table, shared.astype(object)])
    table.columns = [str(watched.at[c, "name"]) for c in codes]
    table.index.name = "item"
    return table.reset_index()


def shared_latest(obs: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Each indicator's values in the latest year that two or more of ``codes`` share, labelled
    ``"indicator (year)"``: every value of a row is of the year its label says (a unit without that year
    shows no value there, rather than an older one under a newer label)."""
    if not len(obs):
        return pd.DataFrame(columns=codes)
    counts = obs.groupby(["indicator", "year"])["unit"].nunique()
    counts = counts[counts >= 2].reset_index()
    if not len(counts):
        return pd.DataFrame(columns=codes)
    year = counts.groupby("indicator")["year"].max()
    chosen = obs.merge(year.rename("chosen").reset_index(), on="indicator")
    chosen = chosen[chosen["year"] == chosen["chosen"]]
    shared = chosen.pivot(index="indicator", columns="unit", values="value").reindex(columns=codes)
    shared.index = [f"{i} ({int(year[i])})" for i in shared.index]
    return shared


def monitoring(store: Any) -> dict[str, pd.DataFrame]:
    """Adopted measures with their latest recorded evaluation, and the early warnings (read only)."""

    return {"measures": ms.measures(store), "warnings": ms.warnings(store)}
