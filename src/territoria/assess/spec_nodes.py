"""The nodes of the spec's indicator tree: the nested form (:class:`NodeSpec`), the flat form (:class:`TreeRow`)
and the options they share (:class:`NodeOptions`: weight, method, formula, coverage, zeros, transform, reuse...).

:mod:`territoria.assess.tree` turns them into rows and checks the structure; import them from
:mod:`territoria.assess.spec`, which re-exports every public name here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from territoria.assess.spec_rules import CoverageSpec, StrictModel, TransformKind, TransformSpec, ZerosRule
from territoria.assess.spec_sections import AggMethod

__all__ = ["NodeOptions", "NodeSpec", "PostSpec", "TreeRow"]


class PostSpec(StrictModel):
    """Re-expression of a node's score after aggregation (the SVI ranks its theme sums again)."""

    method: Literal["percentile_rank", "rank", "minmax"] = "percentile_rank"
    decimals: int | None = None
    descending: bool = False


class NodeOptions(StrictModel):
    """What a node of either form may say besides its place in the tree (its code, parent, children)."""

    weight: float = Field(1.0, ge=0)
    direction: Literal[1, -1] | None = None
    method: AggMethod | None = None
    label: str | None = None
    round: int | None = Field(None, ge=0, le=12)
    post: PostSpec | None = None
    parent_uses: Literal["post", "raw"] = "post"
    names: dict[str, str] = Field(default_factory=dict)
    formula: str | None = None
    coverage: CoverageSpec | None = None
    zeros: ZerosRule | None = None
    epsilon: float | None = Field(None, gt=0)
    transform: TransformSpec | TransformKind | None = None
    reuse: bool = False


class NodeSpec(NodeOptions):
    """One node of the nested tree; a node without ``children`` is an indicator (leaf).

    ``reuse: true`` makes the entry one more edge to a node defined elsewhere in the tree (by its code,
    the entry's key), with the entry's own ``weight`` under this parent; it gives no other key."""

    children: dict[str, NodeSpec | None] | None = None


class TreeRow(NodeOptions):
    """One row of the flat tree form (``parent: null`` for the root; ``reuse: true``: one more parent of a
    code defined in another row, with this row's weight)."""

    code: str
    parent: str | None = None
