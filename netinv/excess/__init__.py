"""Slow-moving and obsolete stock: found per node, and disposed of well.

``survival``  time between sales: Kaplan-Meier (open last gap censored) and the geometric fit
``detect``    per node: FIFO age, turnover, periods since the last sale, P(no sale in k), anomaly, flags
``retention`` Tersine and Toelle's (1985) economic retention of excess stock (closed form)
``disposal``  the disposal plan: markdown, return, transfer, donation, scrap (Pyomo + HiGHS)
``channels``  the scenario's ``excess:`` block (settings and channels), checked
``analysis``  ``netinv excess FILE``: findings and plan of a scenario

Heavy imports (scipy, pyomo) stay inside the functions that use them.
"""
