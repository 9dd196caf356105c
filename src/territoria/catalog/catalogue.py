"""The indicator catalogue: what each indicator means, its block, direction and formula.

The catalogue is a YAML data file shipped in the package (``catalog/indicators.yaml``), validated on
load with pydantic. Two kinds of entries live in it:

* **series** (``block: null``): published absolute figures the system is built from — population on
  1 January, industrial output, GRP by activity... They carry a canonical unit and the unit spellings
  accepted on import with their conversion factor (e.g. ``thousand tenge: 1000`` to tenge).
* **system indicators** (``block`` set, ``slot`` like ``S1``..``N5``): the relative indicators of the
  method, 11 social, 11 economic, 7 infrastructural and 5 environmental. A derived one has a
  ``formula`` saying how it is built from series.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from territoria.errors import SpecError, UnknownNameError
from territoria.yamlfile import load_yaml

__all__ = ["BLOCKS", "BLOCK_SIZES", "Catalogue", "Formula", "Indicator", "Labels", "load_catalogue"]

Block = Literal["social", "economic", "infrastructural", "environmental"]
Level = Literal["country", "region", "district", "settlement"]
BLOCKS: tuple[str, ...] = ("social", "economic", "infrastructural", "environmental")
#: The method's system: 34 relative indicators (Turkeeva, Omarov & Abilkaiyr 2022).
BLOCK_SIZES: dict[str, int] = {"social": 11, "economic": 11, "infrastructural": 7, "environmental": 5}
SLOT_PREFIX: dict[str, str] = {"S": "social", "E": "economic", "I": "infrastructural", "N": "environmental"}

Kind = Literal[
    "absolute",          # a published level (persons, tenge, tonnes)
    "as_published",      # a rate or share published as such
    "per_capita",
    "per_1000",
    "per_10000",
    "per_100",
    "share",             # 100 * part / whole
    "growth",            # 100 * (x_t / x_{t-1} - 1)
    "ratio_to_national", # x_unit / x_national
    "index",             # composite built from several series (e.g. inverse Herfindahl)
]


class Labels(BaseModel):
    """A text in the three languages; ``kk`` may be empty where no checked wording exists."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    ru: str = ""
    kk: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to Russian then English when it is empty."""
        return getattr(self, lang, "") or self.ru or self.en


class Formula(BaseModel):
    """How a derived indicator is computed from series of the catalogue.

    * per-capita kinds, ``share`` and ``ratio_to_national``: ``q = scale * sum(numerator) / sum(denominator)``
      (``q = scale * sum(numerator)`` without a denominator); ``ratio_to_national`` then divides ``q`` of a
      unit by ``q`` of the national reference: the country row (``country_row``) or
      ``sum(numerator) / sum(denominator)`` over the regional units present (``sum_of_units``);
    * ``growth``: ``100 * (x_t / x_{t-1} - 1)`` with ``x = sum(numerator)``;
    * ``method: index_minus_100``: ``x - 100`` for a published "previous year = 100" index;
    * ``method: inverse_herfindahl``: ``1 / sum_k s_k**2`` with ``s_k = x_k / sum_j x_j`` over the parts named
      in ``numerator``; ``groups`` merges parts into one group (their sum) and negative parts count as 0.

    ``by_year`` replaces the formula in the years it names (e.g. a denominator on other borders);
    ``fallback`` is used for a (unit, year) where this formula yields no value; ``levels`` limits a formula
    (typically a fallback) to units of those levels (e.g. population change of districts from the
    1 January stock, which has no published annual average).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    numerator: str | list[str]
    denominator: str | list[str] | None = None
    scale: float = 1.0
    national_reference: Literal["country_row", "sum_of_units", "none"] = "none"
    method: Literal["auto", "index_minus_100", "inverse_herfindahl"] = "auto"
    groups: dict[str, list[str]] = Field(default_factory=dict)
    by_year: dict[int, Formula] = Field(default_factory=dict)
    fallback: Formula | None = None
    levels: list[Literal["country", "region", "district", "settlement"]] | None = None
    note: str = ""

    def series(self) -> list[str]:
        """Every series id this formula (with its by-year and fallback variants) reads."""
        names: list[str] = []
        for part in (self.numerator, self.denominator):
            if part is not None:
                names.extend([part] if isinstance(part, str) else part)
        for members in self.groups.values():
            names.extend(members)
        for variant in (*self.by_year.values(), self.fallback):
            if variant is not None:
                names.extend(variant.series())
        return list(dict.fromkeys(names))

    def text(self, kind: str = "") -> str:
        """A one-line human-readable form, e.g. ``1000 * natural_increase / population_1jan``."""
        def _sum(part: str | list[str] | None) -> str:
            if part is None:
                return ""
            return part if isinstance(part, str) else "(" + " + ".join(part) + ")"

        if self.method == "index_minus_100":
            core = f"{_sum(self.numerator)} - 100"
        elif self.method == "inverse_herfindahl":
            core = f"1 / sum(s_k^2) over {_sum(self.numerator)}"
        elif kind == "growth":
            core = f"100 * (x_t / x_(t-1) - 1), x = {_sum(self.numerator)}"
        else:
            factor = int(self.scale) if float(self.scale).is_integer() else self.scale
            scale = "" if self.scale == 1 else f"{factor} * "
            core = f"{scale}{_sum(self.numerator)}" + (f" / {_sum(self.denominator)}" if self.denominator else "")
        if self.national_reference != "none":
            core = f"[{core}]_unit / [{core}]_national ({self.national_reference})"
        return core

