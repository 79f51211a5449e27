"""The random training and evaluation networks: a pure function of (seed, index), every kind drawn."""

from __future__ import annotations

import numpy as np
import pytest

from netinv import attrs
from netinv.errors import InputError
from netinv.learn.sampling import (
    KINDS,
    MIN_NODES,
    SEED_DEMAND,
    SEED_NETWORK,
    network_id,
    network_rng,
    network_seed,
    sample_network,
)


def test_networks_depend_only_on_seed_and_index():
    a, info_a = sample_network(1000, 7)
    b, info_b = sample_network(1000, 7)
    assert info_a == info_b and list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))
    kinds = {sample_network(1000, i)[1]["kind"] for i in range(40)}
    assert kinds == {"serial", "assembly", "distribution", "general"}
    assert all(5 <= sample_network(1000, i)[1]["nodes"] <= 30 for i in range(40))


def test_seeds_are_those_of_the_seed_sequence_of_seed_index_and_purpose():
    expected = np.random.default_rng(np.random.SeedSequence([1000, 3, SEED_NETWORK])).random(4)
    np.testing.assert_array_equal(network_rng(1000, 3, SEED_NETWORK).random(4), expected)
    assert network_seed(1000, 3, SEED_DEMAND) == int(np.random.SeedSequence([1000, 3, SEED_DEMAND]).generate_state(1)[0])
    assert network_seed(1000, 3, SEED_DEMAND) != network_seed(1000, 3, SEED_NETWORK)
    assert network_id(1000, 7) == 1_000_000_007 and network_id(12, 0) == 12_000_000


def test_the_description_matches_the_network():
    graph, info = sample_network(1000, 5, (9, 9), kinds=("general",))
    assert info["kind"] == "general" and info["nodes"] == graph.number_of_nodes() == 9
    assert info["edges"] == graph.number_of_edges() and info["network"] == network_id(1000, 5)
    assert graph.graph[attrs.NAME] == info["name"] == "train_1000_5_general_9"
    capped = sum(data.get(attrs.EDGE_CAPACITY) is not None for _, _, data in graph.edges(data=True))
    assert capped == info["capacitated_edges"]


def test_kinds_too_large_for_the_size_or_unknown_are_one_line_errors():
    assert MIN_NODES["general"] == 8 and set(MIN_NODES) == set(KINDS)
    with pytest.raises(InputError, match="no kind of \\['general'\\] exists with 5 nodes"):
        sample_network(1000, 0, (5, 5), kinds=("general",))
    with pytest.raises(InputError, match="kinds must be among serial, assembly, distribution, general"):
        sample_network(1000, 0, kinds=("ring",))
