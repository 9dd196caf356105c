r"""Cluster analysis of units on standardised indicators: Ward and k-means, and the choice of k.

The method's authors clustered territories in SPSS; this module does the same steps in the open and
records every choice.

* Standardisation: :math:`z_{ij} = (x_{ij} - \bar x_j) / s_j` with the population standard deviation
  (``ddof=0``); a column with :math:`s_j = 0` carries no information and gets :math:`z = 0` (documented
  rule, not NaN).
* Ward's hierarchical clustering (:func:`scipy.cluster.hierarchy.ward`, Euclidean) merges the two
  clusters whose union least increases the within-cluster sum of squares
  :math:`W = \sum_c \sum_{i \in c} \lVert z_i - \bar z_c \rVert^2`; the tree is cut into ``k`` clusters.
* k-means (:class:`sklearn.cluster.KMeans`, ``n_init`` starts, seed from one ``SeedSequence``).
* Choice of k, shown side by side for both methods: silhouette (mean of
  :math:`(b_i - a_i)/\max(a_i, b_i)`, higher is better), Calinski–Harabasz
  (:math:`\frac{B/(k-1)}{W/(n-k)}`, higher is better), and the elbow of :math:`W(k)` — the k farthest
  from the chord joining the first and last points of the normalised curve (the "kneedle" rule).

Cluster numbers are canonical: 1 is the cluster with the highest mean z over all columns, then
descending, so labels do not depend on the order the algorithm found them.

References
----------
Ward, J. H. (1963). Hierarchical grouping to optimize an objective function. JASA 58, 236–244.
Rousseeuw, P. J. (1987). Silhouettes. J. Comput. Appl. Math. 20, 53–65.
Caliński, T. & Harabasz, J. (1974). A dendrite method for cluster analysis. Comm. Stat. 3, 1–27.
Satopää, V. et al. (2011). Finding a "kneedle" in a haystack. ICDCS Workshops, 166–171.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, ward
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from threadpoolctl import threadpool_limits

from territoria.errors import DataError, NotFittedError

__all__ = ["Typology", "cluster_labels", "select_k", "standardise", "within_ss"]

METHODS = ("ward", "kmeans")
CRITERIA = ("silhouette", "calinski_harabasz", "elbow")


def _check_table(table: pd.DataFrame, where: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise DataError(f"{where}: expected a non-empty DataFrame (units x indicators), got "
                        f"{type(table).__name__}{' (empty)' if isinstance(table, pd.DataFrame) else ''}")
    numeric = table.apply(pd.to_numeric, errors="coerce")
    bad = [c for c in table.columns if numeric[c].isna().sum() > table[c].isna().sum()]
    if bad:
        raise DataError(f"{where}: column(s) {bad} are not numeric")
    missing = numeric.isna().any(axis=1)
    if missing.any():
        units = [str(u) for u in numeric.index[missing][:10]]
        raise DataError(f"{where}: {int(missing.sum())} unit(s) have missing values, first {units}; impute "
                        "them (e.g. run the assessment, whose scores are complete) or drop them explicitly")
    return numeric.astype(float)


def standardise(table: pd.DataFrame) -> pd.DataFrame:
    """z-scores per column (population sd); a constant column becomes 0. Labels kept."""
    table = _check_table(table, "standardise")
    sd = table.std(ddof=0)
    return (table - table.mean()) / sd.where(sd > 0, 1.0)


def within_ss(z: pd.DataFrame | np.ndarray, labels: np.ndarray) -> float:
    """Within-cluster sum of squares :math:`W` of ``z`` for ``labels``."""
    x = np.asarray(z, dtype=float)
    return float(sum(((x[labels == c] - x[labels == c].mean(axis=0)) ** 2).sum() for c in np.unique(labels)))


def _canonical(z: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Renumber clusters 1..k by descending mean z (ties: larger cluster first, then first unit)."""
    keys = []
    for c in np.unique(raw):
        members = raw == c
        keys.append((-float(z[members].mean()), -int(members.sum()), int(np.argmax(members)), c))
    order = {c: rank for rank, (*_, c) in enumerate(sorted(keys), start=1)}
    return np.array([order[c] for c in raw])


def cluster_labels(z: pd.DataFrame, *, method: str = "ward", k: int, seed: int = 0, n_init: int = 20) -> np.ndarray:
    """Cluster numbers 1..k (canonical order) for standardised data ``z``."""
    x = np.asarray(z, dtype=float)
    n = len(x)
    if method not in METHODS:
        raise DataError(f"typology: method {method!r} is not one of {list(METHODS)}")
    if not isinstance(k, int | np.integer) or k < 2 or k >= n:
        raise DataError(f"typology: k={k!r} clusters for {n} units; k must be an integer with 2 <= k < {n} "
                        "(k larger than or equal to the number of units is not a clustering)")
    if method == "ward":
        raw = fcluster(ward(x), t=k, criterion="maxclust")
    else:
        state = int(np.random.SeedSequence(seed).generate_state(1)[0])
        # One OpenMP thread: scikit-learn splits the rows into chunks of 256 and a typology's few hundred
        # units are one or two chunks, so a second thread has nothing to do but spin-wait (ten times the
        # CPU of the fit on a busy machine); with one thread the chunks' partial sums are also always added
        # in the same order.
        with threadpool_limits(limits=1, user_api="openmp"):
            raw = KMeans(n_clusters=k, n_init=n_init, random_state=state).fit_predict(x)
    return _canonical(x, raw)


