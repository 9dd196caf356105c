"""The knowledge base of policy mechanisms: a YAML file validated on load.

Users add or edit mechanisms in the file (the package's ``mechanisms/mechanisms.yaml`` or their own
copy) without touching code. Validation refuses, with the key path: a missing or unknown horizon,
a level of government other than national / regional / local, an indicator not in the catalogue, a
problem that is neither a risk rule nor a status, a region code that is not a 9-digit KATO code,
a seed that is not in the citation registry, duplicated ids, and an entry without sources.

Each mechanism carries its own sources (``{seed, at, regions}``, :class:`~territoria.catalog.citations.SourceRef`;
free text is allowed for a user's own entries): the regions a mechanism is proposed for are the union of
its sources' ``regions``, so a regional reason always cites the place that proposes it for that region.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.catalog.citations import SourceRef, render_sources
from territoria.diagnosis.risks import load_risk_rules
from territoria.dynamics.rules import Text, read_rule_file
from territoria.dynamics.status import load_status_rules
from territoria.errors import SpecError, UnknownNameError
from territoria.ingest.matching import suggest

__all__ = ["HORIZONS", "KnowledgeBase", "Mechanism", "default_kb_path", "known_problems", "load_knowledge_base"]

HorizonName = Literal["short", "medium", "long"]
HORIZONS: tuple[str, ...] = ("short", "medium", "long")


class Horizon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: int = Field(alias="from")
    end: int = Field(alias="to")
    label: Text

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.start > self.end:
            raise ValueError(f"'from' ({self.start}) is after 'to' ({self.end})")
        return self


class Mechanism(BaseModel):
    """One policy mechanism."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    description: Text
    horizon: HorizonName
    government: list[Literal["national", "regional", "local"]] = Field(min_length=1)
    problems: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    general: bool = False
    sources: list[SourceRef | str] = Field(min_length=1)
    horizon_note: str = ""

    @property
    def regions(self) -> list[str]:
        """Regions (KATO) some source proposes the mechanism for, in the order the sources name them."""
        return list(dict.fromkeys(r for s in self.sources if isinstance(s, SourceRef) for r in s.regions))

    def sources_for(self, region: str) -> list[SourceRef]:
        """The sources that propose the mechanism for ``region``."""
        return [s for s in self.sources if isinstance(s, SourceRef) and region in s.regions]

    @property
    def cited(self) -> str:
        """The sources as outputs print them (authors, year, place), ``"; "``-joined."""
        return render_sources(list(self.sources))


class KnowledgeBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    horizons: dict[HorizonName, Horizon]
    mechanisms: list[Mechanism] = Field(min_length=1)

    def get(self, mechanism_id: str) -> Mechanism:
        for m in self.mechanisms:
            if m.id == mechanism_id:
                return m

        raise UnknownNameError("mechanism", mechanism_id, suggest(mechanism_id, [m.id for m in self.mechanisms]))

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.mechanisms]

    def check(self, catalogue: Catalogue, problems: set[str], *, file: str | None = None) -> None:
        missing = [h for h in HORIZONS if h not in self.horizons]
        if missing:
            raise SpecError(f"horizons.{missing[0]}", "required horizon is missing", file=file)
        seen: set[str] = set()
        for i, m in enumerate(self.mechanisms):
            where = f"mechanisms[{i}]({m.id})"
            if m.id in seen:
                raise SpecError(f"{where}.id", "duplicate mechanism id", file=file)
            seen.add(m.id)
            for j, code in enumerate(m.indicators):
                if code not in catalogue:
                    try:
                        catalogue[code]
                    except KeyError as exc:
                        raise SpecError(f"{where}.indicators[{j}]", str(exc), file=file) from None
            for j, p in enumerate(m.problems):
                if p not in problems:
                    raise SpecError(f"{where}.problems[{j}]", f"unknown problem {p!r}; known: "
                                    f"{', '.join(sorted(problems))}", file=file)


def default_kb_path() -> Path:
    return Path(str(resources.files("territoria.mechanisms").joinpath("mechanisms.yaml")))


def known_problems() -> set[str]:
    """Ids a mechanism may answer: the package's risk rules and statuses."""

    return set(load_risk_rules().ids) | {s.status for s in load_status_rules().statuses}


def load_knowledge_base(path: str | Path | None = None, *, catalogue: Catalogue | None = None,
                        problems: set[str] | None = None, raw: Any = None) -> KnowledgeBase:
    """Read and validate a knowledge base (default: the package's); errors name the key path."""
    kb, file = read_rule_file(KnowledgeBase, path, default_kb_path(), raw=raw, list_key="mechanisms",
                              what="a knowledge base is a mapping with 'horizons' and 'mechanisms'")
    kb.check(catalogue or load_catalogue(), problems if problems is not None else known_problems(), file=file)
    return kb
