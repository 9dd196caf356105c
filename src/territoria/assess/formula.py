r"""Formula nodes: a node's value as an arithmetic expression of its children's values.

A node of the tree may give ``formula: "50 * (readiness - vulnerability + 1)"`` instead of an
aggregation method. The expression is parsed by Python's :mod:`ast` and checked against a whitelist of
node types before anything runs; it is evaluated by walking that checked tree over NumPy arrays —
never with ``eval``. Grammar (precedence from loosest to tightest, operators left-associative except
``^``/``**``)::

    expr    := term (("+" | "-") term)*
    term    := factor (("*" | "/") factor)*
    factor  := ("-" | "+") factor | power
    power   := atom (("**" | "^") factor)?
    atom    := NUMBER | CODE | "(" expr ")" | FUNC "(" expr ("," expr)* ")"
    FUNC    := "min" | "max" | "pow"
    CODE    := a child's code (letters, digits and "_", not starting with a digit)

``min`` and ``max`` take two or more arguments (element-wise, a missing value gives a missing
result), ``pow(a, b)`` is ``a ** b``. ``^`` is read as a power (as in spreadsheets), not as Python's
exclusive or. Every code named must be a child of the node, and every child must be named.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "parse_formula"]

#: The functions a formula may call, with their arity (None: two or more).
FUNCTIONS: dict[str, int | None] = {"min": None, "max": None, "pow": 2}

_BINARY: dict[type, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
    ast.Pow: np.power,
}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "** (or ^)"}


class FormulaError(ValueError):
    """A formula that is not in the grammar (the message says what was found and what is allowed)."""


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, the codes it names (in order of first use) and its syntax tree."""

    text: str
    names: tuple[str, ...]
    tree: ast.expr

    def evaluate(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The formula over arrays of the named codes (broadcast together); division by zero gives inf/NaN."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(_eval(self.tree, values), dtype=float)


def _eval(node: ast.expr, values: Mapping[str, np.ndarray]) -> np.ndarray | float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, values)
        return np.negative(inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_eval(a, values) for a in node.args]
    if node.func.id == "pow":
        return np.power(args[0], args[1])
    out = args[0]
    combine = np.minimum if node.func.id == "min" else np.maximum
    for a in args[1:]:
        out = combine(out, a)
    return out


def _check(node: ast.AST, text: str, names: list[str]) -> None:
    where = f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"{node.value!r}{where} is not a number; a formula has numbers, child codes, "
                               "+ - * / ** ^, parentheses and min/max/pow")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id!r}{where} is a function; call it as {node.id}(a, b)")
        if node.id not in names:
            names.append(node.id)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise FormulaError(f"unary operator {type(node.op).__name__}{where} is not allowed; only + and -")
        _check(node.operand, text, names)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise FormulaError(f"operator {type(node.op).__name__}{where} is not allowed; "
                               f"use {' '.join(_SYMBOL.values())}")
        _check(node.left, text, names)
        _check(node.right, text, names)
        return
    if isinstance(node, ast.Call):
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in FUNCTIONS:
            raise FormulaError(f"call{where} of {ast.unparse(node.func)!r} is not allowed; "
                               f"functions: {', '.join(FUNCTIONS)}")
        if node.keywords:
            raise FormulaError(f"{func}(){where} takes no keyword arguments")
        arity = FUNCTIONS[func]
        if (arity is None and len(node.args) < 2) or (arity is not None and len(node.args) != arity):
            want = "two or more arguments" if arity is None else f"{arity} arguments"
            raise FormulaError(f"{func}(){where} takes {want}, got {len(node.args)}")
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise FormulaError(f"{func}(){where}: *arguments are not allowed")
            _check(a, text, names)
        return
    raise FormulaError(f"{type(node).__name__}{where} ({ast.unparse(node)!r}) is not allowed in a formula; "
                       "a formula has numbers, child codes, + - * / ** ^, parentheses and min/max/pow")


@lru_cache(maxsize=256)
def parse_formula(text: str) -> Formula:
    """Parse and check ``text``; raises :class:`FormulaError` naming what is not in the grammar.

    Examples
    --------
    >>> f = parse_formula("50 * (readiness - vulnerability + 1)")
    >>> f.names
    ('readiness', 'vulnerability')
    >>> float(f.evaluate({"readiness": np.array(0.6), "vulnerability": np.array(0.4)}))
    60.0
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula is empty")
    try:
        # "^" is a power, with the power's precedence (Python would read it as a looser exclusive or)
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise FormulaError(f"cannot read {text!r}{col}: {exc.msg}; codes must be letters, digits and '_'") from None
    names: list[str] = []
    _check(tree.body, text, names)
    return Formula(text=text, names=tuple(names), tree=tree.body)
