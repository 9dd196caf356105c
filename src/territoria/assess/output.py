"""The output table of a Result, as the spec's ``output`` section names it.

Without an ``output`` section the table is :meth:`Result.to_frame` (every aggregate by its code,
``rank``, ``level``). With one, each entry of ``output.columns`` adds the values of some nodes from one
table of the Result under a column name built from a template, so a spec can write a peer's own
names (the CDC's ``EPL_*``, ``SPL_THEME*``, ``RPL_THEME*``, ``F_*``):

.. code-block:: yaml

    output:
      columns:
        - {table: normalised, nodes: indicators, name: "EPL_{label}"}
        - {table: aggregated_raw, nodes: aggregates, name: "SPL_{label}"}
        - {table: flags, nodes: all, name: "F_{label}"}
        - {table: rank, name: Rank}
      missing: -999          # write missing values as this code
      sort: input            # keep the input order (default: by rank)

``{code}`` is the node's code, ``{label}`` its ``label`` (else the code); a node's own
``names: {table: column}`` wins over the template (the SVI's overall flag count is ``F_TOTAL``).
Flags and ranks are written as integers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from territoria.errors import SpecError

if TYPE_CHECKING:
    from territoria.assess.result import Result

__all__ = ["output_frame"]

_INTEGER_TABLES = ("flags", "ranks", "rank")


def _codes(result: Result, nodes: Any, where: str) -> list[str]:
    tree = result.tree
    order = list(dict.fromkeys(tree["code"]))          # a reused node once
    parents = set(tree["parent"].dropna())
    if nodes == "all":
        return order
    if nodes == "indicators":
        return [c for c in order if c not in parents]
    if nodes == "aggregates":
        return [c for c in order if c in parents]
    unknown = [c for c in nodes if c not in set(order)]
    if unknown:
        raise SpecError(f"{where}.nodes", f"{', '.join(map(repr, unknown))} not in the tree")
    return list(nodes)


def output_frame(result: Result) -> pd.DataFrame:
    """The table ``territoria compute`` writes (see the module docstring); index = the units."""
    spec = result.spec
    out_spec = spec.output
    if out_spec is None or not out_spec.columns:
        frame = result.to_frame()
        if out_spec is not None and out_spec.sort == "input":
            frame = frame.reindex(result.tables["aggregated"].index)
    else:
        options = spec.node_options()
        index = result.tables["aggregated"].index
        columns: dict[str, pd.Series] = {}
        for i, group in enumerate(out_spec.columns):
            where = f"output.columns[{i}]"
            if group.table in ("rank", "level"):
                name = group.name or group.table
                values = result.ranks if group.table == "rank" else result.grades
                _put(columns, name, values.reindex(index), group.table, where)
                continue
            table = result.tables.get(group.table)
            if table is None:
                hint = " (add a 'flags:' section)" if group.table == "flags" else ""
                if getattr(result, "keep", "all") != "all" and group.table != "flags":
                    hint = (": it was run with keep='scores', which holds the aggregates, ranks and grades only; "
                            "run it with keep='all' (territoria compute --keep all)")
                raise SpecError(f"{where}.table", f"the Result has no table {group.table!r}{hint}")
            explicit = isinstance(group.nodes, list)
            for code in _codes(result, group.nodes, where):
                if code not in table.columns:
                    if explicit:
                        raise SpecError(f"{where}.nodes", f"{code!r} has no value in table {group.table!r}")
                    continue                    # e.g. indicators have no rank
                opts = options[code]
                name = opts.names.get(group.table) or (group.name or "{code}").format(
                    code=code, label=opts.label or code)
                _put(columns, name, table[code].reindex(index), group.table, where)
        frame = pd.DataFrame(columns, index=index)
        if out_spec.sort == "rank":
            frame = frame.iloc[result.ranks.reindex(index).argsort(kind="stable")]
    if out_spec is not None and out_spec.missing is not None:
        code = out_spec.missing
        frame = frame.apply(lambda col: col.fillna(int(code) if str(col.dtype) == "Int64" and code == int(code)
                                                   else code) if pd.api.types.is_numeric_dtype(col) else col)
    return frame


def _put(columns: dict[str, pd.Series], name: str, values: pd.Series, table: str, where: str) -> None:
    if name in columns:
        raise SpecError(where, f"two output columns are named {name!r}; give the nodes distinct labels or "
                               "names")
    if table in _INTEGER_TABLES:
        values = values.round().astype("Int64")
    columns[name] = values
