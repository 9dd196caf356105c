"""Border distance and group assignment for millions of points on a Dask cluster.

The points are cut into row partitions; the :class:`~territoria.groups.border.BorderIndex` (segments,
STRtree, territory and neighbour polygons, about 0.6 MB pickled for the bundled border) is sent once
to every worker with ``client.scatter(..., broadcast=True)``. Each partition is then measured by the
single-machine code, :meth:`BorderIndex.measure`, on the worker: a point's distance, neighbour and
side depend on that point and the index only, so the concatenated partitions are the local result
exactly (same bytes), whatever the number of partitions or workers.

:func:`assign_groups` runs the border rule (the measure and its reasons) and the rural rule per
partition on the workers, and the cheap rules that read whole lists (small towns, single-industry
towns) on the client; the rows are assembled in the order of the single-machine
:func:`territoria.groups.assign_groups`, so the two return equal :class:`GroupAssignment` objects.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from territoria.engines.cluster import EngineError, connect, worker_lost
from territoria.errors import DataError
from territoria.groups import assign as local
from territoria.groups.assign import border_rows, rural_rows
from territoria.groups.border import BorderIndex

__all__ = ["assign_groups", "border_distances"]


def _bounds(n: int, n_partitions: int) -> list[tuple[int, int]]:
    k = max(1, min(n_partitions, n))
    cuts = [round(i * n / k) for i in range(k + 1)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a] or [(0, 0)]


# -- tasks run on the workers ------------------------------------------------------------------
def _measure(index: Any, lat: np.ndarray, lon: np.ndarray, labels: pd.Index) -> pd.DataFrame:
    return index.measure(lat, lon, index=labels)


def _border_rows(part: pd.DataFrame, rules: Any, index: Any, support: Any) -> tuple[pd.DataFrame, ...]:
    near, unknown, dist = border_rows(part, rules, index)
    notes: list[str] = []
    village, members, undecided = rural_rows(part, rules, support, notes)
    return near, unknown, dist, village, members, undecided, notes


def _gather(client: Any, futures: list[Any]) -> list[Any]:
    """The futures' results; a lost worker is an :class:`EngineError`, never a partial answer."""
    try:
        return client.gather(futures)
    except Exception as exc:
        if worker_lost(exc):
            raise EngineError(f"the Dask engine lost a worker while measuring border distances "
                              f"({type(exc).__name__}: {exc}); no partial result is returned — rerun") from exc
        raise


def _partitions(n: int, n_partitions: int | None, client: Any) -> list[tuple[int, int]]:
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    return _bounds(n, n_partitions or 4 * workers)


