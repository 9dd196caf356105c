"""Reading the project's YAML files (specs, catalogue, rules): one place, one error shape, bounded nesting."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml

from territoria.errors import SpecError, coded

__all__ = ["MAX_DEPTH", "load_yaml", "parse_yaml"]

#: Deepest nesting of mappings and lists accepted; a spec needs a handful of levels, a hostile file thousands.
MAX_DEPTH = 100
#: Parsed files kept per process. The rule and knowledge-base files are read on every profile a server builds;
#: parsing them with the pure-Python loader (line numbers, depth limit) cost more than the rest of the page.
_CACHE_FILES = 64
_parsed: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
_parsed_lock = threading.Lock()


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark | None) -> None:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        super().__init__(f"nested more than {MAX_DEPTH} levels deep{where}")
        self.problem_mark, self.code, self.params = mark, "error.yaml_too_deep", {"limit": MAX_DEPTH}


class _DuplicateKey(yaml.YAMLError):
    """PyYAML keeps the last of two equal keys; a spec whose weight is given twice must not lose one silently."""

    def __init__(self, key: object, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__(f"the key {key!r} is given twice (line {first.line + 1} and line {again.line + 1}); "
                         "keep one")
        self.problem_mark, self.code = again, "error.yaml_duplicate"
        self.params = {"key": str(key), "first_line": first.line + 1}


class _Bounded:
    """What the project's loaders add to PyYAML's safe loading: documents nested deeper than :data:`MAX_DEPTH`
    are refused before the composer recurses, and a key given twice is an error."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: PyYAML's own error says so below
                continue
            if first is not key_node.start_mark and key_node.tag != "tag:yaml.org,2002:merge":
                raise _DuplicateKey(key, first, key_node.start_mark)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


class _BoundedLoader(_Bounded, yaml.SafeLoader):
    """PyYAML's safe loader (pure Python), bounded."""


#: libyaml's parser, when PyYAML was built with it: it scans and parses some ten times faster than the pure-Python
#: one, which dominated reading a spec or rule file. The composer stays PyYAML's (Python, so the depth limit is
#: checked before it recurses: libyaml's own composer recurses in C, unbounded).
try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _FastBoundedLoader(_Bounded, yaml.composer.Composer, _CParser,  # type: ignore[misc]
                             yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`_BoundedLoader` on libyaml's scanner and parser (same composer, constructor and resolver)."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


#: Where libyaml accepts what PyYAML refuses: a tab after text (PyYAML: "found character '\\t' that cannot start
#: any token"), a "?" inside a flow collection, some tags ("!,"); and a byte-order mark after the start (text
#: to PyYAML). A document with a tab, a mark or a "!", or with a "?" and a bracket anywhere, takes the
#: pure-Python path only, so that what is accepted and refused, and what is read, stays as it was.
def _libyaml_may_differ(text: str) -> bool:
    return any(c in text for c in "\t\ufeff!") or ("?" in text and ("[" in text or "{" in text))


def _load(text: str) -> Any:
    """The document in ``text``. A document libyaml refuses is parsed again by the pure-Python loader, whose
    error (message, line and column) is the one reported, as before libyaml was used."""
    if _CParser is not None and not _libyaml_may_differ(text):
        with contextlib.suppress(Exception):  # any failure: the pure-Python loader says what it always said
            return yaml.load(text, Loader=_FastBoundedLoader)
    return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader subclass: no Python objects


def _yaml_code(exc: yaml.YAMLError) -> tuple[str, yaml.Mark | None, dict[str, Any]]:
    """The message code of a YAML error, the place it names and its parameters: the common mistakes get a
    sentence of their own in every language; others keep PyYAML's English ``problem``."""
    if isinstance(exc, (_TooDeep, _DuplicateKey)):
        return exc.code, exc.problem_mark, dict(exc.params)
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or "")
    context = str(getattr(exc, "context", None) or "")
    opened = getattr(exc, "context_mark", None) or mark
    if "quoted scalar" in context:
        return "error.yaml_quote", opened, {}
    if "flow sequence" in context or "flow mapping" in context:
        return "error.yaml_bracket", opened, {}
    if "'\\t'" in problem:
        return "error.yaml_tab", mark, {}
    if ("mapping values are not allowed" in problem or "<block end>" in problem
            or "could not find expected ':'" in problem or "did not find expected key" in problem):
        return "error.yaml_indentation", mark, {}
    return "error.yaml", mark, {"problem": problem}


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
        return _load(text)
    except yaml.YAMLError as exc:
        code, mark, params = _yaml_code(exc)
        raise coded(SpecError("<file>", f"not valid YAML: {exc}", file=file), code,
                    line=None if mark is None else mark.line + 1, column=None if mark is None else mark.column + 1,
                    **params) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise SpecError("<file>", f"not valid YAML: nested more than {MAX_DEPTH} levels deep", file=file) from None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file (a byte-order mark is tolerated); a missing file or bad YAML is a SpecError naming it.

    A file read before and unchanged since (same path, modification time and size) is not parsed again: the
    caller gets a deep copy of the earlier parse, so changing what it got changes nothing for the next caller.
    """
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is not None:
        with _parsed_lock:
            if key in _parsed:
                _parsed.move_to_end(key)
                return copy.deepcopy(_parsed[key])
    data = _read_yaml(path)
    if key is not None:
        with _parsed_lock:
            _parsed[key] = copy.deepcopy(data)
            while len(_parsed) > _CACHE_FILES:
                _parsed.popitem(last=False)
    return data


def _read_yaml(path: Path) -> Any:
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
