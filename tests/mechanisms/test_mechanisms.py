"""Knowledge base validation, recommendation reasons, what-if and monitoring evaluation."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from territoria.errors import DataError, SpecError, UnknownNameError
from territoria.mechanisms import load_knowledge_base, parse_change, recommend, recommend_group, what_if
from territoria.mechanisms.kb import default_kb_path
from territoria.mechanisms.monitor import early_warnings, evaluate_measures


def _raw() -> dict:
    return yaml.safe_load(default_kb_path().read_text(encoding="utf-8"))


def test_bundled_kb_is_valid_trilingual_and_cited():
    kb = load_knowledge_base()
    assert len(kb.mechanisms) >= 20
    assert {m.horizon for m in kb.mechanisms} == {"short", "medium", "long"}
    for m in kb.mechanisms:
        assert m.name.ru and m.name.kk and m.description.en and m.sources
    assert [s.seed for s in kb.get("special_economic_zone_border").sources] == ["002"]
    assert (kb.horizons["short"].start, kb.horizons["long"].end) == (2022, 2050)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r["mechanisms"][3].pop("horizon"), r"mechanisms\[3\]\(sme_support\).horizon: required key is missing"),
    (lambda r: r["mechanisms"][0].update(horizon="soon"), r"mechanisms\[0\]\(support_centres\).horizon"),
    (lambda r: r["mechanisms"][2]["indicators"].__setitem__(0, "unemploymnt_rate"), "did you mean 'unemployment_rate'"),
    (lambda r: r["mechanisms"][2]["problems"].append("floods"), r"problems\[3\]: unknown problem 'floods'"),
    (lambda r: r["mechanisms"][2]["sources"][1]["regions"].append("59"), "9-digit KATO"),
    (lambda r: r["mechanisms"][2]["sources"][1].update(seed="009"), "not in the citation registry"),
    (lambda r: r["mechanisms"].append(copy.deepcopy(r["mechanisms"][0])), "duplicate mechanism id"),
    (lambda r: r["horizons"].pop("long"), "horizons.long: required horizon is missing"),
])
def test_bad_knowledge_base(edit, message):
    raw = _raw()
    edit(raw)
    with pytest.raises(SpecError, match=message):
        load_knowledge_base(raw=raw)


def test_users_can_add_a_mechanism_without_code(tmp_path):
    raw = _raw()
    raw["mechanisms"].append({"id": "my_measure", "name": {"en": "Mine", "ru": "Моё"},
                              "description": {"en": "x", "ru": "x"}, "horizon": "long",
                              "government": ["local"], "problems": ["high_unemployment"], "sources": ["user"]})
    path = tmp_path / "kb.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_knowledge_base(path).get("my_measure").horizon == "long"


def test_recommend_gives_reasons_and_orders_by_horizon():
    kb = load_knowledge_base()
    flags = pd.DataFrame([{"unit": "595220100", "rule": "high_unemployment", "label": "Unemployment above",
                           "flag": True, "text": "unemployment_rate 2020 = 5.8 % > 4.9"}])
    groups = pd.DataFrame({"unit": ["595220100"], "group": ["border_50km"], "reason": ["40 km from Russia"]})
    table = recommend("595220100", kb, flags=flags, groups=groups, status="at_risk_of_dying_out",
                      status_facts="population fell | more")
    assert list(table["horizon"]) == sorted(table["horizon"], key=["short", "medium", "long"].index)
    sez = table.set_index("mechanism").loc["special_economic_zone_border"]
    assert "5.8 % > 4.9" in sez["reasons"] and "border_50km: 40 km from Russia → meant for border" in sez["reasons"]
    assert "North Kazakhstan" not in sez["reasons"] and "590000000" in sez["reasons"]   # Table 2 region
    agency = table.set_index("mechanism").loc["crisis_management_agency"]
    assert "status at_risk_of_dying_out (population fell)" in agency["reasons"] and agency["horizon"] == "long"
    # without groups, no group reasons and no border-only mechanism
    plain = recommend("595220100", kb, flags=flags)
    assert "cross_border_cooperation" not in set(plain["mechanism"])


def test_recommend_for_a_group_counts_members():
    kb = load_knowledge_base()
    flags = pd.DataFrame([{"unit": u, "rule": "negative_migration", "label": "Negative migration", "flag": True,
                           "text": "net_migration < 0"} for u in ("593620100", "595220100")])
    table = recommend_group(["593620100", "595220100"], kb, flags=flags).set_index("mechanism")
    assert table.loc["university_branches", "members"] == 2


def test_parse_change():
    assert parse_change("unemployment_rate:-2") == ("unemployment_rate", "add", -2.0)
    assert parse_change("money_income_ratio:+15%") == ("money_income_ratio", "mul", pytest.approx(1.15))
    assert parse_change("x:=5,1") == ("x", "set", 5.1)
    with pytest.raises(DataError, match="expected CODE"):
        parse_change("unemployment minus two")


def test_what_if_on_a_synthetic_assessment():
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec

    spec = AssessmentSpec.from_mapping({   # synthetic: higher u is worse
        "normalise": {"method": "minmax", "low": 0, "high": 100}, "rank": {"descending": True},
        "grade": {"method": "thresholds", "thresholds": [50], "labels": ["low", "high"]},
        "tree": {"index": {"children": {"b": {"children": {"u": {"direction": -1}, "w": None}}}}}})
    table = pd.DataFrame({"u": [2.0, 4.0, 6.0], "w": [10.0, 20.0, 30.0]}, index=pd.Index(["A", "B", "C"], name="unit"))
    result = Assessment(spec).run(table)
    assert what_if(result, "B", [])["change"].iloc[:-1].abs().max() == 0       # no change, no movement
    out = what_if(result, "B", [("u", "add", -2.0)]).set_index("item")
    # B: u 4 -> 2 ties A at the best (100), w stays 50: index (100 + 50) / 2 = 75 from 50
    assert out.loc["index", "before"] == pytest.approx(50) and out.loc["index", "after"] == pytest.approx(75)
    assert out.loc["level", "after"] == "high"
    with pytest.raises(UnknownNameError, match="did you mean 'u'"):
        what_if(result, "B", [("uu", "add", 1.0)])


def test_monitoring_statuses_by_hand():
    measures = pd.DataFrame([  # synthetic targets on a synthetic unit
        {"measure_id": 1, "unit": "X", "indicator": "u", "start_year": 2020, "baseline_value": 10.0,
         "target_value": 6.0, "deadline_year": 2024},
        {"measure_id": 2, "unit": "X", "indicator": "w", "start_year": 2020, "baseline_value": 100.0,
         "target_value": 140.0, "deadline_year": 2024},
        {"measure_id": 3, "unit": "X", "indicator": "v", "start_year": 2020, "baseline_value": 1.0,
         "target_value": 2.0, "deadline_year": 2022},
        {"measure_id": 4, "unit": "X", "indicator": "z", "start_year": 2020, "baseline_value": 1.0,
         "target_value": 2.0, "deadline_year": 2030}])
    obs = pd.DataFrame({"unit": "X", "indicator": ["u", "w", "v", "w"], "year": [2022, 2022, 2023, 2023],
                        "value": [7.9, 115.0, 1.5, 141.0]})
    # u: expected 10 - 4 * 2/4 = 8; 7.9 <= 8 -> on track. w at 2022: expected 120, 115 -> off track.
    at_2022 = evaluate_measures(measures, obs[obs["year"] <= 2022], as_of=2022).set_index("measure_id")
    assert at_2022.loc[1, "status"] == "on_track" and at_2022.loc[1, "expected"] == pytest.approx(8)
    assert at_2022.loc[2, "status"] == "off_track" and at_2022.loc[2, "expected"] == pytest.approx(120)
    assert at_2022.loc[4, "status"] == "no_data"
    later = evaluate_measures(measures, obs, as_of=2023).set_index("measure_id")
    assert later.loc[2, "status"] == "achieved"          # 141 >= 140
    assert later.loc[3, "status"] == "overdue"           # 1.5 < 2 after the 2022 deadline


def test_early_warnings():
    levels = pd.DataFrame({"unit": ["A", "A", "B", "B"], "year": [2021, 2022, 2021, 2022],
                           "level": ["stable", "vulnerable", "crisis", "stable"]})
    flags = pd.DataFrame({"unit": ["A", "A"], "year": [2021, 2022], "rule": ["r", "r"], "flag": [False, True],
                          "text": ["x", "x 2022"]})
    w = early_warnings(levels, flags, order=["crisis", "depressive", "vulnerable", "stable", "developing"])
    assert set(zip(w["unit"], w["kind"], strict=True)) == {("A", "level_down"), ("A", "new_flag")}
    assert "from stable (2021) to vulnerable (2022)" in w.set_index("kind").loc["level_down", "detail"]


def test_a_group_reason_is_worded_from_the_memberships_codes():
    """The membership's own reason codes travel into the recommendation, so Russian wording needs no English."""
    import json

    from territoria.report.messages import Translator

    coded = json.dumps([{"code": "group_reason.border", "params": {"km": 40.0, "country": "Russia", "limit": 50.0}}])
    groups = pd.DataFrame({"unit": ["595220100"], "group": ["border_50km"],
                           "reason": ["40.0 km from the land border with Russia (geodesic; <= 50 km)"],
                           "reason_code": [coded]})
    table = recommend("595220100", load_knowledge_base(), groups=groups).set_index("mechanism")
    codes = json.loads(table.loc["special_economic_zone_border", "reason_codes"])
    group = next(c for c in codes if c["code"] == "reason.group")
    assert group["params"]["reason"] == json.loads(coded)
    worded = Translator("ru")(group)
    assert "40,0 км до сухопутной границы (Россия" in worded and "land border" not in worded
