"""Input checks shared by the economy measures: one place, one message shape.

Every message names the offending region, industry and value and says what was expected.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = ["EconomyInputError", "check_matrix", "check_national", "check_shares", "py", "row_shares"]

#: Relative tolerance for "shares sum to one" and "parts do not exceed the total".
SHARE_TOL = 1e-6


class EconomyInputError(DataError):
    """A region x industry table, a national reference or a panel that a measure cannot use."""


def check_matrix(x: pd.DataFrame, *, name: str = "x", allow_zero_rows: bool = False) -> pd.DataFrame:
    """Validate a regions x industries table of output (or employment) and return it as float.

    Rules: a DataFrame with unique region labels (index) and industry labels (columns), at least one
    row and one column, every cell a finite number >= 0, and (unless ``allow_zero_rows``) a positive
    total in every row.
    """
    if not isinstance(x, pd.DataFrame):
        raise EconomyInputError(f"{name}: expected a DataFrame with regions as rows and industries as "
                                f"columns, got {type(x).__name__}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise EconomyInputError(f"{name}: the table is empty ({x.shape[0]} regions x {x.shape[1]} industries)")
    for axis, labels in (("region", x.index), ("industry", x.columns)):
        dup = labels[labels.duplicated()]
        if len(dup):
            raise EconomyInputError(f"{name}: {axis} {dup[0]!r} appears more than once")
    values = x.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = values.isna() & x.notna()
    if bad.to_numpy().any():
        region, industry = _first(bad)
        raise EconomyInputError(f"{name}: region {region!r}, industry {industry!r}: "
                                f"value {py(x.at[region, industry])!r} is not a number")
    missing = values.isna()
    if missing.to_numpy().any():
        region, industry = _first(missing)
        raise EconomyInputError(f"{name}: region {region!r}, industry {industry!r} has no value; fill it (0 if the "
                                "industry is absent) or leave the region out")
    infinite = ~np.isfinite(values)
    if infinite.to_numpy().any():
        region, industry = _first(infinite)
        raise EconomyInputError(f"{name}: region {region!r}, industry {industry!r}: value "
                                f"{py(values.at[region, industry])!r} is not finite")
    negative = values < 0
    if negative.to_numpy().any():
        region, industry = _first(negative)
        raise EconomyInputError(f"{name}: region {region!r}, industry {industry!r}: negative output "
                                f"{py(values.at[region, industry])!r}; structure measures need output >= 0")
    if not allow_zero_rows:
        totals = values.sum(axis=1)
        if (totals <= 0).any():
            region = totals.index[totals <= 0][0]
            raise EconomyInputError(f"{name}: region {region!r} has zero total output; its shares are undefined")
    return values


def check_national(national: pd.Series | None, industries: pd.Index, *, name: str = "national") -> pd.Series | None:
    """Validate a national reference (output by industry) and align it on ``industries``.

    Every industry of the regional table must be present with a finite value > 0; extra industries
    in the reference are an error too (the reference total would then not match the regions' scope).
    """
    if national is None:
        return None
    if not isinstance(national, pd.Series):
        raise EconomyInputError(f"{name}: expected a Series indexed by industry, got {type(national).__name__}")
    absent = [i for i in industries if i not in national.index]
    if absent:
        raise EconomyInputError(f"{name}: industry {absent[0]!r} is missing from the national reference "
                                f"(it has {list(national.index)})")
    extra = [i for i in national.index if i not in industries]
    if extra:
        raise EconomyInputError(f"{name}: industry {extra[0]!r} is in the national reference but not in the "
                                "regional table; give both the same industries")
    values = pd.to_numeric(national.reindex(industries), errors="coerce").astype(float)
    for industry, value in values.items():
        if not np.isfinite(value) or value <= 0:
            raise EconomyInputError(f"{name}: industry {industry!r}: national output {py(national[industry])!r}; "
                                    "expected a number > 0 (a location quotient needs a national share)")
    return values


def row_shares(x: pd.DataFrame, *, totals: pd.Series | None = None, name: str = "x") -> pd.DataFrame:
    """Shares of each industry in its region's total, ``s_ri = x_ri / X_r``.

    ``X_r`` is the row sum, or ``totals`` (e.g. GRP including net taxes) when given; then the
    industries of a region must not add up to more than its total (relative tolerance 1e-6).
    """
    if totals is None:
        return x.div(x.sum(axis=1), axis=0)
    totals = pd.to_numeric(totals.reindex(x.index), errors="coerce").astype(float)
    parts = x.sum(axis=1)
    for region in x.index:
        total = totals[region]
        if not np.isfinite(total) or total <= 0:
            raise EconomyInputError(f"{name}: region {region!r}: total {py(total)!r}; expected a number > 0")
        if parts[region] > total * (1 + SHARE_TOL):
            raise EconomyInputError(f"{name}: region {region!r}: industries sum to {parts[region]:.6g}, more than "
                                    f"the given total {total:.6g}; shares would sum above 1")
    return x.div(totals, axis=0)


def check_shares(s: pd.DataFrame, *, name: str = "shares", tol: float = SHARE_TOL) -> pd.DataFrame:
    """Validate a table of shares: values in [0, 1] and every row summing to 1 (within ``tol``)."""
    values = check_matrix(s, name=name)
    sums = values.sum(axis=1)
    off = (sums - 1).abs() > tol
    if off.any():
        region = sums.index[off][0]
        hint = " (percentages? divide by 100)" if abs(sums[region] - 100) < 100 * tol else ""
        raise EconomyInputError(f"{name}: shares of region {region!r} sum to {sums[region]:.6g}, expected 1 "
                                f"(tolerance {tol:g}){hint}")
    return values


def py(value: object) -> object:
    """A NumPy scalar as the plain Python value (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _first(mask: pd.DataFrame) -> tuple[Hashable, Hashable]:
    rows, cols = np.nonzero(mask.to_numpy())
    return py(mask.index[rows[0]]), py(mask.columns[cols[0]])
