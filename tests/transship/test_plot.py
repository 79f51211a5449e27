"""The transshipment picture: a PNG written atomically, nodes and edges as the analysis says, one-line
errors on bad paths."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from netinv.errors import InputError  # noqa: E402
from netinv.transship import TransshipConfig, analyze_transshipment  # noqa: E402
from netinv.transship.plot import plot_transshipment  # noqa: E402
from tests.transship.conftest import stores_network  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
POISSON = [{"distribution": "poisson", "mean": m} for m in (10, 12, 15)]


@pytest.fixture(scope="module")
def case():
    # s0 <-> s1 cheap; s2 -> s0 costs more than holding + shortage, so it carries nothing
    graph = stores_network(POISSON, [1.0, 1.0, 1.0], [4.0, 4.0, 4.0], [(0, 1, 0.2), (1, 0, 0.2), (2, 0, 50.0)])
    return graph, analyze_transshipment(graph, TransshipConfig(samples=200, out_of_sample=50, seed=1))


def test_png_is_written_atomically_and_draws_the_analysis(tmp_path, case, drawn):
    graph, analysis = case
    path = plot_transshipment(graph, analysis, tmp_path / "flows.png")
    assert path == tmp_path / "flows.png"
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (700, 600)  # figsize (7, 6) at 100 dpi
    assert [p.name for p in tmp_path.iterdir()] == ["flows.png"]  # no temporary file left behind
    (fig,) = drawn
    texts = [t.get_text() for t in fig.axes[0].texts]
    for name, level in analysis.optimum.levels.items():
        assert f"{name}\nS={level:.1f}" in texts
    # edge labels: the expected units of the edges that carry something, and none for the idle edge
    flows = analysis.optimum.transshipped
    assert flows["s2->s0"] == 0.0 and flows["s0->s1"] > 0
    carrying = sorted(f"{units:.2f}" for units in flows.values() if units > 0)
    assert sorted(t for t in texts if "\n" not in t) == carrying
    # three edges drawn (the idle one thin): one arrow each
    assert len(fig.axes[0].patches) == 3
    assert f"cost {analysis.optimum.expected_cost:.4g}" in fig.axes[0].get_title()


@pytest.mark.parametrize(("name", "match"), [
    ("flows.svg", r"the picture is written as PNG; use a .png file name"),
    ("missing/flows.png", r"flows.png: cannot write"),
])
def test_bad_output_paths_are_one_line_errors(tmp_path, case, name, match):
    graph, analysis = case
    with pytest.raises(InputError, match=match) as info:
        plot_transshipment(graph, analysis, tmp_path / name)
    assert "\n" not in str(info.value)
    assert list(tmp_path.rglob("*")) == []
