"""docs/assessment.md read as a new user reads it.

Every YAML example of the doc, copied from it as written, runs with ``territoria compute`` on a small CSV and
gives the numbers the doc states (a fragment, such as an ``output`` or ``aggregate`` section, is appended to a
small spec). Five typical mistakes each stop ``compute`` with one error naming the key path, printed as
:func:`territoria.interfaces.cli.main` prints it: no traceback, square brackets of the message kept.

The CSV tables are synthetic (made-up numbers), except the DAG example's, which is the doc's own table.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from territoria.assess.pipeline import Assessment
from territoria.errors import SpecError
from territoria.interfaces.cli import app, print_error

DOC = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"
TEXT = DOC.read_text(encoding="utf-8")


def yaml_examples() -> dict[str, str]:
    """Every ```yaml block of the doc, keyed by what it shows: ``tree:<roots>`` for a whole spec, else its
    sections (``output``)."""
    found: dict[str, str] = {}
    for block in re.findall(r"```yaml\n(.*?)```", TEXT, flags=re.S):
        mapping = yaml.safe_load(block)
        key = "tree:" + ",".join(mapping["tree"]) if "tree" in mapping else "+".join(mapping)
        assert key not in found, f"docs/assessment.md: two YAML examples of {key}"
        found[key] = block
    return found


def compute(tmp_path: Path, spec: str, csv: str) -> tuple[pd.DataFrame, list[str]]:
    """``territoria compute`` in this process: the table it wrote, read back, and the file's lines as text."""
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "data.csv").write_text(csv, encoding="utf-8")
    out = tmp_path / "out.csv"
    run = CliRunner().invoke(app, ["compute", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.csv"),
                                   "--id-column", "unit", "-o", str(out)], terminal_width=200)
    assert run.exit_code == 0, (run.output, run.exception)
    return pd.read_csv(out, dtype={"unit": str}).set_index("unit"), out.read_text(encoding="utf-8").splitlines()


def check_hdi(tmp_path: Path, block: str) -> None:
    csv = ("unit,life_expectancy,expected_schooling,mean_schooling,gni_pc\n"
           "A,70,12,9,10000\nB,20,10,5,5000\nC,90,20,16,80000\n")
    out, _ = compute(tmp_path, block, csv)
    documented = re.search(r"= (0\.\d{4}) on income", TEXT)
    assert documented, "the doc's worked income score is gone"
    assert round(out.loc["A", "income"], 4) == float(documented.group(1))
    income = math.log(100) / math.log(750)                                  # (ln 10000 - ln 100)/(ln 75000 - ln 100)
    hdi = (50 / 65 * (12 / 18 + 9 / 15) / 2 * income) ** (1 / 3)
    assert out.loc["A", "hdi"] == pytest.approx(hdi, rel=1e-12)
    assert out.loc["C", ["health", "education", "income", "hdi"]].tolist() == [1.0] * 4   # clip: beyond = 1
    assert out.loc["B", "health"] == 0.0 and out.loc["B", "hdi"] == 0.0     # zeros: zero: at the goalpost, 0


def check_nd_gain(tmp_path: Path, block: str) -> None:
    csv = ("unit,economic,governance,social,food,water,health\n"
           "K,0,0,0,1,1,1\nL,1,1,1,0,0,0\nM,0.5,0.25,0.75,0.5,0.5,0.5\n")
    out, _ = compute(tmp_path, block, csv)
    said = re.search(r"= (\d+); the opposite\s+unit scores 50 × \(0 − 1 \+ 1\) = (\d+); a unit with readiness 0\.5 "
                     r"and vulnerability 0\.5 scores (\d+)\.", TEXT)
    assert said, "the doc's worked formula scores are gone"
    best, worst, middle = (float(v) for v in said.groups())
    assert out.loc[["L", "K", "M"], "nd_gain"].tolist() == [best, worst, middle]
    assert out.loc[["L", "K", "M"], "readiness"].tolist() == [1.0, 0.0, 0.5]
    assert out.loc[["L", "K", "M"], "vulnerability"].tolist() == [0.0, 1.0, 0.5]


def check_dag(tmp_path: Path, block: str) -> None:
    after = TEXT[TEXT.index(block):]
    lines = re.search(r"\n(\| unit \|.*?)\n\n", after, flags=re.S)
    assert lines, "the doc's table of the DAG example is gone"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines.group(1).splitlines()]
    header = [cell.split("=")[0].strip() for cell in rows[0]]
    table = pd.DataFrame([[cell.split("=")[-1].strip() for cell in row] for row in rows[2:]], columns=header)
    table = table.set_index("unit").astype(float)
    assert header == ["unit", "a", "b", "c", "d", "h", "hdi", "x"]
    out, _ = compute(tmp_path, block, table[["a", "b", "c", "d"]].to_csv())
    pd.testing.assert_frame_equal(out.loc[table.index, ["h", "hdi", "x"]], table[["h", "hdi", "x"]], rtol=1e-15)
    rerun = re.search(r"then x = \(h \+ d\)/2: ([\d., ]+)\)", TEXT)
    assert rerun, "the doc's rerun of the DAG example is gone"
    result = Assessment(str(tmp_path / "spec.yaml")).run(table[["a", "b", "c", "d"]].rename_axis("unit"))
    again = result.rerun({"tree.h@x.weight": 1}).tables["aggregated"]["x"]
    assert again.tolist() == [float(v) for v in rerun.group(1).split(",")]


#: A spec the ``output`` example is appended to: flags for the ``flags`` table, a gap for ``missing: -999``.
OUTPUT_BASE = "tree:\n  idx:\n    children: {a: , b: }\nnormalise: {method: percentile_rank}\nflags: {threshold: 0.9}\n"


def check_output(tmp_path: Path, block: str) -> None:
    out, lines = compute(tmp_path, OUTPUT_BASE + block, "unit,a,b\nP,1,4\nQ,2,\nR,3,1\nS,4,2\n")
    assert lines[0] == "unit,EPL_a,EPL_b,SPL_idx,RPL_idx,F_idx,F_a,F_b,Rank,RISK CLASS"
    assert out.index.tolist() == ["P", "Q", "R", "S"]                      # sort: input
    assert out.loc["Q", "EPL_b"] == -999 and out.loc["Q", "F_b"] == -999   # missing: -999
    cells = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str)
    for column in ("F_idx", "F_a", "F_b", "Rank"):                          # flags and ranks are integers
        assert cells[column].str.fullmatch(r"-?\d+").all(), column
    assert out.loc["S", ["F_a", "F_b", "F_idx"]].tolist() == [1, 0, 1]    # S's a is in the top 10 %


#: A spec the ``aggregate`` example is appended to.
AGGREGATE_BASE = "tree:\n  idx:\n    children: {a: , b: , c: }\nnormalise: {method: none}\n"


def check_aggregate(tmp_path: Path, block: str) -> None:
    out, _ = compute(tmp_path, AGGREGATE_BASE + block, "unit,a,b,c\nP,1,4,16\nQ,0,1,100\nR,2,,\n")
    assert out.loc["P", "idx"] == pytest.approx(4.0, rel=1e-15)             # (1 · 4 · 16)^(1/3)
    assert out.loc["Q", "idx"] == pytest.approx(1.0, rel=1e-14)             # the zero read as 0.01: (0.01 · 100)^(1/3)
    assert math.isnan(out.loc["R", "idx"])                                  # 1 of 3 present < min_share 0.5


CHECKS: dict[str, Callable[[Path, str], None]] = {
    "tree:hdi": check_hdi, "tree:nd_gain": check_nd_gain, "tree:hdi,x": check_dag,
    "output": check_output, "aggregate": check_aggregate,
}


def test_every_yaml_example_of_the_doc_is_checked() -> None:
    assert sorted(yaml_examples()) == sorted(CHECKS)


@pytest.mark.parametrize("key", list(CHECKS))
def test_the_doc_example_runs_and_gives_the_documented_numbers(key, tmp_path) -> None:
    CHECKS[key](tmp_path, yaml_examples()[key])


TREE = "tree:\n  idx:\n    children: {a: , b: }\n"


@pytest.mark.parametrize(("spec", "path", "words"), [
    (TREE + "normalise: {method: minmx}\n", "normalise.method", "'goalposts'; got 'minmx'"),
    (TREE + "normalise: {method: goalposts, goalposts: {a: [0, 1], b: [0, 1], zz: [0, 1]}}\n",
     "normalise.goalposts.zz", "'zz' is not an indicator of the tree"),
    ("years: [2020, 2021]\n" + TREE, "years", "years [2020, 2021] applies to a table with a year"),
    ("tree:\n  idx:\n    formula: \"r - vv\"\n    children:\n      r: {children: {a: }}\n      v: {children: {b: }}\n",
     "tree.idx.formula", "'vv' is not a child of 'idx'"),
    ("tree:\n  idx:\n    children:\n      h: {children: {a: }}\n      g: {children: {hh: {reuse: true}, b: }}\n",
     "tree.idx.children.g.children.hh.reuse", "'hh', which is not defined in the tree (did you mean 'h'?)"),
], ids=["unknown_method", "goalposts_not_in_tree", "years_without_year_column", "formula_unknown_child",
        "reuse_unknown_code"])
def test_a_typical_mistake_prints_one_error_naming_the_key_path(spec, path, words, tmp_path) -> None:
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "data.csv").write_text("unit,a,b\n1,0.5,0.5\n2,1,2\n", encoding="utf-8")
    run = CliRunner().invoke(app, ["compute", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.csv"),
                                   "--id-column", "unit"])
    assert isinstance(run.exception, SpecError), repr(run.exception)      # a project error: main prints no traceback
    assert run.exception.path == path and words in run.exception.message
    console = Console(record=True, width=100, file=io.StringIO())
    print_error(run.exception, console=console)
    printed = console.export_text()
    assert printed == f"error: {run.exception}\n"                         # one line, nothing eaten as markup
    assert f"{tmp_path / 'spec.yaml'}: {path}: " in printed and words in printed
