"""Errors in the reader's language: the coded form of :mod:`territoria.errors` worded from the catalogues
(and, beside them, what an accepted import says: its summary and notes, :func:`import_text`).

The CLI and the logs print an error's English text (``str(exc)``); the web pages show the same error in
their own language. Every located fact (file, sheet, row, column, value, key path) is kept as found; the
words around them come from ``report/messages/<lang>.yaml`` (``error.*``). A part that has no coded form
yet keeps its English text, inside the translated frame, rather than being dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from territoria.errors import (
    CellProblem,
    ConflictError,
    InputFileError,
    SpecError,
    TerritoriaError,
    UnknownNameError,
)
from territoria.report.messages import Translator

__all__ = ["error_text", "import_text", "problem_text", "written_for"]


def written_for(text: str, lang: str) -> bool:
    """Whether a unit of measure is written for a reader of ``lang`` (the catalogue accepts English and
    Russian spellings of each, "thousand tenge" and "тыс. тенге"; a symbol such as % suits every reader)."""
    latin = re.search(r"[A-Za-z]", text) is not None
    cyrillic = re.search(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", text) is not None
    return not cyrillic if lang == "en" else not latin


def _params(tr: Translator, params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters worded for the reader where the catalogue's ``fill`` cannot: the spellings of units
    of measure other than the reader's are left out."""
    out = dict(params)
    if isinstance(out.get("accepted"), (list, tuple)):
        out["accepted"] = ", ".join(a for a in out["accepted"] if written_for(str(a), tr.lang)) or ", ".join(
            map(str, out["accepted"]))
    return out


def _unknown_name(tr: Translator, exc: UnknownNameError) -> str:
    text = tr.text("error.unknown_name", {"what": exc.kind, "name": exc.name})
    if exc.suggestions:
        text = tr.text("error.did_you_mean", {"text": text, "suggestions": ", ".join(exc.suggestions)})
    return text


def _expected(tr: Translator, problem: CellProblem) -> str:
    if problem.code is None:
        return problem.expected
    params = _params(tr, problem.params or {})
    inner = params.pop("expected", None)
    if isinstance(inner, Mapping) and "code" in inner:  # a coded expectation wrapped by a hint
        params["expected"] = tr.text(f"error.expected.{inner['code']}", inner.get("params") or {})
    if params.get("unit_level"):
        params["unit_level"] = tr.term("unit_level", params["unit_level"])
    suggestions = params.get("suggestions") or []
    if params.get("what") == "indicator" and tr.lang != "en":
        suggestions = _indicator_ids(tr, suggestions)
    if suggestions:
        base = tr.text(f"error.expected.{problem.code}", params)
        return tr.text("error.expected.closest", {"expected": base, "suggestions": ", ".join(suggestions)})
    return tr.text(f"error.expected.{problem.code}", params)


def _indicator_ids(tr: Translator, suggestions: list[str]) -> list[str]:
    """Indicator suggestions as catalogue ids (the matcher suggests names in any of the three languages;
    an id reads the same in every one)."""
    ids = set(tr.catalogue.ids)
    by_name = {}
    for code in tr.catalogue.ids:
        item = tr.catalogue[code]
        for lang in ("en", "ru", "kk"):
            if getattr(item.name, lang, ""):
                by_name.setdefault(getattr(item.name, lang), code)
    found = [s if s in ids else by_name.get(s) for s in suggestions]
    return list(dict.fromkeys(f for f in found if f))


def problem_text(problem: CellProblem, tr: Translator, *, file: str | None = None) -> str:
    """One bad cell: where (file, sheet, row, column), the value found and what was expected."""
    where = [file if file is not None else problem.file]
    if problem.sheet is not None:
        where.append(tr.text("error.where.sheet", {"sheet": problem.sheet}))
    if problem.row is not None:
        where.append(tr.text("error.where.row", {"row": int(problem.row)}))
    if problem.column is not None:
        where.append(tr.text("error.where.column", {"column": problem.column}))
    found = (problem.params or {}).get("found")
    # a value the reader sees in words (a size, a sheet's dimension) rather than a cell's content as found
    value = tr(found) if isinstance(found, Mapping) and "code" in found else repr(problem.value)
    return tr.text("error.cell", {"where": ", ".join(where), "value": value, "expected": _expected(tr, problem)})


def error_text(exc: BaseException, lang: str, *, catalogue: Any = None, file: str | None = None,
               limit: int = 50) -> str:
    """``exc`` worded in ``lang`` (``str(exc)`` for English and for errors with no coded form).

    ``file`` replaces the file name the error names (a web upload is read from a temporary file whose
    name means nothing to its sender; ``""`` leaves a spec's name out); ``limit`` bad cells are listed,
    then how many more.
    """
    if lang == "en" and file is None:
        return str(exc)
    tr = Translator(lang, catalogue=catalogue)
    if isinstance(exc, InputFileError):
        name = file if file is not None else exc.file
        problems = list(exc.problems)
        lines = [tr.text("error.file_problems", {"file": name, "n": len(problems)})]
        lines += [f"  - {problem_text(p, tr, file=name)}" for p in problems[:limit]]
        if len(problems) > limit:
            lines.append("  " + tr.text("error.more_problems", {"n": len(problems) - limit}))
        return "\n".join(lines)
    if isinstance(exc, ConflictError):
        return "\n".join([tr.text("error.conflict", {"file": file if file is not None else exc.file, "n": exc.n}),
                          str(exc.conflicts)])
    if isinstance(exc, UnknownNameError):
        return _unknown_name(tr, exc)
    if isinstance(exc, SpecError):
        message = tr.text(exc.code, dict(exc.params)) if exc.code else exc.message
        path = tr.text("error.spec_root", {}) if exc.path in ("<root>", "<file>") else exc.path
        name = file if file is not None else exc.file
        where = f"{name}: {path}" if name else path
        return tr.text("error.spec", {"where": where, "message": message})
    if isinstance(exc, TerritoriaError) and exc.code:
        return tr.text(exc.code, _params(tr, exc.params))
    text = str(exc)
    return text if file is None else text.replace(getattr(exc, "file", "") or "\0", file)


def _earlier(tr: Translator, report: Any) -> list[str]:
    """The earlier imports of the same file from the report's facts (``applied_again``, ``other_options``)."""
    if getattr(report, "applied_again", None) is not None:
        return [tr.text("import.note.applied_again", {"import_id": int(report.applied_again)})]
    return [tr.text("import.note.other_options", {"import_id": int(i), "changed": ", ".join(keys)})
            for i, keys in getattr(report, "other_options", ())]


def import_text(report: Any, coded_notes: Sequence[Mapping[str, Any]], lang: str) -> tuple[str, list[str]]:
    """An accepted import's summary (rows read, new, already stored, revised, rejected; an earlier import of
    the same file) and its notes (``{"code", "params"}``, e.g. a hidden sheet not read), worded in ``lang``.
    ``report`` is a :class:`territoria.store.importing.ImportReport`."""
    tr = Translator(lang)
    facts = {"file": report.file, "import_id": int(report.import_id), "rows_read": int(report.rows_read)}
    if report.already_imported:
        summary = tr.text("import.already", facts)
    else:
        summary = tr.text("import.summary", {**facts, "rows_new": int(report.rows_new),
                                             "rows_same": int(report.rows_same),
                                             "rows_revised": int(report.rows_revised),
                                             "rows_rejected": int(report.rows_rejected),
                                             "derived": int(report.rows_derived or 0)})
    earlier = _earlier(tr, report)
    if earlier:
        summary += " (" + "; ".join(earlier) + ")"
    return summary, [tr(note) for note in coded_notes]
