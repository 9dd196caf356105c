"""Fixture builder: BNS dynamic-table exports RECONSTRUCTED from the bundled district panel.

The files written here are NOT published exports. They put the bundled panel's figures (themselves the
printed BNS figures, ``src/territoria/data/SOURCES.md``) back into the published layout — tab-separated,
quoted, ``"2021 год"``, spaces between thousands — so that the connector can be tested end to end offline.
Each file starts with the same header as the published export; names are the units' Russian names in upper
case; the Republic first, then each region followed by its districts (the layout of table 4289). Shymkent is
printed as ``ШЫМКЕНТ Г.А.`` in the years South Kazakhstan is printed, as in the real exports.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from territoria.connectors.bns.registry import Registry, TableEntry

#: The real excerpts of the BNS export layout, copied from ../shared/data/district_panels/raw_format/.
DATA = Path(__file__).parent / "data"

GENERIC_DIMENSIONS = ("СПТМ (по отчету)", "Пол", "Возраст")
TOTALS = {"СПТМ (по отчету)": "Всего", "КФС(по каталогу)": "Всего", "ГСГТПЕ": "Всего", "ГКОФ": "Всего",
          "Пол": "Всего", "Возраст": "Все группы"}
UNITS_PRINTED = {"population_1jan": "Человек", "natural_increase": "Человек", "housing_commissioned": "Метр квадратный",
                 "fixed_investment": "Тысяча тенге"}
TO_PRINTED = {"fixed_investment": 1000.0}  # million tenge (stored) -> thousand tenge (printed)


def fmt(value: float) -> str:
    """A figure as BNS prints it: spaces between thousands, a decimal comma."""
    whole = round(value)
    if abs(value - whole) < 1e-9 * max(1.0, abs(value)):
        return f"{whole:,d}".replace(",", " ")
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    head, _, tail = text.partition(".")
    return head.replace(",", " ") + ("," + tail if tail else "")


def reconstruct(panel: pd.DataFrame, *, entry: TableEntry, units: pd.DataFrame, regions: list[str] | None = None,
                regions_first: bool = False, extra_lines: list[list[str]] | None = None) -> bytes:
    """The export of ``entry`` holding ``panel``'s rows of its indicator (columns unit, indicator, year, value).

    ``regions`` limits the district blocks to these region codes (all region rows are kept, so the
    Republic still adds up). ``regions_first`` prints every region row first and then the districts region
    by region without a region row before them (the layout of the stored 6584 and 6547 exports, see
    district_panels/unit_map.csv). ``extra_lines`` are appended as they are (for damaged-file tests).
    """
    rows = panel[panel["indicator"] == entry.indicator].copy()
    rows["value"] = rows["value"] * TO_PRINTED.get(entry.indicator, 1.0) * entry.val_scale
    dims = entry.dimensions or GENERIC_DIMENSIONS
    header = ["NAM", "DAT", "PERIOD", "КАТО(по отчету)", "LКАТО(по отчету)"]
    for d in dims:
        header += [d, "L" + d]
    header.append("VAL")
    nam = f"{entry.name_ru}({UNITS_PRINTED[entry.indicator]})"
    info = units[units["level"].isin(["region", "district"])].set_index("code")
    children_of: dict[str, list[str]] = {}
    for code, parent, level in zip(info.index, info["parent"], info["level"], strict=True):
        if level == "district":
            children_of.setdefault(str(parent), []).append(code)
    south = set(rows.loc[rows["unit"] == "X_SOUTH_KAZAKHSTAN", "year"])
    lines: list[list[str]] = [header]

    def block(code: str, name: str, years: pd.DataFrame, n: int) -> None:
        for year, value in zip(years["year"], years["value"], strict=True):
            line = [nam, f"{year} год", f"{year}12", name, str(n)]
            for d in dims:
                line += [TOTALS.get(d, "Всего"), "1"]
            line.append(fmt(value))
            lines.append(line)

    by_unit = {code: g.sort_values("year") for code, g in rows.groupby("unit")}
    n = 1
    if "KZ" in by_unit:
        block("KZ", "РЕСПУБЛИКА КАЗАХСТАН", by_unit["KZ"], n)
    region_codes = [c for c in info.index if info.at[c, "level"] == "region"]
    names = dict(zip(info.index, info["name_ru"].str.upper(), strict=True))

    def region_row(region: str) -> None:
        own = by_unit.get(region, rows.iloc[:0])
        if region == "790000000":
            own = own[~own["year"].isin(south)]
        if len(own):
            block(region, names[region], own, n)

    if regions_first:
        for region in region_codes:
            n += 1
            region_row(region)
    for region in region_codes:
        n += 1
        if not regions_first:
            region_row(region)
        if regions is not None and region not in regions:
            continue
        for child in children_of.get(region, []):
            if child in by_unit:
                n += 1
                block(child, names[child], by_unit[child], n)
        if region == "610000000" and "790000000" in by_unit:
            early = by_unit["790000000"][by_unit["790000000"]["year"].isin(south)]
            if len(early):
                n += 1
                block("790000000", "ШЫМКЕНТ Г.А.", early, n)
    lines += extra_lines or []
    text = "\n".join("\t".join(f'"{f}"' for f in line) for line in lines) + "\n"
    return text.encode("utf-8")


def entry_for(registry: Registry, indicator: str) -> TableEntry:
    return next(e for e in registry.tables.values() if e.indicator == indicator and e.bundle_source)
