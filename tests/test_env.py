"""The Gymnasium environments: gymnasium's own checker, and cross-checks against netinv's simulator."""

from __future__ import annotations

import doctest
import subprocess
import sys

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import netinv.env
from netinv.demand.paths import read_demand_paths
from netinv.env import PEREZ_ENV_ID, NetworkEnv, VectorNetworkEnv
from netinv.errors import InputError
from netinv.network import load
from netinv.network.compile import compile_network
from netinv.network.generators import generate
from netinv.policies.levels import best_levels
from netinv.sim import SimConfig, simulate
from tests.conftest import SCENARIOS

PEREZ = SCENARIOS / "perez2021_network.yaml"
PEREZ_PATHS = SCENARIOS / "perez2021_demand_paths_backlog.csv"


@pytest.fixture(scope="module")
def perez():
    graph = load(PEREZ)
    arrays = compile_network(graph)
    paths = read_demand_paths(PEREZ_PATHS, arrays.node_ids[arrays.demand_slice])  # (100, 30, 1)
    return graph, arrays, paths


class Replay:
    """A policy that places a given order plan (T, E, B), whatever the state."""

    name = "replay"

    def __init__(self, plan):
        self.plan = plan

    def prepare(self, arrays, paths):
        pass

    def orders(self, state):
        return self.plan[state.t]


def roll(env, decide):
    """Plays one episode of a vector env; ``decide(env)`` -> actions (B, E). Returns the summed rewards."""
    env.reset()
    total = np.zeros(env.num_envs)
    for t in range(env.periods):
        _, reward, terminated, truncated, _ = env.step(decide(env))
        total += reward
        assert not terminated.any()
        assert truncated.all() == (t == env.periods - 1) and truncated.all() == truncated.any()
    return total


def random_plan(rng, periods, arrays, paths, high):
    return rng.uniform(0.0, high, size=(periods, paths, arrays.num_edges)).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# gymnasium's checker


@pytest.mark.filterwarnings("ignore:.*Box.*:UserWarning")
@pytest.mark.parametrize("max_order", [None, 100.0])
def test_check_env_on_perez(max_order):
    check_env(NetworkEnv(PEREZ, periods=30, seed=0, max_order=max_order, scale="demand"), skip_render_check=True)


@pytest.mark.filterwarnings("ignore:.*Box.*:UserWarning")
def test_check_env_on_an_assembly_network():
    env = NetworkEnv(generate("assembly", 8, seed=3), periods=10, max_order=50.0)
    assert "components" in env.layout.slices
    check_env(env, skip_render_check=True)


def test_module_docstring_example_runs():
    result = doctest.testmod(netinv.env, raise_on_error=False)
    assert result.attempted >= 5 and result.failed == 0


# --------------------------------------------------------------------------------------------------
# cross-checks with the simulator


@pytest.mark.parametrize("scale", [1.0, "demand"])
def test_base_stock_through_vector_env_equals_simulation_on_published_paths(perez, scale):
    """The 9-node published network, its 100 published demand paths: a base-stock policy ordering on
    the env's state earns, path by path, the total profit netinv's simulation of it reports."""
    graph, arrays, paths = perez
    levels = best_levels(graph, "newsvendor")
    env = VectorNetworkEnv(arrays, num_envs=100, demand=paths, scale=scale)
    agent = levels.policy()
    agent.prepare(arrays, env.num_envs)
    total = roll(env, lambda e: agent.orders(e.state).T / e.scale)
    result = simulate(arrays, levels.policy(), SimConfig(periods=30, paths=100), demand=paths.transpose(1, 2, 0))
    expected = result.path_profits * 30
    np.testing.assert_allclose(total, expected, rtol=1e-5, atol=1e-3)
    assert abs(total.mean() - expected.mean()) < 1e-3
    assert np.ptp(total) > 10  # the paths differ: the comparison is path by path, not of one number


