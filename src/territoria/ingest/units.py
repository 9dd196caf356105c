"""Which unit each row of a table means: KATO code first, then the name within its parents.

Used by :mod:`territoria.ingest.readers`. For each row, in order:

1. a **KATO code** cell (a column headed "KATO", "Код КАТО", "code"... or one whose cells are 9-digit codes)
   decides when it is filled; a code the classifier does not know is an error, and so is a name in the same
   row that names another unit of the same region;
2. otherwise the **name**, matched within its **parents**: the region (and district) columns left of it
   ("Область | Район | 2015 ..."), else the scope given with ``--region``;
3. a name that several units share (Есильский, Жамбылский, Абайский, Актогайский районы) and that has no
   parent column is resolved by the nearest **row above** that names one of the candidates' regions or
   districts (a heading row "Северо-Казахстанская область" or a region total); failing that, one error per
   name lists the candidates with their parents, in the language the name is written in.

A unit outside the ``--region`` scope is an error naming the region it lies in, never dropped.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from territoria.errors import CellProblem, UnknownNameError
from territoria.ingest.matching import AmbiguousNameError, NameMatcher, language_of
from territoria.ingest.tables import KATO_CODE

__all__ = ["Failure", "resolve_units"]


@dataclass(frozen=True)
class Failure:
    """Why a row's unit could not be resolved: the cell (``column``, ``value``) and what was expected."""

    column: str | None
    value: object
    expected: str
    ambiguous: bool = False
    code: str | None = None
    params: Any = field(default=None, hash=False, compare=False)


class _Resolver:
    def __init__(self, matcher: NameMatcher, inside: str | None) -> None:
        self.m, self.inside = matcher, inside
        self.known = matcher.known_codes
        self._cache: dict[tuple[object, ...], str | Failure | AmbiguousNameError] = {}
        self._areas: dict[tuple[str, str | None], str | None] = {}

    def scope_text(self, lang: str) -> str:
        return self.m.place_of(self.inside, lang) if self.inside else ""

    def outside(self, code: str, column: str | None, value: object) -> Failure:
        lang = language_of(value)
        return Failure(column, value, f"a unit in {self.scope_text(lang)} (the --region of this import); "
                                      f"{self.m.place_of(code, lang)} lies outside it", code="outside_scope",
                       params={"scope": self.scope_text(lang), "place": self.m.place_of(code, lang)})

    def by_code(self, text: str, column: str | None) -> str | Failure:
        if not KATO_CODE.match(text) or text not in self.known:
            return Failure(column, text, "a 9-digit KATO code of the classifier (KATO of 17.10.2022)",
                           code="kato_code")
        if self.inside and self.inside not in self.m.ancestors(text):
            return self.outside(text, column, text)
        return text

    def area(self, text: str, within: str | None) -> str | None:
        key = (text, within)
        if key not in self._areas:
            try:
                code = self.m.match_area(text) if within is None else self.m.match(text, within=within)
            except UnknownNameError:
                code = None
            self._areas[key] = code
        return self._areas[key]

    def by_name(self, text: str, column: str | None, parents: Sequence[tuple[str, str | None]]
                ) -> str | Failure | AmbiguousNameError:
        key = (text, column, tuple(parents))
        if key in self._cache:
            return self._cache[key]
        within = self.inside
        result: str | Failure | AmbiguousNameError | None = None
        for parent_text, parent_col in parents:
            try:
                within = self.m.match(parent_text, within=within, only=self.m.areas)
            except UnknownNameError as exc:
                result = Failure(parent_col, parent_text, _expected(exc, "a region or district containing the unit"),
                                 code="parent_area", params={"suggestions": list(exc.suggestions)})
                break
        if result is None:
            result = self._name(text, column, within)
        self._cache[key] = result
        return result

    def _name(self, text: str, column: str | None, within: str | None) -> str | Failure | AmbiguousNameError:
        if not text.strip():
            return Failure(column, text, "a KATO code or a unit name (the cell is empty)", code="unit_empty")
        try:
            return self.m.match(text, within=within)
        except AmbiguousNameError as exc:
            return exc
        except UnknownNameError as exc:
            if self.inside is not None and within == self.inside:
                try:
                    return self.outside(self.m.match(text), column, text)
                except AmbiguousNameError as other:
                    lang = language_of(text)
                    return Failure(column, text, f"a unit in {self.scope_text(lang)} (the --region of this import); "
                                                 f"units of this name lie outside it: {'; '.join(other.places)}",
                                   code="outside_scope_many",
                                   params={"scope": self.scope_text(lang), "places": "; ".join(other.places)})
                except UnknownNameError:
                    pass
            return Failure(column, text, _expected(exc), code="known_name",
                           params={"what": exc.kind, "suggestions": list(exc.suggestions)})

    def by_context(self, exc: AmbiguousNameError, above: list[str]) -> str | None:
        """The one candidate that a row above names a region or district of (nearest row first)."""
        for text in reversed(above):
            code = self.area(text, self.inside)
            if code is None:
                continue
            hits = [c for c in exc.candidates if c != code and code in self.m.ancestors(c)]
            if len(hits) == 1:
                return hits[0]
        return None


