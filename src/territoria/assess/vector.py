"""Normalise → aggregate on plain arrays in one call (for Monte-Carlo replications and benchmarks)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territoria.assess.aggregate import aggregate_array
from territoria.assess.normalise import normalise_array
from territoria.assess.tree import CompiledTree

__all__ = ["score_array"]


def score_array(x: np.ndarray, tree: pd.DataFrame | CompiledTree, *, normalise: str = "minmax",
                aggregate: str | None = None, weights: list[np.ndarray] | None = None,
                direction: np.ndarray | None = None, low: float = 0.0, high: float = 100.0,
                missing: str = "skip") -> np.ndarray:
    """Scores of every tree code for a ``(..., n_units, n_leaves)`` array of treated indicator values.

    ``tree`` is the contract tree frame (``spec.tree_frame()``) or a :class:`CompiledTree`; ``x``'s last
    axis follows ``CompiledTree.leaves``. ``normalise`` is a method of :func:`normalise_array`,
    ``aggregate`` overrides every node's method, ``weights`` per node (``CompiledTree.nodes`` order, each
    broadcastable to ``(..., n_units, n_children)``). Returns ``(..., n_units, n_leaves + n_nodes)``
    in ``CompiledTree.codes`` order; the root is the last column.
    """
    compiled = tree if isinstance(tree, CompiledTree) else CompiledTree.from_frame(tree)
    y = normalise_array(x, normalise, direction=direction, low=low, high=high)
    reported, _ = aggregate_array(y, compiled, weights=weights, method=aggregate, missing=missing)
    return reported
