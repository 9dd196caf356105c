"""Units matched within their region block; every region-year and Republic-year checked (reconstructed exports)."""

from __future__ import annotations

import pandas as pd
import pytest
from reconstruct import entry_for, reconstruct

from territoria.catalog.catalogue import load_catalogue
from territoria.connectors.bns.checks import check_sums
from territoria.connectors.bns.match import match_units
from territoria.connectors.bns.read import TableRead, read_table

# three "Абайский район" (Abai, Karaganda, Shymkent) with the regions their units belonged to before 2022 / 2018
REGIONS = ["100000000", "630000000", "350000000", "620000000", "790000000", "610000000"]


@pytest.fixture(scope="module")
def housing(registry, units, crosswalk, panel):
    entry = entry_for(registry, "housing_commissioned")
    body = reconstruct(panel, entry=entry, units=units, regions=REGIONS)
    return read_table(body, entry=entry, registry=registry, units=units, crosswalk=crosswalk)


def test_shared_names_resolved_by_their_block(housing):
    abai = housing.blocks[housing.blocks["name"] == "АБАЙСКИЙ РАЙОН"]
    assert sorted(abai["code"]) == ["103200000", "353200000", "791110000"]
    assert set(abai["match"]) == {"exact name + region block"}
    assert housing.blocks["match"].isin(["exact name", "exact name + region block", "name variant"]).all()


def test_shared_names_resolved_by_neighbours_when_regions_come_first(registry, units, crosswalk, panel):
    # population and natural increase print all region rows first, then the districts with no region row
    # between them: a shared name takes the region of the district printed before it
    entry = entry_for(registry, "natural_increase")
    body = reconstruct(panel, entry=entry, units=units, regions=REGIONS, regions_first=True)
    read = read_table(body, entry=entry, registry=registry, units=units, crosswalk=crosswalk)
    abai = read.blocks[read.blocks["name"] == "АБАЙСКИЙ РАЙОН"]
    assert sorted(abai["code"]) == ["103200000", "353200000", "791110000"]
    assert not read.blocks["match"].isin(["unmatched", "ambiguous"]).any()
    sums = read.checks[read.checks["check"] == "region = sum of its districts"]
    # natural increase: every region-year adds up, except East Kazakhstan 2009-2013, whose Ayagoz and Altai city
    # administrations (codes retired in 2014) the bundle leaves out
    assert set(sums.loc[~sums["ok"], "code"]) == {"630000000"}
    assert sorted(sums.loc[~sums["ok"], "year"]) == [2009, 2010, 2011, 2012, 2013]


def test_years_before_2022_checked_on_the_old_map(housing):
    checks = housing.checks.set_index(["code", "year"])
    # Abai Region prints no housing before 2022: its districts then add up inside East Kazakhstan
    east = checks.loc[("630000000", 2016)]
    assert east["ok"] and east["printed"] == east["parts_sum"]
    abai = housing.rows[(housing.rows["code"] == "103200000") & (housing.rows["year"] == 2016)]
    assert abai["regions"].tolist() == ["100000000;630000000"]
    assert ("100000000", 2016) not in checks.index and ("100000000", 2022) in checks.index
    # every Republic-year adds up: 9 years, all exact
    republic = housing.checks[housing.checks["check"] == "Republic = sum of the regions"]
    assert len(republic) == 9 and republic["ok"].all()


def test_known_shortfalls_are_the_only_failures(housing):
    # The bundle keeps the printed figures; four region-years are short by exactly the rows the export prints
    # without a unit name (district_panels/README.md: Abai 2022, East Kazakhstan 2022, Turkistan 2021 and 2022)
    failed = housing.failures.sort_values(["code", "year"])
    short = {(c, y): p - s for c, y, p, s in zip(failed["code"], failed["year"], failed["printed"],
                                                 failed["parts_sum"], strict=True)}
    assert short == {("100000000", 2022): 7934, ("610000000", 2021): 20976, ("610000000", 2022): 30124,
                     ("630000000", 2022): 3200}
    assert set(failed["check"]) == {"region = sum of its districts"}


def test_a_broken_sum_is_reported_with_unit_year_values(registry, units, crosswalk, panel):
    entry = entry_for(registry, "housing_commissioned")
    broken = panel.copy()
    hit = (broken["unit"] == "351000000") & (broken["indicator"] == "housing_commissioned") & (broken["year"] == 2019)
    before = float(broken.loc[hit, "value"].iloc[0])
    broken.loc[hit, "value"] = before + 1000
    read = read_table(reconstruct(broken, entry=entry, units=units, regions=REGIONS), entry=entry,
                      registry=registry, units=units, crosswalk=crosswalk)
    fail = read.failures[(read.failures["code"] == "350000000")]
    assert fail[["year", "difference"]].values.tolist() == [[2019, 1000.0]]
    assert "КАРАГАНДА Г.А." in fail["detail"].iloc[0]