def border_distances(points: pd.DataFrame, *, border: Any = None, cluster: Any = None, n_workers: int = 2,
                     n_partitions: int | None = None, lat: str = "lat", lon: str = "lon") -> pd.DataFrame:
    """Distance of every point to the land border, measured partition by partition on a Dask cluster.

    Returns exactly ``border.measure(points[lat], points[lon], index=points.index)``: the geodesic
    distance :math:`\\min_k s(P, F_k)` over the candidate segments :math:`k` of each point (see
    :mod:`territoria.groups.border`), computed by that same method on each partition.

    Parameters
    ----------
    points : DataFrame
        Indexed by point / unit code, with WGS 84 degree columns ``lat`` and ``lon`` (NaN: unknown).
    border : BorderIndex, optional
        Default :meth:`BorderIndex.bundled` (Natural Earth 1:10m). Sent once to every worker.
    cluster : str, distributed.Client or None
        Scheduler address, an open client, or None for a LocalCluster of ``n_workers`` processes.
    n_partitions : int, optional
        Row partitions; default four per worker.

    Returns
    -------
    DataFrame
        ``distance_km, neighbour, border_lat, border_lon, side, status`` indexed like ``points``.

    Raises
    ------
    DataError
        A column ``lat`` / ``lon`` is missing, or a coordinate is out of range (raised by the worker).
    EngineError
        The scheduler does not answer, or a worker is lost mid-run.
    """

    missing = [c for c in (lat, lon) if c not in points]
    if missing:
        raise DataError(f"border_distances: points lack column(s) {missing}; have {list(points.columns)}")
    border = border or BorderIndex.bundled()
    la, lo = points[lat].to_numpy(dtype=float), points[lon].to_numpy(dtype=float)
    with connect(cluster=cluster, n_workers=n_workers) as client:
        shared = client.scatter([border], broadcast=True, hash=False)[0]
        futs = [client.submit(_measure, shared, la[a:b], lo[a:b], points.index[a:b], pure=False)
                for a, b in _partitions(len(points), n_partitions, client)]
        parts = _gather(client, futs)
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def assign_groups(units: pd.DataFrame, *, rules: Any = None, border: Any = None,
                  rural_support: pd.DataFrame | Iterable[str] | None = None,
                  enterprises: pd.DataFrame | None = None, cluster: Any = None, n_workers: int = 2,
                  n_partitions: int | None = None) -> Any:
    """:func:`territoria.groups.assign_groups` with the per-point rules run on a Dask cluster.

    Parameters are those of :func:`territoria.groups.assign_groups`, plus ``cluster``, ``n_workers``
    and ``n_partitions`` as in :func:`border_distances`. The result equals the single-machine one
    (same rows in the same order, same notes).

    Returns
    -------
    GroupAssignment
    """

    rules, border, support = local.checked_inputs(units, rules, border, rural_support)
    notes = list(border.notes)
    small, small_unknown = local.small_town_rows(units, rules)
    mono = local.single_industry_rows(units, rules, enterprises, notes)
    with connect(cluster=cluster, n_workers=n_workers) as client:
        shared = client.scatter([border, rules, support], broadcast=True, hash=False)
        futs = [client.submit(_border_rows, client.scatter(units.iloc[a:b], hash=False), shared[1], shared[0],
                              shared[2], pure=False)
                for a, b in _partitions(len(units), n_partitions, client)]
        parts = _gather(client, futs)
    near, far_unknown, distances, village, members, undecided = (
        local.membership_frame([p[i] for p in parts]) if i != 2 else pd.concat([p[2] for p in parts]) for i in range(6))
    members = _support_order(members, units, rules, support)
    notes += _support_note([p[6] for p in parts], units, rules, support)
    return local.GroupAssignment(
        memberships=local.membership_frame([small, mono, near, village, members]),
        unknown=local.membership_frame([small_unknown, far_unknown, undecided]),
        distances=distances, units=units.index.copy(), rules=rules, notes=notes)


def _support_order(members: pd.DataFrame, units: pd.DataFrame, rules: Any, support: Any) -> pd.DataFrame:
    """Villages first in input order, then listed units that are not villages in list order (as locally)."""
    if members.empty:
        return members
    kinds = units["kind"].reindex(members["unit"]).isin(rules.village.kinds).to_numpy()
    rest = members[~kinds]
    if len(rest) and support is not None:
        codes = support["code"] if isinstance(support, pd.DataFrame) else pd.Series(list(support))
        first = {str(c): i for i, c in reversed(list(enumerate(codes)))}
        rest = rest.iloc[np.argsort([first[str(u)] for u in rest["unit"]], kind="stable")]
    return pd.concat([members[kinds], rest], ignore_index=True)


def _support_note(part_notes: list[list[str]], units: pd.DataFrame, rules: Any, support: Any) -> list[str]:
    """The rural-support note is global: written when no unit is listed or flagged, with the total count."""
    flag = rules.rural_support.flag_column
    have_flag = bool(flag and flag in units and units[flag].astype("boolean").notna().any())
    notes = [n for ns in part_notes for n in ns]
    if support is not None or have_flag or not notes:
        return []
    total = sum(int(m.group(1)) for n in notes if (m := re.search(r"; (\d+) rural settlements", n)))
    return [re.sub(r"; \d+ rural settlements", f"; {total} rural settlements", notes[0], count=1)]
