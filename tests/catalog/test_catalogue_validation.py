"""Catalogue validation (synthetic entries) and the shape of the shipped catalogue."""

from __future__ import annotations

import pytest

from territoria.catalog.catalogue import BLOCK_SIZES, Catalogue, load_catalogue
from territoria.errors import SpecError


def _series(id_: str, **extra) -> dict:
    return {"id": id_, "name": {"en": id_}, "unit": {"en": "persons"}, **extra}


def _spec(*entries: dict) -> dict:
    return {"version": 1, "indicators": list(entries)}


def test_duplicate_id_names_the_position() -> None:
    with pytest.raises(SpecError) as err:
        Catalogue.from_mapping(_spec(_series("a"), _series("a")))
    assert err.value.path == "indicators[1].id"
    assert "duplicate" in err.value.message


def test_slot_in_wrong_block() -> None:
    bad = _series("x", block="economic", slot="S1", direction=1, kind="as_published")
    with pytest.raises(SpecError) as err:
        Catalogue.from_mapping(_spec(bad))
    assert err.value.path == "x.slot"
    assert "social" in err.value.message


def test_formula_naming_unknown_id() -> None:
    bad = _series("r", block="social", slot="S2", direction=1, kind="per_1000",
                  formula={"numerator": "births", "denominator": "population", "scale": 1000})
    with pytest.raises(SpecError) as err:
        Catalogue.from_mapping(_spec(_series("population"), bad))
    assert err.value.path == "r.formula"
    assert "births" in err.value.message


def test_unknown_id_in_fallback_is_caught_too() -> None:
    bad = _series("r", block="social", direction=1, kind="ratio_to_national",
                  formula={"numerator": "a", "national_reference": "country_row", "fallback": {"numerator": "zz"}})
    with pytest.raises(SpecError, match="zz"):
        Catalogue.from_mapping(_spec(_series("a"), bad))


def test_system_block_without_direction_names_key_path() -> None:
    bad = _series("u", block="economic", kind="as_published")
    with pytest.raises(SpecError) as err:
        Catalogue.from_mapping(_spec(_series("a"), bad))
    assert err.value.path.startswith("indicators.1(u)")
    assert "direction" in err.value.message


def test_bad_type_names_nested_key() -> None:
    with pytest.raises(SpecError) as err:
        Catalogue.from_mapping(_spec(_series("a", accepts_units={"tenge": -1})))
    assert err.value.path == "indicators.0(a).accepts_units"


def test_shipped_catalogue_has_34_slots_in_11_11_7_5() -> None:
    cat = load_catalogue()
    system = cat.system()
    assert len(system) == 34
    counts = {b: sum(1 for i in system if i.block == b) for b in BLOCK_SIZES}
    assert counts == {"social": 11, "economic": 11, "infrastructural": 7, "environmental": 5}
    assert [i.slot for i in cat.system("infrastructural")] == [f"I{k}" for k in range(1, 8)]
    assert all(i.direction in (-1, 1) for i in system)


def test_shipped_catalogue_slot_ids_follow_the_design() -> None:
    cat = load_catalogue()
    slots = {i.slot: i.id for i in cat.system()}
    assert slots["S1"] == "population_change_pct" and slots["E10"] == "diversification_index"
    assert slots["I7"] == "utility_network_wear_share" and slots["N5"] == "pm10_annual_mean"
    assert cat["mining_share_grp"].direction == -1 and cat["manufacturing_share_grp"].direction == 1
    assert cat["population_change_pct"].masked_years == [2022]
    assert cat["agricultural_gva_per_capita_ratio"].applies_to == "regions_only"


def test_no_invented_kazakh_and_unit_conversions() -> None:
    cat = load_catalogue()
    # Kazakh names only where the design document gives a checked wording
    assert cat["life_expectancy"].name.kk == ""
    assert cat["unemployment_rate"].name.kk == "Жұмыссыздық деңгейі, %"
    assert cat["grp"].accepts_units["billion tenge"] == 1000
    assert cat["avg_monthly_nominal_wage"].accepts_units["thousand tenge"] == 1000
    assert cat["population_1jan"].additive and not cat["unemployment_rate"].additive
    assert cat.alias_table()["Сальдо миграции"] == "net_migration"
