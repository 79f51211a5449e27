"""Closed-form and exact analytic models: the newsvendor and Clark-Scarf serial systems."""

from netinv.analytic.clark_scarf import (
    ClarkScarfLevels,
    ClarkScarfResult,
    clark_scarf,
    clark_scarf_levels,
    clark_scarf_poisson,
    echelon_to_local,
)
from netinv.analytic.newsvendor import NewsvendorResult, newsvendor, newsvendor_cost

__all__ = [
    "ClarkScarfLevels",
    "ClarkScarfResult",
    "NewsvendorResult",
    "clark_scarf",
    "clark_scarf_levels",
    "clark_scarf_poisson",
    "echelon_to_local",
    "newsvendor",
    "newsvendor_cost",
]
