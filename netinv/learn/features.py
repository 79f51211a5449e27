"""Graph features of a network and its state at the start of a period, for the GNN policy.

A network (:class:`~netinv.network.compile.NetworkArrays`) and the state of B demand paths become one
:class:`StateGraph` whose node features have shape (N, B, F_node) and edge features (E, B, F_edge): the
graph is stored once and the paths ride along a second axis, so that the model runs all B paths in one
pass without copying the graph B times. :func:`path_graphs` splits it into B ordinary PyG
:class:`~torch_geometric.data.Data` graphs (x of shape (N, F_node)) for a dataset; PyG's ``Batch`` joins
those again, and the model accepts both forms. (PyTorch Geometric is imported only there: running the
policy does not need it.)

Scales
------
One model must serve networks of any size and volume, so no feature carries a unit of stock or money:

- **throughput** [lambda_i]: the mean external demand node i serves per period in its own units: its
  own mean demand plus, over each supply edge e = (i -> j), lambda_j * quantity_e / yield_j, split
  evenly between j's suppliers unless j is an assembly node (then every component edge carries it all).
  Where it is 0 (a node that reaches no demand) the mean demand of a demand node is used instead.
- **edge scale** [mu_e]: what edge e = (i -> j) carries per period on average, in units of i:
  ``share_e * quantity_e / yield_j * lambda_j``. The model's orders are in these units.
- **cost scale** [c]: the network's largest shortage cost or price (else its largest holding cost,
  else 1). Every cost is divided by it.

Stock at node i is divided by lambda_i and stock on edge e by mu_e, so a store and the factory that
feeds ten thousand of them both see numbers near 1. (The network's total mean demand per period is
kept as ``data.demand_scale`` but normalizes nothing: divided by it, a store of a 10,000-node network
would look a thousand times smaller than a store of a 10-node one.)

Node features (``NODE_FEATURES``, per node i and path b)
---------------------------------------------------------
====================== ===================================================================================
holding_cost           [h_i] per unit per period / c
shortage_cost          [p_i] per unit (backordered per period, or lost) / c; 0 off demand nodes
price                  revenue per unit sold / c
operating_cost         per unit shipped out / c
capacity_load          lambda_i / capacity_i (units per period / units per period), clipped to
                       [0, 10]; 0 when the node's capacity is unlimited
yield                  fraction of received units that become usable, in (0, 1]
is_source              1 when no supply edge comes in
unlimited              1 for an external source with unlimited supply
assembly               1 when the inbound edges are components of a bill of materials
is_demand              1 when the node faces external demand
lost_sales             1 at a demand node whose unmet demand is lost (0 elsewhere)
inverse_echelon        1 / echelon (1 = no supply customers, towards 0 upstream)
log_throughput         log(lambda_i / mean demand of a demand node), at most log 30: the node's size in the
                       network (a plant serving 100,000 stores reads like one serving 30, the largest
                       the training networks hold, rather than far outside anything seen)
lead_to_demand         [d_i] the shortest total lead time (periods) from node i to a node with external
                       demand along supply edges (0 at a demand node), min(d_i, 40) / 10 (40 / 10 when no
                       demand node can be reached)
demand_mean            mean external demand per period / lambda_i; 0 off demand nodes
demand_std             standard deviation of demand per period / lambda_i (0 for a deterministic series)
on_hand                units on hand at the start of the period / lambda_i
backlog                external demand backordered / lambda_i
net_stock              on hand - backlog - units owed to customers on supply edges, / lambda_i
inventory_position     net stock + everything inbound (owed + in transit + unused components; at an
                       assembly node complete kits only), / lambda_i
periods_left           min(T - t, 20) / 20: periods left in the horizon, this one included (T from the
                       state's ``periods``; 1 when the horizon is unknown or far): stock that cannot sell
                       before the end is worth nothing, so orders fall near it
sell_window            min(max(T - t - d_i, 0), 20) / 20: the periods in which stock now at node i can still
                       reach a customer and sell before the end (0: whatever is here cannot sell in time; 1
                       when the horizon is unknown, 0 when no demand node can be reached)
forecast_0..3          expected external demand k = 0..3 periods from now / lambda_i (the ``forecast``
                       argument, else the demand distribution's mean: the censored mean for normal
                       demand, the series' own values); 0 off demand nodes
====================== ===================================================================================

Edge features (``EDGE_FEATURES``, per supply edge e = (i -> j) and path b)
-------------------------------------------------------------------------
====================== ===================================================================================
lead_time              [L_e] periods / 10
pipeline_holding_cost  per unit per period in transit / c
unit_cost              price per unit paid by j to i / c
purchase_cost          unit cost paid outside the network (from an external source; 0 otherwise) / c
capacity_load          mu_e / edge capacity, clipped to [0, 10]; 0 when unlimited
quantity               units of i per unit of j (bill of materials)
conversion             yield_j / quantity_e: units of j that arrive per unit of i shipped
fixed_order_cost       [K_e] per order / (c * mu_e)
lot_size               lot size in units of i / mu_e (0 = any quantity)
edge_backlog           1 when an order the source cannot fill stays owed
primary                1 on the cheapest supply edges into j (all of them when tied)
share                  1 / (number of suppliers of j), the weight of this edge among j's supply edges
up_weight              mu_e / lambda_i, the weight of this edge among i's customers
reach_time             min(L_e + d_j, 40) / 10: the shortest time for a unit ordered on e now to reach a
                       customer (40 / 10 when none can be reached)
owed                   units ordered and not yet shipped, / mu_e
in_transit             units shipped and not yet arrived, / mu_e
components             unused components at an assembly node j, / mu_e
sell_window            min(max(T - t - L_e - d_j, 0), 20) / 20: the periods in which a unit ordered on e
                       now can still sell before the end (0: an order here is wasted; 1 when the horizon
                       is unknown, 0 when no demand node can be reached)
pipeline_0..7          units arriving k = 0..6 periods from now (k = 0: this period), and (slot 7) all
                       arriving 7 or more periods from now, / mu_e
====================== ===================================================================================

Besides x, edge_index and edge_attr the graph carries what the model and its feasibility layer need in
natural units: ``node_scale`` [lambda] (N,), ``edge_scale`` [mu] (E,), ``up_weight`` and
``down_weight`` (E,) (aggregation weights, see :mod:`netinv.learn.model`), ``owed`` (E, B) units of the
source, ``available`` (N, B) units each node can ship this period (on hand within capacity; an external
source its capacity, ``inf`` when unlimited), ``edge_capacity`` (E,) (``inf`` = unlimited), and the
scalars ``demand_scale`` (total mean external demand per period) and ``cost_scale`` [c].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from netinv.demand.distributions import Series
from netinv.demand.expected import mean_demand
from netinv.network.compile import NetworkArrays
from netinv.sim.state import SimState

FORECAST_PERIODS = 4
PERIODS_LEFT_CAP = 20  # periods; beyond this the end of the horizon does not change what is worth ordering
PIPELINE_SLOTS = 8
LEAD_TIME_SCALE = 10.0  # periods
MAX_LOAD = 10.0
REACH_CAP = 40.0  # periods; a longer lead time to a customer reads as this one
LOG_THROUGHPUT_CAP = math.log(30.0)  # the training networks (<= 30 nodes) never exceed it; beyond, no extrapolation

NODE_STATIC = (
    "holding_cost", "shortage_cost", "price", "operating_cost", "capacity_load", "yield", "is_source",
    "unlimited", "assembly", "is_demand", "lost_sales", "inverse_echelon", "log_throughput",
    "lead_to_demand", "demand_mean", "demand_std",
)
NODE_STATE = ("on_hand", "backlog", "net_stock", "inventory_position", "periods_left", "sell_window") + tuple(
    f"forecast_{k}" for k in range(FORECAST_PERIODS)
)
NODE_FEATURES = NODE_STATIC + NODE_STATE

EDGE_STATIC = (
    "lead_time", "pipeline_holding_cost", "unit_cost", "purchase_cost", "capacity_load", "quantity",
    "conversion", "fixed_order_cost", "lot_size", "edge_backlog", "primary", "share", "up_weight",
    "reach_time",
)
EDGE_STATE = ("owed", "in_transit", "components", "sell_window") + tuple(f"pipeline_{k}" for k in range(PIPELINE_SLOTS))
EDGE_FEATURES = EDGE_STATIC + EDGE_STATE


class StateGraph:
    """The graph of :func:`state_graph`: its fields (tensors, and ``num_nodes``) as attributes, read as
    PyG's ``Data`` is read (``graph.x``, ``graph["x"]``, ``graph.keys()``), without importing PyG."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def keys(self) -> list[str]:
        return list(self.__dict__)

    def __getitem__(self, key: str):
        return self.__dict__[key]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={list(v.shape) if hasattr(v, 'shape') else v}" for k, v in self.__dict__.items())
        return f"StateGraph({shapes})"


