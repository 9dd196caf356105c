"""Printable forms (HTML, PDF with an embedded Cyrillic font) and the XLSForm sheets."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.errors import SpecError
from territoria.surveys.forms import write_form
from territoria.surveys.forms.html import render_html
from territoria.surveys.forms.xlsform import xlsform_tables
from territoria.surveys.readers import read_questionnaire

SAMPLE = pd.DataFrame({"code": ["593620100"], "name_ru": ["г.Булаево"], "name_en": ["Bulaevo"]})


def test_html_has_every_question_in_the_chosen_language():
    q = read_questionnaire("residents_express")
    ru = render_html(q, lang="ru", sample=SAMPLE)
    en = render_html(q, lang="en", sample=SAMPLE)
    for question in q.questions:
        assert f'id="{question.name}"' in ru
    assert "Насколько вы удовлетворены водоснабжением?" in ru and "water supply" in en
    assert "г.Булаево (593620100)" in ru and "Bulaevo (593620100)" in en
    kk = render_html(q, lang="kk")
    assert "Насколько вы удовлетворены водоснабжением?" in kk      # no Kazakh wording: Russian shown
    assert "Жоқ" in kk                                            # the one checked Kazakh answer
    assert "только если в вопросе 18 отмечено" in ru               # the only_if note on question 19


def test_pdf_embeds_dejavu(tmp_path):
    q = read_questionnaire("experts_settlement")
    path = write_form(q, tmp_path / "f.pdf", lang="ru", sample=SAMPLE)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"DejaVuSans" in data and b"/FontFile2" in data
    assert len(data) > 10_000


def test_xlsform_sheets_follow_the_spec():
    q = read_questionnaire("residents_express")
    t = xlsform_tables(q, default_lang="ru")
    survey = t["survey"].set_index("name")
    assert {"label::Russian (ru)", "label::Kazakh (kk)", "label::English (en)"} <= set(t["survey"].columns)
    assert survey.loc["sat_water", "type"] == "select_one satisfaction5"
    assert survey.loc["main_problems", "type"] == "select_multiple problems"
    assert survey.loc["age", "constraint"] == ". >= 18 and . <= 100"
    relevant = "selected(${intend_to_leave}, '1') or selected(${intend_to_leave}, '2')"
    assert survey.loc["destination", "relevant"] == relevant
    assert survey.loc["comment", "required"] == "" and survey.loc["sat_water", "required"] == "yes"
    # no sample: the settlement is a 9-digit KATO code
    assert survey.loc["settlement", "type"] == "text" and "[0-9]{9}" in survey.loc["settlement", "constraint"]
    # Kazakh column falls back to Russian, never empty
    assert (t["survey"]["label::Kazakh (kk)"] != "").sum() == (t["survey"]["label::Russian (ru)"] != "").sum()
    assert t["settings"].loc[0, "form_id"] == "residents_express"
    assert t["settings"].loc[0, "default_language"] == "Russian (ru)"
    groups = t["survey"]["type"].value_counts()
    assert groups["begin_group"] == groups["end_group"] == len(q.sections)
    choices = t["choices"]
    assert not choices.duplicated(["list_name", "name"]).any()


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(SpecError, match=r"\.html, \.pdf, \.xlsx"):
        write_form(read_questionnaire("residents_express"), tmp_path / "f.docx")
