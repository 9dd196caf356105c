"""Diversification, specialisation, shift-share and resilience of regional economies.

Pure functions on pandas objects (regions x industries tables, yearly series, long panels); no I/O.
One module per family:

* :mod:`~territoria.economy.specialisation` — structural coefficients and their variance, location
  quotients, Krugman index, Hachman index, locational Gini;
* :mod:`~territoria.economy.diversity` — Herfindahl-Hirschman, Shannon entropy, related and unrelated variety;
* :mod:`~territoria.economy.shiftshare` — shift-share decomposition;
* :mod:`~territoria.economy.resilience` — resilience measures over a shock window;
* :mod:`~territoria.economy.regression` and :mod:`~territoria.economy.table` — fixed-effects regressions
  (pyfixest) and the regression table;
* :mod:`~territoria.economy.hierarchy` and :mod:`~territoria.economy.data` — OKED schemes and the bridge
  from/to the Store's long observations.

See docs/economy.md.
"""

from territoria.economy._checks import EconomyInputError, check_shares
from territoria.economy.data import (
                                     MEASURE_INDICATORS,
                                     diversification,
                                     diversification_panel,
                                     industry_table,
                                     measure_rows,
)
from territoria.economy.diversity import entropy, herfindahl, variety
from territoria.economy.hierarchy import SCHEMES, IndustryScheme, get_scheme
from territoria.economy.regression import PanelFit, add_logs, fit_fixed_effects
from territoria.economy.resilience import MEASURES, resilience, resilience_panel
from territoria.economy.shiftshare import shift_share
from territoria.economy.specialisation import (
                                     hachman_index,
                                     krugman_index,
                                     location_quotients,
                                     locational_gini,
                                     reference_shares,
                                     structural_coefficients,
                                     structural_variance,
)
from territoria.economy.table import regression_table, table_html, table_text

__all__ = [
    "MEASURES", "MEASURE_INDICATORS", "SCHEMES", "EconomyInputError", "IndustryScheme", "PanelFit", "add_logs",
    "check_shares", "diversification", "diversification_panel", "entropy", "fit_fixed_effects", "get_scheme",
    "hachman_index", "herfindahl", "industry_table", "krugman_index", "location_quotients", "locational_gini",
    "measure_rows", "reference_shares", "regression_table", "resilience", "resilience_panel", "shift_share",
    "structural_coefficients", "structural_variance", "table_html", "table_text", "variety",
]
