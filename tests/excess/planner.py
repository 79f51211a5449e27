"""A planner's network with slow stock, written to a folder: two DCs and three stores, weekly sales.

store_slow sold ~3 a week and stopped 14 weeks ago; dc_b sold ~6 a week to trade customers and stopped
22 weeks ago (a dead item at a DC); store_a and store_b sell steadily; store_slow is linked to both by
transshipment edges; dc_a has no history of its own (it sells what its stores sell).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from netinv.history.records import write_history

SCENARIO = """\
name: excess_demo
nodes:
- {id: supplier, external_supply: true}
- {id: dc_a, holding_cost: 0.05}
- {id: dc_b, holding_cost: 0.08, price: 15, shortage_cost: 1.0, demand: {history: sales.csv, period_days: 7}}
- {id: store_a, holding_cost: 0.1, price: 20, shortage_cost: 2, demand: {history: sales.csv, period_days: 7}}
- {id: store_b, holding_cost: 0.1, price: 21, shortage_cost: 2, demand: {history: sales.csv, period_days: 7}}
- {id: store_slow, holding_cost: 0.1, price: 20, shortage_cost: 2, demand: {history: sales.csv, period_days: 7}}
edges:
- {source: supplier, target: dc_a, lead_time: 2, unit_cost: 9}
- {source: supplier, target: dc_b, lead_time: 2, unit_cost: 9}
- {source: dc_a, target: store_a, lead_time: 1, unit_cost: 10}
- {source: dc_a, target: store_b, lead_time: 1, unit_cost: 10}
- {source: dc_a, target: store_slow, lead_time: 1, unit_cost: 10}
- {source: store_slow, target: store_a, kind: transshipment, unit_cost: 0.5, lead_time: 1}
- {source: store_slow, target: store_b, kind: transshipment, unit_cost: 0.6, lead_time: 1}
- {source: store_a, target: store_slow, kind: transshipment, unit_cost: 0.5, lead_time: 1}
state:
  on_hand: {dc_a: 60, dc_b: 300, store_a: 12, store_b: 10, store_slow: 45}
excess:
  horizon: 10
  nodes:
    store_slow:
      markdown:
      - {discount: 0.3, units_per_period: 2}
      - {discount: 0.6, units_per_period: 5}
      return: {contract: "buyback:w=10,b=6", capacity: 20, until: 3}
      donation: {tax_value: 3, per_period: 5}
      scrap: {salvage: -0.5}
    dc_b:
      return: {buyback_price: 6, capacity: 200, until: 4}
      scrap: {salvage: -0.2}
"""


def write_planner(folder: Path, scenario: str = SCENARIO) -> Path:
    """The scenario and its ``sales.csv`` (52 weeks from 2026-01-05, seed 5) in ``folder``."""
    rng = np.random.default_rng(5)
    rows = []
    for week in range(52):
        day = dt.date(2026, 1, 5) + dt.timedelta(weeks=week)
        rows += [(day, "store_a", int(rng.poisson(10))), (day, "store_b", int(rng.poisson(8))),
                 (day, "store_slow", int(rng.poisson(3)) if week < 38 else 0),
                 (day, "dc_b", int(rng.poisson(6)) if week < 30 else 0)]
    write_history(folder / "sales.csv", rows)
    path = folder / "net.yaml"
    path.write_text(scenario, encoding="utf-8")
    return path
