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
        self.arrays = arrays
        self.horizon = int(horizon)
        self.scenarios = int(scenarios)
        self.options = options
        self.solver = solver
        self.form = objective_form(arrays)
        self.fixed = options.uses_fixed_costs(arrays)
        layout = _Layout(arrays, self.horizon, self.scenarios, options, self.fixed)
        self.integer = bool(options.integer_orders or self.fixed or layout.lot_edges.size)
        cost = layout.objective()
        lower, upper, integrality = layout.column_bounds()
        matrix, row_lower, row_upper = layout.constraints()
        self._cols = layout.cols
        self._rows = layout.rows
        self._meta = dict(limited=layout.limited, pos=layout.pos, ship_nodes=layout.ship_nodes,
                          cap_nodes=layout.cap_nodes, comp_edges=layout.comp_edges, plain_edges=layout.plain_edges,
                          fixed_edges=layout.fixed_edges, conv=layout.conv, carry=layout.carry,
                          first_only=layout.first_only)
        self._fix_cols = (layout.rows["fix"], layout.cols["y"])
        n_row = matrix.shape[0]
        self.size = {"columns": matrix.shape[1], "rows": n_row, "nonzeros": int(matrix.nnz),
                     "integers": int(integrality.sum())}
        self._row_lower, self._row_upper = row_lower, row_upper
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
        # units owed are shipped first, in period 0 (the first period's orders are shared by all scenarios)
        first_orders = self._cols["q"][0, 0, :]
        h.changeColsBounds(len(first_orders), first_orders.astype(np.int32), state.owed_shipments(self.arrays),
                           np.asarray(self.arrays.edge_capacity, dtype=float))
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


