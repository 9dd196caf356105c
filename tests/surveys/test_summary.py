"""Per-settlement summaries: hand-worked means, shares and intervals; small-sample flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.surveys.readers import read_questionnaire
from territoria.surveys.summary import summarise, to_observations, wilson_interval


def test_wilson_interval_hand_worked():
    # x = 8, n = 10, z = 1.959964: centre (0.8 + z²/20) / (1 + z²/10), half z/(1+z²/10) sqrt(0.016 + z²/400)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * np.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(centre - half) and hi == pytest.approx(centre + half)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)   # the textbook Wilson interval for 8/10
    assert wilson_interval(0, 5)[0] == 0.0 and np.isnan(wilson_interval(0, 0)[0])


def _answers(rows: list[dict]) -> pd.DataFrame:
    q = read_questionnaire("residents_express")
    frame = pd.DataFrame(rows).reindex(columns=[n for _, n in q.fields()])
    return frame.astype(object).where(frame.notna(), None)


def test_share_and_mean_exclude_hard_to_say_and_flag_small_samples():
    q = read_questionnaire("residents_express")
    rows = [{"settlement": "A", "sat_water": v, "living_conditions": m}
            for v, m in [("1", "2"), ("2", "4"), ("4", "3"), ("9", "9"), ("5", None)]]
    s = summarise(_answers(rows), q, min_n=4).set_index(["unit", "indicator"])
    water = s.loc[("A", "survey_water_dissatisfied_share")]
    assert water["n"] == 4 and water["n_excluded"] == 1 and water["estimate"] == pytest.approx(50.0)
    lo, hi = wilson_interval(2, 4)
    assert water["ci_low"] == pytest.approx(100 * lo) and water["ci_high"] == pytest.approx(100 * hi)
    assert not water["small_sample"]
    mean = s.loc[("A", "survey_living_conditions_mean")]
    assert mean["n"] == 3 and mean["estimate"] == pytest.approx(3.0)
    half = 4.302652729911275 * 1.0 / np.sqrt(3)          # t(0.975, 2) * s / sqrt(n), s = 1
    assert mean["ci_low"] == pytest.approx(3 - half) and mean["ci_high"] == pytest.approx(3 + half)
    assert mean["small_sample"] and "only 3 valid answers" in mean["warning"]


def test_units_without_answers_are_reported_not_stored():
    q = read_questionnaire("residents_express")
    s = summarise(_answers([{"settlement": "A", "sat_water": "1"}]), q, units=["A", "B"])
    b = s[s["unit"] == "B"]
    assert (b["n"] == 0).all() and (b["warning"] == "no valid answers").all()
    obs = to_observations(s, year=2024, source_id="survey:x")
    assert set(obs["unit"]) == {"A"} and obs["year"].eq(2024).all()
    water = obs[obs["indicator"] == "survey_water_dissatisfied_share"].iloc[0]
    assert water["value"] == 100.0 and "n=1" in water["note"] and "small sample" in water["note"]
    assert to_observations(s, year=2024, source_id="x", include_small=False).empty
