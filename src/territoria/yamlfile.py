"""Reading the project's YAML files (specs, catalogue, rules): one place, one error shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from territoria.errors import SpecError

__all__ = ["load_yaml"]


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file (a byte-order mark is tolerated); a missing file or bad YAML is a SpecError naming it."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SpecError("<file>", "file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError("<file>", f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start}; "
                        "save the file as UTF-8", file=str(path)) from None
    except OSError as exc:
        raise SpecError("<file>", f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise SpecError("<file>", f"not valid YAML: {exc}", file=str(path)) from None
