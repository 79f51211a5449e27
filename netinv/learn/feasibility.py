"""The last layer of the GNN policy: orders the simulator will ship in full.

In period t the simulator ships, on every supply edge e = (i -> j), what is owed plus the new order,
``min(owed_e + x_e, capacity_e)``, from node i's stock at the start of the period; a node short of
stock or capacity scales every request by the same fraction (:mod:`netinv.sim.simulator`). Orders
x >= 0 are *feasible* when nothing would be cut:

    x_e <= room_e = max(capacity_e - owed_e, 0)                                   (edge capacity)
    sum_{e out of i} x_e <= headroom_i = max(available_i - sum_{e out of i} min(owed_e, capacity_e), 0)

with ``available_i`` = min(on hand, node capacity) at a node that holds stock and the node capacity at
an external source (``inf`` when unlimited). The layer maps any orders to feasible ones the way the
simulator would have cut them:

    y_e = min(max(x_e, 0), room_e)
    z_e = y_e * min(1, headroom_i / sum_{f out of i} y_f)       (proportional allocation)

or, given a priority w_e > 0 per order (the model's optional rationing head), by weighted water-filling

    z_e = y_e * min(1, lambda_i * w_e),   lambda_i such that sum_{e out of i} z_e = headroom_i

(orders of high priority are met in full first; equal priorities give the proportional cut). Where a
node binds, the factor is shrunk by 4 units in the last place of the float type, so that the rounded
sum never passes the bound and a second pass is the identity. It is the identity on feasible
orders and differentiable almost everywhere: where a node's stock binds,
the gradient flows through the scaling factor to every order out of the node (and to the stock); where
an edge capacity binds, the order's gradient is 0. :func:`feasible_orders` is the torch form (any
number of trailing path axes), :func:`repair` the numpy form on a simulator state.
"""

from __future__ import annotations

import numpy as np
import torch


def feasible_orders(orders: torch.Tensor, source: torch.Tensor, owed: torch.Tensor, edge_capacity: torch.Tensor,
                    available: torch.Tensor, num_nodes: int, priority: torch.Tensor | None = None) -> torch.Tensor:
    """Feasible orders in units of each edge's source.

    orders (E, ...) proposed orders; source (E,) the source node of each edge; owed (E, ...) units still
    owed on each edge; edge_capacity (E,) (``inf`` = unlimited); available (N, ...) units each node can
    ship this period (``inf`` = unlimited). Trailing axes (paths) broadcast. Returns (E, ...).

    ``priority`` (E, ...) > 0, optional: where a node's stock binds, it is shared by weighted water-filling
    instead of in proportion (:func:`_rationed`); equal priorities give the proportional cut.
    """
    cap = edge_capacity.reshape(edge_capacity.shape + (1,) * (orders.dim() - 1))
    room = torch.clamp(cap - owed, min=0.0)
    y = torch.minimum(torch.clamp(orders, min=0.0), room)
    committed = _per_source(torch.minimum(owed, cap).expand_as(y), source, num_nodes)
    headroom = torch.clamp(available - committed, min=0.0)
    total = _per_source(y, source, num_nodes)
    short = total > headroom  # never true where headroom is inf
    one, zero = torch.ones_like(total), torch.zeros_like(total)
    # both sides of the division masked, so that no inf or nan reaches the gradient
    margin = 1.0 - 4.0 * torch.finfo(total.dtype).eps
    if priority is not None:
        return y * _rationed(y, priority.expand_as(y), source, headroom, short, num_nodes, margin)
    ratio = torch.where(short, share(torch.where(short, headroom, zero), torch.where(short, total, one)) * margin, one)
    return y * ratio[source]


