"""From demand history to the optimizer.

``records``   read a ``date,node,quantity`` CSV (one file for the whole network)
``quality``   the data-quality report (gaps, duplicates, bad quantities, unknown nodes, outliers) and
              the cleaned series it leaves; nothing is dropped without being listed
``aggregate`` sum a cleaned series into the scenario's periods
``fit``       fit normal / Poisson / negative binomial / gamma / empirical, choose by AIC + goodness of fit
``forecast``  Holt-Winters forecast (statsmodels), forecast-error quantiles, quantile safety stock
``risk``      stockout risk from simulation of the current state under a policy; heat map
``scenario``  ``demand: {history: FILE}`` in scenario files
``cli``       the logic of ``netinv data check`` and ``netinv risk``

Heavy imports (statsmodels, matplotlib) stay inside the functions that use them.
"""

from netinv.history.quality import Finding, QualityConfig, QualityReport, check_history
from netinv.history.records import RawHistory, read_history

__all__ = ["Finding", "QualityConfig", "QualityReport", "RawHistory", "check_history", "read_history"]
