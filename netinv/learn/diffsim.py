"""A differentiable torch twin of the simulator (:mod:`netinv.sim.simulator`), for policy gradients.

:class:`DiffSim` runs the simulator's period, event for event and with the same accounting, on torch
tensors of B demand paths, so that the profit of a rollout is a differentiable function of the orders
(and, through the state, of a policy's parameters): *hindsight differentiable policy optimization*
(Alvo, Russo & Kanoria 2023) backpropagates it through time on sampled demand paths.

Events of period t (those of :mod:`netinv.sim.simulator`, whose docstring states them exactly):

1. orders x >= 0 on every supply edge (negative orders are cut to 0, as the simulator does);
2. shipping: request_e = owed_e + x_e, wanted_e = min(request_e, edge capacity); a node whose stock
   (within its capacity; an external source: its capacity) is short ships every edge the same fraction
   available_i / sum_e wanted_e (proportional allocation); unshipped requests stay owed or are dropped
   (edge ``backlog``);
3. arrivals after ``lead_time`` periods, times yield_j / quantity_e; at an assembly node components
   are kept per edge and min_e(components_e / quantity_e) complete kits are assembled at once;
4. demand: sold = min(on hand, backorders + demand); the rest is backordered or lost;
5. costs on the end-of-period state: holding (components at their supplier's rate), pipeline
   holding, shortage (backorders per period or lost sales), purchase (``unit_cost`` on edges from an
   external source), operating (per unit shipped out, and per unit sold at a demand node), fixed
   ordering cost per positive order; revenue = price x sold.

Where the simulator has a kink (min, max, the proportional cut) the twin uses the same function, with
its subgradient: forward values are not smoothed, so the twin's costs *equal* the simulator's (to
float32 rounding: sums may add up in another order). The fixed ordering cost is a step (its gradient
is 0). The transshipment hook (step 5 of the simulator) is not part of the twin: it equals a simulation
without a ``transshipment=`` rule, and a rule is refused (:class:`~netinv.errors.InputError`).

:func:`twin_graph` builds the GNN's input graph (:func:`netinv.learn.features.state_graph`) from a twin
state in torch, so gradients flow through the features too; :class:`TwinGNNPolicy` is the GNN policy
(:class:`netinv.learn.policy.GNNPolicy`) on the twin.

Shapes: N nodes, E supply edges, D demand nodes (the last D node indices), B paths, R = longest lead
time + 1 pipeline slots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import Data

from netinv.errors import InputError
from netinv.learn.feasibility import share
from netinv.learn.features import (
    EDGE_STATIC,
    FORECAST_PERIODS,
    NODE_STATIC,
    PERIODS_LEFT_CAP,
    PIPELINE_SLOTS,
    NetworkFeatures,
    network_features,
    sell_window,
)
from netinv.network.compile import NetworkArrays
from netinv.sim.kpis import COST_COMPONENTS

TWIN_COMPONENTS = tuple(c for c in COST_COMPONENTS if c != "transshipment")


@dataclass
class TwinState:
    """State at the start of period ``t`` (tensors of one dtype, node- or edge-major, paths last).

    on_hand (N, B); backlog (D, B) backorders at the demand nodes; owed (E, B) ordered, not yet
    shipped; in_transit (E, B) shipped, not yet arrived; components (E, B) unused components at
    assembly nodes; pipeline (R, E, B): ``pipeline[k]`` arrives k periods from now (the simulator's
    ring buffer read from slot t).
    """

    t: int
    on_hand: torch.Tensor
    backlog: torch.Tensor
    owed: torch.Tensor
    in_transit: torch.Tensor
    components: torch.Tensor
    pipeline: torch.Tensor

    @property
    def paths(self) -> int:
        return self.on_hand.shape[1]

    def detach(self) -> TwinState:
        """The same state cut from the graph of gradients (truncated backpropagation through time)."""
        return TwinState(self.t, *(x.detach() for x in (self.on_hand, self.backlog, self.owed, self.in_transit,
                                                         self.components, self.pipeline)))

    def to_numpy(self, arrays: NetworkArrays, periods: int | None = None):
        """This state as a :class:`~netinv.sim.state.SimState` (float32 copies), for cross-checks."""
        from netinv.sim.state import SimState

        s = SimState.initial(arrays, self.paths, periods=periods)
        s.t = self.t
        s.on_hand[:] = self.on_hand.detach().numpy()
        s.backlog[arrays.demand_slice] = self.backlog.detach().numpy()
        s.owed[:] = self.owed.detach().numpy()
        s.in_transit[:] = self.in_transit.detach().numpy()
        s.components[:] = self.components.detach().numpy()
        depth = s.pipeline.shape[0]
        s.pipeline[(self.t + np.arange(depth)) % depth] = self.pipeline.detach().numpy()
        return s


@dataclass
class PeriodCosts:
    """Money of one period per path (B,): ``revenue`` and each cost component of
    :data:`TWIN_COMPONENTS` (the simulator's components without transshipment)."""

    revenue: torch.Tensor
    components: dict

    @property
    def cost(self) -> torch.Tensor:
        """Total cost, the shape of ``revenue``."""
        return sum(self.components.values())

    @property
    def profit(self) -> torch.Tensor:
        """Revenue minus cost, the shape of ``revenue``."""
        return self.revenue - self.cost


@dataclass
class Rollout(PeriodCosts):
    """A rollout of T periods: ``revenue`` (T, B) and ``components`` name -> (T, B) per period (so
    ``cost`` and ``profit`` are (T, B) too), and the ``final`` state."""

    final: TwinState


class DiffSim:
    """The simulator's dynamics for one network, in torch (see the module docstring).

    arrays: the compiled network. allocation: how a short node splits its stock (``proportional``, the
    simulator's only rule). dtype: float32 (the simulator's precision) or float64.
    """

    def __init__(self, arrays: NetworkArrays, *, allocation: str = "proportional", dtype=torch.float32):
        if allocation != "proportional":
            raise InputError(f"{arrays.name}: the differentiable simulator allocates proportionally only, "
                             f"got allocation {allocation!r}")
        if arrays.num_edges == 0:
            raise InputError(f"{arrays.name}: the differentiable simulator needs at least one supply edge")
        self.arrays = a = arrays
        self.dtype = dtype

        def tensor(values, kind=dtype):
            return torch.as_tensor(np.asarray(values), dtype=kind)

        n, e, d = a.num_nodes, a.num_edges, a.num_demand_nodes
        self.num_nodes, self.num_edges, self.num_demand = n, e, d
        self.first_demand = n - d
        self.source = torch.as_tensor(a.edge_source, dtype=torch.long)
        self.target = torch.as_tensor(a.edge_target, dtype=torch.long)
        self.depth = int(a.lead_time.max()) + 1
        lead = torch.as_tensor(a.lead_time, dtype=torch.long)
        self.lead_onehot = torch.nn.functional.one_hot(lead, self.depth).T.to(dtype)[:, :, None]  # (R, E, 1)
        self.edge_cap = tensor(a.edge_capacity.astype(np.float32))[:, None]
        self.has_edge_cap = bool(np.isfinite(a.edge_capacity).any())
        self.node_cap = tensor(a.capacity.astype(np.float32))[:, None]
        self.has_node_cap = bool(np.isfinite(a.capacity).any())
        self.unlimited = torch.as_tensor(a.unlimited)[:, None]
        self.edge_keep = tensor(a.edge_backlog.astype(np.float32))[:, None]
        self.all_edge_backlog = bool(a.edge_backlog.all())
        self.convert = tensor((a.yield_[a.edge_target] / a.quantity).astype(np.float32))[:, None]
        self.demand_backlog = torch.as_tensor(a.backlog[a.demand_slice])[:, None]
        self.initial_inventory = tensor(a.initial_inventory.astype(np.float32))

        self.assembly_any = bool(a.assembly.any())
        if self.assembly_any:
            edges, starts, nodes, group = a.assembly_groups()
            sizes = np.diff(np.append(starts, edges.size))
            width = int(sizes.max())
            # (G, width) component edges of each assembly node, padded by repeating its first edge
            table = np.repeat(edges[starts][:, None], width, axis=1)
            for k in range(width):
                has = sizes > k
                table[has, k] = edges[starts[has] + k]
            self.kit_table = torch.as_tensor(table, dtype=torch.long)
            self.kit_nodes = torch.as_tensor(nodes, dtype=torch.long)
            self.kit_edges = torch.as_tensor(edges, dtype=torch.long)
            self.kit_group = torch.as_tensor(group, dtype=torch.long)
            self.kit_quantity = tensor(a.quantity[edges].astype(np.float32))[:, None]
            self.kit_table_quantity = tensor(a.quantity[table].astype(np.float32))[:, :, None]
            self.kit_yield = tensor(a.yield_[nodes].astype(np.float32))[:, None]
            self.assembly_edge = tensor(a.assembly[a.edge_target].astype(np.float32))[:, None]

        ds = a.demand_slice
        f32 = np.float32
        self.holding = tensor(a.holding_cost.astype(f32))
        self.component_holding = tensor(a.holding_cost[a.edge_source].astype(f32))
        self.pipeline_holding = tensor(a.pipeline_holding_cost.astype(f32))
        flag = a.backlog[ds]
        self.backorder_cost = tensor((a.shortage_cost[ds] * flag).astype(f32))
        self.lost_cost = tensor((a.shortage_cost[ds] * ~flag).astype(f32))
        self.purchase = tensor(a.purchase_cost.astype(f32))
        self.ship_operating = tensor(a.operating_cost[a.edge_source].astype(f32))
        self.sale_operating = tensor(a.operating_cost[ds].astype(f32))
        self.fixed_order = tensor(a.fixed_order_cost.astype(f32))
        self.price = tensor(a.price[ds].astype(f32))

    # --------------------------------------------------------------------------------------------
    def initial_state(self, paths: int) -> TwinState:
        """The simulator's initial state: initial inventory on hand, nothing owed, nothing in transit."""
        n, e, d = self.num_nodes, self.num_edges, self.num_demand
        zeros = torch.zeros((e, paths), dtype=self.dtype)
        return TwinState(
            t=0,
            on_hand=self.initial_inventory[:, None].expand(n, paths).clone(),
            backlog=torch.zeros((d, paths), dtype=self.dtype),
            owed=zeros,
            in_transit=zeros.clone(),
            components=zeros.clone(),
            pipeline=torch.zeros((self.depth, e, paths), dtype=self.dtype),
        )

    def available(self, state: TwinState) -> torch.Tensor:
        """(N, B) units each node can ship this period: on hand within its capacity; an external source
        its capacity (``inf`` when unlimited). What the feasibility layer of the GNN reads."""
        available = torch.clamp(state.on_hand, min=0.0)
        return torch.where(self.unlimited, self.node_cap, torch.minimum(available, self.node_cap))

    def step(self, state: TwinState, orders: torch.Tensor, demand: torch.Tensor) -> tuple[TwinState, PeriodCosts]:
        """One period: ``orders`` (E, B) in units of each edge's source, ``demand`` (D, B) external demand.
        Returns the state at the start of the next period and the period's money."""
        if orders.shape != state.owed.shape:
            raise InputError(f"{self.arrays.name}: orders of shape {tuple(orders.shape)}, expected "
                             f"{tuple(state.owed.shape)}")
        if demand.shape != state.backlog.shape:
            raise InputError(f"{self.arrays.name}: demand of shape {tuple(demand.shape)}, expected "
                             f"{tuple(state.backlog.shape)}")
        orders = torch.clamp(orders, min=0.0)

        # 2. shipping, proportional allocation
        request = state.owed + orders
        wanted = torch.minimum(request, self.edge_cap) if self.has_edge_cap else request
        total = self._per_node(wanted, self.source)
        available = torch.clamp(state.on_hand, min=0.0)
        if self.has_node_cap:
            available = torch.where(self.unlimited, self.node_cap, torch.minimum(available, self.node_cap))
        short = total > available
        if not self.has_node_cap:
            short = short & ~self.unlimited
        # both sides of the division masked: no inf or nan reaches the gradient
        fraction = torch.where(short, share(torch.where(short, available, 0.0), torch.where(short, total, 1.0)), 1.0)
        shipped = wanted * fraction[self.source]
        owed = request - shipped
        if not self.all_edge_backlog:
            owed = owed * self.edge_keep
        out_units = torch.where(self.unlimited, 0.0, self._per_node(shipped, self.source))
        on_hand = state.on_hand - out_units

        # 3. arrivals
        pipeline = state.pipeline + self.lead_onehot * shipped
        arrived = pipeline[0]
        pipeline = torch.cat([pipeline[1:], torch.zeros_like(pipeline[:1])])
        in_transit = state.in_transit + shipped - arrived
        received = arrived * self.convert
        components = state.components
        if self.assembly_any:
            on_hand = on_hand + self._per_node(received * (1.0 - self.assembly_edge), self.target)
            components = components + arrived * self.assembly_edge
            kits = (components[self.kit_table] / self.kit_table_quantity).amin(dim=1)  # (G, B)
            used = torch.zeros_like(components).index_add(0, self.kit_edges, kits[self.kit_group] * self.kit_quantity)
            components = components - used
            on_hand = on_hand.index_add(0, self.kit_nodes, kits * self.kit_yield)
        else:
            on_hand = on_hand + self._per_node(received, self.target)

        # 4. external demand
        head, on_hand_d = on_hand[: self.first_demand], on_hand[self.first_demand:]
        need = state.backlog + demand
        sold = torch.minimum(on_hand_d, need)
        on_hand = torch.cat([head, on_hand_d - sold])
        unmet = need - sold
        backlog = torch.where(self.demand_backlog, unmet, 0.0)
        lost = torch.where(self.demand_backlog, 0.0, unmet)

        # 5. money of the period, on the end-of-period state
        components_cost = {
            "holding": self.holding @ on_hand + self.component_holding @ components,
            "pipeline_holding": self.pipeline_holding @ in_transit,
            "shortage": self.backorder_cost @ backlog + self.lost_cost @ lost,
            "purchase": self.purchase @ shipped,
            "ordering": self.fixed_order @ (orders > 0).to(orders.dtype),
            "operating": self.ship_operating @ shipped + self.sale_operating @ sold,
        }
        money = PeriodCosts(revenue=self.price @ sold, components=components_cost)
        return TwinState(state.t + 1, on_hand, backlog, owed, in_transit, components, pipeline), money

    def rollout(self, policy: Callable[[TwinState], torch.Tensor], demand: torch.Tensor, *,
                state: TwinState | None = None, truncate: int | None = None) -> Rollout:
        """Run ``policy`` (state -> orders (E, B)) for T periods of ``demand`` (T, D, B) from ``state``
        (default: the initial state). ``truncate``: cut the gradient through the state every this many
        periods (truncated backpropagation through time; None: never)."""
        demand = torch.as_tensor(demand, dtype=self.dtype)
        if demand.dim() != 3 or demand.shape[1] != self.num_demand:
            raise InputError(f"{self.arrays.name}: demand must have shape (periods, demand nodes="
                             f"{self.num_demand}, paths), got {tuple(demand.shape)}")
        state = self.initial_state(demand.shape[2]) if state is None else state
        revenue, parts = [], {c: [] for c in TWIN_COMPONENTS}
        for k in range(demand.shape[0]):
            if truncate and k and k % truncate == 0:
                state = state.detach()
            state, money = self.step(state, policy(state), demand[k])
            revenue.append(money.revenue)
            for c in TWIN_COMPONENTS:
                parts[c].append(money.components[c])
        return Rollout(torch.stack(revenue), {c: torch.stack(v) for c, v in parts.items()}, state)

    def _per_node(self, values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """(N, B) sums of edge values (E, B) per source or target node."""
        return values.new_zeros((self.num_nodes, values.shape[1])).index_add(0, index, values)


class FixedOrders:
    """A policy for :meth:`DiffSim.rollout` that places recorded orders (T, E, B): ``orders[t]`` in
    period t (e.g. the trace of a numpy simulation)."""

    def __init__(self, orders):
        self.orders = torch.as_tensor(np.asarray(orders))

    def __call__(self, state: TwinState) -> torch.Tensor:
        return self.orders[state.t].to(state.on_hand.dtype)


# ------------------------------------------------------------------------------------------------
# the GNN on the twin


class TwinFeatures:
    """What :func:`twin_graph` needs of a network, as tensors (built once per network)."""

    def __init__(self, network: NetworkFeatures | NetworkArrays, dtype=torch.float32):
        net = network if isinstance(network, NetworkFeatures) else network_features(network)
        a = net.arrays
        self.network = net
        self.arrays = a
        f32 = np.float32
        self.lam = torch.as_tensor(net.node_scale.astype(f32))[:, None]
        self.mu = torch.as_tensor(net.edge_scale.astype(f32))[:, None]
        self.node_static = torch.as_tensor(net.node_static)
        self.edge_static = torch.as_tensor(net.edge_static)
        self.edge_index = torch.as_tensor(net.edge_index)
        self.quantity = torch.as_tensor(a.quantity.astype(f32))[:, None]
        self.up_weight = torch.as_tensor(net.up_weight.astype(f32))
        self.down_weight = torch.as_tensor(net.down_weight.astype(f32))
        self.edge_capacity = torch.as_tensor(a.edge_capacity.astype(f32))
        self.demand_scale = torch.tensor([net.demand_scale], dtype=torch.float32)
        self.cost_scale = torch.tensor([net.cost_scale], dtype=torch.float32)
        self.first_demand = a.num_nodes - a.num_demand_nodes
        self.assembly_any = bool(a.assembly.any())
        if self.assembly_any:
            edges, starts, nodes, _ = a.assembly_groups()
            sizes = np.diff(np.append(starts, edges.size))
            table = np.repeat(edges[starts][:, None], int(sizes.max()), axis=1)
            for k in range(table.shape[1]):
                has = sizes > k
                table[has, k] = edges[starts[has] + k]
            self.kit_table = torch.as_tensor(table, dtype=torch.long)
            is_kit = np.zeros(a.num_nodes, dtype=bool)
            is_kit[nodes] = True
            self.kit_nodes = torch.as_tensor(nodes, dtype=torch.long)
            self.is_kit = torch.as_tensor(is_kit)[:, None]
        self._forecasts: dict[int, torch.Tensor] = {}

    def forecast(self, t: int) -> torch.Tensor:
        """(D, FORECAST_PERIODS) expected demand from period t on, / lambda (the distributions' means)."""
        if t not in self._forecasts:
            a = self.arrays
            values = self.network.forecast(t).T / self.network.node_scale[a.demand_slice, None]
            self._forecasts[t] = torch.as_tensor(values.astype(np.float32))
        return self._forecasts[t]


def twin_graph(features: TwinFeatures, sim: DiffSim, state: TwinState, periods: int | None = None) -> Data:
    """The graph of :func:`netinv.learn.features.state_graph` for a twin state, in torch (differentiable
    in the state). ``periods``: the horizon T the ``periods_left`` feature counts down to (None: endless).
    Forecasts are the demand distributions' means."""
    n, b = state.on_hand.shape
    first = features.first_demand
    lam, mu = features.lam, features.mu
    backlog = torch.cat([state.on_hand.new_zeros((first, b)), state.backlog])
    owed_out = sim._per_node(state.owed, sim.source)
    net_stock = state.on_hand - backlog - owed_out
    inbound = (state.in_transit + state.owed + state.components) / features.quantity
    position = net_stock + sim._per_node(inbound, sim.target)
    if features.assembly_any:
        kits = inbound[features.kit_table].amin(dim=1)  # (G, B)
        kit_position = torch.zeros_like(position).index_add(0, features.kit_nodes, net_stock[features.kit_nodes] + kits)
        position = torch.where(features.is_kit, kit_position, position)
    left = 1.0 if periods is None else min(max(periods - state.t, 0), PERIODS_LEFT_CAP) / PERIODS_LEFT_CAP
    forecast = state.on_hand.new_zeros((n, FORECAST_PERIODS))
    forecast[first:] = features.forecast(state.t)
    node_window = torch.as_tensor(sell_window(features.network.lead_to_demand, periods, state.t)).to(net_stock.dtype)[:, None]
    node_state = torch.stack([state.on_hand / lam, backlog / lam, net_stock / lam, position / lam,
                              torch.full_like(net_stock, left), node_window.expand_as(net_stock)], dim=-1)
    x = torch.cat([features.node_static[:, None, :].expand(n, b, len(NODE_STATIC)), node_state,
                   forecast[:, None, :].expand(n, b, FORECAST_PERIODS)], dim=-1)

    e = state.owed.shape[0]
    pipe = state.pipeline
    head = min(pipe.shape[0], PIPELINE_SLOTS - 1)
    slots = [pipe[k] for k in range(head)] + [torch.zeros_like(state.owed)] * (PIPELINE_SLOTS - 1 - head)
    slots.append(pipe[head:].sum(dim=0) if pipe.shape[0] > head else torch.zeros_like(state.owed))
    edge_window = torch.as_tensor(sell_window(features.network.reach_time, periods, state.t)).to(state.owed.dtype)[:, None]
    edge_state = torch.cat([torch.stack([state.owed, state.in_transit, state.components], dim=-1) / mu[:, :, None],
                            edge_window.expand_as(state.owed)[:, :, None],
                            torch.stack(slots, dim=-1) / mu[:, :, None]], dim=-1)
    edge_attr = torch.cat([features.edge_static[:, None, :].expand(e, b, len(EDGE_STATIC)), edge_state], dim=-1)
    return Data(x=x, edge_index=features.edge_index, edge_attr=edge_attr, num_nodes=n,
                node_scale=lam[:, 0], edge_scale=mu[:, 0], up_weight=features.up_weight,
                down_weight=features.down_weight, owed=state.owed, available=sim.available(state),
                edge_capacity=features.edge_capacity, demand_scale=features.demand_scale,
                cost_scale=features.cost_scale)


class TwinGNNPolicy:
    """The GNN policy on the twin: the orders :class:`netinv.learn.policy.GNNPolicy` would place in the
    same state (feasible orders times the edge scale, cut at 0), differentiable in the model's weights
    and in the state. ``periods``: the horizon T of the rollout (``periods_left`` feature)."""

    def __init__(self, model, sim: DiffSim, features: TwinFeatures | None = None, periods: int | None = None):
        self.model = model
        self.sim = sim
        self.features = features if features is not None else TwinFeatures(sim.arrays)
        self.periods = periods

    def __call__(self, state: TwinState) -> torch.Tensor:
        data = twin_graph(self.features, self.sim, state, self.periods)
        return torch.clamp(self.model(data) * self.features.mu, min=0.0)
