"""The enumeration solver on cases small enough to check by hand."""

from __future__ import annotations

import numpy as np

from netinv.irp.brute_force import brute_force, cheapest_order, partitions, route_options
from netinv.irp.instance import parse_dat
from netinv.irp.solution import Policy, evaluate_plan

# one customer 3 units east (c = 3): start 2, consumption 2, max 6, h = 0.5; supplier start 10, production 2,
# h0 = 0.25
ONE = """2 2 10 1
0 0.0 0.0 10 2 0.25
1 3.0 0.0 2 6 0 2 0.5
"""


def test_partitions_are_the_bell_numbers():
    assert [sum(1 for _ in partitions(tuple(range(n)))) for n in range(5)] == [1, 1, 2, 5, 15]


def test_cheapest_order_of_a_square_goes_round_it():
    distance = np.array([[0, 1, 2, 1], [1, 0, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]], dtype=float)
    cost, order = cheapest_order((1, 2, 3), distance)
    assert cost == 4 and order in ((1, 2, 3), (3, 2, 1))


def test_route_options_count_routes_within_the_fleet():
    inst = parse_dat(ONE)
    assert [routes for _, routes in route_options(inst)] == [[], [(1,)]]


def test_one_customer_by_hand():
    # The stock (2) lasts one period, so one visit at least (6). Visit in period 1 with q in 2..4:
    # 6 + 0.25 (12 - q + 14 - q) + 0.5 (q + q - 2) = 11.5 + 0.5 q -> 12.5 at q = 2. Visit in period 2 only,
    # q = 2: B = 12, 12 (6), I = 0, 0 -> 12. Two visits cost 12 in routing alone. The optimum is 12.
    inst = parse_dat(ONE)
    cost, routes, sent = brute_force(inst)
    assert cost == 12 and routes == [[], [(1,)]] and sent[:, 1].tolist() == [0, 2]
    priced = evaluate_plan(inst, routes, sent)
    assert priced.feasible and priced.total == cost


def test_order_up_to_fills_the_customer():
    # OU: a visit fills to 6. Period 2 only: q = 6, B = 12, 8 (5), I = 0, 4 (2) -> 13. Period 1 only: q = 4,
    # B = 8, 10 (4.5), I = 4, 2 (3) -> 13.5. Both: 12 + B 8, 8 (4) + I 4, 4 (4) = 20. The optimum is 13.
    inst = parse_dat(ONE)
    cost, routes, sent = brute_force(inst, Policy.ou)
    assert cost == 13 and routes == [[], [(1,)]] and sent[:, 1].tolist() == [0, 6]
    assert evaluate_plan(inst, routes, sent, Policy.ou).feasible
    assert not evaluate_plan(inst, [[], [(1,)]], np.array([[0, 0], [0, 2]]), Policy.ou).feasible
