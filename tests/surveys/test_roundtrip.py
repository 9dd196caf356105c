"""Round trip: XLSForm → SYNTHETIC labelled responses drawn from the form's own lists → check → summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoria.surveys.forms import write_form
from territoria.surveys.readers import read_questionnaire, read_responses, read_xlsform
from territoria.surveys.responses import check_responses
from territoria.surveys.summary import summarise, wilson_interval
from territoria.surveys.synthetic import synthetic_export

SAMPLE = pd.DataFrame({"code": ["593620100", "595220100"], "name_ru": ["г.Булаево", "с.Мамлютка"]})


def test_form_to_responses_to_summary(tmp_path):
    q = read_questionnaire("residents_express")
    form = read_xlsform(write_form(q, tmp_path / "form.xlsx", sample=SAMPLE))
    survey, choices = form["survey"], form["choices"]
    # every answer field of the questionnaire is a row of the form, with its list on the choices sheet
    fields = survey[~survey["type"].isin(["begin_group", "end_group"])]
    assert fields["name"].tolist() == [n for _, n in q.fields()]
    lists = {t.split()[1] for t in fields["type"] if t.startswith("select_")}
    assert lists <= set(choices["list_name"])
    assert choices.loc[choices["list_name"] == "settlements", "name"].tolist() == SAMPLE["code"].tolist()

    s = synthetic_export(q, SAMPLE, n_per_unit=60, seed=11, format="kobo",
                         faults={"out_of_scale": 2, "duplicate": 1}, outside=["591000000"])
    # the synthetic answers use only values the form offers
    allowed = choices.groupby("list_name")["name"].apply(set).to_dict()
    for name, typ in zip(fields["name"], fields["type"], strict=True):
        if typ.startswith("select_one"):
            column = next(c for c in s.export.columns if c.endswith("/" + name))
            clean = s.export.loc[(s.fault == "").to_numpy(), column].dropna()
            assert set(clean) <= allowed[typ.split()[1]], name
    path = tmp_path / "export.csv"
    s.export.to_csv(path, index=False, sep=";")
    check = check_responses(read_responses(path), q, sample=SAMPLE, file="export.csv")
    assert check.rejected == sorted(s.fault[s.fault != ""].index)
    summary = summarise(check.kept(), q, min_n=30).set_index(["unit", "indicator"])

    # recount the shares directly from the export (clean rows only) and compare
    clean = s.export[(s.fault == "").to_numpy()]
    for code in SAMPLE["code"]:
        rows = clean[clean["about/settlement"] == code]
        answers = rows["conditions/sat_heating"]
        valid = answers[answers != "9"]
        hits = int(valid.isin(["1", "2"]).sum())
        got = summary.loc[(code, "survey_heating_dissatisfied_share")]
        assert got["n"] == len(valid) and got["n_excluded"] == int((answers == "9").sum())
        assert np.isclose(got["estimate"], 100 * hits / len(valid))
        lo, hi = wilson_interval(hits, len(valid))
        assert np.isclose(got["ci_low"], 100 * lo) and np.isclose(got["ci_high"], 100 * hi)
        living = pd.to_numeric(rows["conditions/living_conditions"])
        living = living[living != 9]
        assert np.isclose(summary.loc[(code, "survey_living_conditions_mean"), "estimate"], living.mean())
        assert got["small_sample"] == (len(valid) < 30)
    assert len(summary) == 2 * len(q.measures())
