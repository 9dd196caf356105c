r"""Aggregation over the tree, bottom-up, at every level.

For a node with children :math:`c` and weights :math:`w_c` (renormalised over present children):

* ``arithmetic``: :math:`\sum_c w_c y_c`;
* ``geometric``: :math:`\prod_c y_c^{w_c}` — needs positive values; the pipeline refuses zeros and
  negatives with one message (normalise onto e.g. [1, 100]); the kernel's rule for zeros is 0;
* ``harmonic``: :math:`1 / \sum_c (w_c / y_c)` — same positivity rule;
* ``copeland``: wins minus losses in weighted pairwise comparisons (non-compensatory; Munda & Nardo
  2009) — a count, not on the children's scale;
* ``sum``: :math:`\sum_c w_c y_c` without renormalisation (the SVI sums percentile ranks);
* ``complementary_geometric`` (INFORM, 0–10 scores): :math:`z_c = 1 + 0.9 (10 - y_c)`,
  :math:`\bar z = \prod_c z_c^{w_c}`, score :math:`10 - (\bar z - 1)/0.9`.

``missing="skip"`` drops missing children (weights renormalised); ``"propagate"`` makes a node
missing when any child is missing (the SVI rule). A node's ``coverage`` (``min_children: k`` or
``min_share: s``) leaves a unit without a score at that node when fewer children are present
(:func:`withheld_table` lists them). A node with a ``formula`` is that expression of its children's
values (:mod:`territoria.assess.formula`; weights do not apply). Zeros under a geometric or harmonic
node follow the node's ``zeros`` rule: ``refuse`` (default: an error), ``zero`` (the node is 0, the
limit of the mean) or ``epsilon`` (each zero child value is replaced by the stated ``epsilon``).
A node reused under several parents (``reuse: true``, a DAG) is computed once and
enters each parent with that edge's weight. Per node, ``round`` rounds the node value
(half to even) and ``post`` re-expresses it (e.g. percentile rank of the theme sums); the parent uses
the re-expressed value unless the node says ``parent_uses: raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess import kernels
from territoria.assess.base import Interval, OneOf, Step, as_frame
from territoria.assess.formula import parse_formula
from territoria.assess.spec import AGGREGATE_METHODS, MISSING_RULES, ZEROS_RULES
from territoria.assess.threads import each, thread_count
from territoria.assess.tree import CompiledTree, with_edges
from territoria.errors import DegenerateIndicatorError, coded

__all__ = ["Aggregate", "aggregate_array", "combine", "node_value", "withheld_table"]

_MEANS = ("geometric", "harmonic")


def node_value(vals: np.ndarray, w: np.ndarray, method: str, *, opt: Any = None, names: list[str] | None = None,
               missing: str = "skip", zeros: str = "refuse", epsilon: float | None = None) -> np.ndarray:
    """One node's value from its children's values (last axis): formula or weighted mean, then the
    ``missing`` rule and the node's ``coverage``. ``zeros`` / ``epsilon`` are used when ``opt`` has none."""
    if method == "formula":
        formula = parse_formula(opt.formula)
        value = formula.evaluate({n: vals[..., j] for j, n in enumerate(names or [])})
    else:
        rule = getattr(opt, "zeros", None) or zeros
        if rule == "epsilon" and method in _MEANS:
            eps = getattr(opt, "epsilon", None) or epsilon
            vals = np.where(vals == 0, eps, vals)
        value = combine(vals, w, method)
    if missing == "propagate":
        value = np.where(np.isnan(vals).any(axis=-1), np.nan, value)
    coverage = getattr(opt, "coverage", None)
    if coverage is not None:
        present = (~np.isnan(vals)).sum(axis=-1)
        value = np.where(coverage.withheld(present, vals.shape[-1]), np.nan, value)
    return value


