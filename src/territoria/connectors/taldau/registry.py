"""The versioned registry of Taldau indicators (``registry.yaml``) and unit conversion.

Units: Taldau names its unit in ``GetIndexAttributes.measureName`` (Russian). A value is converted to the
catalogue's unit as ``v_catalogue = v_taldau * s_taldau / s_catalogue`` where ``s`` is the size of each unit
in a base unit of the same dimension (tenge, persons, m²); an unknown unit name or a dimension mismatch is
refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from territoria.errors import SpecError

__all__ = ["RegistryEntry", "conversion_factor", "load_registry", "unit_scale"]

PERIOD_KINDS = ("year", "cumulative_month")
LEVELS = ("region", "district")

# normalised unit name -> (dimension, size in the base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "тенге": ("tenge", 1.0), "tenge": ("tenge", 1.0),
    "тыстенге": ("tenge", 1e3), "thousandtenge": ("tenge", 1e3),
    "млнтенге": ("tenge", 1e6), "milliontenge": ("tenge", 1e6),
    "млрдтенге": ("tenge", 1e9), "billiontenge": ("tenge", 1e9),
    "человек": ("persons", 1.0), "чел": ("persons", 1.0), "persons": ("persons", 1.0),
    "тысчеловек": ("persons", 1e3), "thousandpersons": ("persons", 1e3),
    "квм": ("m2", 1.0), "м2": ("m2", 1.0), "м²": ("m2", 1.0), "m²": ("m2", 1.0), "m2": ("m2", 1.0),
    "квадратныйметр": ("m2", 1.0), "тысквм": ("m2", 1e3), "тысм2": ("m2", 1e3),
}


def _norm_unit(name: str) -> str:
    return re.sub(r"[\s.,]+", "", str(name).casefold())


def unit_scale(name: str) -> tuple[str, float] | None:
    """``(dimension, size in base unit)`` of a unit name, None if unknown.

    Examples
    --------
    >>> unit_scale("тыс. тенге"), unit_scale("million tenge"), unit_scale("кг")
    (('tenge', 1000.0), ('tenge', 1000000.0), None)
    """
    return _UNITS.get(_norm_unit(name))


def conversion_factor(taldau_unit: str, catalogue_unit: str) -> float:
    """Factor turning a value in ``taldau_unit`` into ``catalogue_unit``; :class:`SpecError` when impossible.

    Examples
    --------
    >>> conversion_factor("тыс. тенге", "million tenge")
    0.001
    """
    src, dst = unit_scale(taldau_unit), unit_scale(catalogue_unit)
    if src is None or dst is None or src[0] != dst[0]:
        raise SpecError("taldau_unit", f"cannot convert Taldau unit {taldau_unit!r} to the catalogue unit "
                        f"{catalogue_unit!r}; record the conversion in the registry after checking the source")
    return src[1] / dst[1]


@dataclass(frozen=True)
class RegistryEntry:
    """One registered indicator (see the header of ``registry.yaml`` for the fields)."""

    key: str
    indicator: str | None
    index_id: int | None
    period_id: int | None
    period_kind: str
    measure_id: int | None
    dics: tuple[int, ...] | None
    territory_dic: int | None
    totals: dict[int, int] | None
    levels: tuple[str, ...]
    taldau_unit: str | None
    bounds: tuple[float, float]
    additive: bool
    open_data_element: int | None
    status: str
    name_ru: str = ""
    evidence: str = ""
    missing: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def territory_pos(self) -> int:
        assert self.dics is not None and self.territory_dic is not None  # guarded by validation
        return self.dics.index(self.territory_dic)

    def request_terms(self, territory_term: int) -> list[int]:
        """One term per dic: ``territory_term`` on the territorial axis, the total elsewhere."""
        assert self.dics is not None and self.totals is not None
        return [territory_term if d == self.territory_dic else self.totals[d] for d in self.dics]


def _int_or_none(value: object, path: str, file: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(path, f"expected an integer id, found {value!r}", file=file)
    return value


def _entry(key: str, raw: dict, file: str) -> RegistryEntry:
    p = f"indicators.{key}"
    if not isinstance(raw, dict):
        raise SpecError(p, "expected a mapping", file=file)
    status = raw.get("status")
    if status not in ("ready", "needs_discovery"):
        raise SpecError(f"{p}.status", f"expected 'ready' or 'needs_discovery', found {status!r}", file=file)
    kind = raw.get("period_kind", "year")
    if kind not in PERIOD_KINDS:
        raise SpecError(f"{p}.period_kind", f"expected one of {PERIOD_KINDS}, found {kind!r}", file=file)
    levels = tuple(raw.get("levels") or ())
    if not levels or any(lv not in LEVELS for lv in levels):
        raise SpecError(f"{p}.levels", f"expected a list of {LEVELS}, found {levels!r}", file=file)
    bounds = raw.get("bounds")
    if not (isinstance(bounds, list) and len(bounds) == 2 and float(bounds[0]) <= float(bounds[1])):
        raise SpecError(f"{p}.bounds", f"expected [min, max], found {bounds!r}", file=file)
    dics = raw.get("dics")
    dics_t = None if dics is None else tuple(_int_or_none(d, f"{p}.dics", file) for d in dics)
    totals = raw.get("totals")
    totals_d = None if totals is None else {int(k): int(v) for k, v in totals.items()}
    entry = RegistryEntry(
        key=key, indicator=raw.get("indicator"), index_id=_int_or_none(raw.get("index_id"), f"{p}.index_id", file),
        period_id=_int_or_none(raw.get("period_id"), f"{p}.period_id", file), period_kind=kind,
        measure_id=_int_or_none(raw.get("measure_id"), f"{p}.measure_id", file), dics=dics_t,  # type: ignore[arg-type]
        territory_dic=_int_or_none(raw.get("territory_dic"), f"{p}.territory_dic", file), totals=totals_d,
        levels=levels, taldau_unit=raw.get("taldau_unit"), bounds=(float(bounds[0]), float(bounds[1])),
        additive=bool(raw.get("additive", False)),
        open_data_element=_int_or_none(raw.get("open_data_element"), f"{p}.open_data_element", file),
        status=status, name_ru=str(raw.get("name_ru", "")), evidence=str(raw.get("evidence", "")),
        missing=str(raw.get("missing", "")))
    if entry.ready:
        for name in ("index_id", "period_id", "dics", "territory_dic", "totals"):
            if getattr(entry, name) is None:
                raise SpecError(f"{p}.{name}", "required when status is 'ready'", file=file)
        assert entry.dics is not None and entry.totals is not None
        if entry.territory_dic not in entry.dics:
            raise SpecError(f"{p}.territory_dic", f"{entry.territory_dic} is not among dics {list(entry.dics)}",
                            file=file)
        others = [d for d in entry.dics if d != entry.territory_dic]
        if sorted(others) != sorted(entry.totals):
            raise SpecError(f"{p}.totals", f"needs exactly one total term for each non-territorial dic {others}, "
                            f"found {sorted(entry.totals)}", file=file)
        if "district" in entry.levels and entry.territory_dic == 67:
            raise SpecError(f"{p}.levels", "dictionary 67 ('Регионы') holds regions only; use 68 for districts",
                            file=file)
    return entry


def load_registry(path: str | Path | None = None) -> dict[str, RegistryEntry]:
    """Entries of ``path`` (default: the packaged ``registry.yaml``), keyed by their short name."""
    if path is None:
        text = resources.files("territoria.connectors.taldau").joinpath("registry.yaml").read_text("utf-8")
        file = "territoria/connectors/taldau/registry.yaml"
    else:
        text, file = Path(path).read_text(encoding="utf-8"), str(path)
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("indicators"), dict):
        raise SpecError("version", "expected 'version: 1' and an 'indicators' mapping", file=file)
    return {key: _entry(key, raw, file) for key, raw in data["indicators"].items()}
