"""``territoria reproduce``: the match table of a reproduction on the bundled published files."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from territoria.interfaces.cli.app import app


def test_reproduce_prints_and_writes_the_match_table(tmp_path):
    out = tmp_path / "match.csv"
    res = CliRunner().invoke(app, ["reproduce", "inform-2025", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "published vs reproduced" in res.output and "All 4 checks match" in res.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["reproduction", "check", "source", "reference", "units", "columns", "max_diff",
                                   "tolerance", "mismatches", "verdict", "note"]
    assert (table["verdict"] == "match").all() and (table["units"] == 191).all()
    over_rounded = table.set_index("check").loc["nodes over rounded inputs"]
    assert over_rounded["max_diff"] == 0.1 and "cells differ, by <= 0.1" in over_rounded["note"]


def test_reproduce_coinr_every_stage(tmp_path):
    out = tmp_path / "match.json"
    res = CliRunner().invoke(app, ["reproduce", "coinr-asem", "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_json(out)
    assert table["check"].str.startswith("stage ").sum() == 5
    assert (table["max_diff"] <= 1e-6).all()


def test_reproduce_unknown_name_and_missing_examples(tmp_path):
    bad = CliRunner().invoke(app, ["reproduce", "svi-2019"])
    assert bad.exit_code != 0 and "unknown reproduction 'svi-2019'" in str(bad.exception)
    assert "svi-2018" in str(bad.exception)
    none = CliRunner().invoke(app, ["reproduce", "svi-2018", "--examples", str(tmp_path)])
    assert none.exit_code != 0 and "examples/ folder" in str(none.exception)


def test_reproduce_reports_a_difference_with_exit_code_1(tmp_path):
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "examples"
    copy = tmp_path / "examples"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("svi", "coinr"))
    spec = copy / "inform_2025.yaml"        # a wrong rule: the risk as an arithmetic mean
    spec.write_text(spec.read_text().replace("    method: geometric\n", "    method: arithmetic\n", 1))
    out = tmp_path / "match.csv"
    res = CliRunner().invoke(app, ["reproduce", "inform-2025", "--examples", str(copy), "-o", str(out)])
    assert res.exit_code == 1 and "Differs: inform-2025" in res.output
    table = pd.read_csv(out).set_index("check")
    assert table.loc["nodes over rounded inputs", "verdict"] == "differs"
    assert "INFORM RISK" in table.loc["nodes over rounded inputs", "note"]
    assert table.loc["nodes from published children", "verdict"] == "match"
