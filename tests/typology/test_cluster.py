"""Clustering, choice of k, profiles, labels and stability on SYNTHETIC labelled data (seeded blobs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from territoria.errors import DataError, NotFittedError
from territoria.typology import (
    Typology,
    bootstrap_stability,
    cluster_labels,
    cluster_labels_text,
    profiles,
    select_k,
    standardise,
)


def blobs(seed: int = 3, per: int = 15, spread: float = 0.3) -> tuple[pd.DataFrame, np.ndarray]:
    """SYNTHETIC: three well-separated groups in four columns (not data of any place)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[5, 5, 5, 5], [0, 0, 5, 0], [-5, 0, -5, -5]], dtype=float)
    x = np.vstack([c + spread * rng.standard_normal((per, 4)) for c in centres])
    truth = np.repeat([1, 2, 3], per)
    index = pd.Index([f"U{i:03d}" for i in range(len(x))], name="unit")
    return pd.DataFrame(x, index=index, columns=["social", "economic", "infrastructural", "environmental"]), truth


def test_standardise_by_hand_and_constant_column():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [7.0, 7.0, 7.0]}, index=["x", "y", "z"])
    z = standardise(table)
    sd = np.sqrt(2 / 3)                                       # population sd of 1, 2, 3
    assert z["a"].tolist() == pytest.approx([-1 / sd, 0, 1 / sd])
    assert z["b"].tolist() == [0.0, 0.0, 0.0]
    assert list(z.index) == ["x", "y", "z"]


@pytest.mark.parametrize("method", ["ward", "kmeans"])
def test_both_methods_recover_the_synthetic_groups(method):
    table, truth = blobs()
    fitted = Typology(method=method, seed=11).fit(table)
    assert fitted.k_ == 3
    assert adjusted_rand_score(truth, fitted.labels_) == 1.0
    assert list(fitted.labels_.index) == list(table.index)
    # canonical numbering: cluster 1 has the highest mean z (the +5 group)
    assert (fitted.labels_.iloc[:15] == 1).all()


def test_k_criteria_side_by_side_agree_on_clear_data():
    table, _ = blobs()
    sel = select_k(standardise(table), k_range=(2, 7), seed=1)
    assert list(sel.index) == [2, 3, 4, 5, 6, 7]
    assert {"ward_silhouette", "kmeans_calinski_harabasz", "ward_wss"} <= set(sel.columns)
    assert sel.attrs["best"]["ward"] == {"silhouette": 3, "calinski_harabasz": 3, "elbow": 3}
    assert sel.attrs["best"]["kmeans"]["silhouette"] == 3
    assert (np.diff(sel["ward_wss"]) <= 1e-9).all()           # W(k) falls with k for nested Ward cuts


def test_same_seed_same_types_and_stability():
    table, _ = blobs(spread=1.8)                               # overlapping: k-means depends on its starts
    a = Typology(method="kmeans", k=3, seed=5).fit(table)
    b = Typology(method="kmeans", k=3, seed=5).fit(table)
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    s1 = bootstrap_stability(a.zscores_, a.labels_, method="kmeans", n_resamples=30, seed=9)
    s2 = bootstrap_stability(a.zscores_, a.labels_, method="kmeans", n_resamples=30, seed=9)
    pd.testing.assert_frame_equal(s1.units, s2.units)


def test_stability_is_high_for_separated_groups_and_lower_for_noise():
    table, _ = blobs()
    fitted = Typology(k=3).fit(table)
    clear = bootstrap_stability(fitted.zscores_, fitted.labels_, n_resamples=40, seed=2)
    assert clear.clusters["jaccard"].min() == pytest.approx(1.0)
    assert clear.units["stability"].min() == pytest.approx(1.0)
    assert (clear.units["draws"] > 0).all()
    rng = np.random.default_rng(4)
    noise = pd.DataFrame(rng.standard_normal((45, 4)), columns=list("abcd"))   # SYNTHETIC: no structure
    fitted = Typology(k=3).fit(noise)
    vague = bootstrap_stability(fitted.zscores_, fitted.labels_, n_resamples=40, seed=2)
    assert vague.clusters["jaccard"].mean() < 0.85
    assert vague.units["stability"].between(0, 1).all()


def test_profiles_by_hand_and_labels():
    table = pd.DataFrame({"social": [10.0, 20.0, 30.0, 40.0], "economic": [40.0, 30.0, 20.0, 10.0],
                          "index": [25.0, 25.0, 25.0, 25.0]}, index=list("abcd"))
    labels = pd.Series([1, 1, 2, 2], index=list("abcd"))
    prof = profiles(table, labels)
    assert prof["mean"].loc[1, "social"] == 15.0 and prof["mean"].loc[1, "units"] == 2
    sd = np.std([10, 20, 30, 40])                              # population sd 11.18
    assert prof["relative_sd"].loc[1, "social"] == pytest.approx((15 - 25) / sd)
    assert prof["percent_of_mean"].loc[2, "economic"] == pytest.approx(100 * 15 / 25)
    text = cluster_labels_text(prof["relative_sd"], blocks=["social", "economic"], composite="index")
    assert text[1].startswith("about average") and "strongest: economic" in text[1] and "weakest: social" in text[1]
    worse = cluster_labels_text(prof["relative_sd"], blocks=["social", "economic"], higher_is="worse")
    assert "strongest: social" in worse[1]


def test_bad_input_is_refused():
    table, _ = blobs(per=3)
    with pytest.raises(DataError, match="k must"):
        Typology(k=20).fit(table)
    with pytest.raises(DataError, match="k=9"):
        cluster_labels(standardise(table), k=9)
    holed = table.copy()
    holed.iloc[2, 1] = np.nan
    with pytest.raises(DataError, match="U002"):
        Typology().fit(holed)
    with pytest.raises(DataError, match="method"):
        Typology(method="average").fit(table)
    with pytest.raises(NotFittedError):
        Typology().sizes_  # noqa: B018
