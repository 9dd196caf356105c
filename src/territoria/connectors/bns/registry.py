"""The registry of known BNS dynamic tables (``registry.yaml``): what each table holds and how to read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from territoria.errors import SpecError

__all__ = ["NameVariant", "Registry", "TableEntry", "load_registry"]

LEVELS = ("country", "region", "district")
STATUSES = ("verified", "unverified")


@dataclass(frozen=True)
class TableEntry:
    """One dynamic table (see the header of ``registry.yaml`` for the fields)."""

    table: str
    indicator: str | None
    name_ru: str
    unit: str | None
    measure: str
    val_scale: float
    levels: tuple[str, ...]
    years: dict[str, str]
    dimensions: tuple[str, ...] | None
    breakdown: dict[str, str]
    status: str
    bundle_source: str | None
    evidence: str
    url: str

    def describe(self) -> str:
        return f"BNS table {self.table} ({self.name_ru})"


@dataclass(frozen=True)
class NameVariant:
    """A printed unit name that is not a spelling of a unit's name (or a unit without a code today)."""

    printed: str
    code: str | None
    reason: str
    kind: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Registry:
    """Tables by id, the labels that mean "total", the printed-name variants."""

    tables: dict[str, TableEntry]
    total_labels: tuple[str, ...]
    names: tuple[NameVariant, ...] = field(default_factory=tuple)
    unit_names: dict[str, str] = field(default_factory=dict)
    version: int = 1

    def unit_spelling(self, printed: str) -> str | None:
        """The catalogue spelling of a unit printed in NAM (case-insensitive), None when not listed."""
        folded = {k.casefold(): v for k, v in self.unit_names.items()}
        return folded.get(printed.strip().casefold())

    def __getitem__(self, table: str) -> TableEntry:
        key = str(table).strip()
        if key not in self.tables:
            raise SpecError("table", f"unknown BNS table {table!r}; known: {', '.join(self.tables)} "
                            "(see `territoria data bns list`; add an entry to the registry to read another one)")
        return self.tables[key]

    def table(self) -> pd.DataFrame:
        """One row per table: id, indicator, unit of measure, levels, years, catalogue id, status."""
        rows = [{"table": e.table, "indicator_ru": e.name_ru, "unit": e.measure,
                 "unit_printed": e.unit or "(read from the file)",
                 "catalogue_id": e.indicator or "(none: not stored)", "levels": ", ".join(e.levels),
                 "years": "; ".join(f"{k} {v}" for k, v in e.years.items()) or "(not seen yet)",
                 "breakdown": ", ".join(f"{k}: {v}" for k, v in e.breakdown.items()) or "totals",
                 "status": e.status, "url": e.url} for e in self.tables.values()]
        return pd.DataFrame(rows)


def _entry(key: str, raw: dict, url: str, where: str) -> TableEntry:
    def need(name: str) -> object:
        if name not in raw:
            raise SpecError(f"tables.{key}.{name}", "missing", file=where)
        return raw[name]

    levels = tuple(need("levels"))  # type: ignore[arg-type]
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise SpecError(f"tables.{key}.levels", f"unknown level(s) {bad}; expected some of {LEVELS}", file=where)
    status = str(need("status"))
    if status not in STATUSES:
        raise SpecError(f"tables.{key}.status", f"{status!r}; expected one of {STATUSES}", file=where)
    scale = float(need("val_scale"))  # type: ignore[arg-type]
    if not scale > 0:
        raise SpecError(f"tables.{key}.val_scale", f"{scale!r}; expected a positive number", file=where)
    breakdown = {str(k): str(v) for k, v in (raw.get("breakdown") or {}).items()}
    dims = raw.get("dimensions")
    return TableEntry(table=key, indicator=raw.get("indicator"), name_ru=str(need("name_ru")), unit=raw.get("unit"),
                      measure=str(need("measure")),
                      val_scale=scale, levels=levels, years=dict(raw.get("years") or {}),
                      dimensions=None if dims is None else tuple(str(d) for d in dims), breakdown=breakdown,
                      status=status, bundle_source=raw.get("bundle_source"), evidence=str(raw.get("evidence", "")),
                      url=url.format(table=key))


def load_registry(path: str | Path | None = None) -> Registry:
    """Read ``registry.yaml`` (the packaged one unless ``path``); :class:`SpecError` names a bad field."""
    if path is None:
        text = resources.files("territoria.connectors.bns").joinpath("registry.yaml").read_text(encoding="utf-8")
        where = "territoria/connectors/bns/registry.yaml"
    else:
        text, where = Path(path).read_text(encoding="utf-8"), str(path)
    raw = yaml.safe_load(text) or {}
    for key in ("url", "tables", "total_labels"):
        if key not in raw:
            raise SpecError(key, "missing", file=where)
    tables = {str(k): _entry(str(k), v or {}, str(raw["url"]), where) for k, v in raw["tables"].items()}
    names = tuple(NameVariant(printed=str(n["printed"]), code=None if n.get("code") is None else str(n["code"]),
                              reason=str(n.get("reason", "")), kind=n.get("kind"),
                              region=None if n.get("region") is None else str(n["region"]))
                  for n in raw.get("names") or [])
    units = {str(k): str(v) for k, v in (raw.get("unit_names") or {}).items()}
    return Registry(tables, tuple(str(t) for t in raw["total_labels"]), names, units, int(raw.get("version", 1)))
