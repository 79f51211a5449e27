"""From demand history to the optimizer.

``records``   read a ``date,node,quantity`` CSV (one file for the whole network)
``quality``   the data-quality report (gaps, duplicates, bad quantities, unknown nodes, outliers) and
              the cleaned series it leaves; nothing is dropped without being listed
``aggregate`` sum a cleaned series into the scenario's periods
``fit``       fit normal / Poisson / negative binomial / gamma / empirical, choose by AIC + goodness of fit
``model``     THE demand model of a history node, read by every command: the forecast chosen by a
              rolling-origin backtest on held-out periods, the distribution centred on it
``forecast``  the scenario's forecast for the planning policies (the model's); Holt-Winters by AICc
              (statsmodels) with simulated quantiles, quantile safety stock
``risk``      stockout risk from simulation of the current state under a policy; heat map
``scenario``  ``demand: {history: FILE}`` in scenario files
``cli``       the logic of ``netinv data check`` and ``netinv risk``

Heavy imports (statsmodels, matplotlib) stay inside the functions that use them.
"""

from netinv.history.quality import Finding, QualityConfig, QualityReport, check_history
from netinv.history.records import RawHistory, read_history

__all__ = ["Finding", "QualityConfig", "QualityReport", "RawHistory", "check_history", "read_history"]
