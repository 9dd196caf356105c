r"""Per-settlement summaries of checked responses: means and shares with confidence intervals.

For every measure of the questionnaire and every settlement, on the *n* valid answers (answers marked
``missing`` in the scale, e.g. "hard to say", and unanswered questions are left out and counted in
``n_excluded``):

* **mean** :math:`\bar x` with the Student interval :math:`\bar x \pm t_{n-1,\,1-\alpha/2}\, s/\sqrt n`
  (:math:`s` the sample standard deviation; no interval for :math:`n < 2`);
* **share** :math:`\hat p = x/n`, reported in percent, with the Wilson score interval
  (Wilson 1927; recommended over the Wald interval for small *n* and shares near 0 or 1 by Brown, Cai &
  DasGupta 2001):

  .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + z^2/n}.

Both assume a simple random sample of residents within the settlement and no weighting; a settlement
with fewer than ``min_n`` valid answers is flagged ``small_sample`` with a warning, its estimate is
indicative only. No I/O.

References
----------
Wilson, E.B. (1927) Probable inference, the law of succession, and statistical inference. *JASA* 22(158).
Brown, L.D., Cai, T.T. & DasGupta, A. (2001) Interval estimation for a binomial proportion. *Statistical
Science* 16(2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from territoria.errors import DataError
from territoria.surveys.model import Questionnaire

__all__ = ["DEFAULT_MIN_N", "SUMMARY_COLUMNS", "summarise", "to_observations", "wilson_interval"]

#: Fewer valid answers than this in a settlement earn a small-sample warning.
DEFAULT_MIN_N = 30
SUMMARY_COLUMNS = ["unit", "indicator", "question", "statistic", "n", "n_excluded", "estimate", "ci_low",
                   "ci_high", "confidence", "small_sample", "warning"]


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (as fractions in [0, 1]); NaNs for ``n = 0``."""
    if n == 0:
        return float("nan"), float("nan")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def _mean_interval(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    n = len(x)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def summarise(answers: pd.DataFrame, questionnaire: Questionnaire, *, confidence: float = 0.95,
              min_n: int = DEFAULT_MIN_N, units: list[str] | None = None) -> pd.DataFrame:
    """One row per (settlement, measure): n, estimate, interval, small-sample flag.

    Parameters
    ----------
    answers : DataFrame
        Checked answers (:meth:`ResponseCheck.kept`), one column per field, the unit question holding codes.
    questionnaire : Questionnaire
    confidence : float, default=0.95
    min_n : int, default=30
        Settlements with fewer valid answers to a measure get ``small_sample = True`` and a warning.
    units : list of str, optional
        Settlements to report even when nobody answered (e.g. the whole sample): rows with n = 0.

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_COLUMNS`; shares are in percent (0-100), means on the scale's values.
    """
    if not 0 < confidence < 1:
        raise DataError(f"confidence must be between 0 and 1, got {confidence!r}")
    unit_field = questionnaire.unit_question
    if unit_field not in answers.columns:
        raise DataError(f"answers have no column {unit_field!r} (the questionnaire's unit question)")
    codes = list(dict.fromkeys([*(units or []), *answers[unit_field].dropna().astype(str)]))
    rows = []
    for question, measure in questionnaire.measures():
        missing_values = set()
        if question.scale:
            missing_values = {c.name for c in questionnaire.scales[question.scale].choices if c.missing}
        counted = {str(v) for v in measure.values}
        for code in codes:
            cells = answers.loc[answers[unit_field].astype(str) == code, question.name]
            given = [v for v in cells if v is not None and not (isinstance(v, float) and np.isnan(v))]
            valid = [v for v in given if str(v) not in missing_values]
            n, excluded = len(valid), len(cells) - len(valid)
            if measure.statistic == "share":
                if question.type == "select_multiple":
                    hits = sum(bool(set(str(v).split()) & counted) for v in valid)
                else:
                    hits = sum(str(v) in counted for v in valid)
                lo, hi = wilson_interval(hits, n, confidence=confidence)
                est = 100.0 * hits / n if n else float("nan")
                lo, hi = 100.0 * lo, 100.0 * hi
            else:
                try:
                    x = np.array([float(v) for v in valid], dtype=float)
                except ValueError:
                    raise DataError(f"measure {measure.indicator!r}: question {question.name!r} has non-numeric "
                                    "answers; a mean needs numeric choice values") from None
                est, lo, hi = _mean_interval(x, confidence)
            small = n < min_n
            warning = ("no valid answers" if n == 0 else
                       f"only {n} valid answers (< {min_n}); indicative only" if small else "")
            rows.append({"unit": code, "indicator": measure.indicator, "question": question.name,
                         "statistic": measure.statistic, "n": n, "n_excluded": excluded, "estimate": est,
                         "ci_low": lo, "ci_high": hi, "confidence": confidence, "small_sample": small,
                         "warning": warning})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def to_observations(summary: pd.DataFrame, *, year: int, source_id: str,
                    include_small: bool = True) -> pd.DataFrame:
    """Store rows (unit, indicator, year, value, source_id, note) from a summary; n and the interval in ``note``.

    Rows without an estimate (n = 0) are left out; ``include_small=False`` also leaves out small samples.
    """
    keep = summary["estimate"].notna()
    if not include_small:
        keep &= ~summary["small_sample"].astype(bool)
    part = summary.loc[keep]

    def note(r: pd.Series) -> str:
        pct = f"{r['confidence'] * 100:g}%"
        ci = f"{pct} CI {r['ci_low']:.4g}-{r['ci_high']:.4g}" if pd.notna(r["ci_low"]) else "no CI"
        flag = "; small sample, indicative only" if r["small_sample"] else ""
        return f"survey {r['statistic']} of {r['question']}: n={int(r['n'])}; {ci}{flag}"

    return pd.DataFrame({
        "unit": part["unit"].astype(str).to_numpy(), "indicator": part["indicator"].to_numpy(),
        "year": int(year), "value": part["estimate"].astype(float).to_numpy(), "source_id": source_id,
        "note": [note(r) for _, r in part.iterrows()],
    })
