"""The spec language, part 1: nothing silently ignored, zeros under a geometric mean, coverage rules, years.

Every table here is a small synthetic fixture (made-up numbers chosen so the results can be worked by hand).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.errors import DataError, DegenerateIndicatorError, SpecError
from territoria.interfaces.cli.app import app
from territoria.report.messages import Translator

CLI = [sys.executable, "-c", "from territoria.interfaces.cli import main; main()"]
TREE = {"idx": {"children": {"a": None, "b": None, "c": None}}}


def spec(**sections) -> AssessmentSpec:
    return AssessmentSpec.from_mapping({"tree": TREE, **sections})


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Synthetic: four units, a zero in ``a`` (unit X), gaps in ``b`` and ``a``."""
    return pd.DataFrame({"a": [1.0, 0.0, 3.0, np.nan], "b": [2.0, 5.0, np.nan, np.nan], "c": [4.0, 1.0, 2.0, 8.0]},
                        index=pd.Index(list("WXYZ"), name="unit"))


# -- 1. nothing silently ignored ----------------------------------------------------------------
@pytest.mark.parametrize(("sections", "path", "words"), [
    ({"normalise": {"method": "rank", "low": 0}}, "normalise.low", "applies to 'minmax', 'goalposts'"),
    ({"normalise": {"method": "minmax", "goalposts": {"a": [0, 1]}}}, "normalise.goalposts", "'goalposts'"),
    ({"normalise": {"method": "percentile_rank", "mean": 10}}, "normalise.mean", "'zscore'"),
    ({"normalise": {"method": "goalposts", "goalposts": {"a": [0, 1], "b": [0, 1], "c": [0, 1], "zz": [0, 1]}}},
     "normalise.goalposts.zz", "not an indicator of the tree"),
    ({"normalise": {"method": "goalposts", "goalposts": {"a": [0, 1]}}}, "normalise.goalposts.b",
     "[min, max] for every indicator"),
    ({"normalise": {"method": "goalposts", "goalposts": {"a": [1, 0], "b": [0, 1], "c": [0, 1]}}},
     "normalise.goalposts.a", "min < max"),
    ({"treat": {"method": "none", "winmax": 3}}, "treat.winmax", "'winsorise'"),
    ({"treat": {"method": "winsorise", "exclude": ["zz"]}}, "treat.exclude.zz", "not an indicator"),
    ({"impute": {"method": "locf", "by": "region"}}, "impute.by", "'mean', 'median'"),
    ({"weight": {"method": "equal", "sum_to": 1}}, "weight.sum_to", "'given'"),
    ({"grade": {"method": "none", "k": 3}}, "grade.k", "'quantiles', 'jenks'"),
    ({"aggregate": {"zeros": "zero"}}, "aggregate.zeros", "geometric or harmonic"),
    ({"aggregate": {"method": "geometric", "zeros": "epsilon"}}, "aggregate.epsilon", "needs the value"),
    ({"aggregate": {"method": "geometric", "epsilon": 0.1}}, "aggregate.epsilon", "zeros: epsilon"),
    ({"aggregate": {"coverage": {"min_children": 1, "min_share": 0.5}}}, "aggregate.coverage", "one of"),
    ({"transforms": {"zz": "log"}}, "transforms.zz", "not an indicator"),
    ({"transforms": {"a": {"kind": "power"}}}, "transforms.a", "needs 'exponent'"),
    ({"transforms": {"a": {"kind": "log", "max": 3}}}, "transforms.a", "apply to kind 'cap'"),
    ({"tree": {"idx": {"children": {"a": {"coverage": {"min_children": 1}}, "b": None}}}},
     "tree.idx.children.a.coverage", "applies to a block"),
    ({"tree": {"idx": {"transform": "log", "children": {"a": None, "b": None}}}}, "tree.idx.transform",
     "applies to an indicator"),
    ({"tree": {"idx": {"zeros": "zero", "children": {"a": None, "b": None}}}}, "tree.idx.zeros",
     "geometric or harmonic node"),
    ({"tree": {"idx": {"children": {"a": {"transform": "log"}, "b": None}}}, "transforms": {"a": "log10"}},
     "tree.idx.children.a.transform", "give it in one place"),
])
def test_a_key_that_does_not_apply_is_an_error_naming_it(sections, path, words) -> None:
    with pytest.raises(SpecError) as info:
        spec(**sections)
    assert info.value.path == path
    assert words in info.value.message


