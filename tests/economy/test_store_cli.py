"""The measures on the bundled real data (Store) and the CLI commands."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.economy import diversification_panel, get_scheme, industry_table, shift_share
from territoria.interfaces.cli import app
from territoria.store import Store


@pytest.fixture(scope="module")
def store_copy(bundled_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("economy") / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    with Store(path):  # migrate once if needed
        pass
    return path


@pytest.fixture(scope="module")
def observations(store_copy):
    with Store(store_copy, read_only=True) as store:
        obs = store.observations()
        units = store.units()
        crosswalk = store.crosswalk()
    return obs[obs["unit"].map(units["level"]).isin(["region", "country"])], crosswalk


def test_real_tables_and_identities(observations):
    obs, crosswalk = observations
    scheme = get_scheme("groups11")
    x, national, skipped = industry_table(obs, scheme, 2013, crosswalk=crosswalk)
    assert len(x) == 16 and not skipped            # Turkistan/Shymkent back-calculations left out
    assert "X_SOUTH_KAZAKHSTAN" in x.index and "790000000" not in x.index
    # the country row equals the sum of the regions for these published GVA rows (relative 1e-3)
    np.testing.assert_allclose(x.sum(), national, rtol=1e-3)
    panel, _ = diversification_panel(obs, get_scheme("sections"), years=[2016, 2023], crosswalk=crosswalk)
    np.testing.assert_allclose(panel["entropy"], panel["related_variety"] + panel["unrelated_variety"], atol=1e-12)
    assert (panel.groupby("year").size() == pd.Series({2016: 16, 2023: 20})).all()
    x1, n1, _ = industry_table(obs, scheme, 2016, crosswalk=crosswalk)
    ss = shift_share(x.loc[x1.index], x1, national0=national, national1=n1)
    np.testing.assert_allclose(ss[["national_share", "industry_mix", "competitive"]].sum(axis=1),
                               ss["actual_change"], rtol=1e-9)


def test_sections_scheme_refuses_years_without_sections(observations):
    from territoria.economy import EconomyInputError

    obs, crosswalk = observations
    with pytest.raises(EconomyInputError, match="no region has every industry"):
        diversification_panel(obs, get_scheme("sections"), years=[2012], crosswalk=crosswalk)


def test_cli_diversification_store_round_trip(store_copy, tmp_path):
    runner = CliRunner()
    out = tmp_path / "div.csv"
    result = runner.invoke(app, ["--db", str(store_copy), "economy", "diversification", "-y", "2022", "-y", "2023",
                                 "--store", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"region": str})
    with Store(store_copy, read_only=True) as store:
        stored = store.observations(indicators=["div_entropy"], years=[2023])
    merged = stored.merge(table[table.year == 2023], left_on="unit", right_on="region")
    assert len(merged) == 20
    np.testing.assert_allclose(merged["value"], merged["entropy"], rtol=1e-12)
    assert stored["source_id"].eq("derived").all()
    again = runner.invoke(app, ["--db", str(store_copy), "economy", "diversification", "-y", "2022", "-y", "2023",
                                "--store"])
    assert "already imported" in again.output


def test_cli_shiftshare_and_resilience(store_copy, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(store_copy), "economy", "shiftshare", "--from", "2014", "--to", "2023",
                                 "-o", str(tmp_path / "ss.csv")])
    assert result.exit_code == 0, result.output
    ss = pd.read_csv(tmp_path / "ss.csv")
    np.testing.assert_allclose(ss[["national_share", "industry_mix", "competitive"]].sum(axis=1),
                               ss["actual_change"], rtol=1e-9)
    html = tmp_path / "t.html"
    panel_file = tmp_path / "panel.csv"
    result = runner.invoke(app, ["--db", str(store_copy), "economy", "resilience", "-f",
                                 "ln_rcc ~ entropy + ln_grp + ln_pop | region + year", "-o", str(html),
                                 "--panel-output", str(panel_file)])
    assert result.exit_code == 0, result.output
    assert "no FDI series" in result.output and "<table" in html.read_text()
    # the same regression on the written panel given as user data
    xlsx = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["economy", "resilience", "--data", str(panel_file), "-f",
                                 "ln_rcc ~ related_variety + unrelated_variety | region + year", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    sheet = pd.read_excel(xlsx)
    assert sheet.iloc[0, 0] == "related_variety" and "p<0.01" in str(sheet.iloc[-1, 0])
    bad = runner.invoke(app, ["economy", "resilience", "--data", str(panel_file), "-f", "ln_rcc ~ ln_fdi | region"])
    assert bad.exit_code != 0 and "ln_fdi" in str(bad.exception)
