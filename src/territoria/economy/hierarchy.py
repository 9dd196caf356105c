"""Industry schemes over the OKED sections of the Store, with a documented two-level hierarchy.

The Store holds gross value added by OKED (NACE Rev. 2) section as ``gva_a`` … ``gva_t`` and, for
2010-2013, sections I, K and M-S only as one aggregate ``gva_other_services``. Two schemes:

``groups11`` (default; comparable over 2010-2025)
    A, B, C, D, E, F, G, H, J, L and ``I+K+M-T`` (the aggregate of 2010-2013, the sum of its sections
    later) — the same 11 groups as the catalogue's diversification indicator E10. Hierarchy:
    primary {A, B}; industry {C, D, E, F}; market services {G, H, J, L}; other services {I+K+M-T}.

``sections`` (2014 onwards)
    The 19 sections A-S one by one; T (households as employers), published only from 2025, is added
    to S. Hierarchy: primary {A, B}; industry {C, D, E, F}; market services {G, H, I, J, K, L, M, N};
    public and personal services {O, P, Q, R, S+T}.

The grouping follows the usual split of the economy into primary production, industry (manufacturing,
utilities, construction), market services and mainly non-market services; it is our choice, not a
statistical-office classification. Measures are comparable only within one scheme (entropy and the
number of industries move together).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from territoria.errors import UnknownNameError

__all__ = ["SCHEMES", "IndustryScheme", "get_scheme"]


@dataclass(frozen=True)
class IndustryScheme:
    """Industries built from catalogue series and their two-level grouping.

    ``industries`` maps an industry label to alternative lists of series ids; the first alternative
    whose series are all present (``optional`` ones may be missing) gives the value, as their sum.
    """

    name: str
    industries: dict[str, tuple[tuple[str, ...], ...]]
    groups: dict[str, tuple[str, ...]]
    description: str
    optional: frozenset[str] = field(default_factory=frozenset)

    def series(self) -> list[str]:
        ids = [s for alts in self.industries.values() for alt in alts for s in alt]
        return list(dict.fromkeys(ids))

    def hierarchy(self) -> dict[str, list[str]]:
        return {g: list(m) for g, m in self.groups.items()}


def _one(letter: str) -> tuple[tuple[str, ...], ...]:
    return ((f"gva_{letter.lower()}",),)


_OTHER_SECTIONS = ("gva_i", "gva_k", "gva_m", "gva_n", "gva_o", "gva_p", "gva_q", "gva_r", "gva_s", "gva_t")

GROUPS11 = IndustryScheme(
    name="groups11",
    industries={**{k: _one(k) for k in "ABCDEFGHJL"},
                "I+K+M-T": (("gva_other_services",), _OTHER_SECTIONS)},
    groups={"primary": ("A", "B"), "industry": ("C", "D", "E", "F"), "market_services": ("G", "H", "J", "L"),
            "other_services": ("I+K+M-T",)},
    description="11 activity groups comparable over 2010-2025 (I, K, M-T together)",
    optional=frozenset({"gva_t"}),
)

SECTIONS = IndustryScheme(
    name="sections",
    industries={**{k: _one(k) for k in "ABCDEFGHIJKLMNOPQR"}, "S+T": (("gva_s", "gva_t"),)},
    groups={"primary": ("A", "B"), "industry": ("C", "D", "E", "F"),
            "market_services": ("G", "H", "I", "J", "K", "L", "M", "N"),
            "public_personal_services": ("O", "P", "Q", "R", "S+T")},
    description="19 OKED sections A-S (T added to S), 2014 onwards",
    optional=frozenset({"gva_t"}),
)

SCHEMES: dict[str, IndustryScheme] = {s.name: s for s in (GROUPS11, SECTIONS)}


def get_scheme(name: str) -> IndustryScheme:
    """The scheme called ``name`` (``groups11`` or ``sections``)."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise UnknownNameError("industry scheme", name, list(SCHEMES)) from None
