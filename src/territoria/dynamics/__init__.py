"""Dynamics: trends of every series, the composite index over years, and the status of each unit."""

from territoria.dynamics.horizon import DEFAULT_HORIZON
from territoria.dynamics.status import StatusRules, classify, load_status_rules
from territoria.dynamics.trends import MIN_YEARS, mann_kendall, pettitt, series_trend, trend_table

__all__ = ["DEFAULT_HORIZON", "MIN_YEARS", "StatusRules", "classify", "load_status_rules", "mann_kendall", "pettitt",
           "series_trend", "trend_table"]
