"""``territoria report trends``: the index and its blocks over the years, on the bundled real data."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from territoria.assess.spec import AssessmentSpec, default_spec_path
from territoria.interfaces.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory) -> str:
    """The bundled Store plus the bundled regional spec over 2019-2021, stored as 'regions3' (no Monte-Carlo)."""
    folder = tmp_path_factory.mktemp("trends")
    path = folder / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    mapping = {**AssessmentSpec.from_yaml(default_spec_path()).to_mapping(), "year": None,
               "years": [2019, 2020, 2021], "uncertainty": None}
    spec = folder / "regions3.yaml"
    spec.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    res = runner.invoke(app, ["--db", str(path), "assess", "--spec", str(spec), "--name", "regions3",
                              "--no-uncertainty"])
    assert res.exit_code == 0, res.output
    return str(path)


def test_trends_of_two_regions_with_the_national_value(db, tmp_path):
    out = tmp_path / "trends.html"
    res = runner.invoke(app, ["--db", db, "report", "trends", "590000000", "470000000", "--assessment", "regions3",
                              "--lang", "ru", "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")

    def has(text: str) -> bool:  # the figure's JSON may escape non-ASCII letters
        return text in html or json.dumps(text)[1:-1] in html

    assert has("Северо-Казахстанская область") and has("среднее по стране")    # names and words in ru
    assert has("индекс уязвимости") and has("социальный")                      # one chart per code
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 3_000_000        # plotly.js embedded: offline


def test_trends_refuse_a_one_year_assessment_and_other_suffixes(db, tmp_path):
    res = runner.invoke(app, ["--db", db, "report", "trends", "590000000", "--assessment", "vulnerability_regions",
                              "-o", str(tmp_path / "t.html")])
    assert res.exit_code != 0 and "rates one year" in str(res.exception)
    res = runner.invoke(app, ["--db", db, "report", "trends", "590000000", "-o", str(tmp_path / "t.png")])
    assert res.exit_code != 0 and ".html" in str(res.exception)
