"""The design of the resilience regressions of the diversification paper (seed 004, Table 1), as far as the
bundled data allow, and what is missing.

Table 1 of the paper (:func:`territoria.catalog.citations.cite` ``("004", "Table 1")``) has four fixed-effects
columns of ln RCC (economic resilience): (1) DIV alone; (2) DIV with the controls lnmarket, lnfdi, lnpop, gp;
(3) related variety RV with the controls; (4) unrelated variety UV with the controls. Its third equation adds a
moderator Z and the moderation term DIV × Z. :data:`TABLE1_FORMULAS` writes those models on the columns of
:func:`territoria.economy.data.resilience_demo_panel`; :data:`TABLE1_VARIABLES` maps each of the paper's
variables to its column here, or says why there is none. The stand-ins are the project's choice: DIV is the
Shannon entropy of the GRP structure, lnmarket is ln GRP at the start of the window, Z is unrelated variety.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["TABLE1_FORMULAS", "TABLE1_VARIABLES", "table1_design"]

_CONTROLS = "ln_grp + ln_pop"
#: Table 1's columns (1)-(4) and the moderation model (the paper's third equation), on the demo panel.
TABLE1_FORMULAS: tuple[str, ...] = (
    "ln_rcc ~ entropy | region + year",
    f"ln_rcc ~ entropy + {_CONTROLS} | region + year",
    f"ln_rcc ~ related_variety + {_CONTROLS} | region + year",
    f"ln_rcc ~ unrelated_variety + {_CONTROLS} | region + year",
    f"ln_rcc ~ entropy + unrelated_variety + entropy:unrelated_variety + {_CONTROLS} | region + year",
)

#: The paper's variables: (name in the paper, meaning, column here or "", how it is built or why it is missing).
TABLE1_VARIABLES: tuple[tuple[str, str, str, str], ...] = (
    ("lnrcc", "economic resilience (log)", "ln_rcc", "resilience measure of GRP over the window, logged"),
    ("DIV", "industrial diversification", "entropy", "Shannon entropy of the GRP structure (project's choice)"),
    ("RV", "related variety", "related_variety", "entropy within the scheme's groups"),
    ("UV", "unrelated variety", "unrelated_variety", "entropy between the scheme's groups"),
    ("Z", "moderator of the third equation", "unrelated_variety",
     "the paper does not say which of its 'three variable settings' Z is; unrelated variety is the project's choice"),
    ("DIV × Z", "moderation term", "entropy:unrelated_variety", "product of the two"),
    ("lnmarket", "market size (log)", "ln_grp", "ln GRP at the start of the window (project's proxy)"),
    ("lnfdi", "foreign direct investment (log)", "", "missing: no FDI series by region in the bundled data"),
    ("lnpop", "population (log)", "ln_pop", "ln average population at the start of the window"),
    ("gp", "control named 'gp' in Table 1", "", "missing: the paper does not define it and the bundle has no "
     "matching series"),
)


def table1_design(columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The paper's variables beside their columns; with ``columns`` (a panel's), whether each is present.

    Returns a DataFrame ``variable, meaning, column, note`` and, with ``columns``, ``available``.
    """
    table = pd.DataFrame(TABLE1_VARIABLES, columns=["variable", "meaning", "column", "note"])
    if columns is not None:
        have = set(columns)
        table["available"] = [bool(c) and all(part in have for part in c.split(":")) for c in table["column"]]
    return table
