"""``--jobs N`` of the commands that run an assessment: the same output file, byte for byte, with one
thread or two; bad values refused naming the option. Tables made up for the test (SYNTHETIC) or the
bundled real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.assess import threads
from territoria.interfaces.cli.app import app

SPEC = """
name: jobs (synthetic)
tree:
  index:
    children:
      p: {weight: 0.6, children: {a: {}, b: {direction: -1}, c: {}}}
      q: {weight: 0.4, children: {d: {}, e: {}}}
impute: {method: median}
treat: {method: winsorise, winmax: 3}
normalise: {method: minmax, reference: pooled}
grade: {method: quantiles, k: 4}
"""


def _panel(tmp_path: Path) -> tuple[Path, Path]:
    """SYNTHETIC wide table of 200 units x 3 years: skewed columns (capped or logged), gaps, ties."""
    rng = np.random.default_rng(3)
    rows = []
    for year in (2021, 2022, 2023):
        x = pd.DataFrame({"a": rng.lognormal(0, 1, 200), "b": rng.normal(10, 2, 200),
                          "c": np.round(rng.normal(0, 1, 200), 1), "d": rng.gamma(2, 1, 200),
                          "e": rng.normal(0, 1, 200)})
        x.loc[:2, "e"] = [40.0, 45.0, 50.0]
        x[rng.random(x.shape) < 0.05] = np.nan
        x.insert(0, "year", year)
        x.insert(0, "code", [f"U{i:03d}" for i in range(200)])
        rows.append(x)
    data = tmp_path / "panel.csv"
    pd.concat(rows).to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return spec, data


@pytest.fixture
def every_kernel_threaded(monkeypatch):
    # the tables here are small: without this every kernel would stay in the calling thread
    monkeypatch.setattr(threads, "MIN_CELLS", 0)


def test_compute_jobs_2_writes_the_same_bytes_as_jobs_1(tmp_path, every_kernel_threaded):
    spec, data = _panel(tmp_path)
    written = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out_{jobs}.csv"
        res = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code",
                                       "--year-column", "year", "-o", str(out), "--jobs", jobs])
        assert res.exit_code == 0, res.output
        written.append(out.read_bytes())
    assert written[0] == written[1]
    table = pd.read_csv(tmp_path / "out_1.csv")
    assert len(table) == 600 and table["rank"].between(1, 200).all()


def test_assess_jobs_2_writes_the_same_bytes_as_jobs_1(tmp_path, bundled_store_path, every_kernel_threaded):
    """The regions of the bundled real data, with the rank intervals of the spec's Monte-Carlo runs."""
    written = []
    for jobs in ("1", "2"):
        out = tmp_path / f"regions_{jobs}.csv"
        res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "assess", "-o", str(out), "--jobs", jobs],
                                 env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        written.append(out.read_bytes())
    assert written[0] == written[1]
    assert "rank_p95" in pd.read_csv(tmp_path / "regions_1.csv").columns


@pytest.mark.parametrize("command", [["compute", "spec.yaml", "--data", "d.csv", "--id-column", "code"],
                                     ["assess"], ["run"]])
@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_a_bad_jobs_value_is_refused_naming_the_option(tmp_path, command, value):
    db = tmp_path / "untouched.duckdb"
    db.write_bytes(b"not a store")        # `run` starts from an empty Store: the refusal must come first
    res = CliRunner().invoke(app, ["--db", str(db), *command, "--jobs", value], env={"COLUMNS": "200"})
    assert res.exit_code == 2, res.output                       # Click's usage error, nothing run
    assert "--jobs" in res.output
    assert ("-1 for every core" in res.output) if value != "x" else ("valid integer" in res.output)
    assert db.read_bytes() == b"not a store"


def test_jobs_with_dask_is_refused(tmp_path):
    spec, data = _panel(tmp_path)
    res = CliRunner().invoke(app, ["compute", str(spec), "--data", str(data), "--id-column", "code",
                                   "--year-column", "year", "--engine", "dask", "--jobs", "2"], env={"COLUMNS": "200"})
    assert res.exit_code == 2 and "--jobs" in res.output and "Dask" in res.output


def test_the_help_documents_jobs():
    for command in ("assess", "run", "compute"):
        res = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0 and "--jobs" in res.output and "every core" in res.output, command


class _Stop(Exception):
    """Raised by the stand-in: the test needs only what `run` hands to the assessments."""


def test_run_hands_jobs_to_both_assessments(tmp_path, monkeypatch):
    from territoria.interfaces.cli import main_job

    seen: list[int | None] = []

    def levels(store, output_dir, year, *, n_jobs=None):
        seen.append(n_jobs)
        raise _Stop

    monkeypatch.setattr(main_job, "load_bundled_with_progress", lambda store, **options: None)  # an empty Store
    monkeypatch.setattr(main_job, "assess_levels", levels)
    for args, want in (([], 1), (["--jobs", "2"], 2), (["--jobs", "-1"], -1)):
        res = CliRunner().invoke(app, ["--db", str(tmp_path / "t.duckdb"), "run", "--output-dir",
                                       str(tmp_path / "out"), "--no-summary", *args], env={"COLUMNS": "200"})
        assert isinstance(res.exception, _Stop), res.output
        assert seen[-1] == want
