"""Taldau endpoints as public clients observed them, and the canonical form of a request.

All paths start with the language segment ``/ru/`` (the only one public code used). A request is a
method, an endpoint path and its parameters; its *canonical form* is the JSON text
``{"endpoint": ..., "method": ..., "params": [[name, value], ...]}`` with parameters sorted by name and
every value a string. The cache key of a request is the SHA-256 of that text, so the same question asked
twice, with parameters in any order, hits the same cache entry.

References: ACCESS.md §1.2–1.4 (Cagey7/integr_taldau ``loader/utils.py``; etofiasko/taldau_link ``nlink.py``;
makenerzhan-gif/kazakhstan-economic-data ``scripts/fetchers/bns.py``; jbs-finance/macroradar).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = [
    "BASE_URL",
    "LANG",
    "ROOT_TERM",
    "Request",
    "index_attributes",
    "index_data",
    "index_periods",
    "period_list",
    "segment_list",
    "tree_data",
]

BASE_URL = "https://taldau.stat.gov.kz"
LANG = "ru"
#: Term id of "Республика Казахстан", the root of the territorial dictionaries.
ROOT_TERM = 741880


@dataclass(frozen=True)
class Request:
    """One question to Taldau: ``method`` ``/{LANG}/{endpoint}`` with ``params``."""

    endpoint: str
    params: tuple[tuple[str, str], ...] = ()
    method: str = "GET"

    @classmethod
    def make(cls, endpoint: str, params: Mapping[str, object] | None = None, method: str = "GET") -> Request:
        items = tuple(sorted((str(k), _text(v)) for k, v in (params or {}).items()))
        return cls(endpoint.strip("/"), items, method.upper())

    def canonical(self) -> str:
        """Canonical JSON text of the request (sorted parameters, string values)."""
        return json.dumps({"endpoint": self.endpoint, "method": self.method,
                           "params": [list(p) for p in self.params]}, ensure_ascii=False, sort_keys=True)

    def key(self) -> str:
        """SHA-256 (hex) of :meth:`canonical`: the cache key."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def path(self) -> str:
        return f"/{LANG}/{self.endpoint}"

    def url(self, base_url: str = BASE_URL) -> str:
        query = f"?{urlencode(self.params)}" if self.params and self.method == "GET" else ""
        return f"{base_url.rstrip('/')}{self.path()}{query}"

    def describe(self) -> str:
        """Human-readable form used in every error message: ``GET /ru/Api/GetIndexData/702972?period=7&...``."""
        query = urlencode(self.params)
        return f"{self.method} {self.path()}" + (f"?{query}" if query else "")


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


def _ids(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def period_list(index_id: int) -> Request:
    """Period types of an indicator: list of ``{id, name}`` (7 = year, 8 = month cumulative ...)."""
    return Request.make("Api/GetPeriodList", {"indexId": index_id})


def segment_list(index_id: int, period_id: int) -> Request:
    """Breakdowns ("segments") of an indicator for a period type: ``dicId``, ``names``, ``termIds`` ..."""
    return Request.make("Api/GetSegmentList", {"indexId": index_id, "periodId": period_id})


def index_attributes(index_id: int, period_id: int | None = None) -> Request:
    """Name, unit (``measureName``) and catalogue path of an indicator."""
    params: dict[str, object] = {"indexId": index_id}
    if period_id is not None:
        params["periodId"] = period_id
    return Request.make("Api/GetIndexAttributes", params)


def index_periods(index_id: int, period_id: int, dics: Iterable[int], terms: Iterable[int],
                  measure_id: int = 1) -> Request:
    """Dates available for one segment: parallel lists ``dateList``, ``periodNameList``, ``datesIds``."""
    return Request.make("Api/GetIndexPeriods", {
        "p_measure_id": measure_id, "p_index_id": index_id, "p_period_id": period_id,
        "p_terms": _ids(terms), "p_term_id": ROOT_TERM, "p_dicIds": _ids(dics)})


def index_data(index_id: int, period_id: int, dics: Iterable[int]) -> Request:
    """The whole cube of one segment: a list of slices ``{terms, termNames, periods[{name, date, value}]}``."""
    return Request.make(f"Api/GetIndexData/{index_id}", {"period": period_id, "dics": _ids(dics)})


def tree_data(index_id: int, period_id: int, dics: Iterable[int], terms: Iterable[int], *, idx: int,
              parent_id: int | None, measure_id: int = 1) -> Request:
    """One level of the tree of dictionary ``dics[idx]`` under ``parent_id``: nodes ``{id, text, leaf, ...}``."""
    return Request.make("Api/GetIndexTreeData", {
        "p_index_id": index_id, "p_period_id": period_id, "p_measure_id": measure_id, "p_dicIds": _ids(dics),
        "p_terms": _ids(terms), "p_term_id": ROOT_TERM, "idx": idx,
        "p_parent_id": "" if parent_id is None else parent_id})
