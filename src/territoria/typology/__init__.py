"""Typology: clusters of units on their scores (Ward, k-means, choice of k, profiles, labels,
bootstrap stability) and spatial clusters of the index (Moran's I, LISA).

>>> from territoria.typology import Typology, profiles
>>> fitted = Typology(method="ward").fit(result.tables["aggregated"][blocks])   # doctest: +SKIP
"""

from territoria.typology.cluster import Typology, cluster_labels, select_k, standardise, within_ss
from territoria.typology.profile import cluster_labels_text, profiles
from territoria.typology.run import TypologyResult, typology_of_result
from territoria.typology.spatial import LISA_CLASSES, Moran, lisa, moran, region_points, spatial_weights
from territoria.typology.stability import Stability, bootstrap_stability

__all__ = ["LISA_CLASSES", "Moran", "Stability", "Typology", "TypologyResult", "bootstrap_stability",
           "cluster_labels", "cluster_labels_text", "lisa", "moran", "profiles", "region_points", "select_k",
           "spatial_weights", "standardise", "typology_of_result", "within_ss"]
