"""Moran's I and LISA against esda on the same weights; region points; the typology of the bundled assessment."""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest

from territoria.errors import DataError
from territoria.typology import lisa, moran, region_points, spatial_weights


def grid(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """SYNTHETIC: 36 points on a 6 x 6 grid of 0.5 degrees in Kazakhstan with a west-east trend plus noise."""
    rng = np.random.default_rng(seed)
    lat, lon = np.meshgrid(np.arange(6) * 0.5 + 48, np.arange(6) * 0.5 + 65, indexing="ij")
    pts = pd.DataFrame({"lat": lat.ravel(), "lon": lon.ravel()}, index=[f"P{i:02d}" for i in range(36)])
    values = pd.Series(lon.ravel() * 2 + rng.standard_normal(36), index=pts.index)
    return pts, values


def test_global_moran_matches_esda_and_detects_a_trend():
    pts, values = grid()
    w = spatial_weights(pts, k=4)
    ours = moran(values, w, permutations=199, seed=3)
    ref = esda.Moran(values.to_numpy(), w, permutations=0)
    assert abs(ours.I - ref.I) < 1e-12
    assert ours.expected == pytest.approx(ref.EI)
    assert ours.z_norm == pytest.approx(ref.z_norm, rel=1e-8)
    assert ours.p_norm == pytest.approx(ref.p_norm, rel=1e-6)
    assert ours.I > 0.5 and ours.p_sim == pytest.approx(1 / 200)   # no permutation beats a strong trend
    again = moran(values, w, permutations=199, seed=3)
    assert again.p_sim == ours.p_sim


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # esda: alternative= changes in its next release
def test_lisa_matches_esda_statistics_and_quadrants():
    pts, values = grid(1)
    w = spatial_weights(pts, k=4)
    ours = lisa(values, w, permutations=999, seed=5)
    ref = esda.Moran_Local(values.to_numpy(), w, permutations=999, seed=5)
    assert ours["Is"].to_numpy() == pytest.approx(ref.Is, rel=1e-10)
    assert (ours["quadrant"].to_numpy() == ref.q).all()
    # both are permutation estimates of the same p-value: close, not equal
    assert np.abs(ours["p_sim"].to_numpy() - ref.p_sim).max() < 0.06
    # west (low values) is a significant Low-Low cluster: a hot spot of depression when higher is better
    west = ours.loc[pts["lon"] == pts["lon"].min()]
    assert (west["lisa_class"] == "Low-Low").sum() >= 4
    assert ours["depression_hot_spot"].equals(ours["lisa_class"] == "Low-Low")
    pd.testing.assert_frame_equal(ours, lisa(values, w, permutations=999, seed=5))


def test_weights_are_built_in_metres_and_bad_parameters_refused():
    pts = pd.DataFrame({"lat": [50.0, 50.0, 50.0, 55.0], "lon": [60.0, 60.5, 62.0, 60.0]}, index=list("abcd"))
    w = spatial_weights(pts, k=1)
    assert w.neighbors["a"] == ["b"]
    band = spatial_weights(pts, band_km=50)        # 0.5 degree of longitude at 50 N is ~36 km
    assert band.neighbors["a"] == ["b"] and band.neighbors["d"] == []
    with pytest.raises(DataError, match="k=4"):
        spatial_weights(pts, k=4)
    with pytest.raises(DataError, match="without coordinates"):
        spatial_weights(pts.assign(lat=[50.0, np.nan, 50.0, 55.0]), k=1)


def test_region_points_capital_geonames_then_mean():
    settlements = pd.DataFrame({"lat": [53.0, 52.0, 51.0, np.nan], "lon": [69.0, 70.0, 71.0, np.nan]},
                               index=["111010000", "112233100", "152233100", "712233100"])
    places = pd.DataFrame({"name_en": ["Astana"], "lat": [51.18], "lon": [71.45], "population": [1]})
    names = pd.Series({"710000000": "Astana", "150000000": "Aktobe Region", "990000000": "Nowhere"})
    pts = region_points(pd.Index(["110000000", "710000000", "150000000", "990000000"]), settlements,
                        names=names, places=places)
    assert pts.loc["110000000", "point_source"] == "capital 111010000"
    assert pts.loc["710000000", ["lat", "lon"]].tolist() == [51.18, 71.45]
    assert pts.loc["150000000", "point_source"] == "mean of 1 settlements"
    assert pts.loc["990000000", "point_source"] == "no point" and np.isnan(pts.loc["990000000", "lat"])


@pytest.fixture(scope="module")
def regional(bundled_store_path):
    from territoria.assess.pipeline import Assessment
    from territoria.ingest.bundled import geonames_places
    from territoria.interfaces.cli.assess import default_spec_path
    from territoria.store import Store

    with Store(bundled_store_path, read_only=True) as store:
        panel = store.panel(level="region", years=[2021])
        settlements = store.units(level="settlement")
        names = store.units()["name_en"]
    result = Assessment(default_spec_path()).run(panel)
    return result, region_points(result.scores.index, settlements, names=names, places=geonames_places())


def test_typology_of_the_bundled_regional_assessment(regional):
    from territoria.typology import typology_of_result

    result, points = regional
    assert len(points) == 14 and points[["lat", "lon"]].notna().all().all()
    a = typology_of_result(result, points=points, seed=8, n_resamples=40, permutations=199)
    b = typology_of_result(result, points=points, seed=8, n_resamples=40, permutations=199)
    pd.testing.assert_frame_equal(a.table, b.table)                 # same seed, same types
    assert len(a.table) == 14 and a.table["cluster"].between(1, a.typology.k_).all()
    assert set(a.labels.index) == set(range(1, a.typology.k_ + 1))
    assert a.table["stability"].between(0, 1).all()
    assert set(a.table["lisa_class"]) <= {"High-High", "Low-Low", "High-Low", "Low-High", "not significant"}
    # cluster 1 (canonical) has the highest mean composite z; its label says so or "about average"
    comp = a.profiles["relative_sd"][result.root]
    assert comp.idxmax() == 1 or a.labels[1].startswith("less vulnerable")
    from territoria.ingest.boundaries import unit_polygons

    polygons = unit_polygons("region", 2021)
    queen = typology_of_result(result, units=polygons, seed=8, n_resamples=10, permutations=99)
    assert "queen" in queen.weights and queen.table["contiguous_cluster"].notna().all()
    assert queen.table["lisa_class"].notna().all() and not queen.notes        # 14 regions of 2021, no island
    fixed = typology_of_result(result, points=None, k=3, method="kmeans", seed=8, n_resamples=10)
    assert fixed.typology.k_ == 3 and fixed.moran is None and "skipped" in fixed.notes[0]
    with pytest.raises(DataError, match="k must"):
        typology_of_result(result, k=17, n_resamples=5)


def test_the_packages_names_load_on_first_use_from_their_modules():
    """Every public name is its module's object; a point per region (what the ranking report needs) loads the
    spatial module only, not scikit-learn with the clustering (a fresh process: this one may hold it)."""
    import json
    import os
    import subprocess
    import sys
    from importlib import import_module
    from pathlib import Path

    import territoria.typology as typology

    assert sorted(typology.__all__) == sorted(typology._EXPORTS)
    for name, module in typology._EXPORTS.items():
        assert getattr(typology, name) is getattr(import_module(f"territoria.typology.{module}"), name), name
    assert set(typology.__all__) <= set(dir(typology))
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        typology.nothing_here  # noqa: B018
    code = ("import json, sys; from territoria.typology import region_points; "
            "print(json.dumps(sorted(sys.modules)))")
    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)},
                          capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "territoria.typology.spatial" in loaded
    assert not {"sklearn", "territoria.typology.cluster", "territoria.typology.run"} & loaded
