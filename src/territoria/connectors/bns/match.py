"""Printed unit names → codes, block by block (pure pandas).

A *block* is a run of lines with the same printed name. Each block is matched by its name folded with
:func:`territoria.ingest.names.name_key` against the units' Russian names (country, regions, districts and
city administrations), then — for names no unit carries — through the registry's printed-name variants, then
by the name without its designator (:func:`~territoria.ingest.names.normalise_name`). A name several units
share (Абайский район ×3, Жамбылский район ×3 ...) is resolved by the block it stands in: the region of the
nearest resolved block before it (a region row, or a district with a unique name), else after it.

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
        designator``, ``... + region block`` for a shared name, ``unmatched`` or ``ambiguous``.
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

    for i, rec in enumerate(found):
        if rec["match"] != "ambiguous":
            continue
        cands: list[str] = rec["candidates"]  # type: ignore[assignment]
        for direction, neighbours in (("before", range(i - 1, -1, -1)), ("after", range(i + 1, len(found)))):
            ctx = next((context(found[j]) for j in neighbours if found[j]["match"] not in ("ambiguous", "unmatched")
                        and context(found[j])), None)
            if ctx is None:
                continue
            fits = [c for c in cands if set(regions_of.get(c, ())) & ctx]
            if len(fits) == 1:
                code = fits[0]
                rec.update(code=code, kind=level[code], regions=regions_of.get(code, ()),
                           match=f"{rec['evidence'].split(' of ')[0]} + region block",
                           evidence=f"shared by {', '.join(cands)}; the block {direction} it lies in "
                                    f"{', '.join(sorted(ctx))}")
                break
    blocks = heads.merge(pd.DataFrame(found).drop(columns="candidates"), on="block")
    blocks["regions"] = blocks["regions"].map(";".join)
    out = rows.merge(blocks[["block", "code", "kind", "regions"]], on="block", how="left")
    return out, blocks[MATCH_COLUMNS]