def test_unknown_name_and_orphans_are_failures(registry, units, crosswalk, panel):
    entry = entry_for(registry, "housing_commissioned")
    body = reconstruct(panel, entry=entry, units=units, regions=["350000000"]).decode("utf-8")
    body = body.replace('"КАРАГАНДА Г.А."', '"НЕИЗВЕСТНЫЙ Г.А."')
    read = read_table(body.encode("utf-8"), entry=entry, registry=registry, units=units, crosswalk=crosswalk)
    checks = set(read.failures["check"])
    assert "unit name unmatched" in checks
    assert "region = sum of its districts" in checks  # Karaganda lacks its city administration


def test_rounding_tolerance_only_with_printed_decimals():
    rows = pd.DataFrame({"line": [2, 3, 4], "block": [1, 2, 3], "name": ["R", "A", "B"], "year": [2020] * 3,
                         "value": [10.0, 4.9, 5.2], "code": ["R", "A", "B"], "kind": ["region", "district", "district"],
                         "regions": ["", "R", "R"]})
    blocks = pd.DataFrame(columns=["block", "name", "first_line", "n_rows", "years", "match", "evidence"])
    # one printed decimal, two parts: rounding allows 2 x 0.05 = 0.1; 4.9 + 5.2 = 10.1 is within it
    assert check_sums(rows, blocks)["ok"].tolist() == [True]
    assert check_sums(rows.assign(value=[10.0, 4.9, 5.3]), blocks)["ok"].tolist() == [False]
    # whole numbers are compared exactly: 5 + 6 = 11 against 10 fails by 1
    whole = check_sums(rows.assign(value=[10.0, 5.0, 6.0]), blocks)
    assert whole["ok"].tolist() == [False] and whole["difference"].tolist() == [1.0]


def test_shared_name_between_two_regions_goes_where_the_sums_hold(units, crosswalk, registry):
    # SYNTHETIC figures: Есильский район (Akmola 114800000 or North Kazakhstan 594200000) printed between a
    # district of each region; only with Akmola do the totals add up (30 + 100 = 130)
    names = ["АКМОЛИНСКАЯ ОБЛАСТЬ", "СЕВЕРО-КАЗАХСТАНСКАЯ ОБЛАСТЬ", "АККОЛЬСКИЙ РАЙОН", "ЕСИЛЬСКИЙ РАЙОН",
             "КЫЗЫЛЖАРСКИЙ РАЙОН"]
    rows = pd.DataFrame({"line": [2, 3, 4, 5, 6], "block": [1, 2, 3, 4, 5], "name": names, "year": [2020] * 5,
                         "value": [130.0, 57.0, 30.0, 100.0, 7.0]})
    matched, blocks = match_units(rows, units=units, crosswalk=crosswalk, variants=registry.names)
    esil = blocks[blocks["name"] == "ЕСИЛЬСКИЙ РАЙОН"].iloc[0]
    assert (esil["code"], esil["match"]) == ("114800000", "exact name + sum check")
    checks = check_sums(matched, blocks)
    assert checks.set_index("code").loc["110000000", "ok"]
    assert not checks.set_index("code").loc["590000000", "ok"]  # 7 printed against 57: reported, not hidden


def test_unit_without_a_code_counts_in_its_region_sum_and_is_not_stored(units, crosswalk, registry):
    # SYNTHETIC figures: the Ayagoz city administration (code retired in 2014) inside East Kazakhstan, 2010
    rows = pd.DataFrame({"line": [2, 3, 4], "block": [1, 2, 3], "year": [2010] * 3, "value": [60.0, 40.0, 20.0],
                         "name": ["ВОСТОЧНО-КАЗАХСТАНСКАЯ ОБЛАСТЬ", "АЯГОЗСКИЙ РАЙОН", "АЯГОЗ Г.А."]})
    matched, blocks = match_units(rows, units=units, crosswalk=crosswalk, variants=registry.names)
    ayagoz = blocks[blocks["name"] == "АЯГОЗ Г.А."].iloc[0]
    assert pd.isna(ayagoz["code"]) and ayagoz["match"] == "name variant" and "retired" in ayagoz["evidence"]
    assert check_sums(matched, blocks)["ok"].tolist() == [True]  # 40 + 20 = 60
    read = TableRead(registry["6547"], "test", "Человек", matched, blocks, check_sums(matched, blocks),
                     matched.iloc[:0], "persons")
    stored = read.observations(catalogue=load_catalogue(), source_id="test")
    assert sorted(stored["unit"]) == ["103600000", "630000000"]
