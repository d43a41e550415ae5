"""Risk assessment: every message a person sends passes through `assess` before anything else."""

from flows.risk.detector import assess
from flows.risk.levels import Evidence, RiskAssessment, RiskContext, RiskLevel

__all__ = ["Evidence", "RiskAssessment", "RiskContext", "RiskLevel", "assess"]
