"""The planner's report: one self-contained HTML page for a scenario (``netinv report FILE``).

:func:`report_command` builds the report (:func:`netinv.report.build.build_report`: the numbers and the
figures), renders it (:func:`render_html`) and writes the page (and the figures as PNG) atomically.
Pictures are embedded as base64 PNG data URIs and the style sheet is inline: the page needs no network
access and no JavaScript (one small inline script only records, for tests, that the page loaded and
each image's natural size). The methods (exact, gnn, auto) are described in :mod:`netinv.report.build`.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from netinv.display import format_number
from netinv.errors import InputError
from netinv.fileio import atomic_write_bytes, check_output
from netinv.report.build import DEFAULT_MODEL, Figure, ReportConfig, build_report

MAX_TABLE_ROWS = 200


# --------------------------------------------------------------------------------------------------
# entry point


def report_command(file: str | Path, method: str = "auto", out: str | Path = "report.html",
                   png_dir: str | Path | None = None, *, seed: int = 0, paths: int = 200, periods: int = 120,
                   time_budget: float = 60.0, model: str | Path = DEFAULT_MODEL,
                   contracts: tuple[str, ...] | list[str] = (), transshipment: str | None = None,
                   threads: int = 1) -> dict:
    """Build the report of scenario ``file`` and write it to ``out`` (atomically); with ``png_dir`` every
    figure is also written there as ``NAME.png``. Returns a JSON-ready summary: the method used and why,
    the files written, each figure's size, and the numbers shown on the page."""
    out = check_output(out, (".html", ".htm"), "the report is an HTML page")
    config = ReportConfig(method=method, seed=seed, paths=paths, periods=periods, time_budget=time_budget,
                          model=Path(model), contracts=tuple(contracts), transshipment=transshipment,
                          threads=threads)
    report = build_report(file, config)
    page = render_html(report)
    atomic_write_bytes(out, page.encode("utf-8"))
    written = {}
    if png_dir is not None:
        folder = Path(png_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from None
        for fig in report["figures"]:
            path = folder / f"{fig.name}.png"
            atomic_write_bytes(path, fig.png)
            written[fig.name] = str(path)
    summary = {k: v for k, v in report.items() if k != "figures"}
    summary["out"] = str(out)
    summary["bytes"] = len(page.encode("utf-8"))
    summary["figures"] = {f.name: {"title": f.title, "width": f.size[0], "height": f.size[1],
                                   "png": written.get(f.name)} for f in report["figures"]}
    return summary


# --------------------------------------------------------------------------------------------------
# the page


def _transshipment_sentence(sim: dict) -> str:
    """Which transshipment rule the simulation ran, and the units it moved per period."""
    rule = sim.get("transshipment_rule", "none")
    moved = sim.get("transshipped") or {}
    if rule == "none":
        return "Transshipment rule: none." if moved else ""
    total = sum(moved.values())
    return (f"Transshipment rule: {html.escape(rule)} ({_fmt(total)} units per period moved on "
            f"{len(moved)} transshipment edges).")

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1em 2em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
.method { background: #f0f5fb; border-left: 4px solid #3182bd; padding: 0.5em 1em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; } th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; }
.note { color: #8a5a00; font-size: 0.9em; }
"""

# Runs at load: records each image's natural size and that the page loaded (read back by the tests;
# the page needs none of it).
_SCRIPT = """
(function () {
  window.addEventListener('error', function () {
    var n = Number(document.body.getAttribute('data-script-errors') || 0);
    document.body.setAttribute('data-script-errors', String(n + 1));
  });
  window.addEventListener('load', function () {
    var images = document.images;
    for (var i = 0; i < images.length; i++) {
      images[i].setAttribute('data-natural-width', String(images[i].naturalWidth));
      images[i].setAttribute('data-natural-height', String(images[i].naturalHeight));
    }
    document.body.setAttribute('data-images', String(images.length));
    document.body.setAttribute('data-report-loaded', 'yes');
  });
})();
"""

SECTIONS = ("network", "targets", "costs", "service", "trajectories", "bullwhip", "transshipment", "contracts")


def _fmt(value, decimals: int | None = None) -> str:
    """Every number on the page goes through :func:`netinv.display.format_number` (no ``1.075e+04``)."""
    if isinstance(value, float) and np.isinf(value):
        return "-"
    return format_number(value, decimals=decimals)


def _ci(value: dict, decimals: int | None = None) -> str:
    return f"[{_fmt(value['ci95'][0], decimals)}, {_fmt(value['ci95'][1], decimals)}]"


def _table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows[:MAX_TABLE_ROWS]:
        cells = "".join(f"<td class='num'>{html.escape(str(c))}</td>" if k >= numeric_from
                        else f"<td>{html.escape(str(c))}</td>" for k, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    more = (f"<p class='note'>{len(rows) - MAX_TABLE_ROWS:,} more rows not shown.</p>"
            if len(rows) > MAX_TABLE_ROWS else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _img(fig: Figure) -> str:
    width, height = fig.size
    data = base64.b64encode(fig.png).decode("ascii")
    return (f"<figure><img id='fig-{fig.name}' src='data:image/png;base64,{data}' width='{width}' "
            f"height='{height}' data-expected-width='{width}' data-expected-height='{height}' "
            f"alt='{html.escape(fig.title)}'><figcaption>{html.escape(fig.title)} ({width} x {height} px)"
            f"</figcaption></figure>")


def render_html(report: dict) -> str:
    """The page of a :func:`build_report` result (one string, everything inline)."""
    e = html.escape
    figs = {f.name: f for f in report["figures"]}
    sim = report["simulation"]
    sections = []

    s = report["summary"]
    sections.append(("network", "Network", (
        f"<p>{s['nodes']} nodes, {s['edges']} edges ({s['transshipment_edges']} transshipment), {s['echelons']} "
        f"echelons, {s['demand_nodes']} demand nodes, topology {e(str(s['topology']))}; mean external demand "
        f"{_fmt(s['mean_demand_per_period'])} per period.</p>" + _img(figs["network"]))))

    sections.append(("targets", "Stocking targets and safety stock", _targets_section(report, figs)))

    per = sim["cost_breakdown"]
    rows = [[k, _fmt(v["mean"]), _ci(v)] for k, v in per.items()]
    rows.append(["total", _fmt(sim["mean_cost"]), _ci({"ci95": sim["ci95"]})])
    if sim["mean_revenue"]:
        rows += [["revenue", _fmt(sim["mean_revenue"]), ""], ["profit", _fmt(sim["mean_profit"]), ""]]
    sections.append(("costs", "Cost breakdown", (
        f"<p>Policy {e(str(sim['policy']))}: {sim['paths']} paths in {sim['replications']} independent replications "
        f"x {sim['periods']} periods (the first {sim['warmup']} left out). Cost per period. "
        f"{_transshipment_sentence(sim)}</p>"
        + _table(["component", "mean", "95% CI"], rows) + _img(figs["costs"]))))

    if sim["service"]:
        rows = [[r["node"], _fmt(r["fill_rate"]["mean"], 4), _ci(r["fill_rate"], 4),
                 _fmt(r["cycle_service_level"]["mean"], 4), _ci(r["cycle_service_level"], 4),
                 _fmt(r["mean_backorders"]["mean"]), _fmt(r["mean_lost_sales"]["mean"])] for r in sim["service"]]
        sections.append(("service", "Service levels", (
            "<p>Fill rate (demand met from stock in its period) and cycle service level (periods without a "
            "stockout), with 95% confidence intervals over the replications.</p>"
            + _table(["demand node", "fill rate", "95% CI", "cycle service level", "95% CI", "mean backorders",
                      "mean lost sales"], rows) + _img(figs["service"]))))

    sections.append(("trajectories", "Inventory trajectories", (
        f"<p>Net stock of {e(', '.join(sim['trajectory_nodes']))} (one node per echelon, the one serving the most "
        "demand) over the paths of the first replication: mean and the 10-90% band.</p>"
        + _img(figs["trajectories"]))))

    if sim["bullwhip"]:
        rows = [[k, _fmt(v["mean"], 3), _ci(v, 3)] for k, v in sim["bullwhip"].items()]
        sections.append(("bullwhip", "Bullwhip per echelon", (
            "<p>Variance of the orders an echelon places over the variance of external demand (1 = no "
            "amplification).</p>" + _table(["echelon", "Var(orders) / Var(demand)", "95% CI"], rows)
            + _img(figs["bullwhip"]))))

    sections += _analysis_sections(report, figs)

    nav = " ".join(f"<a href='#{key}'>{e(title)}</a>" for key, title, _ in sections)
    notes = "".join(f"<p class='note'>{e(n)}</p>" for n in report["notes"])
    body = "\n".join(f"<section id='{key}'><h2>{e(title)}</h2>{content}</section>" for key, title, content in sections)
    name = e(str(report["name"]))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>netinv report: {name}</title><style>{_CSS}</style></head>\n<body>\n"
        f"<h1>{name}</h1><p>{e(str(report['description']))}</p>"
        f"<p class='method' id='method' data-method='{e(report['method'])}'>Method: <b>{e(report['method'])}</b>"
        f" (asked: {e(report['method_requested'])}): {e(report['method_reason'])}</p>"
        f"<nav>{nav}</nav>{notes}\n{body}\n"
        f"<footer><p class='note'>netinv report of {e(report['scenario'])}; seed {report['config']['seed']}.</p>"
        f"</footer>\n<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def _targets_section(report: dict, figs: dict) -> str:
    """The levels table (exact method: levels, cover, safety stock, GSM columns; GNN: stock held), the
    targets figure and the guaranteed-service placement."""
    e = html.escape
    lv = report["levels"]
    if report["method"] == "exact":
        intro = (f"<p>Base-stock levels ({e(str(lv['kind']))}) by <b>{e(str(lv['method']))}</b>: {e(str(lv['note']))}."
                 " Every level here is an inventory-position target (on hand + in transit - backorders, ordered up "
                 "to at the start of each period). Cover = the periods of demand an order covers: lead time + "
                 "processing time + 1 review period (netinv's one timing convention; for echelon levels the node's "
                 "and every downstream node's cover); the GSM net time &tau; counts the same periods. Safety stock = "
                 "level - expected demand over the cover. Mean on hand is simulated.</p>")
        header = ["node", "echelon", "level", "cover (periods)", "expected demand over cover", "safety stock",
                  "mean on hand"]
        has_gsm = any("gsm" in r for r in report["targets"])
        if has_gsm:
            header += ["GSM service time S", "GSM net time τ (periods)", "GSM safety stock", "GSM level"]
        rows = []
        for r in report["targets"]:
            if r.get("external"):
                continue
            row = [r["node"], r["echelon"], _fmt(r.get("level")), _fmt(r.get("cover_periods")),
                   _fmt(r.get("cycle_stock")), _fmt(r.get("safety_stock")), _fmt(r["mean_on_hand"])]
            if has_gsm:
                g = r.get("gsm", {})
                row += [g.get("service_time", ""), g.get("net_time", ""), _fmt(g.get("safety_stock")),
                        _fmt(g.get("level"))]
            rows.append(row)
    else:
        intro = (f"<p>The GNN policy ({e(str(lv.get('model')))}) sets no fixed level: the table shows the stock it "
                 "holds on hand per node in simulation and, per node that orders, the inventory position it saw "
                 "at the start of each period (on hand - backorders - owed to customers + inbound) and the "
                 "order-up-to target its orders imply (that position + the units it ordered): means over the "
                 "measured periods and paths, and over the paths of the last period.</p>")
        header = ["node", "echelon", "mean on hand", "position seen", "implied target", "last period: position",
                  "last period: target"]
        decisions = report.get("decisions") or {}
        rows = []
        for r in report["targets"]:
            if r.get("external"):
                continue
            d = decisions.get(r["node"], {})
            rows.append([r["node"], r["echelon"], _fmt(r["mean_on_hand"])]
                        + [_fmt(d.get(key)) for key in ("position", "target", "last_position", "last_target")])
    body = intro + _table(header, rows, numeric_from=1) + _img(figs["targets"])
    if "placement" in report:
        p = report["placement"]
        body += (f"<h3>Guaranteed-service safety-stock placement</h3><p>Status {e(str(p['status']))}, method "
                 f"{e(str(p['method']))}: safety-stock holding cost {_fmt(p['cost'])} (bound {_fmt(p['bound'])}).</p>"
                 + _img(figs["placement"]))
    return body


def _analysis_sections(report: dict, figs: dict) -> list[tuple[str, str, str]]:
    """The transshipment, contracts and slow-stock sections, where the report has them."""
    e = html.escape
    sections = []
    t = report.get("transshipment")
    if t:
        v = t["value"]
        rows = [[k, _fmt(t["levels"][k])] for k in t["levels"]]
        flows = [[k, _fmt(q)] for k, q in t["transshipped"].items()]
        sections.append(("transshipment", "Transshipment", (
            f"<p>Single-period stocking levels of the demand nodes with lateral transshipment (sample-average LP): "
            f"expected cost {_fmt(t['expected_cost'])} (standard error {_fmt(t['stderr'])}), {_fmt(t['out_of_sample_cost'])} "
            f"on independent samples. Value of transshipment (single-period expected cost of the demand nodes alone, "
            f"not the network's simulated cost per period): independent locations {_fmt(v['independent'])}, with "
            f"the given links {_fmt(v['with_transshipment'])}, full pooling {_fmt(v['full_pooling'])}.</p>"
            + _table(["location", "level"], rows) + _table(["edge", "expected units moved"], flows)
            + _img(figs["transshipment"]))))

    c = report.get("contracts")
    if c:
        rows = [[r["name"], _fmt(r["retailer_profit"]), _fmt(r["supplier_profit"]), _fmt(r["channel_profit"]),
                 _fmt(r["efficiency"], 4)] for r in c["rows"]]
        sections.append(("contracts", "Contracts", (
            f"<p>Each of the {c['edges']} supply edges into a demand node as a single-season supplier-retailer "
            f"market; totals over the edges. Designs: {e(c['basis'])}. Integrated channel profit "
            f"{_fmt(c['rows'][0]['integrated_profit'])}.</p>"
            + _table(["contract", "retailer profit", "supplier profit", "channel profit", "efficiency"], rows)
            + _img(figs["contracts"]))))
    if report.get("excess"):
        sections.append(excess_section(report["excess"]))
    return sections


def excess_section(summary: dict) -> tuple[str, str, str]:
    """The slow-stock section (id, title, HTML) of :func:`netinv.report.build.excess_summary`'s summary."""
    rows = [[r["node"], _fmt(r["on_hand"]), _fmt(r["age"]), _fmt(r["since_sale"]), _fmt(r["p_no_sale"], 2),
             "; ".join(r["reasons"]), r["recommendation"]] for r in summary["rows"]]
    plan, k = summary["plan"], summary["k"]
    value = ("Nothing is flagged." if plan is None else
             f"The disposal plan over {summary['horizon']} periods recovers {_fmt(plan['value'])} against "
             f"{_fmt(plan['keep_value'])} keeping the stock ({_fmt(plan['gain'])} more).")
    table = _table(["node", "on hand", "age", "since sale", f"P(no sale in {k})", "reasons", "recommended disposal"],
                   rows) if rows else ""
    return ("excess", "Slow and obsolete stock", (
        f"<p>Nodes flagged by <code>netinv excess</code> (FIFO age and periods since the last sale, in periods; "
        f"P(no sale in the next {k} periods)). {value}</p>" + table))
