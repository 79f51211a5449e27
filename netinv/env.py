"""Gymnasium environments over netinv's simulator, for researchers who bring their own RL algorithm.

:class:`NetworkEnv` plays one demand path; :class:`VectorNetworkEnv` plays ``num_envs`` = B paths
together, each period in a single call of the vectorized simulator (not B copies of the single
environment). Both run exactly the simulator's period (see :mod:`netinv.sim.simulator` for the order of
events) and pay exactly its accounting, so a policy's summed rewards equal its simulated profit.

A random policy on the 9-node network of Perez et al. (2021), one 30-period episode, its profit:

>>> from netinv.env import SCENARIOS, NetworkEnv
>>> env = NetworkEnv(SCENARIOS / "perez2021_network.yaml", periods=30, seed=0, max_order=40.0)
>>> obs, info = env.reset()
>>> _ = env.action_space.seed(0)
>>> profit = sum(env.step(env.action_space.sample())[1] for _ in range(env.periods))

**Observation** -- a flat ``Box`` of float32 per path (what MLP policies of every RL library take), the
layout in :attr:`NetworkEnv.layout` (``layout.slices[name]``, one label per entry in ``layout.labels``):

==================  =============  ======================================================================
name                entries        meaning (quantities in units / ``scale``)
==================  =============  ======================================================================
``on_hand``         N              stock on hand at each node
``backlog``         D              backordered external demand at each demand node
``position``        N              installation inventory position (net stock + all inbound)
``owed``            E              ordered on each supply edge, not shipped yet by its source
``pipeline``        sum of L_e     shipped on edge e, arriving in k = 0 .. L_e - 1 periods (edge-major)
``components``      E              unused components at assembly nodes (only if the network has any)
``period``          1              t / periods, the fraction of the episode played
==================  =============  ======================================================================

N nodes (in ``arrays.node_ids`` order), D demand nodes (the last D), E supply edges (``arrays.edge_keys``
order), L_e the lead time of edge e. The observation is Markov for the simulator's state. ``info`` holds
the structured state (``on_hand`` (N,), ``backlog`` (D,), ``owed`` (E,), ``in_transit`` (E,)), the
``period`` and, after a step, the period's ``demand`` (D,), ``revenue`` and ``cost``; the vector
environment stacks each on a first axis of length B with gymnasium's ``_key`` masks.

**Action** -- a ``Box(0, max_order / scale, (E,))`` of float32: the order placed on every supply edge, in
units of the edge's source divided by ``scale``. The simulator makes it feasible as usual (negative
orders count as 0, sources ship what they have within capacities, unshipped orders stay owed or are
lost per the edge's ``backlog``); orders above ``max_order`` are cut to it. Without ``max_order`` the
box is unbounded above: give one for libraries that need finite bounds (SAC, DDPG).

**OR-Gym compatibility** -- on the 9-node network this environment plays exactly OR-Gym's network
inventory environment (``NetInvMgmt``; checked to float32 over 400 episodes of feasible whole-number
orders), with two differences of OR-Gym's:

1. OR-Gym rounds every order to a whole number (half to even, as Python's ``round``). netinv keeps
   fractional orders; ``round_orders=True`` rounds them the same way (after the ``max_order`` cut), so
   that an agent trained in either environment meets the same orders in the other.
2. OR-Gym caps each edge's shipment separately by its source's stock (and a factory's capacity): a
   source with two customers can ship up to twice what it has. netinv, like OR-Gym's own LP models,
   applies one joint limit per source (shipments are cut in proportion). With orders a source can fill
   (the usual case for a trained policy) the two agree; netinv keeps the joint limit, there is no
   option for the per-edge one.

**Reward** -- the profit of the period of each path, revenue minus every cost component of
:class:`~netinv.sim.kpis.SimResult` (holding, pipeline holding, shortage, purchase, ordering,
operating), times ``reward_scale``. Transshipment edges are left idle.

**Episodes** end by truncation after ``periods`` steps (``terminated`` is always False). All B paths of a
vector environment start and end together. Autoreset (gymnasium 1.x, ``metadata["autoreset_mode"]``):
``NEXT_STEP`` (the default; the step after the last one ignores its actions and returns the first
observation of the next episode, reward 0), ``SAME_STEP`` (the last step returns the next episode's
first observation; the last one is in ``info["final_obs"]``, its info in ``info["final_info"]``) or
``DISABLED`` (call ``reset()``; a step after the end is an error).

**Demand** -- sampled from the scenario's demand specs, or fixed paths (``demand=`` a CSV read as
``netinv simulate --demand-paths`` reads it, or an array (paths, periods, D)). ``reset(seed=s)`` makes
everything after it reproducible. Sampled: the first episode after ``reset(seed=s)`` sees the demand
that :func:`netinv.sim.simulate` draws with ``SimConfig(seed=s, paths=B)`` (for B <= its block size of
1024 paths); later episodes draw their seeds from the environment's ``np_random``. Fixed paths: the
k-th episode after a seeded reset (or after construction) plays paths ``(k B + b) mod P``, b < B.

Registered ids (importing this module registers them; ``gymnasium.make("netinv.env:netinv/Network-v0",
...)`` imports it for you): ``netinv/Network-v0`` (pass ``network=``; ``gymnasium.make_vec`` with
``vectorization_mode="vector_entry_point"`` builds a :class:`VectorNetworkEnv`) and
``netinv/Perez2021-v0`` (the bundled 9-node network with its 100 published demand paths, 30 periods).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import gymnasium
import networkx as nx
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from netinv.demand.distributions import DemandSampler
from netinv.errors import InputError
from netinv.network.compile import NetworkArrays, compile_network
from netinv.sim.simulator import (  # its step() is the period every env plays
    DEMAND_CHUNK_FLOATS,
    SimConfig,
    Simulation,
)
from netinv.sim.state import SimState

__all__ = ["ENV_ID", "PEREZ_ENV_ID", "EnvConfig", "NetworkEnv", "ObservationLayout", "VectorNetworkEnv"]

ENV_ID = "netinv/Network-v0"
PEREZ_ENV_ID = "netinv/Perez2021-v0"
DEFAULT_PERIODS = 100
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@dataclass(frozen=True)
class EnvConfig:
    """How an environment plays its network (shared by :class:`NetworkEnv` and :class:`VectorNetworkEnv`).

    periods: episode length T [periods]; ``None``: the length of the fixed demand paths, else 100.
    scale: units per unit of observation and action (orders = action x scale); ``"demand"``: the mean
        total external demand per period of the network (of its fixed demand paths when given).
    reward_scale: reward = profit of the period x reward_scale.
    max_order: upper bound of the action box, in units (orders above it are cut to it); ``None``: unbounded.
    seed: seed of the first ``reset()`` that is not given one.
    round_orders: round every order to a whole number (half to even) as OR-Gym does (see the module
        docstring); False keeps fractional orders.
    """

    periods: int | None = None
    scale: float | str = 1.0
    reward_scale: float = 1.0
    max_order: float | None = None
    seed: int | None = None
    round_orders: bool = False

    def __post_init__(self):
        if self.periods is not None and (not _is_int(self.periods) or self.periods < 1):
            raise InputError(f"periods must be an integer >= 1, got {self.periods!r}")
        if self.scale != "demand" and not _positive(self.scale):
            raise InputError(f"scale must be a finite number > 0 or 'demand', got {self.scale!r}")
        if not _positive(self.reward_scale):
            raise InputError(f"reward_scale must be a finite number > 0, got {self.reward_scale!r}")
        if self.max_order is not None and not _positive(self.max_order):
            raise InputError(f"max_order must be a finite number > 0 or None, got {self.max_order!r}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise InputError(f"seed must be an integer >= 0 or None, got {self.seed!r}")
        if not isinstance(self.round_orders, bool):
            raise InputError(f"round_orders must be True or False, got {self.round_orders!r}")


@dataclass(frozen=True)
class ObservationLayout:
    """Where each quantity sits in the flat observation (see the module docstring).

    slices: name -> slice of the observation vector. labels: one readable label per entry, such as
    ``on_hand[1]`` or ``pipeline[4->2][+3]`` (arrives in 3 periods).
    """

    slices: Mapping[str, slice]
    labels: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.labels)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _positive(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and bool(
        np.isfinite(value) and value > 0)


def _load_arrays(network: str | Path | NetworkArrays | nx.DiGraph) -> NetworkArrays:
    if isinstance(network, NetworkArrays):
        return network
    if isinstance(network, nx.DiGraph):
        return compile_network(network)
    if isinstance(network, str | Path):
        from netinv.network import load

        return compile_network(load(network))
    raise InputError(f"network must be a scenario file path, a NetworkArrays or a graph, got {type(network).__name__}")


def _load_demand(demand, arrays: NetworkArrays) -> np.ndarray | None:
    """Fixed demand paths as float32 (paths, periods, D), or None to sample."""
    if demand is None:
        return None
    demand_nodes = arrays.node_ids[arrays.demand_slice]
    if isinstance(demand, str | Path):
        from netinv.demand.paths import read_demand_paths

        demand = read_demand_paths(demand, demand_nodes)
    try:
        paths = np.asarray(demand, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"demand must be a CSV path or an array (paths, periods, {len(demand_nodes)}), "
                         f"got {type(demand).__name__}") from None
    if paths.ndim != 3 or paths.shape[0] < 1 or paths.shape[1] < 1 or paths.shape[2] != len(demand_nodes):
        raise InputError(f"demand must have shape (paths, periods, demand nodes={len(demand_nodes)}), "
                         f"got {paths.shape}")
    if not np.all(np.isfinite(paths)) or paths.min() < 0:
        raise InputError("demand: every value must be finite and >= 0")
    return paths.astype(np.float32)


class _GivenOrders:
    """The simulator's policy slot, holding the orders the agent chose for this period."""

    name = "agent"

    def __init__(self):
        self.current: np.ndarray | None = None

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        pass

    def orders(self, state: SimState) -> np.ndarray:
        return self.current


