"""Figures render to files; `territoria typology` on the bundled real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.errors import DataError
from territoria.interfaces.cli import app
from territoria.report.maps import plot_dendrogram, plot_k_selection, plot_point_map, plot_profile_heatmap
from territoria.typology import Typology, profiles


def test_figures_render_to_png_and_svg(tmp_path):
    rng = np.random.default_rng(0)                          # SYNTHETIC points and values
    frame = pd.DataFrame({"lat": rng.uniform(43, 54, 20), "lon": rng.uniform(52, 82, 20),
                          "score": rng.uniform(0, 100, 20), "cls": ["Low-Low", "not significant"] * 10})
    frame.loc[0, "lat"] = np.nan                            # drawn without it, and said in the title
    assert plot_point_map(frame, tmp_path / "score.png", column="score").read_bytes()[:4] == b"\x89PNG"
    svg = plot_point_map(frame, tmp_path / "cls.svg", column="cls").read_text(encoding="utf-8")
    assert "<svg" in svg and svg.count("<path") > 20          # text is drawn as paths in matplotlib SVG
    table = frame[["score", "lat", "lon"]].dropna()
    fitted = Typology(k=3).fit(table)
    prof = profiles(table, fitted.labels_)
    for path in (plot_dendrogram(fitted.linkage_, list(table.index.astype(str)), tmp_path / "d.png", k=3),
                 plot_profile_heatmap(prof["relative_sd"], tmp_path / "h.png"),
                 plot_k_selection(fitted.k_selection_, tmp_path / "k.png")):
        assert path.stat().st_size > 5_000
    with pytest.raises(DataError, match="format"):
        plot_point_map(frame, tmp_path / "map.gif", column="score")
    with pytest.raises(DataError, match="missing"):
        plot_point_map(frame, tmp_path / "map.png", column="nope")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_typology_cli_on_the_bundled_assessment(bundled_store_path, tmp_path):
    out, figs = tmp_path / "typology.csv", tmp_path / "figs"
    args = ["--db", str(bundled_store_path), "typology", "--resamples", "20", "--permutations", "99",
            "-o", str(out), "--maps", str(figs)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Choice of k" in res.output and "Moran's I" in res.output
    table = pd.read_csv(out, dtype={"unit": str})
    assert len(table) == 14 and table["cluster"].notna().all() and table["label"].notna().all()
    assert {"stability", "lisa_class", "p_sim", "level"} <= set(table.columns)
    names = {p.name for p in figs.iterdir()}
    assert {"dendrogram.png", "profiles.png", "k_selection.png", "map_index.png", "map_cluster.png",
            "map_lisa.png", "map_level.png"} <= names
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "typology", "--k", "40", "--resamples", "5"])
    assert isinstance(res.exception, DataError) and "k must" in str(res.exception)


DISTRICT_SPEC = (Path(__file__).resolve().parents[1] / "fixtures" / "district_two_blocks_2023.yaml").read_text(
    encoding="utf-8")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_district_typology_uses_district_polygons(bundled_store_path, tmp_path):
    spec, out, figs = tmp_path / "districts.yaml", tmp_path / "districts.csv", tmp_path / "figs"
    spec.write_text(DISTRICT_SPEC, encoding="utf-8")
    args = ["--db", str(bundled_store_path), "typology", "--spec", str(spec), "--resamples", "5",
            "--permutations", "99", "-o", str(out), "--maps", str(figs), "--lang", "ru"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "queen contiguity of 2024 polygons" in " ".join(res.output.split())
    table = pd.read_csv(out, dtype={"unit": str}).set_index("unit")
    north = table[table.index.str.startswith("59")]
    assert len(north) >= 13 and north["lisa_class"].notna().all()
    assert table.at["101000000", "lisa_class"] == "island"     # Semey without its surrounding district's row
    assert "island" in res.output and table["contiguous_cluster"].notna().sum() > 200
    assert {"map_index.png", "map_lisa.png", "map_contiguous.png"} <= {p.name for p in figs.iterdir()}


def test_map_command_draws_the_regions_choropleth(bundled_store_path, tmp_path):
    from matplotlib.image import imread

    out = tmp_path / "regions.png"
    res = CliRunner().invoke(app, ["--db", str(bundled_store_path), "map", "-o", str(out), "--lang", "kk"])
    assert res.exit_code == 0, res.output
    pixels = imread(out)[..., :3]
    crisis = np.all(np.abs(pixels - np.array([0xB2, 0x18, 0x2B]) / 255) < 0.02, axis=-1).mean()
    assert crisis > 0.005   # North Kazakhstan, the one region graded crisis (relative to national)
    bad = CliRunner().invoke(app, ["--db", str(bundled_store_path), "map", "-o", str(out), "--column", "rank"])
    assert isinstance(bad.exception, DataError)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_map_and_typology_of_a_stored_district_assessment(bundled_store_path, tmp_path):
    import shutil

    db, spec, out = tmp_path / "d.duckdb", tmp_path / "districts.yaml", tmp_path / "districts.png"
    shutil.copy(bundled_store_path, db)
    spec.write_text(DISTRICT_SPEC, encoding="utf-8")
    runner = CliRunner()
    stored = runner.invoke(app, ["--db", str(db), "assess", "--spec", str(spec), "--name", "toy", "--no-uncertainty"])
    assert stored.exit_code == 0, stored.output
    res = runner.invoke(app, ["--db", str(db), "map", "--assessment", "toy", "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 50_000 and "615500000" in res.output      # the units without a polygon are named
    typ = runner.invoke(app, ["--db", str(db), "typology", "--assessment", "toy", "--resamples", "3",
                              "--permutations", "19"])
    assert typ.exit_code == 0, typ.output
    assert "queen contiguity of 2024 polygons" in " ".join(typ.output.split())
