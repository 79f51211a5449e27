"""The guaranteed-service model's data, read from a network graph: what both GSM solvers share.

Guaranteed-service model (Graves & Willems 2000; Humair & Willems 2011 for general acyclic networks).
Every node is a stage j with processing time [T_j], holding cost [h_j] per unit of safety stock, and
a safety coefficient k_j such that the safety stock for net replenishment time tau is k_j sqrt(tau):

- internal demand: stage j serves Phi_jd units per unit of demand at demand stage d (the sum over
  supply paths j -> d of the products of the edges' ``quantity``); its mean demand is
  sum_d Phi_jd mu_d;
- pooling rule (``risk_pool`` r, default 2, independent end demands): if stage j has its own safety
  factor (``service_factor`` z_j, or ``service_level`` with z_j = Phi^-1(service_level)),
  k_j = z_j (sum_d (Phi_jd sigma_d)^r)^(1/r); otherwise the demand stages' factors are used,
  k_j = (sum_d (Phi_jd z_d sigma_d)^r)^(1/r) (the convention of Willems' 2008 data set).

Decisions: integer outbound service times S_j >= 0, inbound service times SI_j >= S_i + L_ij for
every supplier i (L_ij the edge ``lead_time``), SI_j = 0 at stages without suppliers, net
replenishment time tau_j = SI_j + T_j - S_j >= 0, S_j <= ``max_service_time`` where given (demand
stages without one must quote 0). Cost: sum_j h_j k_j sqrt(tau_j).

Time follows :mod:`netinv.timing`: a node's stage time is T_j = ``processing_time`` + 1 (the review
period of the simulator: a unit received in period t ships on in period t + 1), so that tau_j is the
periods of demand the stage's stock covers when simulated; a scenario with ``time_convention:
textbook`` (published data) gives T_j as its ``processing_time``.

An external supply (a source node with unlimited supply; in the textbook convention, a source with
stage time 0) always has S = SI = tau = 0: it is left out of the instance (``external``), and each of its edges becomes a
lower bound SI_j >= L_ij on its customer's inbound service time (``inbound_lower_bound``). This keeps
trees trees when one supplier node feeds several stages.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import stats

from netinv import attrs, timing
from netinv.demand.distributions import Poisson, parse_demand
from netinv.errors import InputError
from netinv.network.validate import supply_subgraph


@dataclass(frozen=True, eq=False)
class GSMInstance:
    """Arrays of a guaranteed-service instance; stages in topological order (suppliers first).

    Shapes: N stages, E supply edges.
    """

    name: str
    stages: tuple[str, ...]
    processing_time: np.ndarray  # (N,) int [T]
    holding_cost: np.ndarray  # (N,) [h] per unit of safety stock
    safety_coefficient: np.ndarray  # (N,) [k]: safety stock = k sqrt(tau)
    mean_demand: np.ndarray  # (N,) mean demand per period served by the stage
    max_service_time: np.ndarray  # (N,) float, inf = no bound
    edge_source: np.ndarray  # (E,) int
    edge_target: np.ndarray  # (E,) int
    edge_lead_time: np.ndarray  # (E,) int [L]
    inbound_lower_bound: np.ndarray  # (N,) int: SI_j >= this (guaranteed by external suppliers)
    external: tuple[str, ...] = ()  # external supplier nodes left out (S = SI = tau = 0)
    inbound_upper: np.ndarray | None = None  # (N,) overrides inbound_upper_bound() (relaxations)
    whole_units: np.ndarray | None = None  # (N,) bool: the stage's demand comes in whole units (Poisson)
    demand_std: np.ndarray | None = None  # (N,) std of the demand per period the stage serves (pooling rule r)
    demand_stage: np.ndarray | None = None  # (N,) bool: the stage meets external demand
    series: tuple | None = None  # (N,) per stage its deterministic demand series (a ``series`` demand node), or None

    @property
    def num_stages(self) -> int:
        return len(self.stages)

    @property
    def cost_coefficient(self) -> np.ndarray:
        """(N,) h_j k_j: the cost of stage j is this times sqrt(tau_j)."""
        return self.holding_cost * self.safety_coefficient

    @property
    def is_tree(self) -> bool:
        """True when the network, with directions ignored, has no cycle (a spanning forest)."""
        g = nx.Graph()
        g.add_nodes_from(range(self.num_stages))
        g.add_edges_from(zip(self.edge_source.tolist(), self.edge_target.tolist()))
        return g.number_of_edges() == len(self.edge_source) and nx.is_forest(g)

    def suppliers(self) -> list[list[int]]:
        """Edge indices into each stage."""
        into: list[list[int]] = [[] for _ in range(self.num_stages)]
        for e, j in enumerate(self.edge_target.tolist()):
            into[j].append(e)
        return into

    def inbound_upper_bound(self) -> np.ndarray:
        """(N,) the largest inbound service time any feasible solution can need: the longest path of
        processing and lead times from a stage without suppliers (S_i <= SI_i + T_i)."""
        if self.inbound_upper is not None:
            return self.inbound_upper.copy()
        bound = self.inbound_lower_bound.copy()
        into = self.suppliers()
        for j in range(self.num_stages):  # topological order
            for e in into[j]:
                i = self.edge_source[e]
                bound[j] = max(bound[j], bound[i] + self.processing_time[i] + self.edge_lead_time[e])
        return bound

    def evaluate(self, service_time, inbound_service_time=None) -> tuple[float, np.ndarray, np.ndarray]:
        """(cost, SI, tau) of outbound service times S and inbound times SI (default: the tight ones,
        SI_j = max(inbound lower bound, max_i S_i + L_ij)). Raises InputError when a constraint breaks."""
        S = np.asarray(service_time, dtype=np.int64)
        SI = self.inbound_lower_bound.copy()
        np.maximum.at(SI, self.edge_target, S[self.edge_source] + self.edge_lead_time)
        if inbound_service_time is not None:
            given = np.asarray(inbound_service_time, dtype=np.int64)
            low = np.flatnonzero(given < SI)
            if low.size:
                j = low[0]
                raise InputError(f"stage {self.stages[j]!r}: inbound service time {given[j]} is below what its "
                                 f"suppliers quote ({SI[j]})")
            SI = given
        tau = SI + self.processing_time - S
        bad = np.flatnonzero((tau < 0) | (S < 0) | (S > self.max_service_time))
        if bad.size:
            j = bad[0]
            raise InputError(f"stage {self.stages[j]!r}: service time {S[j]} is infeasible (inbound {SI[j]}, "
                             f"processing {self.processing_time[j]}, max {self.max_service_time[j]})")
        return float(self.cost_coefficient @ np.sqrt(tau)), SI, tau


@dataclass(frozen=True, eq=False)
class StageRanges:
    """Integer ranges of each stage's decisions: S_j in [service_low_j, service_high_j], SI_j in
    [inbound_low_j, inbound_high_j], tau_j in [net_low_j, net_high_j]; (N,) int arrays.

    :meth:`of` gives an instance's own ranges; branch and bound nodes and Lagrangian domain reduction
    (:mod:`netinv.gsm.bounds`) narrow them. The tree dynamic program and the MILP take them as given.
    """

    service_low: np.ndarray
    service_high: np.ndarray
    inbound_low: np.ndarray
    inbound_high: np.ndarray
    net_low: np.ndarray
    net_high: np.ndarray

    @classmethod
    def of(cls, instance: GSMInstance) -> StageRanges:
        """SI_j <= the longest path of processing and lead times into j, S_j <= min(max service time,
        SI_j + T_j), tau_j in [max(0, SI_lb + T - S_ub), SI_ub + T]."""
        si_up = instance.inbound_upper_bound().astype(np.int64)
        T = instance.processing_time.astype(np.int64)
        si_low = instance.inbound_lower_bound.astype(np.int64)
        s_up = np.minimum(instance.max_service_time, si_up + T).astype(np.int64)
        return cls(service_low=np.zeros_like(si_up), service_high=s_up, inbound_low=si_low.copy(),
                   inbound_high=si_up, net_low=np.maximum(0, si_low + T - s_up), net_high=si_up + T)

    def tightened(self, processing_time: np.ndarray) -> StageRanges:
        """The same set of points with each range shrunk to what tau = SI + T - S allows of the others."""
        T = processing_time.astype(np.int64)
        s_lo, s_hi = self.service_low, self.service_high
        si_lo, si_hi = self.inbound_low, self.inbound_high
        t_lo = np.maximum(self.net_low, si_lo + T - s_hi)
        t_hi = np.minimum(self.net_high, si_hi + T - s_lo)
        s_lo, s_hi = np.maximum(s_lo, si_lo + T - t_hi), np.minimum(s_hi, si_hi + T - t_lo)
        si_lo, si_hi = np.maximum(si_lo, t_lo + s_lo - T), np.minimum(si_hi, t_hi + s_hi - T)
        return StageRanges(s_lo, s_hi, si_lo, si_hi, t_lo, t_hi)

    def intersection(self, other: StageRanges) -> StageRanges:
        """The values both ranges hold, range by range (not tightened, see :meth:`tightened`)."""
        return StageRanges(np.maximum(self.service_low, other.service_low),
                           np.minimum(self.service_high, other.service_high),
                           np.maximum(self.inbound_low, other.inbound_low),
                           np.minimum(self.inbound_high, other.inbound_high),
                           np.maximum(self.net_low, other.net_low), np.minimum(self.net_high, other.net_high))

    def is_empty(self) -> bool:
        """True when some stage has no value left."""
        return bool(np.any(self.service_low > self.service_high) or np.any(self.inbound_low > self.inbound_high)
                    or np.any(self.net_low > self.net_high))

    def size(self) -> int:
        """Sum over stages of the (S, SI) grid cells: the tree dynamic program's work."""
        s = np.maximum(self.service_high - self.service_low + 1, 0)
        si = np.maximum(self.inbound_high - self.inbound_low + 1, 0)
        return int(np.sum(s * si))


