"""Guaranteed-service model on spanning trees: the dynamic program of Graves & Willems (2000).

Model (data in :class:`netinv.exact.gsm_instance.GSMInstance`; Snyder & Shen, *Fundamentals of Supply
Chain Theory*, 2nd ed., chapter 6). Stage j has processing time [T_j], cost coefficient
[c_j = h_j k_j] and an optional bound on its outbound service time; supply edge i -> j has lead time
[L_ij]. Choose integer outbound service times [S_j] and inbound service times [SI_j] with

    0 <= S_j <= Smax_j = min(max_service_time_j, SIU_j + T_j)
    SI_j in [SIL_j, SIU_j]                (SIL = inbound_lower_bound, SIU = inbound_upper_bound())
    SI_j >= S_i + L_ij                    for every supplier i of j
    tau_j = SI_j + T_j - S_j >= 0         (net replenishment time)

and minimize sum_j c_j sqrt(tau_j).

The recursion needs the network, with directions ignored, to be a forest. In each component one stage
is the root; listing every stage after the stages below it (post-order) gives the labelling of Graves
& Willems: each stage k but the root has exactly one neighbour with a higher label, its parent p(k).
N_k is k with everything below it. For k's lower neighbours i (its children):

- i is a *supplier* of k (edge i -> k): f_i(S) is the least cost of N_i given S_i = S, and
  F_i(x) = min_{S <= x} f_i(S) the least cost of N_i when k's inbound time x = SI_k - L_ik allows
  any S_i <= x (F_i(x) = inf for x < 0);
- i is a *customer* of k (edge k -> i): g_i(y) is the least cost of N_i given SI_i = y, and
  G_i(y) = min_{y' >= y} g_i(y') the least cost of N_i when S_k + L_ki = y forces SI_i >= y.

Then, on the grid S in [0, Smax_k], SI in [SIL_k, SIU_k],

    C_k(S, SI) = c_k sqrt(SI + T_k - S)                      (inf where SI + T_k - S < 0)
                 + sum_{suppliers i below k} F_i(SI - L_ik)
                 + sum_{customers i below k} G_i(S + L_ki)
    f_k(S)  = min_SI C_k(S, SI)     if p(k) is a customer of k (edge k -> p(k))
    g_k(SI) = min_S  C_k(S, SI)     if p(k) is a supplier of k (edge p(k) -> k)

and the root r's component costs min_{S, SI} C_r(S, SI). Vectorized: the first sum depends on SI
only and the second on S only, so f_k(S) = sum_G(S) + min_SI [c_k sqrt(SI + T_k - S) + sum_F(SI)]
(and g_k alike) is one broadcast addition and one ``argmin`` over the grid, whose stage-cost part is
a strided view of one vector over tau (``sliding_window_view``). F and G are running minima
(``np.minimum.accumulate``); ties go to the largest S_i in F and the smallest SI_i in G. The
minimizing service times are recovered top-down from the stored argmins.

The recursion lets SI_j exceed every S_i + L_ij. An optimum is then made tight (SI_j = max(SIL_j,
max_i S_i + L_ij), which is what :meth:`GSMInstance.evaluate` and brute force use) in topological
order, lowering S_j by the amount SI_j fell (not below 0): every tau_j stays or falls, so the cost does
not rise, and S_j only falls, so every downstream constraint still holds.

Work: one grid of (Smax_k + 1) x (SIU_k - SIL_k + 1) numbers per stage, about 2 ns a cell (a
2,000-stage line whose times add up to 400 periods, 1e8 cells: about 0.2 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from netinv.errors import InputError
from netinv.exact.gsm_instance import GSMInstance


@dataclass(frozen=True, eq=False)
class GSMTreeResult:
    """Optimal service times of a guaranteed-service tree, per stage in the instance's order.

    Attributes:
        stages: stage names, as in the instance (topological order).
        cost: total safety-stock cost [sum_j c_j sqrt(tau_j)].
        service_time: (N,) int outbound service times [S].
        inbound_service_time: (N,) int tight inbound service times [SI_j = max(SIL_j, max_i S_i + L_ij)].
        net_time: (N,) int net replenishment times [tau = SI + T - S].
        seconds: wall-clock time of the dynamic program.
    """

    stages: tuple[str, ...]
    cost: float
    service_time: np.ndarray
    inbound_service_time: np.ndarray
    net_time: np.ndarray
    seconds: float

    def service_times(self) -> dict[str, int]:
        """Outbound service time of each stage by name."""
        return dict(zip(self.stages, self.service_time.tolist()))

    def __repr__(self) -> str:
        return f"GSMTreeResult(cost={self.cost:.6g}, stages={len(self.stages)}, seconds={self.seconds:.3g})"


def gsm_tree_dp(instance: GSMInstance) -> GSMTreeResult:
    """Optimal service times of a guaranteed-service instance whose network is a spanning forest.

    Raises:
        InputError: the network, with directions ignored, has a cycle.
    """
    start = time.perf_counter()
    total, service, inbound = tree_dp_core(instance)
    service, inbound = _tighten(instance, service, inbound)
    net = inbound + instance.processing_time.astype(np.int64) - service
    cost = float(instance.cost_coefficient.astype(float) @ np.sqrt(net))
    if not np.isclose(cost, total, rtol=1e-9, atol=1e-9):  # pragma: no cover - a bug, not an input
        raise AssertionError(f"gsm_tree_dp: recovered cost {cost} differs from the recursion's {total}")
    return GSMTreeResult(
        stages=instance.stages,
        cost=cost,
        service_time=service,
        inbound_service_time=inbound,
        net_time=net,
        seconds=time.perf_counter() - start,
    )


def tree_dp_core(instance: GSMInstance, service_weight: np.ndarray | None = None,
                 inbound_weight: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """The recursion itself: (least value, S, SI) of sum_j c_j sqrt(tau_j) + a_j S_j + b_j SI_j over a
    forest (a = ``service_weight``, b = ``inbound_weight``, default 0; linear terms are what a
    Lagrangian relaxation of edges outside the forest adds). S and SI are as the recursion found them
    (SI_j may exceed what the suppliers need)."""
    n = instance.num_stages
    processing = instance.processing_time.astype(np.int64)
    si_low = instance.inbound_lower_bound.astype(np.int64)
    si_high = instance.inbound_upper_bound().astype(np.int64)
    s_high = np.minimum(instance.max_service_time, si_high + processing).astype(np.int64)
    coefficient = instance.cost_coefficient.astype(float)
    edge_of, parent, children, order, roots = _forest_structure(instance)
    lead = instance.edge_lead_time.astype(np.int64)
    source = instance.edge_source

    # per stage k: the running minimum passed to its parent and what backtracking needs
    running = [np.empty(0)] * n  # F_k on [0, Smax_k] or G_k on [SIL_k, SIU_k]
    running_arg = [np.empty(0, dtype=np.int64)] * n  # where the running minimum is attained
    best_other = [np.empty(0, dtype=np.int64)] * n  # f_k: argmin SI per S; g_k: argmin S per SI
    root_choice: dict[int, tuple[int, int]] = {}
    total = 0.0
    for k in order:
        n_s = s_high[k] + 1
        si_grid = np.arange(si_low[k], si_high[k] + 1)
        # stage cost c_k sqrt(tau) on the grid, as read-only views of one vector over tau
        net = np.arange(si_low[k] + processing[k] - s_high[k], si_high[k] + processing[k] + 1)
        by_net = _stage_cost(coefficient[k], net)
        by_s_si = sliding_window_view(by_net, si_grid.size)[::-1]  # [S, SI - SIL]
        from_suppliers = np.zeros(si_grid.size)  # sum of F_i(SI - L_ik)
        from_customers = np.zeros(n_s)  # sum of G_i(S + L_ki)
        if inbound_weight is not None and inbound_weight[k]:
            from_suppliers += inbound_weight[k] * si_grid
        if service_weight is not None and service_weight[k]:
            from_customers += service_weight[k] * np.arange(n_s)
        for i in children[k]:
            e = edge_of[i, k]
            if source[e] == i:
                from_suppliers += _prefix_at(running[i], si_grid - lead[e])
            else:
                from_customers += _suffix_at(running[i], np.arange(n_s) + lead[e] - si_low[i])
        p = parent[k]
        if p < 0:  # the root: min over the whole grid
            cost = by_s_si + from_suppliers[None, :] + from_customers[:, None]
            s_index, si_index = divmod(int(np.argmin(cost)), si_grid.size)
            root_choice[k] = (s_index, int(si_grid[si_index]))
            total += float(cost[s_index, si_index])
        elif source[edge_of[k, p]] == k:  # parent is a customer: f_k(S), min over SI
            cost = by_s_si + from_suppliers[None, :]
            best = np.argmin(cost, axis=1)
            best_other[k] = best + si_low[k]
            f = cost[np.arange(n_s), best] + from_customers
            running[k], running_arg[k] = _prefix_min(f)
        else:  # parent is a supplier: g_k(SI), min over S
            by_si_s = sliding_window_view(by_net, n_s)[:, ::-1]  # [SI - SIL, S]
            cost = by_si_s + from_customers[None, :]
            best_other[k] = np.argmin(cost, axis=1)
            g = cost[np.arange(si_grid.size), best_other[k]] + from_suppliers
            suffix, arg = _prefix_min(g[::-1])
            running[k], running_arg[k] = suffix[::-1], (g.size - 1 - arg)[::-1]

    service = np.zeros(n, dtype=np.int64)
    inbound = np.zeros(n, dtype=np.int64)
    for root in roots:
        service[root], inbound[root] = root_choice[root]
    for k in reversed(order):  # parents before children
        for i in children[k]:
            e = edge_of[i, k]
            if source[e] == i:  # supplier: the best S_i <= SI_k - L_ik, then its SI
                service[i] = running_arg[i][min(inbound[k] - lead[e], s_high[i])]
                inbound[i] = best_other[i][service[i]]
            else:  # customer: the best SI_i >= S_k + L_ki, then its S
                inbound[i] = si_low[i] + running_arg[i][max(service[k] + lead[e] - si_low[i], 0)]
                service[i] = best_other[i][inbound[i] - si_low[i]]

    return total, service, inbound


_STRUCTURES: dict = {}  # forest structure by edge arrays: branch and bound re-solves one forest many times


def _forest_structure(instance: GSMInstance):
    """(edge of each stage pair, parent, children, post-order, roots) of the instance's forest; raises
    InputError when the network has a cycle with directions ignored. Cached per edge arrays."""
    key = (id(instance.edge_source), id(instance.edge_target), instance.num_stages)
    cached = _STRUCTURES.get(key)
    if cached is not None and cached[0] is instance.edge_source and cached[1] is instance.edge_target:
        return cached[2]
    if not instance.is_tree:
        raise InputError(
            f"network {instance.name!r}: the tree dynamic program needs a spanning tree (no cycle with "
            "edge directions ignored); use the MILP for general networks"
        )
    n = instance.num_stages
    tree = nx.Graph()
    tree.add_nodes_from(range(n))
    edge_of = {}
    for e, (i, j) in enumerate(zip(instance.edge_source.tolist(), instance.edge_target.tolist())):
        tree.add_edge(i, j)
        edge_of[i, j] = edge_of[j, i] = e
    parent = np.full(n, -1)
    children: list[list[int]] = [[] for _ in range(n)]
    order: list[int] = []  # post-order: every stage after its children
    roots: list[int] = []
    for component in nx.connected_components(tree):
        root = max(component)  # the most downstream stage in topological order
        roots.append(root)
        for u, v in nx.dfs_edges(tree, root):
            parent[v] = u
            children[u].append(v)
        order.extend(nx.dfs_postorder_nodes(tree, root))
    structure = (edge_of, parent, children, order, roots)
    if len(_STRUCTURES) > 64:
        _STRUCTURES.clear()
    _STRUCTURES[key] = (instance.edge_source, instance.edge_target, structure)
    return structure


def _stage_cost(coefficient: float, net_time: np.ndarray) -> np.ndarray:
    """c sqrt(tau), inf where tau < 0."""
    cost = coefficient * np.sqrt(np.maximum(net_time, 0))
    cost[net_time < 0] = np.inf
    return cost


def _prefix_min(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum of ``values`` and, at each position, the last index where it is attained."""
    best = np.minimum.accumulate(values)
    attained = np.flatnonzero(values == best)  # positions where a new (or equal) minimum is set
    arg = attained[np.searchsorted(attained, np.arange(values.size), side="right") - 1]
    return best, arg


