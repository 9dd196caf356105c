"""The CLI's tables at 80 and 200 columns, on the bundled real data (the compute table is synthetic)."""

from __future__ import annotations

import logging
import re
import shutil

import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app

runner = CliRunner()
SCIENTIFIC = re.compile(r"\d\.?\d*e[+-]\d\d")


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("terminal") / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    return str(path)


def _run(db: str, width: int, *args: str):
    res = runner.invoke(app, ["--db", db, *args], env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    return res.output


def _fits(output: str, width: int) -> None:
    too_long = [line for line in output.splitlines() if len(line) > width]
    assert not too_long, too_long[:3]


@pytest.mark.parametrize("width", [80, 200])
def test_units_fit_keep_codes_whole_and_group_thousands(db, width):
    out = _run(db, width, "units", "--level", "region")
    _fits(out, width)
    assert "710000000" in out and "750000000" in out                 # Astana, Almaty: codes never wrapped
    assert not SCIENTIFIC.search(out)
    assert re.search(r"│\s+\d{1,3},\d{3},\d{3} │", out)                # a population in the millions, grouped
    if width == 80:
        assert "not shown:" in out and "--columns" in out
    else:
        assert "not shown" not in out


def test_units_columns_option_picks_columns(db):
    out = _run(db, 80, "units", "--level", "region", "--columns", "population,lat")
    header = next(line for line in out.splitlines() if "code" in line)
    assert [h.strip() for h in header.strip("┃ ").split("┃")] == ["code", "name", "population", "lat"]
    bad = runner.invoke(app, ["--db", db, "units", "--columns", "populaton"], env={"COLUMNS": "80"})
    assert bad.exit_code != 0 and "no column 'populaton'" in str(bad.exception)


@pytest.mark.parametrize("width", [80, 200])
def test_show_of_a_region_keeps_the_latest_years_and_says_which_it_left_out(db, width):
    out = _run(db, width, "show", "590000000")
    _fits(out, width)
    header = next(line for line in out.splitlines() if "unit_of_measure" in line)
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", header)]
    assert years and years == sorted(years) and years[-1] == 2025
    assert f"2000–{years[0] - 1}" in out                                 # the left-out years, as a range
    assert not SCIENTIFIC.search(out)
    if width == 200:
        assert len(years) > 3
    assert re.search(r"\d{1,3},\d{3}", out)                              # births, population: grouped


@pytest.mark.parametrize("width", [80, 200])
def test_compute_does_not_print_one_character_columns(tmp_path, width):
    indicators = [f"ind_{i:02d}" for i in range(48)]
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: wide\ntree:\n  index:\n    children:\n"
                    + "".join(f"      {c}: {{direction: 1}}\n" for c in indicators)
                    + "normalise: {method: minmax}\noutput:\n  columns:\n    - {table: aggregated, nodes: aggregates}\n"
                    + "    - {table: rank}\n    - {table: normalised, nodes: indicators}\n", encoding="utf-8")
    data = tmp_path / "data.csv"
    rows = [",".join(["code", *indicators])]
    rows += [",".join([code, *[str(1000 * (j + 1) + i) for i in range(48)]])
             for j, code in enumerate(["710000000", "750000000", "790000000", "593620100"])]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code"],
                        env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    _fits(res.output, width)
    header = next(line for line in res.output.splitlines() if "code" in line and "┃" in line)
    cells = [h.strip() for h in header.strip("┃ ").split("┃")]
    assert cells[:2] == ["code", "index"] and "rank" in cells
    assert all(len(c) >= 4 for c in cells)
    assert "710000000" in res.output


def test_monitor_list_shows_a_dash_not_nat(db):
    add = runner.invoke(app, ["--db", db, "monitor", "add", "590000000", "sme_support", "unemployment_rate", "3.5",
                              "--start", "2018", "--deadline", "2025"], env={"COLUMNS": "200"})
    assert add.exit_code == 0, add.output
    out = _run(db, 200, "monitor", "list")
    _fits(out, 200)
    row = next(line for line in out.splitlines() if "590000000" in line)
    assert "NaT" not in out and row.rstrip(" │").endswith("—")        # withdrawn_at is empty: a dash
    narrow = _run(db, 80, "monitor", "list")
    _fits(narrow, 80)
    # one measure: transposed, its status in the header; never left out
    assert any(word in narrow for word in ("on_track", "off_track", "achieved", "overdue", "no_data"))
    assert "withdrawn_at" in narrow and "not shown" not in narrow


def test_groups_keeps_the_bundled_border_repairs_out_of_the_output(db, caplog):
    with caplog.at_level(logging.INFO, logger="territoria.interfaces.cli.groups"):
        out = _run(db, 80, "groups", "--unit", "595220100")
    _fits(out, 80)
    assert "invalid polygon" not in out
    assert any("invalid polygon" in r.getMessage() for r in caplog.records)
    assert "595220100" in out and "Russia" in out


def test_the_width_is_read_at_every_invocation(db):
    narrow = _run(db, 80, "units", "--level", "region")
    wide = _run(db, 200, "units", "--level", "region")
    assert max(map(len, narrow.splitlines())) <= 80 < max(map(len, wide.splitlines()))