@dataclass(frozen=True, eq=False)
class NetworkFeatures:
    """What the features need from a network, computed once per network by :func:`network_features`.

    node_scale [lambda] (N,) and edge_scale [mu] (E,): see the module docstring; node_static (N,
    len(NODE_STATIC)) and edge_static (E, len(EDGE_STATIC)) float32; down_weight (E,) = 1 / number of
    suppliers of the edge's target; up_weight (E,) = mu_e / lambda_source; demand_mean (D,) the mean
    used as the default forecast, with ``series_rows`` (S,) the demand nodes whose demand is a series
    and ``series_values`` (S, longest) / ``series_lengths`` (S,) their values; lead_to_demand [d] (N,)
    and reach_time [L_e + d_target] (E,) in periods (``inf`` where no demand node can be reached).
    """

    arrays: NetworkArrays
    demand_scale: float
    unit_demand: float
    cost_scale: float
    node_scale: np.ndarray
    edge_scale: np.ndarray
    node_static: np.ndarray
    edge_static: np.ndarray
    down_weight: np.ndarray
    up_weight: np.ndarray
    demand_mean: np.ndarray
    series_rows: np.ndarray
    series_values: np.ndarray
    series_lengths: np.ndarray
    edge_index: np.ndarray
    lead_to_demand: np.ndarray
    reach_time: np.ndarray

    def forecast(self, t: int) -> np.ndarray:
        """(FORECAST_PERIODS, D) expected demand of periods t .. t + FORECAST_PERIODS - 1."""
        out = np.repeat(self.demand_mean[None, :], FORECAST_PERIODS, axis=0)
        if self.series_rows.size:
            periods = t + np.arange(FORECAST_PERIODS)
            cols = periods[None, :] % self.series_lengths[:, None]
            out[:, self.series_rows] = self.series_values[np.arange(self.series_rows.size)[:, None], cols].T
        return out


