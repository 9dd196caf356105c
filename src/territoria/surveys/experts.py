"""From expert-form answers to the inputs of AHP and Kendall's W, and weights in the spec's format. No I/O.

* :func:`matrices_from_answers`: each response's pairwise fields (``l9`` ... ``1`` ... ``r9``, see
  :data:`~territoria.surveys.model.SAATY_CHOICES`) → one reciprocal matrix per expert;
* :func:`ratings_from_answers`: the answers to several ordinal questions → a raters × items table for
  :func:`~territoria.surveys.kendall.kendall_w` (answers marked ``missing`` in the scale are dropped with
  their rater, because W needs complete rankings);
* :func:`weights_table`: weights as the ``code,weight`` table that ``weight: {method: file}`` of an
  assessment spec reads (:func:`territoria.assess.io.read_weights`).
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from territoria.errors import DataError
from territoria.surveys.ahp import pairwise_from_judgements
from territoria.surveys.model import SAATY_CHOICES, Questionnaire, pair_name

__all__ = ["matrices_from_answers", "ratings_from_answers", "weights_table"]


def _rater_names(answers: pd.DataFrame, id_column: str | None) -> list[str]:
    if id_column and id_column in answers.columns:
        return [str(v) for v in answers[id_column]]
    return [f"row {r}" for r in answers.index]


def matrices_from_answers(answers: pd.DataFrame, questionnaire: Questionnaire, question: str, *,
                          id_column: str | None = None) -> dict[str, pd.DataFrame]:
    """One pairwise matrix per response to the pairwise ``question`` (incomplete responses are an error)."""
    q = questionnaire.question(question)
    if q.type != "pairwise":
        raise DataError(f"question {question!r} is of type {q.type!r}, not 'pairwise'")
    out = {}
    for name, (_, row) in zip(_rater_names(answers, id_column), answers.iterrows(), strict=True):
        judgements = {}
        for a, b in combinations(q.items, 2):
            value = row.get(pair_name(question, a, b))
            if value is None or (isinstance(value, float) and pd.isna(value)):
                raise DataError(f"expert {name}: no answer to the comparison {a!r} / {b!r} of {question!r}")
            judgements[(a, b)] = SAATY_CHOICES[str(value)]
        out[name] = pairwise_from_judgements(judgements, list(q.items), name=name)
    return out


def ratings_from_answers(answers: pd.DataFrame, questionnaire: Questionnaire, questions: list[str], *,
                         id_column: str | None = None) -> pd.DataFrame:
    """Raters × questions table of numeric answers; raters with a missing or "cannot judge" answer dropped."""
    table = pd.DataFrame(index=_rater_names(answers, id_column))
    for name in questions:
        q = questionnaire.question(name)
        missing = {c.name for c in questionnaire.scales[q.scale].choices if c.missing} if q.scale else set()
        values = [None if v is None or str(v) in missing else float(v) for v in answers[name]]
        table[name] = pd.to_numeric(pd.Series(values, index=table.index, dtype=object))
    return table.dropna()


def weights_table(weights: pd.Series) -> pd.DataFrame:
    """``code,weight`` rows (the format of :func:`territoria.assess.io.read_weights`)."""
    return pd.DataFrame({"code": [str(c) for c in weights.index], "weight": weights.to_numpy(dtype=float)})
