"""Fixed-effects regressions: Grunfeld published values, linearmodels as oracle, the table, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from territoria.economy import EconomyInputError, add_logs, fit_fixed_effects, regression_table, table_html, table_text


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    """Grunfeld investment data as shipped with statsmodels; the 10-firm panel drops American Steel."""
    data = sm.datasets.grunfeld.load_pandas().data
    return data[data["firm"] != "American Steel"].reset_index(drop=True)


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    """Synthetic panel: 12 regions x 8 years, y = .5 div + .3 z - .2 div z + effects + noise (seed 6)."""
    rng = np.random.default_rng(6)
    d = pd.DataFrame([(f"R{r:02d}", 2010 + t) for r in range(12) for t in range(8)], columns=["region", "year"])
    d["div"] = rng.normal(2, 0.5, len(d))
    d["z"] = rng.normal(0, 1, len(d))
    effects = d["region"].map({f"R{r:02d}": rng.normal() for r in range(12)}) + \
        d["year"].map({2010 + t: rng.normal() for t in range(8)})
    d["y"] = 0.5 * d["div"] + 0.3 * d["z"] - 0.2 * d["div"] * d["z"] + effects + rng.normal(0, 0.3, len(d))
    return d


def test_grunfeld_within_estimates_published(grunfeld):
    fit = fit_fixed_effects(grunfeld, "invest ~ value + capital | firm", unit="firm", time="year", vcov="iid",
                            cluster=None)
    assert round(fit.coef()["value"], 4) == 0.1101
    assert round(fit.coef()["capital"], 4) == 0.3101
    assert fit.nobs == 200


def test_two_way_clustered_agrees_with_linearmodels(grunfeld, synthetic):
    from linearmodels.panel import PanelOLS

    fit = fit_fixed_effects(grunfeld, "invest ~ value + capital | firm + year", unit="firm")
    p = grunfeld.set_index(["firm", "year"])
    ref = PanelOLS(p["invest"], p[["value", "capital"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    np.testing.assert_allclose(fit.coef()[["value", "capital"]], ref.params[["value", "capital"]], rtol=1e-8)
    assert fit.r2_within == pytest.approx(ref.rsquared, rel=1e-8)
    # standard errors differ only by the small-sample factors of the two packages
    np.testing.assert_allclose(fit.se()[["value", "capital"]], ref.std_errors[["value", "capital"]], rtol=0.1)

    fit = fit_fixed_effects(synthetic, "y ~ div * z | region + year")
    q = synthetic.set_index(["region", "year"]).assign(div_z=lambda f: f["div"] * f["z"])
    ref = PanelOLS(q["y"], q[["div", "z", "div_z"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    np.testing.assert_allclose(fit.coef()[["div", "z", "div:z"]], ref.params[["div", "z", "div_z"]], rtol=1e-8)
    assert fit.fixed_effects == ("region", "year") and fit.vcov == "CRV1 clustered by region"


def test_regression_table_layout(synthetic):
    fits = [fit_fixed_effects(synthetic, "y ~ div | region + year"),
            fit_fixed_effects(synthetic, "y ~ div * z | region + year")]
    table = regression_table(fits)
    assert list(table.columns) == ["term", "(1)", "(2)"]
    div = fits[0].coefficients.loc["div"]
    stars = "*" * sum(div["p_value"] < lvl for lvl in (0.1, 0.05, 0.01))
    assert table.iloc[0].tolist()[:2] == ["div", f"{div['estimate']:.3f}{stars}"]
    assert table.iloc[1, 1] == f"({div['std_error']:.3f})"
    assert table.loc[table.term == "z", "(1)"].item() == ""  # absent from model 1
    assert table.loc[table.term == "N", ["(1)", "(2)"]].values.tolist() == [["96", "96"]]
    text = table_text(table)
    assert "div:z" in text and "R2" in text and "p<0.01" in text
    html = table_html(table, caption="a <test>")
    assert html.startswith('<table class="regression">') and "a &lt;test&gt;" in html
    assert html.count("<tr>") == len(table) + 2  # header + rows + footnote


def test_bad_input(synthetic):
    with pytest.raises(EconomyInputError, match="no column 'dvi'; did you mean div"):
        fit_fixed_effects(synthetic, "y ~ dvi | region + year")
    with pytest.raises(EconomyInputError, match="1 period"):
        fit_fixed_effects(synthetic[synthetic.year == 2010], "y ~ div | region + year")
    with pytest.raises(EconomyInputError, match="appears more than once"):
        fit_fixed_effects(pd.concat([synthetic, synthetic.head(1)]), "y ~ div | region + year")
    with pytest.raises(EconomyInputError, match="expected 'y ~ x1"):
        fit_fixed_effects(synthetic, "y = div")
    with pytest.raises(EconomyInputError, match="logarithm needs a value > 0"):
        add_logs(synthetic.assign(v=0.0), ["v"])
    logged = add_logs(synthetic.assign(v=np.e), ["v"])
    assert logged["ln_v"].eq(1.0).all()
