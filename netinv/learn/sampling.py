"""Random networks for training and evaluation: :func:`sample_network`.

Seeds
-----
Every random choice of network i of base seed ``seed`` comes from ``numpy.random.SeedSequence([seed, i,
purpose])`` (:func:`network_rng`, :func:`network_seed`; the purposes are the ``SEED_*`` constants): its
structure and attributes, its demand paths, the teacher's scenario draws and DAgger's mixing draws.

**Reserved seeds: training networks use seeds >= 1000** (:data:`TRAINING_SEEDS_START`;
:func:`netinv.learn.dataset.generate_dataset` refuses smaller ones). **Held-out evaluation networks use
seeds < 1000**: same distribution, disjoint seeds, so no evaluation network is ever trained on. A
network's global id is ``seed * 1_000_000 + i`` (:func:`network_id`).

Networks
--------
nodes uniform in ``nodes`` (sources included); kind uniform among serial, assembly, distribution and
general (those that exist at that size: general needs 8 nodes, distribution 4); then, on the
generator's network (:mod:`netinv.network.generators`: lead times 0-4, costs, plant capacities, normal
or Poisson demand):

- costs and prices times 10^U(-1, 1) (features and objectives are normalized by the cost scale);
- volume times 10^U(-1, 1.5): demand mean and std, capacities and initial inventory;
- initial inventory times 10^U(-0.5, 1.3), i.e. 0.3 to 20 (some networks start short, some hold stock
  for dozens of periods, as the published 9-node network does);
- supply lead times times 1, 2 or 3 (probabilities 0.5, 0.25, 0.25; so 0 to 12 periods);
- in 30% of networks unfilled orders on supply edges are lost (edge ``backlog: false``) rather than owed;
- lost sales: each demand node loses unmet demand with probability 0, 0.5 or 1 (chosen per network with
  probabilities 0.6, 0.2, 0.2);
- edge capacities: in 40% of networks, each supply edge gets, with probability 0.3, a capacity of
  U(1.1, 2.0) times its mean flow per period.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from netinv import attrs
from netinv.errors import InputError

TRAINING_SEEDS_START = 1000
NETWORK_ID_STRIDE = 1_000_000

KINDS = ("serial", "assembly", "distribution", "general")
MIN_NODES = {"serial": 2, "assembly": 2, "distribution": 4, "general": 8}
COST_FACTOR_LOG10 = (-1.0, 1.0)
VOLUME_FACTOR_LOG10 = (-1.0, 1.5)
INITIAL_INVENTORY_LOG10 = (-0.5, 1.3)
LEAD_TIME_STRETCH = ((1, 0.5), (2, 0.25), (3, 0.25))  # (factor on supply lead times, probability)
LOST_ORDERS_NETWORKS = 0.3  # share of networks whose supply edges lose what a source cannot ship
LOST_SALES_SHARES = ((0.0, 0.6), (0.5, 0.2), (1.0, 0.2))  # (share of demand nodes, probability)
EDGE_CAPACITY_NETWORKS = 0.4
EDGE_CAPACITY_EDGES = 0.3
EDGE_CAPACITY_FACTOR = (1.1, 2.0)

# purposes of the seed sequences [seed, network index, purpose]
SEED_NETWORK, SEED_DEMAND, SEED_TEACHER, SEED_MIXING, SEED_EPISODE = range(5)


def network_id(seed: int, index: int) -> int:
    """The global id of network ``index`` of base seed ``seed``."""
    return seed * NETWORK_ID_STRIDE + index


def network_rng(seed: int, index: int, purpose: int) -> np.random.Generator:
    """The random generator of network ``index`` of base seed ``seed`` for ``purpose`` (``SEED_*``)."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, purpose]))


def network_seed(seed: int, index: int, purpose: int) -> int:
    """An integer seed of network ``index`` of base seed ``seed`` for ``purpose`` (``SEED_*``)."""
    return int(np.random.SeedSequence([seed, index, purpose]).generate_state(1)[0])