def withheld_table(aggregated: pd.DataFrame, tree: pd.DataFrame, options: Mapping[str, Any]) -> pd.DataFrame:
    """Units left without a score at a node by the node's ``coverage`` rule, one row per (unit, node) in
    tree order: the unit (index levels), node, present, children, rule (``min_children`` / ``min_share``),
    need, the English reason and its message code (``reason.coverage``, params present, children, rule,
    need) for the Russian and Kazakh wording."""
    kids = tree.dropna(subset=["parent"]).groupby("parent", sort=False)["code"].apply(list).to_dict()
    names = list(aggregated.index.names) if aggregated.index.names[0] is not None else ["unit"]
    parts = []
    for node in tree.drop_duplicates("code").sort_values("level", kind="stable")["code"]:
        coverage = getattr(options.get(node), "coverage", None)
        if coverage is None or node not in kids:
            continue
        present = aggregated[kids[node]].notna().sum(axis=1)
        hit = coverage.withheld(present.to_numpy(), len(kids[node]))
        if hit.any():
            part = present[hit].rename("present").to_frame()
            part.index.names = names
            part = part.reset_index()
            part.insert(len(names), "node", node)
            part["children"] = len(kids[node])
            rule, need = ("min_children", coverage.min_children) if coverage.min_children is not None else \
                ("min_share", coverage.min_share)
            part["rule"], part["need"] = rule, need
            part["reason"] = [f"{p} of {len(kids[node])} children present; coverage needs {coverage.describe()}"
                              for p in part["present"]]
            part["code"] = "reason.coverage"          # worded in ru / kk / en by territoria.report.messages
            parts.append(part)
    if not parts:
        empty = {"node": object, "present": int, "children": int, "rule": object, "need": float, "reason": object,
                 "code": object}
        return pd.DataFrame({**{n: pd.Series([], dtype=object) for n in names},
                             **{k: pd.Series([], dtype=t) for k, t in empty.items()}})
    return pd.concat(parts, ignore_index=True)


