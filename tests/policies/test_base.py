"""The policy interface: what makes an object a :class:`~netinv.policies.base.Policy`."""

from __future__ import annotations

import numpy as np

from netinv.policies import SS, EchelonBaseStock, InstallationBaseStock, Policy
from netinv.policies.rolling import PlannedOrders, RollingHorizon, RollingHorizonConfig


class _Constant:
    """The smallest policy: the same order on every edge."""

    name = "constant"

    def prepare(self, arrays, paths):
        self.shape = (arrays.num_edges, paths)

    def orders(self, state):
        return np.full(self.shape, 2.0, dtype=np.float32)


class _NoPrepare:
    name = "no-prepare"

    def orders(self, state):
        return np.zeros((1, 1))


def test_a_class_with_name_prepare_and_orders_is_a_policy():
    assert isinstance(_Constant(), Policy)
    assert not isinstance(_NoPrepare(), Policy)
    assert not isinstance(object(), Policy)


def test_every_built_in_policy_is_a_policy():
    levels = {"a": 1.0}
    for policy in (InstallationBaseStock(levels), EchelonBaseStock(levels), SS(levels, levels),
                   RollingHorizon(RollingHorizonConfig(horizon=5)), PlannedOrders(np.zeros((2, 1)))):
        assert isinstance(policy, Policy), policy
        assert isinstance(policy.name, str) and policy.name
