"""Extract Kazakhstan, its neighbours and its land border from Natural Earth 1:10m (world-atlas 2.0.2).

Usage::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/extract_border.py package/countries-10m.json

The TopoJSON is decoded here (quantised, delta-encoded arcs; negative arc index ``~i`` = arc ``i``
reversed). Writes under ``src/territoria/data/geo/``:

* ``kz_neighbours_10m.geojson`` — Kazakhstan and Russia, China, Kyrgyzstan, Uzbekistan, Turkmenistan as
  (Multi)Polygons; neighbours' rings are Douglas-Peucker simplified (0.02°) and parts far from Kazakhstan
  dropped, Kazakhstan's own outline is kept at full 1:10m detail;
* ``kz_land_border_10m.geojson`` — Kazakhstan's land border as MultiLineStrings, one feature per
  neighbour: the arcs that Kazakhstan's geometry shares with that neighbour's (full detail).

Coordinates are rounded to 5 decimals (about 1 m). Natural Earth is in the public domain; the attribution
is written into each file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "territoria" / "data" / "geo"
KAZAKHSTAN = "398"
NEIGHBOURS = {"643": "Russia", "156": "China", "417": "Kyrgyzstan", "860": "Uzbekistan", "795": "Turkmenistan"}
ATTRIBUTION = ("Made with Natural Earth (1:10m Admin 0 countries, v4.1.0, public domain), via the npm package "
               "world-atlas 2.0.2 (ISC); extracted by scripts/extract_border.py")
WINDOW = (35.0, 30.0, 100.0, 60.0)  # lon_min, lat_min, lon_max, lat_max: neighbour parts kept if they touch it


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs: cumulative sums of the quantised deltas, then scale and translate."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join arcs into one ring; an arc's first point repeats the previous arc's last and is skipped."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def arc_ids(geometry: dict) -> set[int]:
    return {i if i >= 0 else ~i for polygon in polygons(geometry) for r in polygon for i in r}


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker (iterative), keeping the first and last point."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, -1
        for k in range(first + 1, last):
            px, py = points[k]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if d > best:
                best, index = d, k
        if best > tolerance and index > 0:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _round(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[round(x, 5), round(y, 5)] for x, y in points]


def _touches_window(points: list[tuple[float, float]]) -> bool:
    lon0, lat0, lon1, lat1 = WINDOW
    return any(lon0 <= x <= lon1 and lat0 <= y <= lat1 for x, y in points)


def feature_polygons(geometry: dict, arcs: list, *, tolerance: float, clip: bool) -> list:
    out = []
    for polygon in polygons(geometry):
        rings = [ring(r, arcs) for r in polygon]
        if clip and not _touches_window(rings[0]):
            continue
        rings = [simplify(r, tolerance) if tolerance else r for r in rings]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            out.append([_round(r) for r in rings])
    return out


def extract(topology: dict) -> tuple[dict, dict]:
    arcs = decode_arcs(topology)
    geometries = {str(g.get("id")): g for g in topology["objects"]["countries"]["geometries"]}
    kz = geometries[KAZAKHSTAN]
    features = [{"type": "Feature", "properties": {"iso_n3": KAZAKHSTAN, "name": "Kazakhstan"},
                 "geometry": {"type": "MultiPolygon",
                              "coordinates": feature_polygons(kz, arcs, tolerance=0.0, clip=False)}}]
    lines = []
    kz_arcs = arc_ids(kz)
    for code, name in NEIGHBOURS.items():
        geometry = geometries[code]
        features.append({"type": "Feature", "properties": {"iso_n3": code, "name": name},
                         "geometry": {"type": "MultiPolygon", "coordinates": feature_polygons(
                             geometry, arcs, tolerance=0.02, clip=True)}})
        shared = sorted(kz_arcs & arc_ids(geometry))
        lines.append({"type": "Feature", "properties": {"neighbour": name, "iso_n3": code, "arcs": len(shared)},
                      "geometry": {"type": "MultiLineString", "coordinates": [_round(arcs[i]) for i in shared]}})
    meta = {"attribution": ATTRIBUTION, "licence": "public domain (Natural Earth)"}
    return ({"type": "FeatureCollection", **meta, "features": features},
            {"type": "FeatureCollection", **meta, "features": lines})


def main(path: str) -> None:
    topology = json.loads(Path(path).read_text(encoding="utf-8"))
    polygons_fc, border_fc = extract(topology)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, fc in (("kz_neighbours_10m.geojson", polygons_fc), ("kz_land_border_10m.geojson", border_fc)):
        (OUT / name).write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for f in border_fc["features"]:
        print(f["properties"]["neighbour"], f["properties"]["arcs"], "arcs")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "package/countries-10m.json")
