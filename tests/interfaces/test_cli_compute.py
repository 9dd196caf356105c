"""``territoria compute`` on any wide table (synthetic tables made up for the test)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from territoria.interfaces.cli.app import app

SPEC = """
name: tiny
missing_codes: [-999]
tree:
  index:
    children:
      a: {direction: 1}
      b: {direction: -1}
normalise: {method: minmax}
grade: {method: thresholds, thresholds: [50], labels: [weak, strong]}
"""


def _write(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    data = tmp_path / "data.csv"
    # byte-order mark, codes with leading zeros, an extra text column, -999 as missing
    data.write_bytes("\ufeffcode,name,a,b\n001,One,1,10\n002,Two,3,-999\n010,Ten,5,30\n".encode())
    return spec, data


def test_compute_writes_the_output_table(tmp_path):
    spec, data = _write(tmp_path)
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype={"code": str})
    assert list(table.columns) == ["code", "index", "rank", "level", "scale"]   # scale: which scale "level" is on
    # a: 0, 50, 100; b (direction -1, 002 missing): 100, -, 0 -> index 50, 50, 50
    assert table["code"].tolist() == ["001", "002", "010"]
    assert table["index"].tolist() == [50.0, 50.0, 50.0] and table["rank"].tolist() == [1, 1, 1]
    assert set(table["level"]) == {"strong"}
    assert "index" in res.output


def test_compute_json_output_and_bad_id_column(tmp_path):
    spec, data = _write(tmp_path)
    out = tmp_path / "out.json"
    ok = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code",
                                  "-o", str(out)])
    assert ok.exit_code == 0 and pd.read_json(out, dtype={"code": str})["code"].tolist()[0] == "001"
    bad = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "kod"])
    assert bad.exit_code != 0 and "no column 'kod'" in str(bad.exception)


def test_compute_names_file_row_column_and_value_of_a_bad_cell(tmp_path):
    spec, _ = _write(tmp_path)
    data = tmp_path / "bad.csv"
    data.write_text("code,a,b\n001,1,10\n002,3,x\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code"])
    message = str(res.exception)
    assert res.exit_code != 0
    assert f"{data}, row 3 (code '002')" in message and "column 'b'" in message and "'x'" in message


# -- published files as they are (examples/reference/README.md gives their sources) -------------------
ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "examples" / "reference"


def test_compute_on_the_published_svi_2022_file_writes_the_cdc_columns(tmp_path):
    data = REF / "svi" / "SVI_2022_US_county.csv.gz"       # byte-order mark, 158 columns, -999 codes
    out = tmp_path / "svi.csv"
    res = CliRunner().invoke(app, ["compute", str(ROOT / "examples" / "svi_2022.yaml"), "--data", str(data),
                                   "--id-column", "FIPS", "-o", str(out)])
    assert res.exit_code == 0, res.output
    mine = pd.read_csv(out, dtype={"FIPS": str}).set_index("FIPS")
    published = pd.read_csv(data, encoding="utf-8-sig", dtype={"FIPS": str}).set_index("FIPS")
    assert mine.index[0] == published.index[0] == "1001"     # FIPS kept as the file writes it
    assert mine.index.tolist() == published.index.tolist() and len(mine) == 3144
    for col in ["EPL_POV150", "SPL_THEME1", "RPL_THEME2", "SPL_THEMES", "RPL_THEMES", "F_NOVEH", "F_TOTAL"]:
        assert (mine[col] == published[col]).all(), col


def test_compute_refuses_a_file_of_another_release(tmp_path):
    res = CliRunner().invoke(app, ["compute", str(ROOT / "examples" / "svi_2020.yaml"), "--data",
                                   str(REF / "svi" / "SVI2018_US_COUNTY.csv.gz"), "--id-column", "FIPS"])
    message = str(res.exception)
    assert res.exit_code != 0
    assert "svi_2020.yaml" in message and "SVI2018_US_COUNTY.csv.gz" in message
    assert "EP_POV150" in message and "EP_HBURD" in message and "not use: EP_POV, EP_PCI" in message


def test_compute_inform_with_x_as_missing_and_published_names(tmp_path):
    out = tmp_path / "inform.csv"
    res = CliRunner().invoke(app, ["compute", str(ROOT / "examples" / "inform_2025.yaml"), "--data",
                                   str(REF / "inform" / "inform_risk_2025_main.csv"), "--id-column", "ISO3",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out).set_index("ISO3")
    assert {"INFORM RISK", "HAZARD & EXPOSURE", "LACK OF COPING CAPACITY", "Rank", "RISK CLASS"} <= set(table.columns)
    assert table.loc["KAZ", "INFORM RISK"] == 2.7 and table.loc["KAZ", "HAZARD & EXPOSURE"] == 2.7


def test_compute_keep_scores_writes_the_same_ranking_or_says_to_keep_all(tmp_path):
    spec, data = _write(tmp_path)
    full, lean = tmp_path / "full.csv", tmp_path / "lean.csv"
    for out, extra in ((full, []), (lean, ["--keep", "scores"])):
        res = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code",
                                       "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_csv(lean, dtype={"code": str}), pd.read_csv(full, dtype={"code": str}))
    bad = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code", "--keep", "all2"])
    assert bad.exit_code != 0 and "--keep" in bad.output and "expected one of all, scores" in bad.output
    # the published SVI 2020 columns include the indicators' percentile ranks (EPL_*), which --keep scores does not hold
    svi = CliRunner().invoke(app, ["compute", str(ROOT / "examples" / "svi_2020.yaml"), "--data",
                                   str(REF / "svi" / "SVI2020_US_COUNTY.csv.gz"), "--id-column", "FIPS",
                                   "--keep", "scores"])
    message = str(svi.exception)
    assert svi.exit_code != 0 and "svi_2020.yaml" in message and "no table 'normalised'" in message
    assert "keep='scores'" in message and "--keep all" in message