Formula.model_rebuild()


class Indicator(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Labels
    unit: Labels
    block: Block | None = None
    slot: str | None = Field(default=None, pattern=r"^[SEIN]\d{1,2}$")
    direction: Literal[-1, 0, 1] = 0
    kind: Kind = "absolute"
    formula: Formula | None = None
    accepts_units: dict[str, float] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    applies_to: Literal["all", "regions_only", "cities_only"] = "all"
    masked_years: list[int] = Field(default_factory=list)
    additive: bool = False  # absolute counts that may be summed over units (old map = sum of parts)
    smoothing: int = Field(default=1, ge=1, le=5)
    grade: Literal["A", "B", "C", ""] = ""
    levels: list[Literal["country", "region", "district", "settlement"]] = Field(
        default_factory=lambda: ["country", "region", "district", "settlement"])
    rationale: str = ""
    sources: list[str] = Field(default_factory=list)
    #: Plausible values ``[min, max]`` in the canonical unit; an import outside them is refused.
    range: tuple[float, float] | None = None
    #: Narrower plausible values for units of a level (population of a district vs. of a region).
    range_by_level: dict[Level, tuple[float, float]] = Field(default_factory=dict)

    def plausible_range(self, level: str | None = None) -> tuple[float, float]:
        """``(min, max)`` a value of this indicator may take for a unit of ``level`` (any finite value if unset)."""
        if level is not None and level in self.range_by_level:
            return self.range_by_level[level]  # type: ignore[index]
        return self.range if self.range is not None else (-np.inf, np.inf)

    def expected_value(self, level: str | None = None) -> str:
        """The expectation of an error message: "a finite value between 0 and 2e+06 persons (district)"."""
        low, high = self.plausible_range(level)
        if not (np.isfinite(low) and np.isfinite(high)):
            return f"a finite number in {self.unit.en}"
        where = f" for a {level}" if level in self.range_by_level else ""
        return (f"a finite value between {low:g} and {high:g} {self.unit.en}{where} "
                f"(the catalogue's plausible range of {self.id!r})")

    def expected_value_code(self, level: str | None = None) -> tuple[str, dict[str, Any]]:
        """:meth:`expected_value` as a message code and parameters (``error.expected.*``), for interfaces
        in other languages."""
        low, high = self.plausible_range(level)
        unit = {"en": self.unit.en, "ru": self.unit.ru, "kk": self.unit.kk}
        if not (np.isfinite(low) and np.isfinite(high)):
            return "finite", {"unit": unit}
        return "plausible", {"low": float(low), "high": float(high), "unit": unit, "indicator": self.id,
                             "unit_level": level if level in self.range_by_level else None}

    @field_validator("range", "range_by_level")
    @classmethod
    def _ordered_ranges(cls, value: object) -> object:
        pairs = value.values() if isinstance(value, dict) else [] if value is None else [value]
        for low, high in pairs:  # type: ignore[misc]
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"a range is [min, max] with finite min < max, got [{low}, {high}]")
        return value

    @model_validator(mode="after")
    def _system_entries_are_complete(self) -> Indicator:
        if self.block is not None and self.direction == 0:
            raise ValueError(f"indicator {self.id!r} is in block {self.block!r} but has no direction (+1/-1)")
        if self.kind not in ("absolute", "as_published") and self.formula is None and self.slot is not None:
            raise ValueError(f"indicator {self.id!r} of kind {self.kind!r} needs a formula")
        if self.slot is not None and self.block is None:
            raise ValueError(f"indicator {self.id!r} has slot {self.slot} but no block")
        if self.kind == "ratio_to_national" and self.formula is not None \
                and self.formula.national_reference == "none":
            raise ValueError(f"indicator {self.id!r} is a ratio to national but its formula has "
                             "national_reference 'none'")
        return self

    @field_validator("accepts_units")
    @classmethod
    def _positive_factors(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not v > 0}
        if bad:
            raise ValueError(f"unit conversion factors must be positive, got {bad}")
        return value


