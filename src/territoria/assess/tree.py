"""The indicator tree: rows from the spec, structural checks, the contract DataFrame, a compiled form.

:class:`CompiledTree` turns the tree DataFrame (code, parent, weight, level, method) into index arrays
that the array aggregation (:func:`territoria.assess.aggregate.aggregate_array`) walks bottom-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoria.assess.formula import FormulaError, parse_formula
from territoria.errors import SpecError

if TYPE_CHECKING:
    from territoria.assess.spec import AssessmentSpec, TreeRow

__all__ = ["CompiledTree", "build_rows", "tree_frame"]


def build_rows(spec: AssessmentSpec) -> list[tuple[TreeRow, str]]:
    """Flatten the spec tree into rows with their YAML path; check its structure."""
    from territoria.assess.spec import TreeRow

    rows: list[tuple[TreeRow, str]] = []
    if isinstance(spec.tree, dict):
        if not spec.tree:
            raise SpecError("tree", "the tree is empty; give the composite and its children")

        def walk(code: str, node, parent: str | None, path: str) -> None:
            opts = {} if node is None else node.model_dump(exclude={"children"})
            rows.append((TreeRow(code=code, parent=parent, **opts), path))
            if node is not None and node.children is not None:
                if not node.children:
                    raise SpecError(f"{path}.children", f"block {code!r} has no indicator")
                for child, sub in node.children.items():
                    walk(child, sub, code, f"{path}.children.{child}")
            elif node is not None and node.method is not None and parent is not None:
                raise SpecError(path, f"block {code!r} declares method {node.method!r} but has no children "
                                      "(no indicator)")

        for root, node in spec.tree.items():
            if node.children is None:
                raise SpecError(f"tree.{root}", f"root {root!r} has no children (no indicator)")
            walk(root, node, None, f"tree.{root}")
    else:
        rows = [(row, f"tree[{i}]") for i, row in enumerate(spec.tree)]
    _check_structure(rows)
    return rows


def _check_structure(rows: list[tuple[TreeRow, str]]) -> None:
    seen: dict[str, str] = {}
    for row, path in rows:
        if row.code in seen:
            raise SpecError(path, f"{row.code!r} appears twice in the tree (also at {seen[row.code]}); "
                                  "a code may have one parent only, and a node cannot contain itself")
        seen[row.code] = path
    parent = {row.code: row.parent for row, _ in rows}
    roots = [c for c, p in parent.items() if p is None]
    for row, path in rows:
        if row.parent is not None and row.parent not in parent:
            raise SpecError(f"{path}.parent", f"parent {row.parent!r} of {row.code!r} is not in the tree")
    for code in parent:
        chain, cur = [code], parent[code]
        while cur is not None:
            if cur in chain:
                loop = " -> ".join([*chain[chain.index(cur):], cur])
                raise SpecError(seen[code], f"the tree has a cycle: {loop}")
            chain.append(cur)
            cur = parent[cur]
    if not roots:
        raise SpecError("tree", "the tree has no root (a node without parent)")
    children = {c for p in parent.values() if p is not None for c in [p]}
    kids: dict[str, list[str]] = {}
    for row, _ in rows:
        if row.parent is not None:
            kids.setdefault(row.parent, []).append(row.code)
    for row, path in rows:
        if row.method is not None and row.code not in children:
            raise SpecError(path, f"block {row.code!r} declares method {row.method!r} but has no indicator")
        if row.code not in children:
            for key in ("formula", "coverage", "zeros", "epsilon"):
                if getattr(row, key) is not None:
                    raise SpecError(f"{path}.{key}", f"{key!r} applies to a block (a node with children); "
                                                     f"{row.code!r} is an indicator")
        elif row.transform is not None:
            raise SpecError(f"{path}.transform", f"'transform' applies to an indicator; {row.code!r} is a block "
                                                 "(transform its indicators, or give the block a formula)")
        if row.formula is not None:
            _check_formula(row, path, kids[row.code], {r.code: (r, p) for r, p in rows})


def _check_formula(row: TreeRow, path: str, children: list[str], by_code: dict) -> None:
    """A formula node: the formula parses, names exactly its children, and no weight or method is given."""
    try:
        formula = parse_formula(row.formula)
    except FormulaError as exc:
        raise SpecError(f"{path}.formula", str(exc)) from None
    unknown = [n for n in formula.names if n not in children]
    if unknown:
        raise SpecError(f"{path}.formula", f"{unknown[0]!r} is not a child of {row.code!r}; a formula names the "
                                           f"node's children: {', '.join(children)}")
    unused = [c for c in children if c not in formula.names]
    if unused:
        raise SpecError(f"{path}.formula", f"child {unused[0]!r} of {row.code!r} is not used by the formula "
                                           f"{row.formula!r}; use every child or remove it")
    if row.method is not None:
        raise SpecError(f"{path}.method", f"{row.code!r} has a formula; a method does not apply (give one of them)")
    for child in children:
        crow, cpath = by_code[child]
        if crow.weight != 1.0:
            raise SpecError(f"{cpath}.weight", f"{child!r} is a term of the formula of {row.code!r}; a weight does "
                                               "not apply there (write it in the formula)")


def tree_frame(spec: AssessmentSpec) -> pd.DataFrame:
    """The contract tree DataFrame (code, parent, weight, level, method, direction)."""
    rows = [row for row, _ in build_rows(spec)]
    kids: dict[str, list[str]] = {}
    for row in rows:
        if row.parent is not None:
            kids.setdefault(row.parent, []).append(row.code)
    level: dict[str, int] = {}

    def lev(code: str) -> int:
        if code not in level:
            level[code] = 1 if code not in kids else 1 + max(lev(c) for c in kids[code])
        return level[code]

    default = spec.aggregate.method
    frame = pd.DataFrame({
        "code": [r.code for r in rows],
        "parent": [r.parent for r in rows],
        "weight": [float(r.weight) for r in rows],
        "level": [lev(r.code) for r in rows],
        "method": [("formula" if r.formula is not None else (r.method or default)) if r.code in kids else None
                   for r in rows],
        "direction": [float(r.direction) if r.direction is not None else np.nan for r in rows],
    })
    frame["parent"] = frame["parent"].astype(object).where(frame["parent"].notna(), None)
    return frame


@dataclass(frozen=True)
class CompiledTree:
    """Index arrays of a tree, aggregates ordered bottom-up.

    Attributes
    ----------
    leaves : list of str
        Indicator codes, the column order of the units × indicators array.
    nodes : list of str
        Aggregate codes, children always before parents; the primary root (the spec's first) is last.
    children : list of numpy.ndarray
        For each node, positions of its children in ``leaves + nodes`` (the "all" axis).
    weights : list of numpy.ndarray
        Relative weights of those children, as in the tree.
    methods : list of str
        Aggregation method of each node.
    """

    leaves: list[str]
    nodes: list[str]
    children: list[np.ndarray]
    weights: list[np.ndarray]
    methods: list[str]

    @classmethod
    def from_frame(cls, tree: pd.DataFrame, *, leaves: list[str] | None = None,
                   default_method: str = "arithmetic") -> CompiledTree:
        """Compile a contract tree frame; ``leaves`` fixes the indicator order (default: tree order)."""
        parent_of = dict(zip(tree["code"], tree["parent"], strict=True))
        is_parent = {p for p in parent_of.values() if p is not None}
        leaf_codes = [c for c in tree["code"] if c not in is_parent]
        if leaves is not None:
            if set(leaves) != set(leaf_codes):
                raise SpecError("tree", f"leaves {sorted(set(leaves) ^ set(leaf_codes))} differ from the tree")
            leaf_codes = list(leaves)
        order = tree.loc[tree["code"].isin(is_parent)].sort_values("level", kind="stable")["code"].tolist()
        primary = next(c for c in tree["code"] if parent_of[c] is None)     # the first root: the composite
        order = [*(c for c in order if c != primary), primary]
        pos = {c: i for i, c in enumerate([*leaf_codes, *order])}
        weight = dict(zip(tree["code"], tree["weight"], strict=True))
        method = dict(zip(tree["code"], tree.get("method", pd.Series([None] * len(tree))), strict=True))
        kids: dict[str, list[str]] = {n: [] for n in order}
        for code in tree["code"]:
            if parent_of[code] is not None:
                kids[parent_of[code]].append(code)
        return cls(
            leaves=leaf_codes,
            nodes=order,
            children=[np.array([pos[k] for k in kids[n]]) for n in order],
            weights=[np.array([float(weight[k]) for k in kids[n]]) for n in order],
            methods=[(method.get(n) if isinstance(method.get(n), str) else default_method) for n in order],
        )

    @property
    def codes(self) -> list[str]:
        return [*self.leaves, *self.nodes]

    @property
    def root(self) -> str:
        """The primary root (the composite; the first root of the spec), always the last node."""
        return self.nodes[-1]

    @property
    def roots(self) -> list[str]:
        """Every node without a parent (a spec may give several outputs); the primary root is last."""
        below = {int(k) for kids in self.children for k in kids}
        n = len(self.leaves)
        return [node for i, node in enumerate(self.nodes) if n + i not in below]
