"""A settlement table goes through the whole method: import, a stored assessment of settlements, the
diagnosis among settlements (with the region as context), mechanisms, a report and a map of points.

Data: the bundled real Store plus a SYNTHETIC settlement table made here (seeded random unemployment
rates and wages for twelve settlements of North Kazakhstan): not statistics of those places.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.store import Store
from territoria.store.assessments import load_assessment

runner = CliRunner()
SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "settlement_test_spec_2023.yaml"
SETTLEMENTS = ["591010000", "593230100", "593230300", "593230500", "593230700", "593230900", "593233100",
               "593233200", "593233580", "593233680", "593233900", "593235100"]


def _run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("settlements")
    path = folder / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    rng = np.random.default_rng(3)
    table = pd.DataFrame({                                                   # SYNTHETIC values
        "unit": np.repeat(SETTLEMENTS, 2),
        "indicator": ["unemployment_rate", "avg_monthly_nominal_wage"] * len(SETTLEMENTS),
        "year": 2023,
        "value": np.column_stack([rng.uniform(3, 8, len(SETTLEMENTS)).round(1),
                                  rng.uniform(150_000, 300_000, len(SETTLEMENTS)).round()]).ravel(),
    })
    table.to_csv(folder / "synthetic_settlements.csv", index=False)
    r = _run(str(path), "import", str(folder / "synthetic_settlements.csv"))
    assert r.exit_code == 0, r.output
    r = _run(str(path), "assess", "--spec", str(SPEC), "--name", "settlements")
    assert r.exit_code == 0, r.output
    assert "Stored assessment 'settlements' v1 (settlement, 2023)" in r.output
    return str(path)


@pytest.fixture(scope="module")
def stored(db):
    with Store(db, read_only=True) as store:
        return load_assessment(store, name="settlements")


def test_the_last_settlement_is_diagnosed_among_settlements(db, stored):
    last = str(stored.ranks.idxmax())
    assert last in SETTLEMENTS and int(stored.ranks[last]) == len(SETTLEMENTS)
    r = _run(db, "diagnose", last)
    assert r.exit_code == 0, r.output
    assert (f"Assessment used: 'settlements' v1 (settlement, 2023): rank {len(SETTLEMENTS)} of {len(SETTLEMENTS)} "
            f"settlement units, {len(SETTLEMENTS)} of {len(SETTLEMENTS)} in North Kazakhstan Region") in r.output
    assert "Context: region 590000000 in 'vulnerability_regions'" in r.output


def test_mechanisms_and_report_use_the_settlement_assessment(db, stored, tmp_path):
    last = str(stored.ranks.idxmax())
    r = _run(db, "recommend", last)
    assert r.exit_code == 0, r.output
    assert "weaknesses from 'settlements' v1 (2023)" in " ".join(r.output.split())
    r = _run(db, "report", "profile", last, "-o", str(tmp_path / "p.html"))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "p.html").read_text(encoding="utf-8")                     # Russian by default
    assert "Использованная оценка: settlements, версия 1, единицы: населённый пункт, год 2023" in page


def test_settlement_map_draws_points_framed_on_their_region(db, tmp_path):
    r = _run(db, "map", "--assessment", "settlements", "--column", "index", "-o", str(tmp_path / "m.png"))
    assert r.exit_code == 0, r.output
    pixels = imread(tmp_path / "m.png")[..., :3]
    # Coloured markers (the index's red-yellow-green scale) are drawn, not only the grey background.
    saturation = pixels.max(axis=-1) - pixels.min(axis=-1)
    assert (saturation > 0.3).mean() > 0.002
