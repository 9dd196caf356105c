"""Hypothesis strategies shared by the property tests (``test_props_*.py``): structural mutations of the
project's shipped, valid input files.

A mutation takes a parsed document (dicts, lists, scalars, as read from YAML or JSON) and changes it the way
a file edited by hand or exported by another tool goes wrong: a key dropped, a value of the wrong type, a
NaN / infinity / huge / negative number, unicode look-alikes and office symbols, a list entry duplicated (so
ids repeat), an unknown key, a list turned into a mapping. One to three mutations per example, drawn at
positions all over the document, so that every section is reached.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Profile of the property tests: modest example counts (set per test), no deadline (first calls import
#: pandas paths), reproducible (derandomised) so that CI runs are the same run. ``TERRITORIA_PROPS_SCALE``
#: multiplies the examples per property for a longer local run (e.g. 20).
settings.register_profile("territoria-props", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                 HealthCheck.data_too_large])
SCALE = max(1, int(os.environ.get("TERRITORIA_PROPS_SCALE", "1")))


def examples(n: int) -> settings:
    """Settings of one property: ``n`` examples (times ``TERRITORIA_PROPS_SCALE``) on the shared profile."""
    return settings(settings.get_profile("territoria-props"), max_examples=n * SCALE)


#: Values a hand-edited or machine-exported file really contains where a number, a name or a list is due.
WEIRD: list[Any] = [
    None, "", " ", True, False, 0, -1, -0.0, 1e308, -1e308, 10**30, -(10**30), 2**63, math.nan, math.inf,
    -math.inf, 0.5, "1,5", "1 234,5", "1\u00a0234", "−3", "–", "—", "-", "х", "x", "…", "...", "nan", "inf",
    "1e999", "Ақтөбе", "Ё", "\u200b", "a\u0000b", "ж" * 300, "../etc/passwd", [], {}, [1, 2], {"a": 1},
    ["x", None], {"": None}, "2023-02-30", "31.02.2023", "00.00.0000",
]


def weird_values() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(WEIRD), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=12))


Path_ = tuple[Any, ...]


def paths(doc: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every position of a document (the root is ``()``)."""
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from paths(value, (*prefix, i))


def _get(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _drop(doc: Any, path: Path_, draw: Callable) -> Any:
    if not path:
        return doc
    parent = _get(doc, path[:-1])
    del parent[path[-1]]
    return doc


def _replace(doc: Any, path: Path_, draw: Callable) -> Any:
    return _set(doc, path, copy.deepcopy(draw(weird_values())))


def _duplicate(doc: Any, path: Path_, draw: Callable) -> Any:
    """Repeat a list entry (ids repeat) or the list's first entry; a mapping gets a copy under a new key."""
    node = _get(doc, path)
    if isinstance(node, list) and node:
        node.insert(draw(st.integers(0, len(node))), copy.deepcopy(node[draw(st.integers(0, len(node) - 1))]))
    elif isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node, key=str)))
        node[f"{key}_copy"] = copy.deepcopy(node[key])
    elif path and isinstance(_get(doc, path[:-1]), list):
        parent = _get(doc, path[:-1])
        parent.append(copy.deepcopy(node))
    return doc


def _unknown_key(doc: Any, path: Path_, draw: Callable) -> Any:
    node = _get(doc, path)
    if isinstance(node, dict):
        node[draw(st.sampled_from(["extra", "Weight", "weigth", "", "ид", "1"]))] = copy.deepcopy(draw(weird_values()))
    return doc


def _retype(doc: Any, path: Path_, draw: Callable) -> Any:
    """A list as a mapping (and back), a scalar as a one-element list, a number as text with a decimal comma."""
    node = _get(doc, path)
    if isinstance(node, list):
        new: Any = {str(i): v for i, v in enumerate(node)}
    elif isinstance(node, dict):
        new = list(node.values())
    elif isinstance(node, bool) or node is None:
        new = str(node).lower()
    elif isinstance(node, int | float):
        new = draw(st.sampled_from([str(node).replace(".", ","), -node if node else -1, node * 10**12,
                                    float("nan"), str(node) + "%"]))
    else:
        new = [node]
    return _set(doc, path, new)


