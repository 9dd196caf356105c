"""The YAML reader's two paths agree: libyaml's parser (the fast path of ``territoria.yamlfile``) gives the
same data, or the same refusal, as PyYAML's pure-Python parser on every YAML file the package ships and on
seeded random damage to them (SYNTHETIC texts: characters inserted, deleted or replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from territoria import yamlfile

SHIPPED = sorted((Path(yamlfile.__file__).parent).rglob("*.yaml"))
ALPHABET = list(" :-[]{},?#'\"\n|>&*!%@`\tabc01.\u0411")


def read(text: str, loader: type) -> tuple[str, Any]:
    try:
        return "data", yaml.load(text, Loader=loader)
    except Exception as exc:                       # a refusal: which kind of error is compared, not the text
        return "refused", type(exc).__name__


def through_reader(text: str) -> tuple[str, Any]:
    try:
        return "data", yamlfile._load(text)
    except Exception as exc:
        return "refused", type(exc).__name__


def damaged(text: str, rng: np.random.Generator) -> str:
    chars = list(text)
    for _ in range(int(rng.integers(1, 4))):
        at = int(rng.integers(0, len(chars) + 1))
        what = int(rng.integers(0, 3))
        if what == 0 or not chars:
            chars.insert(at, str(rng.choice(ALPHABET)))
        elif what == 1:
            del chars[min(at, len(chars) - 1)]
        else:
            chars[min(at, len(chars) - 1)] = str(rng.choice(ALPHABET))
    return "".join(chars)


def test_the_package_ships_yaml_files_and_libyaml_is_used() -> None:
    assert len(SHIPPED) >= 15
    assert yamlfile._CParser is not None, "PyYAML without libyaml: the fast path is not tested here"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_file_reads_the_same_on_both_paths(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert through_reader(text) == read(text, yamlfile._BoundedLoader)
    assert yaml.load(text, Loader=yamlfile._FastBoundedLoader) == yaml.load(text, Loader=yamlfile._BoundedLoader)


@pytest.mark.parametrize("seed", range(2))
def test_damaged_files_read_the_same_or_are_refused_on_both_paths(seed: int) -> None:
    rng = np.random.default_rng(seed)
    small = [p for p in SHIPPED if p.stat().st_size < 10_000]
    for n in range(120):
        path = small[int(rng.integers(0, len(small)))]
        text = damaged(path.read_text(encoding="utf-8-sig"), rng)
        assert through_reader(text) == read(text, yamlfile._BoundedLoader), (seed, n, path.name)