class _PeriodProfit:
    """Takes the place of the simulator's KPI accumulator: the profit of one period per path, with the
    accounting of :class:`netinv.sim.kpis.SimResult` (same cost components, same state quantities)."""

    record = False

    def __init__(self, arrays: NetworkArrays):
        a = arrays
        ds = a.demand_slice
        self.holding = a.holding_cost
        self.component_holding = a.holding_cost[a.edge_source] if a.assembly.any() else None
        self.pipeline = a.pipeline_holding_cost if a.pipeline_holding_cost.any() else None
        backlog = a.backlog[ds]
        self.backlog_penalty = a.shortage_cost[ds] * backlog
        self.lost_penalty = a.shortage_cost[ds] * ~backlog
        self.shipping = a.purchase_cost + a.operating_cost[a.edge_source]  # per unit shipped on each edge
        self.selling = a.operating_cost[ds]  # per unit sold at each demand node
        self.price = a.price[ds]
        self.fixed_order = a.fixed_order_cost if a.fixed_order_cost.any() else None
        self.demand_index = ds
        self.revenue: np.ndarray | None = None
        self.cost: np.ndarray | None = None

    def add(self, s, orders, shipped, arrived, d, sold, short, lost, backlog_before, trans, measure):
        cost = self.holding @ s.on_hand
        cost += self.backlog_penalty @ s.backlog[self.demand_index]
        cost += self.shipping @ shipped
        if self.component_holding is not None:
            cost += self.component_holding @ s.components
        if self.pipeline is not None:
            cost += self.pipeline @ s.in_transit
        if lost is not None:
            cost += self.lost_penalty @ lost
        if self.fixed_order is not None:
            cost += self.fixed_order @ (orders > 0)
        cost += self.selling @ sold
        self.revenue, self.cost = self.price @ sold, cost


