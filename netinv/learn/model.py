"""The order network: message passing along the supply edges, one order per supply edge.

Input: a graph from :func:`netinv.learn.features.state_graph` (x (N, ..., F_node), edge_attr
(E, ..., F_edge); the ``...`` axes are paths, or absent for a single graph or a PyG ``Batch``). The paths
axis is how one forward pass serves every path of a period: the graph is stored once, each path's
features ride along it, and every layer below acts on it as a batch axis.

1. Encode: h_i = MLP(x_i), g_e = MLP(edge_attr_e) (width H).
2. ``layers`` rounds of :class:`FlowLayer`: each node hears its suppliers (downstream messages,
   weighted 1 / number of suppliers) and its customers (upstream messages, weighted mu_e / lambda_i,
   the edge's share of the node's throughput), so that a node's view of its customers is a mean
   weighted by flow: it stays the same size whether the node serves two stores or two thousand.
   Node and edge embeddings are updated with residuals.
3. Decode: for each supply edge e = (i -> j), o_e = softplus(MLP([h_i, h_j, g_e])) >= 0, the order in
   units of the edge scale mu_e (its mean flow per period, units of i).
4. Feasibility (:mod:`netinv.learn.feasibility`): o_e * mu_e is cut to the edge's capacity and the
   source's stock and capacity as the simulator would; the result is returned in mu units again.
   With ``priority`` on, a second edge head gives each order a weight w_e = exp(p_e), and a node whose
   stock binds rations it by weighted water-filling (high-priority customers served first) instead of
   cutting every order in proportion.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from netinv.learn.feasibility import feasible_orders
from netinv.learn.features import EDGE_FEATURES, NODE_FEATURES

PRIORITY_RANGE = 4.0  # rationing priorities exp(p) with |p| <= 4: between 1/55 and 55


@dataclass(frozen=True)
class ModelConfig:
    """Shape of an :class:`OrderGNN`.

    hidden: width H of node and edge embeddings.
    layers: rounds of message passing (information travels ``layers`` edges each way).
    node_features / edge_features: input widths (those of :mod:`netinv.learn.features`).
    priority: a second edge head that gives each order a rationing priority, used where a node's stock
        binds (weighted water-filling, :func:`netinv.learn.feasibility.feasible_orders`); without it a
        short node cuts every order in proportion.
    """

    hidden: int = 64
    layers: int = 3
    node_features: int = len(NODE_FEATURES)
    edge_features: int = len(EDGE_FEATURES)
    priority: bool = False


def mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    """Two linear layers with a SiLU between them."""
    return nn.Sequential(nn.Linear(inputs, hidden), nn.SiLU(), nn.Linear(hidden, outputs))


class FlowConv(nn.Module):
    r"""Weighted sum of messages along the edges of ``edge_index`` (from row 0 to row 1):

    .. math:: m_i = \sum_{e = (j \to i)} w_e \, \mathrm{ReLU}(W_1 h_j + W_2 g_e)

    Shapes: h (N, ..., H), g (E, ..., H), weight (E,) -> (N, ..., H).

    The sum PyG's ``MessagePassing(aggr="add")`` computes (gather at the sources, :meth:`message`, add
    at the targets), written out with ``index_add_`` so that running the policy does not import PyTorch
    Geometric (about 5 s of CPU at the start of every command); the parameters are the same.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.node = nn.Linear(channels, channels)
        self.edge = nn.Linear(channels, channels, bias=False)

    def forward(self, h: torch.Tensor, edge_index: torch.Tensor, g: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        weight = weight.reshape(weight.shape + (1,) * (h.dim() - 1))
        source, target = edge_index
        messages = self.message(self.node(h)[source], self.edge(g), weight)
        return messages.new_zeros((h.size(0),) + tuple(messages.shape[1:])).index_add_(0, target, messages)

    def message(self, h_j: torch.Tensor, g: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        return weight * torch.relu(h_j + g)


class SplitLinear(nn.Module):
    r"""A linear layer on the concatenation of its inputs, without building it:
    :math:`W [a, b, \dots] + c = W_a a + W_b b + \dots + c`. Shapes: each input (..., in) -> (..., out)."""

    def __init__(self, parts: int, inputs: int, outputs: int):
        super().__init__()
        self.parts = nn.ModuleList([nn.Linear(inputs, outputs, bias=k == 0) for k in range(parts)])

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = self.parts[0](inputs[0])
        for part, x in zip(self.parts[1:], inputs[1:]):
            out = out + part(x)
        return out


class EdgeMLP(nn.Module):
    r"""Per edge e = (i -> j): :math:`W_2\,\mathrm{SiLU}(A h_i + B h_j + C g_e + c) + d`, the node
    terms computed once per node and then gathered. Shapes: h (N, ..., H), g (E, ..., H) -> (E, ..., out)."""

    def __init__(self, channels: int, outputs: int):
        super().__init__()
        self.source = nn.Linear(channels, channels)
        self.target = nn.Linear(channels, channels, bias=False)
        self.edge = nn.Linear(channels, channels, bias=False)
        self.out = nn.Linear(channels, outputs)

    def forward(self, h, g, edge_index):
        source, target = edge_index
        hidden = self.source(h)[source] + self.target(h)[target] + self.edge(g)
        return self.out(nn.functional.silu(hidden))


class FlowLayer(nn.Module):
    r"""One round: messages from suppliers (down) and customers (up), then residual updates

    .. math:: h_i' = h_i + \mathrm{MLP}([\bar h_i, m^{down}_i, m^{up}_i]), \qquad
              g_e' = g_e + \mathrm{MLP}([\bar h'_{s(e)}, \bar h'_{t(e)}, \bar g_e])

    with :math:`\bar{\cdot}` a layer norm (the MLPs' first layers split by input, see
    :class:`SplitLinear`). Shapes: h (N, ..., H), g (E, ..., H).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.down = FlowConv(channels)
        self.up = FlowConv(channels)
        self.node_norm = nn.LayerNorm(channels)
        self.edge_norm = nn.LayerNorm(channels)
        self.node_hidden = SplitLinear(3, channels, channels)
        self.node_out = nn.Linear(channels, channels)
        self.edge_update = EdgeMLP(channels, channels)

    def forward(self, h, g, edge_index, down_weight, up_weight):
        h_bar = self.node_norm(h)
        down = self.down(h_bar, edge_index, g, down_weight)
        up = self.up(h_bar, edge_index.flip(0), g, up_weight)
        h = h + self.node_out(nn.functional.silu(self.node_hidden(h_bar, down, up)))
        g = g + self.edge_update(self.node_norm(h), self.edge_norm(g), edge_index)
        return h, g


class OrderGNN(nn.Module):
    """Orders on every supply edge from a state graph (see the module docstring)."""

    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.node_encoder = mlp(config.node_features, hidden, hidden)
        self.edge_encoder = mlp(config.edge_features, hidden, hidden)
        self.layers = nn.ModuleList([FlowLayer(hidden) for _ in range(config.layers)])
        self.norm = nn.LayerNorm(hidden)
        self.head = EdgeMLP(hidden, 1)
        if config.priority:
            self.priority = EdgeMLP(hidden, 1)
            nn.init.zeros_(self.priority.out.weight)  # every priority 1 at the start: the proportional cut
            nn.init.zeros_(self.priority.out.bias)

    def forward(self, data, feasible: bool = True) -> torch.Tensor:
        """Orders (E, ...) in units of each edge's scale mu_e; feasible (the default) or as proposed."""
        edge_index = data.edge_index
        h = self.node_encoder(data.x)
        g = self.edge_encoder(data.edge_attr)
        for layer in self.layers:
            h, g = layer(h, g, edge_index, data.down_weight, data.up_weight)
        h = self.norm(h)
        orders = nn.functional.softplus(self.head(h, g, edge_index)).squeeze(-1)
        if not feasible:
            return orders
        priority = None
        if self.config.priority:  # w = exp(p), p kept within [-PRIORITY_RANGE, PRIORITY_RANGE]
            raw = self.priority(h, g, edge_index).squeeze(-1)
            priority = torch.exp(PRIORITY_RANGE * torch.tanh(raw / PRIORITY_RANGE))
        scale = data.edge_scale.reshape(data.edge_scale.shape + (1,) * (orders.dim() - 1))
        units = feasible_orders(orders * scale, edge_index[0], data.owed, data.edge_capacity, data.available,
                                h.size(0), priority)
        return units / scale
