"""Property: a rule file — group rules, risk rules, the mechanism knowledge base, status rules — mutated from
the shipped file and saved in one of several encodings, is a valid object that round-trips, or a SpecError
naming the file and the key path; never another exception."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import ENCODINGS, check_spec_error, examples, mutated, write_yaml

from territoria.catalog.catalogue import load_catalogue
from territoria.diagnosis.risks import RiskRules, default_risk_rules_path, load_risk_rules
from territoria.dynamics.status import StatusRules, default_status_rules_path, load_status_rules
from territoria.errors import SpecError
from territoria.groups.config import GroupRules, load_rules
from territoria.mechanisms.kb import KnowledgeBase, default_kb_path, known_problems, load_knowledge_base

GROUP_RULES = Path(__file__).resolve().parents[2] / "src" / "territoria" / "groups" / "rules.yaml"
CATALOGUE = load_catalogue()
PROBLEMS = known_problems()

LOADERS = {
    "groups": (GROUP_RULES, GroupRules, lambda p: load_rules(p)),
    "risk_rules": (default_risk_rules_path(), RiskRules, lambda p: load_risk_rules(p, catalogue=CATALOGUE)),
    "mechanisms": (default_kb_path(), KnowledgeBase,
                   lambda p: load_knowledge_base(p, catalogue=CATALOGUE, problems=PROBLEMS)),
    "status_rules": (default_status_rules_path(), StatusRules, lambda p: load_status_rules(p, catalogue=CATALOGUE)),
}
EXAMPLES = {"groups": 60, "risk_rules": 50, "mechanisms": 40, "status_rules": 50}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_mutated_rule_file_is_valid_or_a_spec_error(name, tmp_path_factory):
    source, model, load = LOADERS[name]
    base = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    tmp = tmp_path_factory.mktemp(name)
    fields = set(model.model_fields)
    assert load(source) is not None  # the shipped file is valid

    @examples(EXAMPLES[name])
    @given(mutated(base), st.sampled_from(ENCODINGS))
    def prop(case, encoding):
        path = tmp / f"{name}.yaml"
        write_yaml(case[0], path, encoding)
        try:
            obj = load(path)
        except Exception as exc:  # the property is about which exceptions come out
            check_spec_error(exc, file=str(path), doc=case[0], fields=fields)
            return
        assert isinstance(obj, model)
        assert model.model_validate(obj.model_dump(by_alias=True)) == obj

    prop()


@pytest.mark.parametrize("raw", [[], "rules", 3, {"version": 1, "rules": {}}, {"version": 1, "mechanisms": []}])
def test_non_mapping_or_empty_rule_files_are_spec_errors(raw):
    with pytest.raises(SpecError):
        load_risk_rules(raw=raw, catalogue=CATALOGUE)
    with pytest.raises(SpecError):
        load_knowledge_base(raw=raw, catalogue=CATALOGUE, problems=PROBLEMS)


# -- regressions found while checking the properties above ------------------------------------------------

def test_group_rules_not_in_utf8_name_the_byte(tmp_path):
    """Was UnicodeDecodeError from groups.config.load_rules."""
    path = tmp_path / "rules.yaml"
    path.write_bytes("village:\n  kinds: [аул]\n".encode("cp1251"))
    with pytest.raises(SpecError, match=r"rules\.yaml: \(file\): not UTF-8 text: byte 0xe0 at offset 19"):
        load_rules(path)


def _risk_raw() -> dict:
    return yaml.safe_load(default_risk_rules_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_risk_threshold_must_be_finite(value):
    """Was accepted: a NaN threshold made a rule that never fires (every comparison with NaN is False)."""
    raw = _risk_raw()
    raw["rules"][0]["threshold"] = value
    with pytest.raises(SpecError) as info:
        load_risk_rules(raw=raw, catalogue=CATALOGUE)
    assert info.value.path.startswith(f"rules[0]({raw['rules'][0]['id']}).threshold")


def test_risk_between_needs_low_below_high():
    """Was accepted: 'between' [5, 1] holds for no value."""
    raw = _risk_raw()
    raw["rules"][0].update(op="between", threshold=[5, 1])
    with pytest.raises(SpecError, match=r"rules\[0\].*low <= high, got \[5\.0, 1\.0\]"):
        load_risk_rules(raw=raw, catalogue=CATALOGUE)


def test_mechanism_horizon_from_after_to_is_refused():
    raw = yaml.safe_load(default_kb_path().read_text(encoding="utf-8"))
    raw["horizons"]["short"]["from"] = 2040
    with pytest.raises(SpecError, match=r"horizons\.short: .*'from' \(2040\) is after 'to' \(2030\)"):
        load_knowledge_base(raw=raw, catalogue=CATALOGUE, problems=PROBLEMS)


def test_group_distance_must_be_finite():
    with pytest.raises(SpecError, match=r"border\.max_km"):
        GroupRules().replace(**{"border.max_km": math.inf})
