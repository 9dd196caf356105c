"""The typed, frozen record each pipeline step appends, and the digests it carries."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import xxhash

from territoria.assess.threads import each

__all__ = ["FoldCache", "StepRecord", "digest", "library_versions"]


@dataclass(frozen=True)
class StepRecord:
    """What one step did: enough to audit it and to replay it."""

    position: int
    address: str
    method: str
    params: Mapping[str, Any]
    fitted: Mapping[str, Any]
    input_digest: str
    output_digest: str
    seed: int | None = None
    cells_changed: int = 0
    warnings: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> StepRecord:
        return cls(**{**raw, "warnings": tuple(raw.get("warnings", ()))})


FoldCache = dict[tuple[int, int, int], tuple[np.ndarray, bytes]]
"""Column folds by (memory address, length, stride), each with its array (see :func:`digest`)."""

_INDEX_CACHE: list[tuple[pd.Index, bytes]] = []


def _fold(bits: np.ndarray) -> bytes:
    r"""A column's 64-bit patterns hashed: the length, then XXH3-128 (Collet, xxHash) of the values as
    little-endian bytes, in one pass at memory speed (the GIL released, so columns hash side by side).

    A change of any cell changes the hash but with probability about :math:`2^{-128}`; the length is
    hashed too, and the byte order is fixed, so the bits are the same on every machine. Not
    cryptographic: a record of what each step did (BLAKE2b, over these, makes the table's digest).
    """
    values = np.ascontiguousarray(bits, dtype="<u8")
    return bits.size.to_bytes(8, "little") + xxhash.xxh3_128_digest(values)


def _text(values: Any) -> bytes:
    items = values.to_numpy(dtype=object).tolist() if hasattr(values, "to_numpy") else list(values)
    return "\x1f".join(map(str, items)).encode()


def _level(h: Any, values: pd.Index, codes: np.ndarray | None) -> None:
    if codes is not None:                       # a MultiIndex level: used values in sorted order + codes
        used = np.bincount(codes[codes >= 0], minlength=len(values)) > 0
        order = np.flatnonzero(used)
        if not values.is_monotonic_increasing:
            order = order[np.argsort(values[used], kind="stable")]
        remap = np.full(len(values), -1, dtype=np.int64)
        remap[order] = np.arange(len(order))
        values = values[order]
        h.update(_fold(np.where(codes >= 0, remap[codes], -1).astype(np.int64).view(np.uint64)))
    if values.dtype.kind in "iuf":
        h.update(_fold(np.ascontiguousarray(values.to_numpy(dtype=float)).view(np.uint64)))
    else:
        h.update(_text(values))


def _labels(index: pd.Index) -> bytes:
    """Digest of an index's labels, cached for the index object in use and its views (indexes are
    immutable; ``Index.is_`` is pandas' identity test that also holds through views, so the tables
    pandas derives from a stage, e.g. by selecting columns, share the entry; the names are compared
    besides, as renaming makes a view)."""
    for known, value in _INDEX_CACHE:
        if known.is_(index) and list(known.names) == list(index.names):
            return value
    h = hashlib.blake2b(digest_size=32)
    if isinstance(index, pd.MultiIndex):
        for name, values, codes in zip(index.names, index.levels, index.codes, strict=True):
            h.update(str(name).encode())
            _level(h, values, np.asarray(codes))
    else:
        h.update(str(index.name).encode())
        _level(h, index, None)
    value = h.digest()
    _INDEX_CACHE.insert(0, (index, value))
    del _INDEX_CACHE[4:]
    return value


def digest(obj: pd.DataFrame | pd.Series, *, folds: FoldCache | None = None) -> str:
    """Digest of a table's labels and exact values (float bits), independent of file formats.

    BLAKE2b over the column names, the index labels and, per numeric column, a hash of
    the IEEE-754 bits of its values (:func:`_fold`: XXH3-128, one pass); text columns are hashed as
    text. The same content gives the same digest in every run and process.

    ``folds``: a cache of column folds by memory address, for tables that share columns (a stage
    table built on another's columns without a copy); its owner must not write to those columns
    while it keeps the cache (the cache holds the arrays, so their memory is not reused).
    """
    h = hashlib.blake2b(digest_size=32)
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    h.update(_text(frame.columns))
    h.update(_labels(frame.index))
    parts: list[bytes | np.ndarray] = []
    # the columns as Series over a plain range (no copy): boxing each under a MultiIndex costs more
    # than folding it when the table is small
    for _, values in frame.set_axis(pd.RangeIndex(len(frame)), axis=0).items():
        kind = values.dtype.kind
        if kind in "iuf":
            parts.append(values.to_numpy(dtype=float))          # folded below, on the threads in use
        elif kind == "b":
            parts.append(b"bool" + _fold(values.to_numpy(dtype=np.uint64)))
        else:                       # text: the distinct values in order of appearance, and each row's code
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            parts.append(b"text" + _text(pd.Index(uniques)) + _fold(codes.astype(np.int64).view(np.uint64)))
    numeric = [j for j, p in enumerate(parts) if isinstance(p, np.ndarray)]
    cached = [_cached_fold(parts[j], folds) for j in numeric]
    todo = [i for i, c in enumerate(cached) if c is None]
    done = each(lambda i: _fold(np.ascontiguousarray(parts[numeric[todo[i]]]).view(np.uint64)), len(todo),
                cells=len(frame) * len(todo))
    for i, value in zip(todo, done, strict=True):
        cached[i] = _keep_fold(parts[numeric[i]], value, folds)
    for j, value in zip(numeric, cached, strict=True):
        parts[j] = value
    for part in parts:
        h.update(part)
    return h.hexdigest()


def _fold_key(values: np.ndarray) -> tuple[int, int, int]:
    return values.__array_interface__["data"][0], values.size, values.strides[0] if values.ndim else 0


def _cached_fold(values: np.ndarray, folds: FoldCache | None) -> bytes | None:
    if folds is None:
        return None
    known = folds.get(_fold_key(values))
    return None if known is None else known[1]


def _keep_fold(values: np.ndarray, value: bytes, folds: FoldCache | None) -> bytes:
    if folds is not None:
        folds[_fold_key(values)] = (values, value)
    return value


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a Result depends on (a new dict on every call)."""
    return dict(_versions())


@cache
def _versions() -> dict[str, str]:
    # read once per process: the metadata files are parsed on every call (a tenth of a second), and
    # the modules already imported do not change when a package is reinstalled underneath them
    # lazy: heavy (importlib.metadata), which territoria.assess.pipeline does not load
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("territoria", "numpy", "pandas", "scipy", "pydantic", "mapclassify", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
