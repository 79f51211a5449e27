"""Policies: the interface every policy implements, and the classic ones."""

from netinv.policies.base import DownstreamFirst, Policy
from netinv.policies.basestock import SS, EchelonBaseStock, InstallationBaseStock
from netinv.policies.checks import check_policy

__all__ = ["SS", "DownstreamFirst", "EchelonBaseStock", "InstallationBaseStock", "Policy", "check_policy"]
