"""Printable forms (HTML, PDF) and XLSForm files for KoboToolbox / ODK from a questionnaire.

:mod:`.layout` turns a questionnaire into a neutral list of blocks (no I/O); :mod:`.html`, :mod:`.pdf`
and :mod:`.xlsform` write files. :func:`write_form` picks the writer by the path's suffix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from territoria.errors import SpecError
from territoria.surveys.forms.html import write_html
from territoria.surveys.forms.pdf import write_pdf
from territoria.surveys.model import Questionnaire

__all__ = ["FORM_SUFFIXES", "write_form"]

FORM_SUFFIXES = (".html", ".pdf", ".xlsx")


def write_form(questionnaire: Questionnaire, path: str | Path, *, lang: str = "ru",
               sample: pd.DataFrame | None = None) -> Path:
    """Write the form in the format of ``path``'s suffix: ``.html``, ``.pdf`` (printable) or ``.xlsx`` (XLSForm)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        return write_html(questionnaire, path, lang=lang, sample=sample)
    if suffix == ".pdf":
        return write_pdf(questionnaire, path, lang=lang, sample=sample)
    if suffix == ".xlsx":
        from territoria.surveys.forms.xlsform import write_xlsform  # lazy: heavy optional dependency (openpyxl)
        return write_xlsform(questionnaire, path, default_lang=lang, sample=sample)
    raise SpecError("output", f"{path}: cannot write a form as {suffix or 'a file without suffix'!r}; "
                    f"use one of {', '.join(FORM_SUFFIXES)}")
