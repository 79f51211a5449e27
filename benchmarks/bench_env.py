"""Throughput of the Gymnasium environments (netinv.env) on the 9-node network of Perez et al. (2021).

Steps per second (one step = one period of all B paths) and path-steps per second (B x steps / s) of
NetworkEnv, of gymnasium's SyncVectorEnv over B copies of it, and of VectorNetworkEnv at B = 1, 64,
1024; beside them the simulator alone (netinv.sim.simulate, no environment) at B = 1024. Random orders,
drawn up front; sampled demand; 30-period episodes with autoreset (NEXT_STEP). Best of 3 repeats.

    python benchmarks/bench_env.py [--steps 3000]

Ctrl-C / SIGTERM keeps the finished rows; the same command resumes (see ``benchmarks/_resume.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import machine, table  # noqa: E402
from benchmarks._resume import Finished, run  # noqa: E402
from netinv.env import SCENARIOS, NetworkEnv, VectorNetworkEnv  # noqa: E402
from netinv.network import load  # noqa: E402
from netinv.network.compile import compile_network  # noqa: E402
from netinv.sim import SimConfig, simulate  # noqa: E402

PERIODS = 30


def best_of(repeats, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def plan(steps: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(0).uniform(0.0, 40.0, size=(steps, *shape)).astype(np.float32)


def single_env(arrays, steps):
    env = NetworkEnv(arrays, periods=PERIODS, seed=0)
    actions = plan(steps, (arrays.num_edges,))

    def run():
        env.reset(seed=0)
        for action in actions:
            if env.step(action)[3]:
                env.reset()
    return best_of(3, run)


def best_of_vector_steps(env, actions: np.ndarray) -> float:
    """Best of 3 runs of a vector environment: a reset (seed 0), then one step per row of ``actions``."""

    def run():
        env.reset(seed=0)
        for action in actions:
            env.step(action)
    return best_of(3, run)


def sync_copies(arrays, paths, steps):
    import gymnasium

    env = gymnasium.vector.SyncVectorEnv([lambda: NetworkEnv(arrays, periods=PERIODS) for _ in range(paths)])
    return best_of_vector_steps(env, plan(steps, (paths, arrays.num_edges)))


def vector_env(arrays, paths, steps):
    env = VectorNetworkEnv(arrays, num_envs=paths, periods=PERIODS, seed=0)
    return best_of_vector_steps(env, plan(steps, (paths, arrays.num_edges)))


class _Constant:
    name = "constant"

    def __init__(self, orders):
        self.orders_ = orders

    def prepare(self, arrays, paths):
        pass

    def orders(self, state):
        return self.orders_


def simulator_alone(arrays, paths, steps):
    orders = plan(1, (arrays.num_edges, paths))[0]
    config = SimConfig(periods=steps, paths=paths, seed=0)
    return best_of(3, lambda: simulate(arrays, _Constant(orders), config))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per measurement at B <= 64")
    args = parser.parse_args()
    arrays = compile_network(load(SCENARIOS / "perez2021_network.yaml"))
    big = max(30, args.steps // 10)  # fewer steps at B = 1024
    runs = [
        ("NetworkEnv", 1, args.steps, lambda: single_env(arrays, args.steps)),
        ("SyncVectorEnv of NetworkEnv", 64, args.steps // 10, lambda: sync_copies(arrays, 64, args.steps // 10)),
        ("VectorNetworkEnv", 1, args.steps, lambda: vector_env(arrays, 1, args.steps)),
        ("VectorNetworkEnv", 64, args.steps, lambda: vector_env(arrays, 64, args.steps)),
        ("VectorNetworkEnv", 1024, big, lambda: vector_env(arrays, 1024, big)),
        ("simulate (no env)", 1024, big, lambda: simulator_alone(arrays, 1024, big)),
    ]
    finished = Finished("env")
    rows, base = [], None
    for name, paths, steps, measure in runs:
        seconds = finished.get(f"{name} {paths}", measure)
        path_steps = paths * steps / seconds
        base = base or path_steps
        rows.append([name, paths, steps, f"{steps / seconds:,.0f}", f"{path_steps:,.0f}",
                     f"{path_steps / base:.1f}x"])
    print(f"Machine: {machine()}\n")
    print(table(["environment", "B", "steps", "steps/s", "path-steps/s", "vs NetworkEnv"], rows))
    if finished.note():
        print("\n" + finished.note())
    finished.done()


if __name__ == "__main__":
    run(main)
