"""A reference solver for tiny inventory-routing instances: every route set and every integer quantity.

For each period every set of visited customers, every partition of it into at most K routes (each route
in its cheapest visiting order, by trying every order) and every integer delivery to the visited
customers (0.. up to the maximum level under ``ml``, exactly up to it under ``ou``) is enumerated; plans
that reach the same stock levels are merged (a forward dynamic program over the levels, which keeps the
enumeration exact). Meant for 2-4 customers and H <= 3 with small levels: it checks the branch and cut.
"""

from __future__ import annotations

import itertools

import numpy as np

from netinv.irp.instance import IrpInstance
from netinv.irp.solution import Policy, Routes


def partitions(items: tuple[int, ...]):
    """Every partition of ``items`` into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in partitions(rest):
        yield [(first,), *partition]
        for k in range(len(partition)):
            yield [*partition[:k], (first, *partition[k]), *partition[k + 1:]]


def cheapest_order(route: tuple[int, ...], distance: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """The cheapest visiting order of ``route`` (from and back to the supplier) and its cost."""
    best = (np.inf, route)
    for order in itertools.permutations(route):
        stops = (0, *order, 0)
        cost = float(sum(distance[a, b] for a, b in zip(stops, stops[1:])))
        best = min(best, (cost, order))
    return best


def route_options(instance: IrpInstance) -> list[tuple[float, list[tuple[int, ...]]]]:
    """Every period's routing choice: (routing cost, routes), from no route at all to every partition of
    every customer set into at most K routes."""
    customers = tuple(range(1, instance.customers + 1))
    options = [(0.0, [])]
    for size in range(1, len(customers) + 1):
        for visited in itertools.combinations(customers, size):
            for partition in partitions(visited):
                if len(partition) <= instance.vehicles:
                    priced = [cheapest_order(block, instance.distance) for block in partition]
                    options.append((sum(c for c, _ in priced), [order for _, order in priced]))
    return options


def deliveries(instance: IrpInstance, routes: list[tuple[int, ...]], stock: tuple[int, ...], policy: Policy):
    """Every integer delivery vector (index 0 unused) for the visited customers within capacity."""
    ranges = []
    for route in routes:
        for i in route:
            room = int(instance.max_level[i]) - stock[i]
            ranges.append((i, [room] if policy == Policy.ou else range(room + 1)))
    for amounts in itertools.product(*(r for _, r in ranges)):
        q = [0] * (instance.customers + 1)
        for (i, _), amount in zip(ranges, amounts):
            q[i] = amount
        if all(sum(q[i] for i in route) <= instance.capacity for route in routes):
            yield q


def brute_force(instance: IrpInstance, policy: Policy = Policy.ml) -> tuple[float, Routes, np.ndarray]:
    """The optimal cost, routes and integer deliveries [H, n+1] by full enumeration (see the module)."""
    inst = instance
    start = tuple(int(v) for v in inst.start_stock)
    states = {start: (0.0, [], [])}  # levels (B, I_1..I_n) -> (cost, routes per period, deliveries)
    options = route_options(inst)
    for _ in range(inst.horizon):
        following: dict[tuple[int, ...], tuple[float, list, list]] = {}
        for stock, (cost, routes, sent) in states.items():
            for routing, period_routes in options:
                for q in deliveries(inst, period_routes, stock, policy):
                    level = step(inst, stock, q)
                    if level is None:
                        continue
                    total = cost + routing + holding(inst, level)
                    if level not in following or total < following[level][0] - 1e-12:
                        following[level] = (total, routes + [period_routes], sent + [q])
        states = following
    if not states:
        raise ValueError(f"{inst.name}: no feasible plan")
    cost, routes, sent = min(states.values(), key=lambda item: item[0])
    return cost, routes, np.array(sent, dtype=np.float64)


def step(instance: IrpInstance, stock: tuple[int, ...], q: list[int]) -> tuple[int, ...] | None:
    """End-of-period levels in the DIMACS event order, or ``None`` when a level rule is broken."""
    supplier = stock[0] + int(instance.production) - sum(q[1:])
    if supplier < 0:
        return None
    levels = [supplier]
    for i in range(1, instance.customers + 1):
        level = stock[i] + q[i] - int(instance.consumption[i])
        if level < instance.min_level[i]:
            return None
        levels.append(level)
    return tuple(levels)


def holding(instance: IrpInstance, levels: tuple[int, ...]) -> float:
    return float(np.dot(instance.holding_cost, levels))
