"""Multi-period network planning: the exact model (Pyomo builder) and what both of its builders share.

The model (one product per node, periods t = 0..T-1, scenarios k = 1..K with weight 1/K) follows the
simulator's event order exactly (:mod:`netinv.sim.simulator`), so that the simulator's accounting of a
plan's orders equals the model's objective on the same demand path:

- ``orders[k,t,e] >= 0`` on every supply edge e = (i -> j), in units of i, shipped in period t from i's
  on-hand stock at the *start* of t: ``sum_{e out of i} orders[k,t,e] <= on_hand[k,t-1,i]``, and at most
  the node's ``capacity`` [C_i] and the edge's ``capacity``. An external supply has no stock limit.
- it arrives in period t + L_e [L] as ``orders * yield_j / quantity_e`` units of j (at an assembly node
  it arrives as components, kept in i's units; ``kits[k,t,j] <= components / quantity_e`` become
  ``yield_j * kits`` units of j);
- demand nodes sell after arrivals: ``unmet[k,t,d] = carry_d * unmet[k,t-1,d] + demand[k,t,d] -
  sales[k,t,d]`` with carry = 1 under backlog (unmet = backorders, charged every period) and 0 under
  lost sales (unmet = lost units);
- ``on_hand[k,t,i] = on_hand[k,t-1,i] + arrivals - shipped - sales +/- transshipments >= 0``;
- cost per period: holding [h] x end-of-period on hand (components at their supplier's rate),
  pipeline holding [g] x units in transit at the end of the period, shortage [p] x unmet, the source's
  operating cost x units shipped, ``unit_cost`` x units bought from an external supply (internal prices
  are transfers that cancel in the network's total), fixed order cost [K] x orders placed,
  transshipment ``unit_cost`` x units moved; revenue = ``price`` x sales.
- Objective: minimize expected cost minus revenue. ``Solution.objective`` reports the expected total
  profit (profit form: some demand node has a ``price``) or the expected total cost (cost form).
- Stochastic (sample-average) form: the first period's orders are shared by all K scenarios
  (non-anticipativity); later periods are per scenario.
- Optional: fixed order costs make it a MILP (``orders <= M_e * order_placed``, binary ``order_placed``,
  M_e a valid bound on what the edge can usefully carry); an edge ``lot_size`` makes its orders whole
  multiples of the lot (``orders = lot_size * lots``, integer ``lots``); ``integer_orders`` makes every
  order a whole number of units;
  ``meet_demand`` forbids unmet demand (the model is then infeasible when the network cannot deliver).

Two independent builders produce this model: :func:`build_planning_model` (Pyomo, readable, returns the
``ConcreteModel`` for a user to extend) and :class:`netinv.exact.fastlp.PlanningLP` (numpy index
arithmetic straight into HiGHS, for the thousands of re-solves of the rolling-horizon policies). The
tests check that both give the same optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from netinv.demand.expected import expected_demand, sample_demand  # noqa: F401 - moved there; importable here too
from netinv.errors import InputError
from netinv.network.compile import NetworkArrays


@dataclass(frozen=True)
class PlanOptions:
    """Modelling options of the planning model.

    fixed_costs: model fixed order costs with binaries (a MILP); ``None`` = when some edge has one.
    integer_orders: orders are whole units (a MILP).
    meet_demand: no demand may go unmet (no backorders, no lost sales).
    transshipment: include the network's transshipment edges as decisions after demand.
    """

    fixed_costs: bool | None = None
    integer_orders: bool = False
    meet_demand: bool = False
    transshipment: bool = True

    def uses_fixed_costs(self, arrays: NetworkArrays) -> bool:
        has = bool(np.any(arrays.fixed_order_cost > 0))
        return has if self.fixed_costs is None else (self.fixed_costs and has)


@dataclass(frozen=True)
class PlanState:
    """The state the plan starts from (one path).

    on_hand (N,): units on hand at the start of period 0 of the plan.
    backlog (D,): backorders carried into period 0 at each demand node.
    arrivals (E, R): units already shipped on each edge (source units) arriving r periods from now
        (r = 0: during period 0 of the plan).
    components (E,): unused components at assembly nodes (source units).
    period: the absolute period of the plan's period 0 (for series demand).
    owed (E,): units ordered on each edge and not shipped yet (source units); the plan ships them in
        period 0 first, as far as the source's stock and capacities allow (:meth:`owed_shipments`, the
        simulator's rule), and plans the rest with its own orders.
    """

    on_hand: np.ndarray
    backlog: np.ndarray
    arrivals: np.ndarray
    components: np.ndarray
    period: int = 0
    owed: np.ndarray | None = None

    def owed_shipments(self, arrays: NetworkArrays) -> np.ndarray:
        """(E,) what the plan ships in period 0 of the units owed: all of it from an external supply,
        else cut in the same proportion on every edge of a source whose stock (or capacity) is short."""
        if self.owed is None or not np.any(self.owed > 0):
            return np.zeros(arrays.num_edges)
        owed = np.minimum(self.owed, arrays.edge_capacity)
        asked = np.bincount(arrays.edge_source, weights=owed, minlength=arrays.num_nodes)
        can = np.where(arrays.unlimited, np.inf, self.on_hand)
        can = np.minimum(can, arrays.capacity)
        share = np.ones(arrays.num_nodes)
        short = asked > can
        share[short] = can[short] / asked[short]
        return owed * share[arrays.edge_source]

    @classmethod
    def initial(cls, arrays: NetworkArrays) -> PlanState:
        """The network's current state (``arrays.start``: the scenario's ``state``, else initial_inventory)."""
        e = arrays.num_edges
        depth = int(arrays.lead_time.max()) + 1 if e else 1
        arrivals = np.zeros((e, depth))
        backlog = np.zeros(arrays.num_demand_nodes)
        owed = np.zeros(e)
        if arrays.start is not None:
            arrivals[:, : arrays.start.arrivals.shape[1]] = arrays.start.arrivals
            backlog = arrays.start.backlog[arrays.demand_slice].copy()
            owed = arrays.start.owed.copy()
        return cls(
            on_hand=arrays.initial_inventory.astype(np.float64).copy(),
            backlog=backlog,
            arrivals=arrivals,
            components=np.zeros(e),
            owed=owed,
        )

    @classmethod
    def from_sim(cls, state, path: int) -> PlanState:
        """The state of one path of a :class:`~netinv.sim.state.SimState` at the start of its period.

        Quantities are cut at zero: the simulator works in float32, and a stock of -6e-5 left by rounding
        (e.g. components of an assembly used up) would make the plan's non-negative stock infeasible."""
        a = state.arrays
        depth = state.pipeline.shape[0]
        slots = (state.t + np.arange(depth)) % depth

        def stock(values):
            return np.maximum(values.astype(np.float64), 0.0)

        return cls(
            on_hand=stock(state.on_hand[:, path]),
            backlog=stock(state.backlog[a.demand_slice, path]),
            arrivals=stock(state.pipeline[slots, :, path].T),
            components=stock(state.components[:, path]),
            period=int(state.t),
            owed=stock(state.owed[:, path]),
        )

    def in_transit_cost(self, arrays: NetworkArrays, horizon: int) -> float:
        """Pipeline holding cost over the horizon of what is already in transit (a constant of the plan)."""
        r = np.arange(self.arrivals.shape[1])
        periods = np.minimum(r, horizon)  # arriving in r periods: in transit at the end of r periods
        return float(arrays.pipeline_holding_cost @ (self.arrivals @ periods))


