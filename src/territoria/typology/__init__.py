"""Typology: clusters of units on their scores (Ward, k-means, choice of k, profiles, labels,
bootstrap stability) and spatial clusters of the index (Moran's I, LISA, contiguous clusters) on queen
contiguity of the unit polygons.

>>> from territoria.typology import Typology, profiles
>>> fitted = Typology(method="ward").fit(result.tables["aggregated"][blocks])   # doctest: +SKIP
"""

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

__all__ = ["ISLAND_RULES", "LISA_CLASSES", "Moran", "Stability", "Typology", "TypologyResult",
           "bootstrap_stability", "cluster_labels", "cluster_labels_text", "contiguous_clusters", "lisa", "moran",
           "profiles", "region_points", "select_k", "shared_locations", "spatial_weights", "standardise",
           "typology_of_result", "unit_weights", "units_as_points", "within_ss"]
