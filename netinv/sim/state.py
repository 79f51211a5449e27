"""The simulator's state: what a policy may look at when it decides."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netinv.network.compile import NetworkArrays


@dataclass
class SimState:
    """State at the start of period ``t`` for B paths (arrays are float32, node- or edge-major).

    - ``on_hand`` (N, B): units on hand at each node.
    - ``backlog`` (N, B): external demand backordered at each node (0 away from demand nodes).
    - ``owed`` (E, B): units ordered on each supply edge that its source has not shipped yet.
    - ``in_transit`` (E, B): units shipped on each edge that have not arrived.
    - ``components`` (E, B): at assembly nodes, components received on each edge and not yet used.
    - ``pipeline`` (R, E, B): ``pipeline[(t + k) % R]`` holds what arrives k periods from now.
    - ``first_path``: the index of this block's first path among all simulated paths (the simulator runs
      paths in blocks; a policy that holds per-path data, such as a fixed order plan, needs it).
    - ``periods``: the length T of the simulated horizon (periods 0 .. T-1), when known (the simulator
      sets it; a finite horizon changes what is worth ordering near its end).
    - ``transshipment_pipeline`` (R', X, B) and ``transshipment_in_transit`` (X, B): units on their way
      over the X transshipment edges, when the simulation has a transshipment rule (else None); not part
      of any inventory position.
    """

    arrays: NetworkArrays
    t: int
    on_hand: np.ndarray
    backlog: np.ndarray
    owed: np.ndarray
    in_transit: np.ndarray
    components: np.ndarray
    pipeline: np.ndarray
    first_path: int = 0
    periods: int | None = None
    transshipment_pipeline: np.ndarray | None = None
    transshipment_in_transit: np.ndarray | None = None

    @property
    def paths(self) -> int:
        return self.on_hand.shape[1]

    @classmethod
    def initial(cls, arrays: NetworkArrays, paths: int, first_path: int = 0, periods: int | None = None) -> SimState:
        """The state at the start of period 0: the network's current state (``arrays.start``, from the
        scenario's ``state``; without one, ``initial_inventory`` on hand and nothing else)."""
        n, e = arrays.num_nodes, arrays.num_edges
        depth = int(arrays.lead_time.max()) + 1 if e else 1

        def per_path(values: np.ndarray) -> np.ndarray:
            return np.repeat(values.astype(np.float32)[..., None], paths, axis=-1)

        start = arrays.start
        pipeline = np.zeros((depth, e, paths), dtype=np.float32)
        if start is not None:
            pipeline[: start.arrivals.shape[1]] = per_path(start.arrivals.T)
        return cls(
            arrays=arrays,
            t=0,
            on_hand=per_path(arrays.initial_inventory),
            backlog=per_path(start.backlog) if start is not None else np.zeros((n, paths), dtype=np.float32),
            owed=per_path(start.owed) if start is not None else np.zeros((e, paths), dtype=np.float32),
            in_transit=pipeline.sum(axis=0),
            components=np.zeros((e, paths), dtype=np.float32),
            pipeline=pipeline,
            first_path=first_path,
            periods=periods,
        )

    def edge_inbound(self) -> np.ndarray:
        """(E, B) units on their way to the target of each edge (owed + in transit + unused components),
        in units of the target's product."""
        per_edge = self.in_transit + self.owed
        per_edge += self.components
        per_edge /= self.arrays.quantity.astype(np.float32)[:, None]
        return per_edge

    def net_stock(self, placed: np.ndarray | None = None) -> np.ndarray:
        """(N, B) on hand minus what the node owes: external backorders and unfilled orders of customers.

        ``placed`` (E, B), optional: orders placed on each edge in *this* period, which the state does
        not hold yet (they join ``owed`` when the simulator applies the period's orders). Passing them
        counts them as owed by their source, the way a node's customers' orders of the period count
        against its position in the built-in installation policies (see
        :class:`netinv.policies.DownstreamFirst`).
        """
        owed = self.owed if placed is None else self.owed + placed
        return self.on_hand - self.backlog - self.arrays.out_incidence() @ owed

    def inventory_position(self, net: np.ndarray | None = None, inbound: np.ndarray | None = None,
                           placed: np.ndarray | None = None) -> np.ndarray:
        """(N, B) installation inventory position: net stock plus everything inbound.

        Inbound units from several suppliers add up (they are substitutes), except at an assembly node,
        where only complete kits count: the minimum over its component edges. ``net`` and ``inbound``
        may be passed when the caller has already computed :meth:`net_stock` and :meth:`edge_inbound`.
        ``placed`` (E, B): orders already placed this period by downstream nodes, counted against their
        sources (see :meth:`net_stock`; ignored when ``net`` is given). A policy that decides node by
        node, downstream first, passes the orders decided so far, so that a DC sees its stores' orders
        of this period.
        """
        arrays = self.arrays
        net = self.net_stock(placed) if net is None else net
        inbound = self.edge_inbound() if inbound is None else inbound
        position = net + arrays.in_incidence() @ inbound
        if arrays.assembly.any():
            edges, starts, nodes, _ = arrays.assembly_groups()
            kits = np.minimum.reduceat(inbound[edges], starts, axis=0)
            position[nodes] = net[nodes] + kits
        return position
