"""The teacher of the GNN policy and the recorder that labels states with its decisions.

Teacher
-------
The teacher is the exact stochastic rolling-horizon policy (:class:`~netinv.policies.rolling.RollingHorizon`
with ``stochastic=True``): every period, for every path, it draws K demand scenarios, solves the
two-stage sample-average planning model over the next H periods with HiGHS, and applies the plan's
first-period orders. :class:`TeacherConfig` holds its settings; the defaults are

- **scenarios K = 10**, Latin hypercube draws;
- **horizon H = the network's longest supply path + 4 periods**, where a path's length counts
  ``lead_time + 1`` periods per edge (what an order at the top of the path takes to reach a demand
  node and be sold): :func:`planning_horizon`. A fixed window is a poor teacher on the generated
  networks, whose supply paths take up to about 25 periods: with H = 8 an upstream order cannot reach
  the customers inside the window, so the plan never places one (on a 6-stage serial line the policy
  lost 2,032 per period where tuned base-stock lost 39; with H = longest path + 4 it lost 37, and on a
  15-node distribution network it made 1,717 per period against base-stock's 1,117 and -54,964 with
  H = 8; 40 periods x 4 paths, table (a) of ``benchmarks/bench_dataset.py``).
- HiGHS on **one thread** (the solves are small; the dataset runs one process per core and its results
  must not depend on the number of threads).

Episodes: the teacher plans either for an episode of T periods (its window cut at T, as the published
stochastic program of Perez et al. 2021 does) or for an endless one; the recorder shows the features the
same episode (the ``periods_left`` feature), so that labels and features agree.

The scenario draws depend only on the teacher's seed, the period and the path's state, so the teacher is
a pure function of the state: re-run on a recorded state it gives the recorded orders (HiGHS' warm start
could pick another of several optimal plans where the LP has ties; the tests re-run every recorded state
of their networks, cold, and find the same orders).

Recorder
--------
:class:`Recorder` is a simulator policy (:class:`netinv.policies.base.Policy`). Each period it

1. builds the state graph of all B paths (:func:`~netinv.learn.features.state_graph`),
2. asks the teacher for its orders on every path's state (the labels) and the plan objectives
   (:func:`teacher_state`: float32 noise below zero removed first),
3. keeps one sample per path (:func:`make_samples`), and
4. returns the orders of the *driving* policy: the teacher itself (DAgger round 0) or a learner
   (a :class:`~netinv.learn.policy.GNNPolicy`), whose orders are replaced, per path and period, by the
   teacher's with probability ``beta`` (a seeded generator; DAgger's mixing). With a learner the labels
   are the teacher's decisions on the states the learner itself visits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import networkx as nx
import numpy as np
import torch
from torch_geometric.data import Data

from netinv.errors import InputError
from netinv.exact.highs import SolverOptions
from netinv.exact.planning import objective_form
from netinv.learn.features import NetworkFeatures, network_features, path_graphs, state_graph
from netinv.network.compile import NetworkArrays
from netinv.policies.rolling import RollingHorizon, RollingHorizonConfig
from netinv.sim.state import SimState

SAMPLE_FIELDS = ("y", "objective", "network", "period", "round")
"""Fields a sample carries beyond those of :func:`~netinv.learn.features.path_graphs`."""


@dataclass(frozen=True)
class TeacherConfig:
    """Settings of the teacher (the stochastic rolling-horizon policy).

    scenarios: K demand scenarios per solve.
    horizon: window H in periods; ``None`` = :func:`planning_horizon` of each network (longest supply
        path + ``slack``).
    slack: periods added to the longest supply path when ``horizon`` is ``None``.
    stratified: Latin hypercube scenario draws (True) or independent draws.
    seed: seed of the scenario draws.
    threads: HiGHS threads per solve.
    """

    scenarios: int = 10
    horizon: int | None = None
    slack: int = 4
    stratified: bool = True
    seed: int = 0
    threads: int = 1

    def __post_init__(self):
        if self.scenarios < 1:
            raise InputError(f"teacher: scenarios must be >= 1, got {self.scenarios}")
        if self.horizon is not None and self.horizon < 1:
            raise InputError(f"teacher: horizon must be >= 1 period, got {self.horizon}")
        if self.slack < 0:
            raise InputError(f"teacher: slack must be >= 0 periods, got {self.slack}")

    def window(self, arrays: NetworkArrays) -> int:
        """The planning window H used on ``arrays``."""
        return self.horizon if self.horizon is not None else planning_horizon(arrays, slack=self.slack)


def planning_horizon(arrays: NetworkArrays, *, slack: int = 4) -> int:
    """Longest supply path in periods, counting ``lead_time + 1`` per edge, plus ``slack`` (at least 1).

    An order placed in period t on edge e arrives in t + L_e and can be shipped on from t + L_e + 1, so
    an order at the top of a path reaches the end of the path (and its customers) about this many
    periods later: a shorter window cannot see it pay.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(range(arrays.num_nodes))
    graph.add_weighted_edges_from(
        zip(arrays.edge_source.tolist(), arrays.edge_target.tolist(), (arrays.lead_time + 1).tolist())
    )
    longest = int(nx.dag_longest_path_length(graph)) if arrays.num_edges else 0
    return max(1, longest + slack)


