"""Property: an assessment spec file — a mutation of a shipped, valid spec — is either a valid spec whose tree
and mapping round-trip, or a SpecError naming the file and the YAML key path; never another exception."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import ENCODINGS, check_spec_error, examples, mutated, write_yaml

from territoria.assess.spec import AssessmentSpec
from territoria.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
BASES = {
    "vulnerability_regions": ROOT / "src" / "territoria" / "assess" / "specs" / "vulnerability_regions.yaml",
    "svi_2020": ROOT / "examples" / "svi_2020.yaml",
    "coinr_asem": ROOT / "examples" / "coinr_asem.yaml",
    "inform_2025": ROOT / "examples" / "inform_2025.yaml",
}
FIELDS = set(AssessmentSpec.model_fields)


def _load(name: str) -> dict:
    return yaml.safe_load(BASES[name].read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(BASES))
def test_shipped_specs_are_valid(name):
    spec = AssessmentSpec.from_yaml(BASES[name])
    assert AssessmentSpec.from_mapping(spec.to_mapping()) == spec


def _check(doc, tmp: Path, encoding: str = "utf-8") -> None:
    path = tmp / "spec.yaml"
    write_yaml(doc, path, encoding)
    try:
        spec = AssessmentSpec.from_yaml(path)
    except Exception as exc:  # the property is about which exceptions come out
        check_spec_error(exc, file=str(path), doc=doc, fields=FIELDS)
        return
    tree = spec.tree_frame()
    assert tree["code"].is_unique and tree["parent"].isna().sum() == 1
    assert AssessmentSpec.from_mapping(spec.to_mapping()) == spec
    if encoding not in ("utf-8", "utf-8-sig"):
        return  # "?" replaced letters the encoding lacks: the file read is not ``doc``
    try:
        from_dict = AssessmentSpec.from_mapping(doc)
    except Exception as exc:
        check_spec_error(exc, file=None, doc=doc, fields=FIELDS)
        return
    assert from_dict.tree_frame().equals(tree)


@pytest.mark.parametrize("name", sorted(BASES))
def test_mutated_spec_is_valid_or_a_spec_error(name, tmp_path_factory):
    base, tmp = _load(name), tmp_path_factory.mktemp(f"spec_{name}")

    @examples(60)
    @given(mutated(base), st.sampled_from(ENCODINGS))
    def prop(case, encoding):
        _check(case[0], tmp, encoding)

    prop()


def test_spec_from_mapping_of_a_non_mapping_is_a_spec_error():
    for raw in (None, [], "tree", 3, [{"code": "x"}]):
        with pytest.raises(Exception) as info:
            AssessmentSpec.from_mapping(raw, file="s.yaml")
        check_spec_error(info.value, file="s.yaml", doc=raw)


# -- regressions found by the properties above (each was another exception, or a spec wrongly accepted) -----

@pytest.mark.parametrize("encoding", ["cp1251", "utf-16"])
def test_spec_not_in_utf8_names_the_byte(tmp_path, encoding):
    """Was UnicodeDecodeError from yamlfile.load_yaml."""
    path = tmp_path / "spec.yaml"
    path.write_bytes("name: Жамбыл\ntree: {}\n".encode(encoding))
    with pytest.raises(SpecError, match=r"spec\.yaml: <file>: not UTF-8 text: byte 0x[0-9a-f]{2} at offset \d+"):
        AssessmentSpec.from_yaml(path)


def test_spec_path_that_is_a_folder_is_a_spec_error(tmp_path):
    """Was IsADirectoryError from yamlfile.load_yaml."""
    with pytest.raises(SpecError, match="<file>: cannot read the file"):
        AssessmentSpec.from_yaml(tmp_path)


@pytest.mark.parametrize(("section", "value", "path"), [
    ("normalise", {"method": "minmax", "low": 0, "high": math.inf}, "normalise.high"),
    ("normalise", {"method": "minmax", "low": math.nan}, "normalise.low"),
    ("grade", {"method": "thresholds", "thresholds": [math.nan, 50]}, "grade.thresholds.0"),
    ("seed", -5, "seed"),
    ("uncertainty", {"n": 10, "seed": -1}, "uncertainty.seed"),
])
def test_non_finite_or_negative_numbers_are_refused(section, value, path):
    """Were accepted: a spec with high: .inf or a NaN threshold gave NaN scores or grades later."""
    raw = _load("vulnerability_regions")
    raw[section] = value
    with pytest.raises(SpecError) as info:
        AssessmentSpec.from_mapping(raw, file="v.yaml")
    assert info.value.path == path


def test_infinite_weight_in_the_tree_is_refused():
    raw = _load("vulnerability_regions")
    root = next(iter(raw["tree"]))
    first = next(iter(raw["tree"][root]["children"]))
    raw["tree"][root]["children"][first]["weight"] = math.inf
    with pytest.raises(SpecError) as info:
        AssessmentSpec.from_mapping(raw)
    assert info.value.path == f"tree.{root}.children.{first}.weight" and "finite" in info.value.message
