"""The bundled district panel rebuilt from exports with the connector's code equals the bundle, row for row."""

from __future__ import annotations

import pytest
from reconstruct import entry_for, reconstruct
from typer.testing import CliRunner

from territoria.catalog.catalogue import load_catalogue
from territoria.connectors.bns.rebuild import compare_panel, rebuild_panel
from territoria.interfaces.cli import app

INDICATORS = ["population_1jan", "natural_increase", "housing_commissioned", "fixed_investment"]


@pytest.fixture(scope="module")
def exports(registry, units, panel):
    """All four tables, every district: RECONSTRUCTED from the bundled panel (not published files)."""
    return {entry_for(registry, i).table: reconstruct(panel, entry=entry_for(registry, i), units=units)
            for i in INDICATORS}


def test_full_rebuild_equals_the_bundled_panel(exports, registry, units, crosswalk, panel):
    rows, reads = rebuild_panel(exports, registry=registry, units=units, crosswalk=crosswalk,
                                catalogue=load_catalogue())
    assert compare_panel(rows, panel).empty
    assert len(rows) == len(panel) == 10640
    # every unit block matched (the 2024 units and Shymkent's years as a city administration included)
    for read in reads.values():
        assert not read.blocks["match"].isin(["unmatched", "ambiguous"]).any()
    # investment is printed in thousand tenge x 10^6 and stored in million tenge
    inv = rows[(rows["unit"] == "KZ") & (rows["indicator"] == "fixed_investment")]
    assert inv.empty or (inv["value"] > 1e6).all()


def test_compare_panel_lists_a_changed_value(panel):
    changed = panel.copy()
    changed.loc[0, "value"] += 1
    diff = compare_panel(changed, panel)
    assert diff[["unit", "what"]].values.tolist() == [[panel.loc[0, "unit"], "value differs"]]
    assert compare_panel(changed.iloc[1:], panel)["what"].tolist() == ["only in the bundle"]


def test_cli_rebuild(tmp_path, exports):
    for table, body in exports.items():
        if table in ("4289", "5546"):  # two of the four tables keep the CLI test short
            (tmp_path / f"{table}.csv").write_bytes(body)
    out = tmp_path / "panel.csv"
    res = CliRunner().invoke(app, ["data", "bns", "rebuild", str(tmp_path), "-o", str(out), "--strict"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "the rebuild equals the bundled panel" in res.output
    assert sum(1 for _ in out.open(encoding="utf-8")) == 1 + 2062 + 686
