"""The typed, frozen record each pipeline step appends, and the digests it carries."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StepRecord", "digest", "library_versions"]


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


def digest(obj: pd.DataFrame | pd.Series) -> str:
    """SHA-256 of a table's labels and exact values (float bytes), independent of file formats."""
    h = hashlib.sha256()
    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    h.update("\x1f".join(map(str, frame.columns)).encode())
    h.update("\x1f".join(map(str, frame.index.tolist())).encode())
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            h.update(np.ascontiguousarray(values.to_numpy(dtype=float)).tobytes())
        else:
            h.update("\x1f".join(map(str, values.tolist())).encode())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("territoria", "numpy", "pandas", "scipy", "pydantic", "mapclassify", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