def _prefix_at(prefix_min: np.ndarray, index: np.ndarray) -> np.ndarray:
    """F(x) at grid positions ``index``: inf left of the grid (S_i < 0), flat right of it."""
    values = prefix_min[np.clip(index, 0, prefix_min.size - 1)]
    return np.where(index < 0, np.inf, values)


def _suffix_at(suffix_min: np.ndarray, index: np.ndarray) -> np.ndarray:
    """G(y) at grid positions ``index``: flat left of the grid (SI_i above its floor), inf right of it."""
    values = suffix_min[np.clip(index, 0, suffix_min.size - 1)]
    return np.where(index >= suffix_min.size, np.inf, values)


def _tighten(instance: GSMInstance, service: np.ndarray, inbound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tight inbound times SI_j = max(SIL_j, max_i S_i + L_ij), lowering S_j with SI_j (not below 0)."""
    service = service.copy()
    tight = instance.inbound_lower_bound.astype(np.int64).copy()
    into = instance.suppliers()
    for j in range(instance.num_stages):  # topological order: suppliers are final
        for e in into[j]:
            tight[j] = max(tight[j], service[instance.edge_source[e]] + instance.edge_lead_time[e])
        service[j] = max(service[j] - (inbound[j] - tight[j]), 0)
    return service, tight
