"""The general features the reproductions rely on, on small synthetic tables made up for the test:
output naming per node, text missing codes, ranks on rounded scores, the missing-indicator message, and
compare_to_reference (hand-worked cases)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.io import read_reproductions
from territoria.assess.pipeline import Assessment
from territoria.assess.reproduce import Reproduction, compare_to_reference, examples_dir
from territoria.assess.spec import AssessmentSpec
from territoria.errors import SpecError

BASE = {
    "missing_codes": [-999, "x"],
    "tree": {"total": {"names": {"flags": "F_ALL"}, "method": "sum", "children": {
        "grp": {"label": "G", "method": "sum", "children": {"v_a": {"label": "A"}, "v_b": {"label": "B"}}},
        "v_c": {"label": "C", "direction": -1}}}},
    "normalise": {"method": "percentile_rank", "decimals": 4},
    "aggregate": {"method": "sum", "missing": "propagate"},
    "flags": {"threshold": 0.9},
}
# synthetic: four units, 'x' and -999 mark missing values
TABLE = pd.DataFrame({"v_a": [1.0, 2.0, 3.0, 4.0], "v_b": ["10", "x", "30", "40"], "v_c": [5.0, 6.0, 7.0, -999],
                      "other": ["p", "q", "r", "s"]}, index=pd.Index(["01", "02", "03", "04"], name="id"))


def _spec(**extra) -> AssessmentSpec:
    return AssessmentSpec.from_mapping({**BASE, **extra})


def test_output_columns_by_template_label_and_node_names():
    spec = _spec(output={"columns": [{"table": "normalised", "nodes": "indicators", "name": "P_{label}"},
                                     {"table": "aggregated_raw", "nodes": "aggregates", "name": "S_{code}"},
                                     {"table": "flags", "nodes": "all", "name": "F_{label}"},
                                     {"table": "rank", "name": "Rank"}],
                         "missing": -999, "sort": "input"})
    out = Assessment(spec).run(TABLE).output_table()
    assert list(out.columns) == ["P_A", "P_B", "P_C", "S_total", "S_grp", "F_ALL", "F_G", "F_A", "F_B", "F_C",
                                 "Rank"]
    assert out.index.tolist() == ["01", "02", "03", "04"]
    # v_a: ranks 1..4 -> 0, 1/3, 2/3, 1 (4 dp); v_b 'x' is missing -> -999; v_c reversed: 1 - p over 3 units
    assert out["P_A"].tolist() == [0.0, 0.3333, 0.6667, 1.0]
    assert out["P_B"].tolist() == [0.0, -999, 0.5, 1.0]
    assert out["P_C"].tolist() == [1.0, 0.5, 0.0, -999]
    assert out["S_grp"].tolist() == [0.0, -999, pytest.approx(1.1667), 2.0]       # missing propagates
    assert out["F_A"].dtype == "Int64" and out["F_A"].tolist() == [0, 0, 0, 1]
    assert out["F_ALL"].tolist() == [1, -999, 0, -999]
    assert out["Rank"].tolist() == [2, -999, 1, -999]


def test_output_default_and_errors():
    out = Assessment(_spec()).run(TABLE).output_table()
    assert list(out.columns) == ["total", "grp", "rank", "level"]             # to_frame(), sorted by rank
    clash = _spec(output={"columns": [{"table": "normalised", "nodes": "indicators", "name": "same"}]})
    with pytest.raises(SpecError, match="two output columns are named 'same'"):
        Assessment(clash).run(TABLE).output_table()
    unknown = _spec(output={"columns": [{"table": "normalised", "nodes": ["v_z"]}]})
    with pytest.raises(SpecError, match=r"output\.columns\[0\]\.nodes: 'v_z' not in the tree"):
        Assessment(unknown).run(TABLE).output_table()
    with pytest.raises(SpecError, match=r"output\.columns\.0\.table"):
        _spec(output={"columns": [{"table": "scores"}]})


def test_text_missing_code_only_where_declared():
    with pytest.raises(Exception, match="'v_b' is not numeric: unit '02' has 'x'"):
        Assessment(AssessmentSpec.from_mapping({**BASE, "missing_codes": [-999]})).run(TABLE)


def test_rank_on_rounded_scores():
    spec = {"tree": {"i": {"children": {"a": None}}}, "normalise": {"method": "none"}}
    table = pd.DataFrame({"a": [6.6189, 6.6160, 6.3808]}, index=["JPN", "RUS", "IND"])
    full = Assessment(AssessmentSpec.from_mapping(spec)).run(table).ranks.tolist()
    shown = Assessment(AssessmentSpec.from_mapping({**spec, "rank": {"decimals": 2}})).run(table).ranks.tolist()
    assert full == [1, 2, 3] and shown == [1, 1, 3]


def test_missing_indicators_all_named_with_candidates():
    with pytest.raises(SpecError) as err:
        Assessment(_spec()).run(TABLE.rename(columns={"v_a": "v_aa", "v_c": "zz"}))
    msg = str(err.value)
    assert "2 of the spec's 3 indicators are not columns of the data: v_a (did you mean 'v_aa'?); v_c" in msg
    assert "named like the indicators (v_*) that the spec does not use: v_aa" in msg


def test_compare_hand_worked():
    ours = pd.DataFrame({"a": [0.12344, 0.5, np.nan], "b": [1.0, 2.0, 3.0], "c": ["Low", "High", "Low"],
                         "d": [1.0, 1.0, 1.0]}, index=["u1", "u2", "u3"])
    ref = pd.DataFrame({"a": [0.1234, 0.5001, -999], "b": [1.0, 2.0, -999], "c": ["Low", "Low", "Low"]},
                       index=["u1", "u2", "u3"])
    a = compare_to_reference(ours, ref, columns=["a"], decimals=4, missing_codes=[-999])
    assert (a.units, a.mismatches, a.verdict) == (3, 1, "differs")           # 0.5 vs 0.5001
    assert a.max_diff == pytest.approx(1e-4)
    assert compare_to_reference(ours, ref, columns=["a"], decimals=4, tolerance=1e-4,
                                missing_codes=[-999]).verdict == "match"
    b = compare_to_reference(ours, ref, columns=["b"], missing_codes=[-999])
    assert b.mismatches == 1 and b.by_column["b"] == 1                        # u3: present vs missing
    assert compare_to_reference(ours, ref, columns=["b"], exclude=["u3"], missing_codes=[-999]).verdict == "match"
    c = compare_to_reference(ours, ref, columns=["c"])
    assert c.mismatches == 1                                                # text compared as text
    d = compare_to_reference(ours, ref, columns=["?"])
    assert d.absent_columns == ["d"] and d.verdict == "differs"
    rel = compare_to_reference(pd.DataFrame({"m": [1e6 + 0.5]}), pd.DataFrame({"m": [1e6]}), relative=True,
                               tolerance=1e-6)
    assert rel.max_diff == pytest.approx(5e-7) and rel.verdict == "match"
    extra = compare_to_reference(ours.iloc[:2], ref, columns=["b"])
    assert extra.unmatched_units == ["u3"] and extra.verdict == "differs"


def test_manifest_lists_existing_specs_and_files():
    base = examples_dir()
    assert base is not None
    manifest = read_reproductions(base / "reproductions.yaml")
    assert set(manifest) == {"svi-2018", "svi-2020", "svi-2022", "inform-2025", "coinr-asem", "hdi_2022", "gdi_2022"}
    for rep in manifest.values():
        assert isinstance(rep, Reproduction)
        for path in [rep.spec, rep.data, *(c.spec for c in rep.checks if c.spec),
                     *(c.reference for c in rep.checks if c.reference)]:
            assert (base / path).is_file(), path


def test_manifest_errors_name_the_key(tmp_path):
    (tmp_path / "reproductions.yaml").write_text("t:\n  peer: p\n  release: r\n  spec: s\n  data: d\n"
                                                 "  id_column: i\n  checks: [{name: n, tolerence: 1}]\n")
    with pytest.raises(SpecError, match=r"t\.checks\.0\.tolerence: unknown key"):
        read_reproductions(tmp_path / "reproductions.yaml")
