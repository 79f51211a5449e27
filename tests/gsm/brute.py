"""Test helpers for the guaranteed-service model: exhaustive search and random small networks.

``brute_force_gsm`` is the second method every GSM solver is checked against; ``random_gsm_graph``
makes the small networks (trees or not) to check it on; ``enumerate_placements`` lists every feasible
placement inside given ranges (with linear terms), and ``narrowed_ranges`` draws such ranges.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import strategies as st

from netinv import attrs, timing
from netinv.gsm.breakpoint import solve_gsm
from netinv.gsm.instance import GSMInstance, StageRanges, gsm_instance
from netinv.gsm.types import GSMOptions, GSMSolution
from tests.conftest import network

MAX_ROWS = 20_000_000  # feasible service-time vectors the enumeration may hold at once


def brute_force_gsm(instance: GSMInstance) -> tuple[float, np.ndarray]:
    """(least cost, S) over every integer outbound service-time vector, by full enumeration.

    Inbound service times are tight, SI_j = max(SIL_j, max_i S_i + L_ij), and S_j runs over
    0..min(max_service_time_j, SI_j + T_j) (larger values break tau_j >= 0). Stages are taken in
    topological order, so every partial vector is extended with all values of the next stage at once
    (one ``np.repeat`` per stage); infeasible vectors are never built. Ties go to the first vector in
    lexicographic order of the stages.

    Raises:
        ValueError: more than ``MAX_ROWS`` feasible vectors (the instance is too big to enumerate).
    """
    n = instance.num_stages
    into = instance.suppliers()
    service = np.zeros((1, n), dtype=np.int64)
    cost = np.zeros(1)
    for j in range(n):
        inbound = np.full(len(service), instance.inbound_lower_bound[j], dtype=np.int64)
        for e in into[j]:
            np.maximum(inbound, service[:, instance.edge_source[e]] + instance.edge_lead_time[e], out=inbound)
        reach = inbound + instance.processing_time[j]
        bound = instance.max_service_time[j]
        top = reach if np.isinf(bound) else np.minimum(reach, int(bound))
        counts = top + 1
        total = int(counts.sum())
        if total > MAX_ROWS:
            raise ValueError(f"brute_force_gsm: more than {MAX_ROWS} service-time vectors at stage {j}")
        rows = np.repeat(np.arange(len(service)), counts)
        value = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        service = service[rows]
        service[:, j] = value
        cost = cost[rows] + instance.cost_coefficient[j] * np.sqrt(reach[rows] - value)
    best = int(np.argmin(cost))
    return float(cost[best]), service[best].copy()


def solve_proven(graph, **options) -> GSMSolution:
    """The breakpoint MILP's placement of ``graph`` (``options``: :class:`GSMOptions` fields), asserted
    proven optimal: its bound equals its cost."""
    solution = solve_gsm(gsm_instance(graph), GSMOptions(**options))
    assert solution.is_optimal
    assert solution.bound == pytest.approx(solution.cost, rel=1e-6)  # proven: bound = objective
    return solution


def enumerate_placements(instance: GSMInstance, ranges: StageRanges, a: np.ndarray, b: np.ndarray):
    """Every feasible placement inside ``ranges`` by full enumeration: (cost + a.S + b.SI, S, SI, tau)."""
    n, T = instance.num_stages, instance.processing_time
    axes = [range(ranges.service_low[j], ranges.service_high[j] + 1) for j in range(n)]
    axes += [range(ranges.inbound_low[j], ranges.inbound_high[j] + 1) for j in range(n)]
    for point in itertools.product(*axes):
        s, si = np.array(point[:n]), np.array(point[n:])
        tau = si + T - s
        if (tau < np.maximum(ranges.net_low, 0)).any() or (tau > ranges.net_high).any():
            continue
        if (si[instance.edge_target] < s[instance.edge_source] + instance.edge_lead_time).any():
            continue
        yield instance.cost_coefficient @ np.sqrt(tau) + a @ s + b @ si, s, si, tau


def narrowed_ranges(instance: GSMInstance, rng) -> StageRanges:
    """The instance's ranges, each end moved a third of the way in at random (``rng``): narrowed boxes as
    branch and bound and domain reduction make them."""
    r = StageRanges.of(instance)
    n = instance.num_stages

    def narrow(low, high):
        a = low + rng.integers(0, 2, n) * (high - low) // 3
        return a, np.maximum(a, high - rng.integers(0, 2, n) * (high - low) // 3)

    (sl, sh), (il, ih), (nl, nh) = narrow(r.service_low, r.service_high), narrow(r.inbound_low, r.inbound_high), \
        narrow(r.net_low, r.net_high)
    return StageRanges(sl, sh, il, ih, nl, nh)


def random_gsm_graph(rng_or_seed, stages: int, tree: bool):
    """A random guaranteed-service network of ``stages`` stages, in netinv's format, with the literature's
    stage times (``time_convention: textbook``, :mod:`netinv.timing`).

    tree=True: a random spanning tree, each edge pointing up- or downstream at random (mixed assembly
    and distribution); a source stage may have processing time 0, in which case the instance leaves it
    out (external) and the tree may split into a forest. tree=False: the same plus one or two extra
    edges along a topological order, so the network with directions ignored has a cycle (needs
    stages >= 3); source stages then have processing time >= 1 so that none is left out.

    Every stage has a processing time in 0..3 and a holding cost; every sink faces normal demand and
    has a shortage cost and a max_service_time in 0..3. Safety factors are either a service_level at
    every stage or a service_factor at the demand stages only. Edges may carry a lead_time (0..1) and a
    quantity (1 or 2). Half the networks get an external ``supplier`` node (processing time 0) that
    guarantees some source stages an inbound service time of 0..2 through its edges' lead times.
    """
    if not tree and stages < 3:
        raise ValueError(f"random_gsm_graph: a network with a cycle needs >= 3 stages, got {stages}")
    rng = np.random.default_rng(rng_or_seed)
    names = [f"s{k}" for k in range(stages)]
    arcs: list[tuple[int, int]] = []
    for k in range(1, stages):
        u = int(rng.integers(k))
        arcs.append((u, k) if rng.random() < 0.5 else (k, u))
    if not tree:
        order = _topological_order(stages, arcs)
        position = {node: p for p, node in enumerate(order)}
        linked = {frozenset(a) for a in arcs}
        free = [(a, b) for a in range(stages) for b in range(stages)
                if position[a] < position[b] and frozenset((a, b)) not in linked]
        extra = int(rng.integers(1, 3))
        for index in rng.permutation(len(free))[:extra]:
            arcs.append(free[int(index)])
    has_supplier = {j for _, j in arcs}
    has_customer = {i for i, _ in arcs}
    per_stage_level = rng.random() < 0.5
    nodes = []
    for k, name in enumerate(names):
        low = 0 if (tree or k in has_supplier) else 1
        node = {
            "id": name,
            "processing_time": int(rng.integers(low, 4)),
            "holding_cost": round(float(rng.uniform(0.1, 3.0)), 2),
        }
        if per_stage_level:
            node["service_level"] = round(float(rng.uniform(0.8, 0.99)), 3)
        if k not in has_customer:
            node["demand"] = {"distribution": "normal", "mean": 20.0, "std": round(float(rng.uniform(1, 5)), 2)}
            node["shortage_cost"] = 10.0
            node["max_service_time"] = int(rng.integers(0, 4))
            if not per_stage_level:
                node["service_factor"] = round(float(rng.uniform(1.0, 2.5)), 3)
        elif rng.random() < 0.15:
            node["max_service_time"] = int(rng.integers(0, 5))
        nodes.append(node)
    edges = []
    for i, j in arcs:
        edge = {"source": names[i], "target": names[j]}
        if rng.random() < 0.5:
            edge["lead_time"] = int(rng.integers(0, 2))
        if rng.random() < 0.2:
            edge["quantity"] = 2.0
        edges.append(edge)
    sources = [k for k in range(stages) if k not in has_supplier]
    if rng.random() < 0.5:
        nodes.append({"id": "supplier", "holding_cost": 0.0})
        for k in sources:
            if rng.random() < 0.6:
                edges.append({"source": "supplier", "target": names[k], "lead_time": int(rng.integers(0, 3))})
    kind = "tree" if tree else "dag"
    graph = network(nodes, edges, name=f"random_{kind}_{stages}")
    graph.graph[attrs.TIME_CONVENTION] = timing.TEXTBOOK  # the literature's stage times, as the brute force reads them
    return graph


def gsm_graphs(tree: bool, min_stages: int = 1, max_stages: int = 7):
    """Hypothesis strategy of :func:`random_gsm_graph` networks."""
    low = min_stages if tree else max(min_stages, 3)
    return st.builds(random_gsm_graph, st.integers(0, 2**32 - 1), st.integers(low, max_stages), st.just(tree))


def _topological_order(stages: int, arcs: list[tuple[int, int]]) -> list[int]:
    indegree = [0] * stages
    out: list[list[int]] = [[] for _ in range(stages)]
    for i, j in arcs:
        out[i].append(j)
        indegree[j] += 1
    ready = [k for k in range(stages) if indegree[k] == 0]
    order = []
    while ready:
        k = ready.pop()
        order.append(k)
        for j in out[k]:
            indegree[j] -= 1
            if indegree[j] == 0:
                ready.append(j)
    return order
