"""Checking survey responses exported from KoboToolbox, ODK Central or Google Forms against a questionnaire.

Every answer is judged against its question: a choice must be one of the scale's values (the value as
KoboToolbox / ODK export it, or its wording in any of ru / kk / en as Google Forms and "labels" exports
write it); a number must parse and lie within ``min`` .. ``max``; a required question must be answered
when it applies (``only_if``). Respondents must live in a sampled settlement. A submission id seen twice
(``_uuid``, ``meta/instanceID``, ``KEY``...) and a row whose answers repeat an earlier row word for word
are duplicates; the first occurrence is kept.

Headers are matched to questions by field name (with KoboToolbox ``group/`` or ODK ``group-`` prefixes)
or by the question's wording in any language. No I/O here: see :mod:`territoria.surveys.readers`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from territoria.errors import CellProblem, InputFileError
from territoria.surveys.model import Question, Questionnaire, field_choices, field_label

__all__ = ["ID_COLUMNS", "ResponseCheck", "check_responses", "detect_format", "normalise_text"]

#: Columns that carry a submission's identity, by export tool.
ID_COLUMNS = ("_uuid", "meta/instanceID", "meta-instanceID", "instanceID", "KEY")
_GOOGLE_TIMESTAMP = ("timestamp", "отметка времени", "временная метка")
_EMPTY = {"", "nan", "none", "n/a", "na"}


def normalise_text(value: object) -> str:
    """Case-, space- and ё-insensitive form of a header or an answer."""
    s = str(value).replace("\u00a0", " ").replace("ё", "е").replace("Ё", "Е")
    s = re.sub(r"\s+", " ", s).strip().rstrip("*:").strip()
    return s.casefold()


def detect_format(columns: Collection[str]) -> str:
    """``kobo``, ``odk``, ``google`` or ``generic`` from the export's column names."""
    cols = set(columns)
    if {"_uuid", "_submission_time", "_id"} & cols:
        return "kobo"
    if {"SubmissionDate", "KEY", "meta-instanceID"} & cols:
        return "odk"
    if any(normalise_text(c) in _GOOGLE_TIMESTAMP for c in list(columns)[:1]):
        return "google"
    return "generic"


