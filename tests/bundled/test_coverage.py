"""The 32 filled slots on the bundled data: coverage spot checks against INDICATORS.md and values
recomputed by hand from the raw rows (real data)."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.indicators.derive import derive
from territoria.ingest import bundled

OLD = ["110000000", "150000000", "190000000", "230000000", "270000000", "310000000", "350000000", "390000000",
       "430000000", "470000000", "550000000", "590000000", "630000000", "X_SOUTH_KAZAKHSTAN",
       "710000000", "750000000"]
MID = [c for c in OLD if c != "X_SOUTH_KAZAKHSTAN"] + ["610000000", "790000000"]
NEW = [*MID, "100000000", "330000000", "620000000"]


def year_units(year: int) -> list[str]:
    """Units of each year's borders (INDICATORS.md section 1): 16, 17 or 20."""
    return OLD if year <= 2017 else MID if year <= 2021 else NEW


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    obs = bundled.bundled_observations()
    derived = derive(obs, load_catalogue(), units=bundled.bundled_units(), crosswalk=bundled.bundled_crosswalk())
    return pd.concat([obs, derived], ignore_index=True)


def present(panel: pd.DataFrame, indicator: str, year: int) -> set[str]:
    rows = panel[(panel["indicator"] == indicator) & (panel["year"] == year)]
    return set(rows["unit"]) & set(year_units(year))


@pytest.mark.parametrize(("indicator", "year", "expected"), [
    ("population_change_pct", 2010, 16), ("population_change_pct", 2023, 20),
    ("natural_increase_per_1000", 2019, 17), ("natural_increase_per_1000", 2017, 16),
    ("net_migration_per_1000", 2018, 17), ("net_migration_per_1000", 2011, 0),
    ("life_expectancy", 2022, 20), ("under5_mortality_rate", 2021, 0),
    ("money_income_ratio", 2015, 16), ("poverty_share", 2022, 14), ("youth_neet_share", 2023, 20),
    ("doctors_per_10000", 2020, 17), ("urban_population_share", 2023, 20),
    ("grp_per_capita_ratio", 2023, 20), ("grp_per_capita_ratio", 2012, 16),
    ("industrial_output_per_capita_ratio", 2012, 15), ("industrial_output_per_capita_ratio", 2020, 17),
    ("fixed_investment_per_capita_ratio", 2016, 16), ("unemployment_rate", 2015, 16),
    ("informal_employment_share", 2011, 0), ("hourly_earnings_ratio", 2022, 14),
    ("manufacturing_share_grp", 2013, 16), ("diversification_index", 2010, 16),
    ("labour_productivity_growth", 2010, 0), ("labour_productivity_growth", 2019, 17),
    ("failing_housing_residents_per_1000", 2015, 16), ("local_roads_good_share", 2018, 17),
    ("housing_commissioned_m2_per_capita", 2020, 17), ("housing_commissioned_m2_per_capita", 2015, 16),
    ("internet_users_share", 2010, 0), ("fixed_broadband_per_100", 2015, 16),
    ("waste_collection_coverage", 2019, 17), ("air_emissions_per_capita", 2023, 0),
    ("wastewater_full_treatment_share", 2020, 17), ("msw_recycled_disposed_share", 2021, 17),
    ("env_spending_per_tonne_ratio", 2014, 16),
])
def test_coverage_matches_the_design(panel: pd.DataFrame, indicator: str, year: int, expected: int) -> None:
    assert len(present(panel, indicator, year)) == expected


def test_agricultural_ratio_applies_to_oblasts_only(panel: pd.DataFrame) -> None:
    got = present(panel, "agricultural_gva_per_capita_ratio", 2021)
    assert got == set(MID) - {"710000000", "750000000", "790000000"}
    assert "100000000" in present(panel, "agricultural_gva_per_capita_ratio", 2022)


def test_south_kazakhstan_housing_comes_from_the_district_panel(panel: pd.DataFrame) -> None:
    # BNS table 4289 prints the pre-2018 South Kazakhstan region (445,139 m² in 2015); regions2 lacks it
    assert _v(panel, "X_SOUTH_KAZAKHSTAN", "housing_commissioned", 2015) == 445139


def test_population_change_masks_2022(panel: pd.DataFrame) -> None:
    assert present(panel, "population_change_pct", 2022) == set()


def test_open_slots_have_no_bundled_rows(panel: pd.DataFrame) -> None:
    assert not panel["indicator"].isin(["utility_network_wear_share", "pm10_annual_mean"]).any()


def _v(panel: pd.DataFrame, unit: str, ind: str, year: int) -> float:
    return float(panel.set_index(["unit", "indicator", "year"]).loc[(unit, ind, year), "value"])


def test_values_recomputed_by_hand(panel: pd.DataFrame) -> None:
    # regions2: North Kazakhstan natural increase 2019 = 181 persons (R2_BNS_NATINC);
    # regions: population on 1 January 2019 = 554,517 (S03)
    assert _v(panel, "590000000", "natural_increase_per_1000", 2019) == pytest.approx(1000 * 181 / 554517)
    # economy: Pavlodar 2020 manufacturing 838,945.7 and GRP 3,120,136.9 million tenge (BNS table 5927)
    assert _v(panel, "550000000", "manufacturing_share_grp", 2020) == pytest.approx(100 * 838945.7 / 3120136.9)
    # regions: money income 2021, Mangystau 156,740 and Republic 130,616 tenge per month (S09)
    assert _v(panel, "470000000", "money_income_ratio", 2021) == pytest.approx(156740 / 130616)
