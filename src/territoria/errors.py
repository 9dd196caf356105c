"""The project's own errors.

Every error a user can cause derives from :class:`TerritoriaError` and also from the built-in
exception that describes it best (``ValueError``, ``KeyError``...), so callers may catch either.
A message says what failed, where (file, sheet, row, column, YAML path, step, indicator, unit),
the value seen, and what was expected or what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

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
    "coded",
    "pydantic_code",
]

_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})


class TerritoriaError(Exception):
    """Base class of every error Territoria raises on purpose.

    ``code`` and ``params`` (set by :func:`coded`) name the message in the catalogues of
    ``territoria.report.messages`` so that an interface can word it in its reader's language; the
    English text (``str(exc)``, for the CLI and logs) stays as it is. None: no coded form yet.
    """

    code: str | None = None
    params: Mapping[str, Any] = _NO_PARAMS


ErrorT = TypeVar("ErrorT", bound=TerritoriaError)


def coded(exc: ErrorT, code: str, /, **params: Any) -> ErrorT:
    """``exc`` with its message code and parameters (see :class:`TerritoriaError`); returns ``exc``."""
    exc.code, exc.params = code, MappingProxyType(dict(params))
    return exc


@dataclass(frozen=True)
class CellProblem:
    """One bad cell (or row) of an input table, located as precisely as the format allows.

    ``row`` is the 1-based row number as the user sees it in a spreadsheet or text editor
    (the header is row 1 for a CSV with a header line). ``code`` and ``params`` name ``expected`` in
    the message catalogues (``error.expected.<code>``), for interfaces in other languages.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    expected: str
    sheet: str | None = None
    code: str | None = None
    params: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)

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

    def at(self, path: str, *, file: str | None = None) -> SpecError:
        """The same error at another key path (or of a named file), its message code kept."""
        moved = SpecError(path, self.message, file=file if file is not None else self.file)
        return coded(moved, self.code, **self.params) if self.code else moved


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


#: pydantic error types -> (message code, the parameter of ``ctx`` that holds the limit or choices)
_PYDANTIC = {
    "extra_forbidden": ("unknown_key", None), "missing": ("missing", None),
    "int_parsing": ("integer", None), "int_type": ("integer", None), "int_from_float": ("integer", None),
    "float_parsing": ("number", None), "float_type": ("number", None),
    "bool_parsing": ("boolean", None), "bool_type": ("boolean", None),
    "string_type": ("text", None), "list_type": ("list", None), "dict_type": ("mapping", None),
    "model_type": ("mapping", None), "model_attributes_type": ("mapping", None),
    "literal_error": ("choice", "expected"), "enum": ("choice", "expected"),
    "greater_than_equal": ("greater_equal", "ge"), "greater_than": ("greater", "gt"),
    "less_than_equal": ("less_equal", "le"), "less_than": ("less", "lt"),
}


def pydantic_code(error: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The message code and parameters of one pydantic error (``ValidationError.errors()[i]``), None when
    its type has no coded form."""
    found = _PYDANTIC.get(str(error.get("type")))
    if found is None:
        return None
    name, key = found
    params: dict[str, Any] = {"input": repr(error.get("input"))}
    ctx = error.get("ctx") or {}
    if key == "expected":
        params["expected"] = str(ctx.get("expected", "")).replace(" or ", ", ")
    elif key is not None:
        params["limit"] = ctx.get(key)
    return f"error.pydantic.{name}", params
