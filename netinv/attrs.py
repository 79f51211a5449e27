"""Graph attribute names, their defaults and the limits netinv enforces: the one place for them.

A network is a plain :class:`networkx.DiGraph`. An attribute name is spelled here (and as a field
of the pydantic schema, :mod:`netinv.network.schema`, whose field names are the file's keys); the code
that reads or writes graph attributes uses these constants, never the literal (tests/test_attrs.py
checks the readers in :mod:`netinv.network`). Readers do not take attribute names as keywords (as
networkx's ``weight="weight"``): every network is validated against that one schema, so a graph with
other attribute names would not load in the first place.

Edges ``u -> v`` mean *v orders from u*: goods flow along the edge.
"""

from __future__ import annotations

import math

# --- graph (scenario) level -----------------------------------------------------------------------
NAME = "name"
DESCRIPTION = "description"
SOURCE = "source"  # free-text citation of where the data come from
KNOWN = "known"  # published answers recorded with the scenario (free-form mapping)
TIME_CONVENTION = "time_convention"  # "netinv" (default) or "textbook": see netinv.timing
STATE = "state"  # the current state (on hand, backorders, in transit, owed): see netinv.network.state
EXCESS = "excess"  # slow-moving stock settings and disposal channels: see netinv.excess.channels

# --- node attributes ------------------------------------------------------------------------------
NODE_ID = "id"
HOLDING_COST = "holding_cost"  # [h] per unit per period on hand
PROCESSING_TIME = "processing_time"  # [T] periods (guaranteed-service model)
INITIAL_INVENTORY = "initial_inventory"  # units on hand at the start of period 0
CAPACITY = "capacity"  # units a node can release (ship or produce) per period; absent = unlimited
OPERATING_COST = "operating_cost"  # per unit shipped out of the node (production / handling)
YIELD = "yield"  # fraction of received units that become usable, in (0, 1]
DEMAND = "demand"  # external demand per period: a distribution spec (see netinv.demand.distributions)
SHORTAGE_COST = "shortage_cost"  # [p] per unit backordered per period, or per unit of lost sales
BACKLOG = "backlog"  # True: unmet external demand is backordered; False: lost
PRICE = "price"  # revenue per unit sold to external customers
SERVICE_LEVEL = "service_level"  # target probability of no stockout, in (0, 1)
SERVICE_FACTOR = "service_factor"  # [z] safety factor; when given it overrides service_level (z = Phi^-1(sl))
RISK_POOL = "risk_pool"  # [r] pooling exponent of internal demand variability (guaranteed service; default 2)
ADDED_COST = "added_cost"  # cost added at the stage (Willems' cost_rate); informative
MAX_SERVICE_TIME = "max_service_time"  # periods promised to external customers (guaranteed service)
EXTERNAL_SUPPLY = "external_supply"  # source nodes only: True = unlimited supply (the default)
ASSEMBLY = "assembly"  # True: inbound edges are components, all needed (bill of materials)
POSITION = "position"  # optional [x, y] for drawings

# --- edge attributes ------------------------------------------------------------------------------
EDGE_SOURCE = "source"
EDGE_TARGET = "target"
LEAD_TIME = "lead_time"  # [L] integer periods between shipment and arrival
UNIT_COST = "unit_cost"  # price per unit paid by the target to the source (a network cost only
#                           when the source is an external supply; otherwise a transfer price)
PIPELINE_HOLDING_COST = "pipeline_holding_cost"  # per unit per period in transit
EDGE_CAPACITY = "capacity"  # units per period the edge can carry; absent = unlimited
QUANTITY = "quantity"  # units of source per unit of target (bill of materials)
KIND = "kind"  # SUPPLY or TRANSSHIPMENT
FIXED_ORDER_COST = "fixed_order_cost"  # [K] per period in which an order is placed on the edge
LOT_SIZE = "lot_size"  # orders on the edge are whole multiples of this many source units; absent = any
EDGE_BACKLOG = "backlog"  # True: an order the source cannot fill stays owed; False: the rest is lost

SUPPLY = "supply"
TRANSSHIPMENT = "transshipment"
EDGE_KINDS = (SUPPLY, TRANSSHIPMENT)

# --- defaults (applied by the loader, so a loaded graph carries every attribute) -------------------
NODE_DEFAULTS: dict[str, object] = {
    HOLDING_COST: 0.0,
    PROCESSING_TIME: 0,
    INITIAL_INVENTORY: 0.0,
    OPERATING_COST: 0.0,
    YIELD: 1.0,
    BACKLOG: True,
    PRICE: 0.0,
    ASSEMBLY: False,
}
EDGE_DEFAULTS: dict[str, object] = {
    LEAD_TIME: 0,
    UNIT_COST: 0.0,
    PIPELINE_HOLDING_COST: 0.0,
    QUANTITY: 1.0,
    KIND: SUPPLY,
    FIXED_ORDER_COST: 0.0,
    EDGE_BACKLOG: True,
}

UNLIMITED = math.inf

# --- limits: beyond these a number is an input error, not a memory blow-up -------------------------
MAX_LEAD_TIME = 1_000  # periods; the simulator keeps a ring buffer this deep per edge
MAX_PROCESSING_TIME = 10_000
MAX_MAGNITUDE = 1e12  # any cost, price, capacity or inventory
MAX_DEMAND_MEAN = 1e9
MAX_SERIES_LENGTH = 1_000_000
