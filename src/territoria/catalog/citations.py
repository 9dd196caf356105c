"""The citation registry: seed id → authors, year, title, venue, pages, DOI; one place every output cites from.

The seeds (the documents the project comes from) are cited by a short form and a place in them, e.g.
``cite("000", "Table 2, row 4")`` → ``"Orynbet & Imangali 2022, Table 2, row 4"``; never as "seed 000".
Rule and knowledge-base files refer to a seed by its id (``{seed: "000", at: "Table 2, row 4"}``); a seed
id not in the registry is an error. The registry is ``territoria/data/seed_citations.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["SourceRef", "Work", "citations", "cite", "reference", "render_sources"]


@dataclass(frozen=True)
class Work:
    """One seed document."""

    seed: str
    short: str
    authors: str
    year: str
    title: str
    venue: str
    pages: str
    doi: str
    note: str

    @property
    def full(self) -> str:
        """The reference as a reference list would give it."""
        pages = f", pp. {self.pages.replace('-', '–')}" if self.pages and self.pages != "not given" else ""
        doi = f", doi:{self.doi}" if self.doi else ""
        return f"{self.authors} ({self.year}). {self.title}. {self.venue}{pages}{doi}"


@cache
def citations() -> dict[str, Work]:
    """Every seed of the registry, by id."""
    path = resources.files("territoria").joinpath("data/seed_citations.csv")
    with path.open("rb") as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return {row.seed: Work(**row._asdict()) for row in frame.itertuples(index=False)}


def reference(seed: str) -> Work:
    """The registry's entry of ``seed``; an unknown id raises ``KeyError`` naming the known ones."""
    works = citations()
    if str(seed) not in works:
        raise KeyError(f"seed {seed!r} is not in the citation registry (data/seed_citations.csv); known: "
                       f"{', '.join(sorted(works))}")
    return works[str(seed)]


def cite(seed: str, at: str = "") -> str:
    """``"<authors> <year>, <place>"``: the way every output cites a seed."""
    short = reference(seed).short
    return f"{short}, {at}" if at else short


class SourceRef(BaseModel):
    """A place in a seed: ``{seed: "000", at: "Table 2, row 4", regions: [...]}``.

    ``regions`` (9-digit KATO codes): the regions this place proposes the thing for, when it does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    seed: str
    at: str = ""
    regions: list[str] = Field(default_factory=list)

    @field_validator("seed")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            reference(value)
        except KeyError as exc:
            raise ValueError(str(exc).strip("'\"")) from None
        return value

    @field_validator("regions")
    @classmethod
    def _kato(cls, value: list[str]) -> list[str]:
        for r in value:
            if not (len(r) == 9 and r.isdigit()):
                raise ValueError(f"expected 9-digit KATO codes, got {r!r}")
        return value

    def __str__(self) -> str:
        return cite(self.seed, self.at)


def render_sources(sources: list[SourceRef | str] | SourceRef | str) -> str:
    """Sources as one readable string (``"; "``-joined); free text is kept as written."""
    items = sources if isinstance(sources, list) else [sources]
    return "; ".join(str(s) for s in items)
