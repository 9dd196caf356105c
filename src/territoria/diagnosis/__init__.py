"""Diagnosis (step 7 of the method): weakest indicators and blocks, and risk flags with their figures."""

from territoria.diagnosis.diagnose import Diagnosis, diagnose
from territoria.diagnosis.risks import RiskRules, load_risk_rules, risk_flags
from territoria.diagnosis.weakness import reference_gaps, region_of, weakest

__all__ = ["Diagnosis", "RiskRules", "diagnose", "load_risk_rules", "reference_gaps", "region_of", "risk_flags",
           "weakest"]
