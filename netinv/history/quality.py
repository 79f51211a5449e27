"""The data-quality report of a demand history, and the cleaned series it leaves.

:func:`check_history` reads every record of a :class:`~netinv.history.records.RawHistory` and
reports, per node and with the dates concerned:

==================== ==============================================================================
kind                 what, and the cleaning step applied
==================== ==============================================================================
``non_numeric``      the quantity is not a finite number: the row is left out
``negative``         the quantity is below zero (returns?): the row is left out
``duplicate``        identical rows (same date, node and quantity): one is kept
``multiple_records`` several rows for one node and date with different quantities: summed
                     (``repeated="sum"``, several transactions) or the last one kept (``"last"``)
``unknown_node``     a node of the history that is not in the network: its rows are left out
``not_a_demand_node`` a node of the network whose demand is not read from this history: left out
``no_history``       a demand node of the network with no row in the history
``missing``          dates of the history's grid (one record every ``step_days``) with no record,
                     between the node's first and last date: left out of the fit (never read as 0)
``outlier``          a quantity too unlikely under the node's fitted demand (below): left out
                     (``outliers="drop"``) or kept (``"keep"``); the reason gives the numbers
==================== ==============================================================================

Outliers are judged against the node's own demand: the families of :mod:`netinv.history.fit` are
fitted to the node's records (divided by the mean of their season position, relative to the
overall one (10%-trimmed means), when the series is seasonal: :func:`seasonality`), and a record is an outlier when
its tail probability under the chosen family, P(X >= x) or P(X <= x), is below the per-record level

    alpha_node = 1 - (1 - alpha)^(1/m),   limit = 1 - (1 - alpha_node)^(1/2n)  (about alpha / 2mn)

for a history of m judged nodes with n records at the node (Sidak corrections over the nodes and over
the 2n one-sided tests of a node): ``alpha`` (``QualityConfig.outlier_alpha``, 0.1% by default) is the
chance of one or more false alarms over the whole clean history, whatever its length and number of
nodes. Records far beyond a
median/MAD fence (the normal quantile of the same per-record level) are left out of the
first fit, and the fit is repeated without the outliers found
until no new one appears, so that a spike cannot hide another by inflating the variance.

Nothing is dropped silently: every step is listed in ``QualityReport.cleaning``; ``strict`` turns
findings into a one-line error.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from netinv.attrs import MAX_DEMAND_MEAN
from netinv.errors import InputError
from netinv.history.records import RawHistory

FINDING_KINDS = (
    "non_numeric", "negative", "duplicate", "multiple_records", "unknown_node", "not_a_demand_node",
    "no_history", "missing", "outlier",
)
_MAD_SCALE = 0.6745  # Phi^-1(3/4): MAD / 0.6745 estimates the standard deviation of normal data


@dataclass(frozen=True)
class QualityConfig:
    """How a history is judged and cleaned.

    outlier_alpha: family-wise level [alpha]: the chance of one or more false outlier alarms over the
        whole clean history (all its nodes and records together); see the module docstring for the
        per-record level it sets.
    min_z: kept for compatibility; not used by the tail-probability rule.
    outliers: ``"drop"`` (left out of the fit, the default) or ``"keep"`` (flagged only).
    repeated: records with one node and date and different quantities: ``"sum"`` or ``"last"``.
    seasonality_p: p-value below which the Kruskal-Wallis test over season positions calls a series
        seasonal.
    """

    outlier_alpha: float = 0.001
    min_z: float = 3.5
    outliers: str = "drop"
    repeated: str = "sum"
    seasonality_p: float = 1e-3

    def __post_init__(self):
        if self.outliers not in ("drop", "keep"):
            raise InputError(f"outliers must be 'drop' or 'keep', got {self.outliers!r}")
        if self.repeated not in ("sum", "last"):
            raise InputError(f"repeated must be 'sum' or 'last', got {self.repeated!r}")
        if not 0 < self.outlier_alpha < 1:
            raise InputError(f"outlier_alpha must be in (0, 1), got {self.outlier_alpha}")


@dataclass(frozen=True)
class Finding:
    """Something that looks wrong in the history: its ``kind`` (see :data:`FINDING_KINDS`), the
    ``node``, the ``dates`` concerned, the file ``lines`` when rows are concerned, and ``message``
    (the reason, with the numbers)."""

    kind: str
    node: str
    dates: tuple[dt.date, ...]
    message: str
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"node '{self.node}': {_span(self.dates)}: {self.kind}: {self.message}"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "node": self.node,
            "dates": [d.isoformat() for d in self.dates],
            "lines": list(self.lines),
            "message": self.message,
        }


@dataclass
class NodeSeries:
    """A node's cleaned history on the grid of its dates: ``dates[k] = start + k * step_days`` and
    ``values[k]`` its demand, NaN where no usable record remains (missing, dropped)."""

    node: str
    start: dt.date
    step_days: int
    values: np.ndarray

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=self.step_days * k) for k in range(self.values.size)]

    @property
    def observed(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]


@dataclass
class QualityReport:
    """What :func:`check_history` found (``findings``), the ``cleaning`` steps it applied, the
    history's grid (``step_days``: days between records) and the cleaned ``series`` per node."""

    path: str
    findings: list[Finding]
    cleaning: list[str]
    step_days: int
    series: dict[str, NodeSeries] = field(repr=False)
    seasonal: dict[str, int | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.kind for f in self.findings))

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "ok": self.ok,
            "step_days": self.step_days,
            "nodes": {
                node: {
                    "first": s.start.isoformat(),
                    "last": s.dates[-1].isoformat() if s.values.size else None,
                    "records": int(np.isfinite(s.values).sum()),
                    "season_length": self.seasonal.get(node),
                }
                for node, s in self.series.items()
            },
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "cleaning": list(self.cleaning),
        }

    def raise_if_findings(self) -> None:
        """Strict mode: a one-line InputError naming the first finding and how many there are."""
        if self.findings:
            more = len(self.findings) - 1
            tail = f" (and {more} more finding{'s' if more > 1 else ''})" if more else ""
            raise InputError(f"{self.path}: {self.findings[0]}{tail}")


