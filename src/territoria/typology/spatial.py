r"""Spatial autocorrelation of an index: global Moran's I and local Moran (LISA), seeded.

Weights come from libpysal and are row-standardised (:math:`w_{ij} = 1/|N(i)|`):

* units with polygons (regions, districts: :func:`territoria.ingest.boundaries.unit_polygons`) get queen
  contiguity (:meth:`libpysal.weights.Queen.from_dataframe`: neighbours share at least one boundary
  point) — :func:`unit_weights`;
* units without polygons (settlements) are points: k nearest neighbours (:class:`libpysal.weights.KNN`) or
  a distance band (:class:`~libpysal.weights.DistanceBand`), in the Kazakhstan equidistant conic
  (:data:`territoria.groups.KZ_CONIC`, metres), never on raw degrees — :func:`spatial_weights`.

Units that share one location (the same point or the same polygon, e.g. every district placed at its
region's centre) cannot have neighbours told apart: both builders refuse them with a
:class:`~territoria.errors.DataError` naming the units (:func:`shared_locations`).

Islands (a polygon touching no other in the set, e.g. a region analysed without its neighbours) are
handled by ``islands=``: ``"exclude"`` (default) keeps them without neighbours — the typology leaves them
out of Moran's I and LISA, marks them ``island`` and says so in a note; ``"nearest"`` attaches each to its
nearest unit by centroid distance (:func:`libpysal.weights.util.attach_islands`).

With :math:`z_i = y_i - \bar y` and :math:`m_2 = \sum_i z_i^2 / (n - 1)` (esda's divisor):

* global :math:`I = \frac{n}{S_0} \frac{\sum_i \sum_j w_{ij} z_i z_j}{\sum_i z_i^2}`, :math:`S_0 = \sum_{ij} w_{ij}`;
  :math:`E[I] = -1/(n-1)`; ``p_sim`` from ``permutations`` random relabellings of :math:`y`;
* local :math:`I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j` (as ``esda.Moran_Local``); ``p_sim`` by
  conditional permutation: :math:`z_i` held, its neighbours' values drawn without replacement from the
  other units; the pseudo p-value is :math:`(\min(L, P - L) + 1)/(P + 1)` where :math:`L` counts the
  simulated :math:`I_i` at least as large as the observed one (esda's folded rule).

Quadrants (esda): 1 High-High, 2 Low-High, 3 Low-Low, 4 High-Low; a unit is in a cluster class when
``p_sim <= alpha``. esda's own permutation code seeds NumPy's global generator, which the house style
forbids, so the permutations here use one ``numpy.random.Generator``; the statistics themselves are
checked against esda in the tests.

Region points: the bundled data carry no region centroids, so :func:`region_points` places a region at
its capital (the settlement with code ``<rr>1010000``), a city of republican significance at its
GeoNames point, and otherwise at the mean of its settlements' coordinates; the column ``point_source``
says which.

References
----------
Anselin, L. (1995). Local indicators of spatial association — LISA. Geogr. Anal. 27, 93–115.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from territoria.errors import DataError

__all__ = ["ISLAND_RULES", "LISA_CLASSES", "Moran", "contiguous_clusters", "lisa", "moran", "region_points",
           "shared_locations", "spatial_weights", "unit_weights", "units_as_points"]

LISA_CLASSES = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
#: What :func:`unit_weights` does with islands.
ISLAND_RULES = ("exclude", "nearest")


def _xy(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    # lazy: heavy (pydantic), which territoria.typology does not load
    from territoria.groups.border import KZ_CONIC

    x, y = Transformer.from_crs("EPSG:4326", KZ_CONIC, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


def spatial_weights(points: pd.DataFrame, *, k: int | None = 4, band_km: float | None = None) -> object:
    """Row-standardised libpysal weights from ``lat``/``lon`` columns (units as ids).

    Exactly one of ``k`` (k nearest neighbours) or ``band_km`` (binary distance band) is used; ``band_km``
    wins when given.
    """
    # lazy: heavy (libpysal, scipy, sklearn), which territoria.typology does not load
    from libpysal.weights import KNN, DistanceBand

    if len(points) and not points[["lat", "lon"]].isna().any().any():
        _refuse_shared(units_as_points(points), "spatial weights")
    if points[["lat", "lon"]].isna().any().any():
        bad = points.index[points[["lat", "lon"]].isna().any(axis=1)][:5].tolist()
        raise DataError(f"spatial weights: unit(s) without coordinates, first {bad}; give them a point or leave "
                        "them out of the spatial analysis explicitly")
    n = len(points)
    xy = _xy(points["lat"].to_numpy(float), points["lon"].to_numpy(float))
    ids = [str(i) for i in points.index]
    if band_km is not None:
        if band_km <= 0:
            raise DataError(f"spatial weights: band_km={band_km}; expected a positive distance")
        w = DistanceBand.from_array(xy, threshold=band_km * 1000.0, binary=True, ids=ids, silence_warnings=True)
    else:
        if k is None or k < 1 or k >= n:
            raise DataError(f"spatial weights: k={k} neighbours for {n} units; need 1 <= k < {n}")
        w = KNN.from_array(xy, k=k, ids=ids)
    w.transform = "r"
    return w


def units_as_points(points: pd.DataFrame) -> gpd.GeoDataFrame:
    """A GeoDataFrame of points (EPSG:4326) from ``lat``/``lon`` columns; rows without a point are dropped."""
    data = points.dropna(subset=["lat", "lon"])
    return gpd.GeoDataFrame(data.drop(columns=["lat", "lon"]), crs="EPSG:4326",
                            geometry=gpd.points_from_xy(data["lon"].astype(float), data["lat"].astype(float)))


def shared_locations(units: gpd.GeoSeries | gpd.GeoDataFrame, *, decimals: int = 6) -> list[list[str]]:
    """Groups (two or more units) whose geometries are the same point or polygon, to ``decimals`` degrees."""
    geoms = units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    keys = shapely.to_wkb(shapely.normalize(shapely.set_precision(geoms.to_numpy(), 10.0 ** -decimals)),
                          hex=True)
    codes = pd.Series([str(i) for i in geoms.index], index=keys)
    return [sorted(group.tolist()) for _, group in codes.groupby(level=0) if len(group) > 1]


def _refuse_shared(units: gpd.GeoDataFrame, what: str) -> None:
    groups = shared_locations(units)
    if groups:
        shown = "; ".join(", ".join(g[:30]) + (f" (+{len(g) - 30} more)" if len(g) > 30 else "") for g in groups[:5])
        raise DataError(
            f"{what}: {sum(map(len, groups))} unit(s) in {len(groups)} group(s) share one location, so their "
            f"neighbours cannot be told apart: {shown}. Give each unit its own polygon or point (districts and "
            "regions: territoria.ingest.boundaries.unit_polygons) or leave them out of the spatial analysis")


def unit_weights(units: gpd.GeoDataFrame, *, islands: str = "exclude", k: int = 4) -> object:
    """Row-standardised weights of units with geometry: queen contiguity for polygons, KNN for points.

    Parameters
    ----------
    units : GeoDataFrame
        Index unit; polygons (regions, districts) or points (settlements), not mixed.
    islands : {"exclude", "nearest"}
        See the module docstring; the islands are listed in ``w.islands``.
    k : int, default=4
        Neighbours of each point (points only).
    """
    # lazy: heavy (libpysal, scipy, sklearn), which territoria.typology does not load
    from libpysal.weights import KNN, Queen
    from libpysal.weights.util import attach_islands

    if islands not in ISLAND_RULES:
        raise DataError(f"spatial weights: islands={islands!r}; expected one of {ISLAND_RULES}")
    empty = units.index[units.geometry.isna() | units.geometry.is_empty]
    if len(empty):
        raise DataError(f"spatial weights: unit(s) without geometry: {[str(u) for u in empty[:10]]}")
    kinds = set(units.geometry.geom_type.replace({"MultiPolygon": "Polygon", "MultiPoint": "Point"}))
    if len(kinds) != 1 or kinds - {"Polygon", "Point"}:
        raise DataError(f"spatial weights: geometries are {sorted(kinds)}; expected all polygons or all points")
    _refuse_shared(units, "spatial weights")
    ids = [str(i) for i in units.index]
    if kinds == {"Point"}:
        return spatial_weights(pd.DataFrame({"lat": units.geometry.y.to_numpy(), "lon": units.geometry.x.to_numpy()},
                                            index=ids), k=k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands and disconnected components
        w = Queen.from_dataframe(units.set_axis(ids), ids=ids, use_index=False)
        if islands == "nearest" and w.islands:
            # lazy: heavy (pydantic), which territoria.typology does not load
            from territoria.groups.border import KZ_CONIC

            centres = units.set_axis(ids).to_crs(KZ_CONIC).geometry.centroid
            w = attach_islands(w, KNN.from_array(np.column_stack([centres.x, centres.y]), k=1, ids=ids))
        w.transform = "r"
    return w


@dataclass
class Moran:
    """Global Moran's I: ``I``, ``expected`` (-1/(n-1)), ``z_norm``/``p_norm`` (normality assumption),
    ``p_sim`` (permutations, seeded), ``permutations``, ``seed``."""

    I: float  # noqa: E741 - the statistic's name
    expected: float
    z_norm: float
    p_norm: float
    p_sim: float
    permutations: int
    seed: int


def _dense(w: object, order: list[str]) -> np.ndarray:
    full, ids = w.full()
    pos = [ids.index(u) for u in order]
    return full[np.ix_(pos, pos)]


def _values(values: pd.Series, w: object) -> tuple[np.ndarray, list[str]]:
    order = [str(i) for i in values.index]
    if set(order) != set(w.id_order):
        raise DataError("Moran: the values' units and the weights' units differ")
    y = values.to_numpy(dtype=float)
    if np.isnan(y).any():
        raise DataError(f"Moran: {int(np.isnan(y).sum())} missing value(s); spatial statistics need every unit")
    return y, order


def moran(values: pd.Series, w: object, *, permutations: int = 999, seed: int = 0) -> Moran:
    """Global Moran's I of ``values`` (indexed by unit) under weights ``w``; see module docstring."""
    # lazy: heavy (scipy), which territoria.typology does not load
    from scipy.stats import norm

    y, order = _values(values, w)
    W = _dense(w, order)
    n = len(y)
    z = y - y.mean()
    s0 = W.sum()

    def stat(v: np.ndarray) -> float:
        return float(n / s0 * (v @ W @ v) / (v @ v))

    observed = stat(z)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    sims = np.array([stat(rng.permutation(z)) for _ in range(permutations)])
    larger = int((sims >= observed).sum())
    larger = min(larger, permutations - larger)
    # normality assumption (Cliff & Ord): variance from S0, S1, S2
    s1 = 0.5 * ((W + W.T) ** 2).sum()
    s2 = ((W.sum(axis=0) + W.sum(axis=1)) ** 2).sum()
    expected = -1.0 / (n - 1)
    var = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - expected ** 2
    z_norm = (observed - expected) / np.sqrt(var)
    return Moran(I=observed, expected=expected, z_norm=float(z_norm), p_norm=float(2 * norm.sf(abs(z_norm))),
                 p_sim=(larger + 1) / (permutations + 1), permutations=permutations, seed=seed)


