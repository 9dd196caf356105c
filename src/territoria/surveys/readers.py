"""Reading survey files: questionnaires, response exports, samples, pairwise matrices, XLSForms.

The only module of :mod:`territoria.surveys` besides the writers that touches files. Every table is
read as text (``dtype=str``) so that codes keep their leading zeros and answers are judged by
:mod:`territoria.surveys.responses`, not by a CSV parser's guess.
"""

from __future__ import annotations

import csv
import hashlib
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from territoria.errors import CellProblem, InputFileError, SpecError
from territoria.surveys.ahp import pairwise_from_judgements
from territoria.surveys.model import Questionnaire

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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise SpecError("<file>", f"not valid YAML: {exc}", file=str(path)) from None
    return Questionnaire.from_mapping(raw, file=str(path))


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_text_table(path: Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    if not path.exists():
        raise InputFileError(str(path), [CellProblem(str(path), None, None, None, "an existing file")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, engine="openpyxl")
    elif suffix in (".csv", ".txt", ".tsv"):
        text = path.read_text(encoding="utf-8-sig")
        try:
            sep = csv.Sniffer().sniff(text[:20000], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
        frame = pd.read_csv(path, dtype=str, sep=sep, encoding="utf-8-sig", keep_default_na=False)
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
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        if not isinstance(raw, dict):
            raise SpecError("<root>", "expected a mapping expert -> matrix", file=str(path))
        out = {}
        for expert, body in raw.items():
            if isinstance(body, dict) and "matrix" in body:
                items = [str(i) for i in body.get("items", [])]
                values = [[float(Fraction(str(v))) for v in row] for row in body["matrix"]]
                out[str(expert)] = pd.DataFrame(values, index=items, columns=items)
            elif isinstance(body, dict):
                judgements = {}
                for key, value in body.items():
                    left, sep, right = str(key).partition(">")
                    if not sep:
                        raise SpecError(f"{expert}.{key}", "expected a key 'a > b'", file=str(path))
                    judgements[(left.strip(), right.strip())] = float(Fraction(str(value)))
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
    values = body.map(lambda s: float(Fraction(str(s).strip())))
    values.index = labels
    return {path.stem: values}


def read_rankings(path: str | Path) -> pd.DataFrame:
    """Raters × items table for Kendall's W: first column the rater, then one column per item."""
    frame = _read_text_table(Path(path))
    frame = frame.set_index(frame.columns[0])
    return frame.apply(pd.to_numeric, errors="coerce").where(frame.notna())


def read_xlsform(path: str | Path) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets of an XLSForm file, as text."""
    sheets = pd.read_excel(Path(path), sheet_name=None, dtype=str, engine="openpyxl")
    missing = [s for s in ("survey", "choices", "settings") if s not in sheets]
    if missing:
        raise InputFileError(str(path), [CellProblem(str(path), None, None, sorted(sheets),
                                                     f"sheets survey, choices and settings (missing {missing})")])
    return sheets
