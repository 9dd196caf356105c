"""Reading the project's YAML files (specs, catalogue, rules): one place, one error shape, bounded nesting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from territoria.errors import SpecError, coded

__all__ = ["MAX_DEPTH", "load_yaml", "parse_yaml"]

#: Deepest nesting of mappings and lists accepted; a spec needs a handful of levels, a hostile file thousands.
MAX_DEPTH = 100


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark | None) -> None:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        super().__init__(f"nested more than {MAX_DEPTH} levels deep{where}")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing documents nested deeper than :data:`MAX_DEPTH` before it recurses."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def parse_yaml(text: str, *, file: str | None = None) -> Any:
    """Parse YAML text safely (no Python objects, at most :data:`MAX_DEPTH` levels); errors are SpecErrors.

    For YAML that does not come from a file (a spec posted to the web API); ``file`` names it in errors.

    Examples
    --------
    >>> parse_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> parse_yaml("[" * 500 + "]" * 500)
    Traceback (most recent call last):
    ...
    territoria.errors.SpecError: <file>: not valid YAML: nested more than 100 levels deep (line 1, column 101)
    """
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader subclass: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or "")
        raise coded(SpecError("<file>", f"not valid YAML: {exc}", file=file), "error.yaml",
                    line=None if mark is None else mark.line + 1, column=None if mark is None else mark.column + 1,
                    problem=problem) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise SpecError("<file>", f"not valid YAML: nested more than {MAX_DEPTH} levels deep", file=file) from None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file (a byte-order mark is tolerated); a missing file or bad YAML is a SpecError naming it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecError("<file>", "file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError("<file>", f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}; "
                        "save the file as UTF-8", file=str(path)) from None
    except OSError as exc:
        raise SpecError("<file>", f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    return parse_yaml(text, file=str(path))
