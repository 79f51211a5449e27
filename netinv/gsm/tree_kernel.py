"""The tree recursion of :func:`netinv.gsm.tree.tree_dp_core`, compiled with numba: the same
upward pass and backtrack, one compiled loop over the (S, SI) grid of each stage instead of a few numpy
calls per stage (whose Python overhead dominates on the real chains, where a grid has a few hundred
cells). Branch and bound calls the recursion tens of thousands of times. Imported only when numba is
installed (:func:`netinv.gsm.tree.tree_dp_fast` falls back to the numpy recursion); compiled
once and cached on disk.

Stages are given in post-order (every stage after its children); ``parent_edge_up[k]`` is True when
k supplies its parent (edge k -> parent), so the parent needs F_k(x) = min_{S_k <= x} f_k(S_k), and
False when k is its parent's customer, so the parent needs G_k(y) = min_{SI_k >= y} g_k(SI_k).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _cost_by_net(coefficient, first, last, lowest, highest):
    """c sqrt(tau) for tau = first .. last, inf outside [lowest, highest]."""
    cost = np.empty(last - first + 1)
    for d in range(cost.size):
        tau = first + d
        cost[d] = coefficient * np.sqrt(tau) if lowest <= tau <= highest else np.inf
    return cost


@njit(cache=True)
def _grids(s_low, s_high, si_low, si_high, service_weight, inbound_weight):
    """Where each stage's grids start (S grids in s_start, SI grids in si_start, n + 1 entries each) and
    the linear terms on them: from_suppliers = b_k SI on k's SI grid, from_customers = a_k S on its S grid
    (the children's F and G terms are added to them by the upward pass)."""
    n = s_low.size
    s_size = s_high - s_low + 1
    si_size = si_high - si_low + 1
    s_start = np.zeros(n + 1, dtype=np.int64)
    si_start = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        s_start[k + 1] = s_start[k] + max(s_size[k], 0)
        si_start[k + 1] = si_start[k] + max(si_size[k], 0)
    from_suppliers = np.zeros(si_start[n])  # b_k SI + sum F_i(SI - L) on k's SI grid
    from_customers = np.zeros(s_start[n])  # a_k S + sum G_i(S + L) on k's S grid
    for k in range(n):
        for x in range(si_size[k]):
            from_suppliers[si_start[k] + x] = inbound_weight[k] * (si_low[k] + x)
        for x in range(s_size[k]):
            from_customers[s_start[k] + x] = service_weight[k] * (s_low[k] + x)
    return s_start, si_start, from_suppliers, from_customers


@njit(cache=True)
def _running_min(running, running_arg, start, size, prefix):
    """In place on running[start:start + size]: the prefix minimum (``prefix``; ties to the largest
    index, F over S) or the suffix minimum (ties to the smallest index, G over SI), with where each
    minimum is attained (grid index) in ``running_arg``."""
    for step in range(size):
        x = step if prefix else size - 1 - step
        before = x - 1 if prefix else x + 1
        if step == 0 or running[start + x] <= running[start + before]:
            running_arg[start + x] = x
        else:
            running[start + x] = running[start + before]
            running_arg[start + x] = running_arg[start + before]


@njit(cache=True)
def _forward(order, parent, parent_edge_up, parent_lead, coefficient, processing, s_low, s_high, si_low, si_high,
             net_low, net_high, service_weight, inbound_weight):
    """The upward pass. Returns (total, s_start, si_start, width, from_suppliers, from_customers, running,
    running_arg, best_other, root_s, root_si, root_value); total = inf when no point fits. Grids: stage k's
    S grid at s_start[k] in the S-indexed arrays, its SI grid at si_start[k] (at width + si_start[k] in
    ``running``, ``running_arg`` and ``best_other``)."""
    n = order.size
    s_size = s_high - s_low + 1
    si_size = si_high - si_low + 1
    s_start, si_start, from_suppliers, from_customers = _grids(s_low, s_high, si_low, si_high, service_weight,
                                                               inbound_weight)
    # F_k on the S grid (at s_start[k]) or G_k on the SI grid (at si_start[k] + width), where it is attained,
    # and the best other time per grid point
    width = s_start[n]
    running = np.empty(width + si_start[n])
    running_arg = np.empty(width + si_start[n], dtype=np.int64)
    best_other = np.empty(width + si_start[n], dtype=np.int64)
    total = 0.0
    root_s = np.zeros(n, dtype=np.int64)
    root_si = np.zeros(n, dtype=np.int64)
    root_value = np.zeros(n)
    for k in range(n):
        if s_size[k] <= 0 or si_size[k] <= 0:
            total = np.inf
    if total == np.inf:
        return (total, s_start, si_start, width, from_suppliers, from_customers, running, running_arg, best_other,
                root_s, root_si, root_value)
    for position in range(n):
        k = order[position]
        ns, nsi = s_size[k], si_size[k]
        s0, si0 = s_start[k], si_start[k] + width
        lowest = max(net_low[k], 0)
        p = parent[k]
        if p < 0 or parent_edge_up[k]:  # f_k(S) = G terms + min over SI (root: min over both)
            best_value, best_s, best_si = np.inf, 0, 0
            shift = si_low[k] + processing[k] - s_low[k]  # tau = shift + y - x
            cost = _cost_by_net(coefficient[k], shift - (ns - 1), shift + nsi - 1, lowest, net_high[k])
            for x in range(ns):
                best, arg = np.inf, 0
                y_first = max(0, lowest - shift + x)
                y_last = min(nsi - 1, net_high[k] - shift + x)
                for y in range(y_first, y_last + 1):
                    value = cost[y - x + ns - 1] + from_suppliers[si_start[k] + y]
                    if value < best:
                        best, arg = value, y
                value = best + from_customers[s0 + x]
                if p < 0:
                    if value < best_value:
                        best_value, best_s, best_si = value, x, arg
                else:
                    best_other[s0 + x] = arg
                    running[s0 + x] = value
            if p < 0:
                total += best_value
                root_value[k] = best_value
                root_s[k], root_si[k] = s_low[k] + best_s, si_low[k] + best_si
                continue
            _running_min(running, running_arg, s0, ns, True)
            # the parent's inbound grid: F_k(SI_p - L)
            for y in range(si_size[p]):
                x = si_low[p] + y - parent_lead[k] - s_low[k]
                if x < 0:
                    from_suppliers[si_start[p] + y] = np.inf
                else:
                    from_suppliers[si_start[p] + y] += running[s0 + min(x, ns - 1)]
        else:  # g_k(SI) = F terms + min over S; the parent supplies k
            shift = si_low[k] + processing[k] - s_low[k]  # tau = shift + y - x
            cost = _cost_by_net(coefficient[k], shift - (ns - 1), shift + nsi - 1, lowest, net_high[k])
            for y in range(nsi):
                best, arg = np.inf, 0
                x_first = max(0, shift + y - net_high[k])
                x_last = min(ns - 1, shift + y - lowest)
                for x in range(x_first, x_last + 1):
                    value = cost[y - x + ns - 1] + from_customers[s0 + x]
                    if value < best:
                        best, arg = value, x
                best_other[si0 + y] = arg
                running[si0 + y] = best + from_suppliers[si_start[k] + y]
            _running_min(running, running_arg, si0, nsi, False)
            # the parent's service grid: G_k(S_p + L)
            for x in range(s_size[p]):
                y = s_low[p] + x + parent_lead[k] - si_low[k]
                if y >= nsi:
                    from_customers[s_start[p] + x] = np.inf
                else:
                    from_customers[s_start[p] + x] += running[si0 + max(y, 0)]
    return (total, s_start, si_start, width, from_suppliers, from_customers, running, running_arg, best_other,
            root_s, root_si, root_value)


@njit(cache=True)
def tree_dp_kernel(order, parent, parent_edge_up, parent_lead, coefficient, processing, s_low, s_high, si_low,
                   si_high, net_low, net_high, service_weight, inbound_weight, service, inbound):
    """Least value of sum_j c_j sqrt(tau_j) + a_j S_j + b_j SI_j over the forest and the ranges; writes
    the minimizing S and SI into ``service`` and ``inbound``. Returns inf when no point fits."""
    n = order.size
    (total, s_start, si_start, width, _, _, running, running_arg, best_other, root_s, root_si,
     _) = _forward(order, parent, parent_edge_up, parent_lead, coefficient, processing, s_low, s_high, si_low,
                   si_high, net_low, net_high, service_weight, inbound_weight)
    if not total < np.inf:
        return np.inf
    for position in range(n - 1, -1, -1):  # parents before children
        k = order[position]
        p = parent[k]
        if p < 0:
            service[k], inbound[k] = root_s[k], root_si[k]
        elif parent_edge_up[k]:  # the best S_k <= SI_p - L, then its SI
            x = min(inbound[p] - parent_lead[k], s_high[k]) - s_low[k]
            x = running_arg[s_start[k] + x]
            service[k] = s_low[k] + x
            inbound[k] = si_low[k] + best_other[s_start[k] + x]
        else:  # the best SI_k >= S_p + L, then its S
            y = max(service[p] + parent_lead[k] - si_low[k], 0)
            y = running_arg[width + si_start[k] + y]
            inbound[k] = si_low[k] + y
            service[k] = s_low[k] + best_other[width + si_start[k] + y]
    return total


@njit(cache=True)
def _part(child, parent, parent_edge_up, parent_lead, s_low, s_high, si_low, si_high, s_start, si_start, width,
          running, index):
    """Child's term on its parent's grid at grid position ``index``: F_child(SI_p - L) on the parent's SI
    grid when the child supplies the parent, G_child(S_p + L) on its S grid otherwise."""
    p = parent[child]
    if parent_edge_up[child]:
        x = si_low[p] + index - parent_lead[child] - s_low[child]
        if x < 0:
            return np.inf
        return running[s_start[child] + min(x, s_high[child] - s_low[child])]
    y = s_low[p] + index + parent_lead[child] - si_low[child]
    if y > si_high[child] - si_low[child]:
        return np.inf
    return running[width + si_start[child] + max(y, 0)]


@njit(cache=True)
def _keep_within(values, first, limit, kept, row, stage):
    """Write the first and last value (``first`` + index) whose min-marginal is <= ``limit`` into
    kept[row, stage] and kept[row + 1, stage]; False when none is."""
    low, high = -1, -1
    for v in range(values.size):
        if values[v] <= limit:
            if low < 0:
                low = v
            high = v
    kept[row, stage], kept[row + 1, stage] = first + low, first + high
    return low >= 0


@njit(cache=True)
def _children_sums(p, ns, nsi, children_start, children, parent, parent_edge_up, parent_lead, s_low, s_high, si_low,
                   si_high, s_start, si_start, width, running):
    """The sums of p's children's terms on p's grids, finite part and count of infinite terms, so that
    "all but child i" costs one subtraction: (on the SI grid from suppliers: sum, count; on the S grid
    from customers: sum, count)."""
    supply_sum, supply_count = np.zeros(nsi), np.zeros(nsi, dtype=np.int64)
    customer_sum, customer_count = np.zeros(ns), np.zeros(ns, dtype=np.int64)
    for c in range(children_start[p], children_start[p + 1]):
        i = children[c]
        grid_size = nsi if parent_edge_up[i] else ns
        for index in range(grid_size):
            part = _part(i, parent, parent_edge_up, parent_lead, s_low, s_high, si_low, si_high, s_start,
                         si_start, width, running, index)
            if parent_edge_up[i]:
                if part < np.inf:
                    supply_sum[index] += part
                else:
                    supply_count[index] += 1
            elif part < np.inf:
                customer_sum[index] += part
            else:
                customer_count[index] += 1
    return supply_sum, supply_count, customer_sum, customer_count


@njit(cache=True)
def tree_reduce_kernel(order, parent, parent_edge_up, parent_lead, coefficient, processing, s_low, s_high, si_low,
                       si_high, net_low, net_high, service_weight, inbound_weight, children_start, children, limit,
                       kept):
    """Min-marginals of the tree recursion (as :func:`netinv.gsm.tree.tree_dp_marginals`), reduced
    to what domain reduction needs: for each stage the first and last S, SI and tau whose min-marginal is
    <= ``limit``, written into ``kept`` (rows: S low, S high, SI low, SI high, tau low, tau high). Returns
    (least value, whether some stage keeps no value)."""
    n = order.size
    (total, s_start, si_start, width, from_suppliers, from_customers, running, _, _, _, _,
     root_value) = _forward(order, parent, parent_edge_up, parent_lead, coefficient, processing, s_low, s_high,
                            si_low, si_high, net_low, net_high, service_weight, inbound_weight)
    if not total < np.inf:
        return total, True
    component_root = np.empty(n, dtype=np.int64)
    for position in range(n - 1, -1, -1):
        k = order[position]
        component_root[k] = k if parent[k] < 0 else component_root[parent[k]]
    # Out_k on k's S grid (k supplies its parent) or SI grid (k is its parent's customer)
    outside_s = np.zeros(s_start[n])
    outside_si = np.zeros(si_start[n])
    empty = False
    for position in range(n - 1, -1, -1):  # parents before children
        p = order[position]
        ns, nsi = s_high[p] - s_low[p] + 1, si_high[p] - si_low[p] + 1
        s0, si0 = s_start[p], si_start[p]
        others = total - root_value[component_root[p]]
        lowest = max(net_low[p], 0)
        first_net = si_low[p] + processing[p] - s_high[p]
        by_service = np.full(ns, np.inf)
        by_inbound = np.full(nsi, np.inf)
        by_net = np.full(ns + nsi - 1, np.inf)
        over_si = np.full(nsi, np.inf)  # A_p(SI): min over S of grid + customers' terms + Out on S
        over_s = np.full(ns, np.inf)  # B_p(S): min over SI of grid + suppliers' terms + Out on SI
        shift = si_low[p] + processing[p] - s_low[p]  # tau = shift + y - x
        cost = _cost_by_net(coefficient[p], shift - (ns - 1), shift + nsi - 1, lowest, net_high[p])
        for x in range(ns):
            for y in range(max(0, lowest - shift + x), min(nsi - 1, net_high[p] - shift + x) + 1):
                tau = shift + y - x
                grid = cost[y - x + ns - 1]
                on_s = grid + from_customers[s0 + x] + outside_s[s0 + x]
                on_si = grid + from_suppliers[si0 + y] + outside_si[si0 + y]
                cell = on_s + from_suppliers[si0 + y] + outside_si[si0 + y] + others
                by_service[x] = min(by_service[x], cell)
                by_inbound[y] = min(by_inbound[y], cell)
                d = tau - first_net
                by_net[d] = min(by_net[d], cell)
                over_si[y] = min(over_si[y], on_s)
                over_s[x] = min(over_s[x], on_si)
        for row, values, first in ((0, by_service, s_low[p]), (2, by_inbound, si_low[p]), (4, by_net, first_net)):
            if not _keep_within(values, first, limit, kept, row, p):
                empty = True
        # sums of the children's terms on each side (finite part, count of infinite terms), so that
        # "all but child i" costs one subtraction
        supply_sum, supply_count, customer_sum, customer_count = _children_sums(
            p, ns, nsi, children_start, children, parent, parent_edge_up, parent_lead, s_low, s_high, si_low, si_high,
            s_start, si_start, width, running)
        for c in range(children_start[p], children_start[p + 1]):
            i = children[c]
            if parent_edge_up[i]:  # supplier child: Out_i(S) = min_{SI_p >= S + L} [A_p + other suppliers' terms ...]
                suffix = np.empty(nsi)
                for y in range(nsi - 1, -1, -1):
                    part = _part(i, parent, parent_edge_up, parent_lead, s_low, s_high, si_low, si_high, s_start,
                                 si_start, width, running, y)
                    infinite = supply_count[y] - (0 if part < np.inf else 1)
                    rest = np.inf if infinite > 0 else supply_sum[y] - (part if part < np.inf else 0.0)
                    value = over_si[y] + rest + inbound_weight[p] * (si_low[p] + y) + outside_si[si0 + y]
                    suffix[y] = value if y == nsi - 1 else min(value, suffix[y + 1])
                for x in range(s_high[i] - s_low[i] + 1):
                    index = s_low[i] + x + parent_lead[i] - si_low[p]
                    outside_s[s_start[i] + x] = np.inf if index >= nsi else suffix[max(index, 0)]
            else:  # customer child: Out_i(SI) = min_{S_p <= SI - L} [B_p + other customers' terms ...]
                prefix = np.empty(ns)
                for x in range(ns):
                    part = _part(i, parent, parent_edge_up, parent_lead, s_low, s_high, si_low, si_high, s_start,
                                 si_start, width, running, x)
                    infinite = customer_count[x] - (0 if part < np.inf else 1)
                    rest = np.inf if infinite > 0 else customer_sum[x] - (part if part < np.inf else 0.0)
                    value = over_s[x] + rest + service_weight[p] * (s_low[p] + x) + outside_s[s0 + x]
                    prefix[x] = value if x == 0 else min(value, prefix[x - 1])
                for y in range(si_high[i] - si_low[i] + 1):
                    index = si_low[i] + y - parent_lead[i] - s_low[p]
                    outside_si[si_start[i] + y] = np.inf if index < 0 else prefix[min(index, ns - 1)]
    return total, empty
