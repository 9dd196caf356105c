"""Name → code matching across spellings, scripts and languages.

A table names a place as ``г.Мамлютка``, ``Mamlyutka``, ``Mamljutka``, ``Мамлют`` (Kazakh) or just ``Mamlyut``;
all of them must reach KATO code ``595220100``. Matching goes in tiers, from strict to loose, and stops at the
first tier that gives exactly one code:

1. **exact spelling key** — the name case-folded, transliterated to Latin and folded (see
   :mod:`territoria.ingest.transliterate`), punctuation removed, designators kept: ``г.Мамлютка`` →
   ``g mamlyutka``;
2. **exact name key** (:func:`normalise_name`) — the same with designators (г., с., п., пгт, ст., город, село,
   район, ауданы, облысы, district, region, область...) stripped from both ends: ``г.Мамлютка`` → ``mamlyutka``;
3. **unique prefix** of a name key (at least 4 letters): ``Mamlyutk`` → ``mamlyutka``.

4. **unique fuzzy match**: Levenshtein similarity :math:`100\\,(1 - d/(|a|+|b|))` (``rapidfuzz.fuzz.ratio``)
   of the name keys at or above ``threshold``, and only one code among the matches.

A name of exactly :data:`EXCEL_SHEET_LIMIT` (31) characters may be a sheet name cut by Excel: it is first
matched against every name it begins (letter for letter, or by its keys); one such name is the answer, several
are an ambiguity listing them (even when one of them is exactly those 31 characters), never a fuzzy guess.

Tiers 1–3 are dictionary / sorted-list look-ups, so exact hits cost nothing even for the 16,000 KATO units; only
tier 4 scans (in C++, through rapidfuzz). More than one code in a tier is an ambiguity and raises
:class:`AmbiguousNameError` listing the candidates; no match raises :class:`~territoria.errors.UnknownNameError`
with the three closest original spellings.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import pandas as pd
from rapidfuzz import fuzz, process

from territoria.errors import UnknownNameError
from territoria.ingest.names import LEVEL_WORDS, MAX_NAME_CHARS, name_key, normalise_name, suggest
from territoria.ingest.transliterate import language_of

__all__ = ["EXCEL_SHEET_LIMIT", "AmbiguousNameError", "NameMatcher", "language_of", "name_key", "normalise_name",
           "suggest"]

#: Excel cuts sheet names at 31 characters; a name of that length may be the start of a longer one.
EXCEL_SHEET_LIMIT = 31

class AmbiguousNameError(UnknownNameError):
    """A name matches more than one code; ``candidates`` lists them (codes), ``suggestions`` their spellings.

    ``places`` says where each candidate lies (its parents' names, in the language the name was written in)
    when the matcher knows the units' names: ``Есильский район [594200000] (Северо-Казахстанская область)``.
    """

    def __init__(self, kind: str, name: str, candidates: Sequence[str], suggestions: Iterable[str] = (),
                 places: Sequence[str] = ()) -> None:
        super().__init__(kind, name, suggestions)
        self.candidates = list(candidates)
        self.places = list(places)
        listed = ", ".join(self.places or self.suggestions)
        hint = ("add a region (or district) column, put the rows under a heading row naming their region, or "
                "pass --region" if kind == "unit" and self.places else "write the name in full or give the "
                "region or district it lies in")
        self.args = (f"ambiguous {kind} {name!r}: it matches {len(self.candidates)} {kind}s ({listed}); {hint}",)


class NameMatcher:
    """Match names written in any of the known spellings to codes.

    Parameters
    ----------
    spellings : mapping or DataFrame
        Known spellings: a mapping spelling → code, or a DataFrame with a ``code`` column and a ``name`` (or
        ``spelling``) column; one code may have many spellings and, in a DataFrame, one spelling many codes.
        Every code also matches itself (exactly, never fuzzily).
    kind : str, default="unit"
        What is matched, for messages ("unit", "indicator").
    threshold : float, default=88
        Minimum fuzzy similarity (0–100) for tier 4.
    scope : mapping, optional
        Parent of each code (code → parent code or None); needed by ``match(..., within=...)``.
    normaliser : callable, default=normalise_name
        Name key of tier 2 (e.g. :func:`name_key` for indicators, whose names have no designators).

    Examples
    --------
    >>> m = NameMatcher({"г.Мамлютка": "595220100", "Мамлютский район": "595200000"})
    >>> m.match("Mamljutka"), m.match("Mamlyutsky district")
    ('595220100', '595200000')
    """

    def __init__(self, spellings: Mapping[str, str] | pd.DataFrame, *, kind: str = "unit",
                 threshold: float = 88, scope: Mapping[str, str | None] | None = None,
                 normaliser: Callable[[object], str] = normalise_name,
                 names: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.kind, self.threshold, self.normaliser = kind, threshold, normaliser
        #: code → {"en", "ru", "kk"} names, to say where a unit lies (set by :meth:`for_units`)
        self.names: dict[str, dict[str, str]] = {str(k): dict(v) for k, v in (names or {}).items()}
        self.levels: dict[str, str] = {}   # code → level (set by :meth:`for_units`)
        self.scope: dict[str, str | None] = {str(k): (None if _blank(v) else str(v))
                                             for k, v in (scope or {}).items()}
        if isinstance(spellings, pd.DataFrame):
            name_col = "name" if "name" in spellings.columns else "spelling"
            # object arrays, not the columns: walking a pyarrow-backed column cell by cell costs most of the build
            pairs = list(zip(spellings[name_col].to_numpy(dtype=object), spellings["code"].to_numpy(dtype=object),
                             strict=True))
        else:
            pairs = list(spellings.items())
        pairs = [(str(s), str(c)) for s, c in pairs if not _blank(s) and not _blank(c)]
        self._raw: dict[str, set[str]] = {}
        self._core: dict[str, set[str]] = {}
        self._spellings: dict[str, list[str]] = {}   # code → original spellings
        self._by_core: dict[str, list[str]] = {}     # core key → original spellings
        for spelling, code in pairs:
            raw, core = name_key(spelling), normaliser(spelling)
            self._raw.setdefault(raw, set()).add(code)
            self._core.setdefault(core, set()).add(code)
            self._spellings.setdefault(code, [])
            if spelling not in self._spellings[code]:
                self._spellings[code].append(spelling)
            self._by_core.setdefault(core, [])
            if spelling not in self._by_core[core]:
                self._by_core[core].append(spelling)
        self._sorted_core = sorted(k for k in self._core if k)
        self._ancestors: dict[str, frozenset[str]] = {}
        self._area_codes: frozenset[str] | None = None
        self._known: frozenset[str] | None = None

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def for_units(cls, units: pd.DataFrame, *, levels: Iterable[str] | None = None,
                  threshold: float = 88) -> NameMatcher:
        """A unit matcher from a units table (columns code, name_en, name_ru, name_kk, level, parent).

        ``code`` may be the index instead of a column. ``levels`` keeps only units of those levels (e.g.
        ``["settlement"]`` so that a bare "Mamlyut" cannot mean the district); ``within`` still works
        through every level because the scope keeps all parents.
        """
        frame = units.reset_index() if "code" not in units.columns else units
        frame = frame.astype({"code": str})
        # object arrays, not the columns: walking a pyarrow-backed column cell by cell costs most of the build
        column = {c: frame[c].to_numpy(dtype=object) for c in ("code", "parent", "level") if c in frame.columns}
        scope = dict(zip(column["code"], column["parent"] if "parent" in column else [None] * len(frame),
                         strict=True))
        chosen = frame if levels is None else frame[frame["level"].isin(list(levels))]
        rows = [pd.DataFrame({"name": chosen[col], "code": chosen["code"]})
                for col in ("name_en", "name_ru", "name_kk") if col in chosen.columns]
        table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame({"name": [], "code": []})
        langs = [c for c in ("en", "ru", "kk") if f"name_{c}" in frame.columns]
        # the three name columns only: records of every column (some 16,000 units) cost most of the build
        names = {code: {lang: str(v) for lang, v in zip(langs, values, strict=True) if not _blank(v)}
                 for code, *values in zip(column["code"], *(frame[f"name_{lang}"].to_numpy(dtype=object)
                                                            for lang in langs), strict=True)}
        matcher = cls(table.dropna(), kind="unit", threshold=threshold, scope=scope, names=names)
        if "level" in frame.columns:
            matcher.levels = {str(c): str(v) for c, v in zip(column["code"], column["level"], strict=True)}
        return matcher

    # -- queries ------------------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        """Every known code."""
        return list(self._spellings)

    @property
    def known_codes(self) -> frozenset[str]:
        """Every code with a spelling or a place in ``scope``; built once (each table read asks for it, and the
        bundled units hold some 10,000 codes)."""
        if self._known is None:
            self._known = frozenset(self.scope) | frozenset(self._spellings)
        return self._known

    def spellings_of(self, code: str) -> list[str]:
        """Original spellings known for ``code``."""
        return list(self._spellings.get(code, []))

    def ancestors(self, code: str) -> frozenset[str]:
        """``code`` and every parent above it in ``scope``."""
        if code not in self._ancestors:
            chain, current, seen = [], code, set()
            while current is not None and current not in seen:
                seen.add(current)
                chain.append(current)
                current = self.scope.get(current)
            self._ancestors[code] = frozenset(chain)
        return self._ancestors[code]

    def _resolve_within(self, within: str | None) -> str | None:
        if within is None:
            return None
        within = str(within)
        if within in self.scope or within in self._spellings:
            return within
        return self.match_area(within)

    def match_area(self, name: object) -> str:
        """The code of a unit that contains others (region, district...) named by ``name`` or its code.

        A settlement that shares its name with its district ("Mamlyut") never wins over the district.
        """
        text = "" if _blank(name) else str(name).strip()
        if text in self.scope or text in self._spellings:
            return text
        return self.match(text, only=self.areas)

    @property
    def areas(self) -> frozenset[str]:
        """Codes of the units that contain others (the parents named in ``scope``)."""
        if self._area_codes is None:
            self._area_codes = frozenset(v for v in self.scope.values() if v is not None)
        return self._area_codes

    def name_of(self, code: str, lang: str = "en") -> str:
        """A unit's name in ``lang`` (else Russian, else English, else any spelling, else the code)."""
        names = self.names.get(code, {})
        return names.get(lang) or names.get("ru") or names.get("en") or next(iter(self._spellings.get(code, [])),
                                                                               code)

    def place_of(self, code: str, lang: str = "en") -> str:
        """``name [code] (parent, grandparent...)`` up to the region, in ``lang``."""
        chain, current, seen = [], self.scope.get(code), {code}
        while current is not None and current not in seen and self.scope.get(current) is not None:
            seen.add(current)
            chain.append(self.name_of(current, lang))
            current = self.scope.get(current)
        where = f" ({', '.join(chain)})" if chain else ""
        return f"{self.name_of(code, lang)} [{code}]{where}"

    def match(self, name: object, *, within: str | None = None, only: frozenset[str] | None = None,
              suggest: bool = True) -> str:
        """The code of ``name``.

        Parameters
        ----------
        name : object
            A name in any known spelling, script or language, or a code.
        within : str, optional
            A code (or name) of a unit the answer must lie in (itself or a descendant, through ``scope``).
        only : frozenset of str, optional
            The answer must be one of these codes.
        suggest : bool, default=True
            Whether an UnknownNameError carries suggestions; False when only "does it match?" is asked (the
            closest spellings are a scan of every known name, the dearest part of a failed match).

        Raises
        ------
        AmbiguousNameError
            Several codes match equally well (a subclass of UnknownNameError).
        UnknownNameError
            Nothing matches; ``suggestions`` holds the three closest original spellings.
        """
        text = "" if _blank(name) else str(name).strip()
        inside = self._resolve_within(within)

        def allowed(codes: Iterable[str]) -> list[str]:
            return sorted(c for c in codes if (inside is None or inside in self.ancestors(c))
                          and (only is None or c in only))

        if text in self._spellings and text in allowed([text]):
            return text
        raw, core = name_key(text), self.normaliser(text)
        if EXCEL_SHEET_LIMIT in (len(str(name)), len(text)):   # perhaps cut by Excel: every name it starts
            cut = allowed(self._starting_with(text) | self._raw.get(raw, set()) | self._core.get(core, set())
                          | self._prefix_codes(core))
            if len(cut) == 1:
                return cut[0]
            if len(cut) > 1:
                raise self._ambiguous(text, core, cut)
        for tier in (self._raw.get(raw, ()), self._core.get(core, ())):
            codes = allowed(tier)
            if len(codes) > 1:   # "Жамбыл облысы": the region, not the districts of that name
                words = set(raw.split())
                said = [lvl for lvl, w in LEVEL_WORDS.items() if words & w]
                codes = [c for c in codes if self.levels.get(c) in said] or codes
            if len(codes) == 1:
                return codes[0]
            if len(codes) > 1:
                raise self._ambiguous(text, core, codes)
        if len(core) > MAX_NAME_CHARS:   # not a name: no fuzzy tiers (their cost grows with the length)
            raise UnknownNameError(self.kind, f"{text[:60]}… ({len(text):,} characters)", [])
        prefixed = allowed(self._prefix_codes(core))
        if len(prefixed) == 1:  # several prefixed codes: let the fuzzy tier decide
            return prefixed[0]
        if core:
            found = process.extract(core, self._sorted_core, scorer=fuzz.ratio, limit=None,
                                    score_cutoff=self.threshold)
            best: dict[str, float] = {}
            for key, score, _pos in found:
                for c in allowed(self._core[key]):
                    best[c] = max(best.get(c, 0.0), score)
            if len(best) == 1:
                return next(iter(best))
            if len(best) > 1:
                raise self._ambiguous(text, core, sorted(best, key=lambda c: -best[c]))
        raise UnknownNameError(self.kind, text, self._closest(core, allowed) if suggest else [])

    def _starting_with(self, text: str) -> set[str]:
        """Codes with a spelling that begins with ``text`` letter for letter (case and ё/е aside)."""
        start = text.casefold().replace("ё", "е")
        return {code for code, spellings in self._spellings.items()
                if any(s.casefold().replace("ё", "е").startswith(start) for s in spellings)} if start else set()

    def _prefix_codes(self, core: str) -> set[str]:
        codes: set[str] = set()
        if len(core) >= 4:
            start = bisect.bisect_left(self._sorted_core, core)
            for key in self._sorted_core[start:]:
                if not key.startswith(core):
                    break
                codes |= self._core[key]
        return codes

    def _ambiguous(self, text: str, core: str, codes: Sequence[str]) -> AmbiguousNameError:
        labels = []
        for c in codes[:5]:
            spellings = self._spellings.get(c, [c])
            closest = max(spellings, key=lambda s: fuzz.ratio(core, self.normaliser(s)))
            labels.append(f"{closest} [{c}]")
        lang = language_of(text)
        places = [self.place_of(c, lang) for c in codes] if self.names else []
        return AmbiguousNameError(self.kind, text, list(codes), labels, places)

    def _closest(self, core: str, allowed: Callable[[Iterable[str]], list[str]], limit: int = 3) -> list[str]:
        if not core:
            return []
        out: list[str] = []
        for key, _score, _pos in process.extract(core, self._sorted_core, scorer=fuzz.WRatio, limit=60):
            if not allowed(self._core[key]):
                continue
            for spelling in self._by_core[key]:
                if spelling not in out and not spelling.isdigit():
                    out.append(spelling)
            if len(out) >= limit:
                break
        return out[:limit]

    def match_many(self, names: Iterable[object] | pd.Series, *,
                   within: str | None = None) -> tuple[pd.Series, list[UnknownNameError]]:
        """Match many names; each distinct name is matched once.

        Returns
        -------
        codes : pandas.Series of object
            The code of each name (None where it failed), indexed like ``names`` when it is a Series.
        problems : list of UnknownNameError
            One error per distinct name that failed, in order of first appearance.
        """
        series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
        done: dict[Hashable, str | None] = {}
        problems: list[UnknownNameError] = []
        for value in series:
            key = None if _blank(value) else str(value)
            if key in done:
                continue
            try:
                done[key] = self.match(key, within=within)
            except UnknownNameError as exc:
                done[key] = None
                problems.append(exc)
        codes = pd.Series([done[None if _blank(v) else str(v)] for v in series], index=series.index,
                          dtype=object, name="code")
        return codes, problems

    def __len__(self) -> int:
        return len(self._spellings)

    def __repr__(self) -> str:
        return f"NameMatcher(kind={self.kind!r}, codes={len(self._spellings)}, threshold={self.threshold})"


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()
