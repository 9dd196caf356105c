"""The project's own errors.

Every error a user can cause derives from :class:`TerritoriaError` and also from the built-in
exception that describes it best (``ValueError``, ``KeyError``...), so callers may catch either.
A message says what failed, where (file, sheet, row, column, YAML path, step, indicator, unit),
the value seen, and what was expected or what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CellProblem",
    "ConflictError",
    "DataError",
    "DegenerateIndicatorError",
    "ImportRefusedError",
    "InputFileError",
    "NotFittedError",
    "SpecError",
    "StoreError",
    "TerritoriaError",
    "UnknownNameError",
]


class TerritoriaError(Exception):
    """Base class of every error Territoria raises on purpose."""


@dataclass(frozen=True)
class CellProblem:
    """One bad cell (or row) of an input table, located as precisely as the format allows.

    ``row`` is the 1-based row number as the user sees it in a spreadsheet or text editor
    (the header is row 1 for a CSV with a header line).
    """

    file: str
    row: int | None
    column: str | None
    value: object
    expected: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: found {self.value!r}, expected {self.expected}"


@dataclass
class InputFileError(TerritoriaError, ValueError):
    """A file has one or more bad cells; all of them are listed, nothing was stored."""

    file: str
    problems: Sequence[CellProblem] = field(default_factory=list)
    limit: int = 50

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.file}: {n} problem{'s' if n != 1 else ''}; nothing was stored from this file"
        lines = [f"  - {p}" for p in list(self.problems)[: self.limit]]
        if n > self.limit:
            lines.append(f"  ... and {n - self.limit} more (use --skip-invalid to store the valid rows "
                         "and write the rejected ones to a file)")
        return "\n".join([head, *lines])


class DataError(TerritoriaError, ValueError):
    """Data handed to a method is unusable (non-numeric column, all values missing...)."""


class DegenerateIndicatorError(DataError):
    """An indicator cannot be processed by a step (constant, non-positive for a geometric mean...)."""


class SpecError(TerritoriaError, ValueError):
    """An assessment spec, rule or configuration file is invalid.

    Parameters
    ----------
    path : str
        Key path inside the file, e.g. ``tree.social.children[2].weight``.
    message : str
        What was expected and what was found.
    file : str, optional
        The file the spec came from.
    """

    def __init__(self, path: str, message: str, *, file: str | None = None) -> None:
        self.path, self.message, self.file = path, message, file
        prefix = f"{file}: " if file else ""
        super().__init__(f"{prefix}{path}: {message}")


class UnknownNameError(TerritoriaError, KeyError):
    """A unit or indicator name that matches nothing known, with the closest suggestions."""

    def __init__(self, kind: str, name: str, suggestions: Iterable[str] = ()) -> None:
        self.kind, self.name, self.suggestions = kind, name, list(suggestions)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would quote the whole message otherwise
        return str(self.args[0])


class StoreError(TerritoriaError, RuntimeError):
    """The Store cannot be opened or is of an unknown schema version."""


class ImportRefusedError(TerritoriaError, ValueError):
    """An import was refused as a whole; the Store is unchanged."""


class ConflictError(ImportRefusedError):
    """Values differ from published values already stored; listed, nothing stored.

    ``conflicts`` is a DataFrame with unit, indicator, year, stored value and new value.
    """

    def __init__(self, file: str, conflicts: object, n: int) -> None:
        self.file, self.conflicts, self.n = file, conflicts, n
        super().__init__(
            f"{file}: {n} value(s) differ from values already stored; nothing was stored. "
            "Pass --revise to record them as revisions (old values are kept in history).\n"
            f"{conflicts}"
        )


class NotFittedError(TerritoriaError, AttributeError):
    """A step was asked to transform before it was fitted."""