def test_a_dumped_spec_reads_back_and_a_rerun_may_change_the_method(table) -> None:
    s = spec(normalise={"method": "minmax", "low": 1, "high": 10}, aggregate={"method": "geometric",
                                                                               "zeros": "zero"})
    assert AssessmentSpec.from_mapping(s.to_mapping()) == s
    result = Assessment(s).run(table)
    # a new method drops the old method's own parameters carried over; those given with it are checked
    alt = result.rerun({"normalise.method": "rank"})
    assert (alt.spec.normalise.low, alt.spec.normalise.high) == (0.0, 100.0)
    assert alt.tables["normalised"]["c"].tolist() == [3.0, 1.0, 2.0, 4.0]          # c = 4, 1, 2, 8
    with pytest.raises(SpecError, match="'low' does not apply to normalise method 'rank'"):
        result.rerun({"normalise.method": "rank", "normalise.low": 5})
    assert result.rerun({"normalise.method": "goalposts", "normalise.goalposts": {
        "a": [0, 10], "b": [0, 10], "c": [0, 10]}}).spec.normalise.low == 1.0


def test_years_on_a_table_without_years_is_an_error_and_selects_years_of_a_panel(table) -> None:
    with pytest.raises(SpecError) as info:
        Assessment(spec(years=[2020, 2021])).run(table)
    assert info.value.path == "years" and "--year-column" in info.value.message
    assert Assessment(spec(year=2021)).run(table).spec.year == 2021      # one year labels a one-period table
    panel = pd.concat({2020: table.fillna(1.0), 2021: table.fillna(2.0) * 2}, names=["year", "unit"])
    panel = panel.reorder_levels(["unit", "year"]).sort_index()
    one = Assessment(spec(year=2021)).run(panel)
    assert list(one.scores.index) == list("WXYZ")            # one year: indexed by unit, as a Panel's
    both = Assessment(spec(years=[2020, 2021])).run(panel)
    assert both.scores.index.names == ["unit", "year"] and len(both.scores) == 8
    with pytest.raises(SpecError, match="year 2019 is not in the table"):
        Assessment(spec(years=[2019, 2020])).run(panel)


def test_read_wide_table_with_a_year_column(tmp_path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text("id,yr,a\n01,2020,1\n01,2021,2\n02,2020,3\n")
    t = read_wide_table(path, "id", year_column="yr")
    assert t.index.names == ["id", "year"] and t.loc[("01", 2021), "a"] == 2
    path.write_text("id,yr,a\n01,2020,1\n01,2020,2\n")
    with pytest.raises(DataError, match=r"\(id '01', yr 2020\) appears twice"):
        read_wide_table(path, "id", year_column="yr")
    path.write_text("id,yr,a\n01,2020,1\n02,twenty,2\n")
    with pytest.raises(DataError, match="row 3, column 'yr': 'twenty' is not a year"):
        read_wide_table(path, "id", year_column="yr")


def test_compute_ranks_within_each_year_of_a_panel(tmp_path) -> None:
    data = tmp_path / "panel.csv"
    data.write_text("id,yr,a,b,c\nP,2020,1,1,1\nQ,2020,2,2,2\nP,2021,3,3,3\nQ,2021,0,0,0\n")
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("tree:\n  idx:\n    children: {a: , b: , c: }\nnormalise: {method: none}\n")
    out = tmp_path / "out.csv"
    run = CliRunner().invoke(app, ["compute", str(spec_file), "--data", str(data), "--id-column", "id",
                                   "--year-column", "yr", "-o", str(out)])
    assert run.exit_code == 0, run.output
    frame = pd.read_csv(out, dtype={"id": str}).set_index(["id", "year"]).sort_index()
    assert frame["rank"].to_dict() == {("P", 2020): 2, ("P", 2021): 1, ("Q", 2020): 1, ("Q", 2021): 2}


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src, "COLUMNS": "200"}


