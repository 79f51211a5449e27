"""``netinv excess FILE``: slow-moving and obsolete stock, found per node and disposed of
(:mod:`netinv.excess`)."""

from __future__ import annotations

import math

from netinv.cli.common import FileArg, JsonOpt, NoTimingsOpt, new_console, print_json


def excess(file: FileArg, as_json: JsonOpt = False, no_timings: NoTimingsOpt = False) -> None:
    """Slow-moving and obsolete stock: per node the FIFO age, turnover, periods since the last sale,
    P(no sale in k periods), an anomaly score and the flags with their reasons; then the disposal plan
    (markdown, return, transfer, donation, scrap; Pyomo + HiGHS) and the value it recovers against keeping
    the stock. Channels and thresholds: the scenario's ``excess:`` block (README, Scenarios)."""
    from netinv.excess.analysis import analyse

    report = analyse(str(file))
    if as_json:
        print_json(report.to_dict(), timings=not no_timings)
        return
    print_excess(report)


def print_excess(report) -> None:
    """The table of ``netinv excess`` and the plan's value."""
    from rich.table import Table

    from netinv.display import format_number as num

    k = report.settings.config.k
    table = Table(title=f"Slow and obsolete stock: {report.scenario}")
    for title in ("node", "on hand", "age", "turnover", "since sale", f"P(no sale in {k})", "anomaly P",
                  "flag reason", "recommended disposal"):
        table.add_column(title, justify="left" if title in ("node", "flag reason", "recommended disposal") else "right",
                         no_wrap=title == "node")
    for f in report.findings:
        age = "-" if f.age_oldest is None else f"{f.age_oldest}"
        reason = f.flags[0].split(";")[0] + (f" (+{len(f.flags) - 1})" if len(f.flags) > 1 else "") if f.flags else "-"
        table.add_row(f.node, num(f.on_hand), age, _maybe(f.turnover), _maybe(f.periods_since_sale),
                      _maybe(f.p_no_sale), _maybe(f.anomaly_p), reason,
                      report.recommendation(f.node) if f.flagged else "-")
    console = new_console()
    console.print(table)
    if not any(f.periods for f in report.findings):
        console.print("No node has a sales history (demand: {history: FILE}) of its own or below it: nothing to judge.")
        return
    console.print(f"age: of the oldest unit on hand (FIFO), in {report.settings.config.period_name}.")
    plan = report.plan
    if plan is None:
        console.print("Nothing flagged: no disposal plan.")
        return
    console.print("Reasons in full:")
    for f in report.findings:
        for reason in f.flags:
            console.print(f"  {f.node}: {reason}")
    console.print(f"Disposal plan over {report.settings.horizon} periods ({plan.status}): the stock is worth "
                  f"{num(plan.value)} with the plan, {num(plan.keep_value)} kept (full-price sales only, holding "
                  f"while it waits): {num(plan.gain)} recovered by disposing.")


def _maybe(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:.3g}" if isinstance(value, float) else str(value)
