"""Questionnaire model: the shipped questionnaires validate, errors name the key path."""

from __future__ import annotations

import copy

import pytest
import yaml

from territoria.catalog.catalogue import load_catalogue
from territoria.errors import SpecError
from territoria.surveys.model import SAATY_CHOICES, Questionnaire, field_choices, field_label
from territoria.surveys.readers import bundled_questionnaires, read_questionnaire


def test_bundled_questionnaires_validate_and_measure_catalogue_indicators():
    catalogue = load_catalogue()
    assert set(bundled_questionnaires()) == {"residents_express", "experts_settlement"}
    for name in bundled_questionnaires():
        q = read_questionnaire(name)
        for question, measure in q.measures():
            ind = catalogue[measure.indicator]
            assert ind.block is not None and ind.slot is None and ind.direction in (-1, 1)
            assert question.informs is not None and question.informs.block == ind.block


def test_kazakh_falls_back_to_russian_and_no_kazakh_is_invented():
    q = read_questionnaire("residents_express")
    sat = q.question("sat_housing")
    assert sat.label.kk == "" and sat.label.get("kk") == sat.label.ru
    kk_texts = [c.label.kk for s in q.scales.values() for c in s.choices if c.label.kk]
    assert kk_texts == ["Жоқ"]


def test_pairwise_fields_and_saaty_choices():
    q = read_questionnaire("experts_settlement")
    pairs = [f for qq, f in q.fields() if qq.type == "pairwise"]
    assert len(pairs) == 6 and pairs[0] == "block_weights__social__economic"
    choices = field_choices(q, q.question("block_weights"), pairs[0])
    assert [c for c, _ in choices] == list(SAATY_CHOICES) and len(choices) == 17
    assert SAATY_CHOICES["l9"] == 9 and SAATY_CHOICES["r3"] == pytest.approx(1 / 3)
    assert "Экономика" in field_label(q, q.question("block_weights"), pairs[0], "ru")


def _raw() -> dict:
    path = bundled_questionnaires()["residents_express"]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_errors_name_the_key_path():
    raw = _raw()
    bad = copy.deepcopy(raw)
    bad["sections"][1]["questions"][1]["scale"] = "nope"
    with pytest.raises(SpecError, match=r"scale 'nope' is not among scales"):
        Questionnaire.from_mapping(bad)
    bad = copy.deepcopy(raw)
    bad["sections"][1]["questions"][1]["measures"][0]["values"] = [1, 7]
    with pytest.raises(SpecError, match=r"counts \[7\]"):
        Questionnaire.from_mapping(bad)
    bad = copy.deepcopy(raw)
    bad["sections"][0]["questions"][1]["typo"] = 1
    with pytest.raises(SpecError, match=r"sections\.0\.questions\.1\.typo"):
        Questionnaire.from_mapping(bad)
    bad = copy.deepcopy(raw)
    bad["unit_question"] = "age"
    with pytest.raises(SpecError, match="must be of type 'unit'"):
        Questionnaire.from_mapping(bad)


def test_declared_indicators_extend_the_catalogue():
    raw = _raw()
    raw["indicators"] = [{"id": "survey_custom_share", "name": {"en": "Custom"}, "unit": {"en": "%"},
                          "block": "social", "direction": -1, "kind": "as_published"}]
    q = Questionnaire.from_mapping(raw)
    cat = q.extend_catalogue(load_catalogue())
    assert "survey_custom_share" in cat and len(cat) == len(load_catalogue()) + 1
    raw["indicators"][0]["id"] = "survey_water_dissatisfied_share"
    with pytest.raises(SpecError, match="already in the catalogue"):
        Questionnaire.from_mapping(raw).extend_catalogue(load_catalogue())
