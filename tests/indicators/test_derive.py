"""Hand-worked checks of every formula kind (synthetic numbers unless a test says otherwise)."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.indicators.derive import derive


def _s(id_: str, **extra) -> dict:
    return {"id": id_, "name": {"en": id_}, "unit": {"en": "u"}, **extra}


@pytest.fixture
def cat() -> Catalogue:
    """Synthetic catalogue exercising each formula kind."""
    return Catalogue.from_mapping({"version": 1, "indicators": [
        _s("pop", additive=True), _s("births", additive=True), _s("out", additive=True), _s("income"),
        _s("a", additive=True), _s("b", additive=True), _s("c", additive=True), _s("idx"),
        _s("pop_avg", additive=True),
        _s("rate", block="social", direction=1, kind="per_1000",
           formula={"numerator": "births", "denominator": "pop", "scale": 1000}),
        _s("both", block="social", direction=1, kind="per_100",
           formula={"numerator": ["a", "b"], "denominator": "pop", "scale": 100}),
        _s("share", block="economic", direction=1, kind="share",
           formula={"numerator": "a", "denominator": "c", "scale": 100}),
        _s("growth", block="social", direction=1, kind="growth", formula={"numerator": "pop"},
           masked_years=[2022]),
        _s("inc_ratio", block="social", direction=1, kind="ratio_to_national",
           formula={"numerator": "income", "national_reference": "country_row"}),
        _s("out_ratio", block="economic", direction=1, kind="ratio_to_national", applies_to="regions_only",
           formula={"numerator": "out", "denominator": "pop", "national_reference": "sum_of_units"}),
        _s("hhi", block="economic", direction=1, kind="index",
           formula={"method": "inverse_herfindahl", "numerator": ["a", "b", "c"], "groups": {"bc": ["b", "c"]}}),
        _s("prod", block="economic", direction=1, kind="growth",
           formula={"numerator": "idx", "method": "index_minus_100"}),
        _s("fb", block="economic", direction=1, kind="per_capita",
           formula={"numerator": "out", "denominator": "pop", "by_year": {2021: {"numerator": "out",
                    "denominator": "pop_avg"}}, "fallback": {"numerator": "out", "denominator": "pop_avg"}}),
    ]})


def _obs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])


def _value(out: pd.DataFrame, unit: str, ind: str, year: int) -> float:
    hit = out[(out["unit"] == unit) & (out["indicator"] == ind) & (out["year"] == year)]
    assert len(hit) == 1, (unit, ind, year, hit)
    return float(hit["value"].iloc[0])


def test_per_1000_and_sum_of_parts(cat: Catalogue) -> None:
    obs = _obs([("R1", "births", 2020, 150), ("R1", "pop", 2020, 10000), ("R1", "a", 2020, 3),
                ("R1", "b", 2020, 2)])
    out = derive(obs, cat, indicators=["rate", "both"])
    assert _value(out, "R1", "rate", 2020) == pytest.approx(15.0)      # 1000 * 150 / 10000
    assert _value(out, "R1", "both", 2020) == pytest.approx(0.05)      # 100 * (3 + 2) / 10000
    assert set(out["source_id"]) == {"derived"}
    assert "births" in out.loc[out["indicator"] == "rate", "note"].iloc[0]


def test_sum_needs_every_part(cat: Catalogue) -> None:
    out = derive(_obs([("R1", "a", 2020, 3), ("R1", "pop", 2020, 100)]), cat, indicators=["both"])
    assert out.empty


def test_share_and_zero_denominator(cat: Catalogue) -> None:
    obs = _obs([("R1", "a", 2020, 25), ("R1", "c", 2020, 200), ("R2", "a", 2020, 1), ("R2", "c", 2020, 0)])
    out = derive(obs, cat, indicators=["share"])
    assert _value(out, "R1", "share", 2020) == pytest.approx(12.5)
    assert (out["unit"] == "R2").sum() == 0


def test_growth_masks_years_and_needs_previous_year(cat: Catalogue) -> None:
    obs = _obs([("R1", "pop", 2019, 200), ("R1", "pop", 2020, 210), ("R1", "pop", 2022, 300),
                ("R1", "pop", 2021, 220)])
    out = derive(obs, cat, indicators=["growth"])
    assert _value(out, "R1", "growth", 2020) == pytest.approx(5.0)     # 100 * (210 / 200 - 1)
    assert _value(out, "R1", "growth", 2021) == pytest.approx(100 * (220 / 210 - 1))
    assert 2019 not in set(out["year"]) and 2022 not in set(out["year"])  # no 2018; 2022 masked


def test_ratio_to_country_row(cat: Catalogue) -> None:
    obs = _obs([("KZ", "income", 2020, 80), ("590000000", "income", 2020, 60)])
    out = derive(obs, cat, indicators=["inc_ratio"])
    assert _value(out, "590000000", "inc_ratio", 2020) == pytest.approx(0.75)
    assert _value(out, "KZ", "inc_ratio", 2020) == pytest.approx(1.0)


def test_ratio_to_sum_of_units_skips_overlapping_parts_and_cities(cat: Catalogue) -> None:
    # 2017: South Kazakhstan published beside back-calculated Turkistan and Shymkent (must not count twice)
    obs = _obs([
        ("110000000", "out", 2017, 30), ("110000000", "pop", 2017, 100),
        ("X_SOUTH_KAZAKHSTAN", "out", 2017, 10), ("X_SOUTH_KAZAKHSTAN", "pop", 2017, 100),
        ("610000000", "out", 2017, 4), ("610000000", "pop", 2017, 60),
        ("790000000", "out", 2017, 6), ("790000000", "pop", 2017, 40),
        ("593620100", "out", 2017, 99), ("593620100", "pop", 2017, 1),   # a settlement: not in the sum
    ])
    out = derive(obs, cat, indicators=["out_ratio"])
    national = (30 + 10) / (100 + 100)                                   # 0.2
    assert _value(out, "110000000", "out_ratio", 2017) == pytest.approx(0.3 / national)
    assert _value(out, "610000000", "out_ratio", 2017) == pytest.approx((4 / 60) / national)
    assert "790000000" not in set(out["unit"])                           # applies_to: regions_only


def test_inverse_herfindahl_groups_and_negatives(cat: Catalogue) -> None:
    obs = _obs([("R1", "a", 2020, 50), ("R1", "b", 2020, 30), ("R1", "c", 2020, 20),
                ("R2", "a", 2020, 10), ("R2", "b", 2020, -5), ("R2", "c", 2020, 10)])
    out = derive(obs, cat, indicators=["hhi"])
    assert _value(out, "R1", "hhi", 2020) == pytest.approx(2.0)          # groups a=50, bc=50: 1/(.25+.25)
    assert _value(out, "R2", "hhi", 2020) == pytest.approx(2.0)          # b<0 -> 0: a=10, bc=10


def test_index_minus_100(cat: Catalogue) -> None:
    out = derive(_obs([("R1", "idx", 2020, 102.8)]), cat, indicators=["prod"])
    assert _value(out, "R1", "prod", 2020) == pytest.approx(2.8)


def test_by_year_and_fallback(cat: Catalogue) -> None:
    obs = _obs([("R1", "out", 2020, 10), ("R1", "pop", 2020, 5), ("R1", "pop_avg", 2020, 4),
                ("R1", "out", 2021, 10), ("R1", "pop", 2021, 5), ("R1", "pop_avg", 2021, 4),
                ("R2", "out", 2020, 9), ("R2", "pop_avg", 2020, 3)])
    out = derive(obs, cat, indicators=["fb"])
    assert _value(out, "R1", "fb", 2020) == pytest.approx(2.0)           # primary 10 / 5
    assert _value(out, "R1", "fb", 2021) == pytest.approx(2.5)           # by_year: 10 / 4
    assert _value(out, "R2", "fb", 2020) == pytest.approx(3.0)           # fallback: 9 / 3
    assert out.loc[(out["unit"] == "R2"), "note"].iloc[0].startswith("fallback")


def test_crosswalk_completes_old_unit_denominator(cat: Catalogue) -> None:
    crosswalk = pd.DataFrame([
        {"old_code": "X_SOUTH_KAZAKHSTAN", "new_code": c, "date": "2018-06", "change_type": "split_part"}
        for c in ("610000000", "790000000")])
    obs = _obs([("X_SOUTH_KAZAKHSTAN", "births", 2017, 90), ("610000000", "pop", 2017, 2000),
                ("790000000", "pop", 2017, 1000)])
    out = derive(obs, cat, indicators=["rate"], crosswalk=crosswalk)
    assert _value(out, "X_SOUTH_KAZAKHSTAN", "rate", 2017) == pytest.approx(30.0)  # 1000 * 90 / 3000
    assert derive(obs, cat, indicators=["rate"]).empty
