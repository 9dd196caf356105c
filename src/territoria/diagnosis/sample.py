"""Both views of a sample: the grades and ranks of the units with and without the units a spec leaves out.

The seeds rate the settlements without the large cities (Orynbet & Imangali 2022, section 3); with min-max
normalisation and grades relative to the national value (or quantiles) the cities shift every other unit.
:func:`full_sample_spec` is the same spec with the excluded units put back; :func:`compare_samples` sets the
two Results side by side. Both are pure: the caller runs the two assessments.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from territoria.assess.grade import describe_scale
from territoria.assess.spec import AssessmentSpec

__all__ = ["SAMPLE_COLUMNS", "compare_samples", "full_sample_spec"]

SAMPLE_COLUMNS = ["unit", "in_sample", "rank_sample", "level_sample", "rank_full", "level_full", "level_changed",
                  "scale"]


def full_sample_spec(spec: AssessmentSpec) -> AssessmentSpec:
    """``spec`` with every unit it excludes put back (``units.exclude`` and ``units.kinds`` dropped)."""
    raw = spec.to_mapping()
    units = {k: v for k, v in raw["units"].items() if k not in ("exclude", "kinds", "exclude_reason")}
    return AssessmentSpec.from_mapping({**raw, "units": units, "name": f"{spec.name}_full_sample"})


def _latest(result: Any) -> pd.DataFrame:
    frame = result.to_frame()
    if isinstance(frame.index, pd.MultiIndex) and "year" in frame.index.names:
        years = frame.index.get_level_values("year")
        frame = frame[years == years.max()].droplevel("year")
    return frame


def compare_samples(sample: Any, full: Any, *, changed_only: bool = False) -> pd.DataFrame:
    """Rank and grade of every unit in the spec's sample and in the full sample.

    Parameters
    ----------
    sample, full : Result
        The assessment with its sample (e.g. the bundled spec, cities left out) and the same spec on every
        unit (:func:`full_sample_spec`). A panel Result is compared on its latest year.
    changed_only : bool
        Keep only the units whose grade differs, and the units that are only in the full sample.

    Returns
    -------
    DataFrame
        :data:`SAMPLE_COLUMNS`: ``in_sample`` False for a unit the sample leaves out (its ``rank_sample`` and
        ``level_sample`` are missing), ``level_changed`` True where both grades exist and differ; ``scale``
        names the graded scale of both in a few words (``Result.scale`` says it in full).
        Ordered by the rank in the sample, then the left-out units.
    """
    a, b = _latest(sample), _latest(full)
    out = pd.DataFrame({"unit": [str(u) for u in b.index]})
    out["in_sample"] = out["unit"].isin([str(u) for u in a.index])
    a_idx = a.set_axis([str(u) for u in a.index])
    b_idx = b.set_axis([str(u) for u in b.index])
    out["rank_sample"] = out["unit"].map(a_idx["rank"]).astype("Int64")
    out["level_sample"] = out["unit"].map(a_idx["level"]).astype("string")
    out["rank_full"] = out["unit"].map(b_idx["rank"]).astype("Int64")
    out["level_full"] = out["unit"].map(b_idx["level"]).astype("string")
    both = out["level_sample"].notna() & out["level_full"].notna()
    out["level_changed"] = both & (out["level_sample"] != out["level_full"]).fillna(False)
    g = sample.spec.grade
    out["scale"] = describe_scale(g.method, thresholds=g.thresholds, k=g.k, labels=g.labels,
                                  short=True)
    out = out.sort_values(["in_sample", "rank_sample", "rank_full"], ascending=[False, True, True],
                          kind="stable", na_position="last").reset_index(drop=True)
    if changed_only:
        out = out[out["level_changed"] | ~out["in_sample"]].reset_index(drop=True)
    return out[SAMPLE_COLUMNS]
