"""Guaranteed-service model on spanning trees: the dynamic program of Graves & Willems (2000).

Model (data in :class:`netinv.gsm.instance.GSMInstance`; Snyder & Shen, *Fundamentals of Supply
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
a strided view of one vector over tau (:func:`_diagonal_view`). F and G are running minima
(``np.minimum.accumulate``); ties go to the largest S_i in F and the smallest SI_i in G. The
minimizing service times are recovered top-down from the stored argmins.

Ranges (:class:`~netinv.gsm.instance.StageRanges`, for branch and bound and domain reduction)
narrow each grid to S in [s_low, s_high], SI in [SIL, SIU] and mark net times outside [tau_low,
tau_high] infinite. :func:`tree_dp_marginals` adds a downward pass that gives, for every stage and
every value of S, SI or tau, the least objective with that value fixed (min-marginals).

The recursion lets SI_j exceed every S_i + L_ij. An optimum is then made tight (SI_j = max(SIL_j,
max_i S_i + L_ij), which is what :meth:`GSMInstance.evaluate` and brute force use) in topological
order, lowering S_j by the amount SI_j fell (not below 0): every tau_j stays or falls, so the cost does
not rise, and S_j only falls, so every downstream constraint still holds.

Work: one grid of (Smax_k + 1) x (SIU_k - SIL_k + 1) numbers per stage, about 2 ns a cell (a
2,000-stage line whose times add up to 400 periods, 1e8 cells: about 0.2 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from netinv.errors import InputError
from netinv.exact.highs import Status
from netinv.gsm.instance import GSMInstance, StageRanges
from netinv.gsm.types import GSMOptions, GSMSolution


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


def solve_gsm_tree(instance: GSMInstance, options: GSMOptions = GSMOptions()) -> GSMSolution:
    """Method ``tree-dp``: :func:`gsm_tree_dp` as a proven-optimal :class:`~netinv.gsm.types.GSMSolution`
    (``options`` are not used: the dynamic program has no limit to keep to).

    Raises:
        InputError: the network, with directions ignored, has a cycle.
    """
    res = gsm_tree_dp(instance)
    return GSMSolution(status=Status.OPTIMAL, cost=res.cost, bound=res.cost, method="tree-dp", instance=instance,
                       service_time=res.service_time, inbound_service_time=res.inbound_service_time,
                       net_time=res.net_time, seconds={"total": res.seconds})


def tree_dp_core(instance: GSMInstance, service_weight: np.ndarray | None = None,
                 inbound_weight: np.ndarray | None = None, *,
                 ranges: StageRanges | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """The recursion itself: (least value, S, SI) of sum_j c_j sqrt(tau_j) + a_j S_j + b_j SI_j over a
    forest (a = ``service_weight``, b = ``inbound_weight``, default 0; linear terms are what a
    Lagrangian relaxation of edges outside the forest adds). S and SI are as the recursion found them
    (SI_j may exceed what the suppliers need). ``ranges``: per-stage ranges of S, SI and tau to keep
    to (default: the instance's own, :meth:`StageRanges.of`); value inf when no point fits them."""
    tables = _forward(instance, service_weight, inbound_weight, ranges)
    if not np.isfinite(tables.total):
        n = instance.num_stages
        return np.inf, np.zeros(n, dtype=np.int64), tables.si_low.copy()
    service, inbound = _backtrack(instance, tables)
    return tables.total, service, inbound


def tree_dp_fast(instance: GSMInstance, service_weight: np.ndarray | None = None,
                 inbound_weight: np.ndarray | None = None, *,
                 ranges: StageRanges | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`tree_dp_core` compiled with numba (:mod:`netinv.gsm.tree_kernel`): the same least
    value and the same (S, SI). Falls back to :func:`tree_dp_core` when numba is not installed."""
    try:
        from netinv.gsm.tree_kernel import tree_dp_kernel
    except ImportError:  # pragma: no cover - numba is optional
        return tree_dp_core(instance, service_weight, inbound_weight, ranges=ranges)
    n = instance.num_stages
    inbound_low = (StageRanges.of(instance) if ranges is None else ranges).inbound_low.astype(np.int64)
    arrays = _kernel_arguments(instance, service_weight, inbound_weight, ranges)
    if arrays is None:
        return np.inf, np.zeros(n, dtype=np.int64), inbound_low.copy()
    service, inbound = np.zeros(n, dtype=np.int64), inbound_low.copy()
    total = tree_dp_kernel(*arrays, service, inbound)
    if not np.isfinite(total):
        return np.inf, np.zeros(n, dtype=np.int64), inbound_low.copy()
    return float(total), service, inbound


def tree_reduce_fast(instance: GSMInstance, service_weight: np.ndarray | None, inbound_weight: np.ndarray | None,
                     ranges: StageRanges, limit: float) -> StageRanges | None:
    """The ranges of S, SI and tau whose min-marginals (:func:`tree_dp_marginals`) are <= ``limit``,
    compiled with numba (an empty range where no value is; ``None`` when numba is not installed)."""
    try:
        from netinv.gsm.tree_kernel import tree_reduce_kernel
    except ImportError:  # pragma: no cover - numba is optional
        return None
    arrays = _kernel_arguments(instance, service_weight, inbound_weight, ranges)
    if arrays is None:
        return replace(ranges, service_low=ranges.service_high + 1)
    _, children_start, children = _compiled_structure(instance)
    kept = np.zeros((6, instance.num_stages), dtype=np.int64)
    total, empty = tree_reduce_kernel(*arrays, children_start, children, float(limit), kept)
    if empty or not np.isfinite(total):
        return replace(ranges, service_low=ranges.service_high + 1)
    return StageRanges(*kept)


def _kernel_arguments(instance: GSMInstance, service_weight, inbound_weight, ranges: StageRanges | None):
    """The compiled recursion's arguments (structure, costs, ranges, weights); ``None`` for empty ranges."""
    n = instance.num_stages
    key = (id(instance), id(ranges))
    cached = _ARGUMENTS.get("last")
    if cached is not None and cached[0] == key and cached[1] is instance and cached[2] is ranges:
        fixed = cached[3]  # branch and bound evaluates one box many times with other weights
    else:
        if ranges is None:  # the instance's own ranges; tau only >= 0
            box = StageRanges.of(instance)
            net_low, net_high = np.zeros(n, dtype=np.int64), np.full(n, np.iinfo(np.int64).max // 4)
        else:
            box = ranges
            net_low, net_high = ranges.net_low.astype(np.int64), ranges.net_high.astype(np.int64)
        s_low = np.maximum(box.service_low, 0).astype(np.int64)
        if np.any(box.service_high < s_low) or np.any(box.inbound_high < box.inbound_low):
            fixed = None
        else:
            order, parent, up, lead = _compiled_structure(instance)[0]
            fixed = (order, parent, up, lead, instance.cost_coefficient.astype(float),
                     instance.processing_time.astype(np.int64), s_low, box.service_high.astype(np.int64),
                     box.inbound_low.astype(np.int64), box.inbound_high.astype(np.int64), net_low, net_high)
        _ARGUMENTS["last"] = (key, instance, ranges, fixed)
    if fixed is None:
        return None
    zeros = np.zeros(n)
    return fixed + (zeros if service_weight is None else np.asarray(service_weight, dtype=float),
                    zeros if inbound_weight is None else np.asarray(inbound_weight, dtype=float))


_ARGUMENTS: dict = {}  # the last box's converted arrays (the instance and ranges are frozen dataclasses)


_COMPILED: dict = {}  # per forest: arrays of the compiled recursion


def _compiled_structure(instance: GSMInstance):
    """((post-order, parent, supplies-its-parent, lead time to the parent), children CSR start, children)
    of the instance's forest, as int arrays; cached per edge arrays like :func:`_forest_structure`."""
    key = (id(instance.edge_source), id(instance.edge_target), instance.num_stages)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is instance.edge_source and cached[1] is instance.edge_target:
        return cached[2]
    edge_of, parent, children, order, _ = _forest_structure(instance)
    n = instance.num_stages
    up, lead = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.int64)
    for k in range(n):
        if parent[k] >= 0:
            e = edge_of[k, parent[k]]
            up[k], lead[k] = instance.edge_source[e] == k, instance.edge_lead_time[e]
    children_start = np.zeros(n + 1, dtype=np.int64)
    children_start[1:] = np.cumsum([len(c) for c in children])
    flat = np.array([i for c in children for i in c], dtype=np.int64)
    structure = ((np.asarray(order, dtype=np.int64), np.asarray(parent, dtype=np.int64), up, lead),
                 children_start, flat)
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    _COMPILED[key] = (instance.edge_source, instance.edge_target, structure)
    return structure


@dataclass
class _Tables:
    """What the upward pass of the recursion leaves, per stage k (lists indexed by stage)."""

    total: float
    si_low: np.ndarray
    s_low: np.ndarray  # the S grid is [s_low, s_high]
    s_high: np.ndarray
    by_net: list  # c_k sqrt(tau) (inf outside tau's range) for tau = net_first[k], net_first[k] + 1, ...
    net_first: np.ndarray
    from_suppliers: list  # on the SI grid [SIL_k, SIU_k]: b_k SI + sum_i F_i(SI - L_ik)
    from_customers: list  # on the S grid [s_low_k, Smax_k]: a_k S + sum_i G_i(S + L_ki)
    own_inbound: list  # b_k SI on the SI grid
    own_service: list  # a_k S on the S grid
    parts: list  # (child, its term on k's SI grid or S grid) per child
    running: list  # F_k on [s_low_k, Smax_k] or G_k on [SIL_k, SIU_k]
    running_arg: list  # where the running minimum is attained
    best_other: list  # f_k: argmin SI per S; g_k: argmin S (grid index) per SI
    root_choice: dict
    root_value: dict  # least value of each root's component


MAX_GRID_CELLS = 25_000_000  # (S, SI) pairs of one stage the recursion holds at once: some 200 MB a table


def check_grid_size(instance: GSMInstance, service_sizes: np.ndarray, inbound_sizes: np.ndarray) -> None:
    """Refuse, before allocating, a stage whose grid of (S, SI) pairs passes :data:`MAX_GRID_CELLS`: its size
    is the product of the ranges of its service times, which grow with the processing and lead times
    upstream (the schema allows 10,000 periods a stage; three such stages in a row make a grid of 6e8)."""
    cells = service_sizes.astype(float) * inbound_sizes.astype(float)
    k = int(np.argmax(cells))
    if cells[k] > MAX_GRID_CELLS:
        raise InputError(f"gsm: stage '{instance.stages[k]}': {int(service_sizes[k])} outbound x "
                         f"{int(inbound_sizes[k])} inbound service times = {cells[k]:.3g} pairs to search, over "
                         f"the limit of {MAX_GRID_CELLS:.3g}; the processing and lead times upstream of it are "
                         "too long for the exact recursion (measure time in coarser periods)")


def _forward(instance: GSMInstance, service_weight, inbound_weight, ranges: StageRanges | None) -> _Tables:
    n = instance.num_stages
    processing = instance.processing_time.astype(np.int64)
    if ranges is None:
        ranges = StageRanges.of(instance)
        net_low, net_high = None, None
    else:
        net_low, net_high = ranges.net_low, ranges.net_high
    s_low = np.maximum(ranges.service_low, 0).astype(np.int64)
    si_low = ranges.inbound_low.astype(np.int64)
    si_high = ranges.inbound_high.astype(np.int64)
    s_high = ranges.service_high.astype(np.int64)
    coefficient = instance.cost_coefficient.astype(float)
    edge_of, parent, children, order, roots = _forest_structure(instance)
    lead = instance.edge_lead_time.astype(np.int64)
    source = instance.edge_source
    empty = np.any(si_high < si_low) or np.any(s_high < s_low)
    t = _Tables(total=np.inf if empty else 0.0, si_low=si_low, s_low=s_low, s_high=s_high, by_net=[None] * n,
                net_first=si_low + processing - s_high, from_suppliers=[None] * n, from_customers=[None] * n,
                own_inbound=[None] * n, own_service=[None] * n, parts=[[] for _ in range(n)], running=[np.empty(0)] * n,
                running_arg=[np.empty(0, dtype=np.int64)] * n, best_other=[np.empty(0, dtype=np.int64)] * n,
                root_choice={}, root_value={})
    if empty:
        return t
    check_grid_size(instance, s_high - s_low + 1, si_high - si_low + 1)
    for k in order:
        n_s = s_high[k] - s_low[k] + 1
        s_grid = np.arange(s_low[k], s_high[k] + 1)
        si_grid = np.arange(si_low[k], si_high[k] + 1)
        # stage cost c_k sqrt(tau) on the grid, as read-only views of one vector over tau
        net = np.arange(t.net_first[k], si_high[k] + processing[k] - s_low[k] + 1)
        by_net = _stage_cost(coefficient[k], net)
        if net_low is not None:
            by_net[(net < net_low[k]) | (net > net_high[k])] = np.inf
        by_s_si = _diagonal_view(by_net, n_s, si_grid.size)  # [S - s_low, SI - SIL]
        from_suppliers = np.zeros(si_grid.size)  # sum of F_i(SI - L_ik)
        from_customers = np.zeros(n_s)  # sum of G_i(S + L_ki)
        if inbound_weight is not None and inbound_weight[k]:
            from_suppliers += inbound_weight[k] * si_grid
        if service_weight is not None and service_weight[k]:
            from_customers += service_weight[k] * s_grid
        t.own_inbound[k], t.own_service[k] = from_suppliers.copy(), from_customers.copy()
        for i in children[k]:
            e = edge_of[i, k]
            if source[e] == i:
                part = _prefix_at(t.running[i], si_grid - lead[e] - s_low[i])
                from_suppliers += part
            else:
                part = _suffix_at(t.running[i], s_grid + lead[e] - si_low[i])
                from_customers += part
            t.parts[k].append((i, part))
        t.by_net[k], t.from_suppliers[k], t.from_customers[k] = by_net, from_suppliers, from_customers
        p = parent[k]
        if p < 0:  # the root: min over the whole grid
            cost = by_s_si + from_suppliers[None, :] + from_customers[:, None]
            s_index, si_index = divmod(int(np.argmin(cost)), si_grid.size)
            t.root_choice[k] = (int(s_grid[s_index]), int(si_grid[si_index]))
            t.root_value[k] = float(cost[s_index, si_index])
            t.total += t.root_value[k]
        elif source[edge_of[k, p]] == k:  # parent is a customer: f_k(S), min over SI
            cost = by_s_si + from_suppliers[None, :]
            best = np.argmin(cost, axis=1)
            t.best_other[k] = best + si_low[k]
            f = cost[np.arange(n_s), best] + from_customers
            t.running[k], t.running_arg[k] = _prefix_min(f)
        else:  # parent is a supplier: g_k(SI), min over S
            by_si_s = _diagonal_view(by_net, n_s, si_grid.size).T  # [SI - SIL, S - s_low]
            cost = by_si_s + from_customers[None, :]
            t.best_other[k] = np.argmin(cost, axis=1)
            g = cost[np.arange(si_grid.size), t.best_other[k]] + from_suppliers
            suffix, arg = _prefix_min(g[::-1])
            t.running[k], t.running_arg[k] = suffix[::-1], (g.size - 1 - arg)[::-1]
    return t


def _backtrack(instance: GSMInstance, t: _Tables) -> tuple[np.ndarray, np.ndarray]:
    n = instance.num_stages
    edge_of, _, children, order, roots = _forest_structure(instance)
    lead, source = instance.edge_lead_time, instance.edge_source
    service = np.zeros(n, dtype=np.int64)
    inbound = np.zeros(n, dtype=np.int64)
    for root in roots:
        service[root], inbound[root] = t.root_choice[root]
    for k in reversed(order):  # parents before children
        for i in children[k]:
            e = edge_of[i, k]
            if source[e] == i:  # supplier: the best S_i <= SI_k - L_ik, then its SI
                service[i] = t.s_low[i] + t.running_arg[i][min(inbound[k] - lead[e], t.s_high[i]) - t.s_low[i]]
                inbound[i] = t.best_other[i][service[i] - t.s_low[i]]
            else:  # customer: the best SI_i >= S_k + L_ki, then its S
                inbound[i] = t.si_low[i] + t.running_arg[i][max(service[k] + lead[e] - t.si_low[i], 0)]
                service[i] = t.s_low[i] + t.best_other[i][inbound[i] - t.si_low[i]]
    return service, inbound


@dataclass(frozen=True)
class TreeMarginals:
    """Min-marginals of the tree recursion: for each stage j and each value v of S_j (SI_j, tau_j), the
    least value of the whole objective over the points of the ranges with that value fixed.

    total: the least value overall. by_service[j][v - service_first[j]]: S_j = v; by_inbound[j][v - SIL_j]:
    SI_j = v; by_net[j][v - net_first[j]]: tau_j = v. inf marks values no point takes.
    """

    total: float
    by_service: list
    service_first: np.ndarray
    by_inbound: list
    inbound_first: np.ndarray
    by_net: list
    net_first: np.ndarray


def tree_dp_marginals(instance: GSMInstance, service_weight: np.ndarray | None = None,
                      inbound_weight: np.ndarray | None = None, *,
                      ranges: StageRanges | None = None) -> TreeMarginals:
    """Min-marginals of :func:`tree_dp_core`'s objective per stage and value (:class:`TreeMarginals`).

    After the upward pass, a downward pass computes each stage's *outside* function: the least value
    of everything not below stage k given k's service time (parent a customer) or inbound time (parent
    a supplier). For k's parent p with supplier children i and customer children i',

        Out_i(S)   = min_{SI_p >= S + L_ip} [A_p(SI_p) + sum_{suppliers i'' != i} F_i''(SI_p - L) + b_p SI_p + Out_p]
        Out_i'(SI) = min_{S_p <= SI - L_pi'} [B_p(S_p) + sum_{customers i'' != i'} G_i''(S_p + L) + a_p S_p + Out_p]

    with A_p(SI) = min_S [c_p sqrt(SI + T_p - S) + (S terms)], B_p(S) = min_SI [c_p sqrt(SI + T_p - S)
    + (SI terms)] (Out_p on the side it depends on). Stage k's cell (S, SI) then costs its grid value
    plus its children's terms plus Out_k, plus the other components' least values. With Lagrangian
    weights the marginals bound from below every point of the network with that value (Lagrangian
    reduced-cost fixing). Sums "of the others" keep their infinite terms as counts, so no inf - inf.
    """
    t = _forward(instance, service_weight, inbound_weight, ranges)
    n = instance.num_stages
    if not np.isfinite(t.total):
        inf = [np.full(1, np.inf)] * n
        return TreeMarginals(np.inf, inf, t.s_low.copy(), inf, t.si_low.copy(), inf, t.net_first.copy())
    edge_of, parent, children, order, roots = _forest_structure(instance)
    lead, source = instance.edge_lead_time.astype(np.int64), instance.edge_source
    component_root = np.empty(n, dtype=np.int64)
    for k in reversed(order):
        component_root[k] = k if parent[k] < 0 else component_root[parent[k]]
    outside: list = [None] * n  # Out_k on k's S grid (parent a customer) or SI grid (parent a supplier)
    on_service = np.zeros(n, dtype=bool)  # whether Out_k is a function of S_k
    by_service, by_inbound, by_net = [None] * n, [None] * n, [None] * n
    for p in reversed(order):  # parents before children
        n_s, n_si = int(t.s_high[p] - t.s_low[p]) + 1, len(t.from_suppliers[p])
        grid = _diagonal_view(t.by_net[p], n_s, n_si)  # [S - s_low, SI - SIL]
        out_s = outside[p] if outside[p] is not None and on_service[p] else 0.0
        out_si = outside[p] if outside[p] is not None and not on_service[p] else 0.0
        supply, custom = t.from_suppliers[p], t.from_customers[p]
        others = t.total - t.root_value[component_root[p]]
        cells = grid + (supply + out_si)[None, :] + (custom + out_s)[:, None] + others
        by_service[p] = cells.min(axis=1)
        by_inbound[p] = cells.min(axis=0)
        net = np.full(len(t.by_net[p]), np.inf)  # diagonal minima: tau index = SI index - S + n_s - 1
        diagonal = np.arange(n_si)[None, :] - np.arange(n_s)[:, None] + n_s - 1
        np.minimum.at(net, diagonal.ravel(), cells.ravel())
        by_net[p] = net
        if not children[p]:
            continue
        supply_parts = [(i, part) for i, part in t.parts[p] if source[edge_of[i, p]] == i]
        customer_parts = [(i, part) for i, part in t.parts[p] if source[edge_of[i, p]] != i]
        if supply_parts:
            over_si = (grid + (custom + out_s)[:, None]).min(axis=0)  # A_p(SI)
            finite, count = _finite_sum([part for _, part in supply_parts], n_si)
            for i, part in supply_parts:
                rest = _without(finite, count, part)
                values = over_si + rest + t.own_inbound[p] + out_si
                suffix = np.minimum.accumulate(values[::-1])[::-1]
                index = np.arange(t.s_low[i], t.s_high[i] + 1) + lead[edge_of[i, p]] - t.si_low[p]
                outside[i] = np.where(index >= n_si, np.inf, suffix[np.clip(index, 0, n_si - 1)])
                on_service[i] = True
        if customer_parts:
            over_s = (grid + (supply + out_si)[None, :]).min(axis=1)  # B_p(S)
            finite, count = _finite_sum([part for _, part in customer_parts], n_s)
            for i, part in customer_parts:
                rest = _without(finite, count, part)
                values = over_s + rest + t.own_service[p] + out_s
                prefix = np.minimum.accumulate(values)
                index = np.arange(t.si_low[i], len(t.from_suppliers[i]) + t.si_low[i]) - lead[edge_of[p, i]] - t.s_low[p]
                outside[i] = np.where(index < 0, np.inf, prefix[np.clip(index, 0, n_s - 1)])
                on_service[i] = False
    return TreeMarginals(t.total, by_service, t.s_low.copy(), by_inbound, t.si_low.copy(), by_net, t.net_first.copy())


def _finite_sum(parts: list, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(sum of the finite entries, count of the infinite entries) of equally long arrays."""
    finite, count = np.zeros(size), np.zeros(size, dtype=np.int64)
    for part in parts:
        bad = np.isinf(part)
        finite += np.where(bad, 0.0, part)
        count += bad
    return finite, count


def _without(finite: np.ndarray, count: np.ndarray, part: np.ndarray) -> np.ndarray:
    """The sum of all parts but ``part``, from :func:`_finite_sum`'s totals."""
    bad = np.isinf(part)
    rest = finite - np.where(bad, 0.0, part)
    return np.where(count - bad > 0, np.inf, rest)


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


def _diagonal_view(by_net: np.ndarray, n_service: int, n_inbound: int) -> np.ndarray:
    """The read-only (S, SI) grid view of a vector over tau = SI + T - S: entry [s, i] is
    ``by_net[i - s + n_service - 1]`` (a strided view; cheaper to make than ``sliding_window_view``)."""
    step = by_net.strides[0]
    view = np.ndarray((n_service, n_inbound), dtype=by_net.dtype, buffer=by_net,
                      offset=(n_service - 1) * step, strides=(-step, step))
    view.flags.writeable = False
    return view


def _prefix_min(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running minimum of ``values`` and, at each position, the last index where it is attained."""
    best = np.minimum.accumulate(values)
    index = np.arange(values.size)
    arg = np.maximum.accumulate(np.where(values == best, index, 0))  # last position setting the minimum
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