def _elbow(ks: np.ndarray, wss: np.ndarray) -> int:
    if len(ks) < 3:
        return int(ks[0])
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    span = wss[0] - wss[-1]
    y = (wss[0] - wss) / span if span > 0 else np.zeros_like(wss)
    return int(ks[np.argmax(y - x)])


def select_k(z: pd.DataFrame, *, k_range: tuple[int, int] = (2, 8), seed: int = 0, n_init: int = 20) -> pd.DataFrame:
    """Silhouette, Calinski–Harabasz and within-cluster SS for each k and method, side by side.

    Returns
    -------
    DataFrame
        Index ``k``; columns ``<method>_silhouette``, ``<method>_calinski_harabasz``, ``<method>_wss`` for
        Ward and k-means. ``attrs["best"]`` holds the k each criterion picks per method, e.g.
        ``{"ward": {"silhouette": 3, "calinski_harabasz": 4, "elbow": 3}, "kmeans": {...}}``.
    """
    n = len(z)
    lo, hi = int(k_range[0]), min(int(k_range[1]), n - 1)
    if lo < 2 or hi < lo:
        raise DataError(f"typology: k range {tuple(k_range)} for {n} units; need 2 <= k_min <= k_max < {n}")
    x = np.asarray(z, dtype=float)
    ks = np.arange(lo, hi + 1)
    out = pd.DataFrame(index=pd.Index(ks, name="k"))
    best: dict[str, dict[str, int]] = {}
    for method in METHODS:
        labels = [cluster_labels(z, method=method, k=int(k), seed=seed, n_init=n_init) for k in ks]
        sil = [silhouette_score(x, lab) if len(np.unique(lab)) > 1 else np.nan for lab in labels]
        ch = [calinski_harabasz_score(x, lab) if len(np.unique(lab)) > 1 else np.nan for lab in labels]
        wss = np.array([within_ss(x, lab) for lab in labels])
        out[f"{method}_silhouette"], out[f"{method}_calinski_harabasz"], out[f"{method}_wss"] = sil, ch, wss
        best[method] = {"silhouette": int(ks[np.nanargmax(sil)]), "calinski_harabasz": int(ks[np.nanargmax(ch)]),
                        "elbow": _elbow(ks.astype(float), wss)}
    out.attrs["best"] = best
    return out


class Typology:
    """Standardise, choose k and cluster units (Ward or k-means) with canonical cluster numbers.

    Parameters
    ----------
    method : {"ward", "kmeans"}, default="ward"
    k : int or None, default=None
        Number of clusters; None: chosen by ``criterion`` over ``k_range``.
    k_range : tuple of int, default=(2, 8)
        Candidate k (capped at n - 1).
    criterion : {"silhouette", "calinski_harabasz", "elbow"}, default="silhouette"
    seed : int, default=0
        Seed of k-means (via ``numpy.random.SeedSequence``); Ward is deterministic.
    n_init : int, default=20
        k-means starts.

    Attributes
    ----------
    zscores_ : DataFrame
        The standardised table (units x columns).
    k_selection_ : DataFrame
        :func:`select_k` output (also computed when ``k`` is given, for the record).
    k_ : int
    labels_ : Series
        Cluster number (1..k) per unit, named ``cluster``.
    linkage_ : ndarray
        Ward linkage matrix of ``zscores_`` (for the dendrogram, whatever ``method``).
    """

    def __init__(self, *, method: str = "ward", k: int | None = None, k_range: tuple[int, int] = (2, 8),
                 criterion: str = "silhouette", seed: int = 0, n_init: int = 20) -> None:
        self.method, self.k, self.k_range, self.criterion = method, k, k_range, criterion
        self.seed, self.n_init = seed, n_init

    def get_params(self) -> dict[str, object]:
        return {"method": self.method, "k": self.k, "k_range": self.k_range, "criterion": self.criterion,
                "seed": self.seed, "n_init": self.n_init}

    def fit(self, table: pd.DataFrame) -> Typology:
        """Fit on a units x indicators table (no missing values; labels are kept)."""
        if self.method not in METHODS:
            raise DataError(f"Typology: method {self.method!r} is not one of {list(METHODS)}")
        if self.criterion not in CRITERIA:
            raise DataError(f"Typology: criterion {self.criterion!r} is not one of {list(CRITERIA)}")
        z = standardise(table)
        n = len(z)
        if self.k is not None and (self.k < 2 or self.k >= n):
            raise DataError(f"Typology: k={self.k} clusters for {n} units; k must satisfy 2 <= k < {n}")
        if n < 3:
            raise DataError(f"Typology: {n} unit(s); clustering needs at least 3")
        k_range = self.k_range if self.k is None else (min(self.k_range[0], self.k), max(self.k_range[1], self.k))
        self.zscores_ = z
        self.k_selection_ = select_k(z, k_range=(max(2, k_range[0]), k_range[1]), seed=self.seed, n_init=self.n_init)
        self.k_ = int(self.k) if self.k is not None else self.k_selection_.attrs["best"][self.method][self.criterion]
        labels = cluster_labels(z, method=self.method, k=self.k_, seed=self.seed, n_init=self.n_init)
        self.labels_ = pd.Series(labels, index=z.index, name="cluster")
        self.linkage_ = ward(z.to_numpy())
        return self

    def _check(self) -> None:
        if not hasattr(self, "labels_"):
            raise NotFittedError("Typology: call fit(table) before asking for results")

    @property
    def sizes_(self) -> pd.Series:
        self._check()
        return self.labels_.value_counts().sort_index().rename("units")
