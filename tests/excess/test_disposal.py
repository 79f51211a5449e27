"""netinv.excess.disposal: the MILP against brute force on small instances, the LP against the greedy rule
where greedy is optimal (one period, linear values, capacities), and the keep-it baseline."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from netinv.errors import InputError
from netinv.excess.disposal import (
    DisposalProblem,
    Location,
    Outlet,
    PriceLevel,
    Transfer,
    plan_disposal,
    solve,
)

OUTLETS = (Outlet("return", 6.0, capacity=2, closes=0), Outlet("donation", 3.0, per_period=1),
           Outlet("scrap", -0.5))


def brute_force(batches: int, holding: float, terminal: float, store_rate: float, store_price: float,
                transfer_cost: float) -> float:
    """Every allocation of whole batches (size 1) of the dead location 'a' to the outlets and to a transfer
    to 'b' (lead time 1) in period 0 (one in period 1 would arrive after the horizon), in each of 2
    periods; 'b' sells what it holds up to its rate (selling is then optimal: its price beats holding and
    the terminal value)."""
    best = -np.inf
    choices = range(batches + 1)
    for ret0, don0, scr0, mov0, don1, scr1 in itertools.product(choices, repeat=6):
        first, second = ret0 + don0 + scr0 + mov0, don1 + scr1
        if first + second > batches or ret0 > 2 or don0 > 1 or don1 > 1:
            continue  # the return closes after period 0 (capacity 2); donation 1 per period
        value = 6 * ret0 + 3 * (don0 + don1) - 0.5 * (scr0 + scr1) - transfer_cost * mov0
        a_end = [batches - first, batches - first - second]
        b_sold = min(store_rate, mov0)  # mov0 arrives in period 1
        b_end = [0, mov0 - b_sold]
        value += store_price * b_sold - holding * (sum(a_end) + sum(b_end)) + terminal * (a_end[1] + b_end[1])
        best = max(best, value)
    return best


@pytest.mark.parametrize(("batches", "holding", "terminal", "rate"), [(4, 0.4, 1.0, 2), (3, 0.0, 0.0, 1),
                                                                      (5, 1.5, 2.5, 3)])
def test_milp_equals_brute_force(batches, holding, terminal, rate):
    problem = DisposalProblem(
        locations=(Location("a", batches, price=10, rate=0, holding_cost=holding, outlets=OUTLETS),
                   Location("b", 0, price=7, rate=rate, holding_cost=holding, dispose=False)),
        transfers=(Transfer("a", "b", unit_cost=1.0, lead_time=1),), horizon=2, terminal_value=terminal, batch=1)
    assert solve(problem)[1] == pytest.approx(brute_force(batches, holding, terminal, rate, 7.0, 1.0))


def greedy(quantity: float, channels: list[tuple[float, float]]) -> float:
    """Fill the channels (unit value, capacity) by unit value, best first, while a unit is worth more
    than nothing (the terminal value, 0): optimal for one period with linear values."""
    value = 0.0
    for unit_value, capacity in sorted(channels, reverse=True):
        if unit_value <= 0 or quantity <= 0:
            break
        take = min(capacity, quantity)
        value, quantity = value + unit_value * take, quantity - take
    return value


def test_lp_equals_greedy_in_one_period():
    rng = np.random.default_rng(11)
    for _ in range(5):
        values, caps = rng.uniform(-2, 10, 4), rng.uniform(1, 30, 4)
        price, rate, on_hand = rng.uniform(5, 12), rng.uniform(0, 20), rng.uniform(10, 80)
        outlets = tuple(Outlet(f"o{k}", float(v), capacity=float(c)) for k, (v, c) in enumerate(zip(values, caps)))
        problem = DisposalProblem((Location("n", on_hand, price, rate, outlets=outlets),), horizon=1)
        channels = [(float(v), float(c)) for v, c in zip(values, caps)] + [(price, rate)]
        assert solve(problem)[1] == pytest.approx(greedy(on_hand, channels), rel=1e-9, abs=1e-7)


def test_markdown_shares_one_price_per_period_and_the_gain_over_keeping():
    # 30 units, 2 periods, price 10: full price sells 2 a period, 50% off sells 10 a period; no salvage.
    # Best: spend each period at 50% off (5 x 10 = 50 a period) rather than full price (20): 100 in all
    loc = Location("n", 30, price=10, rate=2, markdown=(PriceLevel(0.5, 10),))
    plan = plan_disposal(DisposalProblem((loc,), horizon=2))
    assert plan.value == pytest.approx(100) and plan.keep_value == pytest.approx(40)
    assert plan.gain == pytest.approx(60) and plan.flows["n"] == {"markdown 50%": 20, "left": 10}
    mixed = Location("n", 12, price=10, rate=2, markdown=(PriceLevel(0.5, 10),))  # 12 units: 6 each period
    plan = plan_disposal(DisposalProblem((mixed,), horizon=2))  # share s at 50%: 2(1-s) + 10 s = 6 -> s = 1/2
    assert plan.value == pytest.approx(2 * (10 * 2 * 0.5 + 5 * 10 * 0.5))


def test_problem_is_checked():
    with pytest.raises(InputError, match="horizon: must be >= 1"):
        DisposalProblem((), horizon=0)
    with pytest.raises(InputError, match="transfer 'a' -> 'x': both ends"):
        DisposalProblem((Location("a", 1, 1, 1),), transfers=(Transfer("a", "x"),))