def _span(dates) -> str:
    if not dates:
        return "no dates"
    if len(dates) == 1:
        return dates[0].isoformat()
    return f"{dates[0].isoformat()} .. {dates[-1].isoformat()} ({len(dates)} dates)"


def _lines(lines) -> str:
    lines = list(lines)
    shown = ", ".join(str(n) for n in lines[:8])
    return f"line{'s' if len(lines) > 1 else ''} {shown}{', ...' if len(lines) > 8 else ''}"


# --------------------------------------------------------------------------------------------------


def season_length(step_days: int) -> int | None:
    """The season to look for on a grid of ``step_days``: a week of days, a year of weeks."""
    return {1: 7, 7: 52}.get(step_days)


def seasonality(values: np.ndarray, period: int | None, p_value: float = 1e-3) -> bool:
    """Whether ``values`` (NaN = missing) vary with the position in a season of ``period`` steps:
    a Kruskal-Wallis test over season positions, on at least two full seasons, at ``p_value``."""
    if not period or values.size < 2 * period:
        return False
    pos = np.arange(values.size) % period
    ok = np.isfinite(values)
    groups = [values[ok & (pos == k)] for k in range(period)]
    if min(g.size for g in groups) < 2 or np.ptp(values[ok]) == 0:
        return False
    try:
        return bool(stats.kruskal(*groups).pvalue < p_value)
    except ValueError:
        return False