class _Engine:
    """B paths of one network stepped together: the shared core of both environments."""

    def __init__(self, arrays: NetworkArrays, paths: int, config: EnvConfig, demand) -> None:
        if arrays.num_edges == 0:
            raise InputError(f"network '{arrays.name}': has no supply edges, so there is nothing to order")
        if arrays.num_demand_nodes == 0:
            raise InputError(f"network '{arrays.name}': has no demand node")
        self.arrays = a = arrays
        self.paths = paths
        self.fixed = _load_demand(demand, arrays)
        if self.fixed is not None and config.periods is not None and config.periods > self.fixed.shape[1]:
            raise InputError(f"demand: has {self.fixed.shape[1]} periods, periods asks for {config.periods}")
        periods = config.periods or (self.fixed.shape[1] if self.fixed is not None else DEFAULT_PERIODS)
        self.periods = periods
        if config.scale == "demand":
            mean = (float(self.fixed.sum(axis=2).mean()) if self.fixed is not None
                    else float(sum(spec.mean for spec in a.demand_specs)))
            if not mean > 0:
                raise InputError("scale='demand': the network's mean demand is 0; give scale as a number")
            self.scale = mean
        else:
            self.scale = float(config.scale)
        self.reward_scale = float(config.reward_scale)
        self.max_order = config.max_order
        self.round_orders = config.round_orders
        self.policy = _GivenOrders()
        self.simulation = Simulation(a, self.policy, SimConfig(periods=periods, paths=paths))
        self.meter = _PeriodProfit(a)
        self.layout, self._pipeline_edge, self._pipeline_ahead = self._make_layout()
        self.chunk = max(1, min(periods, DEMAND_CHUNK_FLOATS // (a.num_demand_nodes * paths)))
        self.state: SimState | None = None
        self.episode = 0  # episodes since the last seeded reset (fixed demand paths)

    def _make_layout(self):
        a = self.arrays
        nodes = [str(n) for n in a.node_ids]
        edges = [f"{u}->{v}" for u, v in a.edge_keys]
        lead = a.lead_time
        pipeline_edge = np.repeat(np.arange(a.num_edges), lead)
        pipeline_ahead = np.concatenate([np.arange(L) for L in lead]).astype(np.int64) if lead.sum() else \
            np.zeros(0, dtype=np.int64)
        parts = [
            ("on_hand", [f"on_hand[{n}]" for n in nodes]),
            ("backlog", [f"backlog[{n}]" for n in nodes[a.demand_slice]]),
            ("position", [f"position[{n}]" for n in nodes]),
            ("owed", [f"owed[{e}]" for e in edges]),
            ("pipeline", [f"pipeline[{edges[e]}][+{k}]" for e, k in zip(pipeline_edge, pipeline_ahead)]),
        ]
        if a.assembly.any():
            parts.append(("components", [f"components[{e}]" for e in edges]))
        parts.append(("period", ["period"]))
        slices, labels = {}, []
        for name, names in parts:
            slices[name] = slice(len(labels), len(labels) + len(names))
            labels.extend(names)
        return ObservationLayout(MappingProxyType(slices), tuple(labels)), pipeline_edge, pipeline_ahead

    # ------------------------------------------------------------------------------------------
    def spaces(self) -> tuple[spaces.Box, spaces.Box]:
        """The observation and action space of one path."""
        size = self.layout.size
        low = np.full(size, -np.inf, dtype=np.float32)
        high = np.full(size, np.inf, dtype=np.float32)
        low[-1], high[-1] = 0.0, 1.0
        observation = spaces.Box(low, high, dtype=np.float32)
        top = np.inf if self.max_order is None else self.max_order / self.scale
        action = spaces.Box(0.0, np.full(self.arrays.num_edges, top, dtype=np.float32), dtype=np.float32)
        return observation, action

    def start(self, episode_seed: int | None, *, restart: bool) -> None:
        """A new episode: the initial state, and its demand (sampled with ``episode_seed``, or the next
        fixed paths; ``restart`` starts the fixed paths over at path 0)."""
        self.state = SimState.initial(self.arrays, self.paths)
        if self.fixed is not None:
            self.episode = 0 if restart else self.episode + 1
            count = self.fixed.shape[0]
            index = (self.episode * self.paths + np.arange(self.paths)) % count
            self.demand = np.ascontiguousarray(self.fixed[index, :self.periods].transpose(1, 2, 0))
            self.sampler = None
        else:
            self.sampler = DemandSampler(self.arrays.demand_specs, seed=np.random.SeedSequence([episode_seed, 0]))
            self.demand, self.demand_start = None, 0

    def period_demand(self, t: int) -> np.ndarray:
        if self.sampler is None:
            return self.demand[t]
        if self.demand is None or t - self.demand_start >= self.demand.shape[0]:
            self.demand_start = t
            self.demand = self.sampler.draw(t, min(self.chunk, self.periods - t), self.paths)
        return self.demand[t - self.demand_start]

    @property
    def done(self) -> bool:
        return self.state.t >= self.periods

    def step(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Play one period with ``action`` (B, E) in scaled units; returns the period's demand (D, B) and
        the reward of each path (B,)."""
        if self.done:
            raise InputError("the episode is over (truncated): call reset() before step()")
        expected = (self.paths, self.arrays.num_edges)
        orders = np.asarray(action, dtype=np.float32)
        if orders.shape != expected:
            raise InputError(f"action must have shape {expected}, got {orders.shape}")
        if not np.all(np.isfinite(orders)):
            raise InputError("action: every order must be a finite number")
        orders = orders.T * np.float32(self.scale)
        if self.max_order is not None:
            np.minimum(orders, np.float32(self.max_order), out=orders)
        if self.round_orders:
            np.round(orders, out=orders)  # half to even, as OR-Gym's round()
        self.policy.current = orders
        s = self.state
        d = self.period_demand(s.t)
        self.simulation.step(s, d, self.meter)
        s.t += 1
        profit = self.meter.revenue - self.meter.cost
        return d, profit * self.reward_scale

    def observe(self) -> np.ndarray:
        """(B, obs) float32: the observation of every path, a new array (a transposed view of its
        (obs, B) buffer: ``np.ascontiguousarray`` it where a C-ordered copy is needed)."""
        s, a = self.state, self.arrays
        depth = s.pipeline.shape[0]
        parts = [
            s.on_hand,
            s.backlog[a.demand_slice],
            s.inventory_position(),
            s.owed,
            s.pipeline[(s.t + self._pipeline_ahead) % depth, self._pipeline_edge],
        ]
        if "components" in self.layout.slices:
            parts.append(s.components)
        # built path-minor (obs, B), where every part is a block of rows, and returned as its (B, obs) view
        obs = np.empty((self.layout.size, self.paths), dtype=np.float32)
        np.concatenate(parts, axis=0, out=obs[:-1])
        if self.scale != 1.0:
            obs[:-1] /= np.float32(self.scale)
        obs[-1] = min(s.t, self.periods) / self.periods
        return obs.T

    def info(self, demand: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per path, stacked on a first axis of length B: the state (and the period's demand, revenue
        and cost after a step), in units (not scaled). New arrays on every call."""
        s, a = self.state, self.arrays
        out = {
            "period": np.full(self.paths, s.t, dtype=np.int64),
            "on_hand": s.on_hand.copy().T,  # copied as stored, handed out as (B, ...) views
            "backlog": s.backlog[a.demand_slice].copy().T,
            "owed": s.owed.copy().T,
            "in_transit": s.in_transit.copy().T,
        }
        if demand is not None:
            out["demand"] = demand.copy().T
            out["revenue"] = np.array(self.meter.revenue, dtype=np.float64)
            out["cost"] = np.array(self.meter.cost, dtype=np.float64)
        return out


def _check_options(options: dict | None) -> None:
    if options:
        raise InputError(f"reset: options are not supported, got keys {', '.join(map(str, options))}")


class _EngineEnv:
    """What both environments share: the engine playing their paths, its observation layout, the state
    they expose and the start of an episode."""

    def _attach(self, network, paths: int, config: EnvConfig, demand) -> tuple[spaces.Box, spaces.Box]:
        """Load the network, build the engine of ``paths`` paths; returns the spaces of one path."""
        self.config = config
        self.arrays = _load_arrays(network)
        self._engine = _Engine(self.arrays, paths, config, demand)
        self.layout = self._engine.layout
        self.periods = self._engine.periods
        self.scale = self._engine.scale
        return self._engine.spaces()

    @property
    def state(self) -> SimState:
        """The simulator's state (all paths: one for :class:`NetworkEnv`) at the start of the current
        period; read it, do not change it."""
        return self._engine.state

    def _start(self, seed: int | None, options: dict | None) -> None:
        """``reset``: a new episode, seeded by ``seed`` (see :func:`_seed_episode`)."""
        _check_options(options)
        episode_seed = _seed_episode(self, seed)
        self._engine.start(episode_seed, restart=seed is not None or self._engine.state is None)


# --------------------------------------------------------------------------------------------------
class NetworkEnv(_EngineEnv, gymnasium.Env):
    """One demand path of a network as a Gymnasium environment (see the module docstring).

    network: a scenario file path, a :class:`~netinv.network.compile.NetworkArrays` or a loaded graph.
    periods, scale, reward_scale, max_order, seed, round_orders: see :class:`EnvConfig`.
    demand: ``None`` (sample from the scenario), a demand-path CSV, or an array (paths, periods, D).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        network: str | Path | NetworkArrays | nx.DiGraph,
        *,
        periods: int | None = None,
        demand: str | Path | np.ndarray | None = None,
        seed: int | None = None,
        scale: float | str = 1.0,
        reward_scale: float = 1.0,
        max_order: float | None = None,
        round_orders: bool = False,
    ):
        config = EnvConfig(periods=periods, scale=scale, reward_scale=reward_scale, max_order=max_order, seed=seed,
                           round_orders=round_orders)
        self.observation_space, self.action_space = self._attach(network, 1, config, demand)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self._start(seed, options)
        return self._engine.observe()[0], _unbatch(self._engine.info())

    def step(self, action):
        action = np.asarray(action, dtype=np.float32)
        if action.shape != self.action_space.shape:
            raise InputError(f"action must have shape {self.action_space.shape}, got {action.shape}")
        if self._engine.state is None:
            raise InputError("call reset() before step()")
        demand, reward = self._engine.step(action[None, :])
        info = _unbatch(self._engine.info(demand))
        return self._engine.observe()[0], float(reward[0]), False, self._engine.done, info


def _seed_episode(env, seed: int | None) -> int:
    """Seeds gymnasium's ``np_random`` (``super().reset(seed=...)``) and returns the demand seed of the
    episode: ``seed``, the constructor's seed on the first reset, else a draw from ``np_random``."""
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise InputError(f"reset: seed must be an integer >= 0 or None, got {seed!r}")
    if seed is None and env._np_random is None:
        seed = env.config.seed
    if seed is not None:
        if isinstance(env, VectorEnv):
            env._np_random, env._np_random_seed = seeding.np_random(seed)
        else:
            gymnasium.Env.reset(env, seed=seed)
        return int(seed)
    if env._np_random is None:  # no seed anywhere: a fresh random generator
        env._np_random, env._np_random_seed = seeding.np_random(None)
    return int(env._np_random.integers(2**63 - 1))


def _unbatch(info: dict) -> dict:
    return {key: (value[0].item() if value.ndim == 1 else value[0].copy()) for key, value in info.items()}


# --------------------------------------------------------------------------------------------------
class VectorNetworkEnv(_EngineEnv, VectorEnv):
    """``num_envs`` = B demand paths of a network, stepped together by the vectorized simulator.

    Arguments as :class:`NetworkEnv`, plus ``num_envs`` (B) and ``autoreset_mode`` (a
    :class:`gymnasium.vector.AutoresetMode` or its value: ``"NextStep"``, the default, ``"SameStep"``,
    ``"Disabled"``). Observations (B, obs), actions (B, E), rewards (B,) float64.
    """

    def __init__(
        self,
        network: str | Path | NetworkArrays | nx.DiGraph,
        num_envs: int = 1,
        *,
        periods: int | None = None,
        demand: str | Path | np.ndarray | None = None,
        seed: int | None = None,
        scale: float | str = 1.0,
        reward_scale: float = 1.0,
        max_order: float | None = None,
        round_orders: bool = False,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ):
        if not _is_int(num_envs) or num_envs < 1:
            raise InputError(f"num_envs must be an integer >= 1, got {num_envs!r}")
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in AutoresetMode)
            raise InputError(f"autoreset_mode must be one of {choices}, got {autoreset_mode!r}") from None
        config = EnvConfig(periods=periods, scale=scale, reward_scale=reward_scale, max_order=max_order, seed=seed,
                           round_orders=round_orders)
        self.num_envs = int(num_envs)
        self.autoreset_mode = mode
        self.metadata = {"autoreset_mode": mode, "render_modes": []}
        self.single_observation_space, self.single_action_space = self._attach(network, self.num_envs, config, demand)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._np_random = None
        self._np_random_seed = None
        self._reset_next = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self._start(seed, options)
        self._reset_next = False
        return self._engine.observe(), self._masked(self._engine.info())

    def _next_episode(self):
        self._engine.start(_seed_episode(self, None), restart=False)
        return self._engine.observe(), self._masked(self._engine.info())

    def step(self, actions):
        B = self.num_envs
        if self._engine.state is None:
            raise InputError("call reset() before step()")
        if self._reset_next:  # NEXT_STEP: this step starts the next episode
            self._reset_next = False
            obs, info = self._next_episode()
            return obs, np.zeros(B), np.zeros(B, dtype=bool), np.zeros(B, dtype=bool), info
        demand, rewards = self._engine.step(actions)
        info = self._masked(self._engine.info(demand))
        obs = self._engine.observe()
        done = self._engine.done
        truncated = np.full(B, done)
        if done and self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._reset_next = True
        elif done and self.autoreset_mode == AutoresetMode.SAME_STEP:
            final_obs, final_info = obs, info
            obs, info = self._next_episode()
            info.update(final_obs=final_obs, _final_obs=np.ones(B, dtype=bool),
                        final_info=final_info, _final_info=np.ones(B, dtype=bool))
        return obs, np.asarray(rewards, dtype=np.float64), np.zeros(B, dtype=bool), truncated, info

    def _masked(self, info: dict) -> dict:
        out = dict(info)
        for key in info:
            out[f"_{key}"] = np.ones(self.num_envs, dtype=bool)
        return out


# --------------------------------------------------------------------------------------------------
def _register() -> None:
    """Registers the environment ids with gymnasium (once; importing :mod:`netinv` does not do it)."""
    registry = gymnasium.envs.registration.registry
    if ENV_ID not in registry:
        gymnasium.register(id=ENV_ID, entry_point="netinv.env:NetworkEnv",
                           vector_entry_point="netinv.env:VectorNetworkEnv")
    if PEREZ_ENV_ID not in registry:
        perez = {"network": str(SCENARIOS / "perez2021_network.yaml"),
                 "demand": str(SCENARIOS / "perez2021_demand_paths_backlog.csv"), "periods": 30}
        gymnasium.register(id=PEREZ_ENV_ID, entry_point="netinv.env:NetworkEnv",
                           vector_entry_point="netinv.env:VectorNetworkEnv", kwargs=perez)


_register()
