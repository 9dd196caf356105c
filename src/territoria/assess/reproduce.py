r"""Reproducing a peer's published results: run an example spec on the published inputs, compare.

A reproduction is data, not code: ``examples/reproductions.yaml`` names, per target, the spec, the input
file, its id column and a list of checks. Each check compares some columns of the run (the output table
the spec writes, or one table of the :class:`~territoria.assess.result.Result` such as ``normalised``)
with the same-named columns of a published file, unit by unit:

.. math::

    \Delta_{uc} = \frac{|\mathrm{round}(x_{uc}, d) - r_{uc}|}{s_c}, \qquad
    s_c = \max(1, \max_u |r_{uc}|) \text{ if relative, else } 1,

and counts a mismatch where :math:`\Delta_{uc} > \tau + 10^{-9}` or where exactly one of the two
is missing (so the missing pattern must agree). The verdict is ``match`` when nothing mismatches, no
column is absent from the reference and the unit sets agree (after the check's ``exclude`` list).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

import territoria
from territoria.assess.pipeline import Assessment
from territoria.errors import DataError, UnknownNameError

__all__ = ["Check", "Comparison", "Reproduction", "compare_to_reference", "examples_dir", "reproduce",
           "run_checks"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check(_Model):
    """One comparison of a reproduction (see the module docstring)."""

    name: str
    spec: str | None = None
    source: str = "output"
    reference: str | None = None
    reference_id: str | None = None
    columns: list[str] = Field(default_factory=lambda: ["*"])
    decimals: int | None = None
    tolerance: float = Field(0.0, ge=0)
    relative: bool = False
    exclude: list[str] = Field(default_factory=list)
    note: str = ""


class Reproduction(_Model):
    """One target of ``territoria reproduce``: spec, input, id column, checks (paths relative to examples/)."""

    peer: str
    release: str
    spec: str
    data: str
    id_column: str
    missing_codes: list[float | str] = Field(default_factory=list)
    checks: list[Check]


@dataclass
class Comparison:
    """Outcome of :func:`compare_to_reference`."""

    units: int
    columns: list[str]
    max_diff: float
    mismatches: int
    differing: int = 0
    absent_columns: list[str] = field(default_factory=list)
    unmatched_units: list[Any] = field(default_factory=list)
    by_column: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))

    @property
    def verdict(self) -> Literal["match", "differs"]:
        ok = self.mismatches == 0 and not self.absent_columns and not self.unmatched_units and self.columns
        return "match" if ok else "differs"


def _numeric(frame: pd.DataFrame, codes: Sequence[float | str]) -> pd.DataFrame:
    text = {str(c) for c in codes if isinstance(c, str)}
    nums = [float(c) for c in codes if not isinstance(c, str)]
    out = {}
    for c in frame.columns:
        col = frame[c]
        if text and not pd.api.types.is_numeric_dtype(col):
            col = col.mask(col.astype("string").str.strip().isin(text))
        col = pd.to_numeric(col, errors="coerce").astype(float)
        out[c] = col.mask(col.isin(nums)) if nums else col
    return pd.DataFrame(out, index=frame.index)


def _is_text(col: pd.Series, codes: Sequence[float | str]) -> bool:
    if pd.api.types.is_numeric_dtype(col):
        return False
    values = col.dropna().astype("string").str.strip()
    values = values[~values.isin({str(c) for c in codes})]
    return bool(pd.to_numeric(values, errors="coerce").isna().any())


def _expand(patterns: Iterable[str], columns: Sequence[str]) -> list[str]:
    chosen: list[str] = []
    for p in patterns:
        chosen += [c for c in columns if fnmatch.fnmatchcase(c, p) and c not in chosen]
    return chosen


def compare_to_reference(ours: pd.DataFrame, reference: pd.DataFrame, *, columns: Iterable[str] = ("*",),
                         decimals: int | None = None, tolerance: float = 0.0, relative: bool = False,
                         exclude: Iterable[Any] = (), missing_codes: Sequence[float | str] = ()) -> Comparison:
    """Compare the columns of ``ours`` chosen by ``columns`` (glob patterns) with ``reference``.

    Parameters
    ----------
    ours, reference : DataFrame
        Indexed by unit id; compared on the common units (minus ``exclude``) and same-named columns.
    decimals : int, optional
        Round ``ours`` half to even before comparing (the peer's published precision).
    tolerance : float
        :math:`\\tau`; a cell mismatches when :math:`\\Delta > \\tau + 10^{-9}`.
    relative : bool
        Scale each column's differences by :math:`\\max(1, \\max_u |r_u|)` (large raw magnitudes).
    missing_codes : sequence
        Codes meaning "missing" in either table (e.g. ``-999``, ``"x"``); missing must agree.

    Returns
    -------
    Comparison
        ``units, columns, max_diff, mismatches`` (beyond the tolerance or missing on one side only),
        ``differing`` (cells not equal, within the tolerance or not), ``absent_columns, unmatched_units,
        by_column, verdict``.
    """
    excluded = {str(e) for e in exclude}
    keep_ours = [u for u in ours.index if str(u) not in excluded]
    keep_ref = [u for u in reference.index if str(u) not in excluded]
    in_ref = set(keep_ref)  # built once: the comprehension used to rebuild it per unit (quadratic in counties)
    common = [u for u in keep_ours if u in in_ref]
    unmatched = sorted(set(keep_ours) ^ set(keep_ref), key=str)
    cols = _expand(columns, [str(c) for c in ours.columns])
    absent = [c for c in cols if c not in reference.columns]
    present = [c for c in cols if c in reference.columns]
    a = _numeric(ours.loc[common, present], missing_codes)
    b = _numeric(reference.loc[common, present], missing_codes)
    # a text column of the reference (a class label) is compared as text, exactly
    text = [c for c in present if _is_text(reference.loc[common, c], missing_codes)]
    numeric = [c for c in present if c not in text]
    a, b = a[numeric], b[numeric]
    if decimals is not None:
        a = a.round(decimals)
    diff = (a - b).abs()
    if relative:
        diff = diff / b.abs().max().clip(lower=1.0)
    bad = (diff > tolerance + 1e-9) | (a.isna() != b.isna())
    for c in text:
        mine, theirs = (t.loc[common, c].astype("string").str.strip().fillna("") for t in (ours, reference))
        bad[c] = mine != theirs
    by_column = bad.sum().astype(int)
    differing = int((diff > 1e-9).sum().sum()) + (int(by_column[text].sum()) if text else 0)
    top = float(np.nanmax(diff.to_numpy())) if diff.notna().any().any() else float("nan")
    return Comparison(units=len(common), columns=present + absent, max_diff=top, mismatches=int(by_column.sum()),
                      differing=differing, absent_columns=absent, unmatched_units=unmatched, by_column=by_column)


def run_checks(reproduction: Reproduction, *, runs: dict[str, tuple[Any, pd.DataFrame]],
               references: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The match table of a reproduction: one row per check.

    ``runs`` maps each spec (as written in the manifest) to its ``(Result, output table)``; a check
    without ``spec`` uses the reproduction's. ``references`` maps each check's reference file (as written;
    the input file when the check names none) to its table indexed by id. Columns: ``check, source,
    reference, units, columns, max_diff, tolerance, mismatches, verdict, note``.
    """
    rows = []
    for check in reproduction.checks:
        result, output = runs[check.spec or reproduction.spec]
        ours = output if check.source == "output" else result.tables[check.source]
        ref = references[check.reference or reproduction.data]
        cmp = compare_to_reference(ours, ref, columns=check.columns, decimals=check.decimals,
                                   tolerance=check.tolerance, relative=check.relative, exclude=check.exclude,
                                   missing_codes=reproduction.missing_codes)
        note = check.note
        if check.tolerance > 0 and check.decimals is not None and cmp.differing:
            cells = cmp.units * len(cmp.columns)
            note = f"{cmp.differing} of {cells} cells differ, by <= {check.tolerance:g}. {note}".strip()
        if cmp.absent_columns:
            note = f"not in the reference: {', '.join(cmp.absent_columns[:6])}. {note}".strip()
        if cmp.unmatched_units:
            note = f"units in one table only: {', '.join(map(str, cmp.unmatched_units[:6]))}. {note}".strip()
        if cmp.mismatches:
            worst = cmp.by_column[cmp.by_column > 0].sort_values(ascending=False).head(4)
            note = f"mismatches: {', '.join(f'{k} {v}' for k, v in worst.items())}. {note}".strip()
        source = check.source if check.spec is None else f"{check.source} of {check.spec}"
        rows.append({"check": check.name, "source": source,
                     "reference": Path(check.reference or reproduction.data).name, "units": cmp.units,
                     "columns": len(cmp.columns), "max_diff": round(cmp.max_diff, 12),
                     "tolerance": f"{check.tolerance:g}" + (" rel." if check.relative else "")
                     + (f" at {check.decimals} dp" if check.decimals is not None else ""),
                     "mismatches": cmp.mismatches, "verdict": cmp.verdict, "note": note})
    return pd.DataFrame(rows)


def examples_dir() -> Path | None:
    """The repository's ``examples/`` folder next to ``src/`` (absent in a wheel install → ``None``)."""

    candidate = Path(territoria.__file__).resolve().parents[2] / "examples"
    return candidate if (candidate / "reproductions.yaml").exists() else None


def reproduce(name: str, *, examples: str | Path | None = None) -> tuple[pd.DataFrame, Any, pd.DataFrame]:
    """Run reproduction ``name`` of ``examples/reproductions.yaml``.

    Returns the match table, the :class:`Result` and the output table (index = the input's ids).
    """
    # lazy: cycle: territoria.assess.io imports this module
    from territoria.assess.io import read_reproductions, read_wide_table

    base = Path(examples) if examples is not None else examples_dir()
    if base is None:
        raise DataError("the reproductions need the repository's examples/ folder (specs and bundled reference "
                        "files), which this installation does not have; run from a clone of the repository "
                        "or pass its examples/ folder")
    catalogue = read_reproductions(base / "reproductions.yaml")
    if name not in catalogue:
        raise UnknownNameError("reproduction", name, sorted(catalogue))
    rep = catalogue[name]
    data = read_wide_table(base / rep.data, rep.id_column)
    runs: dict[str, tuple[Any, pd.DataFrame]] = {}
    for spec in dict.fromkeys([rep.spec, *(c.spec for c in rep.checks if c.spec)]):
        result = Assessment(base / spec).run(data)
        runs[spec] = (result, result.output_table())
    references: dict[Any, pd.DataFrame] = {rep.data: data}
    for check in rep.checks:
        if check.reference and check.reference not in references:
            references[check.reference] = read_wide_table(base / check.reference,
                                                          check.reference_id or rep.id_column)
    table = run_checks(rep, runs=runs, references=references)
    return table, *runs[rep.spec]
