"""The planner's HTML report: self-contained, every section, sane sizes, numbers that agree with known
answers; and the page rendered in headless Chromium (loads without script errors, every figure an image of
its expected size, a screenshot kept as an artifact).

Screenshots and the rendered pages are kept in ``$NETINV_TEST_ARTIFACTS`` when set (else the test's
pytest tmp folder).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from netinv.display import format_number
from netinv.errors import InputError
from netinv.report.figures import png_size
from netinv.report.html import SECTIONS, report_command
from tests.conftest import SCENARIOS

SMALL = dict(paths=40, periods=60, seed=0)


class _Page(HTMLParser):
    """Tags and attributes of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    out = folder / "retail.html"
    result = report_command(SCENARIOS / "retail_network.yaml", method="exact", out=out, png_dir=folder / "png",
                            **SMALL)
    return result, out, out.read_text(encoding="utf-8")


def test_self_contained(retail):
    _, _, text = retail
    page = parse(text)
    for tag, attrs in page.tags:
        for key in ("src", "href", "data", "action", "poster"):
            value = attrs.get(key, "")
            assert not re.match(r"\s*(https?:|//|ftp:|file:)", value, re.I), (tag, key, value[:80])
        assert tag != "link" and not (tag == "script" and attrs.get("src")), tag
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", text, re.I)
    assert "@import" not in text
    for img in page.find("img"):
        assert img["src"].startswith("data:image/png;base64,")


def test_every_section_and_the_method(retail):
    result, _, text = retail
    page = parse(text)
    ids = {a.get("id") for _, a in page.tags}
    assert set(SECTIONS) <= ids  # retail_network has transshipment links and prices: every section shows
    method = next(a for _, a in page.tags if a.get("id") == "method")
    assert method["data-method"] == "exact" == result["method"]
    assert result["method_reason"] and result["method_reason"] in text.replace("&#x27;", "'")


def test_figures_have_their_sizes_and_png_copies(retail):
    result, out, text = retail
    images = parse(text).find("img")
    assert {img["id"].removeprefix("fig-") for img in images} == set(result["figures"])
    for img in images:
        data = base64.b64decode(img["src"].split(",", 1)[1])
        width, height = png_size(data)
        assert (str(width), str(height)) == (img["data-expected-width"], img["data-expected-height"])
        assert 300 <= width <= 2000 and 200 <= height <= 2000 and 5_000 < len(data) < 1_000_000
        name = img["id"].removeprefix("fig-")
        assert Path(result["figures"][name]["png"]).read_bytes() == data  # --png writes the same picture
    assert len(text.encode()) == result["bytes"] < 5_000_000
    assert sorted(p.name for p in out.parent.iterdir() if p.is_file()) == [out.name]  # no temporary file left


def test_numbers_agree(retail):
    result, _, _ = retail
    sim = result["simulation"]
    # the components add up to the total (each replication has the same number of paths)
    assert sum(v["mean"] for v in sim["cost_breakdown"].values()) == pytest.approx(sim["mean_cost"], rel=1e-9)
    for row in sim["service"]:
        for key in ("fill_rate", "cycle_service_level"):
            low, high = row[key]["ci95"]
            assert low <= row[key]["mean"] <= high and 0 <= row[key]["mean"] <= 1
    for row in result["targets"]:
        if row.get("level") is not None:
            assert row["cycle_stock"] + row["safety_stock"] == pytest.approx(row["level"])
    value = result["transshipment"]["value"]
    assert value["full_pooling"] <= value["with_transshipment"] <= value["independent"]
    efficiency = {r["name"]: r["efficiency"] for r in result["contracts"]["rows"]}
    assert max(efficiency.values()) == pytest.approx(1.0, abs=1e-6)  # the coordinating designs
    assert min(efficiency.values()) < 1.0  # the wholesale price leaves money on the table


