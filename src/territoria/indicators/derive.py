"""Relative indicators derived from published series by the catalogue's formulas.

Pure pandas: long observations in, long derived rows out; no I/O. Formulas (``Formula`` in
:mod:`territoria.catalog.catalogue`), with ``x = sum of the numerator series`` and
``d = sum of the denominator series``:

* per capita, per 1,000 / 10,000 / 100, share: ``v = scale * x / d``;
* growth: ``v = 100 * (x_t / x_{t-1} - 1)``; ``index_minus_100``: ``v = x - 100``;
* ratio to national: ``v = q_unit / q_nat`` with ``q = scale * x / d`` (or ``scale * x``), ``q_nat`` the
  country row ``"KZ"`` (``country_row``) or ``sum(x) / sum(d)`` over the regional units present
  (``sum_of_units``; back-calculated parts beside their old unit are left out);
* inverse Herfindahl: ``v = 1 / sum_k s_k**2``, ``s_k = g_k / sum_j g_j`` over activity groups ``g``
  (negative values count as 0, absent parts as 0).

A numerator or denominator made of several series needs every one of them for the unit-year.
``by_year`` variants replace the formula in their years; a ``fallback`` fills unit-years the formula
leaves empty; a formula with ``levels`` is used only for units of those levels. ``masked_years`` are
dropped; ``applies_to: regions_only`` drops the cities of republican significance. District-level breaks
of territory (:mod:`territoria.indicators.breaks`) drop the per-capita value of the year of the change and
the growth across it. When the observations carry ``source_id`` (and ``import_id``), every derived cell's
note names the series, sources and imports it was computed from. References: INDICATORS.md of the
project's data folder; Turkeeva, Omarov & Abilkaiyr (2022).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from territoria.catalog.catalogue import Catalogue, Formula, Indicator
from territoria.catalog.units import REPUBLICAN_CITIES, overlapping_parts, splits
from territoria.errors import DataError
from territoria.indicators.breaks import REGION_CODE, break_mask, territory_changes

__all__ = ["DERIVED_COLUMNS", "compute_formula", "derive", "formula_series", "unit_levels"]

DERIVED_COLUMNS = ["unit", "indicator", "year", "value", "source_id", "note"]
_REGION_CODE = r"^(\d{2}0000000|X_[A-Z_]+)$"


def _parts(part: str | list[str] | None) -> list[str]:
    if part is None:
        return []
    return [part] if isinstance(part, str) else list(part)


def _sum_all(table: pd.DataFrame, names: list[str]) -> pd.Series:
    """Row sums that are missing unless every named column has a value."""
    cols = table.reindex(columns=names)
    return cols.sum(axis=1, min_count=len(names)).where(cols.notna().all(axis=1))


def _quotient(table: pd.DataFrame, formula: Formula) -> tuple[pd.Series, pd.Series | None]:
    x = _sum_all(table, _parts(formula.numerator))
    d = _sum_all(table, _parts(formula.denominator)) if formula.denominator is not None else None
    return x, d


def _inverse_herfindahl(table: pd.DataFrame, formula: Formula) -> pd.Series:
    names = _parts(formula.numerator)
    cols = table.reindex(columns=names).clip(lower=0)
    present = cols.notna().any(axis=1)
    grouped = {}
    in_group = {m for members in formula.groups.values() for m in members}
    for name in names:
        if name not in in_group:
            grouped[name] = cols[name].fillna(0.0)
    for group, members in formula.groups.items():
        grouped[group] = cols.reindex(columns=members).fillna(0.0).sum(axis=1)
    g = pd.DataFrame(grouped)
    total = g.sum(axis=1)
    shares = g.div(total.where(total > 0), axis=0)
    return (1.0 / (shares**2).sum(axis=1, min_count=1)).where(present & (total > 0))


def _national(x: pd.Series, d: pd.Series | None, formula: Formula, crosswalk: pd.DataFrame | None) -> pd.Series:
    """q of the national reference per year."""
    q = formula.scale * (x if d is None else x / d.where(d != 0))
    if formula.national_reference == "country_row":
        nat = q[q.index.get_level_values("unit") == "KZ"]
        return pd.Series(nat.to_numpy(), index=nat.index.get_level_values("year"))
    out = {}
    known = splits(crosswalk)
    frame = pd.DataFrame({"x": x, "d": d if d is not None else 1.0}).dropna()
    units = frame.index.get_level_values("unit")
    frame = frame[units.str.fullmatch(_REGION_CODE)]
    for year, group in frame.groupby(level="year"):
        codes = group.index.get_level_values("unit")
        drop = overlapping_parts(codes, int(year), known=known)
        group = group[~codes.isin(drop)]
        if d is None:
            out[year] = formula.scale * group["x"].sum() / len(group)
        else:
            out[year] = formula.scale * group["x"].sum() / group["d"].sum()
    return pd.Series(out, dtype=float)


def compute_formula(table: pd.DataFrame, formula: Formula, kind: str, *,
                    crosswalk: pd.DataFrame | None = None) -> pd.Series:
    """Values of one formula for every (unit, year) of ``table`` (a (unit, year) × series table).

    Parameters
    ----------
    table : DataFrame
        Index (``unit``, ``year``), one column per series id.
    formula : Formula
    kind : str
        The indicator's kind (``growth`` switches to year-on-year change).
    crosswalk : DataFrame, optional
        Used by ``sum_of_units`` to leave out back-calculated parts beside their old unit.

    Returns
    -------
    Series
        Indexed like ``table``; NaN where the formula cannot be evaluated.
    """
    if formula.method == "inverse_herfindahl":
        return _inverse_herfindahl(table, formula)
    x, d = _quotient(table, formula)
    if formula.method == "index_minus_100":
        return x - 100.0
    if kind == "growth":
        frame = x.rename("x").reset_index()
        prev = frame.assign(year=frame["year"] + 1).set_index(["unit", "year"])["x"]
        previous = prev.reindex(x.index)
        return 100.0 * (x / previous.where(previous != 0) - 1.0)
    q = formula.scale * (x if d is None else x / d.where(d != 0))
    if formula.national_reference == "none":
        return q
    nat = _national(x, d, formula, crosswalk)
    years = q.index.get_level_values("year")
    ref = pd.Series(nat.reindex(years).to_numpy(), index=q.index)
    return q / ref.where(ref != 0)


def _complete_old_units(table: pd.DataFrame, catalogue: Catalogue, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Fill an old unit's missing additive series with the sum of its parts, up to the year of its split."""
    additive = [c for c in table.columns if c in catalogue and catalogue[c].additive]
    table = table.copy()
    for split in splits(crosswalk):
        if split.keeps_code:
            continue
        years = sorted({y for u, y in table.index if u in split.parts and y <= split.year})
        for year in years:
            parts = [(p, year) for p in split.parts]
            if not all(p in table.index for p in parts):
                continue
            total = table.loc[parts, additive].sum(min_count=len(parts))
            key = (split.old, year)
            if key not in table.index:
                table.loc[key, :] = np.nan
            current = table.loc[key, additive]
            table.loc[key, additive] = current.where(current.notna(), total)
    return table.sort_index()


