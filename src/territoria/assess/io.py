"""Reading the small files a spec may point to (expert / AHP weights). The only I/O of ``assess``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from territoria.errors import SpecError

__all__ = ["read_weights"]


def read_weights(path: str | Path) -> dict[str, float]:
    """Weights file → ``{code: weight}``: a CSV with columns ``code,weight`` or a YAML mapping."""
    path = Path(path)
    if not path.exists():
        raise SpecError("weight.file", f"weights file not found: {path}")
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        if not isinstance(raw, dict):
            raise SpecError("weight.file", f"{path}: expected a mapping code: weight")
        items = raw.items()
    else:
        table = pd.read_csv(path, dtype={"code": str}, encoding="utf-8-sig")
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
