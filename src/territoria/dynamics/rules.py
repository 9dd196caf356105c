"""Shared pieces of the YAML rule files (status rules, risk rules, the mechanism knowledge base).

Every file is validated with pydantic; the first problem becomes a :class:`~territoria.errors.SpecError`
whose key path names the entry by position and id, e.g. ``statuses[0](at_risk).all[1].indicator``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from territoria.errors import SpecError
from territoria.yamlfile import load_yaml

__all__ = ["COMPARE", "Op", "Text", "compare", "load_yaml", "validation_error"]

Op = Literal["lt", "le", "gt", "ge", "between"]
SYMBOL = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "between": "in"}


class Text(BaseModel):
    """A text in Russian, Kazakh and English (``kk`` may be empty where no checked wording exists)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    ru: str
    kk: str = ""

    def get(self, lang: str) -> str:
        return getattr(self, lang, "") or self.en


def compare(value: float, op: str, threshold: float | tuple[float, float] | list[float]) -> bool:
    """``value op threshold`` (``between`` is inclusive of both ends)."""
    if op == "between":
        low, high = threshold  # type: ignore[misc]
        return bool(low <= value <= high)
    t = float(threshold)  # type: ignore[arg-type]
    return bool({"lt": value < t, "le": value <= t, "gt": value > t, "ge": value >= t}[op])


COMPARE = compare


ModelT = TypeVar("ModelT", bound=BaseModel)


def read_rule_file(model: type[ModelT], path: str | Path | None, default: Path, *, raw: Any = None,
                   what: str, list_key: str) -> tuple[ModelT, str]:
    """Read a rule file (or take ``raw``), check it is a mapping and validate it with ``model``.

    Returns the validated object and the file name used in messages; every error is a SpecError
    naming the file and the key path.
    """
    file = str(path or default) if raw is None else (str(path) if path else "<memory>")
    if raw is None:
        raw = load_yaml(path or default)
    if not isinstance(raw, dict):
        raise SpecError("<root>", what, file=file)
    try:
        return model.model_validate(raw), file
    except ValidationError as exc:
        raise validation_error(exc, raw, file=file, list_key=list_key) from None


def validation_error(exc: ValidationError, raw: Any, *, file: str | None, list_key: str) -> SpecError:
    """The first pydantic error as a SpecError whose path names list entries by position and id."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    parts: list[str] = []
    node: Any = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            label = f"[{part}]"
            try:
                node = node[part]
                ident = node.get("id") or node.get("status") if isinstance(node, dict) else None
            except (IndexError, KeyError, TypeError):
                ident = None
            if ident and i == 1 and loc[0] == list_key:
                label += f"({ident})"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
        else:
            parts.append(str(part))
            try:
                node = node[part] if isinstance(node, dict) else None
            except (KeyError, TypeError):
                node = None
    path = ".".join(parts) or "<root>"
    message = str(err["msg"])
    if err["type"] == "missing":
        message = "required key is missing"
    elif "input" in err and err["type"] != "extra_forbidden":
        message += f" (got {err['input']!r})"
    return SpecError(path, message, file=file)
