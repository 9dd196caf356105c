"""The only I/O of ``assess``, called by interfaces: the small files a spec may point to (expert / AHP
weights, read into the spec by :func:`resolve_file_references` before the method runs) and wide tables."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from territoria.errors import DataError, SpecError

if TYPE_CHECKING:
    from territoria.assess.spec import AssessmentSpec

__all__ = ["WEIGHTS_MAX_BYTES", "read_reproductions", "read_weights", "read_wide_table", "resolve_file_references"]


WEIGHTS_MAX_BYTES = 1 * 2**20
"""Largest weights file read (a code,weight table of a few hundred rows is a few KiB)."""


def read_weights(path: str | Path, *, max_bytes: int = WEIGHTS_MAX_BYTES) -> dict[str, float]:
    """Weights file → ``{code: weight}``: a CSV with columns ``code,weight`` or a YAML mapping.

    Only a regular file of at most ``max_bytes`` is read (a device such as ``/dev/zero``, a FIFO or a
    directory is refused before it is opened for reading); every fault is a SpecError at ``weight.file``.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise SpecError("weight.file", f"weights file not found: {path}") from None
    except OSError as exc:
        raise SpecError("weight.file", f"{path}: cannot read the weights file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise SpecError("weight.file", f"{path}: not a regular file; expected a .csv (code,weight) or .yaml file")
    if st.st_size > max_bytes:
        raise SpecError("weight.file", f"{path}: {st.st_size:,} bytes; a weights file may hold at most "
                                       f"{max_bytes:,} bytes")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpecError("weight.file", f"{path}: larger than {max_bytes:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError("weight.file", f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise SpecError("weight.file", f"{path}: not valid YAML ({exc})") from None
        if not isinstance(raw, dict):
            raise SpecError("weight.file", f"{path}: expected a mapping code: weight")
        items = raw.items()
    else:
        try:
            table = pd.read_csv(io.StringIO(text), dtype={"code": str})
        except (ValueError, pd.errors.ParserError) as exc:
            raise SpecError("weight.file", f"{path}: not a readable CSV ({exc})") from None
        if not {"code", "weight"} <= set(table.columns):
            raise SpecError("weight.file", f"{path}: expected columns code,weight; found {list(table.columns)}")
        items = zip(table["code"], table["weight"], strict=True)
    out = {}
    for code, value in items:
        try:
            out[str(code)] = float(value)
        except (TypeError, ValueError):
            raise SpecError("weight.file", f"{path}: weight of {code!r} is {value!r}, expected a number") from None
    return out


def resolve_file_references(spec: AssessmentSpec, *, base: str | Path | None = None,
                            file: str | None = None) -> AssessmentSpec:
    """A copy of ``spec`` whose file references are read into data (for interfaces, never for a request).

    ``weight.file`` (relative to ``base``, the spec's folder) is read by :func:`read_weights` into
    ``weight.values``; the method layer never opens a file named in a spec. Errors name ``file`` (the spec).
    """
    refs = spec.file_references()
    if not refs or spec.weight.values is not None:
        return spec
    target = Path(refs["weight.file"])
    if base is not None and not target.is_absolute():
        target = (Path(base) / target).resolve()
    try:
        values = read_weights(target)
    except SpecError as exc:
        raise SpecError(exc.path, exc.message, file=file) from None
    weight = spec.weight.model_copy(update={"file": str(target), "values": values})
    return spec.model_copy(update={"weight": weight})


def read_wide_table(path: str | Path, id_column: str) -> pd.DataFrame:
    """Read a CSV (also ``.csv.gz``), XLSX or Parquet wide table, one row per unit, indexed by ``id_column``.

    The id column stays text (leading zeros kept), a byte-order mark is tolerated, the separator is
    sniffed; other columns are kept as read (the spec picks its indicators).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        table = pd.read_excel(path, dtype={id_column: str})
    elif suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        table = pd.read_csv(path, dtype={id_column: str}, encoding="utf-8-sig", sep=None, engine="python")
    table.columns = [str(c).strip() for c in table.columns]
    if id_column not in table.columns:
        raise DataError(f"{path}: no column {id_column!r}; columns are {', '.join(table.columns[:20])}")
    ids = table[id_column].astype("string").str.strip()
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(f"{path}: column {id_column!r} has duplicated id {dup.iloc[0]!r}; one row per unit")
    return table.assign(**{id_column: ids}).set_index(id_column)


def read_reproductions(path: str | Path) -> dict[str, Any]:
    """``examples/reproductions.yaml`` → ``{name: Reproduction}`` (see ``assess.reproduce``)."""
    from pydantic import ValidationError

    from territoria.assess.reproduce import Reproduction
    from territoria.assess.spec import spec_error_from

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (the reproductions need the repository's examples/ folder)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise SpecError("<root>", "expected a mapping name: reproduction", file=str(path))
    out = {}
    for name, body in raw.items():
        try:
            out[str(name)] = Reproduction.model_validate(body)
        except ValidationError as exc:
            err = spec_error_from(exc, file=str(path))
            raise SpecError(f"{name}.{err.path}", err.message, file=str(path)) from None
    return out