class _CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    indicators: list[Indicator]


class Catalogue:
    """A validated, read-only collection of :class:`Indicator` entries keyed by id.

    Parameters
    ----------
    indicators : iterable of Indicator
        Entries; ids must be unique and every formula must name known ids.
    source : str, default="<memory>"
        Where the entries came from, for error messages.
    """

    def __init__(self, indicators: Iterable[Indicator], *, source: str = "<memory>") -> None:
        self.source = source
        self._by_id: dict[str, Indicator] = {}
        for position, ind in enumerate(indicators):
            if ind.id in self._by_id:
                raise SpecError(f"indicators[{position}].id", f"duplicate indicator id {ind.id!r}", file=source)
            self._by_id[ind.id] = ind
        self._check_formulas()
        self._check_slots()

    def _check_formulas(self) -> None:
        for ind in self._by_id.values():
            if ind.formula is None:
                continue
            unknown = [n for n in ind.formula.series() if n not in self._by_id]
            if unknown:
                raise SpecError(f"{ind.id}.formula", f"refers to unknown indicator(s) {unknown}",
                                file=self.source)
            if ind.id in ind.formula.series():
                raise SpecError(f"{ind.id}.formula", "refers to the indicator itself", file=self.source)

    def _check_slots(self) -> None:
        seen: dict[str, str] = {}
        for ind in self._by_id.values():
            if ind.slot is None:
                continue
            if ind.slot in seen:
                raise SpecError(f"{ind.id}.slot", f"slot {ind.slot} already taken by {seen[ind.slot]!r}",
                                file=self.source)
            seen[ind.slot] = ind.id
            if ind.block != SLOT_PREFIX[ind.slot[0]]:
                raise SpecError(f"{ind.id}.slot", f"slot {ind.slot} belongs to block "
                                f"{SLOT_PREFIX[ind.slot[0]]!r}, not {ind.block!r}", file=self.source)
        counts = {b: sum(1 for i in self._by_id.values() if i.block == b and i.slot) for b in BLOCKS}
        over = {b: n for b, n in counts.items() if n > BLOCK_SIZES[b]}
        if over:
            raise SpecError("indicators", f"more indicators than the method's slots in {over}; "
                            f"expected at most {BLOCK_SIZES}", file=self.source)

    # -- access -----------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self._by_id

    def __getitem__(self, code: str) -> Indicator:
        try:
            return self._by_id[code]
        except KeyError:
            # lazy: import cycle with ingest, being refactored in issue 18 (docs/architecture.md)
            from territoria.ingest.matching import suggest

            raise UnknownNameError("indicator", code, suggest(code, self._by_id)) from None

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def system(self, block: str | None = None) -> list[Indicator]:
        """The method's 34-slot system (entries with a slot), in slot order."""
        chosen = [i for i in self._by_id.values() if i.slot is not None and (block is None or i.block == block)]
        return sorted(chosen, key=lambda i: (BLOCKS.index(i.block), int(i.slot[1:]) if i.slot else 99))

    def direction(self, codes: Iterable[str]) -> pd.Series:
        """+1 (higher is better), -1 (higher is worse) or 0 (context) per code."""
        codes = list(codes)
        return pd.Series([self[c].direction for c in codes], index=codes, dtype="int8", name="direction")

    def implausible(self, indicators: pd.Series, values: pd.Series,
                    levels: pd.Series | None = None) -> np.ndarray:
        """True where a value is infinite or lies outside its indicator's plausible range (NaN is missing: False).

        ``indicators``, ``values`` and ``levels`` (a unit level per row, optional) are aligned Series;
        unknown indicator ids only get the finiteness check.
        """
        id_codes, id_names = pd.factorize(indicators, use_na_sentinel=False)
        if levels is None:
            level_codes, level_names = np.zeros(len(id_codes), dtype=np.intp), np.array([None], dtype=object)
        else:
            level_codes, level_names = pd.factorize(levels, use_na_sentinel=False)
        pairs, inverse = np.unique(id_codes * (len(level_names) + 1) + level_codes, return_inverse=True)
        bounds = np.empty((len(pairs), 2), dtype=float)
        for k, pair in enumerate(pairs):
            ind = self._by_id.get(str(id_names[pair // (len(level_names) + 1)]))
            level = level_names[pair % (len(level_names) + 1)]
            level = None if level is None or (isinstance(level, float) and np.isnan(level)) else str(level)
            bounds[k] = (-np.inf, np.inf) if ind is None else ind.plausible_range(level)
        low, high = bounds[inverse.ravel(), 0], bounds[inverse.ravel(), 1]
        vals = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return np.isinf(vals) | (vals < low) | (vals > high)

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per indicator: id, name, unit, block, slot, direction, kind, grade."""
        rows = [{
            "indicator": i.id, "name": i.name.get(lang), "name_en": i.name.en, "name_ru": i.name.ru,
            "name_kk": i.name.kk, "unit": i.unit.get(lang), "block": i.block, "slot": i.slot,
            "direction": i.direction, "kind": i.kind, "grade": i.grade,
        } for i in self._by_id.values()]
        return pd.DataFrame(rows)

    def alias_table(self) -> dict[str, str]:
        """Every known spelling (id, names in three languages, aliases) → indicator id."""
        table: dict[str, str] = {}
        for i in self._by_id.values():
            for spelling in (i.id, i.name.en, i.name.ru, i.name.kk, *i.aliases):
                if spelling:
                    table.setdefault(spelling, i.id)
        return table

    @classmethod
    def from_yaml(cls, path: str | Path) -> Catalogue:
        """Read and validate a catalogue file; errors name the key path."""
        path = Path(path)
        raw = load_yaml(path)
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: object, *, source: str = "<memory>") -> Catalogue:
        try:
            parsed = _CatalogueFile.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = list(err["loc"])
            path = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int):
                try:
                    entry_id = raw["indicators"][loc[1]].get("id")  # type: ignore[index]
                except (AttributeError, IndexError, KeyError, TypeError):
                    entry_id = None
                if entry_id:
                    path = ".".join(["indicators", f"{loc[1]}({entry_id})", *map(str, loc[2:])])
            raise SpecError(path, f"{err['msg']} (got {err.get('input')!r})", file=source) from None
        return cls(parsed.indicators, source=source)


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package."""
    ref = resources.files("territoria.catalog").joinpath("indicators.yaml")
    with resources.as_file(ref) as path:
        return Catalogue.from_yaml(path)
