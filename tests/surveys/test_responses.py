"""Response checks on SYNTHETIC exports (territoria.surveys.synthetic) with labelled, planted faults."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.errors import InputFileError
from territoria.surveys.readers import read_questionnaire, read_responses
from territoria.surveys.responses import check_responses, detect_format
from territoria.surveys.synthetic import synthetic_export

# Real KATO codes and names of two North Kazakhstan settlements (tests/conftest.py small_units); the
# answers drawn for them are synthetic.
SAMPLE = pd.DataFrame({"code": ["593620100", "595220100"], "name_ru": ["г.Булаево", "с.Мамлютка"],
                       "name_en": ["Bulaevo", "Mamlyutka"]})
FAULTS = {"out_of_scale": 3, "outside_sample": 2, "duplicate": 2, "missing_required": 2}


@pytest.mark.parametrize("fmt", ["kobo", "odk", "google"])
def test_every_planted_fault_and_nothing_else_is_rejected(fmt, tmp_path):
    q = read_questionnaire("residents_express")
    s = synthetic_export(q, SAMPLE, n_per_unit=30, seed=7, format=fmt, faults=FAULTS, outside=["591000000"])
    path = tmp_path / f"{fmt}.csv"
    s.export.to_csv(path, index=False, sep=";" if fmt == "kobo" else ",")
    check = check_responses(read_responses(path), q, sample=SAMPLE, file=path.name)
    assert check.format == fmt and not check.fatal
    assert check.rejected == sorted(s.fault[s.fault != ""].index)
    kinds = {p.row: p.expected for p in check.problems}
    for row, fault in s.fault[s.fault != ""].items():
        expected = {"out_of_scale": "one of", "outside_sample": "outside the sample",
                    "duplicate": "duplicate", "missing_required": "required"}[fault]
        assert expected in kinds[row], (row, fault, kinds[row])
    kept = check.kept()
    assert len(kept) == len(s.export) - sum(FAULTS.values())
    # settlement names (Google Forms) come back as codes
    assert set(kept["settlement"]) == set(SAMPLE["code"])
    with pytest.raises(InputFileError, match=f"{sum(FAULTS.values())} problems; nothing was stored"):
        check.raise_for_problems()
    check.raise_for_problems(skip_invalid=True)


def test_google_forms_labels_and_multiple_choices_are_read_back_as_values():
    q = read_questionnaire("residents_express")
    s = synthetic_export(q, SAMPLE, n_per_unit=10, seed=3, format="google", lang="en")
    kobo = synthetic_export(q, SAMPLE, n_per_unit=10, seed=3, format="kobo")
    g = check_responses(s.export, q, sample=SAMPLE).kept()
    k = check_responses(kobo.export, q, sample=SAMPLE).kept()
    pd.testing.assert_frame_equal(g, k)          # same draws, two export formats, identical answers


def test_missing_column_is_structural_and_numbers_are_bounded():
    q = read_questionnaire("residents_express")
    s = synthetic_export(q, SAMPLE, n_per_unit=3, seed=1, format="odk")
    raw = s.export.drop(columns=["plans-intend_to_leave"])
    raw.loc[0, "about-age"] = "17"
    raw.loc[1, "about-age"] = "thirty"
    check = check_responses(raw, q, sample=SAMPLE)
    assert [p.column for p in check.fatal] == ["intend_to_leave"]
    bad = {p.row: p for p in check.problems if p.column == "about-age"}
    assert set(bad) == {2, 3} and "from 18 to 100" in bad[2].expected
    with pytest.raises(InputFileError):
        check.raise_for_problems(skip_invalid=True)


def test_detect_format():
    assert detect_format(["start", "x", "_uuid"]) == "kobo"
    assert detect_format(["SubmissionDate", "x", "KEY"]) == "odk"
    assert detect_format(["Timestamp", "Question"]) == "google"
    assert detect_format(["a", "b"]) == "generic"
