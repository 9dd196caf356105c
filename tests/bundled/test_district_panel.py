"""The bundled BNS district panel (real data): coverage per indicator and year, figures checked against
the shared folder's README and CHECKS.md, regional totals equal to the sum of their districts."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.units import splits
from territoria.ingest import bundled
from territoria.ingest.bundled import bundled_crosswalk

PANEL = {"DST_BNS_POP6584", "DST_BNS_NATINC", "DST_BNS_HOUSING4289", "DST_BNS_INV5546"}


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return bundled.bundled_observations()


@pytest.fixture(scope="module")
def districts(obs: pd.DataFrame) -> pd.DataFrame:
    """Rows of units with one of today's level-2 KATO codes (the bracketed counts of the README)."""
    units = bundled.bundled_units()
    kato2 = set(units.loc[(units["level"] == "district") & units["code"].str.fullmatch(r"\d{9}"), "code"])
    return obs[obs["unit"].isin(kato2)]


def _count(frame: pd.DataFrame, indicator: str, year: int) -> int:
    return int(((frame["indicator"] == indicator) & (frame["year"] == year)).sum())


@pytest.mark.parametrize(("indicator", "year", "expected"), [
    # district_panels/README.md, "Units per year" (units with one of today's 220 level-2 codes)
    ("population_1jan", 2009, 207), ("population_1jan", 2015, 208), ("population_1jan", 2018, 192),
    ("population_1jan", 2019, 216), ("population_1jan", 2021, 193), ("population_1jan", 2022, 220),
    ("population_1jan", 2025, 220),
    ("natural_increase", 2009, 207), ("natural_increase", 2017, 213), ("natural_increase", 2022, 218),
    ("natural_increase", 2024, 220),
    ("housing_commissioned", 2014, 202), ("housing_commissioned", 2019, 214), ("housing_commissioned", 2022, 216),
    ("fixed_investment", 2016, 208), ("fixed_investment", 2018, 216),
    # regions2 (R2_BNS_MIG): net migration of every district 2023-2024
    ("net_migration", 2023, 220), ("net_migration", 2024, 220),
])
def test_district_coverage_per_indicator_and_year(districts: pd.DataFrame, indicator: str, year: int,
                                                  expected: int) -> None:
    assert _count(districts, indicator, year) == expected


def test_no_district_series_outside_the_published_years(districts: pd.DataFrame) -> None:
    spans = districts.groupby("indicator")["year"].agg(["min", "max"])
    assert tuple(spans.loc["population_1jan"]) == (2009, 2025)
    assert tuple(spans.loc["natural_increase"]) == (2009, 2024)
    assert tuple(spans.loc["housing_commissioned"]) == (2014, 2022)
    assert tuple(spans.loc["fixed_investment"]) == (2016, 2018)


def test_printed_figures(obs: pd.DataFrame) -> None:
    v = obs.set_index(["unit", "indicator", "year"])["value"]
    # CHECKS.md (e): Tselinograd District 56,640 on 1 Jan 2022 and 81,817 on 1 Jan 2023
    assert v[("116600000", "population_1jan", 2022)] == 56640
    assert v[("116600000", "population_1jan", 2023)] == 81817
    # CHECKS.md (b): Shardara District 2011 printed as 45,888 (its rural population) and kept as printed
    assert v[("616400000", "population_1jan", 2011)] == 45888
    # CHECKS.md (b): Zhambyl Region 2012 rows re-read in the source: Shu 95,758, Taraz G.A. 337,839
    assert v[("316600000", "population_1jan", 2012)] == 95758
    assert v[("311000000", "population_1jan", 2012)] == 337839
    # investment is stored in million tenge (printed in thousand tenge): the unit note says so
    inv = obs[(obs["indicator"] == "fixed_investment") & (obs["source_id"] == "DST_BNS_INV5546")]
    assert inv["note"].str.contains("thousand tenge, stored in million tenge").all()


@pytest.mark.parametrize(("region", "indicator", "year"), [
    ("590000000", "population_1jan", 2019), ("590000000", "natural_increase", 2015),
    ("110000000", "population_1jan", 2023), ("470000000", "housing_commissioned", 2020),
    ("310000000", "fixed_investment", 2017), ("270000000", "natural_increase", 2024),
])
def test_regional_total_equals_the_sum_of_its_districts(obs: pd.DataFrame, region: str, indicator: str,
                                                        year: int) -> None:
    # CHECKS.md (b): these region-years add up exactly in the BNS exports. Where the bundle keeps an earlier
    # vintage of the region row (S03: Akmola 1 Jan 2023 = 788,023 against 788,013 in table 6584 as exported
    # with the districts), the export's own region row is compared; investment's region rows are the
    # regional panel's, in million tenge rounded, so they are compared to 0.5 million
    units = bundled.bundled_units()
    level2 = set(units.loc[units["level"] == "district", "code"])
    rows = obs[(obs["indicator"] == indicator) & (obs["year"] == year)]
    parts = rows[rows["unit"].str.startswith(region[:2]) & rows["unit"].isin(level2)]
    kept = rows[rows["unit"] == region].iloc[0]
    if kept["source_id"] in PANEL or indicator == "fixed_investment":
        total = float(kept["value"])
    else:  # an earlier vintage of the region row was kept; the panel's own region row is an alternate
        alt = bundled.bundled_alternates()
        alt = alt[(alt["unit"] == region) & (alt["indicator"] == indicator) & (alt["year"] == year)
                  & alt["source_id"].isin(PANEL)]
        total = float(alt["value"].iloc[0])
    assert parts["value"].sum() == pytest.approx(total, abs=0.5 if indicator == "fixed_investment" else 0)


def test_every_panel_row_has_its_source_and_citation(obs: pd.DataFrame) -> None:
    sources = bundled.bundled_sources().set_index("source_id")
    assert set(obs["source_id"]) >= PANEL and set(sources.index) >= PANEL
    assert sources.loc[list(PANEL), "citation"].str.contains("Bureau of National Statistics").all()


def test_district_splits_are_in_the_crosswalk() -> None:
    found = {s.old: s for s in splits(bundled_crosswalk())}
    kegen = found["195800000"]           # Rayymbek gave Kegen District; flows on the new map from 2017
    assert kegen.keeps_code and "194400000" in kegen.parts and kegen.year == 2017
    assert "X_MARKAKOL_DISTRICT" in found["635200000"].parts
