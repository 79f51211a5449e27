"""Synthetic networks of any size: serial, assembly, distribution and general.

:func:`generate` returns a plain :class:`networkx.DiGraph` in exactly the form
:func:`netinv.network.load` returns: every attribute typed (plain ``int`` / ``float`` / ``bool``,
never numpy scalars), defaults filled, attribute keys in the scenario schema's order, nodes in
topological order (suppliers before their customers). The same seed gives the same network, to the
last attribute; all randomness comes from ``numpy.random.default_rng(seed)``.

Node ids are readable: ``supplier_0`` (an external source), ``plant_3``, ``dc_12``, ``store_345``;
``stage_N`` ... ``stage_1`` in a serial line (``stage_1`` faces the demand); ``component_7``,
``subassembly_4`` and ``final_0`` in an assembly tree.

Structures (``nodes`` counts every node, the external sources included):

- ``serial``: ``supplier_0 -> stage_{nodes-1} -> ... -> stage_1``; demand at ``stage_1``.
- ``distribution``: an arborescence ``supplier_0 -> plants -> DCs -> stores``, about one plant per 100
  nodes and DCs about 10% of the nodes; demand at the stores only. Every plant serves at least one DC
  and every DC at least one store. :func:`distribution_network` takes the three counts directly.
- ``assembly``: a tree converging to ``final_0``, built breadth first with 2-4 suppliers per node:
  components (external sources) -> sub-assemblies -> the final assembly, the only demand node. A
  node with several suppliers has ``assembly: true``: it needs ``quantity`` units of each.
- ``general``: a layered DAG: suppliers, plants, 1-3 layers of DCs (2-4 middle layers in all), stores.
  Each node orders from one node of the layer above and, with probability 0.2, from a second one
  (multi-sourcing, not assembly: either supplier can fill an order); upstream nodes have several
  customers.
- ``planner``: what a supply planner writes, in weeks: ``supplier_0`` (overseas, 4-8 weeks away) ->
  1-3 capacitated plants -> 2-6 DCs (some with a slower, dearer second plant) -> stores, half of them
  losing their unmet sales; costs, demand and ranges of its own, documented at
  :func:`planner_like_network` (the table below does not apply to it). :func:`planner_like_network`
  takes a seed and, optionally, the number of stores.
- ``transshipment=True`` (distribution, general and planner) adds a few lateral ``kind: transshipment`` edges,
  both directions, between stores with the same (first) supplier: about one pair per 20 stores.

Attribute ranges. U(a, b) is a uniform draw, "served" the mean external demand a node serves: its own
plus each customer's served demand times the edge ``quantity``, split evenly between a multi-sourced
customer's suppliers. Costs are rounded to 3 decimals, inventories and capacities to whole units.

========================= ============================================ ==============================
attribute                 value                                        on
========================= ============================================ ==============================
holding_cost [h]          0                                            external sources
holding_cost [h]          U(0.1, 0.5)                                  plants: nodes fed only by
                                                                       sources (the top serial stage)
holding_cost [h]          max supplier h + U(0.4, 1.0) / L, so 0.5-1.5 DCs, sub-assemblies, middle
                          at the last level (L: the most middle nodes  serial stages
                          on one path)
holding_cost [h]          max(max supplier h, 0.5) + U(0.5, 1.5): 1-3  demand nodes (stores)
shortage_cost [p]         h * U(5, 20)                                 demand nodes
price                     highest unit_cost paid * U(1.3, 2.0)         demand nodes (0 elsewhere)
demand                    half normal: mean U(5, 50), std mean *       demand nodes
                          U(0.1, 0.4); half poisson: mean U(5, 50)
backlog                   true                                         every node
capacity                  served * U(1.4, 1.6)                         plants (unlimited elsewhere)
initial_inventory         served * U(1.5, 2.5)                         every node but the sources
external_supply           true                                         external sources
assembly                  true where a node has several suppliers      assembly kind only
lead_time [L]             integer 0-4                                  supply edges
lead_time [L]             integer 0-1                                  transshipment edges
unit_cost                 U(1, 5) from a source; 10 h[supplier] +      supply edges
                          U(1, 3) otherwise (value grows downstream)
unit_cost                 U(0.2, 1.0)                                  transshipment edges
pipeline_holding_cost     h[supplier] * U(0.5, 1.0); 0 from a source   supply edges (0 on transship.)
quantity                  integer 1-3                                  assembly kind (1 elsewhere)
========================= ============================================ ==============================

Holding costs never decrease along a supply edge. In an assembly tree a node's holding cost is not the
sum of its components' (which would grow without bound with the tree), so echelon holding costs
there can be negative.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from enum import StrEnum

import networkx as nx
import numpy as np

from netinv import attrs
from netinv.errors import InputError

__all__ = ["NetworkKind", "distribution_network", "generate", "perez_like_network", "planner_like_network"]


class NetworkKind(StrEnum):
    """The structures :func:`generate` builds."""

    SERIAL = "serial"
    ASSEMBLY = "assembly"
    DISTRIBUTION = "distribution"
    GENERAL = "general"
    PLANNER = "planner"


# Smallest node counts (external sources included) for which each structure exists.
MIN_NODES = {
    NetworkKind.SERIAL: 2,  # supplier_0 -> stage_1
    NetworkKind.ASSEMBLY: 2,  # component_0 -> final_0
    NetworkKind.DISTRIBUTION: 4,  # supplier_0 -> plant_0 -> dc_0 -> store_0
    NetworkKind.GENERAL: 8,  # two nodes in each of four layers
    NetworkKind.PLANNER: 6,  # supplier_0, a plant, two DCs, two stores
}

MULTI_SOURCING_PROBABILITY = 0.2  # general networks: chance that a node has a second supplier
STORES_PER_TRANSSHIPMENT_PAIR = 20


def generate(kind: NetworkKind | str, nodes: int, seed: int, *, transshipment: bool = False) -> nx.DiGraph:
    """A random network of ``kind`` with exactly ``nodes`` nodes (external sources included).

    ``kind`` is one of ``serial``, ``assembly``, ``distribution``, ``general``, ``planner`` (see the
    module docstring for the structures and attribute ranges). The same ``seed`` gives the same graph.
    ``transshipment=True`` adds lateral transshipment edges between stores that share a supplier; a
    serial line or an assembly tree has a single store, so it is an error there.
    """
    kind = _kind(kind)
    nodes = _count("nodes", nodes, MIN_NODES[kind], f"a {kind} network")
    if transshipment and kind in (NetworkKind.SERIAL, NetworkKind.ASSEMBLY):
        raise InputError(
            f"generate: transshipment needs stores that share a supplier; a {kind} network has one store"
        )
    rng = np.random.default_rng(seed)
    if kind == NetworkKind.PLANNER:
        name = f"{kind}_{nodes}_seed{seed}"
        return _planner(*_planner_counts(nodes, rng), rng, name=name, seed=seed, transshipment=transshipment)
    if kind == NetworkKind.SERIAL:
        topology = _serial(nodes)
    elif kind == NetworkKind.ASSEMBLY:
        topology = _assembly(nodes, rng)
    elif kind == NetworkKind.DISTRIBUTION:
        plants = max(1, round(nodes / 100))
        dcs = min(max(plants, round(0.1 * nodes)), (nodes - 1 - plants) // 2)
        topology = _distribution(plants, dcs, nodes - 1 - plants - dcs, rng)
    else:
        topology = _general(nodes, rng)
    name = f"{kind}_{nodes}_seed{seed}"
    return _build(topology, rng, name=name, description=_description(kind, seed), transshipment=transshipment)


def distribution_network(
    plants: int, dcs: int, stores: int, seed: int, *, transshipment: bool = False
) -> nx.DiGraph:
    """A distribution network with exactly this many plants, DCs and stores, plus ``supplier_0``.

    Needs ``1 <= plants <= dcs <= stores`` so that every plant and every DC has a customer;
    ``distribution_network(1, 10, 100, seed)`` has 112 nodes.
    """
    plants = _count("plants", plants, 1, "a distribution network")
    dcs = _count("dcs", dcs, plants, f"a distribution network with {plants} plant(s)")
    stores = _count("stores", stores, dcs, f"a distribution network with {dcs} DC(s)")
    rng = np.random.default_rng(seed)
    name = f"distribution_{plants}x{dcs}x{stores}_seed{seed}"
    return _build(
        _distribution(plants, dcs, stores, rng),
        rng,
        name=name,
        description=_description(NetworkKind.DISTRIBUTION, seed),
        transshipment=transshipment,
    )



def _perez_edges(layers: list[list[str]], rng: np.random.Generator) -> list[tuple[str, str]]:
    """Supply edges between consecutive layers: every node of the upper layer gets a customer, every
    node of the lower one a first supplier and, with probability 0.5, a second one."""
    edges: list[tuple[str, str]] = []
    for upper, lower in zip(layers, layers[1:]):
        first = np.concatenate([np.arange(len(upper)), rng.integers(0, len(upper), size=len(upper))])
        first = rng.permutation(first)[: max(len(lower), 1)]
        chosen = [{int(first[k]) if k < first.size else int(rng.integers(len(upper)))}
                  for k in range(len(lower))]
        for k in range(len(upper)):  # an upper node nobody chose serves a random lower node
            if not any(k in c for c in chosen):
                chosen[int(rng.integers(len(lower)))].add(k)
        for k, suppliers in enumerate(chosen):
            if len(upper) > 1 and rng.random() < 0.5:
                suppliers.add(int(rng.integers(len(upper))))
            edges += [(upper[u], lower[k]) for u in sorted(suppliers)]
    return edges


def perez_like_network(seed: int) -> nx.DiGraph:
    """A small network drawn from the family of the Perez et al. (2021) 9-node benchmark (a family, not
    that network: its structure and cost ratios, each drawn at random).

    ``supplier_*`` raw-material sources (1-3, unlimited) -> ``plant_*`` (2-4: production capacity,
    operating cost, yield, large initial stock) -> ``dc_*`` (1-3) -> ``store_*`` (1-2, the only demand
    nodes). Each node orders from a first supplier in the layer above, with probability 0.5 from a
    second one (multi-sourcing), and a node nobody chose serves a random node of the layer below, so
    every node but the stores has a customer. Ranges, with
    the price [P] of the stores U(1.5, 2.5) x 10^U(-1, 1) and the network's mean demand D:

    ========================= ============================================ =========================
    attribute                 value                                        Perez et al. (P = 2, D = 20)
    ========================= ============================================ =========================
    demand                    poisson mean U(10, 40) (normal, std mean x   poisson 20
                              U(0.1, 0.4), with probability 0.3)
    shortage_cost [p]         P x U(0.02, 0.1), backlogged (lost sales     0.05 P
                              with probability 0.2)
    holding_cost [h]          P x U(0.01, 0.02) stores, U(0.006, 0.012)    0.015 P, 0.008-0.01 P,
                              DCs, U(0.004, 0.008) plants, 0 sources       0.0055-0.0065 P
    operating_cost            P x U(0.003, 0.01)                           plants: 0.005-0.0075 P
    yield                     1, or U(0.85, 1) with probability 0.3        1
    capacity                  D x U(1.5, 5)                                plants: 4-4.5 D
    initial_inventory         stores U(3, 7) x own demand, DCs U(2, 7) x   stores 5 D, DCs 4-5.5 D,
                              D / DCs, plants 10^U(0.3, 1.4) x D           plants 17.5-20 D
    lead_time                 sources -> plants 0-2, plants -> DCs 6-12,   0-2, 8-12, 3-5
                              DCs -> stores 2-6
    unit_cost                 P x U(0.02, 0.1) from a source (the only     0.025-0.1 P
                              purchase cost of the network); transfer
                              prices P x U(0.35, 0.5) to DCs,
                              P x U(0.7, 0.85) to stores
    pipeline_holding_cost     P x U(0.002, 0.008); P x U(0, 0.003) from a  0.002-0.0075 P
                              source
    edge backlog              false with probability 0.7                   false
    ========================= ============================================ =========================

    Node and edge order, attribute types and keys are those of :func:`generate`; the same seed gives
    the same network.
    """
    seed = _count("seed", seed, 0, "a perez-like network")
    rng = np.random.default_rng(seed)
    counts = {"supplier": int(rng.integers(1, 4)), "plant": int(rng.integers(2, 5)),
              "dc": int(rng.integers(1, 4)), "store": int(rng.integers(1, 3))}
    layers = [[f"{role}_{k}" for k in range(count)] for role, count in counts.items()]
    edges = _perez_edges(layers, rng)
    price_level = float((1.5 + rng.random()) * 10.0 ** rng.uniform(-1.0, 1.0))
    stores = layers[3]
    means = np.round(10 + 30 * rng.random(len(stores)), 1)
    total = float(means.sum())
    graph = nx.DiGraph()
    graph.graph[attrs.NAME] = f"perez_like_{sum(counts.values())}_seed{seed}"
    graph.graph[attrs.DESCRIPTION] = (f"Synthetic network of the Perez et al. (2021) family from "
                                      f"netinv.network.generators (seed {seed}).")

    def cost(low: float, high: float) -> float:
        return round(price_level * float(rng.uniform(low, high)), 6)

    for name in layers[0]:
        graph.add_node(name, **_node_data(0.0, 0.0, math.nan, None, None, 0.0, True, False))
    for name in layers[1]:
        data = _node_data(cost(0.004, 0.008), round(total * 10.0 ** float(rng.uniform(0.3, 1.4))),
                          round(total * float(rng.uniform(1.5, 5.0))), None, None, 0.0, False, False)
        data[attrs.OPERATING_COST] = cost(0.003, 0.01)
        if rng.random() < 0.3:
            data[attrs.YIELD] = round(float(rng.uniform(0.85, 1.0)), 3)
        graph.add_node(name, **data)
    for name in layers[2]:
        graph.add_node(name, **_node_data(cost(0.006, 0.012), round(total / len(layers[2]) * float(rng.uniform(2, 7))),
                                          math.nan, None, None, 0.0, False, False))
    for name, mean in zip(stores, means.tolist(), strict=True):
        if rng.random() < 0.3:
            spec = {"distribution": "normal", "mean": mean, "std": round(mean * float(rng.uniform(0.1, 0.4)), 2)}
        else:
            spec = {"distribution": "poisson", "mean": mean}
        data = _node_data(cost(0.01, 0.02), round(mean * float(rng.uniform(3, 7))), math.nan, spec,
                          cost(0.02, 0.1), round(price_level, 6), False, False)
        data[attrs.BACKLOG] = bool(rng.random() >= 0.2)
        graph.add_node(name, **data)
    lost_orders = bool(rng.random() < 0.7)
    leads = {"plant": (0, 2), "dc": (6, 12), "store": (2, 6)}
    transfer = {"plant": (0.02, 0.1), "dc": (0.35, 0.5), "store": (0.7, 0.85)}
    for u, v in edges:
        role = v.split("_")[0]
        low, high = leads[role]
        pipeline = cost(0.0, 0.003) if role == "plant" else cost(0.002, 0.008)
        data = _edge_data(int(rng.integers(low, high + 1)), cost(*transfer[role]), pipeline, 1.0, attrs.SUPPLY)
        data[attrs.EDGE_BACKLOG] = not lost_orders
        graph.add_edge(u, v, **data)
    return graph


# --------------------------------------------------------------------------------------------------
# planner-like family

WEEKS_PER_YEAR = 52
PLANNER_STORES = (8, 60)  # store count drawn when none is asked for


def planner_like_network(seed: int, *, stores: int | None = None, transshipment: bool = True) -> nx.DiGraph:
    """A network as a supply planner writes one, in weeks: ``supplier_0`` (an overseas source) ->
    ``plant_*`` (1-3, with production capacity) -> ``dc_*`` (2-6 regional DCs) -> ``store_*`` (8-60, or
    ``stores``; the only demand nodes).

    Each DC orders from a primary plant and, when there are several plants, with probability 0.5 (at
    least one DC) from a secondary one as well: slower and dearer. Each store orders from one DC (stores
    are numbered DC by DC). Even-numbered stores backlog, odd-numbered ones lose their unmet sales.
    ``transshipment=True`` links each store with the next store of its DC, both directions. Product
    value [V] grows downstream: a plant's purchase price c, x U(1.05, 1.15) at its DCs (their most
    expensive plant, operating cost included), x U(1.05, 1.15) at the stores. "Served" is the mean
    demand of a node's stores, a DC's counting only at its primary plant.

    ========================= ============================================ ==============================
    attribute                 value                                        on
    ========================= ============================================ ==============================
    lead_time                 4-8 weeks                                    supplier_0 -> plants
    lead_time                 1-2 (primary), primary + 1-2 (secondary)     plants -> DCs
    lead_time                 1-2; 0 on transshipment edges                DCs -> stores
    unit_cost                 c = 20 x 10^U(-0.5, 0.5) x U(0.9, 1.1)       supplier_0 -> plant
    unit_cost                 V of the customer; x U(1.1, 1.3) secondary   plants -> DCs, DCs -> stores
    unit_cost                 (h + p of the dearer end) x U(0.2, 0.6)      transshipment (< h + p)
    pipeline_holding_cost     holding cost of the supplier (of the plant   supply edges
                              from supplier_0)
    holding_cost [h]          V x U(0.10, 0.15) / 52 plants, V x           per week: plant < DC < store
                              U(0.15, 0.20) / 52 DCs, V x U(0.20, 0.30)
                              / 52 stores
    operating_cost            c x U(0.05, 0.15)                            plants
    capacity                  served x U(1.1, 1.6)                         plants
    initial_inventory         served x (lead time + 1) x U(1.0, 1.3)       all but supplier_0
    price                     V x U(1.3, 2.0)                              stores
    shortage_cost [p]         h x U(2, 10)                                 stores
    service_level             U(0.90, 0.98)                                stores
    demand                    mean [mu] 12 x e^N(0, 0.9) within [1, 500]:  stores
                              long tailed (a few big stores, many small);
                              half normal, std mu x U(0.2, 0.6), half
                              poisson; about a quarter (at least one)
                              seasonal instead
    ========================= ============================================ ==============================

    A seasonal store's demand is a 52-week ``series``, mu x (1 + a sin(2 pi t / 52 + phase)) with
    a ~ U(0.2, 0.5): deterministic, since the demand specs have no seasonal random distribution.
    Costs are rounded to 4 decimals, means and series values to 1, inventories and capacities to whole
    units. The same seed gives the same network; ``stores`` is at least 2 (both kinds of backlog).
    """
    seed = _count("seed", seed, 0, "a planner-like network")
    rng = np.random.default_rng(seed)
    plants, dcs = int(rng.integers(1, 4)), int(rng.integers(2, 7))
    if stores is None:
        stores = int(rng.integers(PLANNER_STORES[0], PLANNER_STORES[1] + 1))
    stores = _count("stores", stores, 2, "a planner-like network")
    plants = min(plants, stores)
    dcs = max(plants, min(dcs, stores))  # every plant with a DC, every DC with a store
    name = f"planner_like_{1 + plants + dcs + stores}_seed{seed}"
    return _planner(plants, dcs, stores, rng, name=name, seed=seed, transshipment=transshipment)


def _planner_counts(nodes: int, rng: np.random.Generator) -> tuple[int, int, int]:
    """Plants, DCs and stores of a planner-like network of exactly ``nodes`` nodes (``supplier_0``
    included): 1-3 plants and 2-6 DCs, fewer where the nodes run short, every DC with a store."""
    plants, dcs = int(rng.integers(1, 4)), int(rng.integers(2, 7))
    plants = min(plants, max(1, (nodes - 1) // 4))
    dcs = min(max(dcs, plants), (nodes - 1 - plants) // 2)
    return plants, dcs, nodes - 1 - plants - dcs


@dataclass(frozen=True)
class _PlannerShape:
    """Who supplies whom: a DC's primary plant, its secondary plant (-1: none), a store's DC."""

    primary: np.ndarray
    secondary: np.ndarray
    dc_of: np.ndarray


def _planner_shape(plants: int, dcs: int, stores: int, rng: np.random.Generator) -> _PlannerShape:
    primary = rng.permutation(_assign(plants, dcs, rng))
    other = rng.integers(0, max(1, plants - 1), size=dcs)
    other += other >= primary
    second = rng.random(dcs) < 0.5
    if plants > 1 and not second.any():
        second[int(rng.integers(dcs))] = True
    secondary = np.where(second & (plants > 1), other, -1)
    return _PlannerShape(primary, secondary, _assign(dcs, stores, rng))


def _planner(
    plants: int, dcs: int, stores: int, rng: np.random.Generator, *, name: str, seed: int, transshipment: bool
) -> nx.DiGraph:
    shape = _planner_shape(plants, dcs, stores, rng)
    specs, means = _planner_demand(stores, rng)
    dc_served = np.bincount(shape.dc_of, weights=means, minlength=dcs)
    plant_served = np.bincount(shape.primary, weights=dc_served, minlength=plants)
    base = 20.0 * 10.0 ** rng.uniform(-0.5, 0.5)
    purchase = base * rng.uniform(0.9, 1.1, size=plants)
    operating = purchase * rng.uniform(0.05, 0.15, size=plants)
    plant_value = purchase + operating
    supplied_value = np.maximum(plant_value[shape.primary],
                                np.where(shape.secondary >= 0, plant_value[shape.secondary], 0.0))
    dc_value = supplied_value * rng.uniform(1.05, 1.15, size=dcs)
    store_value = dc_value[shape.dc_of] * rng.uniform(1.05, 1.15, size=stores)
    h_plant = _cost(purchase * rng.uniform(0.10, 0.15, size=plants) / WEEKS_PER_YEAR)
    h_dc = _cost(dc_value * rng.uniform(0.15, 0.20, size=dcs) / WEEKS_PER_YEAR)
    h_store = _cost(store_value * rng.uniform(0.20, 0.30, size=stores) / WEEKS_PER_YEAR)
    shortage = _cost(h_store * rng.uniform(2.0, 10.0, size=stores))
    lead = {"plant": rng.integers(4, 9, size=plants), "dc": rng.integers(1, 3, size=dcs),
            "late": rng.integers(1, 3, size=dcs), "store": rng.integers(1, 3, size=stores)}

    graph = nx.DiGraph()
    graph.graph[attrs.NAME] = name
    graph.graph[attrs.DESCRIPTION] = (f"Synthetic planner-like network (weekly periods) from "
                                      f"netinv.network.generators (seed {seed}).")
    graph.add_node("supplier_0", **_node_data(0.0, 0.0, math.nan, None, None, 0.0, True, False))
    for k in range(plants):
        data = _node_data(float(h_plant[k]), _stock(plant_served[k], lead["plant"][k], rng),
                          float(round(plant_served[k] * rng.uniform(1.1, 1.6))), None, None, 0.0, False, False)
        data[attrs.OPERATING_COST] = float(_cost(operating[k]))
        graph.add_node(f"plant_{k}", **data)
    for k in range(dcs):
        graph.add_node(f"dc_{k}", **_node_data(float(h_dc[k]), _stock(dc_served[k], lead["dc"][k], rng), math.nan,
                                               None, None, 0.0, False, False))
    for k in range(stores):
        data = _node_data(float(h_store[k]), _stock(means[k], lead["store"][k], rng), math.nan, specs[k],
                          float(shortage[k]), float(_cost(store_value[k] * rng.uniform(1.3, 2.0))), False, False)
        data[attrs.BACKLOG] = k % 2 == 0
        graph.add_node(f"store_{k}", **_with_service_level(data, round(float(rng.uniform(0.90, 0.98)), 3)))

    for k in range(plants):
        graph.add_edge("supplier_0", f"plant_{k}", **_edge_data(
            int(lead["plant"][k]), float(_cost(purchase[k])), float(h_plant[k]), 1.0, attrs.SUPPLY))
    for k in range(dcs):
        p = int(shape.primary[k])
        graph.add_edge(f"plant_{p}", f"dc_{k}", **_edge_data(
            int(lead["dc"][k]), float(_cost(dc_value[k])), float(h_plant[p]), 1.0, attrs.SUPPLY))
        s = int(shape.secondary[k])
        if s >= 0:
            graph.add_edge(f"plant_{s}", f"dc_{k}", **_edge_data(
                int(lead["dc"][k] + lead["late"][k]), float(_cost(dc_value[k] * rng.uniform(1.1, 1.3))),
                float(h_plant[s]), 1.0, attrs.SUPPLY))
    for k in range(stores):
        d = int(shape.dc_of[k])
        graph.add_edge(f"dc_{d}", f"store_{k}", **_edge_data(
            int(lead["store"][k]), float(_cost(store_value[k])), float(h_dc[d]), 1.0, attrs.SUPPLY))
    if transshipment:
        _planner_transshipment(graph, shape.dc_of, (h_store + shortage).tolist(), rng)
    return graph


def _planner_demand(stores: int, rng: np.random.Generator) -> tuple[list[dict], np.ndarray]:
    """Demand specs of the stores and their means (see :func:`planner_like_network`)."""
    means = np.round(np.clip(12.0 * np.exp(rng.normal(0.0, 0.9, size=stores)), 1.0, 500.0), 1)
    normal = rng.random(stores) < 0.5
    cv = rng.uniform(0.2, 0.6, size=stores)
    seasonal = rng.random(stores) < 0.25
    if not seasonal.any():
        seasonal[int(rng.integers(stores))] = True
    amplitude = rng.uniform(0.2, 0.5, size=stores)
    phase = rng.uniform(0.0, 2 * math.pi, size=stores)
    weeks = np.arange(WEEKS_PER_YEAR)
    specs: list[dict] = []
    for k, mu in enumerate(means.tolist()):
        if seasonal[k]:
            wave = mu * (1 + amplitude[k] * np.sin(2 * math.pi * weeks / WEEKS_PER_YEAR + phase[k]))
            specs.append({"distribution": "series", "values": np.round(wave, 1).tolist()})
        elif normal[k]:
            specs.append({"distribution": "normal", "mean": mu, "std": round(mu * float(cv[k]), 2)})
        else:
            specs.append({"distribution": "poisson", "mean": mu})
    return specs, means


def _planner_transshipment(graph: nx.DiGraph, dc_of: np.ndarray, h_plus_p: list[float],
                           rng: np.random.Generator) -> None:
    """Each store and the next store of the same DC, both directions, at (h + p) x U(0.2, 0.6)."""
    for k in range(dc_of.size - 1):
        if dc_of[k] != dc_of[k + 1]:
            continue
        bound = min(h_plus_p[k], h_plus_p[k + 1])
        for u, v in ((k, k + 1), (k + 1, k)):
            cost = float(_cost(bound * rng.uniform(0.2, 0.6)))
            graph.add_edge(f"store_{u}", f"store_{v}", **_edge_data(0, cost, 0.0, 1.0, attrs.TRANSSHIPMENT))


def _stock(served: float, lead_time: int, rng: np.random.Generator) -> float:
    """Initial inventory covering the demand over the lead time and one more period."""
    return float(round(served * (int(lead_time) + 1) * rng.uniform(1.0, 1.3)))


def _cost(value):
    return np.round(value, 4)


def _with_service_level(data: dict, level: float) -> dict:
    """``data`` with ``service_level`` where the loader puts it (after ``price``)."""
    out: dict = {}
    for key, value in data.items():
        out[key] = value
        if key == attrs.PRICE:
            out[attrs.SERVICE_LEVEL] = level
    return out


# --------------------------------------------------------------------------------------------------
# structures


@dataclass(frozen=True)
class _Topology:
    """Node ids in topological order (every edge goes from a lower to a higher index) and supply edges."""

    names: list[str]
    demand: np.ndarray  # bool per node: faces external demand
    source: np.ndarray  # int64 per supply edge: index of the supplier
    target: np.ndarray  # int64 per supply edge: index of the customer
    bill_of_materials: bool  # True: several suppliers = components (assembly, quantities 1-3)


def _topology(
    names: list[str], demand: np.ndarray, source, target, *, bill_of_materials: bool = False
) -> _Topology:
    source, target = np.asarray(source, dtype=np.int64), np.asarray(target, dtype=np.int64)
    order = np.lexsort((source, target))  # by customer, then supplier
    return _Topology(names, demand, source[order], target[order], bill_of_materials)


def _serial(nodes: int) -> _Topology:
    names = ["supplier_0"] + [f"stage_{k}" for k in range(nodes - 1, 0, -1)]
    demand = np.zeros(nodes, dtype=bool)
    demand[-1] = True
    return _topology(names, demand, np.arange(nodes - 1), np.arange(1, nodes))


def _distribution(plants: int, dcs: int, stores: int, rng: np.random.Generator) -> _Topology:
    names = (
        ["supplier_0"]
        + [f"plant_{i}" for i in range(plants)]
        + [f"dc_{i}" for i in range(dcs)]
        + [f"store_{i}" for i in range(stores)]
    )
    first_dc, first_store = 1 + plants, 1 + plants + dcs
    source = np.concatenate(
        [
            np.zeros(plants, dtype=np.int64),
            1 + _assign(plants, dcs, rng),
            first_dc + _assign(dcs, stores, rng),
        ]
    )
    target = np.arange(1, len(names))
    demand = np.zeros(len(names), dtype=bool)
    demand[first_store:] = True
    return _topology(names, demand, source, target)


def _assign(parents: int, children: int, rng: np.random.Generator) -> np.ndarray:
    """A parent index per child, every parent used at least once (``children >= parents``), sorted."""
    extra = rng.integers(0, parents, size=children - parents)
    return np.sort(np.concatenate([np.arange(parents), extra]))


def _assembly(nodes: int, rng: np.random.Generator) -> _Topology:
    # Breadth first from the final assembly: node ``head`` gets the next 2-4 indices as suppliers until
    # all ``nodes`` exist; the nodes never expanded are the components. The depth stays about
    # log3(nodes), so products of quantities along a path stay moderate.
    fan_in = rng.integers(2, 5, size=nodes)
    customer = np.empty(nodes, dtype=np.int64)  # in breadth-first numbering; customer[0] unused
    count, head = 1, 0
    while count < nodes:
        width = min(int(fan_in[head]), nodes - count)
        customer[count : count + width] = head
        count += width
        head += 1
    # Reverse the numbering so that suppliers come first: components, sub-assemblies, final_0.
    components = nodes - head
    names = (
        [f"component_{i}" for i in range(components)]
        + [f"subassembly_{i}" for i in range(head - 1)]
        + ["final_0"]
    )
    demand = np.zeros(nodes, dtype=bool)
    demand[-1] = True
    children = np.arange(1, nodes)
    return _topology(names, demand, nodes - 1 - children, nodes - 1 - customer[1:], bill_of_materials=True)


def _general_layers(nodes: int, rng: np.random.Generator) -> list[int]:
    """Layer sizes: suppliers, plants, 1-3 DC layers, stores; non-decreasing, at least 2 each."""
    middle = int(rng.integers(2, 5))  # plants + DC layers
    suppliers, plants = max(2, round(nodes / 500)), max(2, round(nodes / 100))
    while True:
        weights = 2.0 ** np.arange(middle - 1)  # each DC layer about twice the one above
        total = max((middle - 1) * plants, round(0.1 * nodes))
        dc_layers = [max(plants, int(size)) for size in np.floor(total * weights / weights.sum())]
        stores = nodes - suppliers - plants - sum(dc_layers)
        if stores >= dc_layers[-1] or middle == 2:
            return [suppliers, plants, *dc_layers, stores]
        middle -= 1


def _general(nodes: int, rng: np.random.Generator) -> _Topology:
    sizes = _general_layers(nodes, rng)
    prefixes = ["supplier", "plant"] + ["dc"] * (len(sizes) - 3) + ["store"]
    names, counters = [], dict.fromkeys(prefixes, 0)
    for prefix, size in zip(prefixes, sizes, strict=True):
        names += [f"{prefix}_{counters[prefix] + i}" for i in range(size)]
        counters[prefix] += size
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    sources, targets = [], []
    for layer in range(1, len(sizes)):
        above, size = sizes[layer - 1], sizes[layer]
        primary = _assign(above, size, rng)
        other = rng.integers(0, above - 1, size=size)
        other += other >= primary  # a different node of the layer above
        second = rng.random(size) < MULTI_SOURCING_PROBABILITY
        if layer == 1 and not second.any():
            second[0] = True  # at least one multi-sourced node, even in a tiny network
        here = offsets[layer] + np.arange(size)
        sources += [offsets[layer - 1] + primary, offsets[layer - 1] + other[second]]
        targets += [here, here[second]]
    demand = np.zeros(nodes, dtype=bool)
    demand[offsets[-2] :] = True
    return _topology(names, demand, np.concatenate(sources), np.concatenate(targets))


# --------------------------------------------------------------------------------------------------
# attributes


def _build(
    topology: _Topology, rng: np.random.Generator, *, name: str, description: str, transshipment: bool
) -> nx.DiGraph:
    """Draw every attribute of ``topology`` (see the module docstring) and assemble the DiGraph."""
    names, source, target = topology.names, topology.source, topology.target
    n, m = len(names), source.size
    in_degree = np.bincount(target, minlength=n)
    is_source = in_degree == 0
    fed_by_source = np.bincount(target, weights=is_source[source], minlength=n)
    plant = ~is_source & (fed_by_source == in_degree)
    demand_nodes = np.flatnonzero(topology.demand)

    # Draws, in a fixed order (the seed fixes every one of them).
    holding_draw = rng.random(n)
    normal = rng.random(demand_nodes.size) < 0.5
    mean = np.round(5 + 45 * rng.random(demand_nodes.size), 1)
    std = np.round(mean * (0.1 + 0.3 * rng.random(demand_nodes.size)), 2)
    shortage_factor = 5 + 15 * rng.random(demand_nodes.size)
    price_factor = 1.3 + 0.7 * rng.random(demand_nodes.size)
    capacity_factor = 1.4 + 0.2 * rng.random(n)
    inventory_periods = 1.5 + rng.random(n)
    lead_time = rng.integers(0, 5, size=m)
    cost_draw = rng.random(m)
    pipeline_factor = 0.5 + 0.5 * rng.random(m)
    quantity = rng.integers(1, 4, size=m).astype(float) if topology.bill_of_materials else np.ones(m)

    holding = _holding_costs(topology, plant, holding_draw)
    served = np.zeros(n)
    served[demand_nodes] = mean
    share = quantity if topology.bill_of_materials else quantity / in_degree[target]
    served = _served_demand(source, target, share, served)

    supply_cost = np.where(is_source[source], 1 + 4 * cost_draw, 10 * holding[source] + 1 + 2 * cost_draw)
    supply_cost = np.round(supply_cost, 3)
    pipeline = np.round(holding[source] * pipeline_factor, 3)
    holding = np.round(holding, 3)
    most_paid = np.zeros(n)
    np.maximum.at(most_paid, target, supply_cost)
    price = np.zeros(n)
    price[demand_nodes] = np.round(most_paid[demand_nodes] * price_factor, 3)
    shortage = np.round(holding[demand_nodes] * shortage_factor, 3)
    capacity = np.where(plant, np.round(served * capacity_factor), np.nan)
    inventory = np.where(is_source, 0.0, np.round(served * inventory_periods))
    assembly = (in_degree > 1) if topology.bill_of_materials else np.zeros(n, dtype=bool)

    specs: list[dict | None] = [None] * n
    shortage_of: list[float | None] = [None] * n
    for node, is_normal, mu, sigma, p in zip(
        demand_nodes.tolist(), normal.tolist(), mean.tolist(), std.tolist(), shortage.tolist(), strict=True
    ):
        specs[node] = (
            {"distribution": "normal", "mean": mu, "std": sigma}
            if is_normal
            else {"distribution": "poisson", "mean": mu}
        )
        shortage_of[node] = p

    graph = nx.DiGraph()
    graph.graph[attrs.NAME] = name
    graph.graph[attrs.DESCRIPTION] = description
    graph.add_nodes_from(
        (node_id, _node_data(*row))
        for node_id, *row in zip(
            names,
            holding.tolist(),
            inventory.tolist(),
            capacity.tolist(),
            specs,
            shortage_of,
            price.tolist(),
            is_source.tolist(),
            assembly.tolist(),
            strict=True,
        )
    )
    graph.add_edges_from(
        (names[u], names[v], _edge_data(lead, cost, pipe, q, attrs.SUPPLY))
        for u, v, lead, cost, pipe, q in zip(
            source.tolist(),
            target.tolist(),
            lead_time.tolist(),
            supply_cost.tolist(),
            pipeline.tolist(),
            quantity.tolist(),
            strict=True,
        )
    )
    if transshipment:
        _add_transshipment(graph, topology, rng)
    return graph


def _holding_costs(topology: _Topology, plant: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Holding costs in topological order: never lower than the most expensive supplier's."""
    n = len(topology.names)
    suppliers = _suppliers(topology.source, topology.target, n)
    demand, plant = topology.demand.tolist(), plant.tolist()
    # L: the most middle nodes (neither source, plant nor demand node) on a path; each adds 1/L of the
    # 0.4-1.0 that takes a plant's 0.1-0.5 to a DC's 0.5-1.5.
    levels = [0] * n
    for v in range(n):
        if suppliers[v]:
            middle = not (plant[v] or demand[v])
            levels[v] = max(levels[u] for u in suppliers[v]) + middle
    depth = max(1, max(levels))
    holding, draw = [0.0] * n, draw.tolist()
    for v in range(n):
        if not suppliers[v]:
            continue
        above = max(holding[u] for u in suppliers[v])
        if demand[v]:
            holding[v] = max(above, 0.5) + 0.5 + draw[v]
        elif plant[v]:
            holding[v] = 0.1 + 0.4 * draw[v]
        else:
            holding[v] = above + (0.4 + 0.6 * draw[v]) / depth
    return np.array(holding)