def network_features(arrays: NetworkArrays) -> NetworkFeatures:
    """The scales and static features of a network (vectorized; no loop over nodes or edges)."""
    n, e = arrays.num_nodes, arrays.num_edges
    src, dst = arrays.edge_source, arrays.edge_target
    demand_nodes = np.arange(n)[arrays.demand_slice]
    specs = arrays.demand_specs
    mean = np.array([mean_demand(spec) for spec in specs], dtype=np.float64)
    std = np.array([0.0 if isinstance(spec, Series) else float(spec.std_dev) for spec in specs])
    demand_scale = float(mean.sum())
    unit_demand = float(mean.mean()) if mean.size and mean.mean() > 0 else 1.0

    suppliers = np.bincount(dst, minlength=n).astype(np.float64)
    share = np.where(arrays.assembly[dst], 1.0, 1.0 / np.maximum(suppliers[dst], 1.0))
    per_unit = share * arrays.quantity / arrays.yield_[dst]  # units of i per unit of j's throughput
    served = sp.csr_matrix((per_unit, (src, dst)), shape=(n, n))
    own = np.zeros(n)
    own[demand_nodes] = mean
    throughput = own.copy()
    for _ in range(arrays.num_echelons):  # the supply graph is a DAG: exact after its depth
        throughput = own + served @ throughput
    node_scale = np.where(throughput > 1e-9 * unit_demand, throughput, unit_demand)
    edge_scale = per_unit * node_scale[dst]
    up_weight = edge_scale / node_scale[src]
    down_weight = 1.0 / np.maximum(suppliers[dst], 1.0)

    lead = lead_to_demand(arrays)
    cost_scale = _cost_scale(arrays)

    is_demand = np.zeros(n, dtype=bool)
    is_demand[demand_nodes] = True
    demand_mean = np.zeros(n)
    demand_mean[demand_nodes] = mean / node_scale[demand_nodes]
    demand_std = np.zeros(n)
    demand_std[demand_nodes] = std / node_scale[demand_nodes]
    node_static = np.stack([
        arrays.holding_cost / cost_scale,
        arrays.shortage_cost / cost_scale,
        arrays.price / cost_scale,
        arrays.operating_cost / cost_scale,
        _load(node_scale, arrays.capacity),
        arrays.yield_,
        arrays.is_source,
        arrays.unlimited,
        arrays.assembly,
        is_demand,
        is_demand & ~arrays.backlog,
        1.0 / np.maximum(arrays.echelon, 1),
        np.minimum(np.log(node_scale / unit_demand), LOG_THROUGHPUT_CAP),
        np.minimum(lead, REACH_CAP) / LEAD_TIME_SCALE,
        demand_mean,
        demand_std,
    ], axis=1).astype(np.float32)

    reach = arrays.lead_time + lead[dst]
    cheapest = np.full(n, np.inf)
    np.minimum.at(cheapest, dst, arrays.unit_cost)
    primary = arrays.unit_cost == cheapest[dst]  # every tied edge: the flag must not depend on edge order
    edge_static = np.stack([
        arrays.lead_time / LEAD_TIME_SCALE,
        arrays.pipeline_holding_cost / cost_scale,
        arrays.unit_cost / cost_scale,
        arrays.purchase_cost / cost_scale,
        _load(edge_scale, arrays.edge_capacity),
        arrays.quantity,
        arrays.yield_[dst] / arrays.quantity,
        arrays.fixed_order_cost / (cost_scale * edge_scale),
        arrays.lot_size / edge_scale,
        arrays.edge_backlog,
        primary,
        down_weight,
        up_weight,
        np.minimum(reach, REACH_CAP) / LEAD_TIME_SCALE,
    ], axis=1).astype(np.float32).reshape(e, len(EDGE_STATIC))

    series, values, lengths = _series_table(specs)
    return NetworkFeatures(
        arrays=arrays,
        demand_scale=demand_scale,
        unit_demand=unit_demand,
        cost_scale=cost_scale,
        node_scale=node_scale,
        edge_scale=edge_scale,
        node_static=node_static.reshape(n, len(NODE_STATIC)),
        edge_static=edge_static,
        down_weight=down_weight,
        up_weight=up_weight,
        demand_mean=mean,
        series_rows=np.array(series, dtype=np.int64),
        series_values=values,
        series_lengths=lengths,
        edge_index=np.stack([src, dst]).astype(np.int64).reshape(2, e),
        lead_to_demand=lead,
        reach_time=reach.astype(np.float64),
    )


