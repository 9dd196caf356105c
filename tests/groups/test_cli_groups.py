"""`territoria groups` on the bundled real data."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from territoria.errors import DataError
from territoria.interfaces.cli import app


def test_groups_border_table_map_and_unit(bundled_store_path, tmp_path):
    out, png = tmp_path / "border.csv", tmp_path / "border.png"
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "groups", "--group", "border",
                                   "-o", str(out), "--map", str(png)])
    assert res.exit_code == 0, res.output
    assert "official list of rural support settlements is missing" in res.output
    table = pd.read_csv(out, dtype={"unit": str}).set_index("unit")
    assert (table["group"] == "border").all() and (table["distance_km"] <= 50).all()
    assert table.loc["593620100", "neighbour"] == "Russia"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "groups", "--unit", "Bulaevo"])
    assert res.exit_code == 0 and "593620100" in res.output and "small_town" in res.output


def test_groups_threshold_option_and_bad_input(bundled_store_path, tmp_path):
    out = tmp_path / "g.csv"
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "groups", "--group", "border",
                                   "--max-km", "10", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out)["distance_km"].max() <= 10
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "groups", "--group", "borders"])
    assert isinstance(res.exception, DataError) and "border" in str(res.exception)
    no_crs = tmp_path / "border.json"           # projected metres in a GeoJSON without a crs member
    no_crs.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"neighbour": "X"},
         "geometry": {"type": "LineString", "coordinates": [[500000, 6000000], [510000, 6000000]]}}]}))
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "groups", "--border", str(no_crs)])
    assert isinstance(res.exception, DataError) and "border.json" in str(res.exception)
