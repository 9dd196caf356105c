"""The indicator tree: rows from the spec, structural checks, the contract DataFrame, a compiled form.

:class:`CompiledTree` turns the tree DataFrame (code, parent, weight, level, method) into index arrays
that the array aggregation (:func:`territoria.assess.aggregate.aggregate_array`) walks bottom-up.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from territoria.assess.formula import FormulaError, parse_formula
from territoria.errors import SpecError, coded

if TYPE_CHECKING:
    from territoria.assess.spec import AssessmentSpec, TreeRow

__all__ = ["CompiledTree", "build_rows", "defined", "edge_key", "node_table", "path_weights", "tree_frame",
           "with_edges"]


def build_rows(spec: AssessmentSpec) -> list[tuple[TreeRow, str]]:
    """Flatten the spec tree into rows with their YAML path, one per edge; check its structure.

    A node is defined once; a child entry ``{reuse: true, weight: w}`` (nested form) or a row with
    ``reuse: true`` (flat form) adds one more edge to a node defined elsewhere: the tree is then a DAG.
    """
    # lazy: cycle: territoria.assess.spec imports this module
    from territoria.assess.spec import TreeRow

    rows: list[tuple[TreeRow, str]] = []
    if isinstance(spec.tree, dict):
        if not spec.tree:
            raise SpecError("tree", "the tree is empty; give the composite and its children")

        def walk(code: str, node, parent: str | None, path: str) -> None:
            opts = {} if node is None else node.model_dump(exclude={"children"})
            if node is not None and node.reuse:
                if node.children is not None:
                    raise SpecError(f"{path}.children", f"a reuse entry adds an edge to {code!r}, defined "
                                                        "elsewhere with its children; give only 'reuse' and 'weight'")
                _check_reuse_keys(node, path)
            rows.append((TreeRow(code=code, parent=parent, **opts), path))
            if node is not None and node.children is not None:
                if not node.children:
                    raise SpecError(f"{path}.children", f"block {code!r} has no indicator")
                for child, sub in node.children.items():
                    walk(child, sub, code, f"{path}.children.{child}")
            elif node is not None and node.method is not None and parent is not None and not node.reuse:
                raise SpecError(path, f"block {code!r} declares method {node.method!r} but has no children "
                                      "(no indicator)")

        for root, node in spec.tree.items():
            if node.reuse:
                raise SpecError(f"tree.{root}.reuse", f"{root!r} is a root (an output of the spec); a reuse entry "
                                                      "is a child of a second parent")
            if node.children is None:
                raise SpecError(f"tree.{root}", f"root {root!r} has no children (no indicator)")
            walk(root, node, None, f"tree.{root}")
    else:
        rows = [(row, f"tree[{i}]") for i, row in enumerate(spec.tree)]
        for row, path in rows:
            if row.reuse:
                _check_reuse_keys(row, path)
    _check_structure(rows)
    return rows


def _check_reuse_keys(node: Any, path: str) -> None:
    """A reuse entry gives its edge's weight only: the node's options belong to its definition."""
    fields = type(node).model_fields
    for key, info in fields.items():
        if key in ("reuse", "weight", "children", "code", "parent"):
            continue
        if getattr(node, key) != info.get_default(call_default_factory=True):
            raise SpecError(f"{path}.{key}", f"{key!r} of a reused node is given where the node is defined; a "
                                             "reuse entry gives only 'reuse: true' and its 'weight' under this parent")


def edge_key(code: str, parent: str | None, *, reuse: bool) -> str:
    """The key of an edge's weight: the code for the edge where the node is defined, ``code@parent`` for
    a reuse edge (the key of ``weight.values`` and of ``Result.weights``)."""
    return f"{code}@{parent}" if reuse else code


def _check_structure(rows: list[tuple[TreeRow, str]]) -> None:
    defined: dict[str, tuple[TreeRow, str]] = {}
    for row, path in rows:
        if row.reuse:
            continue
        if row.code in defined:
            raise SpecError(path, f"{row.code!r} appears twice in the tree (also at {defined[row.code][1]}); a code "
                                  "is defined once: to use the same node under a second parent, write it there as "
                                  f"'{row.code}: {{reuse: true, weight: w}}' (a node cannot contain itself)")
        defined[row.code] = (row, path)
    edges: dict[tuple[str, str | None], str] = {}
    for row, path in rows:
        if row.parent is not None and row.parent not in defined:
            raise SpecError(f"{path}.parent", f"parent {row.parent!r} of {row.code!r} is not in the tree")
        if row.reuse:
            if row.code not in defined:
                close = difflib.get_close_matches(row.code, list(defined), n=3)
                hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
                raise SpecError(f"{path}.reuse", f"reuses {row.code!r}, which is not defined in the tree{hint}; "
                                                 "define the node once, then reuse it by its code")
            if row.parent is None:
                raise SpecError(f"{path}.parent", f"a reuse entry of {row.code!r} needs the parent it is added to")
            if defined[row.code][0].parent is None:
                raise SpecError(f"{path}.reuse", f"{row.code!r} is a root (an output of the spec) and cannot be "
                                                 "the child of another node; define it under a parent and reuse it")
        key = (row.code, row.parent)
        if key in edges:
            raise SpecError(path, f"{row.code!r} is a child of {row.parent!r} twice (also at {edges[key]})")
        edges[key] = path
    kids: dict[str, list[tuple[str, str]]] = {}
    for row, path in rows:
        if row.parent is not None:
            kids.setdefault(row.parent, []).append((row.code, path))
    _check_acyclic(kids, list(defined))
    roots = [c for c, (r, _) in defined.items() if r.parent is None]
    if not roots:
        raise SpecError("tree", "the tree has no root (a node without parent)")
    children = set(kids)
    for row, path in rows:
        if row.reuse:
            continue
        if row.method is not None and row.code not in children:
            raise SpecError(path, f"block {row.code!r} declares method {row.method!r} but has no indicator")
        if row.code not in children:
            for key in ("formula", "coverage", "zeros", "epsilon"):
                if getattr(row, key) is not None:
                    raise coded(SpecError(f"{path}.{key}", f"{key!r} applies to a block (a node with children); "
                                                           f"{row.code!r} is an indicator"),
                                "error.spec_rule.block_key", key=key, code=row.code)
        elif row.transform is not None:
            raise coded(SpecError(f"{path}.transform", f"'transform' applies to an indicator; {row.code!r} is a "
                                                       "block (transform its indicators, or give the block a formula)"),
                        "error.spec_rule.transform_block", code=row.code)
        if row.formula is not None:
            _check_formula(row, path, kids[row.code])
            for child, cpath in kids[row.code]:
                crow = next(r for r, p in rows if p == cpath)
                if crow.weight != 1.0:
                    raise SpecError(f"{cpath}.weight", f"{child!r} is a term of the formula of {row.code!r}; a "
                                                       "weight does not apply there (write it in the formula)")


def _check_acyclic(kids: dict[str, list[tuple[str, str]]], codes: list[str]) -> None:
    """Depth-first search over the edges; a path back to a node on the stack is a cycle, named by the
    key path of the edge that closes it."""
    state: dict[str, int] = {}                        # 1 on the stack, 2 done

    def visit(code: str, stack: list[str]) -> None:
        state[code] = 1
        stack.append(code)
        for child, path in kids.get(code, []):
            if state.get(child) == 1:
                loop = " -> ".join([*stack[stack.index(child):], child])
                raise SpecError(path, f"the tree has a cycle: {loop}")
            if child not in state:
                visit(child, stack)
        stack.pop()
        state[code] = 2

    for code in codes:
        if code not in state:
            visit(code, [])


def _check_formula(row: TreeRow, path: str, children: list[tuple[str, str]]) -> None:
    """A formula node: the formula parses, names exactly its children, and no weight or method is given."""
    try:
        formula = parse_formula(row.formula)
    except FormulaError as exc:
        raise SpecError(f"{path}.formula", str(exc)) from None
    codes = [c for c, _ in children]
    unknown = [n for n in formula.names if n not in codes]
    if unknown:
        raise SpecError(f"{path}.formula", f"{unknown[0]!r} is not a child of {row.code!r}; a formula names the "
                                           f"node's children: {', '.join(codes)}")
    unused = [c for c in codes if c not in formula.names]
    if unused:
        raise SpecError(f"{path}.formula", f"child {unused[0]!r} of {row.code!r} is not used by the formula "
                                           f"{row.formula!r}; use every child or remove it")
    if row.method is not None:
        raise SpecError(f"{path}.method", f"{row.code!r} has a formula; a method does not apply (give one of them)")


def tree_frame(spec: AssessmentSpec) -> pd.DataFrame:
    """The contract tree DataFrame, one row per edge: code, parent, weight (of the edge), level, method,
    direction, edge (the key of the edge's weight, :func:`edge_key`). A node reused under a second parent
    has one row per parent; its level, method and direction are those of its definition."""
    rows = [row for row, _ in build_rows(spec)]
    defined = {row.code: row for row in rows if not row.reuse}
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

    def method(code: str) -> str | None:
        d = defined[code]
        return ("formula" if d.formula is not None else (d.method or default)) if code in kids else None

    frame = pd.DataFrame({
        "code": [r.code for r in rows],
        "parent": [r.parent for r in rows],
        "weight": [float(r.weight) for r in rows],
        "level": [lev(r.code) for r in rows],
        "method": [method(r.code) for r in rows],
        "direction": [float(defined[r.code].direction) if defined[r.code].direction is not None else np.nan
                      for r in rows],
        "edge": [edge_key(r.code, r.parent, reuse=r.reuse) for r in rows],
    })
    frame["parent"] = frame["parent"].astype(object).where(frame["parent"].notna(), None)
    return frame


def with_edges(tree: pd.DataFrame) -> pd.DataFrame:
    """``tree`` with its ``edge`` column (a contract tree written by hand may lack it): the code for a
    code's first row, ``code@parent`` for each further row of the same code (a reuse edge)."""
    if "edge" in tree.columns:
        return tree
    out = tree.copy()
    again = out["code"].duplicated(keep="first").to_numpy()
    out["edge"] = [edge_key(c, p, reuse=bool(r)) for c, p, r in zip(out["code"], out["parent"], again, strict=True)]
    return out


def defined(tree: pd.DataFrame, column: str) -> dict[str, Any]:
    """Each code's ``column`` from the row that defines it (its first), in tree order: :func:`node_table`'s
    values as a dict, without building the table (a few dozen rows: the loop costs less than pandas)."""
    out: dict[str, Any] = {}
    values = tree[column] if column in tree.columns else [None] * len(tree)
    for code, value in zip(tree["code"], values, strict=True):
        out.setdefault(code, value)
    return out


def node_table(tree: pd.DataFrame) -> pd.DataFrame:
    """One row per code (the row where it is defined), indexed by code: for look-ups of a node's level,
    method or direction in a tree whose reused nodes have several rows."""
    return tree.drop_duplicates("code").set_index("code")


def path_weights(tree: pd.DataFrame, weights: pd.Series | None = None) -> list[tuple[str, str, float]]:
    r"""``(root, leaf, W)`` for every root and every leaf below it, leaves in tree order.

    :math:`W` is the sum over the paths from the leaf to the root of the products of the edges'
    weights normalised among their siblings (:math:`w_e / \sum_{siblings} w`; 0 when the siblings weigh
    0): the leaf's effective weight in that root (exact for arithmetic nodes). ``weights`` is keyed by
    edge (default: the tree's).
    """
    t = with_edges(tree)
    w = t["weight"].to_numpy(dtype=float) if weights is None else \
        t["edge"].map(weights).to_numpy(dtype=float)
    total: dict[str, float] = {}
    for parent, wi in zip(t["parent"], w, strict=True):
        if parent is not None and not pd.isna(parent):
            total[parent] = total.get(parent, 0.0) + float(wi)
    kids: dict[str, list[tuple[str, float]]] = {}
    for code, parent, wi in zip(t["code"], t["parent"], w, strict=True):
        if parent is not None and not pd.isna(parent):
            kids.setdefault(parent, []).append((code, float(wi) / total[parent] if total[parent] > 0 else 0.0))
    level = {code: int(lv) for code, lv in defined(t, "level").items()}
    codes = list(level)
    roots = [c for c, p in zip(t["code"], t["parent"], strict=True) if p is None or pd.isna(p)]
    top_down = sorted((c for c in codes if c in kids), key=lambda c: -level[c])
    per_root = {}
    for root in roots:
        share = {root: 1.0}
        for node in top_down:                           # every parent of a node comes before it
            if node in share:
                for child, s in kids[node]:
                    share[child] = share.get(child, 0.0) + share[node] * s
        per_root[root] = share
    return [(root, leaf, per_root[root][leaf]) for leaf in codes if leaf not in kids for root in roots
            if leaf in per_root[root]]


@dataclass(frozen=True)
class CompiledTree:
    """Index arrays of a tree (a DAG when a node is reused), aggregates ordered bottom-up.

    Attributes
    ----------
    leaves : list of str
        Indicator codes, the column order of the units × indicators array.
    nodes : list of str
        Aggregate codes, children always before parents; the primary root (the spec's first) is last.
    children : list of numpy.ndarray
        For each node, positions of its children in ``leaves + nodes`` (the "all" axis).
    weights : list of numpy.ndarray
        Relative weights of those children (of the edges), as in the tree.
    methods : list of str
        Aggregation method of each node.
    slots : list of str
        The keys of every edge weight: ``codes`` (the edge where each code is defined), then the reuse
        edges (``code@parent``); weight vectors of the uncertainty analysis follow this order.
    edges : list of numpy.ndarray
        For each node, the positions in ``slots`` of its children's edges (aligned with ``children``).
    """

    leaves: list[str]
    nodes: list[str]
    children: list[np.ndarray]
    weights: list[np.ndarray]
    methods: list[str]
    slots: list[str] = field(default_factory=list)
    edges: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def from_frame(cls, tree: pd.DataFrame, *, leaves: list[str] | None = None,
                   default_method: str = "arithmetic") -> CompiledTree:
        """Compile a contract tree frame; ``leaves`` fixes the indicator order (default: tree order)."""
        tree = with_edges(tree)
        is_parent = {p for p in tree["parent"] if p is not None and not pd.isna(p)}
        codes = list(dict.fromkeys(tree["code"]))
        leaf_codes = [c for c in codes if c not in is_parent]
        if leaves is not None:
            if set(leaves) != set(leaf_codes):
                raise SpecError("tree", f"leaves {sorted(set(leaves) ^ set(leaf_codes))} differ from the tree")
            leaf_codes = list(leaves)
        level, method = defined(tree, "level"), defined(tree, "method")
        # bottom-up, ties in tree order (a stable sort; a code without a level last, as pandas sorts NaN)
        order = [c for c in sorted(codes, key=lambda c: (pd.isna(level[c]), 0 if pd.isna(level[c]) else level[c]))
                 if c in is_parent]
        primary = next(c for c, p in zip(tree["code"], tree["parent"], strict=True) if p is None or pd.isna(p))
        order = [*(c for c in order if c != primary), primary]
        pos = {c: i for i, c in enumerate([*leaf_codes, *order])}
        extra = [e for c, e in zip(tree["code"], tree["edge"], strict=True) if e != c]
        slot = {**{c: pos[c] for c in pos}, **{e: len(pos) + i for i, e in enumerate(extra)}}
        kids: dict[str, list[tuple[str, float, int]]] = {n: [] for n in order}
        for code, parent, w, edge in zip(tree["code"], tree["parent"], tree["weight"], tree["edge"], strict=True):
            if parent is not None and not pd.isna(parent):
                kids[parent].append((code, float(w), slot[edge]))
        return cls(
            leaves=leaf_codes,
            nodes=order,
            children=[np.array([pos[k] for k, _, _ in kids[n]]) for n in order],
            weights=[np.array([w for _, w, _ in kids[n]]) for n in order],
            methods=[(method.get(n) if isinstance(method.get(n), str) else default_method) for n in order],
            slots=[*leaf_codes, *order, *extra],
            edges=[np.array([s for _, _, s in kids[n]]) for n in order],
        )

    @property
    def reused(self) -> bool:
        """True when some node has more than one parent (the tree is a DAG)."""
        return len(self.slots) > len(self.leaves) + len(self.nodes)

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
