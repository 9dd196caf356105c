"""Files named in an assessment spec, read into data by an interface before the method runs.

The method layer (:mod:`territoria.assess.pipeline`, :mod:`territoria.assess.weight`) never opens a file
named in a spec; :meth:`territoria.assess.spec.AssessmentSpec.from_yaml` (a spec file the caller chose)
calls :func:`resolve_file_references`, and the web server refuses any spec that names a file.
"""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from territoria.errors import SpecError

__all__ = ["WEIGHTS_MAX_BYTES", "read_weights", "resolve_file_references"]


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


def resolve_file_references(spec: Any, *, base: str | Path | None = None,
                            file: str | None = None) -> Any:
    """A copy of ``spec`` (an :class:`~territoria.assess.spec.AssessmentSpec`) whose file references are read
    into data (for interfaces, never for a request).

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