def _safety_factor(data: dict, node) -> float | None:
    z = data.get(attrs.SERVICE_FACTOR)
    if z is not None:
        return float(z)
    sl = data.get(attrs.SERVICE_LEVEL)
    return None if sl is None else float(stats.norm.ppf(sl))


def gsm_instance(graph: nx.DiGraph) -> GSMInstance:
    """The guaranteed-service instance of a network (supply edges only)."""
    g = supply_subgraph(graph)
    convention = timing.convention_of(graph)
    order = list(nx.topological_sort(g))
    index = {n: i for i, n in enumerate(order)}
    N = len(order)
    demand_nodes = [n for n in order if g.nodes[n].get(attrs.DEMAND) is not None]
    if not demand_nodes:
        raise InputError(f"network {graph.graph.get(attrs.NAME, '')!r}: the guaranteed-service model needs a demand node")
    D = len(demand_nodes)
    sigma = np.zeros(D)
    mu = np.zeros(D)
    z_demand = np.full(D, np.nan)
    whole = np.zeros(D, dtype=bool)
    for k, n in enumerate(demand_nodes):
        spec = parse_demand(g.nodes[n][attrs.DEMAND])
        whole[k] = isinstance(spec, Poisson)
        sigma[k], mu[k] = spec.std_dev, spec.mean
        z = _safety_factor(g.nodes[n], n)
        if z is not None:
            z_demand[k] = z
    # Phi[j, d]: units of j in one unit of d
    phi = np.zeros((N, D))
    for k, n in enumerate(demand_nodes):
        phi[index[n], k] = 1.0
    for n in reversed(order):
        j = index[n]
        for _, c, data in g.out_edges(n, data=True):
            phi[j] += float(data.get(attrs.QUANTITY, 1.0)) * phi[index[c]]
    processing = np.zeros(N, dtype=np.int64)
    holding = np.zeros(N)
    k_coef = np.zeros(N)
    std = np.zeros(N)
    max_s = np.full(N, np.inf)
    for n in order:
        j, data = index[n], g.nodes[n]
        processing[j] = timing.gsm_stage_time(int(data.get(attrs.PROCESSING_TIME) or 0), convention)
        holding[j] = float(data.get(attrs.HOLDING_COST) or 0.0)
        r = float(data.get(attrs.RISK_POOL) or 2.0)
        z = _safety_factor(data, n)
        reach = phi[j] > 0
        std[j] = float(np.sum((phi[j, reach] * sigma[reach]) ** r) ** (1.0 / r)) if reach.any() else 0.0
        if z is not None:
            k_coef[j] = z * float(np.sum((phi[j, reach] * sigma[reach]) ** r) ** (1.0 / r)) if reach.any() else 0.0
        elif reach.any():
            missing = reach & np.isnan(z_demand)
            if missing.any():
                d = demand_nodes[int(np.flatnonzero(missing)[0])]
                raise InputError(f"node {d!r}: the guaranteed-service model needs a service_factor or "
                                 f"service_level at this demand node (or at node {n!r})")
            k_coef[j] = float(np.sum((phi[j, reach] * z_demand[reach] * sigma[reach]) ** r) ** (1.0 / r))
        bound = data.get(attrs.MAX_SERVICE_TIME)
        if bound is not None:
            max_s[j] = float(bound)
        elif data.get(attrs.DEMAND) is not None:
            max_s[j] = 0.0
    # external supplies ship at once from unlimited stock (the simulator's unlimited sources); in the
    # textbook convention a source is external when its stage time is 0, as in Willems' data
    external = [n for n in order if g.in_degree(n) == 0 and g.out_degree(n) > 0 and (
        processing[index[n]] == 0 if convention == timing.TEXTBOOK
        else g.nodes[n].get(attrs.EXTERNAL_SUPPLY, True) is not False)]
    dropped = set(external)
    keep = np.array([n not in dropped for n in order])
    new_index = {n: i for i, n in enumerate(n for n in order if n not in dropped)}
    lower = np.zeros(len(new_index), dtype=np.int64)
    src, dst, lead = [], [], []
    for u, v, d in g.edges(data=True):
        L = int(d.get(attrs.LEAD_TIME) or 0)
        if u in dropped:  # an external supply's processing time delays what it ships (netinv.timing)
            late = L if convention == timing.TEXTBOOK else L + int(g.nodes[u].get(attrs.PROCESSING_TIME) or 0)
            lower[new_index[v]] = max(lower[new_index[v]], late)
        else:
            src.append(new_index[u])
            dst.append(new_index[v])
            lead.append(L)
    return GSMInstance(
        name=str(graph.graph.get(attrs.NAME, "network")),
        stages=tuple(str(n) for n in order if n not in dropped),
        processing_time=processing[keep],
        holding_cost=holding[keep],
        safety_coefficient=k_coef[keep],
        mean_demand=(phi @ mu)[keep],
        max_service_time=max_s[keep],
        edge_source=np.array(src, dtype=np.int64),
        edge_target=np.array(dst, dtype=np.int64),
        edge_lead_time=np.array(lead, dtype=np.int64),
        inbound_lower_bound=lower,
        external=tuple(str(n) for n in external),
        whole_units=_whole_units(phi, whole)[keep],
        demand_std=std[keep],
        demand_stage=np.array([g.nodes[n].get(attrs.DEMAND) is not None for n in order])[keep],
        series=tuple(_series(g, n) for n in order if n not in dropped),
    )


def _series(g: nx.DiGraph, node) -> np.ndarray | None:
    """The demand series of a demand node that serves only its own (deterministic, seasonal) demand."""
    spec = g.nodes[node].get(attrs.DEMAND)
    if spec is None or spec.get("distribution") != "series" or g.out_degree(node) > 0:
        return None
    return np.asarray(spec["values"], dtype=float)


def _whole_units(phi: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Stages whose every unit of demand is whole: only whole-unit demand reaches them, in whole quantities."""
    reach = phi > 0
    integral = np.all(~reach | (np.abs(phi - np.round(phi)) < 1e-9), axis=1)
    return reach.any(axis=1) & integral & np.all(~reach | whole[None, :], axis=1)
