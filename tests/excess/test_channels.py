"""netinv.excess.channels: the scenario's excess block read, and every mistake one line naming the place."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from netinv.errors import InvalidNetworkError
from netinv.excess.channels import read_settings

GRAPH = nx.DiGraph([("dc", "store")])


def test_block_is_read():
    block = {"horizon": 6, "batch": 5, "thresholds": {"k": 4, "max_age": 10},
             "nodes": {"store": {"value": 9, "markdown": [{"discount": 0.25, "units_per_period": 3}],
                                 "return": {"contract": "buyback:w=10,b=6", "capacity": 20, "until": 3},
                                 "donation": {"tax_value": 2, "per_period": 4, "from": 1}}}}
    settings = read_settings(block, GRAPH, "net.yaml")
    assert settings.horizon == 6 and settings.batch == 5.0 and settings.config.k == 4
    store = settings.nodes["store"]
    assert store.value == 9 and store.markdown[0].discount == 0.25
    ret, donation, scrap = store.outlets
    assert (ret.channel, ret.value, ret.capacity, ret.opens, ret.closes) == ("return", 6.0, 20.0, 0, 3)
    assert (donation.value, donation.per_period, donation.opens, donation.closes) == (2.0, 4.0, 1, 5)
    assert (scrap.channel, scrap.value, scrap.capacity) == ("scrap", 0.0, math.inf)  # scrap at 0 by default
    assert read_settings(None, GRAPH).horizon == 12


@pytest.mark.parametrize(("block", "message"), [
    ({"horizon": 0}, "net.yaml: excess: horizon: must be an integer >= 1, got 0"),
    ({"horizn": 3}, "net.yaml: excess: unknown key 'horizn'"),
    ({"thresholds": {"k": 0}}, "net.yaml: excess.thresholds: k: must be an integer >= 1, got 0"),
    ({"nodes": {"shop": {}}}, "net.yaml: excess.nodes: unknown node 'shop'"),
    ({"nodes": {"store": {"markdown": [{"discount": 1.5, "units_per_period": 1}]}}},
     "net.yaml: excess.nodes.store.markdown[0]: discount: must be in (0, 1), got 1.5"),
    ({"nodes": {"store": {"markdown": [{"discount": 0.5}]}}},
     "net.yaml: excess.nodes.store.markdown[0]: units_per_period: missing"),
    ({"nodes": {"store": {"return": {"contract": "wholesale:w=6"}}}},
     "net.yaml: excess.nodes.store.return: contract: must be a buyback contract"),
    ({"nodes": {"store": {"donation": {"capacity": 3}}}}, "net.yaml: excess.nodes.store.donation: tax_value: missing"),
    ({"nodes": {"store": {"scrap": {"salvage": "cheap"}}}},
     "net.yaml: excess.nodes.store.scrap: salvage: must be a number, got 'cheap'"),
    ({"nodes": {"store": {"donation": {"tax_value": 1, "from": 4, "until": 2}}}},
     "net.yaml: excess.nodes.store.donation: until: must be >= from (4), got 2"),
])
def test_mistakes_are_one_line(block, message):
    with pytest.raises(InvalidNetworkError) as caught:
        read_settings(block, GRAPH, "net.yaml")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