def test_table_numbers_are_plain(retail):
    """Every number cell reads plain (no exponent), and the page prints the total cost and each target
    row's level through the one formatter (netinv.display.format_number)."""
    result, _, text = retail
    cells = re.findall(r"<td class='num'>([^<]*)</td>", text)
    assert cells and not [c for c in cells if re.search(r"\de[+-]\d", c)]
    assert f"<td>total</td><td class='num'>{format_number(result['simulation']['mean_cost'])}</td>" in text
    for row in result["targets"]:
        if row.get("level") is not None:
            assert f"<td class='num'>{format_number(row['level'])}</td>" in text


def test_clark_scarf_levels_and_simulated_cost_match_the_textbook(tmp_path):
    """S&S Example 6.1: optimal echelon levels 6.49 / 12.02 / 22.71, expected cost 47.66 per period."""
    result = report_command(SCENARIOS / "clark_scarf_ss61.yaml", method="auto", out=tmp_path / "cs.html")
    assert result["method"] == "exact" and "within the time budget" in result["method_reason"]
    levels = {r["node"]: r["level"] for r in result["targets"] if r.get("level") is not None}
    assert levels == pytest.approx({"stage1": 6.49, "stage2": 12.02, "stage3": 22.71}, abs=0.01)
    low, high = result["simulation"]["ci95"]
    assert low <= 47.66 <= high


def test_gsm_scenario_shows_the_placement(tmp_path):
    result = report_command(SCENARIOS / "gsm_ss_example_6_5.yaml", method="exact", out=tmp_path / "gsm.html",
                            **SMALL)
    assert result["placement"]["cost"] == pytest.approx(3 + 2 * 2**0.5 + 6**0.5, rel=1e-6)  # S&S Example 6.5
    assert "placement" in result["figures"]


def test_bad_arguments_are_one_line_errors(tmp_path):
    file = SCENARIOS / "clark_scarf_ss61.yaml"
    with pytest.raises(InputError, match=r"report.txt: the report is an HTML page"):
        report_command(file, out=tmp_path / "report.txt")
    with pytest.raises(InputError, match=r"method: must be one of auto, exact, gnn"):
        report_command(file, method="fast", out=tmp_path / "r.html")
    missing = tmp_path / "none.pt"
    with pytest.raises(InputError, match=re.escape(f"{missing}: GNN model not found")):
        report_command(file, method="gnn", out=tmp_path / "r.html", model=missing)
    # auto falls back to the GNN when the exact path does not fit the budget, and names the model it lacks
    with pytest.raises(InputError, match=re.escape(f"{missing}: GNN model not found")):
        report_command(SCENARIOS / "retail_network.yaml", method="auto", out=tmp_path / "r.html", model=missing,
                       time_budget=0.01)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow  # imports torch and PyTorch Geometric
def test_auto_uses_the_gnn_over_the_budget(tmp_path):
    torch = pytest.importorskip("torch")
    from netinv.learn.checkpoint import save_model
    from netinv.learn.model import ModelConfig, OrderGNN

    torch.manual_seed(0)
    torch.set_num_threads(2)  # the report runs on its own setting (threads=1, the default)
    model = tmp_path / "gnn.pt"
    save_model(OrderGNN(ModelConfig(hidden=8, layers=1)), model, {"note": "untrained, for the report test"})
    result = report_command(SCENARIOS / "perez2021_network.yaml", method="auto", out=tmp_path / "gnn.html",
                            model=model, time_budget=0.01, **SMALL)
    assert torch.get_num_threads() == 1
    assert result["method"] == "gnn" and "over the time budget of 0.01 s" in result["method_reason"]
    text = (tmp_path / "gnn.html").read_text(encoding="utf-8")
    assert "data-method='gnn'" in text and "over the time budget" in text
    assert {"network", "targets", "costs", "service", "trajectories"} <= set(result["figures"])
    # the decisions table: per ordering node the position the GNN saw and the target its orders imply
    from netinv.network import load
    from netinv.network.compile import compile_network

    arrays = compile_network(load(SCENARIOS / "perez2021_network.yaml"))
    decisions = result["decisions"]
    assert list(decisions) == [arrays.node_ids[j] for j in sorted(set(arrays.edge_target.tolist()))]
    assert "implied target" in text
    for node, row in decisions.items():
        cells = "".join(f"<td>{format_number(row[key])}</td>" for key in ("position", "target", "last_position",
                                                                           "last_target"))
        assert cells in text.replace(" class='num'", ""), node