def _suppliers(source: np.ndarray, target: np.ndarray, n: int) -> list[list[int]]:
    """Supplier indices of each node (edges are sorted by target)."""
    bounds = np.searchsorted(target, np.arange(n + 1)).tolist()
    source = source.tolist()
    return [source[bounds[v] : bounds[v + 1]] for v in range(n)]


def _served_demand(
    source: np.ndarray, target: np.ndarray, share: np.ndarray, served: np.ndarray
) -> np.ndarray:
    """Add to every node the demand its customers pass up: ``served[v] * share`` per edge ``u -> v``."""
    total = served.tolist()
    # Edges are sorted by target and every supplier precedes its customer, so walking them backwards
    # finishes a node's total before any edge into it is read.
    for u, v, w in zip(source.tolist()[::-1], target.tolist()[::-1], share.tolist()[::-1], strict=True):
        total[u] += total[v] * w
    return np.array(total)


def _add_transshipment(graph: nx.DiGraph, topology: _Topology, rng: np.random.Generator) -> None:
    """Transshipment both ways between random pairs of stores with the same first supplier."""
    stores = np.flatnonzero(topology.demand)
    first = np.searchsorted(topology.target, stores)
    supplier = topology.source[first]
    order = np.argsort(supplier, kind="stable")
    groups = [g for g in np.split(stores[order], np.flatnonzero(np.diff(supplier[order])) + 1) if g.size > 1]
    pairs = max(1, stores.size // STORES_PER_TRANSSHIPMENT_PAIR)
    pick_group = rng.integers(0, max(1, len(groups)), size=pairs)
    pick_a, pick_b = rng.random(pairs), rng.random(pairs)
    lead_time = rng.integers(0, 2, size=2 * pairs).tolist()  # one per direction
    unit_cost = np.round(0.2 + 0.8 * rng.random(2 * pairs), 3).tolist()
    if not groups:
        return
    names, seen = topology.names, set()
    for k in range(pairs):
        group = groups[int(pick_group[k])]
        a = int(pick_a[k] * group.size)
        b = int(pick_b[k] * (group.size - 1))
        b += b >= a
        pair = (int(group[min(a, b)]), int(group[max(a, b)]))
        if pair in seen:
            continue
        seen.add(pair)
        u, v = names[pair[0]], names[pair[1]]
        graph.add_edge(u, v, **_edge_data(lead_time[2 * k], unit_cost[2 * k], 0.0, 1.0, attrs.TRANSSHIPMENT))
        graph.add_edge(
            v, u, **_edge_data(lead_time[2 * k + 1], unit_cost[2 * k + 1], 0.0, 1.0, attrs.TRANSSHIPMENT)
        )


def _node_data(
    holding_cost: float,
    initial_inventory: float,
    capacity: float,
    demand: dict | None,
    shortage_cost: float | None,
    price: float,
    external_supply: bool,
    assembly: bool,
) -> dict:
    """A node's attributes, keyed and ordered as the loader leaves them (NaN capacity = unlimited)."""
    data: dict = {
        attrs.HOLDING_COST: holding_cost,
        attrs.PROCESSING_TIME: attrs.NODE_DEFAULTS[attrs.PROCESSING_TIME],
        attrs.INITIAL_INVENTORY: initial_inventory,
    }
    if capacity == capacity:
        data[attrs.CAPACITY] = capacity
    data[attrs.OPERATING_COST] = attrs.NODE_DEFAULTS[attrs.OPERATING_COST]
    data[attrs.YIELD] = attrs.NODE_DEFAULTS[attrs.YIELD]
    if demand is not None:
        data[attrs.DEMAND] = demand
        data[attrs.SHORTAGE_COST] = shortage_cost
    data[attrs.BACKLOG] = True
    data[attrs.PRICE] = price
    if external_supply:
        data[attrs.EXTERNAL_SUPPLY] = True
    data[attrs.ASSEMBLY] = assembly
    return data


def _edge_data(
    lead_time: int, unit_cost: float, pipeline_holding_cost: float, quantity: float, kind: str
) -> dict:
    """An edge's attributes, keyed and ordered as the loader leaves them."""
    return {
        attrs.LEAD_TIME: lead_time,
        attrs.UNIT_COST: unit_cost,
        attrs.PIPELINE_HOLDING_COST: pipeline_holding_cost,
        attrs.QUANTITY: quantity,
        attrs.KIND: kind,
        attrs.FIXED_ORDER_COST: attrs.EDGE_DEFAULTS[attrs.FIXED_ORDER_COST],
        attrs.EDGE_BACKLOG: attrs.EDGE_DEFAULTS[attrs.EDGE_BACKLOG],
    }


# --------------------------------------------------------------------------------------------------
# arguments


def _kind(kind: NetworkKind | str) -> NetworkKind:
    try:
        return NetworkKind(kind)
    except ValueError:
        valid = [k.value for k in NetworkKind]
        close = difflib.get_close_matches(str(kind), valid, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(
            f"generate: unknown network kind {kind!r}{hint}; expected one of {', '.join(valid)}"
        ) from None


def _count(label: str, value: int, minimum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(f"generate: {label} must be an integer, got {value!r}")
    if value < minimum:
        raise InputError(f"generate: {what} needs {label} >= {minimum}, got {value}")
    return int(value)


def _description(kind: NetworkKind, seed: int) -> str:
    return f"Synthetic {kind} network from netinv.network.generators (seed {seed})."


def add_guaranteed_service_data(graph: nx.DiGraph, seed: int, *, max_processing_time: int = 10,
                                service_level: float = 0.95, max_service_time: int = 3) -> nx.DiGraph:
    """Give a generated network what the guaranteed-service model reads (in place; returns it):
    ``processing_time`` U{1..max_processing_time} at every stage with a supplier (0 at external
    sources, which the model treats as external suppliers), ``service_level`` at demand nodes and
    ``max_service_time`` U{0..max_service_time} there. Holding costs, demand and lead times stay."""
    rng = np.random.default_rng(seed)
    for n in graph.nodes:
        data = graph.nodes[n]
        has_supplier = any(graph.edges[u, n].get(attrs.KIND, attrs.SUPPLY) == attrs.SUPPLY for u in graph.predecessors(n))
        data[attrs.PROCESSING_TIME] = int(rng.integers(1, max_processing_time + 1)) if has_supplier else 0
        if data.get(attrs.DEMAND) is not None:
            data[attrs.SERVICE_LEVEL] = service_level
            data[attrs.MAX_SERVICE_TIME] = int(rng.integers(0, max_service_time + 1))
    return graph
