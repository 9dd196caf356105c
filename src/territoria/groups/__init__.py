"""Groups of settlements (step 2 of the method): small towns, single-industry towns, border
settlements within 50 km of the land border (geodesic), villages and rural support settlements.

>>> from territoria.groups import assign_groups
>>> result = assign_groups(store.units(level="settlement"))   # doctest: +SKIP
>>> result.members("border").head()                           # doctest: +SKIP
"""

from territoria.groups.assign import GroupAssignment, assign_groups, with_groups
from territoria.groups.border import KZ_CONIC, BorderIndex
from territoria.groups.config import GROUPS, GroupRules, load_rules, single_industry_list, single_industry_sources

__all__ = ["GROUPS", "KZ_CONIC", "BorderIndex", "GroupAssignment", "GroupRules", "assign_groups",
           "load_rules", "single_industry_list", "single_industry_sources", "with_groups"]
