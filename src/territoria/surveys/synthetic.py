"""SYNTHETIC survey exports for tests and demonstrations — never data.

:func:`synthetic_export` draws random answers to a questionnaire for a set of settlements and writes
them the way KoboToolbox, ODK Central or Google Forms export them, with deliberate, labelled faults
(answers off the scale, respondents outside the sample, duplicates, missing required answers). Every
export carries a column ``synthetic`` = ``yes`` and the label of each row's fault is returned beside it.
No I/O; one seed, :func:`numpy.random.default_rng`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.surveys.model import SAATY_CHOICES, Questionnaire, field_choices, field_label

__all__ = ["FAULTS", "SyntheticExport", "synthetic_export"]

FAULTS = ("out_of_scale", "outside_sample", "duplicate", "missing_required")


@dataclass(frozen=True)
class SyntheticExport:
    """A synthetic export and its labels.

    ``export`` is the table as the tool writes it; ``fault`` gives, per export row (header = row 1, so the
    first response is row 2), the fault planted there or ``""``; ``unit`` the settlement each row was drawn for.
    """

    export: pd.DataFrame
    fault: pd.Series
    unit: pd.Series
    format: str


def _saaty_name(ratio: float) -> str:
    best = min(SAATY_CHOICES, key=lambda k: abs(np.log(SAATY_CHOICES[k]) - np.log(ratio)))
    return best


def synthetic_export(questionnaire: Questionnaire, units: pd.DataFrame | list[str], *, n_per_unit: int = 40,
                     seed: int = 0, format: str = "kobo", lang: str = "ru",
                     faults: dict[str, int] | None = None, outside: list[str] | None = None) -> SyntheticExport:
    """Random answers to every field for every settlement, exported like ``format``.

    Parameters
    ----------
    questionnaire : Questionnaire
    units : DataFrame with ``code`` (and ``name_ru``...) or list of codes
        Settlements drawn for; Google Forms exports write the settlement's name in ``lang``.
    n_per_unit : int, default=40
    seed : int, default=0
    format : {"kobo", "odk", "google"}, default="kobo"
    lang : str, default="ru"
        Language of headers and answers of a Google Forms export.
    faults : dict fault → count, optional
        How many rows of each kind in :data:`FAULTS` to plant.
    outside : list of str, optional
        Codes used for respondents outside the sample.
    """
    rng = np.random.default_rng(seed)
    table = units if isinstance(units, pd.DataFrame) else pd.DataFrame({"code": list(units)})
    codes = table["code"].astype(str).tolist()
    name_col = f"name_{lang}" if f"name_{lang}" in table.columns else "name_ru" if "name_ru" in table.columns else None
    unit_text = dict(zip(codes, table[name_col] if name_col else codes, strict=True))
    fields = questionnaire.fields()
    records, drawn_for = [], []
    for code in codes:
        probs = {}
        for q, name in fields:
            k = len(field_choices(questionnaire, q, name))
            probs[name] = rng.dirichlet(np.full(k, 2.0)) if k else None
        base = rng.dirichlet(np.full(8, 3.0))
        for _ in range(n_per_unit):
            answer: dict[str, object] = {}
            for q, name in fields:
                choices = field_choices(questionnaire, q, name)
                if q.only_if is not None:
                    ref = str(answer.get(q.only_if.question) or "")
                    if not set(ref.split()) & {str(v) for v in q.only_if.values}:
                        answer[name] = None
                        continue
                if q.type == "unit":
                    answer[name] = code
                elif q.type == "pairwise":
                    _, left, right = name.split("__")
                    w = dict(zip(q.items, base[:len(q.items)] * rng.lognormal(0, 0.2, len(q.items)), strict=True))
                    answer[name] = _saaty_name(w[left] / w[right])
                elif q.type == "select_one":
                    answer[name] = choices[int(rng.choice(len(choices), p=probs[name]))][0]
                elif q.type == "select_multiple":
                    picked = [c for c, _ in choices if rng.random() < 0.25] or [choices[0][0]]
                    answer[name] = " ".join(picked)
                elif q.type in ("integer", "decimal"):
                    lo, hi = q.min if q.min is not None else 0, q.max if q.max is not None else 100
                    answer[name] = int(rng.integers(int(lo), int(hi) + 1))
                else:
                    answer[name] = None if rng.random() < 0.7 else "синтетический ответ / synthetic answer"
            records.append(answer)
            drawn_for.append(code)
    frame = pd.DataFrame(records, columns=[n for _, n in fields])
    label = pd.Series([""] * len(frame))
    # plant the faults on distinct rows
    order = list(rng.permutation(len(frame)))
    plan = {k: int(v) for k, v in (faults or {}).items()}
    choice_fields = [n for q, n in fields if q.type == "select_one" and q.required and q.only_if is None]
    required = [n for q, n in fields if q.required and q.only_if is None and q.type != "unit"]
    duplicates = []
    for kind in FAULTS:
        for _ in range(plan.get(kind, 0)):
            i = order.pop()
            label[i] = kind
            if kind == "out_of_scale":
                frame.at[i, choice_fields[int(rng.integers(len(choice_fields)))]] = "77"
            elif kind == "outside_sample":
                frame.at[i, questionnaire.unit_question] = (outside or ["000000000"])[0]
                unit_text.setdefault((outside or ["000000000"])[0], (outside or ["000000000"])[0])
            elif kind == "missing_required":
                frame.at[i, required[int(rng.integers(len(required)))]] = None
            else:
                label[i] = ""
                duplicates.append(i)
    export = _as_export(frame, questionnaire, format, lang, unit_text, rng)
    units_col = pd.Series(drawn_for)
    if duplicates:
        export = pd.concat([export, export.iloc[duplicates]], ignore_index=True)
        label = pd.concat([label, pd.Series(["duplicate"] * len(duplicates))], ignore_index=True)
        units_col = pd.concat([units_col, units_col.iloc[duplicates]], ignore_index=True)
    index = pd.RangeIndex(2, len(export) + 2, name="row")
    return SyntheticExport(export.reset_index(drop=True), pd.Series(label.to_numpy(), index=index, name="fault"),
                           pd.Series(units_col.to_numpy(), index=index, name="unit"), format)


def _as_export(frame: pd.DataFrame, questionnaire: Questionnaire, format: str, lang: str,
               unit_text: dict[str, str], rng: np.random.Generator) -> pd.DataFrame:
    fields = questionnaire.fields()
    section_of = {q.name: s.name for s in questionnaire.sections for q in s.questions}
    n = len(frame)
    stamps = pd.Timestamp("2000-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 86400 * 30, n)), unit="s")
    ids = [str(uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | i)) for i in range(n)]
    out = pd.DataFrame(index=frame.index)
    if format == "google":
        out["Отметка времени" if lang == "ru" else "Timestamp"] = stamps.strftime("%d.%m.%Y %H:%M:%S")
    elif format == "kobo":
        out["start"] = stamps.strftime("%Y-%m-%dT%H:%M:%S")
    elif format == "odk":
        out["SubmissionDate"] = stamps.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    else:
        raise ValueError(f"format must be 'kobo', 'odk' or 'google', got {format!r}")
    for q, name in fields:
        values = frame[name]
        if format == "google":
            header = field_label(questionnaire, q, name, lang)
            labels = {v: t.get(lang) for v, t in field_choices(questionnaire, q, name)}
            if q.type == "unit":
                values = values.map(lambda v: unit_text.get(v, v) if v is not None else None)
            elif q.type == "select_multiple":
                values = values.map(lambda v, labels=labels: ", ".join(labels.get(t, t) for t in v.split())
                                    if v else None)
            elif labels:
                values = values.map(lambda v, labels=labels: labels.get(v, v) if v is not None else None)
            out[header] = values
        else:
            sep = "/" if format == "kobo" else "-"
            out[f"{section_of[q.name]}{sep}{name}"] = values
            if q.type == "select_multiple" and format == "kobo":
                for value, _ in field_choices(questionnaire, q, name):
                    out[f"{section_of[q.name]}/{name}/{value}"] = values.map(
                        lambda v, value=value: None if v is None else int(value in str(v).split()))
    if format == "kobo":
        out["_id"] = np.arange(1, n + 1)
        out["_uuid"] = ids
        out["_submission_time"] = stamps.strftime("%Y-%m-%dT%H:%M:%S")
    elif format == "odk":
        out["meta-instanceID"] = [f"uuid:{i}" for i in ids]
        out["KEY"] = [f"uuid:{i}" for i in ids]
    out["synthetic"] = "yes"
    return out.astype(object).where(out.notna(), None).map(lambda v: None if v is None else str(v))