def _rationed(y: torch.Tensor, weight: torch.Tensor, source: torch.Tensor, headroom: torch.Tensor,
              short: torch.Tensor, num_nodes: int, margin: float) -> torch.Tensor:
    """The fraction of each request shipped when the sources marked ``short`` ration by weight: edge e out
    of a short node i gets ``y_e * min(1, lambda_i * w_e)``, with lambda_i set so that node i ships exactly
    its headroom (weighted water-filling: the highest-priority requests are met in full first, the rest
    share what is left in proportion to w_e * y_e). 1 on the edges of nodes that are not short.

    The set of edges met in full is found without gradient (each pass moves at least one edge into it, so
    at most out-degree passes); lambda is then written in closed form on that set,
    lambda_i = (headroom_i - sum_{full} y_e) / sum_{rest} w_e y_e, so the gradient is exact."""
    short_edge = short[source]
    with torch.no_grad():
        rest = short_edge & (y > 0)
        while True:
            level = _level(y, weight, source, headroom, rest, num_nodes)
            full = rest & (level[source] * weight >= 1.0)
            if not bool(full.any()):
                break
            rest = rest & ~full
    served, spread = _split(y, weight, source, rest, num_nodes)
    # headroom is inf at nodes that are not short: masked before it meets a product (0 * inf in backward)
    left = torch.where(short, torch.clamp(torch.where(short, headroom, served) - served, min=0.0),
                       torch.zeros_like(served))
    part = torch.where(rest, weight * left[source], torch.zeros_like(y))
    whole = torch.where(rest, spread[source], torch.ones_like(y))
    fraction = torch.where(rest, torch.clamp(share(part, whole), max=1.0), torch.ones_like(y))
    return torch.where(short_edge, fraction * margin, torch.ones_like(y))


def _level(y, weight, source, headroom, rest, num_nodes):
    """lambda per node for the current set ``rest`` of partly served edges (0 where there are none)."""
    served, spread = _split(y, weight, source, rest, num_nodes)
    left = torch.clamp(headroom - served, min=0.0)
    return torch.where(spread > 0, left / torch.where(spread > 0, spread, torch.ones_like(spread)),
                       torch.zeros_like(spread))


def _split(y, weight, source, rest, num_nodes):
    """Per node: units of the orders met in full (not in ``rest``) and sum of w_e * y_e over ``rest``."""
    zero = torch.zeros_like(y)
    return (_per_source(torch.where(rest, zero, y), source, num_nodes),
            _per_source(torch.where(rest, y * weight, zero), source, num_nodes))


class _Share(torch.autograd.Function):
    """q = a / b for 0 <= a < b, with a backward that never forms b**2 (which underflows to 0 when b is
    tiny and turns the gradient into 0 / 0): dq/da = 1 / b, dq/db = -q / b."""

    @staticmethod
    def forward(ctx, a, b):
        q = a / b
        ctx.save_for_backward(q, b)
        return q

    @staticmethod
    def backward(ctx, grad):
        q, b = ctx.saved_tensors
        return grad / b, -(grad * q) / b


def share(part: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
    """``part / whole`` for 0 <= part <= whole (a fraction of a positive whole), with finite gradients even
    where ``whole`` is tiny. Same value as the division."""
    return _Share.apply(part, whole)


def repair(orders: np.ndarray, state, arrays) -> np.ndarray:
    """Any (E, B) orders made feasible for ``state`` (a :class:`~netinv.sim.state.SimState`): float32,
    non-negative, within edge capacity and each node's stock and capacity; feasible orders unchanged."""
    a = arrays
    x = np.asarray(orders, dtype=np.float32)
    if x.shape != state.owed.shape:
        raise ValueError(f"repair: orders of shape {x.shape}, expected {state.owed.shape}")
    cap = a.edge_capacity.astype(np.float32)[:, None]
    owed = state.owed.astype(np.float32)
    y = np.minimum(np.maximum(x, 0.0), np.maximum(cap - owed, 0.0))
    out_incidence = a.out_incidence()
    available = np.maximum(state.on_hand, 0.0).astype(np.float32)
    node_cap = a.capacity.astype(np.float32)[:, None]
    np.minimum(available, node_cap, out=available)
    available[a.unlimited] = node_cap[a.unlimited]
    headroom = np.maximum(available - out_incidence @ np.minimum(owed, cap), 0.0)
    total = out_incidence @ y
    short = total > headroom
    ratio = np.ones_like(total)
    ratio[short] = headroom[short] / total[short] * np.float32(1.0 - 4.0 * np.finfo(np.float32).eps)
    return (y * ratio[a.edge_source]).astype(np.float32)


def _per_source(values: torch.Tensor, source: torch.Tensor, num_nodes: int) -> torch.Tensor:
    out = values.new_zeros((num_nodes,) + tuple(values.shape[1:]))
    return out.index_add_(0, source, values)
