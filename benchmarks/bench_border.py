"""Benchmark (c): border distance and group assignment for 100,000 points against the real border.

The points are SYNTHETIC (seeded, uniform over Kazakhstan's bounding box, with made-up kinds and
populations); the border is the bundled Natural Earth 1:10m land border (3,200 segments, five
neighbours). Timed: building the index (projection, STRtree), measuring alone, and the whole
``assign_groups`` (every group, reasons, flags). The naive baseline — a geodesic distance from every
point to every border vertex with ``pyproj.Geod`` — is timed on 1,000 points and scaled linearly.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


def synthetic_points(n: int, seed: int = 20250101) -> pd.DataFrame:
    """SYNTHETIC settlements: points in 40.5-55.5 N, 46.5-87.5 E; kinds and populations made up."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    kinds = rng.choice(["village", "town", "settlement", "station"], size=n, p=[0.8, 0.05, 0.1, 0.05])
    population = np.where(kinds == "town", rng.integers(2_000, 300_000, n), rng.integers(50, 5_000, n))
    lat, lon = rng.uniform(40.5, 55.5, n), rng.uniform(46.5, 87.5, n)
    lat[:: 50] = np.nan                                   # 2 % without coordinates
    return pd.DataFrame({"kind": kinds, "population": population.astype(float), "lat": lat, "lon": lon},
                        index=pd.Index([f"S{i:06d}" for i in range(n)], name="code"))


def run(n_points: int = 100_000, baseline_points: int = 1_000) -> dict[str, float]:
    from pyproj import Geod

    from territoria.groups import BorderIndex, assign_groups
    from territoria.ingest.bundled import border_lines, neighbour_polygons

    units = synthetic_points(n_points)
    border, polygons = border_lines(), neighbour_polygons()
    t0 = time.perf_counter()
    index = BorderIndex.from_geojson(border, polygons=polygons, repair=True)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    distances = index.measure(units["lat"].to_numpy(), units["lon"].to_numpy(), index=units.index)
    measure = time.perf_counter() - t0
    t0 = time.perf_counter()  # as a user would: build + assign
    result = assign_groups(units, border=BorderIndex.from_geojson(border, polygons=polygons, repair=True))
    total = time.perf_counter() - t0
    vertices = index.segments[["lon0", "lat0"]].to_numpy()
    sample = units.dropna(subset=["lat"]).head(baseline_points)
    geod = Geod(ellps="WGS84")
    t0 = time.perf_counter()
    for lat, lon in zip(sample["lat"], sample["lon"], strict=True):
        geod.inv(np.full(len(vertices), lon), np.full(len(vertices), lat), vertices[:, 0], vertices[:, 1])
    naive = (time.perf_counter() - t0) / len(sample) * n_points
    return {"n_points": n_points, "segments": len(index.segments), "build_seconds": build,
            "measure_seconds": measure, "assign_seconds": total, "naive_seconds": naive,
            "border_members": int((result.memberships["group"] == "border").sum()),
            "unknown": int((distances["status"] == "distance unknown").sum()),
            "outside": int((distances["side"] == "outside").sum())}


def describe(rep: dict[str, float]) -> str:
    return "\n".join([
        f"(c) border distance and groups, SYNTHETIC points: {rep['n_points']:,} points against the real "
        f"border ({rep['segments']:,} segments)",
        f"    build the index        {rep['build_seconds']:8.2f} s   (projection, STRtree, polygons)",
        f"    measure                {rep['measure_seconds']:8.2f} s   (nearest segment + geodesic distance, "
        "side)",
        f"    assign_groups (total)  {rep['assign_seconds']:8.2f} s   (target < 15 s; build + all five groups)",
        f"    naive geodesic         {rep['naive_seconds']:8.1f} s   (every point to every vertex with "
        "pyproj.Geod; timed on 1,000 points, scaled)",
        f"    {rep['border_members']:,} within 50 km, {rep['outside']:,} outside Kazakhstan, "
        f"{rep['unknown']:,} without coordinates",
    ])


if __name__ == "__main__":
    print(describe(run()))
