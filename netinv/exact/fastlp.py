"""The planning model built with numpy index arithmetic and kept alive in HiGHS between re-solves.

The constraint matrix of the planning model (:mod:`netinv.exact.planning`) depends only on the network,
the horizon T and the number of scenarios K; the state the plan starts from and the demand enter only
the right-hand sides (and the objective's constant). :class:`PlanningLP` therefore builds the matrix
once, hands it to HiGHS once, and for every later solve changes the row bounds in place: HiGHS then
starts from the previous optimal basis (a warm start of the dual simplex). This is what makes the
rolling-horizon policies affordable (thousands of solves per evaluation).

It is an independent implementation of the same model as the Pyomo builder; tests compare the two.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from netinv.errors import InputError, SolverError
from netinv.exact.highs import SolverOptions, Status, failure_message, new_highs, pass_model, run
from netinv.exact.planning import (
    PlanOptions,
    PlanState,
    as_scenarios,
    check_plannable,
    objective_form,
    order_bounds,
)
from netinv.exact.solution import Solution
from netinv.network.compile import NetworkArrays


class _Columns:
    def __init__(self):
        self.count = 0

    def block(self, *shape) -> np.ndarray:
        size = int(np.prod(shape)) if shape else 1
        ids = np.arange(self.count, self.count + size, dtype=np.int64).reshape(shape)
        self.count += size
        return ids

    def shared_block(self, K: int, T: int, n: int) -> np.ndarray:
        """(K, T, n) ids whose period-0 entries are shared by all scenarios."""
        first = self.block(1, 1, n)
        rest = self.block(K, T - 1, n)
        return np.concatenate([np.broadcast_to(first, (K, 1, n)), rest], axis=1)


class _Triplets:
    def __init__(self):
        self.rows, self.cols, self.vals = [], [], []

    def put(self, rows, cols, vals, mask=None):
        rows, cols, vals = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(vals, dtype=float))
        if mask is not None:
            mask = np.broadcast_to(mask, rows.shape)
            rows, cols, vals = rows[mask], cols[mask], vals[mask]
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(vals.ravel())


class PlanningLP:
    """The planning model for a fixed network, horizon and number of scenarios, ready to re-solve.

    >>> lp = PlanningLP(arrays, horizon=30)
    >>> solution = lp.solve(demand_path)                   # the oracle on one path
    >>> solution = lp.solve(demand, state=PlanState...)    # from any state

    ``highs`` is the live ``highspy.Highs`` object (add rows to it to extend the model).
    """

    def __init__(self, arrays: NetworkArrays, horizon: int, scenarios: int = 1,
                 options: PlanOptions = PlanOptions(), solver: SolverOptions = SolverOptions()):
        if horizon < 1 or scenarios < 1:
            raise InputError(f"planning model: horizon and scenarios must be >= 1, got {horizon}, {scenarios}")
        check_plannable(arrays)
        start = time.perf_counter()
        self.arrays = a = arrays
        self.horizon = T = int(horizon)
        self.scenarios = K = int(scenarios)
        self.options = options
        self.solver = solver
        self.form = objective_form(a)
        self.fixed = options.uses_fixed_costs(a)
        lot_edges = np.flatnonzero(a.lot_size > 0)
        self.integer = bool(options.integer_orders or self.fixed or lot_edges.size)
        N, E, D = a.num_nodes, a.num_edges, a.num_demand_nodes
        first_demand = N - D
        trans = options.transshipment and len(a.trans_keys) > 0
        X = len(a.trans_keys) if trans else 0
        limited = np.flatnonzero(~a.unlimited)
        pos = np.full(N, -1)
        pos[limited] = np.arange(limited.size)
        asm_nodes = limited[a.assembly[limited]]
        asm_pos = np.full(N, -1)
        asm_pos[asm_nodes] = np.arange(asm_nodes.size)
        comp_edges = np.flatnonzero(a.assembly[a.edge_target])
        plain_edges = np.flatnonzero(~a.assembly[a.edge_target] & ~a.unlimited[a.edge_target])
        fixed_edges = np.flatnonzero(a.fixed_order_cost > 0) if self.fixed else np.zeros(0, dtype=np.int64)
        t_idx = np.arange(T)

        # ---- columns
        col = _Columns()
        q = col.shared_block(K, T, E)  # orders; period 0 shared by all scenarios
        x = col.block(K, T, limited.size)
        s = col.block(K, T, D)
        u = col.block(K, T, D)
        kit = col.block(K, T, asm_nodes.size)
        comp = col.block(K, T, comp_edges.size)
        z = col.block(K, T, X)
        y = col.shared_block(K, T, fixed_edges.size)
        lots = col.shared_block(K, T, lot_edges.size)
        n_col = col.count
        self._cols = {"q": q, "x": x, "s": s, "u": u, "kit": kit, "comp": comp, "z": z, "y": y}

        # ---- objective (cost minus revenue; scenario weight 1/K; shared columns collect K times 1/K)
        w = 1.0 / K
        cost = np.zeros(n_col)
        lead = a.lead_time.astype(np.int64)
        per_unit = a.purchase_cost + a.operating_cost[a.edge_source]
        pipe = a.pipeline_holding_cost[None, :] * np.minimum(lead[None, :], T - t_idx[:, None])  # (T, E)
        np.add.at(cost, q, w * (per_unit[None, None, :] + pipe[None]))
        np.add.at(cost, x, w * a.holding_cost[limited][None, None, :])
        ds = slice(first_demand, N)
        np.add.at(cost, s, w * (a.operating_cost[ds] - a.price[ds])[None, None, :])
        np.add.at(cost, u, w * a.shortage_cost[ds][None, None, :])
        np.add.at(cost, comp, w * a.holding_cost[a.edge_source[comp_edges]][None, None, :])
        if X:
            np.add.at(cost, z, w * a.trans_unit_cost[None, None, :])
        np.add.at(cost, y, w * a.fixed_order_cost[fixed_edges][None, None, :])

        lower = np.zeros(n_col)
        upper = np.full(n_col, np.inf)
        upper[q] = np.broadcast_to(a.edge_capacity[None, None, :], q.shape)
        if options.meet_demand:
            upper[u] = 0.0
        upper[y] = 1.0
        integrality = np.zeros(n_col, dtype=np.int32)
        integrality[y] = 1
        integrality[lots] = 1
        if options.integer_orders:
            integrality[q] = 1

        # ---- rows
        trip = _Triplets()
        rows = _Columns()
        k_idx = np.arange(K)[:, None, None]
        tt = t_idx[None, :, None]
        first_only = (tt > 0) | (k_idx == 0)  # rows of period 0 that only involve shared columns

        # shipping: sum of orders out of a limited node <= its stock at the start of the period
        ship_nodes = np.array([i for i in limited if np.any(a.edge_source == i)], dtype=np.int64)
        ship = rows.shared_block(K, T, ship_nodes.size)
        out_e = np.flatnonzero(~a.unlimited[a.edge_source])
        ship_of = np.full(N, -1)
        ship_of[ship_nodes] = np.arange(ship_nodes.size)
        trip.put(ship[:, :, ship_of[a.edge_source[out_e]]], q[:, :, out_e], 1.0, first_only)
        if T > 1:
            trip.put(ship[:, 1:, :], x[:, :-1, pos[ship_nodes]], -1.0)

        # node capacity
        cap_nodes = np.array([i for i in range(N) if np.isfinite(a.capacity[i]) and np.any(a.edge_source == i)],
                             dtype=np.int64)
        cap = rows.shared_block(K, T, cap_nodes.size)
        cap_of = np.full(N, -1)
        cap_of[cap_nodes] = np.arange(cap_nodes.size)
        cap_e = np.flatnonzero(cap_of[a.edge_source] >= 0)
        trip.put(cap[:, :, cap_of[a.edge_source[cap_e]]], q[:, :, cap_e], 1.0, first_only)

        # balance of every limited node
        bal = rows.block(K, T, limited.size)
        trip.put(bal, x, 1.0)
        if T > 1:
            trip.put(bal[:, 1:, :], x[:, :-1, :], -1.0)
        trip.put(bal[:, :, pos[a.edge_source[out_e]]], q[:, :, out_e], 1.0)
        trip.put(bal[:, :, pos[first_demand:N]], s, 1.0)
        conv = a.yield_[a.edge_target] / a.quantity
        if plain_edges.size:
            tau = tt - lead[plain_edges][None, None, :]
            ok = np.broadcast_to(tau >= 0, (K, T, plain_edges.size))
            src_cols = q[np.broadcast_to(k_idx, ok.shape), np.broadcast_to(np.maximum(tau, 0), ok.shape),
                         np.broadcast_to(plain_edges[None, None, :], ok.shape)]
            trip.put(bal[:, :, pos[a.edge_target[plain_edges]]], src_cols, -conv[plain_edges], ok)
        if asm_nodes.size:
            trip.put(bal[:, :, pos[asm_nodes]], kit, -a.yield_[asm_nodes])
        if X:
            trip.put(bal[:, :, pos[a.trans_source]], z, 1.0)
            tau = tt - a.trans_lead_time[None, None, :]
            ok = np.broadcast_to(tau >= 0, (K, T, X))
            zc = z[np.broadcast_to(k_idx, ok.shape), np.broadcast_to(np.maximum(tau, 0), ok.shape),
                   np.broadcast_to(np.arange(X)[None, None, :], ok.shape)]
            trip.put(bal[:, :, pos[a.trans_target]], zc, -1.0, ok)

        # demand: unmet = carry * unmet before + demand - sales
        dem = rows.block(K, T, D)
        trip.put(dem, u, 1.0)
        trip.put(dem, s, 1.0)
        carry = a.backlog[ds].astype(float)
        if T > 1:
            trip.put(dem[:, 1:, :], u[:, :-1, :], -carry[None, None, :])

        # assembly components: stock = before + arrivals - quantity * kits
        asm = rows.block(K, T, comp_edges.size)
        if comp_edges.size:
            trip.put(asm, comp, 1.0)
            if T > 1:
                trip.put(asm[:, 1:, :], comp[:, :-1, :], -1.0)
            trip.put(asm, kit[:, :, asm_pos[a.edge_target[comp_edges]]], a.quantity[comp_edges])
            tau = tt - lead[comp_edges][None, None, :]
            ok = np.broadcast_to(tau >= 0, (K, T, comp_edges.size))
            src_cols = q[np.broadcast_to(k_idx, ok.shape), np.broadcast_to(np.maximum(tau, 0), ok.shape),
                         np.broadcast_to(comp_edges[None, None, :], ok.shape)]
            trip.put(asm, src_cols, -1.0, ok)

        # fixed order costs: orders <= M * placed (M set with the data)
        fix = rows.shared_block(K, T, fixed_edges.size)
        trip.put(fix, q[:, :, fixed_edges], 1.0, first_only)
        trip.put(fix, y, -1.0, first_only)  # -M, set with the data

        # lot sizes: orders = lot_size * lots (equality rows)
        lot = rows.shared_block(K, T, lot_edges.size)
        trip.put(lot, q[:, :, lot_edges], 1.0, first_only)
        trip.put(lot, lots, -a.lot_size[lot_edges], first_only)
        n_row = rows.count
        matrix = sp.csc_matrix(
            (np.concatenate(trip.vals), (np.concatenate(trip.rows), np.concatenate(trip.cols))), shape=(n_row, n_col)
        )
        self._rows = {"ship": ship, "cap": cap, "bal": bal, "dem": dem, "asm": asm, "fix": fix}
        self._meta = dict(limited=limited, pos=pos, ship_nodes=ship_nodes, cap_nodes=cap_nodes,
                          comp_edges=comp_edges, plain_edges=plain_edges, fixed_edges=fixed_edges, conv=conv,
                          carry=carry, first_only=first_only)
        self._fix_cols = (fix, y)
        self.size = {"columns": n_col, "rows": n_row, "nonzeros": int(matrix.nnz), "integers": int(integrality.sum())}
        self._row_lower = np.full(n_row, -np.inf)
        self._row_upper = np.zeros(n_row)
        self._row_lower[bal.ravel()] = 0.0
        self._row_lower[dem.ravel()] = 0.0
        self._row_lower[asm.ravel()] = 0.0
        self._row_lower[lot.ravel()] = 0.0
        built = time.perf_counter()
        self.highs = new_highs(solver)
        pass_model(self.highs, cost, lower, upper, self._row_lower, self._row_upper, matrix, integrality)
        self.seconds = {"build": built - start, "handoff": time.perf_counter() - built}
        self._all_rows = np.arange(n_row, dtype=np.int32)
        self._matrix = matrix if self.fixed else None

    def forget_basis(self) -> None:
        """Make the next solve start cold, as on a fresh model: with several optimal plans, which one a
        warm-started solve returns depends on the solves before it."""
        self.highs.clearSolver()

    # ------------------------------------------------------------------------------------------
    def _data(self, state: PlanState, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        a, m, r = self.arrays, self._meta, self._rows
        T = self.horizon
        lo, hi = self._row_lower.copy(), self._row_upper.copy()
        # shipping at t = 0 is bounded by the stock on hand
        hi[r["ship"][0, 0, :]] = state.on_hand[m["ship_nodes"]]
        hi[r["cap"]] = a.capacity[m["cap_nodes"]][None, None, :]
        # balance: stock at the start (t = 0) plus what is already in transit arriving in t
        R = state.arrivals.shape[1]
        horizon_arrivals = np.zeros((T, a.num_edges))
        n = min(R, T)
        horizon_arrivals[:n] = state.arrivals[:, :n].T
        limited, pos, plain = m["limited"], m["pos"], m["plain_edges"]
        rhs_bal = np.zeros((T, limited.size))
        rhs_bal[0] += state.on_hand[limited]
        if plain.size:
            np.add.at(rhs_bal, (slice(None), pos[a.edge_target[plain]]),
                      horizon_arrivals[:, plain] * m["conv"][plain][None, :])
        lo[r["bal"]] = hi[r["bal"]] = rhs_bal[None]
        rhs_dem = demand.copy()
        rhs_dem[:, 0, :] += m["carry"] * state.backlog
        lo[r["dem"]] = hi[r["dem"]] = rhs_dem
        comp = m["comp_edges"]
        if comp.size:
            rhs_asm = horizon_arrivals[:, comp].copy()
            rhs_asm[0] += state.components[comp]
            lo[r["asm"]] = hi[r["asm"]] = rhs_asm[None]
        offset = state.in_transit_cost(a, T)
        offset += T * float(a.holding_cost[a.unlimited] @ state.on_hand[a.unlimited])
        return lo, hi, offset

    def solve(self, demand, state: PlanState | None = None, *, raise_on_failure: bool = True) -> Solution:
        """Solve from ``state`` (default: the initial state) for ``demand`` of shape (T, D) or (K, T, D)."""
        start = time.perf_counter()
        d = as_scenarios(self.arrays, demand)
        if d.shape[:2] != (self.scenarios, self.horizon):
            raise InputError(
                f"demand: this model has {self.scenarios} scenario(s) x {self.horizon} periods, got "
                f"{d.shape[0]} x {d.shape[1]}"
            )
        state = state or PlanState.initial(self.arrays)
        lo, hi, offset = self._data(state, d)
        h = self.highs
        if self.fixed:
            fix, y = self._fix_cols
            big_m = order_bounds(self.arrays, d, state)[self._meta["fixed_edges"]]
            rows_f = fix[self._meta["first_only"][..., 0]].ravel()  # one row per distinct (k, t)
            cols_f = y[self._meta["first_only"][..., 0]].ravel()
            per_row = np.broadcast_to(big_m, fix.shape)[self._meta["first_only"][..., 0]].ravel()
            for row, c, value in zip(rows_f, cols_f, per_row):
                h.changeCoeff(int(row), int(c), -float(value))
        h.changeRowsBounds(len(lo), self._all_rows, lo, hi)
        handoff = time.perf_counter() - start
        result = run(h, integer=self.integer)
        seconds = {"build": 0.0, "handoff": handoff, "solve": result.seconds}
        what = f"planning model of {self.arrays.name!r}"
        message = "" if result.status == Status.OPTIMAL else failure_message(result.status, what)
        if result.values is None:
            if raise_on_failure:
                raise SolverError(message)
            return Solution(result.status, None, self.form, seconds=seconds, size=dict(self.size), message=message)
        sign = -1.0 if self.form == "profit" else 1.0
        objective = sign * (result.objective + offset)
        bound = None if result.bound is None else sign * (result.bound + offset)
        if result.status == Status.TIME_LIMIT:
            message = f"{what}: time limit reached; best plan found, relative gap {result.gap:.3g}"
        solution = Solution(
            status=result.status, objective=objective, form=self.form, bound=bound, gap=result.gap,
            nodes=self.arrays.node_ids, edges=self.arrays.edge_keys,
            demand_nodes=self.arrays.node_ids[self.arrays.demand_slice], transshipment_edges=self.arrays.trans_keys,
            seconds=seconds, size=dict(self.size), message=message,
        )
        solution.decisions = self._decisions(result.values, state)
        return solution

    def first_orders(self, demand, state: PlanState) -> np.ndarray:
        """(E,) the first period's orders of the optimal plan (what a rolling-horizon policy applies)."""
        return self.solve(demand, state).decisions["orders"][0, 0]

    def _decisions(self, values: np.ndarray, state: PlanState) -> dict[str, np.ndarray]:
        a, c, m = self.arrays, self._cols, self._meta
        K, T = self.scenarios, self.horizon
        on_hand = np.broadcast_to(state.on_hand[None, None, :], (K, T, a.num_nodes)).copy()
        on_hand[:, :, m["limited"]] = values[c["x"]]
        kits = np.zeros((K, T, a.num_nodes))
        kits[:, :, m["limited"][a.assembly[m["limited"]]]] = values[c["kit"]]
        placed = np.zeros((K, T, a.num_edges))
        placed[:, :, m["fixed_edges"]] = np.round(values[c["y"]])
        trans = np.zeros((K, T, len(a.trans_keys)))
        if c["z"].size:
            trans[:] = values[c["z"]]
        return {
            "orders": np.maximum(values[c["q"]], 0.0),
            "on_hand": on_hand,
            "sales": values[c["s"]],
            "unmet": values[c["u"]],
            "kits": kits,
            "transshipped": trans,
            "order_placed": placed,
        }