# --------------------------------------------------------------------------------------------------
# in a browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("NETINV_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_renders_in_headless_chromium(retail, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not found (Debian: apt-get install -y chromium; `make test` installs it)")
    result, out, text = retail
    artifacts = _artifacts(tmp_path)
    page = artifacts / "report.html"
    shutil.copyfile(out, page)
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = parse(dom.stdout)
    body = rendered.find("body")[0]
    assert body.get("data-report-loaded") == "yes", "the inline script did not run at load"
    assert "data-script-errors" not in body
    images = rendered.find("img")
    assert len(images) == int(body["data-images"]) == len(result["figures"])
    for img in images:
        natural = (int(img["data-natural-width"]), int(img["data-natural-height"]))
        assert natural == (int(img["data-expected-width"]), int(img["data-expected-height"])), img["id"]
        assert natural[0] > 0 and natural[1] > 0

    shot = artifacts / "report_screenshot.png"
    shot.unlink(missing_ok=True)
    run = subprocess.run([*base, "--window-size=1280,4000", f"--screenshot={shot}", "--enable-logging=stderr",
                          "--v=0", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not [line for line in console if re.search(r"error|uncaught", line, re.I)], console
    assert png_size(shot.read_bytes()) == (1280, 4000)


TWO_STORES_BOTH_WAYS = """\
name: two_stores_both_ways
nodes:
  - {id: dc, holding_cost: 0.5, initial_inventory: 40}
  - {id: a, holding_cost: 1.0, initial_inventory: 15, demand: {distribution: normal, mean: 10, std: 2}, shortage_cost: 9.0}
  - {id: b, holding_cost: 1.0, initial_inventory: 15, demand: {distribution: normal, mean: 12, std: 3}, shortage_cost: 9.0}
edges:
  - {source: dc, target: a, lead_time: 1}
  - {source: dc, target: b, lead_time: 1}
  - {source: a, target: b, kind: transshipment, unit_cost: 0.5}
  - {source: b, target: a, kind: transshipment, unit_cost: 0.5}
"""


def test_stores_linked_both_ways_by_transshipment_draw_without_a_cycle_error(tmp_path):
    """The drawing lays out the supply edges only: two stores linked both ways are no cycle."""
    file = tmp_path / "both_ways.yaml"
    file.write_text(TWO_STORES_BOTH_WAYS, encoding="utf-8")
    result = report_command(file, method="exact", out=tmp_path / "r.html", paths=20, periods=22, seed=0)
    assert result["summary"]["transshipment_edges"] == 2
    assert "network" in result["figures"] and "transshipment" in result
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("<img") == len(result["figures"])



def test_slow_stock_section_on_a_network_with_sales_history(tmp_path):
    """The report's slow-stock section: build's summary of ``netinv excess`` rendered (the whole report of
    this network takes minutes: its simulation, not this section)."""
    from netinv.report.build import excess_summary
    from netinv.report.html import excess_section
    from tests.excess.planner import write_planner

    notes: list = []
    summary = excess_summary(write_planner(tmp_path), notes)
    key, title, body = excess_section(summary)
    assert (key, title, notes) == ("excess", "Slow and obsolete stock", [])
    assert "no sale in 14 weeks" in body and "transfer to store_b: 45" in body and "keeping the stock" in body
    assert [r["node"] for r in summary["rows"]] == ["dc_b", "store_slow"]
    assert excess_summary(SCENARIOS / "retail_network.yaml", notes) is None  # no sales history, no section
