"""Message catalogues: the method modules' codes, terms and column headers in Russian, Kazakh and English.

The method modules stay language-neutral: beside their English text they return message codes with
parameters, e.g. ``{"code": "status.change_pct", "params": {"indicator": "population_reported",
"pct": -4.21, ...}}``. This module words them from ``report/messages/<lang>.yaml``:

* ``messages``: texts with ``{name}`` or ``{name:spec}`` placeholders (``spec`` is a Python format
  spec such as ``+.1f``); an entry may choose its text by one parameter
  (``{select: held, "true": ..., "false": ...}``; ``null`` for a missing value, ``other`` otherwise);
* ``terms``: codes of the method modules and the spec (grade levels, blocks, horizons, groups...);
* ``headers``: the column headers of every table the reports and pages show.

Parameters are worded by their name: ``indicator`` becomes the catalogue's name of the indicator,
``op`` a symbol, ``status`` and ``rule`` the labels of the status and risk rule files, ``block``,
``group``, ``level``... their terms; a nested ``{"code", "params"}`` is worded in turn and a
``{"en", "ru", "kk"}`` mapping gives its own language. Numbers are written for the reader: in ru and kk
with a decimal comma and a (no-break) space between thousands, in en with a point and a comma; the
minus is U+2212. Integers (years, counts) are written as they are.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from territoria.catalog.catalogue import load_catalogue
from territoria.catalog.citations import citations

__all__ = ["LANGS", "PLACEHOLDER", "Translator", "catalogue_strings", "fill", "group_reason_code", "header", "headers",
           "in_language", "indicator_name", "measure_unit", "messages", "number", "term", "unit_name", "words_in"]

LANGS = ("ru", "kk", "en")
#: Position of each language in the (en, ru, kk) word tables of the interfaces.
_WORD_POSITION = {"en": 0, "ru": 1, "kk": 2}


def in_language(entry: Sequence[str], lang: str) -> str:
    """One entry of an (en, ru, kk) word table in ``lang``; English when the language is unknown or the
    entry has no word in it."""
    return entry[_WORD_POSITION.get(lang, 0)] or entry[0]


def words_in(table: Mapping[str, Sequence[str]], lang: str) -> dict[str, str]:
    """A whole (en, ru, kk) word table in ``lang`` (see :func:`in_language`)."""
    return {key: in_language(entry, lang) for key, entry in table.items()}
NBSP = "\u00a0"
#: The package's own catalogues are trusted and large: libyaml's safe loader when PyYAML was built with it.
_PACKAGE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
#: A ``{name}`` or ``{name:spec}`` placeholder (groups: name, spec).
PLACEHOLDER = _PLACEHOLDER


@cache
def messages(lang: str) -> dict[str, Any]:
    """The catalogue of ``lang`` (``headers``, ``terms``, ``messages``); English for an unknown language."""
    lang = lang if lang in LANGS else "en"
    text = resources.files("territoria.report").joinpath(f"messages/{lang}.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_PACKAGE_LOADER)


def _localise(text: str, lang: str) -> str:
    if lang in ("ru", "kk"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
    return text.replace("-", "−")


def number(value: Any, lang: str = "en", spec: str | None = None) -> str:
    """A number for the reader of ``lang``: 7 027 · −4,21 · 0,0633 (ru/kk); 7,027 · −4.21 (en).

    ``spec`` is a Python format spec (``.1f``, ``+.2f``); without it integers are written as they are
    and other numbers as :func:`territoria.dynamics.status.fmt` writes them (grouped thousands, three
    significant digits below 100).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if spec:
        return _localise(format(value, spec), lang)
    if isinstance(value, int):
        return str(value).replace("-", "−")
    v = float(value)
    if v.is_integer() and abs(v) >= 1:
        text = f"{v:,.0f}"
    elif abs(v) >= 100:
        text = f"{v:,.1f}"
    else:
        text = f"{v:.3g}"
    return _localise(text, lang)


def term(kind: str, key: Any, lang: str = "en") -> str:
    """The word for code ``key`` of ``kind`` (``level``, ``block``, ``group``...); the code when unknown."""
    if key is None:
        return ""
    for source in (lang, "en"):
        found = messages(source).get("terms", {}).get(kind, {}).get(str(key))
        if found is not None:
            return str(found)
    return str(key)


def _lookup(kind: str, key: Any, lang: str) -> str | None:
    found = messages(lang).get("terms", {}).get(kind, {}).get(str(key))
    return None if found is None else str(found)


