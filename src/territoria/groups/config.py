"""The group rules (``rules.yaml``) and the bundled list of single-industry towns, as validated objects."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from territoria.errors import SpecError

__all__ = ["GROUPS", "GroupRules", "load_rules", "single_industry_list", "single_industry_sources"]

#: Group ids in the order of the method's step 2; the Panel column of a group is ``is_<id>``.
GROUPS = ("small_town", "single_industry", "border", "village", "rural_support")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SmallTownRule(_Model):
    kinds: list[str] = Field(default_factory=lambda: ["town"], min_length=1)
    max_population: float = Field(50_000, gt=0)


class SingleIndustryRule(_Model):
    list: Literal["bundled", "none"] = "bundled"
    include_former: bool = False
    flag_column: str | None = "is_single_industry"
    output_share: float = Field(0.5, gt=0, le=1)
    employment_share: float = Field(0.2, gt=0, le=1)


class BorderRule(_Model):
    max_km: float = Field(50.0, gt=0)
    outline_tolerance_km: float = Field(5.0, ge=0)


class VillageRule(_Model):
    kinds: list[str] = Field(default_factory=lambda: ["village"], min_length=1)


class RuralSupportRule(_Model):
    flag_column: str | None = "is_rural_support"
    list_name: str = "rural_support"


class GroupRules(_Model):
    """Thresholds and sources of the five groups; see ``rules.yaml`` and docs/groups.md."""

    version: Literal[1] = 1
    small_town: SmallTownRule = SmallTownRule()
    single_industry: SingleIndustryRule = SingleIndustryRule()
    border: BorderRule = BorderRule()
    village: VillageRule = VillageRule()
    rural_support: RuralSupportRule = RuralSupportRule()

    def replace(self, **changes: Any) -> GroupRules:
        """A copy with changes given by dotted key, e.g. ``replace(**{"border.max_km": 30})``."""
        data = self.model_dump()
        for key, value in changes.items():
            *parents, last = key.replace("__", ".").split(".")
            node = data
            for part in parents:
                if part not in node or not isinstance(node[part], dict):
                    raise SpecError(key, f"unknown rule section {part!r}; sections: {sorted(data)}")
                node = node[part]
            if last not in node:
                raise SpecError(key, f"unknown rule key {last!r}; keys here: {sorted(node)}")
            node[last] = value
        return _validate(data, file=None)


def _validate(data: Any, *, file: str | None) -> GroupRules:
    if not isinstance(data, Mapping):
        raise SpecError("(top)", f"expected a mapping of rule sections, got {type(data).__name__}", file=file)
    try:
        return GroupRules.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        path = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise SpecError(path, f"{err['msg']} (found {err.get('input')!r})", file=file) from None


def load_rules(path: str | Path | None = None) -> GroupRules:
    """Read and validate a rules file; default: the ``rules.yaml`` shipped in the package.

    Raises
    ------
    SpecError
        Unreadable YAML, an unknown key, or a value of the wrong type or range, with its key path.
    """
    if path is None:
        text = resources.files("territoria.groups").joinpath("rules.yaml").read_text(encoding="utf-8")
        file = "territoria/groups/rules.yaml"
    else:
        file = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError("(file)", f"cannot read the rules file: {exc.strerror}", file=file) from None
        except UnicodeDecodeError as exc:
            raise SpecError("(file)", f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}; "
                            "save the file as UTF-8", file=file) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError("(yaml)", f"not valid YAML: {exc}", file=file) from None
    return _validate(data, file=file)


@cache
def _single_industry() -> dict[str, Any]:
    text = resources.files("territoria.groups").joinpath("single_industry_towns.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def single_industry_list() -> pd.DataFrame:
    """The bundled single-industry towns: ``code`` (KATO), names, ``status`` as the source words it,
    ``former``, ``sources`` (ids, ``;``-joined), ``enterprise_or_industry``, ``note``."""
    towns = pd.DataFrame(_single_industry()["towns"])
    towns["sources"] = towns["sources"].map(";".join)
    for col in ("enterprise_or_industry", "note"):
        if col not in towns:
            towns[col] = ""
        towns[col] = towns[col].fillna("")
    return towns


def single_industry_sources() -> pd.DataFrame:
    """Sources of the bundled list: ``source_id, title, publisher, url, date``."""
    sources = _single_industry()["sources"]
    return pd.DataFrame([{"source_id": k, **v} for k, v in sources.items()])