def lisa(values: pd.Series, w: object, *, permutations: int = 999, seed: int = 0, alpha: float = 0.05,
         higher_is: str = "better") -> pd.DataFrame:
    """Local Moran's I with conditional-permutation p-values and LISA classes.

    Returns
    -------
    DataFrame
        Index unit: ``value``, ``Is``, ``quadrant`` (1–4), ``p_sim``, ``lisa_class`` (a quadrant name or
        ``not significant``), ``depression_hot_spot`` (significant cluster of low values when
        ``higher_is="better"``, of high values when ``"worse"``).
    """
    if higher_is not in ("better", "worse"):
        raise DataError(f"lisa: higher_is={higher_is!r}; expected 'better' or 'worse'")
    y, order = _values(values, w)
    W = _dense(w, order)
    n = len(y)
    z = y - y.mean()
    m2 = (z @ z) / (n - 1)  # esda.Moran_Local's scaling
    lag = W @ z
    Is = z * lag / m2
    quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    card = (W > 0).sum(axis=1)
    kmax = int(card.max()) if n else 0
    ids = np.stack([rng.choice(n - 1, size=kmax, replace=False) for _ in range(permutations)]) if kmax else None
    p = np.full(n, np.nan)
    for i in range(n):
        if card[i] == 0:
            continue
        nb = np.flatnonzero(W[i] > 0)
        draw = ids[:, : card[i]]
        draw = draw + (draw >= i)  # skip i itself
        sim = z[i] * (z[draw] * W[i, nb][None, :]).sum(axis=1) / m2
        larger = int((sim >= Is[i]).sum())
        p[i] = (min(larger, permutations - larger) + 1) / (permutations + 1)
    significant = p <= alpha
    classes = np.where(significant, [LISA_CLASSES[q] for q in quadrant], "not significant")
    classes = np.where(card == 0, "island", classes)
    low = 3 if higher_is == "better" else 1
    return pd.DataFrame({"value": y, "Is": Is, "quadrant": quadrant, "p_sim": p, "lisa_class": classes,
                         "depression_hot_spot": significant & (quadrant == low)}, index=values.index)


