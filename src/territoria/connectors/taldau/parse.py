"""Taldau answers → records. Pure functions of bytes (or decoded JSON); no I/O.

Value strings (ACCESS.md §1.5): a number, possibly with a decimal comma or spaces as thousands separators,
→ status ``ok``; ``"x"`` / ``"х"`` → ``confidential`` (no value); ``"-"`` → ``absent`` (no phenomenon, value
0); empty or null → ``missing``; anything else is a changed structure. Period dates are the **last day**
of the period (``dd.mm.yyyy``); the period code is ``MMYYYY`` with MM the last month of the period.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import date

import pandas as pd

from territoria.connectors.taldau.errors import StructureChangedError
from territoria.connectors.taldau.transport import html_title

__all__ = ["decode", "parse_attributes", "parse_index_data", "parse_period_list", "parse_segment_list",
           "parse_tree", "parse_value"]

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def decode(body: bytes, where: str) -> object:
    """JSON of ``body``; an HTML page or non-JSON bytes raise :class:`StructureChangedError` naming ``where``."""
    title = html_title(body)
    if title is not None:
        raise StructureChangedError(f"{where}: an HTML page ({title!r}) instead of JSON")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StructureChangedError(f"{where}: not JSON ({exc}); first bytes {body[:80]!r}") from None


def parse_value(raw: object, where: str = "value") -> tuple[float | None, str]:
    """``(value, status)`` of one Taldau value string.

    Examples
    --------
    >>> parse_value("1 234,5"), parse_value("x"), parse_value("-"), parse_value("")
    ((1234.5, 'ok'), (None, 'confidential'), (0.0, 'absent'), (None, 'missing'))
    """
    if raw is None:
        return None, "missing"
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if not math.isfinite(float(raw)):
            raise StructureChangedError(f"{where}: value {raw!r} is not a finite number")
        return float(raw), "ok"
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None, "missing"
    if text.casefold() in {"x", "х"}:  # Latin or Cyrillic
        return None, "confidential"
    if text in {"-", "–", "—"}:
        return 0.0, "absent"
    if _NUMBER.match(text) and math.isfinite(number := float(text.replace(",", "."))):
        return number, "ok"
    raise StructureChangedError(f"{where}: unknown value string {raw!r} (expected a number, 'x', '-' or empty)")


def _int(value: object, what: str, where: str) -> int:
    """An integer id (an int, an integral float or digits); anything else is a changed structure."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
            and float(value).is_integer():
        return int(value)
    raise StructureChangedError(f"{where}: {what} {value!r} is not an integer id")


def _need(obj: dict, key: str, where: str) -> object:
    if key not in obj:
        raise StructureChangedError(f"{where}: key {key!r} missing (keys present: {sorted(obj)})")
    return obj[key]


def _date(text: object, where: str) -> date:
    match = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", str(text).strip())
    if not match:
        raise StructureChangedError(f"{where}: period date {text!r} is not dd.mm.yyyy")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise StructureChangedError(f"{where}: period date {text!r} is not a date of the calendar") from None