class _Layout:
    """Where every column and row of the planning LP sits, and the steps that fill them (one per method).

    Columns (index arrays, shape (K, T, n)): orders ``q`` (period 0 shared by all scenarios), on hand
    ``x`` of limited nodes, sales ``s``, unmet ``u``, assembly ``kit`` and ``comp``, transshipments ``z``,
    order placed ``y`` (fixed costs), ``lots``. Rows: ``ship``, ``cap``, ``bal``, ``dem``, ``asm``, ``fix``,
    ``lot``; the data (state, demand) enter only their bounds, set by :meth:`PlanningLP._data`.
    """

    def __init__(self, a: NetworkArrays, T: int, K: int, options: PlanOptions, fixed: bool):
        self.a, self.T, self.K, self.options = a, T, K, options
        N, D = a.num_nodes, a.num_demand_nodes
        self.first_demand = N - D
        self.lot_edges = np.flatnonzero(a.lot_size > 0)
        self.X = len(a.trans_keys) if options.transshipment and len(a.trans_keys) > 0 else 0
        self.limited = limited = np.flatnonzero(~a.unlimited)
        self.pos = np.full(N, -1)
        self.pos[limited] = np.arange(limited.size)
        self.asm_nodes = limited[a.assembly[limited]]
        self.asm_pos = np.full(N, -1)
        self.asm_pos[self.asm_nodes] = np.arange(self.asm_nodes.size)
        self.comp_edges = np.flatnonzero(a.assembly[a.edge_target])
        self.plain_edges = np.flatnonzero(~a.assembly[a.edge_target] & ~a.unlimited[a.edge_target])
        self.fixed_edges = np.flatnonzero(a.fixed_order_cost > 0) if fixed else np.zeros(0, dtype=np.int64)
        self.lead = a.lead_time.astype(np.int64)
        self.conv = a.yield_[a.edge_target] / a.quantity
        self.carry = a.backlog[self.first_demand:N].astype(float)
        self.t_idx = np.arange(T)
        self.k_idx = np.arange(K)[:, None, None]
        self.tt = self.t_idx[None, :, None]
        self.first_only = (self.tt > 0) | (self.k_idx == 0)  # rows of period 0 that only involve shared columns
        self._add_columns()

    def _add_columns(self) -> None:
        a, K, T = self.a, self.K, self.T
        col = _Columns()
        q = col.shared_block(K, T, a.num_edges)  # orders; period 0 shared by all scenarios
        x = col.block(K, T, self.limited.size)
        s = col.block(K, T, a.num_demand_nodes)
        u = col.block(K, T, a.num_demand_nodes)
        kit = col.block(K, T, self.asm_nodes.size)
        comp = col.block(K, T, self.comp_edges.size)
        z = col.block(K, T, self.X)
        y = col.shared_block(K, T, self.fixed_edges.size)
        self.lots = col.shared_block(K, T, self.lot_edges.size)
        self.n_col = col.count
        self.cols = {"q": q, "x": x, "s": s, "u": u, "kit": kit, "comp": comp, "z": z, "y": y}

    def objective(self) -> np.ndarray:
        """Cost minus revenue per column; scenario weight 1/K (shared columns collect K times 1/K)."""
        a, c, T = self.a, self.cols, self.T
        w = 1.0 / self.K
        cost = np.zeros(self.n_col)
        per_unit = a.purchase_cost + a.operating_cost[a.edge_source]
        pipe = a.pipeline_holding_cost[None, :] * np.minimum(self.lead[None, :], T - self.t_idx[:, None])  # (T, E)
        np.add.at(cost, c["q"], w * (per_unit[None, None, :] + pipe[None]))
        np.add.at(cost, c["x"], w * a.holding_cost[self.limited][None, None, :])
        ds = slice(self.first_demand, a.num_nodes)
        np.add.at(cost, c["s"], w * (a.operating_cost[ds] - a.price[ds])[None, None, :])
        np.add.at(cost, c["u"], w * a.shortage_cost[ds][None, None, :])
        np.add.at(cost, c["comp"], w * a.holding_cost[a.edge_source[self.comp_edges]][None, None, :])
        if self.X:
            np.add.at(cost, c["z"], w * a.trans_unit_cost[None, None, :])
        np.add.at(cost, c["y"], w * a.fixed_order_cost[self.fixed_edges][None, None, :])
        return cost

    def column_bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower, upper, integrality) of every column."""
        c = self.cols
        lower = np.zeros(self.n_col)
        upper = np.full(self.n_col, np.inf)
        upper[c["q"]] = np.broadcast_to(self.a.edge_capacity[None, None, :], c["q"].shape)
        if self.options.meet_demand:
            upper[c["u"]] = 0.0
        upper[c["y"]] = 1.0
        integrality = np.zeros(self.n_col, dtype=np.int32)
        integrality[c["y"]] = 1
        integrality[self.lots] = 1
        if self.options.integer_orders:
            integrality[c["q"]] = 1
        return lower, upper, integrality

    def constraints(self) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
        """The constraint matrix and the row bounds that do not depend on the data."""
        trip, rows = _Triplets(), _Columns()
        self.rows = {}
        self._shipping_rows(trip, rows)
        self._balance_rows(trip, rows)
        self._demand_rows(trip, rows)
        self._assembly_rows(trip, rows)
        lot = self._order_rows(trip, rows)
        n_row = rows.count
        matrix = sp.csc_matrix(
            (np.concatenate(trip.vals), (np.concatenate(trip.rows), np.concatenate(trip.cols))),
            shape=(n_row, self.n_col),
        )
        row_lower = np.full(n_row, -np.inf)
        row_upper = np.zeros(n_row)
        for equality in (self.rows["bal"], self.rows["dem"], self.rows["asm"], lot):
            row_lower[equality.ravel()] = 0.0
        return matrix, row_lower, row_upper

    def _shipping_rows(self, trip: _Triplets, rows: _Columns) -> None:
        """shipping: orders out of a limited node <= its stock at the start of the period; node capacity."""
        a, q, x, N = self.a, self.cols["q"], self.cols["x"], self.a.num_nodes
        self.ship_nodes = np.array([i for i in self.limited if np.any(a.edge_source == i)], dtype=np.int64)
        ship = rows.shared_block(self.K, self.T, self.ship_nodes.size)
        self.out_e = np.flatnonzero(~a.unlimited[a.edge_source])
        ship_of = np.full(N, -1)
        ship_of[self.ship_nodes] = np.arange(self.ship_nodes.size)
        trip.put(ship[:, :, ship_of[a.edge_source[self.out_e]]], q[:, :, self.out_e], 1.0, self.first_only)
        if self.T > 1:
            trip.put(ship[:, 1:, :], x[:, :-1, self.pos[self.ship_nodes]], -1.0)
        self.cap_nodes = np.array(
            [i for i in range(N) if np.isfinite(a.capacity[i]) and np.any(a.edge_source == i)], dtype=np.int64
        )
        cap = rows.shared_block(self.K, self.T, self.cap_nodes.size)
        cap_of = np.full(N, -1)
        cap_of[self.cap_nodes] = np.arange(self.cap_nodes.size)
        cap_e = np.flatnonzero(cap_of[a.edge_source] >= 0)
        trip.put(cap[:, :, cap_of[a.edge_source[cap_e]]], q[:, :, cap_e], 1.0, self.first_only)
        self.rows.update(ship=ship, cap=cap)

    def _arrivals(self, edges: np.ndarray, lead_times: np.ndarray, cols: np.ndarray):
        """(columns, mask): the column shipped ``lead_times`` periods before each (k, t, edge), where there is one."""
        tau = self.tt - lead_times[None, None, :]
        ok = np.broadcast_to(tau >= 0, (self.K, self.T, edges.size))
        shipped = cols[np.broadcast_to(self.k_idx, ok.shape), np.broadcast_to(np.maximum(tau, 0), ok.shape),
                       np.broadcast_to(edges[None, None, :], ok.shape)]
        return shipped, ok

    def _balance_rows(self, trip: _Triplets, rows: _Columns) -> None:
        """balance of every limited node: stock = before + arrivals - shipped - sales +/- transshipments."""
        a, c, pos, plain = self.a, self.cols, self.pos, self.plain_edges
        bal = rows.block(self.K, self.T, self.limited.size)
        trip.put(bal, c["x"], 1.0)
        if self.T > 1:
            trip.put(bal[:, 1:, :], c["x"][:, :-1, :], -1.0)
        trip.put(bal[:, :, pos[a.edge_source[self.out_e]]], c["q"][:, :, self.out_e], 1.0)
        trip.put(bal[:, :, pos[self.first_demand:a.num_nodes]], c["s"], 1.0)
        if plain.size:
            src_cols, ok = self._arrivals(plain, self.lead[plain], c["q"])
            trip.put(bal[:, :, pos[a.edge_target[plain]]], src_cols, -self.conv[plain], ok)
        if self.asm_nodes.size:
            trip.put(bal[:, :, pos[self.asm_nodes]], c["kit"], -a.yield_[self.asm_nodes])
        if self.X:
            trip.put(bal[:, :, pos[a.trans_source]], c["z"], 1.0)
            zc, ok = self._arrivals(np.arange(self.X), a.trans_lead_time, c["z"])
            trip.put(bal[:, :, pos[a.trans_target]], zc, -1.0, ok)
        self.rows["bal"] = bal

    def _demand_rows(self, trip: _Triplets, rows: _Columns) -> None:
        """demand: unmet = carry * unmet before + demand - sales."""
        u = self.cols["u"]
        dem = rows.block(self.K, self.T, self.a.num_demand_nodes)
        trip.put(dem, u, 1.0)
        trip.put(dem, self.cols["s"], 1.0)
        if self.T > 1:
            trip.put(dem[:, 1:, :], u[:, :-1, :], -self.carry[None, None, :])
        self.rows["dem"] = dem

    def _assembly_rows(self, trip: _Triplets, rows: _Columns) -> None:
        """assembly components: stock = before + arrivals - quantity * kits."""
        a, comp, comp_edges = self.a, self.cols["comp"], self.comp_edges
        asm = rows.block(self.K, self.T, comp_edges.size)
        if comp_edges.size:
            trip.put(asm, comp, 1.0)
            if self.T > 1:
                trip.put(asm[:, 1:, :], comp[:, :-1, :], -1.0)
            trip.put(asm, self.cols["kit"][:, :, self.asm_pos[a.edge_target[comp_edges]]], a.quantity[comp_edges])
            src_cols, ok = self._arrivals(comp_edges, self.lead[comp_edges], self.cols["q"])
            trip.put(asm, src_cols, -1.0, ok)
        self.rows["asm"] = asm

    def _order_rows(self, trip: _Triplets, rows: _Columns) -> np.ndarray:
        """fixed order costs: orders <= M * placed (M set with the data); lot sizes: orders = lot_size * lots.
        Returns the lot-size rows (equalities)."""
        q, first_only = self.cols["q"], self.first_only
        fix = rows.shared_block(self.K, self.T, self.fixed_edges.size)
        trip.put(fix, q[:, :, self.fixed_edges], 1.0, first_only)
        trip.put(fix, self.cols["y"], -1.0, first_only)  # -M, set with the data
        lot = rows.shared_block(self.K, self.T, self.lot_edges.size)
        trip.put(lot, q[:, :, self.lot_edges], 1.0, first_only)
        trip.put(lot, self.lots, -self.a.lot_size[self.lot_edges], first_only)
        self.rows["fix"] = fix
        return lot
