"""netinv.excess.survival: Kaplan-Meier by hand, and against the geometric law on a long Bernoulli series."""

from __future__ import annotations

import numpy as np
import pytest

from netinv.excess.survival import (
    Gaps,
    geometric_fit,
    inter_sale_times,
    kaplan_meier,
    no_sale_probability,
    smoothed_sale_probability,
)


def test_gaps_of_a_series():
    gaps = inter_sale_times([0, 3, 0, 0, 1, np.nan, 2, 0, 0])
    assert gaps.observed.tolist() == [3, 2] and gaps.open == 2 and gaps.events == 2
    assert inter_sale_times([0, 0, 0]).open is None
    assert inter_sale_times([1, 0, 4]).open == 0


def test_kaplan_meier_by_hand():
    # gaps 1, 2, 2, 3 (events) and 2 (censored): at t=1 5 at risk, 1 event -> 0.8; at t=2 4 at risk,
    # 2 events -> 0.4; at t=3 1 at risk, 1 event -> 0
    gaps = Gaps(np.array([1, 2, 2, 3]), 2)
    curve = kaplan_meier(gaps)
    assert curve.times.tolist() == [1, 2, 3]
    assert curve.survival == pytest.approx([0.8, 0.4, 0.0])
    assert curve.at(0) == 1.0 and curve.at(1.5) == pytest.approx(0.8) and curve.at(4) == 0.0  # all closed by 3
    censored_last = kaplan_meier(Gaps(np.array([1, 2]), 5))
    assert censored_last.at(3) == pytest.approx(1 / 3) and censored_last.at(6) is None  # 2/3, then 1/2 of that
    assert geometric_fit(gaps) == pytest.approx(4 / 10)  # events / exposure (1+2+2+3 + 2)
    chance = no_sale_probability(gaps, 1)
    assert chance["km"] == pytest.approx(0.0 / 0.4) and chance["geometric"] == pytest.approx(0.6)
    assert no_sale_probability(Gaps(np.array([1, 2]), 2), 5)["km"] is None  # beyond the longest gap seen


def test_kaplan_meier_and_geometric_fit_recover_a_bernoulli_sale_process():
    p = 0.3
    sales = (np.random.default_rng(7).random(20_000) < p).astype(float)
    gaps = inter_sale_times(sales)
    curve = kaplan_meier(gaps)
    for t in range(1, 8):
        assert curve.at(t) == pytest.approx((1 - p) ** t, abs=0.015)
    assert geometric_fit(gaps) == pytest.approx(p, abs=0.01)


def test_tsb_smoothed_probability_by_hand():
    # p0 = 2/4; 0.5 + 0.5 (1 - 0.5) = 0.75; 0.375; 0.6875; 0.34375
    assert smoothed_sale_probability([1, 0, 1, 0], beta=0.5) == pytest.approx(0.34375)
    assert smoothed_sale_probability([]) is None and smoothed_sale_probability([0, 0]) == 0.0


def test_never_sold():
    gaps = inter_sale_times([0, 0])
    assert kaplan_meier(gaps) is None and geometric_fit(gaps) is None
    assert no_sale_probability(gaps, 3) == {"km": None, "geometric": None}