def contiguous_clusters(zscores: pd.DataFrame, w: object, k: int) -> pd.Series:
    """Spatially constrained Ward clusters: only neighbours in ``w`` may merge
    (:class:`sklearn.cluster.AgglomerativeClustering` with ``connectivity=w``), so with a connected ``w``
    every cluster is one contiguous territory. Islands of ``w`` are left out (missing label); when ``w``
    has several components, scikit-learn joins them by feature distance and a cluster may then span them.

    Returns
    -------
    Series
        Cluster 1..k per unit of ``zscores`` (index unit), ``<NA>`` for islands.
    """
    # lazy: heavy (libpysal, scipy, sklearn), which territoria.typology does not load
    from libpysal.weights import w_subset
    from sklearn.cluster import AgglomerativeClustering

    order = [str(i) for i in zscores.index]
    kept = [u for u in order if u not in set(w.islands)]
    if not 1 <= k <= len(kept):
        raise DataError(f"contiguous clusters: k={k} for {len(kept)} connected unit(s)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = w_subset(w, kept)  # a copy: the caller's weights keep their transform
        sub.transform = "b"
        graph = sub.sparse
        pos = [sub.id_order.index(u) for u in kept]
        graph = graph[pos][:, pos]
        labels = AgglomerativeClustering(n_clusters=k, linkage="ward", connectivity=graph).fit_predict(
            zscores.set_axis(order).loc[kept].to_numpy(float))
    out = pd.Series(pd.NA, index=zscores.index, dtype="Int64", name="contiguous_cluster")
    out.loc[[u for u in zscores.index if str(u) in set(kept)]] = labels + 1
    return out


def region_points(regions: pd.Index, settlements: pd.DataFrame, names: pd.Series | None = None,
                  places: pd.DataFrame | None = None) -> pd.DataFrame:
    """A point per region (see module docstring): ``lat``, ``lon``, ``point_source``.

    Parameters
    ----------
    regions : Index
        Region codes (9-digit KATO).
    settlements : DataFrame
        Settlements indexed by code with ``lat``, ``lon``.
    names : Series, optional
        English names of the regions (to find a city's GeoNames point, " City" stripped).
    places : DataFrame, optional
        ``geonames_places()``: ``name_en``, ``lat``, ``lon``, ``population``.
    """
    rows = {}
    prefix = settlements.index.astype(str).str[:2]
    for code in regions:
        code = str(code)
        capital = code[:2] + "1010000"
        if capital in settlements.index and pd.notna(settlements.at[capital, "lat"]):
            rows[code] = (settlements.at[capital, "lat"], settlements.at[capital, "lon"], f"capital {capital}")
            continue
        name = str(names.get(code, "")) if names is not None else ""
        name = name.removesuffix(" City").strip()
        if places is not None and name:
            hit = places[places["name_en"] == name].sort_values("population", ascending=False)
            if len(hit):
                rows[code] = (hit["lat"].iloc[0], hit["lon"].iloc[0], f"GeoNames {hit['name_en'].iloc[0]}")
                continue
        own = settlements[(prefix == code[:2]) & settlements["lat"].notna()]
        if len(own):
            rows[code] = (own["lat"].mean(), own["lon"].mean(), f"mean of {len(own)} settlements")
        else:
            rows[code] = (np.nan, np.nan, "no point")
    return pd.DataFrame.from_dict(rows, orient="index", columns=["lat", "lon", "point_source"]).rename_axis("unit")