def sample_network(seed: int, index: int, nodes: tuple[int, int] = (5, 30),
                   kinds: tuple[str, ...] = KINDS) -> tuple[nx.DiGraph, dict]:
    """Network ``index`` of base seed ``seed`` (see the module docstring) and a description of it.

    Training data use seeds >= 1000; draw held-out evaluation networks with seeds < 1000. ``kinds``: the
    structures to draw from (default all four; e.g. ``("distribution", "general")`` for large networks,
    where a serial line or an assembly tree of hundreds of stages is no model of a real network).
    """
    from netinv.network.generators import generate
    from netinv.network.io import validate

    rng = network_rng(seed, index, SEED_NETWORK)
    count = int(rng.integers(nodes[0], nodes[1] + 1))
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise InputError(f"sample_network: kinds must be among {', '.join(KINDS)}, got {list(kinds)}")
    allowed = [kind for kind in KINDS if kind in kinds and MIN_NODES[kind] <= count]
    if not allowed:
        raise InputError(f"sample_network: no kind of {list(kinds)} exists with {count} nodes")
    kind = allowed[int(rng.integers(len(allowed)))]
    generator_seed = int(rng.integers(2**31))
    cost_factor = float(10.0 ** rng.uniform(*COST_FACTOR_LOG10))
    volume_factor = float(10.0 ** rng.uniform(*VOLUME_FACTOR_LOG10))
    inventory_factor = float(10.0 ** rng.uniform(*INITIAL_INVENTORY_LOG10))
    shares, weights = zip(*LOST_SALES_SHARES)
    lost_share = float(shares[int(rng.choice(len(shares), p=weights))])
    capacitated = bool(rng.random() < EDGE_CAPACITY_NETWORKS)

    graph = generate(kind, count, generator_seed)
    for _, data in graph.nodes(data=True):
        for key in (attrs.HOLDING_COST, attrs.SHORTAGE_COST, attrs.PRICE, attrs.OPERATING_COST):
            if data.get(key) is not None:
                data[key] = round(data[key] * cost_factor, 6)
        if data.get(attrs.CAPACITY) is not None:
            data[attrs.CAPACITY] = round(data[attrs.CAPACITY] * volume_factor, 3)
        data[attrs.INITIAL_INVENTORY] = round(data[attrs.INITIAL_INVENTORY] * volume_factor * inventory_factor, 3)
        demand = data.get(attrs.DEMAND)
        if demand is not None:
            data[attrs.DEMAND] = {key: round(value * volume_factor, 4) if key in ("mean", "std") else value
                                  for key, value in demand.items()}
    for _, _, data in graph.edges(data=True):
        for key in (attrs.UNIT_COST, attrs.PIPELINE_HOLDING_COST):
            data[key] = round(data[key] * cost_factor, 6)
    demand_nodes = [node for node, data in graph.nodes(data=True) if data.get(attrs.DEMAND) is not None]
    lost = rng.random(len(demand_nodes)) < lost_share
    for node, is_lost in zip(demand_nodes, lost.tolist()):
        graph.nodes[node][attrs.BACKLOG] = not is_lost
    factors, weights = zip(*LEAD_TIME_STRETCH)
    stretch = int(factors[int(rng.choice(len(factors), p=weights))])
    lost_orders = bool(rng.random() < LOST_ORDERS_NETWORKS)
    for _, _, data in graph.edges(data=True):
        data[attrs.LEAD_TIME] = int(data.get(attrs.LEAD_TIME, 0)) * stretch
        if lost_orders:
            data[attrs.EDGE_BACKLOG] = False
    edges = list(graph.edges)
    capacity_edges = rng.random(len(edges)) < EDGE_CAPACITY_EDGES
    capacity_factors = rng.uniform(*EDGE_CAPACITY_FACTOR, size=len(edges))
    limited = 0
    if capacitated:
        from netinv.learn.features import network_features
        from netinv.network.compile import compile_network

        flow = network_features(compile_network(graph)).edge_scale
        position = {key: k for k, key in enumerate(compile_network(graph).edge_keys)}
        for (u, v), chosen, factor in zip(edges, capacity_edges.tolist(), capacity_factors.tolist()):
            if chosen:
                graph.edges[u, v][attrs.EDGE_CAPACITY] = round(float(flow[position[(u, v)]]) * factor, 3)
                limited += 1
    graph.graph[attrs.NAME] = f"train_{seed}_{index}_{kind}_{count}"
    graph = validate(graph)
    info = {
        "network": network_id(seed, index),
        "index": index,
        "name": graph.graph[attrs.NAME],
        "kind": kind,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "generator_seed": generator_seed,
        "cost_factor": cost_factor,
        "volume_factor": volume_factor,
        "initial_inventory_factor": inventory_factor,
        "lead_time_stretch": stretch,
        "lost_orders": lost_orders,
        "lost_sales_nodes": int(lost.sum()),
        "capacitated_edges": limited,
    }
    return graph, info
