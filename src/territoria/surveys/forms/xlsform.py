"""XLSForm files (sheets ``survey``, ``choices``, ``settings``) for KoboToolbox and ODK Collect.

Follows the XLSForm specification (https://xlsform.org): one ``begin_group`` / ``end_group`` per section,
``select_one LIST`` / ``select_multiple LIST`` types with their lists on ``choices``, translated columns
``label::Russian (ru)``, ``label::Kazakh (kk)``, ``label::English (en)``. A Kazakh cell without a checked
wording repeats the Russian text (so the form falls back to Russian). The unit question becomes a
``select_one settlements`` list filled from the sample, or a 9-digit KATO text field without a sample.
A pairwise question becomes one ``select_one`` per pair on the 17-point Saaty scale (list per pair).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from territoria.surveys.model import Question, Questionnaire, field_choices, field_label

__all__ = ["LANGUAGE_COLUMNS", "write_xlsform", "xlsform_tables"]

LANGUAGE_COLUMNS = {"ru": "Russian (ru)", "kk": "Kazakh (kk)", "en": "English (en)"}
_CONSTRAINT_MSG = {"ru": "Значение вне допустимого диапазона", "kk": "", "en": "Value out of range"}


def _labels(prefix: str, text_of) -> dict[str, str]:
    return {f"{prefix}::{LANGUAGE_COLUMNS[lang]}": text_of(lang) for lang in LANGUAGE_COLUMNS}


def _relevant(question: Question) -> str:
    if question.only_if is None:
        return ""
    ref = question.only_if.question
    return " or ".join(f"selected(${{{ref}}}, '{v}')" for v in question.only_if.values)


def xlsform_tables(questionnaire: Questionnaire, *, default_lang: str = "ru",
                   sample: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The three sheets as DataFrames (no I/O)."""
    survey, choices = [], []
    section_of = {q.name: s for s in questionnaire.sections for q in s.questions}
    open_section = None
    for q, name in questionnaire.fields():
        section = section_of[q.name]
        if section is not open_section:
            if open_section is not None:
                survey.append({"type": "end_group", "name": open_section.name})
            survey.append({"type": "begin_group", "name": section.name, **_labels("label", section.label.get)})
            open_section = section
        row: dict[str, str] = {"name": name, "required": "yes" if q.required else "", "relevant": _relevant(q),
                               **_labels("label", lambda lang, q=q, name=name:
                                         field_label(questionnaire, q, name, lang))}
        if q.hint:
            row.update(_labels("hint", q.hint.get))
        if q.type == "unit":
            if sample is not None and len(sample):
                row["type"] = "select_one settlements"
                for _, unit in sample.iterrows():
                    names = {lang: str(unit.get(f"name_{lang}") or unit.get("name_ru") or unit.get("name") or "")
                             for lang in LANGUAGE_COLUMNS}
                    choices.append({"list_name": "settlements", "name": str(unit["code"]),
                                    **_labels("label", lambda lang, names=names, code=str(unit["code"]):
                                              f"{names[lang]} ({code})".strip() if names[lang] else code)})
            else:
                row.update({"type": "text", "constraint": "regex(., '^[0-9]{9}$')",
                            **_labels("constraint_message", lambda lang: "KATO: 9 цифр / 9 digits")})
        elif q.type in ("select_one", "select_multiple", "pairwise"):
            list_name = name if q.type == "pairwise" else q.scale or name
            row["type"] = f"{'select_multiple' if q.type == 'select_multiple' else 'select_one'} {list_name}"
            if q.type == "pairwise" or not any(c["list_name"] == list_name for c in choices):
                for value, text in field_choices(questionnaire, q, name):
                    choices.append({"list_name": list_name, "name": value, **_labels("label", text.get)})
        elif q.type in ("integer", "decimal"):
            row["type"] = q.type
            parts = ([f". >= {q.min:g}"] if q.min is not None else []) + ([f". <= {q.max:g}"] if q.max is not None
                                                                         else [])
            if parts:
                row["constraint"] = " and ".join(parts)
                row.update(_labels("constraint_message", lambda lang: _CONSTRAINT_MSG[lang] or _CONSTRAINT_MSG["ru"]))
        else:
            row["type"] = "text"
        survey.append(row)
    if open_section is not None:
        survey.append({"type": "end_group", "name": open_section.name})
    label_cols = [f"label::{v}" for v in LANGUAGE_COLUMNS.values()]
    survey_cols = ["type", "name", *label_cols, *[f"hint::{v}" for v in LANGUAGE_COLUMNS.values()], "required",
                   "relevant", "constraint", *[f"constraint_message::{v}" for v in LANGUAGE_COLUMNS.values()]]
    settings = pd.DataFrame([{"form_title": questionnaire.title.get(default_lang), "form_id": questionnaire.id,
                              "version": questionnaire.version,
                              "default_language": LANGUAGE_COLUMNS.get(default_lang, LANGUAGE_COLUMNS["ru"])}])
    def blank(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), "")

    return {"survey": blank(pd.DataFrame(survey).reindex(columns=survey_cols)),
            "choices": blank(pd.DataFrame(choices).reindex(columns=["list_name", "name", *label_cols])),
            "settings": settings}


def write_xlsform(questionnaire: Questionnaire, path: str | Path, *, default_lang: str = "ru",
                  sample: pd.DataFrame | None = None) -> Path:
    """Write the XLSForm workbook; upload it to KoboToolbox or ODK Central as it is."""
    tables = xlsform_tables(questionnaire, default_lang=default_lang, sample=sample)
    book = Workbook()
    book.remove(book.active)
    for sheet, frame in tables.items():
        ws = book.create_sheet(sheet)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([None if v == "" else v for v in row])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