def unit_levels(codes: Iterable[str], units: pd.DataFrame | None = None) -> pd.Series:
    """Level of each code: from the units table when given, else ``KZ`` country, region codes region,
    anything else district (settlements cannot be told from districts by the code alone)."""
    distinct = (codes if isinstance(codes, pd.Index) else pd.Index(list(codes), dtype=object)).unique()
    codes = pd.Index(list(dict.fromkeys(str(c) for c in distinct)))  # unique() keeps the order of appearance
    guess = pd.Series(np.where(codes == "KZ", "country",
                               np.where(codes.str.fullmatch(REGION_CODE), "region", "district")), index=codes)
    if units is None:
        return guess
    frame = units.reset_index() if "code" not in units.columns else units
    if "level" not in frame.columns:
        return guess
    known = frame.set_index(frame["code"].astype(str))["level"]
    known = known[~known.index.duplicated()]
    return known.reindex(codes).fillna(guess)


def _in_levels(index: pd.MultiIndex, levels: pd.Series, wanted: list[str] | None) -> pd.Series:
    if not wanted:
        return pd.Series(True, index=index)
    return pd.Series(levels.reindex(index.get_level_values("unit")).isin(wanted).to_numpy(), index=index)


def _evaluate(table: pd.DataFrame, formula: Formula, kind: str, crosswalk: pd.DataFrame | None,
              levels: pd.Series) -> pd.Series:
    values = compute_formula(table, formula, kind, crosswalk=crosswalk)
    return values.where(_in_levels(values.index, levels, formula.levels))


