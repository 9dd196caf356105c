"""Reading survey files: questionnaires, response exports, samples, pairwise matrices, XLSForms.

The only module of :mod:`territoria.surveys` besides the writers that touches files. Every table is
read as text (``dtype=str``) so that codes keep their leading zeros and answers are judged by
:mod:`territoria.surveys.responses`, not by a CSV parser's guess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from territoria.errors import CellProblem, InputFileError, SpecError
from territoria.surveys.ahp import pairwise_from_judgements
from territoria.surveys.model import Questionnaire
from territoria.yamlfile import load_yaml

__all__ = [
    "bundled_questionnaires",
    "file_sha256",
    "read_pairwise",
    "read_questionnaire",
    "read_rankings",
    "read_responses",
    "read_sample",
    "read_xlsform",
]


def bundled_questionnaires() -> dict[str, Path]:
    """The questionnaires shipped with the package, by id (file stem)."""
    folder = resources.files("territoria.surveys").joinpath("questionnaires")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def read_questionnaire(path_or_name: str | Path) -> Questionnaire:
    """A questionnaire from a YAML file, or a bundled one by name (``residents_express``...)."""
    path = Path(path_or_name)
    if not path.exists():
        shipped = bundled_questionnaires()
        if str(path_or_name) not in shipped:
            raise SpecError("<file>", f"no questionnaire file {str(path)!r} and no bundled questionnaire of that "
                            f"name; bundled: {sorted(shipped)}")
        path = shipped[str(path_or_name)]
    return Questionnaire.from_mapping(load_yaml(path), file=str(path))


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_text_table(path: Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    if not path.exists():
        raise InputFileError(str(path), [CellProblem(str(path), None, None, None, "an existing file")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl/zipfile raise many types for a damaged workbook
            raise InputFileError(str(path), [CellProblem(str(path), None, None, type(exc).__name__,
                                                         "an .xlsx workbook (this file is not one, or it is damaged)")
                                             ]) from None
    elif suffix in (".csv", ".txt", ".tsv"):
        data = path.read_bytes()
        try:  # KoboToolbox / ODK write UTF-8; a CSV saved again by Excel on a Russian Windows is cp1251
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError as exc:
                raise InputFileError(str(path), [CellProblem(str(path), None, None, f"byte 0x{data[exc.start]:02x} "
                                                             f"at offset {exc.start}", "text in UTF-8 or Windows-1251")
                                                 ]) from None
        try:
            sep = csv.Sniffer().sniff(text[:20000], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
        try:  # a row longer than the header would otherwise shift the first column into the index
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(io.StringIO(text), dtype=str, sep=sep, keep_default_na=False, index_col=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning) as exc:
            raise InputFileError(str(path), [CellProblem(str(path), None, None, str(exc).strip()[:200],
                                                         f"a table with a header row, separated by {sep!r}, and no "
                                                         "row longer than the header")]) from None
    else:
        raise InputFileError(str(path), [CellProblem(str(path), None, None, suffix,
                                                     "a .csv or .xlsx file (KoboToolbox, ODK, Google Forms)")])
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.replace({"": None})


def read_responses(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """A response export (KoboToolbox / ODK Central / Google Forms) as text; row 1 is the header.

    CSV separators ``,`` ``;`` (KoboToolbox's default) and tab are detected; XLSX reads the first sheet unless
    ``sheet`` is given. Nothing is interpreted here: see :func:`territoria.surveys.responses.check_responses`.
    """
    return _read_text_table(Path(path), sheet=sheet)


def read_sample(path: str | Path) -> pd.DataFrame:
    """The sampled settlements: a CSV/XLSX with a ``code`` column (KATO) and optional ``name_ru/name_en/name_kk``."""
    path = Path(path)
    frame = _read_text_table(path)
    if "code" not in frame.columns:
        raise InputFileError(str(path), [CellProblem(str(path), 1, None, list(frame.columns),
                                                     "a column 'code' with the sampled settlements' KATO codes")])
    frame["code"] = frame["code"].str.strip()
    blank = frame.index[frame["code"].isna()]
    if len(blank):
        raise InputFileError(str(path), [CellProblem(str(path), int(i) + 2, "code", None, "a KATO code")
                                         for i in blank])
    return frame.drop_duplicates("code").reset_index(drop=True)


def _ratio(value: object, where: str, file: str) -> float:
    """A judgement as a number: ``3``, ``0.5`` or an exact fraction ``1/3``; else a SpecError naming ``where``."""
    try:
        number = float(Fraction(str(value).strip()))
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        number = 0.0
    if not number > 0:
        raise SpecError(where, f"found {value!r}, expected a positive number or a fraction like 1/3", file=file)
    return number


def read_pairwise(path: str | Path) -> dict[str, pd.DataFrame]:
    """Experts' pairwise matrices from a file.

    * CSV/XLSX in long form, columns ``expert,row,col,value`` (or ``matrix`` for ``expert``): ``value`` = how
      much ``row`` is preferred to ``col``; exact fractions such as ``1/3`` are accepted; unlisted pairs are the
      reciprocals;
    * CSV/XLSX as one square matrix: first column the row labels, header the same labels (one expert);
    * YAML: ``{expert: {items: [...], matrix: [[...], ...]}}`` or ``{expert: {"a > b": 3, ...}}``.
    """
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = load_yaml(path) or {}
        if not isinstance(raw, dict):
            raise SpecError("<root>", "expected a mapping expert -> matrix", file=str(path))
        out = {}
        for expert, body in raw.items():
            if isinstance(body, dict) and "matrix" in body:
                items = [str(i) for i in body.get("items", None) or []] if isinstance(body.get("items"), list) else []
                rows = body["matrix"]
                if not items or not isinstance(rows, list) or len(rows) != len(items) or \
                        any(not isinstance(row, list) or len(row) != len(items) for row in rows):
                    raise SpecError(f"{expert}.matrix", f"expected 'items' (a list) and a square matrix of "
                                    f"{len(items)} rows of {len(items)} values, one per item", file=str(path))
                values = [[_ratio(v, f"{expert}.matrix[{i}][{j}]", str(path)) for j, v in enumerate(row)]
                          for i, row in enumerate(rows)]
                out[str(expert)] = pd.DataFrame(values, index=items, columns=items)
            elif isinstance(body, dict):
                judgements = {}
                for key, value in body.items():
                    left, sep, right = str(key).partition(">")
                    if not sep:
                        raise SpecError(f"{expert}.{key}", "expected a key 'a > b'", file=str(path))
                    judgements[(left.strip(), right.strip())] = _ratio(value, f"{expert}.{key}", str(path))
                out[str(expert)] = pairwise_from_judgements(judgements, name=str(expert))
            else:
                raise SpecError(str(expert), "expected 'items' and 'matrix', or 'a > b: value' pairs", file=str(path))
        return out
    frame = _read_text_table(path)
    key = "expert" if "expert" in frame.columns else "matrix" if "matrix" in frame.columns else None
    if key and {"row", "col", "value"} <= set(frame.columns):
        out = {}
        for expert, part in frame.groupby(key, sort=False):
            judgements = {}
            for idx, (r, c, v) in part[["row", "col", "value"]].iterrows():
                try:
                    judgements[(str(r), str(c))] = float(Fraction(str(v).strip()))
                except (ValueError, ZeroDivisionError):
                    raise InputFileError(str(path), [CellProblem(str(path), int(idx) + 2, "value", v,
                                                                 "a positive number or fraction like 1/3")]) from None
            out[str(expert)] = pairwise_from_judgements(judgements, name=str(expert))
        return out
    labels = frame.iloc[:, 0].astype(str).tolist()
    body = frame.iloc[:, 1:]
    if list(body.columns) != labels:
        raise InputFileError(str(path), [CellProblem(str(path), 1, None, list(body.columns),
                                                     f"either columns expert,row,col,value or a square matrix whose "
                                                     f"header repeats the row labels {labels}")])
    values = body.map(lambda s: _ratio(s, "matrix", str(path)))
    values.index = labels
    return {path.stem: values}


def read_rankings(path: str | Path) -> pd.DataFrame:
    """Raters × items table for Kendall's W: first column the rater, then one column per item.

    A cell that is not a number is read as missing (Kendall's W names it); a blank or repeated rater and an
    infinite number (``inf``, ``1e999``) are refused with an InputFileError naming row, column and value.
    """
    path = Path(path)
    frame = _read_text_table(path)
    rater = frame.columns[0]
    raters = frame[rater].str.strip()
    problems = [CellProblem(str(path), int(i) + 2, rater, frame.at[i, rater],
                            "a rater id" if pd.isna(raters[i]) or not raters[i] else "a rater id not used above")
                for i in frame.index if pd.isna(raters[i]) or not raters[i] or raters[:i].eq(raters[i]).any()]
    frame[rater] = raters
    frame = frame.set_index(rater)
    values = frame.apply(pd.to_numeric, errors="coerce").where(frame.notna())
    problems += [CellProblem(str(path), pos + 2, item, frame.iat[pos, j], "a finite rank or score")
                 for pos, j in zip(*np.nonzero(np.isinf(values.to_numpy(dtype=float))), strict=True)
                 for item in [frame.columns[j]]]
    if problems:
        raise InputFileError(str(path), problems)
    return values


def read_xlsform(path: str | Path) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets of an XLSForm file, as text.

    Raises InputFileError naming the file when it is missing, not an .xlsx workbook (or damaged), lacks one of
    the three sheets, or a header lacks ``type``/``name`` (survey) or ``list_name``/``name`` (choices).
    """
    path = Path(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl/zipfile/zlib raise many types for a missing or damaged workbook
        raise InputFileError(str(path), [CellProblem(str(path), None, None, f"{type(exc).__name__}: {exc}"[:200],
                                                     "an existing .xlsx workbook (XLSForm) that is not damaged")
                                         ]) from None
    missing = [s for s in ("survey", "choices", "settings") if s not in sheets]
    if missing:
        raise InputFileError(str(path), [CellProblem(str(path), None, None, sorted(sheets),
                                                     f"sheets survey, choices and settings (missing {missing})")])
    problems = []
    for name, needed in (("survey", ["type", "name"]), ("choices", ["list_name", "name"])):
        sheets[name].columns = [str(c).strip() for c in sheets[name].columns]
        problems += [CellProblem(str(path), 1, column, list(sheets[name].columns), f"a column {column!r}",
                                 sheet=name) for column in needed if column not in sheets[name].columns]
    if problems:
        raise InputFileError(str(path), problems)
    return sheets