def _cost_scale(arrays: NetworkArrays) -> float:
    """The network's money unit: its largest shortage cost or price, else its largest holding cost, else 1."""
    costs = np.concatenate([arrays.shortage_cost, arrays.price])
    cost_scale = float(costs.max()) if costs.size and costs.max() > 0 else 0.0
    if cost_scale <= 0:
        cost_scale = float(arrays.holding_cost.max()) if arrays.num_nodes and arrays.holding_cost.max() > 0 else 1.0
    return cost_scale


def _series_table(specs) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The demand nodes with a series (their rows), their values padded into one table, and their lengths."""
    series = [j for j, spec in enumerate(specs) if isinstance(spec, Series)]
    lengths = np.array([len(specs[j].values) for j in series], dtype=np.int64)
    values = np.zeros((len(series), int(lengths.max()) if series else 0))
    for row, j in enumerate(series):  # once per network, over the series-demand nodes only
        values[row, : lengths[row]] = specs[j].values
    return series, values, lengths


def lead_to_demand(arrays: NetworkArrays) -> np.ndarray:
    """(N,) the shortest total lead time (periods) from each node to a node with external demand along
    supply edges: 0 at a demand node, ``inf`` where none can be reached (the supply graph is a DAG, so
    relaxing every edge once per echelon is exact)."""
    n = arrays.num_nodes
    lead = np.full(n, np.inf)
    lead[arrays.demand_slice] = 0.0
    src, dst = arrays.edge_source, arrays.edge_target
    for _ in range(arrays.num_echelons):
        np.minimum.at(lead, src, arrays.lead_time + lead[dst])
    return lead


def sell_window(reach: np.ndarray, state_periods: int | None, t: int) -> np.ndarray:
    """The ``sell_window`` feature for units ``reach`` periods from a customer in period t of a horizon of
    ``state_periods`` (None: endless): min(max(T - t - reach, 0), PERIODS_LEFT_CAP) / PERIODS_LEFT_CAP,
    1 for an endless horizon, 0 where ``reach`` is inf."""
    reach = np.asarray(reach, dtype=np.float64)
    if state_periods is None:
        out = np.ones_like(reach)
    else:
        out = np.clip(state_periods - t - reach, 0.0, PERIODS_LEFT_CAP) / PERIODS_LEFT_CAP
    return np.where(np.isfinite(reach), out, 0.0).astype(np.float32)


def state_graph(network: NetworkFeatures | NetworkArrays, state, forecast: np.ndarray | None = None) -> StateGraph:
    """The graph of a network in a state: x (N, B, F_node), edge_attr (E, B, F_edge) and the fields
    listed in the module docstring, as float32 torch tensors (converted once, without copies).

    ``state``: a :class:`~netinv.sim.state.SimState` (B paths), a
    :class:`~netinv.exact.planning.PlanState` (B = 1) or a sequence of PlanStates of one period (B = len).
    ``forecast``: expected external demand, shape (H, D) (every path) or (H, D, B), periods t, t+1, ...
    in the order of the demand nodes; the first ``FORECAST_PERIODS`` are used (the last one repeated
    when H is shorter). Default: from the demand distributions (:meth:`NetworkFeatures.forecast`).
    """
    net = network if isinstance(network, NetworkFeatures) else network_features(network)
    a = net.arrays
    s = as_sim_state(a, state)
    n, e, b = a.num_nodes, a.num_edges, s.paths
    f32 = np.float32
    lam = net.node_scale.astype(f32)[:, None]
    mu = net.edge_scale.astype(f32)[:, None]

    x = np.empty((n, b, len(NODE_FEATURES)), dtype=f32)
    k = len(NODE_STATIC)
    x[:, :, :k] = net.node_static[:, None, :]
    net_stock = s.net_stock()
    inbound = s.edge_inbound()
    x[:, :, k] = s.on_hand / lam
    x[:, :, k + 1] = s.backlog / lam
    x[:, :, k + 3] = s.inventory_position(net=net_stock, inbound=inbound) / lam
    x[:, :, k + 2] = net_stock / lam
    x[:, :, k + 4] = periods_left(s)
    x[:, :, k + 5] = sell_window(net.lead_to_demand, s.periods, s.t)[:, None]
    fc = x[:, :, k + 6 :]
    fc[...] = 0.0
    demand = _forecast(net, s.t, b, forecast)  # (F, D, B)
    fc[a.demand_slice] = np.transpose(demand, (1, 2, 0)) / lam[a.demand_slice, :, None]

    edge_attr = np.empty((e, b, len(EDGE_FEATURES)), dtype=f32)
    k = len(EDGE_STATIC)
    edge_attr[:, :, :k] = net.edge_static[:, None, :]
    edge_attr[:, :, k] = s.owed / mu
    edge_attr[:, :, k + 1] = s.in_transit / mu
    edge_attr[:, :, k + 2] = s.components / mu
    edge_attr[:, :, k + 3] = sell_window(net.reach_time, s.periods, s.t)[:, None]
    edge_attr[:, :, k + 4 :] = np.transpose(pipeline_slots(s), (1, 2, 0)) / mu[:, :, None]

    available = np.maximum(s.on_hand, 0.0)
    capacity = a.capacity.astype(f32)[:, None]
    np.minimum(available, capacity, out=available)
    available[a.unlimited] = capacity[a.unlimited]

    tensor = torch.from_numpy
    return StateGraph(
        x=tensor(x),
        edge_index=tensor(net.edge_index),
        edge_attr=tensor(edge_attr),
        num_nodes=n,
        node_scale=tensor(net.node_scale.astype(f32)),
        edge_scale=tensor(net.edge_scale.astype(f32)),
        up_weight=tensor(net.up_weight.astype(f32)),
        down_weight=tensor(net.down_weight.astype(f32)),
        owed=tensor(np.ascontiguousarray(s.owed, dtype=f32)),
        available=tensor(available),
        edge_capacity=tensor(a.edge_capacity.astype(f32)),
        demand_scale=torch.tensor([net.demand_scale], dtype=torch.float32),
        cost_scale=torch.tensor([net.cost_scale], dtype=torch.float32),
    )


def path_graphs(data: StateGraph):
    """Split a graph of B paths (x of shape (N, B, F)) into B PyG ``Data`` graphs with x of shape (N, F),
    the form of a dataset sample; ``torch_geometric.data.Batch.from_data_list`` joins them into one
    disjoint graph."""
    from torch_geometric.data import Data

    per_path = ("x", "edge_attr", "owed", "available")
    shared = {key: data[key] for key in data.keys() if key not in per_path}
    return [Data(**shared, **{key: data[key][:, b].contiguous() for key in per_path}) for b in range(data.x.shape[1])]


def select_paths(data: StateGraph, paths: slice) -> StateGraph:
    """The same graph with only the paths ``paths`` (a slice of the path axis of x, edge_attr, owed and
    available); views, no copies."""
    per_path = ("x", "edge_attr", "owed", "available")
    shared = {key: data[key] for key in data.keys() if key not in per_path}
    return StateGraph(**shared, **{key: data[key][:, paths] for key in per_path})


def periods_left(state: SimState) -> float:
    """The ``periods_left`` feature: min(T - t, PERIODS_LEFT_CAP) / PERIODS_LEFT_CAP, 1 when T is unknown."""
    if state.periods is None:
        return 1.0
    return min(max(state.periods - state.t, 0), PERIODS_LEFT_CAP) / PERIODS_LEFT_CAP


def pipeline_slots(state: SimState) -> np.ndarray:
    """(PIPELINE_SLOTS, E, B) units arriving k periods from now (k = 0 .. PIPELINE_SLOTS - 2), the last
    slot summing everything that arrives later."""
    pipe = state.pipeline
    depth = pipe.shape[0]
    ordered = pipe[(state.t + np.arange(depth)) % depth]
    out = np.zeros((PIPELINE_SLOTS,) + pipe.shape[1:], dtype=np.float32)
    head = min(depth, PIPELINE_SLOTS - 1)
    out[:head] = ordered[:head]
    if depth > head:
        out[-1] = ordered[head:].sum(axis=0)
    return out


def as_sim_state(arrays: NetworkArrays, state) -> SimState:
    """A :class:`SimState` for ``state``: itself, or one path per :class:`PlanState` (nothing owed)."""
    if isinstance(state, SimState):
        return state
    plans = [state] if hasattr(state, "arrivals") else list(state)
    if not plans or len({p.period for p in plans}) != 1:
        raise ValueError("state_graph: give a SimState, a PlanState or PlanStates of one period")
    t = int(plans[0].period)
    sim = SimState.initial(arrays, len(plans))
    sim.t = t
    depth = sim.pipeline.shape[0]
    sim.on_hand[:] = np.stack([p.on_hand for p in plans], axis=1)
    sim.backlog[arrays.demand_slice] = np.stack([p.backlog for p in plans], axis=1)
    sim.components[:] = np.stack([p.components for p in plans], axis=1)
    arrivals = np.stack([p.arrivals for p in plans], axis=2)  # (E, R', B)
    slots = min(depth, arrivals.shape[1])
    sim.pipeline[(t + np.arange(slots)) % depth] = np.transpose(arrivals[:, :slots], (1, 0, 2))
    sim.in_transit[:] = arrivals.sum(axis=1)
    return sim


def _forecast(net: NetworkFeatures, t: int, paths: int, forecast) -> np.ndarray:
    """(FORECAST_PERIODS, D, B) expected demand."""
    d = net.arrays.num_demand_nodes
    if forecast is None:
        return np.broadcast_to(net.forecast(t)[:, :, None], (FORECAST_PERIODS, d, paths))
    f = np.asarray(forecast, dtype=np.float32)
    if f.ndim == 2:
        f = f[:, :, None]
    if f.ndim != 3 or f.shape[0] < 1 or f.shape[1] != d or f.shape[2] not in (1, paths):
        raise ValueError(f"forecast: expected shape (periods, {d}) or (periods, {d}, {paths}), got {np.shape(forecast)}")
    rows = np.minimum(np.arange(FORECAST_PERIODS), f.shape[0] - 1)
    return np.broadcast_to(f[rows], (FORECAST_PERIODS, d, paths))


def _load(scale: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(np.isfinite(capacity), scale / capacity, 0.0)
    return np.clip(np.nan_to_num(load, nan=MAX_LOAD, posinf=MAX_LOAD), 0.0, MAX_LOAD)