@dataclass
class ResponseCheck:
    """What :func:`check_responses` found.

    Attributes
    ----------
    answers : DataFrame
        Every response row read, indexed by its row number in the file (header = row 1); one column per
        answer field, values as the questionnaire's choice values (text), numbers (float) or text; the unit
        question holds the settlement's code.
    problems : list of CellProblem
        Every bad cell, missing column and duplicate, located by row and column header.
    rejected : list of int
        Rows with at least one problem.
    columns : dict
        Field name → the header it was read from.
    format : str
        Detected export tool.
    """

    answers: pd.DataFrame
    problems: list[CellProblem]
    rejected: list[int]
    columns: dict[str, str]
    format: str
    file: str
    fatal: list[CellProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.fatal

    def kept(self) -> pd.DataFrame:
        """Answers of the rows without problems."""
        return self.answers.drop(index=self.rejected)

    def problems_frame(self) -> pd.DataFrame:
        rows = [{"row": p.row, "column": p.column, "value": p.value, "expected": p.expected}
                for p in [*self.fatal, *self.problems]]
        return pd.DataFrame(rows, columns=["row", "column", "value", "expected"])

    def raise_for_problems(self, *, skip_invalid: bool = False) -> None:
        """Raise :class:`InputFileError` listing the problems; with ``skip_invalid`` only structural ones."""
        if self.fatal or (self.problems and not skip_invalid):
            raise InputFileError(self.file, [*self.fatal, *([] if skip_invalid else self.problems)])


def _match_columns(columns: list[str], questionnaire: Questionnaire) -> dict[str, str]:
    by_name: dict[str, str] = {}
    for col in columns:
        last = re.split(r"[/-]", col.strip())[-1]
        by_name.setdefault(col.strip(), col)
        by_name.setdefault(last, col)
    by_text = {normalise_text(c): c for c in columns}
    found = {}
    for question, name in questionnaire.fields():
        if name in by_name:
            found[name] = by_name[name]
            continue
        for lang in ("ru", "kk", "en"):
            text = normalise_text(field_label(questionnaire, question, name, lang))
            if text in by_text:
                found[name] = by_text[text]
                break
    return found


def _choice_lookup(questionnaire: Questionnaire, question: Question,
                   name: str) -> tuple[dict[str, int], dict[str, str]]:
    names: dict[str, int] = {}
    texts: dict[str, str] = {}
    for value, label in field_choices(questionnaire, question, name):
        names[value] = len(names)
        texts[normalise_text(value)] = value
        for lang in ("ru", "kk", "en"):
            if getattr(label, lang):
                texts.setdefault(normalise_text(getattr(label, lang)), value)
    return names, texts


def _as_choice(raw: str, names: dict[str, int], texts: dict[str, str]) -> str | None:
    s = raw.strip()
    if s in names:
        return s
    try:
        f = float(s.replace(",", "."))
        if f.is_integer() and str(int(f)) in names:
            return str(int(f))
    except ValueError:
        pass
    return texts.get(normalise_text(s))


def _as_choices(raw: str, names: dict[str, int], texts: dict[str, str]) -> list[str] | None:
    tokens = raw.split()
    if tokens and all(t in names for t in tokens):
        return sorted(set(tokens), key=names.__getitem__)
    rest, chosen = normalise_text(raw), []
    for text in sorted(texts, key=len, reverse=True):
        if text and text in rest:
            chosen.append(texts[text])
            rest = rest.replace(text, " ")
    if chosen and not re.sub(r"[\s,;]+", "", rest):
        return sorted(set(chosen), key=names.__getitem__)
    return None


def _sample_lookup(sample: Collection[str] | pd.DataFrame | None) -> tuple[set[str] | None, dict[str, str]]:
    if sample is None:
        return None, {}
    if isinstance(sample, pd.DataFrame):
        codes = set(sample["code"].astype(str))
        names: dict[str, str] = {}
        for col in ("name_ru", "name_en", "name_kk", "name"):
            if col in sample.columns:
                for code, name in zip(sample["code"].astype(str), sample[col], strict=True):
                    if isinstance(name, str) and name.strip():
                        names.setdefault(normalise_text(name), code)
                        bare = re.sub(r"^(г|с|п|пос|ст|а)\.\s*", "", name.strip())
                        names.setdefault(normalise_text(bare), code)
        return codes, names
    return {str(c) for c in sample}, {}


def _as_unit(raw: str, codes: set[str] | None, names: dict[str, str]) -> str:
    s = raw.strip()
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    if codes is not None and s not in codes:
        return names.get(normalise_text(s), s)
    return s


def check_responses(raw: pd.DataFrame, questionnaire: Questionnaire, *,
                    sample: Collection[str] | pd.DataFrame | None = None, file: str = "<responses>",
                    identical: str = "reject") -> ResponseCheck:
    """Judge every answer of an export against the questionnaire and the sample (see the module docstring).

    Parameters
    ----------
    raw : DataFrame
        The export as text, one row per submission (:func:`~territoria.surveys.readers.read_responses`).
    questionnaire : Questionnaire
    sample : collection of codes or DataFrame, optional
        The sampled settlements: codes, or a table with ``code`` and ``name_ru/name_en/name_kk`` (then a
        settlement written by name, as in Google Forms, is matched to its code). ``None`` skips the check.
    file : str
        Name used in problems.
    identical : {"reject", "keep"}, default="reject"
        Whether a row repeating an earlier row's answers word for word is a duplicate.
    """
    header = [str(c) for c in raw.columns]
    columns = _match_columns(header, questionnaire)
    fatal = [CellProblem(file, 1, name, None, f"a column for question {q.name!r} (header {name!r} or its wording)")
             for q, name in questionnaire.fields() if name not in columns and q.required and q.only_if is None]
    codes, unit_names = _sample_lookup(sample)
    problems: list[CellProblem] = []
    rows = [int(i) + 2 for i in range(len(raw))]
    answers = pd.DataFrame(index=pd.Index(rows, name="row"))
    for question, name in questionnaire.fields():
        col = columns.get(name)
        values: list[object] = []
        cells = raw[col].tolist() if col else [None] * len(raw)
        names, texts = _choice_lookup(questionnaire, question, name)
        for row, cell in zip(rows, cells, strict=True):
            text = None if cell is None or (isinstance(cell, float) and pd.isna(cell)) else str(cell)
            if text is None or normalise_text(text) in _EMPTY:
                values.append(None)
                continue
            value: object = None
            expected = ""
            if question.type in ("select_one", "pairwise"):
                value = _as_choice(text, names, texts)
                expected = f"one of {sorted(names)} or their wording"
            elif question.type == "select_multiple":
                chosen = _as_choices(text, names, texts)
                value = " ".join(chosen) if chosen else None
                expected = f"values among {sorted(names)} separated by spaces, or their wording"
            elif question.type in ("integer", "decimal"):
                try:
                    number = float(text.strip().replace(",", "."))
                except ValueError:
                    number = None
                kind = "a whole number" if question.type == "integer" else "a number"
                bounds = f" from {question.min:g}" if question.min is not None else ""
                bounds += f" to {question.max:g}" if question.max is not None else ""
                expected = kind + bounds
                ok = number is not None and math.isfinite(number) and (
                    question.type == "decimal" or float(number).is_integer())
                ok = ok and (question.min is None or number >= question.min)  # type: ignore[operator]
                ok = ok and (question.max is None or number <= question.max)  # type: ignore[operator]
                value = number if ok else None
            elif question.type == "unit":
                value = _as_unit(text, codes, unit_names)
                if codes is not None and value not in codes:
                    expected = f"a settlement of the sample ({len(codes)} settlements); respondent outside the sample"
                    value = None
            else:
                value = text
            if value is None:
                problems.append(CellProblem(file, row, col, text, expected))
            values.append(value)
        answers[name] = pd.Series(values, index=answers.index, dtype=object)
    # required answers, where the question applies
    for question, name in questionnaire.fields():
        if not question.required or name not in columns:
            continue
        applies = pd.Series(True, index=answers.index)
        if question.only_if is not None:
            allowed = {str(v) for v in question.only_if.values}
            ref = answers[question.only_if.question]
            applies = ref.map(lambda v, allowed=allowed: v is not None and bool(set(str(v).split()) & allowed))
        bad_cells = {p.row for p in problems if p.column == columns[name]}
        for row in answers.index[answers[name].isna() & applies]:
            if row not in bad_cells:
                problems.append(CellProblem(file, int(row), columns[name], None,
                                            f"an answer (question {question.name!r} is required)"))
    problems.extend(_duplicates(raw, answers, rows, file, identical))
    rejected = sorted({p.row for p in problems if p.row is not None})
    return ResponseCheck(answers, problems, rejected, columns, detect_format(header), file, fatal)


def _duplicates(raw: pd.DataFrame, answers: pd.DataFrame, rows: list[int], file: str,
                identical: str) -> list[CellProblem]:
    out = []
    id_col = next((c for c in ID_COLUMNS if c in raw.columns), None)
    seen_id: dict[str, int] = {}
    if id_col is not None:
        for row, sid in zip(rows, raw[id_col].tolist(), strict=True):
            if sid is None or (isinstance(sid, float) and pd.isna(sid)):
                continue
            if sid in seen_id:
                out.append(CellProblem(file, row, id_col, sid, f"a new submission (duplicate of row {seen_id[sid]})"))
            else:
                seen_id[sid] = row
    if identical == "reject":
        seen: dict[tuple, int] = {}
        flagged = {p.row for p in out}
        for row, values in zip(rows, answers.itertuples(index=False), strict=True):
            key = tuple("" if v is None else str(v) for v in values)
            if not any(key):
                continue
            if key in seen and row not in flagged:
                out.append(CellProblem(file, row, None, "(all answers)",
                                       f"answers different from row {seen[key]} (identical row: a duplicate)"))
            else:
                seen.setdefault(key, row)
    return out