def robust_z(values: np.ndarray, period: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(z, center) of each value of ``values`` (NaN = missing) on the sqrt(x + 3/8) scale, relative to
    the median of its season position when ``period`` is given; ``center`` is that median mapped back
    to demand units (what the node usually sells at that position)."""
    y = np.sqrt(np.maximum(values, 0.0) + 0.375)
    base = np.full(values.size, np.nanmedian(y) if np.isfinite(y).any() else np.nan)
    if period:
        pos = np.arange(values.size) % period
        for k in range(period):
            sel = pos == k
            if np.isfinite(y[sel]).any():
                base[sel] = np.nanmedian(y[sel])
    resid = y - base
    med = np.nanmedian(resid)
    mad = np.nanmedian(np.abs(resid - med))
    if mad > 0:
        z = _MAD_SCALE * (resid - med) / mad
    else:  # more than half the values equal: the mean absolute deviation (scaled) instead
        mean_ad = np.nanmean(np.abs(resid - med))
        z = (resid - med) / (1.253314 * mean_ad) if mean_ad > 0 else np.zeros_like(resid)
    return z, base**2 - 0.375


def sidak(alpha: float, tests: int) -> float:
    """The level of each of ``tests`` independent tests that keeps the chance of one or more false
    alarms among them at ``alpha``: 1 - (1 - alpha)^(1/tests)."""
    return float(-np.expm1(np.log1p(-alpha) / max(tests, 1)))


def _outliers(values: np.ndarray, period: int | None, node_alpha: float):
    """(index, "high" | "low", tail probability, threshold, fit) of each outlier of ``values``, judged
    at ``node_alpha`` for the whole series (Sidak over its 2n one-sided tests)."""
    from netinv.history.fit import FitConfig, fit_demand, tail_probability

    x = values.copy()
    ok = np.isfinite(x)
    seasonal_factor = np.ones(x.size)
    if period:
        # seasonal factor of each position: its 10%-trimmed mean over the overall one (robust, and
        # finer than a median on small counts)
        overall = stats.trim_mean(x[ok], 0.1)
        pos = np.arange(x.size) % period
        factor = np.array([stats.trim_mean(x[ok & (pos == k)], 0.1) if (ok & (pos == k)).any() else np.nan
                           for k in range(period)]) / overall if overall > 0 else np.ones(period)
        factor = np.where(np.isfinite(factor) & (factor > 0), factor, 1.0)
        whole = bool(np.all(x[ok] == np.round(x[ok])))
        seasonal_factor = factor[pos]
        x = x / seasonal_factor
        if whole:  # counts stay counts, so that the count families (and their tails) apply
            x = np.round(x)
    n = int(ok.sum())
    limit = sidak(node_alpha, 2 * n)
    # the first fit leaves out what lies beyond the robust z of the same level (later fits take back
    # every record the tail test does not flag), so that a gross error cannot widen the first fit
    z, _ = robust_z(x)
    keep = ok & (np.abs(np.nan_to_num(z)) <= stats.norm.isf(limit))
    flagged = np.zeros(x.size, dtype=bool)
    fit = None
    for _ in range(6):
        if keep.sum() < 8:
            return []
        fit = fit_demand(x[keep], FitConfig())
        if not fit.candidates:
            return []
        # each record against the fitted demand of its own season position
        upper, lower = tail_probability(fit, np.where(ok, values, 0.0), seasonal_factor)
        new = ok & (np.minimum(upper, lower) < limit)
        if np.array_equal(new, flagged):
            break
        flagged = new
        keep = ok & ~flagged
    out = []
    for k in np.flatnonzero(flagged):
        high = upper[k] < lower[k]
        out.append((int(k), "high" if high else "low", float(upper[k] if high else lower[k]), limit, fit))
    return out


def check_history(
    raw: RawHistory,
    *,
    network_nodes=None,
    demand_nodes=None,
    config: QualityConfig = QualityConfig(),
) -> QualityReport:
    """Judge and clean ``raw``. With ``network_nodes`` (every node id of the network) and
    ``demand_nodes`` (the nodes whose demand this history gives), nodes are checked both ways."""
    findings: list[Finding] = []
    cleaning: list[str] = []
    by_key = _readable_quantities(raw, findings, cleaning)
    keep_nodes = _check_nodes(raw, network_nodes, demand_nodes, findings, cleaning)
    values = _combine_repeated(by_key, keep_nodes, config, findings, cleaning)
    step = _grid_step(values)
    series, missing_total = _series_on_grid(raw.nodes, values, step, findings)
    seasonal = _flag_outliers(series, step, config, findings)
    if missing_total:
        cleaning.append(f"{missing_total} missing date(s) left out of the fit (not read as zero demand)")
    outliers = [f for f in findings if f.kind == "outlier"]
    if outliers:
        verb = "left out of the fit" if config.outliers == "drop" else "kept (flagged only)"
        cleaning.append(f"{len(outliers)} outlier(s) {verb}")
    order = {kind: k for k, kind in enumerate(FINDING_KINDS)}
    findings.sort(key=lambda f: (order[f.kind], f.node, f.dates[:1]))
    return QualityReport(raw.path, findings, cleaning, step, series, seasonal)


def _readable_quantities(raw: RawHistory, findings: list[Finding], cleaning: list[str]):
    """{(node, date): [(line, quantity)]} of the rows whose quantity is a number >= 0; the others are findings."""
    by_key: dict[tuple[str, dt.date], list[tuple[int, float]]] = defaultdict(list)
    bad_number, negative = [], []
    for r in raw.records:
        try:
            x = float(r.quantity)
        except ValueError:
            x = math.nan
        if not math.isfinite(x) or x > MAX_DEMAND_MEAN:
            what = "is not a number" if not math.isfinite(x) else f"is over the limit of {MAX_DEMAND_MEAN:g} units"
            findings.append(Finding("non_numeric", r.node, (r.date,), f"quantity {r.quantity[:40]!r} {what} "
                                    f"({_lines([r.line])})", (r.line,)))
            bad_number.append(r.line)
        elif x < 0:
            findings.append(Finding("negative", r.node, (r.date,), f"quantity {r.quantity} is negative "
                                    f"({_lines([r.line])})", (r.line,)))
            negative.append(r.line)
        else:
            by_key[r.node, r.date].append((r.line, x))
    if bad_number:
        cleaning.append(f"left out {len(bad_number)} row(s) whose quantity is not a number or over the limit ({_lines(bad_number)})")
    if negative:
        cleaning.append(f"left out {len(negative)} row(s) with a negative quantity ({_lines(negative)})")
    return by_key


def _check_nodes(raw: RawHistory, network_nodes, demand_nodes, findings: list[Finding],
                 cleaning: list[str]) -> set[str]:
    """The history's nodes to keep; nodes checked both ways against the network when it is given."""
    history_nodes = raw.nodes
    keep_nodes = set(history_nodes)
    if network_nodes is None:
        return keep_nodes
    all_dates = sorted({r.date for r in raw.records})
    network_nodes = {str(n) for n in network_nodes}
    wanted = set(network_nodes if demand_nodes is None else (str(n) for n in demand_nodes))
    for node in history_nodes:
        rows = [r for r in raw.records if r.node == node]
        dates = tuple(sorted({r.date for r in rows}))
        if node not in network_nodes:
            findings.append(Finding("unknown_node", node, dates, f"{len(rows)} row(s) for a node that is not in "
                                    f"the network (first at line {rows[0].line})", (rows[0].line,)))
            keep_nodes.discard(node)
            cleaning.append(f"left out {len(rows)} row(s) of node '{node}', which is not in the network")
        elif node not in wanted:
            findings.append(Finding("not_a_demand_node", node, dates, f"{len(rows)} row(s) for a node whose "
                                    "demand is not read from this history", (rows[0].line,)))
            keep_nodes.discard(node)
            cleaning.append(f"left out {len(rows)} row(s) of node '{node}', whose demand is not read from "
                            "this history")
    for node in sorted(wanted - set(history_nodes)):
        span = (all_dates[0], all_dates[-1]) if all_dates else ()
        findings.append(Finding("no_history", node, span, "a demand node of the network has no row in the "
                                "history"))
    return keep_nodes


def _combine_repeated(by_key, keep_nodes: set[str], config: QualityConfig, findings: list[Finding],
                      cleaning: list[str]) -> dict[str, dict[dt.date, float]]:
    """{node: {date: quantity}}: one value per node and date (duplicates and repeated dates combined)."""
    values: dict[str, dict[dt.date, float]] = defaultdict(dict)
    for (node, date), rows in sorted(by_key.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if node not in keep_nodes:
            continue
        if len(rows) > 1:
            lines = tuple(line for line, _ in rows)
            quantities = [x for _, x in rows]
            if len(set(quantities)) == 1:
                findings.append(Finding("duplicate", node, (date,), f"{len(rows)} identical records of quantity "
                                        f"{quantities[0]:g} ({_lines(lines)}): one kept", lines))
                values[node][date] = quantities[0]
            else:
                combined = sum(quantities) if config.repeated == "sum" else quantities[-1]
                how = "summed" if config.repeated == "sum" else "the last one kept"
                findings.append(Finding("multiple_records", node, (date,), f"{len(rows)} records with different "
                                        f"quantities {', '.join(f'{q:g}' for q in quantities)} ({_lines(lines)}): "
                                        f"{how} ({combined:g})", lines))
                values[node][date] = combined
        else:
            values[node][date] = rows[0][1]
    dups = [f for f in findings if f.kind == "duplicate"]
    if dups:
        cleaning.append(f"kept one of each set of identical records ({len(dups)} set(s))")
    multi = [f for f in findings if f.kind == "multiple_records"]
    if multi:
        cleaning.append(f"{'summed' if config.repeated == 'sum' else 'kept the last of'} the records of "
                        f"{len(multi)} node-date(s) with several different quantities")
    return values


def _grid_step(values: dict[str, dict[dt.date, float]]) -> int:
    """The grid: the most common number of days between consecutive dates of a node (ties: the shortest)."""
    gaps: Counter = Counter()
    for node in values:
        ds = sorted(values[node])
        gaps.update((b - a).days for a, b in zip(ds, ds[1:]))
    return min((g for g, c in gaps.items() if c == max(gaps.values())), default=1) if gaps else 1


def _series_on_grid(history_nodes, values, step: int, findings: list[Finding]) -> tuple[dict[str, NodeSeries], int]:
    """Each node's values on the grid (NaN where no record) and the number of missing grid dates;
    every run of missing dates is a finding."""
    series: dict[str, NodeSeries] = {}
    missing_total = 0
    for node in [n for n in history_nodes if n in values]:
        ds = sorted(values[node])
        start, end = ds[0], ds[-1]
        n = (end - start).days // step + 1
        arr = np.full(n, np.nan)
        for date, x in values[node].items():
            offset = (date - start).days
            if offset % step == 0:
                arr[offset // step] = x
        series[node] = NodeSeries(node, start, step, arr)
        missing = np.flatnonzero(np.isnan(arr))
        if missing.size:
            runs = np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1)
            for run in runs:
                dates = tuple(start + dt.timedelta(days=step * int(k)) for k in run)
                findings.append(Finding("missing", node, dates, f"no record for {len(dates)} date(s) of the "
                                        f"history's grid (one record every {step} day(s))"))
            missing_total += missing.size
    return series, missing_total


def _flag_outliers(series: dict[str, NodeSeries], step: int, config: QualityConfig,
                   findings: list[Finding]) -> dict[str, int | None]:
    """Flag (and with ``outliers="drop"`` blank out) outliers; return each node's season length or None.
    The family-wise level is shared by the nodes judged (those with 8 records or more)."""
    seasonal: dict[str, int | None] = {}
    judged = [node for node, s in series.items() if np.isfinite(s.values).sum() >= 8]
    node_alpha = sidak(config.outlier_alpha, len(judged))
    period = season_length(step)
    for node, s in series.items():
        arr = s.values
        is_seasonal = seasonality(np.sqrt(arr + 0.375), period, config.seasonality_p)
        seasonal[node] = period if is_seasonal else None
        if node not in judged:
            continue
        n = int(np.isfinite(arr).sum())
        for k, side, prob, limit, fit in _outliers(arr, period if is_seasonal else None, node_alpha):
            usual = f"mean {fit.mean:.4g}" + (", after removing the season" if is_seasonal else "")
            findings.append(Finding("outlier", node, (s.dates[k],), f"quantity {arr[k]:g} is unusually {side}: "
                                    f"P(X {'>=' if side == 'high' else '<='} x) = {prob:.2g} under the node's "
                                    f"fitted {fit.family} demand ({usual}), below alpha/2n = {limit:.2g} (alpha = "
                                    f"{config.outlier_alpha:g} over the history's {len(judged)} node(s), "
                                    f"n = {n} records here)"))
            if config.outliers == "drop":
                arr[k] = np.nan
    return seasonal
