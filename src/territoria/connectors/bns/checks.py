"""Sum checks of a matched export, every region-year and every year of the Republic (pure pandas).

* **Region-year**: the districts and city administrations printed for a region in a year (each on the map of
  that year: a district is put in the first of its regions — its region today, then the regions before a
  boundary change — that prints a total for that year) add up to the printed region total.
* **Republic-year**: the printed regions (and cities of republican significance) add up to the Republic.

The comparison is exact when every figure of the group is a whole number (persons, m², thousand tenge are
printed as whole numbers); with printed decimals ``d`` it allows rounding, ``n × ½ × 10^-d`` for ``n`` parts.
A district whose region prints no total that year, a name that matched no unit (or several), and one
(unit, year) printed twice with different values are failures too: nothing of the table is stored unless
the user accepts the failures.
"""

from __future__ import annotations

import math

import pandas as pd

from territoria.connectors.taldau.gates import decimals

__all__ = ["CHECK_COLUMNS", "assign_regions", "check_sums", "duplicates"]

CHECK_COLUMNS = ["check", "code", "name", "year", "printed", "parts_sum", "difference", "n_parts", "ok", "detail"]


def assign_regions(matched: pd.DataFrame) -> pd.Series:
    """The region each district row belongs to in its year (None when none of its regions prints a total)."""
    totals = set(zip(matched.loc[matched["kind"].isin(["region"]), "code"],
                     matched.loc[matched["kind"].isin(["region"]), "year"], strict=True))
    out = []
    for kind, regions, year in zip(matched["kind"], matched["regions"], matched["year"], strict=True):
        if kind != "district" or not isinstance(regions, str) or not regions:
            out.append(None)
            continue
        out.append(next((r for r in regions.split(";") if (r, year) in totals), None))
    return pd.Series(out, index=matched.index, dtype=object)


def _tolerance(values: pd.Series, n_parts: int) -> float:
    d = decimals(values)
    return 0.0 if d == 0 else n_parts * 0.5 * 10.0 ** -d


def _compare(check: str, code: str, name: str, year: int, printed: float, parts: pd.DataFrame) -> dict[str, object]:
    total = math.fsum(parts["value"])
    tol = _tolerance(pd.concat([parts["value"], pd.Series([printed])]), len(parts))
    diff = total - printed
    ok = abs(diff) <= tol + 1e-9 * abs(printed)
    detail = "" if ok else "parts: " + "; ".join(f"{n} {v:,.10g}" for n, v in
                                                zip(parts["name"].head(40), parts["value"].head(40), strict=True))
    return {"check": check, "code": code, "name": name, "year": int(year), "printed": printed, "parts_sum": total,
            "difference": diff, "n_parts": len(parts), "ok": ok, "detail": detail}


def duplicates(matched: pd.DataFrame) -> pd.DataFrame:
    """(code, year) printed more than once: ``same`` (identical values, kept once) or a conflict."""
    keyed = matched[matched["code"].notna()]
    grouped = keyed.groupby(["code", "year"])["value"].agg(["size", "nunique", "min", "max"]).reset_index()
    twice = grouped[grouped["size"] > 1].copy()
    twice["same"] = twice["nunique"] == 1
    return twice


def check_sums(matched: pd.DataFrame, blocks: pd.DataFrame) -> pd.DataFrame:
    """Every check of a matched export; columns :data:`CHECK_COLUMNS` (``ok`` False marks a failure)."""
    frame = matched.copy()
    frame["region"] = assign_regions(frame)
    records: list[dict[str, object]] = []
    regions = frame[frame["kind"] == "region"].drop_duplicates(["code", "year"])
    districts = frame[frame["kind"] == "district"]
    for code, year, value, name in zip(regions["code"], regions["year"], regions["value"], regions["name"],
                                       strict=True):
        parts = districts[(districts["region"] == code) & (districts["year"] == year)].drop_duplicates(
            ["block", "year"])
        if len(parts):
            records.append(_compare("region = sum of its districts", code, name, year, value, parts))
    country = frame[frame["kind"] == "country"].drop_duplicates(["code", "year"])
    for code, year, value, name in zip(country["code"], country["year"], country["value"], country["name"],
                                       strict=True):
        parts = regions[regions["year"] == year]
        if len(parts):
            records.append(_compare("Republic = sum of the regions", code, name, year, value, parts))
    orphans = districts[districts["region"].isna()]
    for r in orphans.itertuples():
        records.append({"check": "district without its region's total", "code": r.code, "name": r.name,
                        "year": int(r.year), "printed": r.value, "parts_sum": float("nan"),
                        "difference": float("nan"), "n_parts": 0, "ok": False,
                        "detail": f"line {r.line}: none of its regions ({r.regions or 'unknown'}) prints a total "
                                  "for this year"})
    for b in blocks[blocks["match"].isin(["unmatched", "ambiguous"])].itertuples():
        records.append({"check": f"unit name {b.match}", "code": None, "name": b.name, "year": None,
                        "printed": float("nan"), "parts_sum": float("nan"), "difference": float("nan"),
                        "n_parts": int(b.n_rows), "ok": False,
                        "detail": f"line {b.first_line}, years {b.years}: {b.evidence}"})
    for d in duplicates(frame).itertuples():
        if not d.same:
            records.append({"check": "printed twice with different values", "code": d.code, "name": "",
                            "year": int(d.year), "printed": d.min, "parts_sum": d.max,
                            "difference": d.max - d.min, "n_parts": int(d.size), "ok": False, "detail": ""})
    return pd.DataFrame(records, columns=CHECK_COLUMNS)
