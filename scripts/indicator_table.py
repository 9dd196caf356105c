"""Print the markdown table of the 34 slots with their coverage in the bundle (for docs/indicators.md)."""

from __future__ import annotations

import pandas as pd

from territoria.catalog.catalogue import load_catalogue
from territoria.indicators.derive import derive
from territoria.ingest import bundled


def _years(years: list[int]) -> str:
    if not years:
        return "—"
    runs, start, prev = [], years[0], years[0]
    for y in [*years[1:], None]:
        if y != (prev + 1 if prev is not None else None):
            runs.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = y
        prev = y
    return ", ".join(runs)


def main() -> None:
    cat = load_catalogue()
    obs = bundled.bundled_observations()
    panel = pd.concat([obs, derive(obs, cat, units=bundled.bundled_units(),
                                   crosswalk=bundled.bundled_crosswalk())])
    regional = panel[panel["unit"].str.fullmatch(r"\d{2}0000000|X_SOUTH_KAZAKHSTAN")]
    print("| slot | id | English / Russian / Kazakh | dir | formula | bundle: years (region rows) |")
    print("|---|---|---|---|---|---|")
    for ind in cat.system():
        rows = regional[regional["indicator"] == ind.id]
        years = sorted(int(y) for y in rows["year"].unique())
        cov = f"{_years(years)}; {len(rows)} unit-years" if years else "none bundled"
        formula = ind.formula.text(ind.kind) if ind.formula else "as published"
        names = f"{ind.name.en} / {ind.name.ru}" + (f" / {ind.name.kk}" if ind.name.kk else "")
        sign = "+" if ind.direction > 0 else "−"
        print(f"| {ind.slot} | `{ind.id}` | {names} | {sign} | `{formula}` | {cov} |")


if __name__ == "__main__":
    main()
