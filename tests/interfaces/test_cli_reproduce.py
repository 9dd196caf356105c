"""``territoria reproduce``: the match table of a reproduction on the bundled published files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from territoria.interfaces.cli.app import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("svi", "coinr"))
    spec = copy / "inform_2025.yaml"        # a wrong rule: the risk as an arithmetic mean
    spec.write_text(spec.read_text().replace("    method: geometric\n", "    method: arithmetic\n", 1))
    out = tmp_path / "match.csv"
    res = CliRunner().invoke(app, ["reproduce", "inform-2025", "--examples", str(copy), "-o", str(out)])
    assert res.exit_code == 1 and "Differs: inform-2025" in res.output
    table = pd.read_csv(out).set_index("check")
    assert table.loc["nodes over rounded inputs", "verdict"] == "differs"
    assert "INFORM RISK" in table.loc["nodes over rounded inputs", "note"]
    assert table.loc["nodes from published children", "verdict"] == "match"


def test_reproduce_hdi_and_gdi_2022_match(tmp_path):
    out = tmp_path / "match.csv"
    hdi = CliRunner().invoke(app, ["reproduce", "hdi_2022", "-o", str(out)])
    assert hdi.exit_code == 0, hdi.output
    assert "hdi_2022: published vs reproduced" in hdi.output and "All 1 checks match" in hdi.output
    row = pd.read_csv(out).iloc[0]
    assert (row["check"], row["units"], row["columns"], row["mismatches"], row["verdict"]) == (
        "HDI (published to 3 decimals)", 206, 1, 0, "match")
    assert row["max_diff"] == 0.0 and row["tolerance"] == "0 at 3 dp"
    gdi = CliRunner().invoke(app, ["reproduce", "gdi_2022", "-o", str(out)])
    assert gdi.exit_code == 0, gdi.output
    table = pd.read_csv(out).set_index("check")
    assert (table["verdict"] == "match").all() and (table["units"] == 206).all()
    assert table.loc["GDI (published to 3 decimals)", "max_diff"] == 0.0
    assert table.loc["female and male HDIs (published to 9 decimals)", "columns"] == 2


def test_reproduce_hdi_2022_differs_with_income_not_on_the_log_scale(tmp_path):
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("svi", "coinr", "inform"))
    spec = copy / "hdr" / "hdi_2022.yaml"
    spec.write_text(spec.read_text().replace("{gnipc_2022: {transform: log}}", "{gnipc_2022: }"))
    res = CliRunner().invoke(app, ["reproduce", "hdi_2022", "--examples", str(copy)])
    assert res.exit_code == 1 and "Differs: hdi_2022" in res.output
