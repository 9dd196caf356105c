"""Printed unit names → codes, block by block (pure pandas).

A *block* is a run of lines with the same printed name. Each block is matched by its name folded with
:func:`territoria.ingest.names.name_key` against the units' Russian names (country, regions, districts and
city administrations), then — for names no unit carries — through the registry's printed-name variants, then
by the name without its designator (:func:`~territoria.ingest.names.normalise_name`). A name several units
share (Абайский район ×3, Жамбылский район ×3 ...) is resolved, in this order: a candidate already printed in
a block of its own drops out (a unit is printed once); the nearest resolved blocks before and after it (a
region row, or a district with a unique name) lie in one candidate's region — both when they agree, else the
one side that has one; the one candidate with which the most of its region-years add up exactly. Exports that
print the region row before its districts (4289) and those that print every region first and then the
districts region by region (6584, 6547) are both read this way.

The region a district is printed in may be its region *before* a boundary change: the region sets come from
the crosswalk's ``split_part`` rows (East Kazakhstan → Abai, Almaty → Zhetisu, Karaganda → Ulytau in 2022,
South Kazakhstan → Turkistan and Shymkent in 2018), so years before a change stay on their own map.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd

from territoria.connectors.bns.registry import NameVariant
from territoria.ingest.names import name_key, normalise_name

__all__ = ["MATCH_COLUMNS", "match_units", "region_sets"]

MATCH_COLUMNS = ["block", "name", "first_line", "n_rows", "years", "code", "kind", "regions", "match", "evidence"]
_LEVELS = ("country", "region", "district")


def region_sets(units: pd.DataFrame, crosswalk: pd.DataFrame | None) -> dict[str, tuple[str, ...]]:
    """For every unit code, the regions it has belonged to: its parent first, then the parent's predecessors.

    A predecessor is the ``old_code`` of a crosswalk ``split_part`` row whose ``new_code`` is the parent
    (East Kazakhstan Region for a district of Abai Region, South Kazakhstan for one of Turkistan Region).
    """
    before: dict[str, set[str]] = defaultdict(set)
    if crosswalk is not None and len(crosswalk):
        parts = crosswalk[(crosswalk["change_type"] == "split_part") & (crosswalk["old_code"] != crosswalk["new_code"])]
        for old, new in zip(parts["old_code"], parts["new_code"], strict=True):
            if old and new:
                before[str(new)].add(str(old))
    out: dict[str, tuple[str, ...]] = {}
    for code, parent in zip(units["code"], units["parent"], strict=True):
        if parent is None or pd.isna(parent):
            continue
        out[str(code)] = (str(parent), *sorted(before.get(str(parent), set())))
    return out


def _years(values: Iterable[int]) -> str:
    years = sorted({int(v) for v in values})
    spans: list[str] = []
    start = prev = years[0]
    for year in [*years[1:], None]:
        if year is None or year != prev + 1:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            if year is not None:
                start = year
        if year is not None:
            prev = year
    return ",".join(spans)


def _by_sums(found: list[dict[str, object]], rows: pd.DataFrame, regions_of: dict[str, tuple[str, ...]],
             resolve) -> bool:
    """Resolve the first still-ambiguous block whose value makes the most region-years add up exactly."""
    values = rows.groupby(["block", "year"])["value"].sum()
    kinds = {r["block"]: (r["kind"], r["code"], r["regions"]) for r in found}
    totals = {(code, year): v for (block, year), v in values.items()
              for kind, code, _ in [kinds[block]] if kind == "region"}
    parts: dict[tuple[str, int], float] = defaultdict(float)
    for (block, year), v in values.items():
        kind, _, regions = kinds[block]
        if kind == "district" and regions:
            region = next((r for r in regions if (r, year) in totals), None)  # type: ignore[union-attr]
            if region is not None:
                parts[(region, year)] += v
    for rec in found:
        if rec["match"] != "ambiguous":
            continue
        scores = {}
        for cand in rec["candidates"]:  # type: ignore[union-attr]
            score = 0
            for year, v in values.loc[rec["block"]].items():
                region = next((r for r in regions_of.get(cand, ()) if (r, year) in totals), None)
                if region is not None and abs(parts[(region, year)] + v - totals[(region, year)]) < 1e-6:
                    score += 1
            scores[cand] = score
        best = max(scores.values(), default=0)
        winners = [c for c, v in scores.items() if v == best]
        if best > 0 and len(winners) == 1:
            resolve(rec, winners[0], "sum check", f"with it {best} region-year(s) of its region add up exactly")
            return True
    return False


def match_units(rows: pd.DataFrame, *, units: pd.DataFrame, crosswalk: pd.DataFrame | None,
                variants: Iterable[NameVariant] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match every block of ``rows`` (columns ``line, block, name, year, value``) to a unit code.

    Returns
    -------
    rows : DataFrame
        ``rows`` plus ``code`` (None when unmatched, ambiguous or a unit without a code), ``kind``
        (country / region / district, None when unmatched) and ``regions`` (the regions a district may be
        printed in, its parent first, separated by ";"; empty for regions).
    blocks : DataFrame
        One row per block, :data:`MATCH_COLUMNS`; ``match`` is ``exact name``, ``name variant``, ``name without
        designator``; a shared name adds ``+ printed once`` (the other candidates have blocks of their own),
        ``+ region block`` (the resolved blocks around it lie in one candidate's region) or ``+ sum check``
        (only with it do its region's totals add up); else ``unmatched`` or ``ambiguous``.
    """
    table = units[units["level"].isin(_LEVELS)]
    level = dict(zip(table["code"].astype(str), table["level"], strict=True))
    exact: dict[str, list[str]] = defaultdict(list)
    loose: dict[str, list[str]] = defaultdict(list)
    for code, name in zip(table["code"].astype(str), table["name_ru"], strict=True):
        exact[name_key(name)].append(code)
        loose[normalise_name(name)].append(code)
    by_variant = {name_key(v.printed): v for v in variants}
    regions_of = region_sets(units, crosswalk)

    heads = rows.groupby("block", sort=True).agg(name=("name", "first"), first_line=("line", "min"),
                                                 n_rows=("line", "size"), years=("year", _years)).reset_index()
    found: list[dict[str, object]] = []
    for block, name in zip(heads["block"], heads["name"], strict=True):
        key = name_key(name)
        rec: dict[str, object] = {"block": block, "code": None, "kind": None, "regions": (),
                                  "candidates": [], "match": "unmatched", "evidence": ""}
        if key in by_variant:
            v = by_variant[key]
            kind = v.kind or (level.get(v.code) if v.code else "district") or "district"
            regs = (v.region,) if v.region else regions_of.get(v.code or "", ())
            rec.update(code=v.code, kind=kind, regions=regs if kind == "district" else (),
                       match="name variant", evidence=v.reason)
        else:
            cands = exact.get(key) or []
            how = "exact name"
            if not cands:
                cands, how = loose.get(normalise_name(name)) or [], "name without designator"
            if len(cands) == 1:
                code = cands[0]
                rec.update(code=code, kind=level[code], regions=regions_of.get(code, ())
                           if level[code] == "district" else (), match=how,
                           evidence=f"name matches {code}")
            elif cands:
                rec.update(candidates=cands, match="ambiguous", evidence=f"{how} of {', '.join(cands)}")
            else:
                rec["evidence"] = "no unit, variant or designator-free name matches"
        found.append(rec)

    def context(rec: dict[str, object]) -> frozenset[str]:
        if rec["kind"] in ("region", "country") and rec["code"]:
            return frozenset({str(rec["code"])})
        return frozenset(rec["regions"])  # type: ignore[arg-type]

    def resolve(rec: dict[str, object], code: str, how: str, evidence: str) -> None:
        rec.update(code=code, kind=level[code], regions=regions_of.get(code, ()),
                   match=f"{str(rec['evidence']).split(' of ')[0]} + {how}",
                   evidence=f"shared by {', '.join(rec['candidates'])}; {evidence}")  # type: ignore[arg-type]

    def side(i: int, step: int) -> frozenset[str] | None:
        j = i + step
        while 0 <= j < len(found):
            if found[j]["match"] not in ("ambiguous", "unmatched") and context(found[j]):
                return context(found[j])
            j += step
        return None

    # a unit is printed in one block: candidates printed elsewhere drop out; then the neighbours decide
    # (both sides when they agree, else the one side that has a resolved block); then the sums (_by_sums)
    progress = True
    while progress:
        progress = False
        taken = {str(r["code"]) for r in found if r["code"] and r["match"] not in ("ambiguous", "unmatched")}
        for i, rec in enumerate(found):
            if rec["match"] != "ambiguous":
                continue
            cands = [c for c in rec["candidates"] if c not in taken]  # type: ignore[union-attr]
            if len(cands) == 1:
                resolve(rec, cands[0], "printed once", "the other(s) are printed in other blocks")
                progress = True
                continue
            before, after = side(i, -1), side(i, 1)
            fit_b = [c for c in cands if before is not None and set(regions_of.get(c, ())) & before]
            fit_a = [c for c in cands if after is not None and set(regions_of.get(c, ())) & after]
            both = [c for c in fit_b if c in fit_a]
            pick = (both if len(both) == 1 else fit_b if len(fit_b) == 1 and not fit_a
                    else fit_a if len(fit_a) == 1 and not fit_b else [])
            if len(pick) == 1:
                ctx = sorted((before or frozenset()) | (after or frozenset()))
                resolve(rec, pick[0], "region block", f"the blocks around it lie in {', '.join(ctx)}")
                progress = True
        if not progress:
            progress = _by_sums(found, rows, regions_of, resolve)
    blocks = heads.merge(pd.DataFrame(found).drop(columns="candidates"), on="block")
    blocks["regions"] = blocks["regions"].map(";".join)
    out = rows.merge(blocks[["block", "code", "kind", "regions"]], on="block", how="left")
    return out, blocks[MATCH_COLUMNS]
