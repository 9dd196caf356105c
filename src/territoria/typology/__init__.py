"""Typology: clusters of units on their scores (Ward, k-means, choice of k, profiles, labels,
bootstrap stability) and spatial clusters of the index (Moran's I, LISA, contiguous clusters) on queen
contiguity of the unit polygons.

>>> from territoria.typology import Typology, profiles
>>> fitted = Typology(method="ward").fit(result.tables["aggregated"][blocks])   # doctest: +SKIP

The names are loaded on first use (PEP 562), each from its own module: a report that only needs a point per
region (:func:`region_points`) loads the spatial module, not scikit-learn (2 s) with the clustering.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names are loaded by __getattr__
    from typing import Any

    from territoria.typology.cluster import Typology, cluster_labels, select_k, standardise, within_ss
    from territoria.typology.profile import cluster_labels_text, profiles
    from territoria.typology.run import TypologyResult, typology_of_result
    from territoria.typology.spatial import (
        ISLAND_RULES,
        LISA_CLASSES,
        Moran,
        contiguous_clusters,
        lisa,
        moran,
        region_points,
        shared_locations,
        spatial_weights,
        unit_weights,
        units_as_points,
    )
    from territoria.typology.stability import Stability, bootstrap_stability

#: public name -> the module of this package that defines it
_EXPORTS = {
    **dict.fromkeys(["Typology", "cluster_labels", "select_k", "standardise", "within_ss"], "cluster"),
    **dict.fromkeys(["cluster_labels_text", "profiles"], "profile"),
    **dict.fromkeys(["TypologyResult", "typology_of_result"], "run"),
    **dict.fromkeys(["ISLAND_RULES", "LISA_CLASSES", "Moran", "contiguous_clusters", "lisa", "moran", "region_points",
                     "shared_locations", "spatial_weights", "unit_weights", "units_as_points"], "spatial"),
    **dict.fromkeys(["Stability", "bootstrap_stability"], "stability"),
}

__all__ = ["ISLAND_RULES", "LISA_CLASSES", "Moran", "Stability", "Typology", "TypologyResult",
           "bootstrap_stability", "cluster_labels", "cluster_labels_text", "contiguous_clusters", "lisa", "moran",
           "profiles", "region_points", "select_k", "shared_locations", "spatial_weights", "standardise",
           "typology_of_result", "unit_weights", "units_as_points", "within_ss"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'territoria.typology' has no attribute {name!r}")
    value = getattr(import_module(f"territoria.typology.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