def _own_series(formula: Formula) -> list[str]:
    """The series one formula reads itself (not its by-year or fallback variants)."""
    names = _parts(formula.numerator) + _parts(formula.denominator)
    names += [m for members in formula.groups.values() for m in members]
    return list(dict.fromkeys(names))


def _inputs_note(pieces: dict[str, np.ndarray], series: list[str], n: int) -> np.ndarray:
    """``"; inputs: s1 (SRC, import #n), s2 (...)"`` per cell (``pieces``: per series, aligned cells)."""
    joined = np.full(n, "", dtype=object)
    for name in series:
        piece = pieces.get(name)
        if piece is None:
            continue
        joined = np.where(piece == "", joined, np.where(joined == "", piece, joined + ", " + piece))
    return np.where(joined == "", "", "; inputs: " + joined)


def _derive_one(ind: Indicator, table: pd.DataFrame, crosswalk: pd.DataFrame | None, cities: set[str],
                levels: pd.Series, changes: pd.DataFrame, pieces: dict[str, np.ndarray] | None = None
                ) -> pd.DataFrame:
    formula = ind.formula
    assert formula is not None  # guarded by the caller
    values = _evaluate(table, formula, ind.kind, crosswalk, levels)
    notes = pd.Series(formula.text(ind.kind), index=values.index, dtype=object)
    n = len(values)
    inputs = _inputs_note(pieces or {}, _own_series(formula), n)
    years = values.index.get_level_values("year")
    for year, variant in formula.by_year.items():
        mask = np.asarray(years == year)
        if mask.any():
            values[mask] = _evaluate(table, variant, ind.kind, crosswalk, levels)[mask]
            notes[mask] = variant.text(ind.kind) + (f" ({variant.note})" if variant.note else f" (rule for {year})")
            inputs[mask] = _inputs_note(pieces or {}, _own_series(variant), n)[mask]
    if formula.fallback is not None:
        alt = _evaluate(table, formula.fallback, ind.kind, crosswalk, levels)
        fill = values.isna() & alt.notna()
        values[fill] = alt[fill]
        notes[fill] = "fallback: " + formula.fallback.text(ind.kind) + (
            f" ({formula.fallback.note})" if formula.fallback.note else "")
        inputs[fill.to_numpy()] = _inputs_note(pieces or {}, _own_series(formula.fallback), n)[fill.to_numpy()]
    growth = ind.kind == "growth" and formula.method == "auto"
    if growth or formula.denominator is not None:
        values[break_mask(values.index, changes, growth=growth).to_numpy()] = np.nan
    notes = notes + inputs
    out = pd.DataFrame({"value": values, "note": notes}).reset_index()
    out = out[np.isfinite(out["value"].to_numpy(dtype=float))]
    if ind.masked_years:
        out = out[~out["year"].isin(ind.masked_years)]
    if ind.applies_to == "regions_only":
        out = out[~out["unit"].isin(cities)]
    elif ind.applies_to == "cities_only":
        out = out[out["unit"].isin(cities)]
    out.insert(1, "indicator", ind.id)
    out["source_id"] = "derived"
    return out[DERIVED_COLUMNS]