def parse_index_data(obj: object, *, dics: Sequence[int], where: str) -> pd.DataFrame:
    """Long records of a ``GetIndexData`` cube.

    Parameters
    ----------
    obj : list
        Decoded answer: slices ``{terms, termNames, periods: [{name, date, value}]}``.
    dics : sequence of int
        Dictionary ids of the request, in order; every slice must carry one term per dictionary.
    where : str
        The request (for messages).

    Returns
    -------
    DataFrame
        One row per slice and period: ``term_<dic>`` (int) and ``name_<dic>`` per dictionary, ``period_name``,
        ``period_end`` (date), ``year``, ``period_code`` (MMYYYY), ``value`` (float or NaN), ``status``.

    Raises
    ------
    StructureChangedError
        Not a list, an empty cube, missing keys, a slice whose terms do not match ``dics``, an unknown value
        string, or the same term combination twice with the same period (a methodology break or a changed
        structure: never overwritten silently).
    """
    if not isinstance(obj, list):
        raise StructureChangedError(f"{where}: expected a list of slices, got {type(obj).__name__}")
    if not obj:
        raise StructureChangedError(f"{where}: empty cube (no slices); the segment's dics may not match "
                                    "a segment of this indicator")
    rows: list[dict[str, object]] = []
    n = len(dics)
    for s, piece in enumerate(obj):
        at = f"{where}: slice {s}"
        if not isinstance(piece, dict):
            raise StructureChangedError(f"{at}: expected an object, got {type(piece).__name__}")
        terms = _need(piece, "terms", at)
        names = _need(piece, "termNames", at)
        periods = _need(piece, "periods", at)
        if not isinstance(terms, list) or len(terms) != n:
            raise StructureChangedError(f"{at}: 'terms' {terms!r} should hold {n} term id(s), one per dic {list(dics)}")
        if not isinstance(names, list) or len(names) != n:
            raise StructureChangedError(f"{at}: 'termNames' {names!r} should hold {n} name(s)")
        if not isinstance(periods, list):
            raise StructureChangedError(f"{at}: 'periods' is not a list")
        ids = [_int(t, "term id", f"{at}: term ids {terms!r}") for t in terms]
        base = {f"term_{d}": t for d, t in zip(dics, ids, strict=True)}
        base.update({f"name_{d}": str(nm).strip() for d, nm in zip(dics, names, strict=True)})
        for p, period in enumerate(periods):
            pat = f"{at} ({'/'.join(str(nm) for nm in names)}), period {p}"
            if not isinstance(period, dict):
                raise StructureChangedError(f"{pat}: expected an object")
            end = _date(_need(period, "date", pat), pat)
            value, status = parse_value(_need(period, "value", pat), pat)
            rows.append({**base, "period_name": str(period.get("name", "")), "period_end": end,
                         "year": end.year, "period_code": f"{end.month:02d}{end.year}",
                         "value": float("nan") if value is None else value, "status": status})
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise StructureChangedError(f"{where}: the cube's slices hold no periods")
    key = [f"term_{d}" for d in dics] + ["period_end"]
    dup = frame.duplicated(key, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise StructureChangedError(
            f"{where}: term combination {[int(first[k]) for k in key[:-1]]} "
            f"({'/'.join(str(first[f'name_{d}']) for d in dics)}) appears twice for {first['period_end']}: "
            "two slices for one period (a methodology break?); nothing stored")
    return frame


def parse_period_list(obj: object, where: str) -> pd.DataFrame:
    """``GetPeriodList`` → DataFrame ``period_id, name``."""
    if not isinstance(obj, list) or not obj:
        raise StructureChangedError(f"{where}: expected a non-empty list of period types")
    out = []
    for i, item in enumerate(obj):
        if not isinstance(item, dict):
            raise StructureChangedError(f"{where}: item {i} is not an object")
        out.append({"period_id": _int(_need(item, "id", f"{where}: item {i}"), "id", f"{where}: item {i}"),
                    "name": str(item.get("name", item.get("text", "")))})
    return pd.DataFrame(out)


def _split(text: object, sep: str) -> list[str]:
    return [t.strip() for t in str(text or "").split(sep) if t.strip()]


def parse_segment_list(obj: object, where: str) -> pd.DataFrame:
    """``GetSegmentList`` → DataFrame ``dics`` (list of int), ``names``, ``total_terms``, ``total_names``."""
    if not isinstance(obj, list) or not obj:
        raise StructureChangedError(f"{where}: expected a non-empty list of segments")
    out = []
    for i, item in enumerate(obj):
        at = f"{where}: segment {i}"
        if not isinstance(item, dict):
            raise StructureChangedError(f"{at}: not an object")
        dics = [_int(d, "dic id", at) for d in _split(_need(item, "dicId", at), "+")]
        names = _split(item.get("names", ""), "+")
        terms = [_int(t, "term id", at) for t in _split(item.get("termIds", ""), ",")]
        if terms and len(terms) != len(dics):
            raise StructureChangedError(f"{at}: {len(dics)} dic(s) {dics} but {len(terms)} default term(s)")
        out.append({"segment": i, "dics": dics, "names": names, "total_terms": terms,
                    "total_names": _split(item.get("termNames", ""), ",")})
    return pd.DataFrame(out)


def parse_attributes(obj: object, where: str) -> dict[str, object]:
    """``GetIndexAttributes`` → ``{name, unit, path}``."""
    if not isinstance(obj, dict):
        raise StructureChangedError(f"{where}: expected an object")
    return {"name": str(_need(obj, "name", where)), "unit": str(_need(obj, "measureName", where)).strip(),
            "path": obj.get("path")}


def parse_tree(obj: object, where: str) -> pd.DataFrame:
    """``GetIndexTreeData`` level → DataFrame ``term, name, leaf`` (``leaf`` arrives as the string "true"/"false")."""
    if not isinstance(obj, list):
        raise StructureChangedError(f"{where}: expected a list of nodes")
    out = []
    for i, node in enumerate(obj):
        at = f"{where}: node {i}"
        if not isinstance(node, dict):
            raise StructureChangedError(f"{at}: not an object")
        leaf = str(_need(node, "leaf", at)).strip().lower()
        if leaf not in {"true", "false"}:
            raise StructureChangedError(f"{at}: 'leaf' is {node['leaf']!r}, expected 'true' or 'false'")
        out.append({"term": _int(_need(node, "id", at), "term id", at), "name": str(_need(node, "text", at)).strip(),
                    "leaf": leaf == "true"})
    return pd.DataFrame(out, columns=["term", "name", "leaf"])
