"""Diversification as the diversification paper (seed 004) defines it, on the bundled real data: the structural
coefficient is an industry's share in GRP over its share in GDP (the country row), and the resilience
regressions follow the design of its Table 1 as far as the bundled series allow."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from territoria.economy import diversification_panel, get_scheme
from territoria.economy.seed_design import TABLE1_FORMULAS, table1_design
from territoria.interfaces.cli import app
from territoria.store import Store

NKO = "590000000"


@pytest.fixture(scope="module")
def obs_2022(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        scheme = get_scheme("groups11")
        obs = store.panel(indicators=scheme.series(), years=[2022]).observations
        level = obs["unit"].map(store.units()["level"])
    return obs[level.isin(["region", "country"])], scheme


def test_north_kazakhstan_2022_against_the_gdp_structure(obs_2022) -> None:
    obs, scheme = obs_2022
    default, _ = diversification_panel(obs, scheme, years=[2022])          # default reference: the country row
    country, _ = diversification_panel(obs, scheme, years=[2022], reference="country")
    nko = default.set_index("region").loc[NKO, "struct_coef_var"]
    assert round(nko, 3) == 1.846                       # GDP structure of the country row (the paper's definition)
    assert nko == country.set_index("region").loc[NKO, "struct_coef_var"]


def test_table1_design_says_what_is_missing() -> None:
    design = table1_design(["ln_rcc", "entropy", "related_variety", "unrelated_variety", "ln_grp", "ln_pop"])
    missing = set(design.loc[~design["available"], "variable"])
    assert missing == {"lnfdi", "gp"}
    assert design.set_index("variable").loc["DIV × Z", "available"]
    assert len(TABLE1_FORMULAS) == 5 and "entropy:unrelated_variety" in TABLE1_FORMULAS[-1]
    assert TABLE1_FORMULAS[0].startswith("ln_rcc ~ entropy |")             # column (1): DIV without controls


def test_cli_resilience_defaults_to_table1(bundled_store_path, tmp_path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(bundled_store_path, db)
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(app, ["--db", str(db), "economy", "resilience", "-o", str(out)],
                                env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "missing: lnfdi, gp" in result.output and "(5) " in result.output
    assert "Diversification and resilience paper (n.d.), Table 1" in result.output
