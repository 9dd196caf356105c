"""The contract tree read once for the statistical audit and the uncertainty analysis on a table.

:class:`TreeIndex` checks a contract tree DataFrame (``code``, ``parent``, ``weight``, ``level``, optional
``method``) — one row per edge, so a node reused under several parents (a DAG) has several rows, and
several roots are allowed — and indexes it: parents, children, edge weights, levels, leaves below a node.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from territoria.errors import SpecError, UnknownNameError

__all__ = ["TreeIndex"]


@dataclass(frozen=True)
class TreeIndex:
    """The contract tree read once: parents, children, weights, levels, leaves below each node.

    Build it with :meth:`from_frame`; ``aggregates`` lists aggregate codes bottom-up (by level, then
    in tree order), so scores can be computed in that order. The tree may have several roots (``root``
    is the first) and reused nodes (a code with one row per parent: a DAG); ``parent`` is a code's first
    parent, ``parents`` all of them, ``edge_weight`` the weight of each (code, parent) edge.
    """

    parent: dict[str, str | None]
    children: dict[str, tuple[str, ...]]
    weight: dict[str, float]
    level: dict[str, int]
    method: dict[str, str]
    leaves: tuple[str, ...]
    aggregates: tuple[str, ...]
    root: str
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roots: tuple[str, ...] = ()
    edge_weight: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, tree: pd.DataFrame, *, columns: Iterable[str] | None = None) -> TreeIndex:
        """Read the contract tree; check every leaf is a column of the data when ``columns`` is given."""
        need = ["code", "parent", "weight", "level"]
        lacking = [c for c in need if c not in tree.columns]
        if lacking:
            raise SpecError("tree", f"the tree frame lacks column(s) {lacking}; expected {need} "
                            f"(+ optional 'method'), got {list(tree.columns)}")
        rows = [(str(c), None if p is None or pd.isna(p) else str(p)) for c, p in
                zip(tree["code"], tree["parent"], strict=True)]
        dup = sorted({f"{c} (parent {p})" for c, p in rows if rows.count((c, p)) > 1})
        if dup:
            raise SpecError("tree.code", f"duplicated node code(s) {dup}")
        codes = list(dict.fromkeys(c for c, _ in rows))
        parents: dict[str, list[str]] = {c: [] for c in codes}
        for c, p in rows:
            if p is not None:
                parents[c].append(p)
        roots = [c for c in codes if not parents[c]]
        rooted = [c for c, p in rows if p is None]
        if not roots or len(rooted) != len(roots):
            raise SpecError("tree.parent", "every node needs a parent except the roots, and the tree needs a root "
                            f"(parent empty); found roots {rooted}")
        for ps in parents.values():
            for p in ps:
                if p not in parents:
                    raise UnknownNameError("tree node", p, difflib.get_close_matches(p, codes, n=3))
        children: dict[str, list[str]] = {c: [] for c in codes}
        for c, p in rows:
            if p is not None:
                children[p].append(c)
        seen, todo = set(), list(roots)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(children[node])
        cut_off = [c for c in codes if c not in seen]
        if cut_off:
            raise SpecError("tree.parent", f"node(s) {cut_off} are not below the root(s) {roots} (a cycle?)")
        edge_weight = {(c, p): float(w) for (c, p), w in zip(rows, tree["weight"], strict=True) if p is not None}
        weight = {}
        for (c, _), w in zip(rows, tree["weight"], strict=True):
            weight.setdefault(c, float(w))
        bad_w = {f"{c}@{p}": w for (c, p), w in edge_weight.items() if not (w >= 0)}
        bad_w |= {c: w for c, w in weight.items() if not (w >= 0)}
        if bad_w:
            raise SpecError("tree.weight", f"weights must be non-negative numbers, got {bad_w}")
        level = {}
        for c, v in zip(tree["code"], tree["level"], strict=True):
            level.setdefault(str(c), int(v))
        method = {}
        if "method" in tree.columns:
            for c, m in zip(tree["code"], tree["method"], strict=True):
                if m is not None and not pd.isna(m):
                    method.setdefault(str(c), str(m))
        leaves = tuple(c for c in codes if not children[c])
        leaf_levels = {c: level[c] for c in leaves if level[c] != 1}
        if leaf_levels:
            raise SpecError("tree.level", f"nodes without children must be indicators (level 1): {leaf_levels}")
        aggs = [c for c in codes if children[c]]
        aggregates = tuple(sorted(aggs, key=lambda c: (level[c], codes.index(c))))
        if columns is not None:
            cols = [str(c) for c in columns]
            for leaf in leaves:
                if leaf not in cols:
                    raise UnknownNameError("indicator", leaf, difflib.get_close_matches(leaf, cols, n=3))
        return cls(parent={c: (ps[0] if ps else None) for c, ps in parents.items()},
                   children={c: tuple(v) for c, v in children.items()}, weight=weight,
                   level=level, method=method, leaves=leaves, aggregates=aggregates, root=roots[0],
                   parents={c: tuple(ps) for c, ps in parents.items()}, roots=tuple(roots), edge_weight=edge_weight)

    def leaves_under(self, code: str) -> tuple[str, ...]:
        """Leaves below ``code`` in tree order, each once (``(code,)`` for a leaf)."""
        kids = self.children[code]
        if not kids:
            return (code,)
        return tuple(dict.fromkeys(leaf for k in kids for leaf in self.leaves_under(k)))

    def ancestors(self, code: str) -> set[str]:
        """Every node above ``code``, through all its parents."""
        out: set[str] = set()
        todo = list(self.parents.get(code, ()))
        while todo:
            p = todo.pop()
            if p not in out:
                out.add(p)
                todo.extend(self.parents.get(p, ()))
        return out

    def block_of(self, leaf: str) -> str | None:
        return self.parent[leaf]