def test_compute_refuses_a_year_without_a_year_column(tmp_path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("year: 2021\ntree:\n  idx:\n    children: {a: , b: }\n")
    data = tmp_path / "t.csv"
    data.write_text("id,a,b\n1,0.5,0.5\n2,1,2\n")
    run = CliRunner().invoke(app, ["compute", str(spec_file), "--data", str(data), "--id-column", "id"])
    assert isinstance(run.exception, SpecError) and run.exception.path == "year"
    assert "applies to a table with a year" in run.exception.message and "--year-column" in run.exception.message


def test_the_console_prints_square_brackets_of_a_message(tmp_path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("tree:\n  idx:\n    children: {a: , b: }\nnormalise: {method: goalposts, goalposts: "
                         "{a: [0, 1]}}\n")
    data = tmp_path / "t.csv"
    data.write_text("id,a,b\n1,0.5,0.5\n")
    run = subprocess.run([*CLI, "compute", str(spec_file), "--data",
                          str(data), "--id-column", "id"], capture_output=True, text=True, env=_env())
    assert run.returncode == 2
    assert "needs [min, max] for every indicator" in run.stderr


# -- 2. zeros under a geometric mean -------------------------------------------------------------
def test_zeros_are_refused_by_default_with_the_choices_named(table) -> None:
    with pytest.raises(DegenerateIndicatorError, match=r"zeros: zero\} or \{zeros: epsilon"):
        Assessment(spec(normalise={"method": "none"}, aggregate={"method": "geometric"})).run(table)


def test_zeros_zero_makes_the_node_zero_and_epsilon_replaces_them(table) -> None:
    zero = Assessment(spec(normalise={"method": "none"}, aggregate={"method": "geometric", "zeros": "zero"}))
    s = zero.run(table).scores
    assert s["X"] == 0.0
    assert s["W"] == pytest.approx((1 * 2 * 4) ** (1 / 3), rel=1e-15)
    assert s["Y"] == pytest.approx((3 * 2) ** 0.5, rel=1e-15)          # the gap skipped, weights renormalised
    eps = Assessment(spec(normalise={"method": "none"},
                          aggregate={"method": "geometric", "zeros": "epsilon", "epsilon": 0.5})).run(table)
    assert eps.scores["X"] == pytest.approx((0.5 * 5 * 1) ** (1 / 3), rel=1e-15)
    assert eps.scores["W"] == s["W"]
    record = next(r for r in eps.log if r.address == "aggregate")
    assert record.params["zeros"] == "epsilon" and record.params["epsilon"] == 0.5
    assert record.fitted["zeros_"] == {"idx": "epsilon 0.5"}


def test_a_node_rule_for_zeros_overrides_the_default(table) -> None:
    tree = {"idx": {"method": "arithmetic", "children": {
        "g": {"method": "geometric", "zeros": "zero", "children": {"a": None, "b": None}}, "c": None}}}
    result = Assessment(AssessmentSpec.from_mapping({"tree": tree, "normalise": {"method": "none"}})).run(table)
    assert result.tables["aggregated"].loc["X", "g"] == 0.0
    assert result.scores["X"] == pytest.approx(0.5, rel=1e-15)          # mean of g = 0 and c = 1
    with pytest.raises(DegenerateIndicatorError, match="'a' has 1 value"):
        Assessment(AssessmentSpec.from_mapping({"tree": {**tree, "idx": {**tree["idx"], "children": {
            "g": {"method": "geometric", "children": {"a": None, "b": None}}, "c": None}}},
            "normalise": {"method": "none"}})).run(table)


# -- 3. coverage -----------------------------------------------------------------------------
def test_coverage_withholds_scores_and_records_why(table) -> None:
    result = Assessment(spec(normalise={"method": "none"}, aggregate={"coverage": {"min_children": 2}})).run(table)
    assert np.isnan(result.scores["Z"])                                 # only c of a, b, c
    assert result.scores["Y"] == pytest.approx(2.5, rel=1e-15)          # a and c present
    w = result.withheld
    assert w[["unit", "node", "present", "children"]].values.tolist() == [["Z", "idx", 1, 3]]
    assert w["reason"].iloc[0] == "1 of 3 children present; coverage needs min_children 2"
    share = Assessment(spec(normalise={"method": "none"}, aggregate={"coverage": {"min_share": 0.7}})).run(table)
    assert share.scores.isna().tolist() == [False, False, True, True]   # 2 of 3 < 0.7
    assert share.withheld["unit"].tolist() == ["Y", "Z"]
    assert Assessment(spec(normalise={"method": "none"})).run(table).withheld.empty


def test_a_node_coverage_overrides_the_default_and_a_withheld_child_is_missing_above(table) -> None:
    tree = {"idx": {"children": {"ab": {"coverage": {"min_share": 1.0}, "children": {"a": None, "b": None}},
                                 "c": None}}}
    result = Assessment(AssessmentSpec.from_mapping({"tree": tree, "normalise": {"method": "none"},
                                                     "aggregate": {"coverage": {"min_children": 2}}})).run(table)
    agg = result.tables["aggregated"]
    assert np.isnan(agg.loc["Y", "ab"]) and np.isnan(agg.loc["Z", "ab"])
    assert np.isnan(result.scores["Y"])                                 # ab withheld: 1 of 2 at idx
    assert result.scores["W"] == pytest.approx((1.5 + 4) / 2, rel=1e-15)
    assert sorted(map(tuple, result.withheld[["unit", "node"]].values.tolist())) == [
        ("Y", "ab"), ("Y", "idx"), ("Z", "ab"), ("Z", "idx")]


def test_the_coverage_reason_is_worded_in_three_languages(table) -> None:
    row = Assessment(spec(normalise={"method": "none"}, aggregate={"coverage": {"min_children": 2}})).run(
        table).withheld.iloc[0]
    params = {k: row[k] for k in ("present", "children", "rule", "need")}
    texts = {lang: Translator(lang).text(row["code"], params) for lang in ("en", "ru", "kk")}
    assert texts["en"] == "1 of 3 children present; coverage needs at least 2"
    assert "1 из 3" in texts["ru"] and "3 құрамдастың 1" in texts["kk"]


def test_compute_prints_the_scores_withheld_and_why(tmp_path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("id,a,b,c\nP,1,2,3\nQ,,,4\nR,2,,1\n")
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("tree:\n  idx:\n    children: {a: , b: , c: }\nnormalise: {method: none}\n"
                         "aggregate: {coverage: {min_children: 2}}\n")
    run = CliRunner().invoke(app, ["compute", str(spec_file), "--data", str(data), "--id-column", "id"],
                             env={"COLUMNS": "200"})
    assert run.exit_code == 0, run.output
    assert "1 score(s) withheld by a coverage rule" in run.output
    assert "1 of 3 children present; coverage needs" in run.output and "min_children 2" in run.output


def test_a_spec_without_the_new_options_keeps_its_dumped_mapping(table) -> None:
    """Stored assessments are keyed by the digest of the dumped spec: options left at their defaults are not
    written, so specs stored before they existed keep their digest."""
    s = spec(normalise={"method": "rank"})
    dumped = s.to_mapping()
    assert "mean" not in dumped["normalise"] and "zeros" not in dumped["aggregate"] and "transforms" not in dumped
    assert "formula" not in dumped["tree"]["idx"] and "coverage" not in dumped["tree"]["idx"]
    assert AssessmentSpec.from_mapping(dumped) == s
    full = spec(normalise={"method": "zscore", "mean": 10, "sd": 2}, transforms={"a": "log"},
                aggregate={"method": "geometric", "zeros": "epsilon", "epsilon": 0.1, "coverage": {"min_share": 0.5}})
    assert AssessmentSpec.from_mapping(full.to_mapping()) == full
