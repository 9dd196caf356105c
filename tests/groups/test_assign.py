"""Group rules on synthetic unit tables (codes made up unless a real KATO code is named) and on the bundled units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.errors import DataError, SpecError
from territoria.groups import BorderIndex, assign_groups, load_rules, single_industry_list, with_groups
from territoria.store import Store


def _units(rows):
    frame = pd.DataFrame(rows).set_index("code")
    for col in ("population", "lat", "lon"):
        if col not in frame:
            frame[col] = np.nan
    return frame


def _border():
    # synthetic border: meridian 70 E, 50-52 N, no territory (every point inside)
    return BorderIndex.from_geojson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"neighbour": "Testland"},
         "geometry": {"type": "LineString", "coordinates": [[70.0, 50.0], [70.0, 52.0]]}}]})


def test_small_town_threshold_is_strict_and_unknown_population_is_undecided():
    units = _units([
        {"code": "T1", "kind": "town", "population": 49_999},
        {"code": "T2", "kind": "town", "population": 50_000},
        {"code": "T3", "kind": "town", "population": np.nan},
        {"code": "V1", "kind": "village", "population": 900},
    ])
    result = assign_groups(units, border=_border())
    flags = result.flags()
    assert flags["is_small_town"].tolist() == [True, False, pd.NA, False]
    assert "49,999 < 50,000" in result.members("small_town").loc["T1", "reason"]
    assert result.unknown.query("group == 'small_town'")["unit"].tolist() == ["T3"]
    custom = load_rules().replace(**{"small_town.max_population": 60_000})
    assert assign_groups(units, rules=custom, border=_border()).flags().loc["T2", "is_small_town"]


def test_border_threshold_and_units_without_coordinates():
    units = _units([
        {"code": "A", "kind": "village", "lat": 51.0, "lon": 70.5},   # ~35 km east of the meridian
        {"code": "B", "kind": "village", "lat": 51.0, "lon": 71.0},   # ~70 km
        {"code": "C", "kind": "village"},                             # no point
        {"code": "D", "kind": "village", "lat": 51.0},                # half a point
    ])
    result = assign_groups(units, border=_border())
    assert list(result.flags().index) == ["A", "B", "C", "D"]           # nothing dropped
    assert result.flags()["is_border"].tolist() == [True, False, pd.NA, pd.NA]
    reason = result.members("border").loc["A", "reason"]
    assert "Testland" in reason and "geodesic" in reason
    unknown = result.unknown.query("group == 'border'").set_index("unit")["reason"]
    assert unknown["C"] == "distance unknown: no coordinates"
    assert "only one of lat/lon" in unknown["D"]
    near = assign_groups(units, rules=load_rules().replace(**{"border.max_km": 80}), border=_border())
    assert near.flags().loc["B", "is_border"]


def test_single_industry_list_flag_and_enterprise_share():
    listed = single_industry_list()
    ridder, saran = "632410000", "352210000"
    assert {ridder, saran} <= set(listed["code"])
    units = _units([
        {"code": ridder, "kind": "town", "population": 45_510},
        {"code": saran, "kind": "town", "population": 34_636, "is_single_industry": True},
        {"code": "X1", "kind": "town", "population": 20_000, "is_single_industry": False},
        {"code": "X2", "kind": "town", "population": 20_000, "is_single_industry": False},
    ])
    firms = pd.DataFrame({"unit": ["X1", "X2"], "enterprise": ["Plant A", "Plant B"],
                          "employment_share": [0.25, 0.10]})
    result = assign_groups(units, border=_border(), enterprises=firms)
    members = result.members("single_industry")
    assert set(members.index) == {ridder, "X1"}
    assert "S_INFORMBURO_2023" in members.loc[ridder, "reason"]
    assert "25% of employment" in members.loc["X1", "reason"]
    assert any("Saran" in n and "not a member" in n for n in result.notes)
    former = load_rules().replace(**{"single_industry.include_former": True})
    assert saran in assign_groups(units, rules=former, border=_border()).members("single_industry").index
    with pytest.raises(DataError, match=r"row 1 .*employment_share"):
        assign_groups(units, border=_border(), enterprises=firms.assign(employment_share=[1.5, 0.1]))


def test_rural_support_list_missing_is_said_and_accepted_when_present():
    units = _units([{"code": "V1", "kind": "village"}, {"code": "V2", "kind": "village"},
                    {"code": "T1", "kind": "town", "population": 9000}])
    missing = assign_groups(units, border=_border())
    assert missing.flags()["is_rural_support"].tolist() == [pd.NA, pd.NA, False]
    assert any("official list of rural support settlements is missing" in n for n in missing.notes)
    assert "status: unknown" in missing.members("village").loc["V1", "reason"]
    official = pd.DataFrame({"code": ["V2"], "citation": ["akimat order (synthetic)"]})
    given = assign_groups(units, border=_border(), rural_support=official)
    assert given.flags()["is_rural_support"].tolist() == [False, True, False]
    assert "akimat order" in given.members("rural_support").loc["V2", "reason"]
    assert not any("missing" in n for n in given.notes)
    flagged = assign_groups(units.assign(is_rural_support=pd.array([True, False, pd.NA], dtype="boolean")),
                            border=_border())
    assert flagged.flags()["is_rural_support"].tolist() == [True, False, False]


def test_a_unit_can_be_in_several_groups_and_bad_tables_are_refused():
    units = _units([{"code": "T", "kind": "town", "population": 8000, "lat": 51.0, "lon": 70.2}])
    assert set(assign_groups(units, border=_border()).memberships["group"]) == {"small_town", "border"}
    with pytest.raises(DataError, match="population"):
        assign_groups(units.drop(columns="population"), border=_border())
    with pytest.raises(DataError, match="duplicated"):
        assign_groups(pd.concat([units, units]), border=_border())


def test_rules_file_errors_name_the_key(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("border:\n  max_km: -5\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"border\.max_km"):
        load_rules(bad)
    bad.write_text("border:\n  max_kms: 5\n", encoding="utf-8")
    with pytest.raises(SpecError, match="max_kms"):
        load_rules(bad)
    with pytest.raises(SpecError, match="unknown rule key"):
        load_rules().replace(**{"border.radius": 3})
    assert load_rules().border.max_km == 50


def test_bundled_settlements_bulaevo_is_a_border_small_town_with_russia(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        units = store.units(level="settlement")
        support = store.unit_list("rural_support")
    result = assign_groups(units, rural_support=support)
    bulaevo = result.memberships.query("unit == '593620100'").set_index("group")["reason"]
    assert {"border", "small_town"} <= set(bulaevo.index)
    assert result.distances.loc["593620100", "neighbour"] == "Russia"
    assert 20 < result.distances.loc["593620100", "distance_km"] < 40
    assert "Russia" in bulaevo["border"]
    # every settlement kept: decided or undecided, never dropped
    assert len(result.flags()) == len(units)
    no_point = units.index[units["lat"].isna()]
    assert result.flags().loc[no_point, "is_border"].isna().all()
    # Astana (no KATO point in the bundle) is not in the border group; Almaty city's area is near Kyrgyzstan
    assert result.distances["status"].isin(["measured", "distance unknown"]).mean() > 0.99


def test_with_groups_feeds_the_spec_unit_filter(small_catalogue):
    from territoria.assess.inputs import prepare
    from territoria.assess.spec import AssessmentSpec
    from territoria.panel import Panel

    units = _units([{"code": "A", "kind": "village", "lat": 51.0, "lon": 70.5, "level": "settlement"},
                    {"code": "B", "kind": "village", "lat": 51.0, "lon": 71.5, "level": "settlement"},
                    {"code": "C", "kind": "village", "level": "settlement"}])
    obs = pd.DataFrame({"unit": ["A", "B", "C"], "indicator": "unemployment_rate", "year": 2020,
                        "value": [5.0, 6.0, 7.0]})
    panel = with_groups(Panel(observations=obs, units=units, catalogue=small_catalogue),
                        assign_groups(units, border=_border()))
    assert panel.units["is_border"].tolist() == [True, False, pd.NA]
    spec = AssessmentSpec.from_mapping({"name": "t", "units": {"groups": ["border"]}, "year": 2020,
                                        "tree": {"index": {"children": {"unemployment_rate": None}}}})
    assert list(prepare(spec, panel).table.index) == ["A"]


def test_every_reason_has_a_code_worded_in_russian_and_kazakh():
    """The reason codes cover every form the rules write; ru/kk wording carries the same numbers."""
    import json

    from territoria.report.messages import Translator

    units = _units([
        {"code": "T1", "kind": "town", "population": 12_345, "population_year": 2023, "lat": 51.0, "lon": 70.2},
        {"code": "T2", "kind": "town", "population": np.nan},
        {"code": "X1", "kind": "town", "population": 20_000},
        {"code": "V1", "kind": "village", "lat": 51.0},
        {"code": "V2", "kind": "village"},
        {"code": "V3", "kind": "village", "is_single_industry": True},
    ])
    firms = pd.DataFrame({"unit": ["X1"], "enterprise": ["Plant A"], "output_share": [0.6]})
    result = assign_groups(units, border=_border(), enterprises=firms,
                           rural_support=pd.DataFrame({"code": ["V2"], "citation": [None]}))
    rows = pd.concat([result.memberships, result.unknown], ignore_index=True)
    forms = set()
    ru, kk, en = Translator("ru"), Translator("kk"), Translator("en")
    for reason, coded in zip(rows["reason"], rows["reason_code"], strict=True):
        items = json.loads(coded)
        assert items and all(i["code"].startswith("group_reason.") for i in items)
        forms |= {i["code"].split(".", 1)[1] for i in items}
        for tr in (ru, kk):
            worded = "; ".join(tr.codes(coded))
            assert worded and not any(w in worded for w in ("population", "border", "official", "unknown"))
        assert "; ".join(en.codes(coded)).split(" ")[0] == reason.split(" ")[0]
    assert {"small_town", "small_town_unknown", "border", "one_coordinate", "no_coordinates", "village",
            "rural_list", "enterprise", "flagged"} <= forms
    t1 = rows[(rows["unit"] == "T1") & (rows["group"] == "small_town")]["reason_code"].iloc[0]
    assert ru.codes(t1) == ["город (городской статус), население 12\u00a0345 (2023 г.) < 50\u00a0000"]
    x1 = rows[(rows["unit"] == "X1") & (rows["group"] == "single_industry")]["reason_code"].iloc[0]
    assert "60% промышленного производства (≥ 50%)" in ru.codes(x1)[0]