def _expected(exc: UnknownNameError, what: str | None = None) -> str:
    text = what or f"a known {exc.kind} name or code"
    if exc.suggestions:
        text += f" (closest: {', '.join(exc.suggestions)})"
    return text


def resolve_units(frame: pd.DataFrame, labels: list[tuple[str | None, int, str]], matcher: NameMatcher, *,
                  inside: str | None, file: str) -> tuple[pd.Series, list[CellProblem]]:
    """The unit code of every record (None where it failed) and one problem per bad cell.

    ``frame`` has the reader's record columns (sheet, row, unit_text, unit_col, unit_fixed, code_text,
    code_col, parents); ``labels`` the unit texts of every row in file order, heading rows included.
    """
    r = _Resolver(matcher, inside)
    by_sheet: dict[str | None, tuple[list[int], list[str]]] = {}
    for sheet, row, text in labels:
        rows, texts = by_sheet.setdefault(sheet, ([], []))
        rows.append(row)
        texts.append(text)
    codes: list[str | None] = []
    problems: list[CellProblem] = []
    ambiguous: dict[tuple[object, str], list[int]] = {}
    context: dict[tuple[object, object, str], str | None] = {}
    ambiguous_exc: dict[tuple[object, str], tuple[AmbiguousNameError, dict[str, object]]] = {}
    for rec in frame.to_dict("records"):
        text = "" if rec["unit_text"] is None else str(rec["unit_text"])
        out: str | Failure | AmbiguousNameError
        if isinstance(rec["code_text"], str) and rec["code_text"]:
            out = r.by_code(rec["code_text"], rec["code_col"])
            if isinstance(out, str) and text and not rec["unit_fixed"] and text != rec["code_text"]:
                out = _same_unit(r, out, text, rec)
        else:
            parents = rec["parents"] if isinstance(rec["parents"], tuple) else ()
            out = r.by_name(text, None if rec["unit_fixed"] else rec["unit_col"], parents)
        if isinstance(out, AmbiguousNameError) and not parents:
            rows, texts = by_sheet.get(rec["sheet"], ([], []))
            spot = (rec["sheet"], rec["row"], text)
            if spot not in context:
                above = texts[:bisect.bisect_left(rows, rec["row"])] if not rec["unit_fixed"] else []
                context[spot] = r.by_context(out, above)
            out = context[spot] or out
        if isinstance(out, str):
            codes.append(out)
            continue
        codes.append(None)
        row = None if rec["unit_fixed"] else int(rec["row"])
        if isinstance(out, AmbiguousNameError):
            key = (rec["sheet"], text)
            ambiguous.setdefault(key, [])
            if row is not None and row not in ambiguous[key]:
                ambiguous[key].append(row)
            ambiguous_exc.setdefault(key, (out, rec))
            continue
        problems.append(CellProblem(file, row, out.column, out.value, out.expected, sheet=rec["sheet"],
                                    code=out.code, params=out.params))
    for key, (exc, rec) in ambiguous_exc.items():
        rows = ambiguous[key]
        places = exc.places or exc.suggestions
        also = f"; the same name in rows {', '.join(map(str, rows[1:]))}" if len(rows) > 1 else ""
        hint = ("give a KATO code column (the parent columns leave several)" if rec["parents"] else
                "add a region column, put the rows under a heading row naming their region, give a KATO code "
                "column or pass --region")
        expected = (f"a {exc.kind} name that matches one {exc.kind} only: {len(exc.candidates)} {exc.kind}s have it "
                    f"(candidates: {'; '.join(places)}); {hint}{also}")
        problems.append(CellProblem(file, rows[0] if rows else None, None if rec["unit_fixed"] else rec["unit_col"],
                                    key[1], expected, sheet=rec["sheet"], code="ambiguous",
                                    params={"parents": bool(rec["parents"]), "n": len(exc.candidates),
                                            "candidates": "; ".join(places),
                                            "more": ", ".join(map(str, rows[1:])) or None}))
    return pd.Series(codes, index=frame.index, dtype=object), problems


def _same_unit(r: _Resolver, code: str, text: str, rec: dict[str, object]) -> str | Failure:
    """The code of a row whose name cell, matched within the code's parent, names another unit: an error."""
    parent = r.m.scope.get(code)
    try:
        named = r.m.match(text, within=parent)
    except UnknownNameError:
        return code   # a spelling the classifier does not carry: the code decides
    if named == code:
        return code
    lang = language_of(text)
    return Failure(rec["code_col"], rec["code_text"],
                   f"the KATO code of the unit named in column {rec['unit_col']!r} ({text!r} is "
                   f"{r.m.place_of(named, lang)}, the code is {r.m.place_of(code, lang)})", code="kato_mismatch",
                   params={"column": rec["unit_col"], "name": text, "named": r.m.place_of(named, lang),
                           "place": r.m.place_of(code, lang)})
