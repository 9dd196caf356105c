r"""Weighting: the relative weight of every node of the tree among its siblings.

Methods:

* ``given`` — the weights written in the tree;
* ``equal_within_blocks`` — every child of a node weighs 1 (COINr's default equal weights);
* ``equal`` — every indicator has the same effective weight in the composite: a node weighs the
  number of indicators below it (exact for arithmetic aggregation);
* ``pca`` — for a block of indicators, :math:`w_j \propto \lambda_1 a_{1j}^2`, the squared loading
  of indicator *j* on the first principal component of the block's correlation matrix (Nicoletti
  et al. 2000; OECD & JRC 2008, section 6.1); higher nodes weigh 1 each;
* ``file`` — weights supplied as a mapping code → weight (``values``: the spec's inline
  ``weight.values``, or a CSV/YAML of expert (AHP) weights that the *interface* read with
  :func:`territoria.assess.weights_file.resolve_file_references`; this step never opens a file); codes not
  listed keep the tree weight; a reused node's weight under a further parent is keyed ``code@parent``.

Weights are per edge: a node reused under two parents (``reuse: true``) has one weight under each, and
each parent renormalises over its own children.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import OneOf, Step, StepReport
from territoria.assess.spec import WEIGHT_METHODS
from territoria.assess.tree import path_weights, with_edges
from territoria.errors import SpecError, coded

__all__ = ["Weight", "check_weight_sums", "pca_weights"]


def pca_weights(block: pd.DataFrame) -> pd.Series:
    """Squared first-component loadings of a block, scaled to sum 1 (complete rows only)."""
    data = block.dropna()
    if len(data) < 3 or block.shape[1] < 2:
        return pd.Series(1.0 / block.shape[1], index=block.columns)
    corr = np.corrcoef(data.to_numpy(dtype=float), rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    _, vecs = np.linalg.eigh(corr)
    loading = vecs[:, -1] ** 2
    return pd.Series(loading / loading.sum(), index=block.columns)


def check_weight_sums(tree: pd.DataFrame, total: float, paths: dict[str, str] | None = None) -> None:
    """Raise when the weights of any sibling set do not sum to ``total`` (tolerance 1e-6)."""
    for parent, kids in tree.dropna(subset=["parent"]).groupby("parent", sort=False):
        s = float(kids["weight"].sum())
        if abs(s - total) > 1e-6:
            where = (paths or {}).get(str(parent), f"tree.{parent}")
            listed = ", ".join(f"{c}={w:g}" for c, w in zip(kids["code"], kids["weight"], strict=True))
            raise coded(SpecError(f"{where}.children", f"weights of the children of {parent!r} sum to {s:g}, "
                                                       f"but weight.sum_to says {total:g} ({listed})"),
                        "error.run.weight_sum", parent=str(parent), sum=s, total=float(total), listed=listed)


class Weight(Step):
    """Decide the weight of every node (see the module docstring).

    Parameters
    ----------
    method : {"given", "equal", "equal_within_blocks", "pca", "file"}, default="given"
    values : dict or None, default=None
        Code → weight for ``file`` (already read).
    sum_to : float or None, default=None
        When set, the weights of every sibling set must sum to it (checked on the given weights).

    Attributes
    ----------
    weights_ : pandas.Series
        Relative weight per edge of the tree, keyed by the tree's ``edge`` column: the code, and
        ``code@parent`` for each further parent of a reused node.
    effective_ : pandas.Series
        Weight of each indicator in its root (the first root above it): the product of normalised weights
        along its path, summed over its paths when a node on the way is reused.

    Notes
    -----
    ``pca`` is fitted on the normalised table with complete rows only; other methods ignore the data.
    """

    family = "weight"
    method = "weight"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*WEIGHT_METHODS)],
        "values": [dict, None],
        "sum_to": [float, None],
    }

    reads = ("normalised",)
    writes = ("weights",)

    def __init__(self, *, method: str = "given", values: dict[str, float] | None = None,
                 sum_to: float | None = None) -> None:
        self.method = method
        self.values = values
        self.sum_to = sum_to

    def _fit(self, table: pd.DataFrame, *, tree: pd.DataFrame | None = None,
             paths: dict[str, str] | None = None, **_: Any) -> None:
        if tree is None:
            raise SpecError("weight", "the weight step needs the tree")
        if self.sum_to is not None and self.method == "given":
            check_weight_sums(tree, float(self.sum_to), paths)
        tree = with_edges(tree)
        # one weight per edge (a reused node has one per parent), keyed as the tree's ``edge`` column
        keys = pd.Index(tree["edge"], name="code")
        w = pd.Series(tree["weight"].to_numpy(dtype=float), index=keys)
        kids: dict[str, list[str]] = {}               # children and their edges per parent, in tree order
        kid_edges: dict[str, list[str]] = {}
        for code, edge, parent in zip(tree["code"], tree["edge"], tree["parent"], strict=True):
            if parent is not None and not pd.isna(parent):
                kids.setdefault(parent, []).append(code)
                kid_edges.setdefault(parent, []).append(edge)
        if self.method == "equal_within_blocks":
            w[:] = 1.0
        elif self.method == "equal":
            def count(code: str) -> int:
                return 1 if code not in kids else sum(count(c) for c in kids[code])
            w = pd.Series([float(count(c)) for c in tree["code"]], index=keys)
        elif self.method == "pca":
            w[:] = 1.0
            for parent, children in kids.items():
                if all(c not in kids for c in children) and all(c in table.columns for c in children):
                    w[kid_edges[parent]] = pca_weights(table[children]).to_numpy()
        elif self.method == "file":
            if self.values is None:
                raise SpecError("weight.file", "the weights were not read: the method never opens a file named in "
                                "a spec; load the spec with AssessmentSpec.from_yaml (which reads weight.file) or "
                                "give the weights inline as weight.values")
            unknown = sorted(set(self.values or {}) - set(w.index))
            if unknown:
                again = [e for e in w.index if "@" in e]
                hint = f" (a reused node's further edges are keyed code@parent: {', '.join(again[:4])})" \
                    if again else ""
                raise coded(SpecError("weight.file", f"weights file names {unknown[0]!r}, which is not in the "
                                      f"tree{hint}"), "error.run.weight_unknown", code=str(unknown[0]))
            for code, value in (self.values or {}).items():
                w[code] = float(value)
        if (w < 0).any():
            raise coded(SpecError("weight", f"negative weight for {w[w < 0].index[0]!r}"), "error.run.negative_weight",
                        code=str(w[w < 0].index[0]))
        self.weights_ = w
        self.effective_ = _effective(tree, w)


    def fit_scope(self) -> str:
        return "table" if self.method == "pca" else "none"

    def transform_scope(self) -> str:
        return "none"

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The ``weights`` stage: ``weight`` and ``effective`` per tree code (no cell is transformed)."""
        self.transform(table.iloc[:0])
        return {"weights": pd.DataFrame({"weight": self.weights_,
                                         "effective": self.effective_.reindex(self.weights_.index)})}

    def provides(self) -> dict[str, Any]:
        return {"weights": self.weights_}

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        return StepReport()


def _effective(tree: pd.DataFrame, w: pd.Series) -> pd.Series:
    """Each indicator's weight in the first root (in spec order) above it: the sum over its paths."""
    out: dict[str, float] = {}
    for _, code, eff in path_weights(tree, w):
        out.setdefault(code, eff)
    return pd.Series(out, dtype=float)