_T1 = re.compile(r"^000 T1, (?P<horizon>short|medium|long) term, direction (?P<n>\d+)$")
_T2 = re.compile(r"^000 T2, rows? (?P<rows>[\d, \-–]+)$")
_TABLE1 = re.compile(r"^Table 1, (?P<horizon>short|medium|long) term, direction (?P<n>\d+)$")
_TABLE2 = re.compile(r"^Table 2, rows? (?P<rows>[\d, \-–]+)$")


def header(column: Any, lang: str = "en") -> str:
    """The header of a table column (years and unknown columns are left as they are)."""
    column = str(column)
    table = messages(lang).get("headers", {})
    if column in table:
        return str(table[column])
    if column.startswith("gap_group:"):
        group = column.split(":", 1)[1]
        return fill(str(table["gap_group"]), {"group": term("group", group, lang)}, lang)
    if column.endswith("_text") and column.removesuffix("_text") in table:
        return str(table[column.removesuffix("_text")])  # a time's worded twin is headed as the time
    if column in messages("en").get("headers", {}) and lang != "en":
        return str(messages("en")["headers"][column])
    return term("block", column, lang) if column in messages("en")["terms"]["block"] else column


def headers(columns: Iterable[Any], lang: str = "en") -> list[str]:
    """:func:`header` of every column."""
    return [header(c, lang) for c in columns]


def _select(entry: Any, params: Mapping[str, Any]) -> str:
    while isinstance(entry, dict) and "select" in entry:
        value = params.get(entry["select"])
        if value is None:
            key = "null"
        elif isinstance(value, bool):
            key = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            key = str(int(value))
        else:
            key = str(value)
        entry = entry.get(key, entry.get("other", ""))
    return str(entry)


def fill(template: str, params: Mapping[str, Any], lang: str = "en",
         word: Any = None) -> str:
    """``template`` with its ``{name}`` / ``{name:spec}`` placeholders filled from ``params``.

    ``word(name, value, spec)`` words a parameter (default: numbers by :func:`number`, the rest as text).
    """
    def one(match: re.Match[str]) -> str:
        name, spec = match.group(1), match.group(2)
        if name not in params:
            return match.group(0)
        value = params[name]
        if word is not None:
            return str(word(name, value, spec))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return number(value, lang, spec)
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(one, template)