def combine(x: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    """Aggregate the last axis of ``x`` with weights ``w`` by ``method`` (see the module docstring)."""
    if method == "arithmetic":
        w = np.asarray(w, dtype=float)
        if x.ndim == 2 and w.ndim == 1 and not (w < 0).any() and not np.isnan(x).any():
            # every child present: the kernel's renormalised weights are w / sum(w) on every row, so
            # the same products summed in the same order (the same bits) without the masks
            total = w.sum()
            if total > 0:
                return (x * (w / total)).sum(axis=-1)
        return kernels.aggregate_arithmetic(x, w)
    if method == "geometric":
        return kernels.aggregate_geometric(x, w)
    if method == "harmonic":
        return kernels.aggregate_harmonic(x, w)
    if method == "sum":
        wb = np.broadcast_to(w, x.shape)
        total = np.nansum(x * wb, axis=-1)
        return np.where(np.isnan(x).all(axis=-1), np.nan, total)
    if method == "complementary_geometric":
        z = kernels.aggregate_geometric(1.0 + 0.9 * (10.0 - x), w)
        return 10.0 - (z - 1.0) / 0.9
    if method == "copeland":
        return kernels.aggregate_copeland(x, w)
    raise ValueError(f"unknown aggregation method {method!r}")


def aggregate_array(x: np.ndarray, tree: CompiledTree, *, weights: list[np.ndarray] | None = None,
                    method: str | None = None, missing: str = "skip",
                    options: Mapping[str, Any] | None = None, order: str = "C", zeros: str = "refuse",
                    epsilon: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores of every code of the tree from a ``(..., n_units, n_leaves)`` array of normalised values.

    Parameters
    ----------
    x : ndarray
        Leaf values in ``tree.leaves`` order; a leading replication axis is allowed.
    weights : list of ndarray, optional
        Per node (``tree.nodes`` order) the children's weights; default ``tree.weights``. Each may carry a
        leading replication axis shaped ``(R, 1, k)`` to perturb weights per replication.
    method : str, optional
        Overrides every node's method (an uncertainty alternative).
    options : mapping, optional
        Per-node options with attributes ``round``, ``post``, ``parent_uses``, ``formula``, ``coverage``,
        ``zeros``, ``epsilon`` (spec ``NodeSpec``, defaults resolved by ``AssessmentSpec.node_options``).
    zeros, epsilon : optional
        The rule for zeros under geometric / harmonic nodes whose options give none.
    order : {"C", "F"}, default="C"
        Memory order of the returned arrays (``F``: each code's column contiguous, as the stage
        tables hold them); the results are the same numbers either way.

    Returns
    -------
    reported, raw : ndarray
        ``(..., n_units, n_leaves + n_nodes)`` in ``tree.codes`` order: the value reported per node
        (after ``post``) and the raw aggregate (the same array when no node has a ``post``).
    """
    x = np.asarray(x, dtype=float)
    n_all = len(tree.leaves) + len(tree.nodes)
    reported = np.full((*x.shape[:-1], n_all), np.nan, order=order)
    reported[..., : len(tree.leaves)] = x
    options = options or {}
    posts = any(getattr(options.get(node), "post", None) is not None for node in tree.nodes)
    raw = reported.copy() if posts else reported
    feed = reported.copy() if posts else reported
    codes = tree.codes
    for i, node in enumerate(tree.nodes):
        kids = tree.children[i]
        w = tree.weights[i] if weights is None else weights[i]
        m = tree.methods[i] if tree.methods[i] == "formula" else (method or tree.methods[i])
        vals = feed[..., kids]
        opt = options.get(node)
        value = node_value(vals, w, m, opt=opt, names=[codes[k] for k in kids], missing=missing, zeros=zeros,
                           epsilon=epsilon)
        if opt is not None and opt.round is not None:
            value = np.round(value, opt.round)
        col = len(tree.leaves) + i
        raw[..., col] = value
        if posts:
            shown = _post(value, opt.post) if opt is not None and opt.post is not None else value
            reported[..., col] = shown
            feed[..., col] = value if (opt is not None and opt.parent_uses == "raw") else shown
    return reported, raw


def _post(value: np.ndarray, post: Any) -> np.ndarray:
    v = value[..., :, None]
    if post.method == "percentile_rank":
        out = kernels.percentile_rank(-v if post.descending else v)
    elif post.method == "rank":
        out = kernels.rank(-v if post.descending else v)
    else:
        out = kernels.minmax(v)
    out = out[..., 0]
    return np.round(out, post.decimals) if post.decimals is not None else out


class Aggregate(Step):
    """Aggregate normalised indicators to every node of the tree (see the module docstring).

    Parameters
    ----------
    method : str, default="arithmetic"
        Default method of nodes that declare none.
    missing : {"skip", "propagate"}, default="skip"
    zeros : {"refuse", "zero", "epsilon"}, default="refuse"
        Zeros under geometric / harmonic nodes whose options give no rule.
    epsilon : float or None, default=None
        The value replacing a zero with ``zeros="epsilon"``.

    Attributes
    ----------
    tree_ : CompiledTree
    zeros_ : dict
        The rule for zeros used at each geometric / harmonic node (``"epsilon 0.01"`` with its value).

    Notes
    -----
    A geometric or harmonic node over a child with a value < 0, or = 0 under the rule ``refuse``, raises
    :class:`~territoria.errors.DegenerateIndicatorError` naming the node, the child and a unit. With
    several years the units of all years are aggregated together row by row (aggregation is row-wise
    except ``copeland`` and ``post``, which work within each year). :meth:`apply` writes
    ``aggregated`` and ``aggregated_raw`` (node values before ``post`` re-expression, the theme sums
    of the SVI).
    """

    family = "aggregate"
    method = "aggregate"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*AGGREGATE_METHODS)],
        "missing": [OneOf(*MISSING_RULES)],
        "zeros": [OneOf(*ZEROS_RULES)],
        "epsilon": [Interval(float, 0, None, closed="neither"), None],
    }

    reads = ("normalised",)
    writes = ("aggregated", "aggregated_raw")

    def __init__(self, *, method: str = "arithmetic", missing: str = "skip", zeros: str = "refuse",
                 epsilon: float | None = None) -> None:
        self.method = method
        self.missing = missing
        self.zeros = zeros
        self.epsilon = epsilon

    def _fit(self, table: pd.DataFrame, *, tree: pd.DataFrame | None = None, weights: pd.Series | None = None,
             options: Mapping[str, Any] | None = None, **_: Any) -> None:
        frame = with_edges(tree).copy()
        frame["method"] = frame["method"].where(frame["method"].notna(), None)
        if weights is not None:               # keyed by edge: a reused node weighs differently per parent
            frame["weight"] = frame["edge"].map(weights).to_numpy(dtype=float)
        self.tree_ = CompiledTree.from_frame(frame, leaves=list(table.columns), default_method=self.method)
        self._options = dict(options or {})
        if self.zeros == "epsilon" and self.epsilon is None:
            raise coded(self.parameter_error("epsilon", "zeros='epsilon' needs the value that replaces a zero"),
                        "error.spec_rule.epsilon_missing")
        rules = {}
        for node, m in zip(self.tree_.nodes, self.tree_.methods, strict=True):
            if m in _MEANS:
                rule, eps = self._zeros_of(node)
                rules[node] = f"epsilon {eps:g}" if rule == "epsilon" else rule
        self.zeros_ = rules

    def _zeros_of(self, node: str) -> tuple[str, float | None]:
        opt = self._options.get(node)
        rule = getattr(opt, "zeros", None) or self.zeros
        return rule, (getattr(opt, "epsilon", None) or self.epsilon) if rule == "epsilon" else None

    def fit_scope(self) -> str:
        return "none"

    def transform_scope(self) -> str:
        return "table" if self._within_years() else "rows"

    def _within_years(self) -> bool:
        """True when a node ranks across units (``copeland``, a ``post``): aggregated year by year."""
        t = self.tree_ if hasattr(self, "tree_") else None
        methods = t.methods if t is not None else [self.method]
        return "copeland" in methods or any(getattr(o, "post", None) is not None
                                            for o in getattr(self, "_options", {}).values())

    def aggregate(self, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(reported, raw) scores of every tree code; pure."""
        t = self.tree_
        self._check_positive(table)
        x = table.to_numpy(dtype=float)
        if not self._within_years():
            # the indicators' columns are the input's own (no copy); only the aggregates are new
            nodes = as_frame(self._node_values(x), table.index, t.nodes)
            reported = pd.concat([table[t.leaves], nodes], axis=1)
            return reported, reported
        else:
            rep = np.full((len(table), len(t.codes)), np.nan, order="F")
            raw = rep.copy()
            for rows in _groups_by_year(table):
                rep[rows], raw[rows] = aggregate_array(x[rows], t, missing=self.missing, options=self._options,
                                                       zeros=self.zeros, epsilon=self.epsilon)
        reported = as_frame(rep, table.index, t.codes)
        return reported, (reported if raw is rep else as_frame(raw, table.index, t.codes))

    def _node_values(self, x: np.ndarray) -> np.ndarray:
        """Every aggregate, bottom-up, row by row (no node ranks across units): an ``(n, n_nodes)``
        column-major array. The same operations in the same order as :func:`aggregate_array`; a weighted
        mean of children without gaps is accumulated child by child (as NumPy sums a column-major block)."""
        t, n_leaves = self.tree_, len(self.tree_.leaves)
        nodes = np.empty((x.shape[0], len(t.nodes)), order="F")
        for i, node in enumerate(t.nodes):
            cols = [x[:, k] if k < n_leaves else nodes[:, k - n_leaves] for k in t.children[i]]
            w, method = np.asarray(t.weights[i], dtype=float), t.methods[i]
            total = w.sum()
            opt = self._options.get(node)
            plain = getattr(opt, "coverage", None) is None
            fast = method == "arithmetic" and not (w < 0).any() and total > 0 and plain
            # a gap in a child gives a NaN in the sum, so only a sum with a NaN needs the children checked
            if fast and _weighted_sum(cols, w / total, out=nodes[:, i]) \
                    and any(np.isnan(np.add.reduce(c)) and np.isnan(c).any() for c in cols):
                fast = False
            if fast:
                if opt is not None and opt.round is not None:
                    nodes[:, i] = np.round(nodes[:, i], opt.round)
                continue
            else:
                vals = np.empty((x.shape[0], len(cols)), order="F")
                for j, c in enumerate(cols):
                    vals[:, j] = c
                value = node_value(vals, w, method, opt=opt, names=[t.codes[k] for k in t.children[i]],
                                   missing=self.missing, zeros=self.zeros, epsilon=self.epsilon)
            if opt is not None and opt.round is not None:
                value = np.round(value, opt.round)
            nodes[:, i] = value
        return nodes

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        return self.aggregate(table)[0]

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        if not getattr(self, "is_fitted_", False):
            self.transform(table)                       # raises the not-fitted error
        rep, raw = self.aggregate(table)
        return {"aggregated": rep, "aggregated_raw": raw}

    def _check_positive(self, table: pd.DataFrame) -> None:
        t = self.tree_
        codes = t.codes
        for i, node in enumerate(t.nodes):
            if t.methods[i] not in _MEANS:
                continue
            refuse = self._zeros_of(node)[0] == "refuse"
            for k in t.children[i]:
                child = codes[k]
                if child in table.columns:
                    bad = table[child][table[child] <= 0] if refuse else table[child][table[child] < 0]
                    if len(bad):
                        hint = ("normalise onto a positive range (e.g. normalise: {method: minmax, low: 1, "
                                "high: 100}), choose a rule for zeros (aggregate: {zeros: zero} or {zeros: "
                                "epsilon, epsilon: 0.01}) or use arithmetic") if refuse else \
                            "normalise onto a non-negative range or use arithmetic"
                        raise coded(DegenerateIndicatorError(
                            f"aggregate: node {node!r} uses a {t.methods[i]} mean but {child!r} has "
                            f"{len(bad)} value(s) {'<= 0' if refuse else '< 0'} (first: unit {bad.index[0]!r}, "
                            f"value {bad.iloc[0]:g}); {hint}"), "error.run.not_positive", refuse=refuse,
                            node=str(node), method=str(t.methods[i]), child=str(child), n=len(bad),
                            unit=str(bad.index[0]), value=float(bad.iloc[0]))


def _weighted_sum(cols: list[np.ndarray], wn: np.ndarray, *, out: np.ndarray, block: int = 8192) -> bool:
    r""":math:`\sum_j w_j c_j` into ``out``, child by child as before (the same operations, so the same
    bits), over blocks of rows that stay in cache, one scratch buffer per piece; the row blocks are
    shared between the threads in use (:mod:`territoria.assess.threads`). True when the sum has a NaN."""
    n = out.shape[0]
    n_blocks = -(-n // block)
    pieces = max(1, min(n_blocks, 4 * thread_count()))      # a few pieces a thread, whole blocks each
    bounds = [n_blocks * k // pieces * block for k in range(pieces)] + [n]

    def piece(k: int) -> bool:
        scratch = np.empty(min(block, n))
        nan = False
        for start in range(bounds[k], bounds[k + 1], block):
            part = out[start:start + block]
            tmp = scratch[:part.shape[0]]
            np.multiply(cols[0][start:start + block], wn[0], out=part)
            for c, wj in zip(cols[1:], wn[1:], strict=True):
                np.multiply(c[start:start + block], wj, out=tmp)
                part += tmp
            nan = nan or bool(np.isnan(np.add.reduce(part)))
        return nan

    return any(each(piece, pieces, cells=n * len(cols)))


def _groups_by_year(table: pd.DataFrame) -> list[np.ndarray]:
    if isinstance(table.index, pd.MultiIndex) and "year" in table.index.names:
        years = table.index.get_level_values("year")
        return [np.flatnonzero(years == y) for y in pd.unique(years)]
    return [np.arange(len(table))]