def objective_form(arrays: NetworkArrays) -> str:
    """``profit`` when some demand node sells at a price, else ``cost``."""
    return "profit" if bool(np.any(arrays.price[arrays.demand_slice] > 0)) else "cost"


def as_scenarios(arrays: NetworkArrays, demand) -> np.ndarray:
    """Demand as a (K, T, D) float array: accepts (T, D) for one path or (K, T, D)."""
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim == 1 and arrays.num_demand_nodes == 1:
        d = d[:, None]
    if d.ndim == 2:
        d = d[None]
    if d.ndim != 3 or d.shape[2] != arrays.num_demand_nodes:
        raise InputError(
            f"demand: expected shape (periods, {arrays.num_demand_nodes}) or (scenarios, periods, "
            f"{arrays.num_demand_nodes}), got {tuple(np.shape(demand))}"
        )
    if d.shape[1] < 1 or d.shape[0] < 1:
        raise InputError("demand: the horizon must have at least one period and one scenario")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise InputError("demand: values must be finite and >= 0")
    return d


def check_plannable(arrays: NetworkArrays) -> None:
    """Raise an :class:`InputError` for networks the planning model does not cover."""
    ds = arrays.demand_slice
    bad = np.flatnonzero(arrays.unlimited[ds])
    if bad.size:
        node = arrays.node_ids[ds.start + bad[0]]
        raise InputError(
            f"node {node!r}: a demand node with unlimited external supply cannot be planned; give it a "
            "supplier or set external_supply: false"
        )


