"""A panel assessment (ranks within each year) is ranked, in reports and on the web, by its latest year.

Runs the bundled district spec on the bundled real district panel (2016-2024)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from territoria.assess.pipeline import Assessment
from territoria.report import service
from territoria.store import Store

SPEC = Path(__file__).resolve().parents[2] / "examples" / "vulnerability_districts.yaml"


def test_rankings_of_a_panel_are_those_of_its_latest_year(bundled_store_path: Path) -> None:
    with Store(bundled_store_path, read_only=True) as store:
        result = Assessment(SPEC).run(store.panel(level="district"))
        latest = result.to_frame().xs(2024, level="year")
        table = service.ranking_table(store, result)
        ranking = service.regions_ranking(store, result)
    assert len(table) == len(latest) == len(ranking)
    by_unit = table.set_index("unit")
    assert np.array_equal(by_unit["rank"].reindex(latest.index).to_numpy(), latest["rank"].to_numpy())
    assert sorted(table["rank"]) == sorted(latest["rank"])            # ranks 1..n of 2024, not of nine years
    assert table["rank"].max() <= len(latest)
    low, high = table["rank_p05"], table["rank_p95"]                  # intervals of ranks within 2024
    assert ((low >= 1) & (low <= high) & (high <= len(latest))).all()
    north = table[table["region"] == "590000000"]
    assert sorted(north["rank_in_region"]) == list(range(1, len(north) + 1))
    assert set(ranking["unit"]) == set(latest.index)