def _rename_value(doc: Any, path: Path_, draw: Callable) -> Any:
    """Text changed the way people change it: case, spaces, Cyrillic look-alikes, a suffix."""
    node = _get(doc, path)
    if isinstance(node, str):
        new = draw(st.sampled_from([node.upper(), f" {node} ", node.replace("a", "а").replace("o", "о"),
                                    node + "_2", node[:-1], node + "\u00a0"]))
        return _set(doc, path, new)
    return doc


OPERATIONS: dict[str, Callable] = {"drop": _drop, "replace": _replace, "duplicate": _duplicate,
                                   "unknown_key": _unknown_key, "retype": _retype, "rename": _rename_value}


@st.composite
def mutated(draw: Callable, base: Any, *, max_mutations: int = 3, ops: tuple[str, ...] = tuple(OPERATIONS)
            ) -> tuple[Any, list[str]]:
    """A deep copy of ``base`` with 1..``max_mutations`` mutations; returns it and a description of each."""
    doc = copy.deepcopy(base)
    done: list[str] = []
    for _ in range(draw(st.integers(1, max_mutations))):
        where = list(paths(doc))
        path = draw(st.sampled_from(where))
        op = draw(st.sampled_from(ops))
        doc = OPERATIONS[op](doc, path, draw)
        done.append(f"{op} at {'.'.join(map(str, path)) or '<root>'}")
    return doc, done


#: Key-path markers the loaders use when the problem is the file or its root, not one key.
ROOT_MARKERS = {"<root>", "<file>", "(top)", "(file)", "(yaml)", "<memory>"}


def check_spec_error(exc: BaseException, *, file: str | None, doc: Any, fields: Any = ()) -> None:
    """The error is the project's own, names the file, and its key path starts at a key of the document.

    ``doc`` is the mutated document: a SpecError's path must start at one of its top-level keys, at a field
    of the model (``fields``: a required key the document lacks is named by the path), or at a root marker.
    """
    from territoria.errors import SpecError, TerritoriaError

    assert isinstance(exc, TerritoriaError), f"not a TerritoriaError: {type(exc).__name__}: {exc}"
    text = str(exc)
    if file is not None:
        assert file in text, f"the message does not name the file {file!r}: {text}"
    if isinstance(exc, SpecError):
        assert exc.path and exc.message, f"empty key path or message: {text}"
        head = exc.path.split(".")[0].split("[")[0].split("(")[0]
        keys = {str(k) for k in doc} if isinstance(doc, dict) else set()
        allowed = keys | set(fields) | ROOT_MARKERS | {""}
        assert head in allowed, f"key path {exc.path!r} starts at {head!r}, not a key of the file: {text}"


#: How a YAML file is saved: as the project writes it, with a byte-order mark (Notepad), in Windows-1251
#: (an old Russian Windows editor; letters it lacks become "?"), in UTF-16 (Excel's "Unicode text").
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251", "utf-16")


def write_yaml(doc: Any, path: Any, encoding: str = "utf-8") -> None:
    import yaml

    # libyaml's emitter when PyYAML has it (the file is test input: any valid YAML of ``doc`` will do, and the
    # pure-Python emitter was a tenth of the property tests' time)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(doc, Dumper=dumper, allow_unicode=True, sort_keys=False)
    path.write_bytes(text.encode(encoding, errors="replace"))


def store_digests(store: Any) -> dict[str, str]:
    """A digest of every table of a Store, by table name: its row count and the sum of DuckDB's 64-bit hashes
    of its whole rows (any changed, added or removed row changes it), computed inside DuckDB rather than by
    fetching every row into Python."""
    names = store.con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                              "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
    out = {}
    for (name,) in names:
        rows, total = store.con.execute(f'SELECT count(*), sum(hash(t)) FROM "{name}" t').fetchone()
        out[name] = f"{rows}:{total}"
    return out


#: Cell texts of survey exports and office tables gone wrong.
CELL_TEXTS = ["", " ", "nan", "NaN", "inf", "-inf", "1e999", "-1", "0", "999999999999", "1,5", "2.5", "1 000",
              "1\u00a0000", "−3", "х", "x", "-", "…", "не знаю", "Да", "да ", "ДА", "yes", "1 2", "1;2", "Ё",
              "\u200b", "ж" * 200, "=1+1", "None", "null", "TRUE", "31.02.2023", "593620100.0", "593620100 ",
              "０", "١"]