def test_random_orders_through_vector_env_equal_their_replay_in_the_simulator(perez):
    """Random orders (beyond what sources can ship, onto edges that drop unfilled orders) are made
    feasible by the env exactly as by the simulator."""
    _, arrays, paths = perez
    plan = random_plan(np.random.default_rng(1), 30, arrays, 100, 80.0)
    env = VectorNetworkEnv(PEREZ, num_envs=100, demand=PEREZ_PATHS)
    steps = iter(plan)
    total = roll(env, lambda e: next(steps))
    result = simulate(arrays, Replay(plan.transpose(0, 2, 1)), SimConfig(periods=30, paths=100),
                      demand=paths.transpose(1, 2, 0))
    np.testing.assert_allclose(total, result.path_profits * 30, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("kind, nodes", [("general", 12), ("assembly", 8), ("distribution", 14)])
def test_base_stock_through_vector_env_equals_simulation_on_generated_networks(kind, nodes):
    """Sampled demand: the first episode after reset(seed=s) sees what simulate draws with seed s."""
    graph = generate(kind, nodes, seed=3)
    arrays = compile_network(graph)
    levels = best_levels(graph, "newsvendor")
    env = VectorNetworkEnv(graph, num_envs=16, periods=40, seed=7, reward_scale=0.5)
    agent = levels.policy()
    agent.prepare(arrays, env.num_envs)
    total = roll(env, lambda e: agent.orders(e.state).T)
    result = simulate(arrays, levels.policy(), SimConfig(periods=40, paths=16, seed=7))
    np.testing.assert_allclose(total, 0.5 * result.path_profits * 40, rtol=1e-5, atol=1e-3)


def test_observation_matches_the_documented_layout(perez):
    _, arrays, paths = perez
    env = VectorNetworkEnv(arrays, num_envs=4, demand=paths, scale=20.0)
    env.reset()
    plan = random_plan(np.random.default_rng(2), 7, arrays, 4, 3.0)
    for action in plan:
        obs, reward, _, _, info = env.step(action)
    slices, s = env.layout.slices, env.state
    assert obs.shape == (4, env.layout.size) == env.observation_space.shape
    np.testing.assert_allclose(obs[:, slices["on_hand"]] * 20, info["on_hand"], rtol=1e-6)
    np.testing.assert_allclose(obs[:, slices["backlog"]] * 20, info["backlog"], rtol=1e-6)
    np.testing.assert_allclose(obs[:, slices["owed"]] * 20, info["owed"], rtol=1e-6)
    np.testing.assert_allclose(obs[:, slices["position"]] * 20, s.inventory_position().T, rtol=1e-6)
    # the pipeline slots of each edge add up to what is in transit on it
    pipeline = obs[:, slices["pipeline"]] * 20
    edges = np.repeat(np.arange(arrays.num_edges), arrays.lead_time)
    per_edge = np.zeros((4, arrays.num_edges))
    np.add.at(per_edge.T, edges, pipeline.T)
    np.testing.assert_allclose(per_edge, info["in_transit"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(obs[:, slices["period"]], 7 / 30)
    np.testing.assert_array_equal(info["demand"], paths[:4, 6, :])
    np.testing.assert_allclose(info["revenue"] - info["cost"], reward, rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# seeding, batching, autoreset


def test_a_seed_reproduces_episodes_and_another_seed_changes_them():
    graph = generate("distribution", 10, seed=1)
    plan = random_plan(np.random.default_rng(0), 25, compile_network(graph), 8, 30.0)

    def episodes(seed):
        env = VectorNetworkEnv(graph, num_envs=8, periods=10)
        env.reset(seed=seed)
        rewards = [env.step(action)[1] for action in plan]  # 2.5 episodes: the autoreset draws too
        return np.array(rewards)

    first = episodes(5)
    np.testing.assert_array_equal(first, episodes(5))
    assert not np.allclose(first, episodes(6))
    # the constructor's seed serves the first reset; reset(seed=5) replays it; reset() draws a new episode
    single = NetworkEnv(graph, periods=10, seed=5)
    totals = []
    for seed in ("constructor", 5, None):
        single.reset() if seed == "constructor" else single.reset(seed=seed)
        totals.append(sum(single.step(plan[t, 0])[1] for t in range(10)))
    assert totals[0] == totals[1] != totals[2]


def test_vector_env_equals_single_env_runs_path_by_path(perez):
    _, arrays, paths = perez
    B = 6
    plan = random_plan(np.random.default_rng(3), 30, arrays, B, 60.0)
    vector = VectorNetworkEnv(arrays, num_envs=B, demand=paths[:B])
    obs, _ = vector.reset()
    vector_obs, vector_rewards = [obs], []
    for action in plan:
        obs, reward, _, _, _ = vector.step(action)
        vector_obs.append(obs)
        vector_rewards.append(reward)
    for b in range(B):
        single = NetworkEnv(arrays, demand=paths[b:b + 1])
        obs, _ = single.reset()
        np.testing.assert_allclose(obs, vector_obs[0][b])
        for t, action in enumerate(plan[:, b]):
            obs, reward, terminated, truncated, _ = single.step(action)
            np.testing.assert_allclose(obs, vector_obs[t + 1][b], rtol=1e-6, atol=1e-4)
            np.testing.assert_allclose(reward, vector_rewards[t][b], rtol=1e-6, atol=1e-6)
            assert truncated == (t == 29) and not terminated


def test_next_step_autoreset_starts_the_next_paths(perez):
    _, arrays, paths = perez
    env = VectorNetworkEnv(arrays, num_envs=50, demand=paths)  # 100 paths: two episodes of 50
    first_obs, _ = env.reset(seed=0)
    zeros = np.zeros((50, arrays.num_edges), dtype=np.float32)
    for t in range(30):
        _, _, _, truncated, info = env.step(zeros)
        np.testing.assert_array_equal(info["demand"], paths[:50, t])
    assert truncated.all()
    obs, reward, terminated, truncated, _ = env.step(zeros)  # the autoreset step
    np.testing.assert_array_equal(obs, first_obs)
    assert not reward.any() and not terminated.any() and not truncated.any()
    _, _, _, _, info = env.step(zeros)
    np.testing.assert_array_equal(info["demand"], paths[50:, 0])
    env.reset(seed=1)  # a seeded reset starts the fixed paths over
    np.testing.assert_array_equal(env.step(zeros)[4]["demand"], paths[:50, 0])


def test_same_step_autoreset_returns_the_final_observation_in_info(perez):
    _, arrays, paths = perez
    env = VectorNetworkEnv(arrays, num_envs=4, demand=paths, periods=5, autoreset_mode="SameStep")
    first_obs, _ = env.reset()
    zeros = np.zeros((4, arrays.num_edges), dtype=np.float32)
    for _ in range(5):
        obs, _, _, truncated, info = env.step(zeros)
    assert truncated.all() and info["_final_obs"].all()
    np.testing.assert_array_equal(obs, first_obs)
    np.testing.assert_allclose(info["final_obs"][:, -1], 1.0)
    assert info["final_info"]["period"].tolist() == [5] * 4
    assert env.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.SAME_STEP


def test_disabled_autoreset_needs_reset(perez):
    _, arrays, paths = perez
    env = VectorNetworkEnv(arrays, num_envs=2, demand=paths, periods=2, autoreset_mode="Disabled")
    env.reset()
    zeros = np.zeros((2, arrays.num_edges), dtype=np.float32)
    env.step(zeros)
    env.step(zeros)
    with pytest.raises(InputError, match="call reset"):
        env.step(zeros)
    env.reset()
    env.step(zeros)


def test_gymnasium_episode_statistics_wrapper_sums_the_rewards(perez):
    _, arrays, paths = perez
    env = gymnasium.wrappers.vector.RecordEpisodeStatistics(
        VectorNetworkEnv(arrays, num_envs=4, demand=paths, periods=6, max_order=40.0))
    env.reset(seed=0)
    env.action_space.seed(0)
    total = np.zeros(4)
    for _ in range(6):
        _, reward, _, _, info = env.step(env.action_space.sample())
        total += reward
    np.testing.assert_allclose(info["episode"]["r"], total)
    assert info["episode"]["l"].tolist() == [6] * 4


# --------------------------------------------------------------------------------------------------
# registration


def test_registered_ids_make_both_environments():
    env = gymnasium.make(PEREZ_ENV_ID)
    assert isinstance(env.unwrapped, NetworkEnv) and env.unwrapped.periods == 30
    vector = gymnasium.make_vec(PEREZ_ENV_ID, num_envs=4, vectorization_mode="vector_entry_point")
    assert isinstance(vector, VectorNetworkEnv) and vector.num_envs == 4
    obs, _ = vector.reset(seed=0)
    assert obs.shape == (4, vector.layout.size)
    custom = gymnasium.make("netinv/Network-v0", network=str(PEREZ), periods=3)
    assert custom.unwrapped.periods == 3


def test_importing_netinv_does_not_import_gymnasium():
    code = ("import sys, netinv, netinv.cli, netinv.network, netinv.sim, netinv.policies; "
            "print('gymnasium' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("kwargs, message", [
    ({"periods": 0}, "periods must be an integer >= 1"),
    ({"periods": 2.5}, "periods must be an integer >= 1"),
    ({"scale": -1.0}, "scale must be"),
    ({"scale": "units"}, "scale must be"),
    ({"reward_scale": 0}, "reward_scale must be"),
    ({"max_order": float("inf")}, "max_order must be"),
    ({"seed": -3}, "seed must be"),
    ({"num_envs": 0}, "num_envs must be"),
    ({"autoreset_mode": "sometimes"}, "autoreset_mode must be one of"),
    ({"demand": np.ones((3, 30))}, r"demand must have shape \(paths, periods, demand nodes=1\)"),
    ({"demand": -np.ones((3, 30, 1))}, "finite and >= 0"),
    ({"demand": PEREZ_PATHS, "periods": 31}, "has 30 periods, periods asks for 31"),
    ({"demand": SCENARIOS / "missing.csv"}, "file not found"),
])
def test_bad_arguments_are_one_line_input_errors(kwargs, message):
    with pytest.raises(InputError, match=message) as err:
        VectorNetworkEnv(PEREZ, **kwargs)
    assert "\n" not in str(err.value)


def test_bad_network_and_bad_actions_are_input_errors():
    with pytest.raises(InputError, match="network must be a scenario file path"):
        NetworkEnv(42)
    env = VectorNetworkEnv(PEREZ, num_envs=3, periods=4)
    with pytest.raises(InputError, match="call reset"):
        env.step(np.zeros((3, 11)))
    env.reset()
    with pytest.raises(InputError, match=r"action must have shape \(3, 11\), got \(11,\)"):
        env.step(np.zeros(11))
    with pytest.raises(InputError, match="finite"):
        env.step(np.full((3, 11), np.nan))
    with pytest.raises(InputError, match="options are not supported"):
        env.reset(options={"reset_mask": np.ones(3, bool)})
    single = NetworkEnv(PEREZ, periods=1)
    single.reset()
    single.step(np.zeros(11, dtype=np.float32))
    with pytest.raises(InputError, match="episode is over"):
        single.step(np.zeros(11, dtype=np.float32))


def test_round_orders_plays_the_orders_rounded_half_to_even_as_or_gym(perez):
    """OR-Gym mode: fractional orders (halves included) played with ``round_orders=True`` give exactly the
    run of the same orders rounded beforehand (half to even, Python's round) without it; and a whole
    orders' run differs from the fractional one, so the option is what made the difference."""
    _, arrays, _ = perez
    rng = np.random.default_rng(5)
    plan = random_plan(rng, 30, arrays, 8, 60.0)
    plan[:, :, 0] = 2.5  # halves round to even: 2.5 -> 2, 3.5 -> 4
    plan[:, :, 1] = 3.5
    rounded = np.array([[[round(float(x)) for x in row] for row in step] for step in plan], dtype=np.float32)
    assert rounded[0, 0, 0] == 2 and rounded[0, 0, 1] == 4

    def total(orders, **options):
        env = VectorNetworkEnv(PEREZ, num_envs=8, demand=PEREZ_PATHS, **options)
        steps = iter(orders)
        return roll(env, lambda e: next(steps))

    np.testing.assert_array_equal(total(plan, round_orders=True), total(rounded))
    assert not np.array_equal(total(plan), total(rounded))
    with pytest.raises(InputError, match="round_orders"):
        VectorNetworkEnv(PEREZ, num_envs=2, round_orders="yes")