def _provenance(obs: pd.DataFrame, index: pd.MultiIndex) -> dict[str, np.ndarray]:
    """Per series, ``"series (SOURCE, import #n)"`` for every cell of ``index`` ("" where absent);
    empty without a ``source_id`` column."""
    if "source_id" not in obs.columns or not len(index):
        return {}
    tag = obs["source_id"].fillna("?").astype(str)
    if "import_id" in obs.columns:
        ids = pd.to_numeric(obs["import_id"], errors="coerce")
        tag = tag + np.where(ids.notna(), ", import #" + ids.fillna(0).astype(int).astype(str), "")
    tags = obs.assign(_tag=tag).pivot(index=["unit", "year"], columns="indicator", values="_tag").reindex(index)
    out = {}
    for name in tags.columns:
        col = tags[name].to_numpy(dtype=object)
        has = pd.notna(col)
        out[str(name)] = np.where(has, str(name) + " (" + np.where(has, col, "").astype(object) + ")", "")
    return out


def formula_series(indicators: Iterable[Indicator]) -> list[str]:
    """Every series the formulas of ``indicators`` read, sorted."""
    return sorted({s for ind in indicators if ind.formula is not None for s in ind.formula.series()})


def derive(observations: pd.DataFrame, catalogue: Catalogue, *, indicators: Iterable[str] | None = None,
           units: pd.DataFrame | None = None, crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compute every catalogue indicator that has a formula (or those named) from long observations.

    Parameters
    ----------
    observations : DataFrame
        Long rows ``unit, indicator, year, value``, one per (unit, indicator, year).
    catalogue : Catalogue
    indicators : iterable of str, optional
        Ids to compute; default every entry with a formula.
    units : DataFrame, optional
        Units table (``code`` column or index, ``kind``); units of kind ``city_republican`` are the
        cities for ``applies_to``. Default: Astana, Almaty and Shymkent.
    crosswalk : DataFrame, optional
        With ``split_part`` rows. When given, an old unit without its own row of an additive series gets
        the sum of its parts up to the year of its split (e.g. South Kazakhstan's 1 January 2017
        population = Turkistan + Shymkent), ``sum_of_units`` references use its splits, and district-level
        changes of territory drop the values that straddle them (:mod:`territoria.indicators.breaks`).

    Returns
    -------
    DataFrame
        ``unit, indicator, year, value, source_id ("derived"), note`` (the formula used and, when the
        observations carry ``source_id``/``import_id``, the inputs it read).
    """
    for col in ("unit", "indicator", "year", "value"):
        if col not in observations.columns:
            raise DataError(f"derive: observations lack column {col!r}; have {list(observations.columns)}")
    if observations.duplicated(["unit", "indicator", "year"]).any():
        first = observations[observations.duplicated(["unit", "indicator", "year"])].iloc[0]
        raise DataError(f"derive: duplicated (unit, indicator, year) rows, first "
                        f"{(first['unit'], first['indicator'], int(first['year']))}")
    wanted = [catalogue[i] for i in indicators] if indicators is not None else \
        [i for i in catalogue if i.formula is not None]
    wanted = [i for i in wanted if i.formula is not None]
    obs = observations.assign(unit=observations["unit"].astype(str), year=observations["year"].astype(int))
    needed = formula_series(wanted)
    obs = obs[obs["indicator"].isin(needed)]
    table = obs.pivot(index=["unit", "year"], columns="indicator", values="value").astype(float)
    table = table.reindex(columns=needed)
    if crosswalk is not None and len(table):
        table = _complete_old_units(table, catalogue, crosswalk)
    if units is not None:
        frame = units.reset_index() if "code" not in units.columns else units
        cities = set(frame.loc[frame["kind"] == "city_republican", "code"].astype(str))
    else:
        cities = set(REPUBLICAN_CITIES)
    levels = unit_levels(table.index.get_level_values("unit"), units) if len(table) else pd.Series(dtype=str)
    changes = territory_changes(crosswalk)
    pieces = _provenance(obs, table.index)
    frames = [_derive_one(ind, table, crosswalk, cities, levels, changes, pieces) for ind in wanted] \
        if len(table) else []
    if not frames:
        return pd.DataFrame(columns=DERIVED_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out.sort_values(["indicator", "unit", "year"]).reset_index(drop=True)
