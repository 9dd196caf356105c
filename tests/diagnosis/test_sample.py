"""The seeds' sample (no large cities) and criteria-based grades on the bundled regional assessment, and the
sample and grade options on small synthetic tables (hand-worked values)."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.assess.grade import Grade, describe_scale
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec, default_spec_path
from territoria.bundled import bundled_panel
from territoria.diagnosis.sample import compare_samples, full_sample_spec
from territoria.errors import SpecError

CITIES = ["710000000", "750000000", "790000000"]
EAST_KAZAKHSTAN = "630000000"

# SYNTHETIC: four units, two indicators, scores worked by hand below.
TABLE = pd.DataFrame({"a": [0.0, 10.0, 20.0, 30.0], "b": [0.0, 10.0, 20.0, 30.0]},
                     index=pd.Index(["U1", "U2", "U3", "U4"], name="unit"))


def _spec(**over: object) -> AssessmentSpec:
    raw = {"name": "t", "tree": {"idx": {"children": {"a": None, "b": None}}},
           "normalise": {"method": "minmax", "low": 1, "high": 100}}
    return AssessmentSpec.from_mapping({**raw, **over})


@pytest.fixture(scope="module")
def bundled() -> tuple[object, object]:
    spec = AssessmentSpec.from_yaml(default_spec_path())
    raw = spec.to_mapping()
    raw["uncertainty"] = None
    spec = AssessmentSpec.from_mapping(raw)
    panel = bundled_panel()
    return Assessment(spec).run(panel), Assessment(full_sample_spec(spec)).run(panel)


def test_bundled_spec_leaves_out_the_three_cities(bundled) -> None:
    sample, full = bundled
    assert sample.excluded == CITIES
    assert not set(CITIES) & set(sample.to_frame().index)
    assert set(CITIES) <= set(full.to_frame().index)
    assert len(full.to_frame()) == len(sample.to_frame()) + 3


def test_east_kazakhstan_grade_depends_on_the_sample_under_quintiles(bundled) -> None:
    # the statement: under quintiles East Kazakhstan is "vulnerable" with the cities, "stable" without
    sample, full = bundled
    quint = {"grade.method": "quantiles", "grade.k": 5, "grade.thresholds": [], "grade.source": ""}
    a, b = sample.rerun(quint), full.rerun(quint)
    assert a.grades[EAST_KAZAKHSTAN] == "stable" and b.grades[EAST_KAZAKHSTAN] == "vulnerable"
    both = compare_samples(a, b, changed_only=True)
    row = both.set_index("unit").loc[EAST_KAZAKHSTAN]
    assert (row["level_sample"], row["level_full"], bool(row["level_changed"])) == ("stable", "vulnerable", True)
    assert set(both.loc[~both["in_sample"], "unit"]) == set(CITIES)


def test_relative_grades_follow_the_ratio_to_the_national_value(bundled) -> None:
    sample, _ = bundled
    frame = sample.to_frame()
    ratio = frame["vulnerability_index"] / frame["vulnerability_index"].mean()
    bands = pd.cut(ratio, [0, 0.8, 0.9, 1.1, 1.2, 10], right=False,
                   labels=["crisis", "depressive", "vulnerable", "stable", "developing"]).astype(str)
    assert (frame["level"].astype(str) == bands).all()
    assert set(frame["scale"]) == {"relative to national"}
    # the seeds' depressed regions Zhambyl and North Kazakhstan (Orynbet & Imangali 2022) grade below vulnerable
    assert frame.loc["310000000", "level"] == "depressive" and frame.loc["590000000", "level"] == "crisis"
    # relative grades are not a fifth per class: here only one region is in "crisis"
    assert (frame["level"] == "crisis").sum() == 1


def test_relative_grade_hand_worked() -> None:
    # SYNTHETIC scores 1, 34, 67, 100: mean 50.5; ratios 0.0198, 0.673, 1.327, 1.980
    res = Assessment(_spec(grade={"method": "relative", "thresholds": [0.8, 1.2], "labels": ["lo", "mid", "hi"]})
                     ).run(TABLE)
    assert res.grades.to_dict() == {"U1": "lo", "U2": "lo", "U3": "hi", "U4": "hi"}
    grade = Grade(method="relative", thresholds=[0.5, 1.0]).fit(pd.Series([1.0, 3.0], index=["x", "y"]))
    assert grade.reference_ == {None: 2.0}
    assert grade.transform(pd.Series([1.0, 3.0], index=["x", "y"])).tolist() == ["2", "3"]


def test_relative_grade_is_per_year() -> None:
    idx = pd.MultiIndex.from_tuples([("a", 2020), ("b", 2020), ("a", 2021), ("b", 2021)], names=["unit", "year"])
    s = pd.Series([1.0, 3.0, 10.0, 30.0], index=idx)
    g = Grade(method="relative", thresholds=[1.0]).fit(s)
    assert g.reference_ == {2020: 2.0, 2021: 20.0}
    assert g.transform(s).tolist() == ["1", "2", "1", "2"]


def test_describe_scale_names_the_bands() -> None:
    text = describe_scale("relative", thresholds=[0.8, 1.2], labels=["lo", "mid", "hi"])
    assert "lo < 0.8 × national" in text and "mid 0.8–1.2" in text and "hi ≥ 1.2 × national" in text
    assert describe_scale("quantiles", k=5, short=True) == "quantiles (5)"


def test_exclude_and_kinds_filter_the_units() -> None:
    res = Assessment(_spec(units={"exclude": ["U4"]})).run(TABLE)
    assert list(res.to_frame().index) == ["U3", "U2", "U1"] and res.excluded == ["U4"]
    units = pd.DataFrame({"kind": ["town", "town", "city", "city"]}, index=TABLE.index)
    res = Assessment(_spec(units={"kinds": ["town"]})).run(TABLE, units=units)
    assert sorted(res.to_frame().index) == ["U1", "U2"]


@pytest.mark.parametrize(("units", "path"), [
    ({"exclude": ["U9"]}, "units.exclude[0]"),
    ({"exclude": ["U1", "U1"]}, "units.exclude[1]"),
    ({"kinds": []}, "units.kinds"),
    ({"exclude_reason": "why"}, "units.exclude_reason"),
])
def test_sample_errors_name_the_key(units: dict, path: str) -> None:
    with pytest.raises(SpecError) as info:
        Assessment(_spec(units=units)).run(TABLE)
    assert info.value.path == path


def test_an_unknown_kind_and_a_misplaced_option_are_errors() -> None:
    units = pd.DataFrame({"kind": ["town"] * 4}, index=TABLE.index)
    with pytest.raises(SpecError) as info:
        Assessment(_spec(units={"kinds": ["village"]})).run(TABLE, units=units)
    assert info.value.path == "units.kinds[0]" and "town" in info.value.message
    with pytest.raises(SpecError, match="'thresholds' does not apply to grade method 'quantiles'"):
        _spec(grade={"method": "quantiles", "k": 2, "thresholds": [1.0]})
    with pytest.raises(SpecError, match="ratios"):
        _spec(grade={"method": "relative", "thresholds": [0.0, 1.0]})
