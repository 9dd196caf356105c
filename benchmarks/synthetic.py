"""Synthetic benchmark data (labelled synthetic: seeded random numbers, not statistics of any place)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["synthetic_table", "synthetic_tree"]


def synthetic_tree(n_indicators: int, n_blocks: int = 4, *, root: str = "synthetic_index") -> pd.DataFrame:
    """A two-level contract tree: indicators ``s01..`` spread evenly over ``n_blocks`` blocks, weights 1."""
    codes = [f"s{j + 1:02d}" for j in range(n_indicators)]
    blocks = [f"block_{b + 1}" for b in range(n_blocks)]
    rows = [{"code": c, "parent": blocks[j * n_blocks // n_indicators], "weight": 1.0, "level": 1}
            for j, c in enumerate(codes)]
    rows += [{"code": b, "parent": root, "weight": 1.0, "level": 2} for b in blocks]
    rows += [{"code": root, "parent": None, "weight": 1.0, "level": 3}]
    return pd.DataFrame(rows)


def synthetic_table(n_units: int, n_indicators: int, *, missing: float = 0.02, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC units × indicators table: a common factor plus noise, lognormal-ish, ``missing`` share NaN.

    Every unit keeps at least two values (the first two indicators are never missing).
    """
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n_units, 1))
    x = np.exp(0.5 * (0.6 * factor + rng.normal(size=(n_units, n_indicators))))
    x[rng.random(x.shape) < missing] = np.nan
    x[:, :2] = np.where(np.isnan(x[:, :2]), 1.0, x[:, :2])
    index = pd.Index([f"SYN{u:07d}" for u in range(n_units)], name="unit")
    return pd.DataFrame(x, index=index, columns=[f"s{j + 1:02d}" for j in range(n_indicators)])
