"""netinv.excess.detect: FIFO age by hand, the anomaly tail against scipy, and the flags of a slow mover."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from netinv.errors import InputError
from netinv.excess.detect import ExcessConfig, fifo_age, find_node, window_tail


def test_fifo_age_by_hand():
    sales = [5, 0, 3, 2]  # receipts: 2 units 0 periods ago, 3 units 1 ago, 0, 5 units 3 ago
    oldest, mean, older = fifo_age(sales, 6)  # 2 (age 0) + 3 (age 1) + 1 (age 3)
    assert (oldest, older) == (3, 0.0) and mean == pytest.approx((0 * 2 + 1 * 3 + 3 * 1) / 6)
    oldest, mean, older = fifo_age(sales, 12)  # all 10 of the history + 2 older than it (age 4)
    assert (oldest, older) == (4, 2.0) and mean == pytest.approx((3 + 15 + 2 * 4) / 12)
    assert fifo_age(sales, 0) == (None, None, 0.0)


def test_window_tail_poisson_and_negative_binomial():
    steady = [2.0] * 16 + [0.0] * 8  # earlier variance 0 <= mean: Poisson(2 x 8) at 0
    assert window_tail(steady, 8) == pytest.approx(math.exp(-16))
    rng = np.random.default_rng(3)
    lumpy = np.concatenate([rng.choice([0.0, 10.0], 40), [0.0, 5.0, 0.0, 0.0]])
    earlier = lumpy[:-4]
    mean, var = earlier.mean() * 4, earlier.var(ddof=1) * 4
    size = mean**2 / (var - mean)
    assert window_tail(lumpy, 4) == pytest.approx(stats.nbinom.cdf(5, size, size / (size + mean)))
    assert window_tail([1.0] * 5, 8) is None  # too short


def test_a_store_that_stopped_selling_is_flagged_with_reasons():
    sales = [3.0, 4.0, 2.0, 3.0] * 8 + [0.0] * 14
    found = find_node("store", sales, on_hand=20, config=ExcessConfig(k=8))
    assert found.periods_since_sale == 14 and found.flagged
    assert found.p_no_sale_km is None  # 14 periods: longer than any gap seen; the geometric fit answers
    assert found.p_no_sale_geometric == pytest.approx((1 - 31 / (31 + 14)) ** 8)  # stationary: ~0
    p = 32 / 46  # TSB: the share of periods with a sale, then 32 sales and 14 periods without
    for hit in [1] * 32 + [0] * 14:
        p += 0.2 * (hit - p)
    assert found.p_no_sale == found.p_no_sale_smoothed == pytest.approx((1 - p) ** 8) and found.p_no_sale > 0.5
    assert found.flags[0].startswith("no sale in 14 periods; P(no sale in next 8 periods) = ")
    assert any("unlikely under the history" in f for f in found.flags)
    assert "stock on hand and no sale in the last 8 periods" in found.flags
    assert found.age_oldest >= 14 and found.turnover == 0.0


def test_a_steady_store_is_not_flagged():
    sales = np.random.default_rng(1).poisson(5.0, 52).astype(float)
    found = find_node("steady", sales, on_hand=10)
    assert not found.flagged and found.cover == pytest.approx(10 / found.recent_rate)


def test_config_is_checked():
    with pytest.raises(InputError, match="k: must be an integer >= 1"):
        ExcessConfig(k=0)
    with pytest.raises(InputError, match="anomaly_p: must be in"):
        ExcessConfig(anomaly_p=1.5)
