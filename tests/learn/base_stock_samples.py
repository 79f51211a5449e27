"""Samples labelled by base-stock orders on generated networks: a teacher whose orders are known
exactly, for the trainer's tests (and a subprocess of them)."""

from __future__ import annotations

from netinv.learn.policy_samples import policy_samples
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.policies.levels import newsvendor_levels

KINDS = ("serial", "distribution", "general", "assembly")
SMALLEST = {"serial": 3, "distribution": 6, "general": 8, "assembly": 4}


def base_stock_samples(networks: int, *, periods: int = 12, paths: int = 4, warmup: int = 2, nodes: int = 10,
                       seed: int = 0) -> list:
    """``networks`` generated networks (the four kinds in turn, ``nodes`` to ``nodes + 5`` nodes, network
    id k from seed ``seed + k``), each simulated under installation base-stock at newsvendor levels;
    ``(periods - warmup) * paths`` samples per network, y = the base-stock orders in mu units."""
    samples = []
    for k in range(networks):
        kind = KINDS[k % len(KINDS)]
        graph = generate(kind, max(SMALLEST[kind], nodes + k % 6), seed + k)
        arrays = compile_network(graph)
        policy = newsvendor_levels(arrays).policy()
        samples += policy_samples(arrays, policy, network=k, periods=periods, paths=paths, seed=seed + k,
                                  warmup=warmup)
    return samples