@cache
def _overlay() -> dict[str, dict[str, str]]:
    text = resources.files("territoria.report").joinpath("messages/kk_indicators.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=_PACKAGE_LOADER)


def indicator_name(item: Any, lang: str) -> str:
    """A catalogue indicator's name in ``lang`` (Kazakh from ``messages/kk_indicators.yaml`` when the
    catalogue has none), English as the last resort."""
    own = getattr(item.name, lang, "") if lang in LANGS else ""
    if not own and lang == "kk":
        own = _overlay()["indicator"].get(item.id, "")
    return own or item.name.en


def unit_name(item: Any, lang: str) -> str:
    """A catalogue indicator's unit of measure in ``lang`` (see :func:`indicator_name`)."""
    return measure_unit({k: getattr(item.unit, k, "") for k in LANGS}, lang)


def measure_unit(unit: Mapping[str, str], lang: str) -> str:
    """A unit of measure given as ``{"en", "ru", "kk"}`` in ``lang``."""
    en = unit.get("en", "")
    own = unit.get(lang, "") if lang in LANGS else ""
    if lang == "kk" and (not own or (own == en and en not in ("%", "m²", "mg/m³"))):
        own = _overlay()["unit_of_measure"].get(en, own)
    return own or en


@lru_cache(maxsize=4)
def _status_labels(lang: str) -> dict[str, str]:
    from territoria.dynamics.status import load_status_rules  # lazy: heavy optional dependency (scipy, via dynamics)

    rules = load_status_rules()
    labels = {r.status: r.label.get(lang) for r in rules.statuses}
    labels[rules.default.status] = rules.default.label.get(lang)
    return labels


@lru_cache(maxsize=4)
def _risk_labels(lang: str) -> dict[str, str]:
    from territoria.diagnosis.risks import load_risk_rules  # lazy: heavy optional dependency (scipy, via diagnosis)

    return {r.id: r.label.get(lang) for r in load_risk_rules().rules}


@lru_cache(maxsize=1)
def _default_catalogue() -> Any:
    return load_catalogue()


_GROUP_REASONS = [
    (re.compile(r"^(?P<kind>\w+) \(urban status\) with population (?P<population>[\d,.]+)"
                r"(?: \((?P<year>\d{4})\))? < (?P<limit>[\d,.]+)$"), "group_reason.small_town"),
    (re.compile(r"^(?P<kind>\w+) \(urban status\) with population unknown$"), "group_reason.small_town_unknown"),
    (re.compile(r"^(?P<km>[\d.]+) km from the land border with (?P<country>[^(]+?) "
                r"\(geodesic; <= (?P<limit>[\d.]+) km\)$"), "group_reason.border"),
    (re.compile(r"^(?P<kind>\w+) \(rural status\); official support-settlement status: (?P<state>\w+)$"),
     "group_reason.village"),
    (re.compile(r"^official support-settlement list missing$"), "group_reason.list_missing"),
    (re.compile(r"^distance unknown: no coordinates$"), "group_reason.no_coordinates"),
    (re.compile(r"^bundled list: (?P<status>[^\[]+?) \[(?P<sources>.*)\]$"), "group_reason.bundled_list"),
]


def group_reason_code(text: str) -> dict[str, Any] | None:
    """The message code of a group membership's English reason (:mod:`territoria.groups` words its
    reasons in English only; their few fixed forms are read back here). None when the form is unknown."""
    for pattern, code in _GROUP_REASONS:
        match = pattern.match(str(text).strip())
        if match is None:
            continue
        params: dict[str, Any] = {}
        for key, value in match.groupdict().items():
            if value is not None and key in ("population", "limit", "km"):
                params[key] = float(value.replace(",", ""))
            elif key == "year":
                params[key] = None if value is None else int(value)
            else:
                params[key] = value
        return {"code": code, "params": params}
    return None


class Translator:
    """Words message codes, terms and headers in one language.

    Parameters
    ----------
    lang : {"ru", "kk", "en"}
    catalogue : Catalogue, optional
        For indicator names (default: the package's catalogue).
    """

    def __init__(self, lang: str = "en", *, catalogue: Any = None) -> None:
        self.lang = lang if lang in LANGS else "en"
        self.catalogue = catalogue if catalogue is not None else _default_catalogue()
        self._messages = messages(self.lang).get("messages", {})
        self._en = messages("en").get("messages", {})
        self.list_sep = ", " if self.lang == "en" else "; "

    # -- single words ------------------------------------------------------------------------
    def term(self, kind: str, key: Any) -> str:
        return term(kind, key, self.lang)

    def header(self, column: Any) -> str:
        return header(column, self.lang)

    def headers(self, columns: Iterable[Any]) -> list[str]:
        return headers(columns, self.lang)

    def number(self, value: Any, spec: str | None = None) -> str:
        return number(value, self.lang, spec)

    def indicator(self, code: str) -> str:
        try:
            item = self.catalogue[str(code)]
        except KeyError:
            return term("derived_series", code, self.lang)  # series the method derives (status.py)
        return indicator_name(item, self.lang)

    def status(self, code: str) -> str:
        if code == "insufficient_data":
            return term("status", code, self.lang)
        return _status_labels(self.lang).get(str(code), str(code))

    def citation(self, text: Any, *, items: Iterable[str] | None = None) -> str:
        """A citation of the rule files or the knowledge base (``seed 000, section 3, criterion 2``,
        ``000 T1, short term, direction 1``...) in the reader's words; items joined with "; "."""
        if items is None:
            if text is None or (isinstance(text, float) and math.isnan(text)):
                return ""
            items = str(text).split("; ")
        out = []
        for item in items:
            item = str(item)
            own = _lookup("citation", item, self.lang)
            if own is None and (m := _T1.match(item)):
                own = self.text("source.t1", {"horizon": self.term("horizon", m["horizon"]), "n": int(m["n"])})
            elif own is None and (m := _T2.match(item)):
                own = self.text("source.t2", {"rows": m["rows"]})
            elif own is None:
                own = self._cited(item)
            out.append(own if own is not None else item)
        return "; ".join(out)

    def _cited(self, item: str) -> str | None:
        """``<authors year>, <place>`` (the citation registry's form) with the place in the reader's words."""
        work = next((w for w in citations().values() if item == w.short or item.startswith(w.short + ", ")), None)
        if work is None or self.lang == "en":
            return None
        short = _lookup("citation", work.short, self.lang) or work.short
        at = item[len(work.short) + 2:]
        if not at:
            return short
        own = _lookup("citation", at, self.lang)
        if own is None and (m := _TABLE1.match(at)):
            own = self.text("source.table1", {"horizon": self.term("horizon", m["horizon"]), "n": int(m["n"])})
        elif own is None and (m := _TABLE2.match(at)):
            own = self.text("source.table2", {"rows": m["rows"]})
        return f"{short}, {own if own is not None else at}"

    def group_reason(self, text: Any) -> str:
        """A group membership's reason: its codes (a list of ``{code, params}``) worded, or its English text
        read back by :func:`group_reason_code` (tables made without codes)."""
        if isinstance(text, list):
            return "; ".join(self(v) if isinstance(v, dict) else self.group_reason(v) for v in text)
        if not text or self.lang == "en":
            return "" if text is None else str(text)
        coded = group_reason_code(str(text))
        return self(coded) if coded is not None else str(text)

    # -- messages ---------------------------------------------------------------------------
    def word(self, name: str, value: Any, spec: str | None = None, params: Mapping[str, Any] | None = None) -> str:
        """One parameter in the reader's words (rules in the module docstring)."""
        if value is None:
            return ""
        if isinstance(value, dict):
            if "code" in value:
                return self(value)
            if "en" in value:
                return measure_unit(value, self.lang) if name == "unit" else str(value.get(self.lang) or value["en"])
        if name == "source":
            return self.citation(None, items=value) if isinstance(value, list) else self.citation(value)
        if name == "indicator":
            return self.indicator(value)
        if name == "indicators":
            return " / ".join(self.indicator(v) for v in (value if isinstance(value, list) else [value]))
        if name == "path":
            return " → ".join(f"{int(y)} {self.number(float(v))}" for y, v in value)
        if name == "threshold" and isinstance(value, list):
            return "[" + self.list_sep.join(self.number(float(v)) for v in value) + "]"
        if name == "rule":
            label = _risk_labels(self.lang).get(str(value))
            return label or str((params or {}).get("label") or value)
        if name == "status":
            return self.status(value)
        if name == "reason":
            return self.group_reason(value)
        kinds = {"op": "op", "trend": "trend", "direction": "trend", "block": "block", "group": "group",
                 "target": "group", "level": "level", "level_from": "level", "level_to": "level", "kind": "kind",
                 "country": "country", "state": "support"}
        if name in kinds and isinstance(value, str):
            return self.term(kinds[name], value)
        if isinstance(value, list):
            return self.list_sep.join(self.word(name, v, spec) for v in value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.number(value, spec)
        return str(value)

    def text(self, code: str, params: Mapping[str, Any] | None = None) -> str:
        """The message ``code`` with ``params`` (the code itself when no catalogue has it)."""
        params = dict(params or {})
        entry = self._messages.get(code, self._en.get(code))
        if entry is None:
            return code
        template = _select(entry, params)
        return fill(template, params, self.lang,
                    word=lambda name, value, spec: self.word(name, value, spec, params))

    def __call__(self, coded: Mapping[str, Any] | None) -> str:
        """A ``{"code", "params"}`` message in the reader's words ("" for None)."""
        if not coded:
            return ""
        return self.text(str(coded["code"]), coded.get("params") or {})

    def codes(self, coded: str | list[Any] | None, *, sep: str = "; ") -> list[str]:
        """A JSON text or list of coded messages, each worded."""
        if coded is None or (isinstance(coded, float) and math.isnan(coded)):
            return []
        items = json.loads(coded) if isinstance(coded, str) else coded
        return [self(item) for item in (items or [])]


def catalogue_strings(lang: str = "en", *, min_letters: int = 4) -> set[str]:
    """Every fixed piece of text of the ``lang`` catalogue (messages split at their placeholders,
    terms and headers) that has a word of at least ``min_letters`` letters: what a page in another
    language must not show."""
    data = messages(lang)
    pieces: list[str] = []

    def texts(entry: Any) -> Iterable[str]:
        if isinstance(entry, dict):
            for key, value in entry.items():
                if key != "select":
                    yield from texts(value)
        else:
            yield str(entry)

    for entry in data.get("messages", {}).values():
        for text in texts(entry):
            pieces += [p.strip(" ();:,.[]→") for p in _PLACEHOLDER.split(text)[::3]]
    for table in data.get("terms", {}).values():
        pieces += [str(v) for v in table.values()]
    pieces += [str(v) for v in data.get("headers", {}).values()]
    word = re.compile(rf"[A-Za-z]{{{min_letters},}}")
    return {p for p in pieces if p and word.search(p)}