def usage_per_demand_unit(arrays: NetworkArrays) -> np.ndarray:
    """(N,) the most units of each node any one unit of external demand can need (through BOM
    quantities and yields, along the worst path)."""
    need = np.zeros(arrays.num_nodes)
    need[arrays.demand_slice] = 1.0
    out_edges: dict[int, list[int]] = {}
    for e, i in enumerate(arrays.edge_source):
        out_edges.setdefault(int(i), []).append(e)
    for i in np.argsort(arrays.echelon, kind="stable"):  # customers (lower echelon) first
        for e in out_edges.get(int(i), ()):
            j = arrays.edge_target[e]
            need[i] = max(need[i], need[j] * arrays.quantity[e] / arrays.yield_[j])
    return need


def order_bounds(arrays: NetworkArrays, demand: np.ndarray, state: PlanState) -> np.ndarray:
    """(E,) a valid bound on the units an optimal plan ships on each edge in one period (the big-M of
    fixed order costs): no edge usefully carries more than all demand of the horizon can use."""
    total = float(np.max(demand.sum(axis=(1, 2)))) + float(state.backlog.sum())
    need = usage_per_demand_unit(arrays)
    j = arrays.edge_target
    bound = need[j] * arrays.quantity / arrays.yield_[j] * total
    bound = np.minimum(bound, arrays.edge_capacity)
    return np.minimum(bound, arrays.capacity[arrays.edge_source])


# --------------------------------------------------------------------------------------------------
# Pyomo builder


def build_planning_model(arrays: NetworkArrays, demand, state: PlanState | None = None,
                         options: PlanOptions = PlanOptions()):
    """Build the planning model as a ``pyo.ConcreteModel`` (solves nothing).

    demand: (T, D) one known path (the oracle) or (K, T, D) scenarios (first-period orders shared).
    state: where the plan starts (default: the network's initial inventory, nothing in transit).

    Components, indexed by scenario s, period t and node id / edge (source, target):
    ``order[s,t,u,v]``, ``on_hand[s,t,n]`` (limited nodes), ``sales[s,t,d]``, ``unmet[s,t,d]``,
    ``kits[s,t,n]``, ``components[s,t,u,v]`` (assembly), ``transship[s,t,u,v]``, ``order_placed[s,t,u,v]``
    (fixed costs), ``lots[s,t,u,v]`` (lot sizes); constraints ``shipping``, ``node_capacity``, ``balance``,
    ``demand_balance``, ``assembly``, ``fixed_cost``, ``lot_sizing``, ``nonanticipativity``; objective ``cost`` (cost minus revenue, minimized).
    Add constraints before calling :func:`netinv.exact.pyomo_highs.solve_model`.
    """
    import pyomo.environ as pyo

    start = time.perf_counter()
    check_plannable(arrays)
    build = _PyomoBuild(arrays, as_scenarios(arrays, demand), state or PlanState.initial(arrays), options)
    m = pyo.ConcreteModel(name=f"planning {arrays.name}")
    build.model = m
    # Declaration order fixes the column and row order HiGHS sees: keep it.
    build.add_sets()
    build.add_variables()
    build.add_flow_constraints()
    build.add_demand_and_assembly_constraints()
    build.add_order_constraints()
    build.add_objective()
    m._netinv = {"arrays": arrays, "form": objective_form(arrays), "scenarios": build.K, "horizon": build.T,
                 "state": build.state, "build_seconds": time.perf_counter() - start}
    return m


