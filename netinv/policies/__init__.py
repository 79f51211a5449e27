"""Policies: the interface every policy implements, and the classic ones."""

from netinv.policies.base import Policy
from netinv.policies.basestock import SS, EchelonBaseStock, InstallationBaseStock

__all__ = ["SS", "EchelonBaseStock", "InstallationBaseStock", "Policy"]