def make_teacher(arrays: NetworkArrays, config: TeacherConfig = TeacherConfig(), *,
                 periods: int | None = None) -> RollingHorizon:
    """The teacher policy for ``arrays``: stochastic rolling horizon with ``config``'s settings.

    ``periods``: the length T of the episode the teacher plans for; the window then shrinks to the periods
    left near its end (nothing is ordered that cannot sell in time), the behaviour the ``periods_left``
    feature lets the GNN learn. ``None``: an endless episode (the window always H periods long). Give
    the :class:`Recorder` the same ``periods``.
    """
    return RollingHorizon(
        RollingHorizonConfig(
            stochastic=True,
            horizon=config.window(arrays),
            periods=periods,
            scenarios=config.scenarios,
            seed=config.seed,
            stratified=config.stratified,
            solver=SolverOptions(threads=config.threads),
        )
    )


def make_samples(data: Data, orders: np.ndarray, objectives: np.ndarray, *, network: NetworkFeatures,
                 network_id: int, period: int, round: int, profit: bool = True) -> list[Data]:
    """One sample per path of a state graph ``data`` (x of shape (N, B, F)).

    Each sample is an element of :func:`~netinv.learn.features.path_graphs` (all its fields) plus

    - ``y`` (E,) float32: the teacher's orders ``orders[:, b]`` (units of each edge's source) divided by
      ``edge_scale`` [mu], i.e. in the model's output units;
    - ``objective`` (1,) float32: the teacher plan's objective ``objectives[b]`` (its expected total over
      the planning window, H periods or fewer where an episode ends) divided by
      ``cost_scale * demand_scale``, as a profit (higher is better; a cost is negated when ``profit``
      is False);
    - ``network`` (1,) int64: ``network_id``; ``period`` (1,) int64; ``round`` (1,) int64 (DAgger round).
    """
    edge_scale = data.edge_scale.numpy()[:, None]
    labels = (np.asarray(orders, dtype=np.float32) / edge_scale).astype(np.float32)
    sign = 1.0 if profit else -1.0
    value = sign * np.asarray(objectives, dtype=np.float64) / (network.cost_scale * network.demand_scale)
    out = []
    for b, graph in enumerate(path_graphs(data)):
        graph.y = torch.from_numpy(np.ascontiguousarray(labels[:, b]))
        graph.objective = torch.tensor([value[b]], dtype=torch.float32)
        graph.network = torch.tensor([network_id], dtype=torch.int64)
        graph.period = torch.tensor([period], dtype=torch.int64)
        graph.round = torch.tensor([round], dtype=torch.int64)
        out.append(graph)
    return out


def teacher_state(state: SimState) -> SimState:
    """``state`` as the teacher plans from it: stock, components and pipeline at least 0.

    The simulator works in float32, and assembling kits can leave a component count a hair below zero
    (-6e-5 seen on a 26-node assembly tree); the planning model, whose stocks are non-negative, is then
    infeasible. Such noise is set to 0 (a copy; the simulator's state is untouched).
    """
    return dataclasses.replace(state, on_hand=np.maximum(state.on_hand, 0.0),
                               components=np.maximum(state.components, 0.0),
                               pipeline=np.maximum(state.pipeline, 0.0))


class Recorder:
    """Label every path's state with the teacher's decision; execute the driving policy's orders.

    teacher: the labelling policy (a :class:`RollingHorizon`; its ``last_objectives`` are read after each
        call).
    learner: the driving policy (a simulator policy, e.g. :class:`~netinv.learn.policy.GNNPolicy`), or
        ``None`` to drive with the teacher (DAgger round 0).
    beta: probability that a path executes the teacher's orders instead of the learner's in a period
        (ignored without a learner).
    seed: seed of the mixing draws (one uniform per path and period, drawn whenever a learner drives).
    network_id / round: written into every sample.
    periods: the episode length T that the teacher plans for (give it the same ``periods`` in
        :func:`make_teacher`) and that the features and the learner see (``periods_left``), or ``None`` for
        an endless episode: the teacher never sees an end, and ``periods_left`` is 1 whatever the
        simulation's length. The simulator's own horizon on the state is replaced by this one.

    After a simulation, ``samples_`` holds the samples in order (period, then path) and
    ``teacher_executed_`` counts the (path, period) pairs that executed the teacher's orders.
    """

    def __init__(self, teacher: RollingHorizon, *, learner=None, beta: float = 0.0, seed: int = 0,
                 network_id: int = 0, round: int = 0, periods: int | None = None, name: str = "recorder"):
        if not 0.0 <= beta <= 1.0:
            raise InputError(f"beta: must be in [0, 1], got {beta}")
        self.teacher = teacher
        self.learner = learner
        self.beta = beta
        self.seed = seed
        self.network_id = network_id
        self.round = round
        self.periods = periods
        self.name = name

    def prepare(self, arrays: NetworkArrays, paths: int) -> None:
        self.teacher.prepare(arrays, paths)
        if self.learner is not None:
            self.learner.prepare(arrays, paths)
        self.network_: NetworkFeatures = network_features(arrays)
        self.profit_ = objective_form(arrays) == "profit"
        self.rng_ = np.random.default_rng(self.seed)
        self.samples_: list[Data] = []
        self.teacher_executed_ = 0

    def orders(self, state) -> np.ndarray:
        state = dataclasses.replace(state, periods=self.periods)  # the episode the labels are for
        data = state_graph(self.network_, state)
        labels = self.teacher.orders(teacher_state(state))
        self.samples_ += make_samples(data, labels, self.teacher.last_objectives, network=self.network_,
                                      network_id=self.network_id, period=int(state.t), round=self.round,
                                      profit=self.profit_)
        if self.learner is None:
            self.teacher_executed_ += state.paths
            return labels
        executed = np.array(self.learner.orders(state), dtype=np.float32)
        use_teacher = self.rng_.random(state.paths) < self.beta
        executed[:, use_teacher] = labels[:, use_teacher]
        self.teacher_executed_ += int(use_teacher.sum())
        return executed
