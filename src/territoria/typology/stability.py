r"""Bootstrap stability of a clustering (Hennig's ``clusterboot``), per cluster and per unit.

Each of ``B`` resamples draws ``n`` units with replacement (one ``numpy.random.Generator`` from
``SeedSequence(seed)``), re-standardises nothing (the z-scores of the full data are reused, so that
only the clustering varies) and clusters the drawn rows with the same method and k. Let :math:`D`
be the set of distinct units drawn, :math:`C` a reference cluster and :math:`C^b_1..C^b_k` the
resample's clusters (restricted to :math:`D`).

* Cluster stability: :math:`\bar J_C = \frac1B \sum_b \max_l J(C \cap D, C^b_l)` with the Jaccard
  index :math:`J(A, B) = |A \cap B| / |A \cup B|` (resamples where :math:`C \cap D = \emptyset` skipped).
  Hennig (2007) reads :math:`\bar J \ge 0.75` as stable and :math:`\le 0.5` as dissolved.
* Unit stability: for a unit :math:`i \in D` with reference cluster :math:`C(i)` and resample cluster
  :math:`C^b(i)`, :math:`J(C(i) \cap D, C^b(i))`, averaged over the resamples that drew :math:`i`
  (``stability``); ``co_assignment`` is the share of the other drawn members of :math:`C(i)` that
  share :math:`i`'s resample cluster (1 for a unit alone in its cluster).

Resamples with fewer distinct units than k + 1 are skipped and counted.

References
----------
Hennig, C. (2007). Cluster-wise assessment of cluster stability. Comput. Stat. Data Anal. 52, 258–271.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.errors import DataError
from territoria.typology.cluster import cluster_labels

__all__ = ["Stability", "bootstrap_stability"]


@dataclass
class Stability:
    """Result of :func:`bootstrap_stability`.

    Attributes
    ----------
    units : DataFrame
        Index unit: ``cluster``, ``stability`` (mean Jaccard), ``co_assignment``, ``draws``.
    clusters : DataFrame
        Index cluster: ``units``, ``jaccard`` (mean), ``dissolved`` (share of resamples with J <= 0.5).
    n_resamples, skipped, seed : int
    """

    units: pd.DataFrame
    clusters: pd.DataFrame
    n_resamples: int
    skipped: int
    seed: int


def bootstrap_stability(z: pd.DataFrame, labels: pd.Series, *, method: str = "ward", n_resamples: int = 200,
                        seed: int = 0, n_init: int = 10) -> Stability:
    """Bootstrap the clustering ``labels`` of standardised data ``z`` (see module docstring)."""
    if not labels.index.equals(z.index):
        raise DataError("bootstrap_stability: labels and z must have the same units in the same order")
    if n_resamples < 1:
        raise DataError(f"bootstrap_stability: n_resamples={n_resamples}; expected at least 1")
    x = z.to_numpy(dtype=float)
    ref = labels.to_numpy()
    k = len(np.unique(ref))
    n = len(x)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    cluster_ids = np.unique(ref)
    j_sum, j_count, dissolved = np.zeros(k), np.zeros(k), np.zeros(k)
    u_sum, c_sum, draws = np.zeros(n), np.zeros(n), np.zeros(n)
    skipped = 0
    child = np.random.SeedSequence(seed).spawn(n_resamples)
    for b in range(n_resamples):
        pick = rng.integers(0, n, size=n)
        distinct = np.unique(pick)
        if len(distinct) < k + 1:
            skipped += 1
            continue
        new = cluster_labels(x[pick], method=method, k=k, seed=int(child[b].generate_state(1)[0]), n_init=n_init)
        # a unit drawn several times gets the label of its first copy (copies are identical rows)
        _, first = np.unique(pick, return_index=True)
        new_d = new[first]
        ref_d = ref[distinct]
        for ci, c in enumerate(cluster_ids):
            in_c = ref_d == c
            if not in_c.any():
                continue
            best = max(float((in_c & (new_d == m)).sum()) / float((in_c | (new_d == m)).sum())
                       for m in np.unique(new_d))
            j_sum[ci] += best
            j_count[ci] += 1
            dissolved[ci] += best <= 0.5
        for pos, unit in enumerate(distinct):
            same_ref = ref_d == ref[unit]
            same_new = new_d == new_d[pos]
            u_sum[unit] += (same_ref & same_new).sum() / (same_ref | same_new).sum()
            others = same_ref.sum() - 1
            c_sum[unit] += 1.0 if others == 0 else ((same_ref & same_new).sum() - 1) / others
            draws[unit] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        units = pd.DataFrame({"cluster": ref, "stability": u_sum / draws, "co_assignment": c_sum / draws,
                              "draws": draws.astype(int)}, index=z.index)
        clusters = pd.DataFrame({"units": pd.Series(ref).value_counts().reindex(cluster_ids).to_numpy(),
                                 "jaccard": j_sum / j_count, "dissolved": dissolved / j_count},
                                index=pd.Index(cluster_ids, name="cluster"))
    return Stability(units=units, clusters=clusters, n_resamples=n_resamples, skipped=skipped, seed=seed)