class _PyomoBuild:
    """The index sets and expressions :func:`build_planning_model` adds, one step per method."""

    def __init__(self, arrays: NetworkArrays, demand: np.ndarray, state: PlanState, options: PlanOptions):
        a = arrays
        self.a, self.d, self.state, self.options = a, demand, state, options
        self.K, self.T, D = demand.shape
        fixed = options.uses_fixed_costs(a)
        self.ids, self.keys = a.node_ids, a.edge_keys
        self.edge_pos = {key: e for e, key in enumerate(self.keys)}
        self.first_demand = a.num_nodes - D
        self.limited = [i for i in range(a.num_nodes) if not a.unlimited[i]]
        self.assembly_nodes = [i for i in self.limited if a.assembly[i]]
        self.out_of = {i: [e for e in range(a.num_edges) if a.edge_source[e] == i] for i in range(a.num_nodes)}
        self.into = {i: [e for e in range(a.num_edges) if a.edge_target[e] == i] for i in range(a.num_nodes)}
        self.comp_edges = [e for e in range(a.num_edges) if a.assembly[a.edge_target[e]]]
        self.trans = list(range(len(a.trans_keys))) if options.transshipment else []
        self.fixed_edges = [e for e in range(a.num_edges) if fixed and a.fixed_order_cost[e] > 0]
        self.lot_edges = [e for e in range(a.num_edges) if a.lot_size[e] > 0]
        self.model = None

    # --- expressions ---------------------------------------------------------------------------------

    def arriving(self, e, t):  # already in transit, arriving in period t
        return float(self.state.arrivals[e, t]) if t < self.state.arrivals.shape[1] else 0.0

    def order(self, s, t, e):
        return self.model.order[s, t, self.keys[e]]

    def stock(self, s, t, i):  # on hand at the end of period t (t = -1: the state)
        if self.a.unlimited[i]:
            return float(self.state.on_hand[i])
        return float(self.state.on_hand[i]) if t < 0 else self.model.on_hand[s, t, self.ids[i]]

    def arrivals_of(self, s, t, e):  # units of e's target arriving in period t
        lead = int(self.a.lead_time[e])
        shipped = self.order(s, t - lead, e) if t - lead >= 0 else 0.0
        return shipped + self.arriving(e, t)

    def in_transit(self, s, t, e):  # units on edge e at the end of period t
        lead = int(self.a.lead_time[e])
        shipped = sum(self.order(s, tau, e) for tau in range(max(0, t - lead + 1), t + 1)) if lead > 0 else 0.0
        return shipped + float(self.state.arrivals[e, t + 1:].sum())

    # --- steps ---------------------------------------------------------------------------------------

    def add_sets(self) -> None:
        import pyomo.environ as pyo

        m, a, ids, keys = self.model, self.a, self.ids, self.keys
        m.S = pyo.RangeSet(0, self.K - 1)
        m.T = pyo.RangeSet(0, self.T - 1)
        m.NODES = pyo.Set(initialize=[ids[i] for i in self.limited], ordered=True)
        m.DEMAND = pyo.Set(initialize=[ids[self.first_demand + k] for k in range(self.d.shape[2])], ordered=True)
        m.EDGES = pyo.Set(initialize=list(keys), dimen=2, ordered=True)
        m.ASSEMBLY = pyo.Set(initialize=[ids[i] for i in self.assembly_nodes], ordered=True)
        m.COMPONENT_EDGES = pyo.Set(initialize=[keys[e] for e in self.comp_edges], dimen=2, ordered=True)
        m.TRANS = pyo.Set(initialize=[a.trans_keys[x] for x in self.trans], dimen=2, ordered=True)
        m.FIXED_EDGES = pyo.Set(initialize=[keys[e] for e in self.fixed_edges], dimen=2, ordered=True)
        m.LOT_EDGES = pyo.Set(initialize=[keys[e] for e in self.lot_edges], dimen=2, ordered=True)

    def add_variables(self) -> None:
        import pyomo.environ as pyo

        m, a, options = self.model, self.a, self.options

        first = self.state.owed_shipments(a)  # units owed: shipped first, in period 0

        def order_bounds_rule(m, s, t, u, v):
            cap = a.edge_capacity[self.edge_pos[u, v]]
            return (float(first[self.edge_pos[u, v]]) if t == 0 else 0.0, None if np.isinf(cap) else float(cap))

        domain = pyo.NonNegativeIntegers if options.integer_orders else pyo.NonNegativeReals
        m.order = pyo.Var(m.S, m.T, m.EDGES, domain=domain, bounds=order_bounds_rule)
        m.on_hand = pyo.Var(m.S, m.T, m.NODES, domain=pyo.NonNegativeReals)
        m.sales = pyo.Var(m.S, m.T, m.DEMAND, domain=pyo.NonNegativeReals)
        m.unmet = pyo.Var(m.S, m.T, m.DEMAND, domain=pyo.NonNegativeReals,
                          bounds=(0.0, 0.0) if options.meet_demand else (0.0, None))
        m.kits = pyo.Var(m.S, m.T, m.ASSEMBLY, domain=pyo.NonNegativeReals)
        m.components = pyo.Var(m.S, m.T, m.COMPONENT_EDGES, domain=pyo.NonNegativeReals)
        m.transship = pyo.Var(m.S, m.T, m.TRANS, domain=pyo.NonNegativeReals)
        m.order_placed = pyo.Var(m.S, m.T, m.FIXED_EDGES, domain=pyo.Binary)
        m.lots = pyo.Var(m.S, m.T, m.LOT_EDGES, domain=pyo.NonNegativeIntegers)

    def add_flow_constraints(self) -> None:
        """``shipping`` (from stock on hand), ``node_capacity`` and the stock ``balance``."""
        import pyomo.environ as pyo

        m, a, out_of = self.model, self.a, self.out_of

        def shipping_rule(m, s, t, n):
            i = a.index[n]
            if not out_of[i]:
                return pyo.Constraint.Skip
            return sum(self.order(s, t, e) for e in out_of[i]) <= self.stock(s, t - 1, i)

        m.shipping = pyo.Constraint(m.S, m.T, m.NODES, rule=shipping_rule)

        capped = [self.ids[i] for i in range(a.num_nodes) if np.isfinite(a.capacity[i]) and out_of[i]]
        m.CAPPED = pyo.Set(initialize=capped, ordered=True)
        m.node_capacity = pyo.Constraint(
            m.S, m.T, m.CAPPED,
            rule=lambda m, s, t, n: sum(self.order(s, t, e) for e in out_of[a.index[n]])
            <= float(a.capacity[a.index[n]]),
        )
        m.balance = pyo.Constraint(m.S, m.T, m.NODES, rule=self._balance_rule)

    def _balance_rule(self, m, s, t, n):
        a = self.a
        i = a.index[n]
        conv = a.yield_[i] / a.quantity
        inflow = 0.0
        if a.assembly[i]:
            inflow += float(a.yield_[i]) * m.kits[s, t, n]
        else:
            inflow += sum(float(conv[e]) * self.arrivals_of(s, t, e) for e in self.into[i])
        for x in self.trans:
            if a.trans_target[x] == i and t - int(a.trans_lead_time[x]) >= 0:
                inflow += m.transship[s, t - int(a.trans_lead_time[x]), a.trans_keys[x]]
        outflow = sum(self.order(s, t, e) for e in self.out_of[i])
        if i >= self.first_demand:
            outflow += m.sales[s, t, n]
        for x in self.trans:
            if a.trans_source[x] == i:
                outflow += m.transship[s, t, a.trans_keys[x]]
        return m.on_hand[s, t, n] == self.stock(s, t - 1, i) + inflow - outflow

    def add_demand_and_assembly_constraints(self) -> None:
        """``demand_balance`` (sales, backlog or lost sales) and ``assembly`` (components into kits)."""
        import pyomo.environ as pyo

        m, a, d, state = self.model, self.a, self.d, self.state

        def demand_rule(m, s, t, n):
            k = a.index[n] - self.first_demand
            carry = 1.0 if a.backlog[a.index[n]] else 0.0
            before = float(state.backlog[k]) if t == 0 else m.unmet[s, t - 1, n]
            return m.unmet[s, t, n] == carry * before + float(d[s, t, k]) - m.sales[s, t, n]

        m.demand_balance = pyo.Constraint(m.S, m.T, m.DEMAND, rule=demand_rule)

        def assembly_rule(m, s, t, u, v):
            e = self.edge_pos[u, v]
            before = float(state.components[e]) if t == 0 else m.components[s, t - 1, u, v]
            return (m.components[s, t, u, v]
                    == before + self.arrivals_of(s, t, e) - float(a.quantity[e]) * m.kits[s, t, v])

        m.assembly = pyo.Constraint(m.S, m.T, m.COMPONENT_EDGES, rule=assembly_rule)

    def add_order_constraints(self) -> None:
        """``fixed_cost`` (big-M on placed orders), ``lot_sizing`` and the first period's non-anticipativity."""
        import pyomo.environ as pyo

        m, a, edge_pos = self.model, self.a, self.edge_pos
        big_m = order_bounds(a, self.d, self.state)
        m.fixed_cost = pyo.Constraint(
            m.S, m.T, m.FIXED_EDGES,
            rule=lambda m, s, t, u, v: m.order[s, t, u, v]
            <= float(big_m[edge_pos[u, v]]) * m.order_placed[s, t, u, v],
        )
        m.lot_sizing = pyo.Constraint(
            m.S, m.T, m.LOT_EDGES,
            rule=lambda m, s, t, u, v: m.order[s, t, u, v] == float(a.lot_size[edge_pos[u, v]]) * m.lots[s, t, u, v],
        )

        def nonanticipativity_rule(m, s, u, v):
            if s == 0:
                return pyo.Constraint.Skip
            return m.order[s, 0, u, v] == m.order[0, 0, u, v]

        m.nonanticipativity = pyo.Constraint(m.S, m.EDGES, rule=nonanticipativity_rule)
        m.placement_nonanticipativity = pyo.Constraint(
            m.S, m.FIXED_EDGES,
            rule=lambda m, s, u, v: pyo.Constraint.Skip if s == 0
            else m.order_placed[s, 0, u, v] == m.order_placed[0, 0, u, v],
        )

    def add_objective(self) -> None:
        import pyomo.environ as pyo

        m = self.model
        m.cost = pyo.Objective(expr=sum(self._period_cost(s, t) for s in m.S for t in m.T) / self.K,
                               sense=pyo.minimize)

    def _period_cost(self, s, t):
        m, a, state, edge_pos = self.model, self.a, self.state, self.edge_pos
        cost = sum(float(a.holding_cost[a.index[n]]) * m.on_hand[s, t, n] for n in m.NODES)
        cost += sum(float(a.holding_cost[i]) * float(state.on_hand[i]) for i in np.flatnonzero(a.unlimited))
        for e in range(a.num_edges):
            unit = float(a.purchase_cost[e] + a.operating_cost[a.edge_source[e]])
            if unit:
                cost += unit * self.order(s, t, e)
            if a.pipeline_holding_cost[e]:
                cost += float(a.pipeline_holding_cost[e]) * self.in_transit(s, t, e)
        for (u, v) in m.COMPONENT_EDGES:
            cost += float(a.holding_cost[a.index[u]]) * m.components[s, t, u, v]
        for k, n in enumerate(m.DEMAND):
            i = self.first_demand + k
            cost += float(a.shortage_cost[i]) * m.unmet[s, t, n]
            cost += float(a.operating_cost[i] - a.price[i]) * m.sales[s, t, n]
        for x in self.trans:
            cost += float(a.trans_unit_cost[x]) * m.transship[s, t, a.trans_keys[x]]
        for (u, v) in m.FIXED_EDGES:
            cost += float(a.fixed_order_cost[edge_pos[u, v]]) * m.order_placed[s, t, u, v]
        return cost
