"""netinv.network.formats.willems: the Willems (2008) supply-chain CSVs import, validate and convert.

The two smallest chains are copied into tests/data/willems (the test suite reads nothing outside the
repository); values below were computed by hand from their rows. Every chain bundled in
scenarios/willems is imported too (the largest, 1,479 stages, in a few hundredths of a second).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from scipy import stats

from netinv import attrs
from netinv.errors import InputError, ScenarioFileError
from netinv.network import load, save, validate
from netinv.network.formats.willems import HEADER, LeadTimeRounding, read_willems
from tests.conftest import SCENARIOS

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "willems"
CHAINS = sorted(DATA.glob("*.csv"))
BUNDLED = sorted((SCENARIOS / "willems").glob("*.csv"))


def _write(tmp_path: Path, *rows: str, name: str = "chain.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([",".join(HEADER), *rows]) + "\n", encoding="utf-8")
    return path


def _assert_same_graph(a: nx.DiGraph, b: nx.DiGraph) -> None:
    assert a.graph == b.graph
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert {(u, v): d for u, v, d in a.edges(data=True)} == {(u, v): d for u, v, d in b.edges(data=True)}


def test_test_data_present():
    assert [p.name for p in CHAINS] == ["willems_01.csv", "willems_03.csv"]
    assert (DATA / "README.md").is_file()
    for path in CHAINS:  # copies of the bundled chains, unchanged
        assert path.read_bytes() == (SCENARIOS / "willems" / path.name).read_bytes()


def test_bundled_chains_present():
    assert [p.stem for p in BUNDLED] == [f"willems_{k:02d}" for k in range(1, 38, 2)]
    assert (SCENARIOS / "willems" / "README.md").is_file()


# --------------------------------------------------------------------------------------------------
# every chain: structure and the derived attributes


def _check_chain(graph: nx.DiGraph, path: Path) -> None:
    assert graph.graph[attrs.NAME] == path.stem
    assert "Willems" in graph.graph[attrs.SOURCE] and "10(1):19-23" in graph.graph[attrs.SOURCE]
    assert "snc" in graph.graph[attrs.SOURCE]
    assert "shortage_cost" in graph.graph[attrs.DESCRIPTION] and "Phi(z)" in graph.graph[attrs.DESCRIPTION]
    assert nx.is_directed_acyclic_graph(graph)
    _assert_same_graph(graph, validate(graph))
    for node in nx.topological_sort(graph):
        data = graph.nodes[node]
        inputs = sum(q * graph.nodes[u][attrs.HOLDING_COST] for u, _, q in graph.in_edges(node, data=attrs.QUANTITY))
        assert data[attrs.HOLDING_COST] == pytest.approx(data[attrs.ADDED_COST] + inputs, rel=1e-12)
        assert data[attrs.ASSEMBLY] == (graph.in_degree(node) >= 2)
        spec = data.get(attrs.DEMAND)
        if spec is None:
            assert attrs.SERVICE_FACTOR not in data and attrs.SHORTAGE_COST not in data
            continue
        assert spec["distribution"] == "normal"
        level = stats.norm.cdf(data[attrs.SERVICE_FACTOR])
        assert data[attrs.SHORTAGE_COST] == pytest.approx(data[attrs.HOLDING_COST] * level / (1 - level), rel=1e-9)
    assert all(d[attrs.LEAD_TIME] == 0 for _, _, d in graph.edges(data=True))


@pytest.mark.parametrize("path", CHAINS, ids=lambda p: p.stem)
def test_chain_imports_and_validates(path):
    graph = read_willems(path)
    _check_chain(graph, path)
    _assert_same_graph(graph, load(path))  # load() dispatches .csv to the same reader


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_chain_imports(path):
    graph = load(path)
    _check_chain(graph, path)
    # in these data the demand stages are exactly the stages without customers
    sinks = {n for n in graph if graph.out_degree(n) == 0}
    assert {n for n, d in graph.nodes(data=True) if d.get(attrs.DEMAND)} == sinks


# --------------------------------------------------------------------------------------------------
# values checked by hand


def test_willems_01_by_hand():
    g = read_willems(DATA / "willems_01.csv")
    assert (g.number_of_nodes(), g.number_of_edges()) == (8, 10)
    value = {n: g.nodes[n][attrs.HOLDING_COST] for n in g}
    # parts 12, 5, 9; Manuf_0001 adds 39 to all three, Manuf_0002 adds 36; retail adds nothing
    assert value["Manuf_0001"] == 39 + 12 + 5 + 9 == 65
    assert value["Manuf_0002"] == 36 + 12 + 5 + 9 == 62
    assert value["Retail_0002"] == 0 + 65 + 62 == 127
    assert [g.nodes[n][attrs.PROCESSING_TIME] for n in ("Part_0001", "Part_0002", "Manuf_0001", "Retail_0001")] == [
        28, 15, 10, 0,
    ]
    assert set(g.in_edges("Retail_0002")) == {("Manuf_0001", "Retail_0002"), ("Manuf_0002", "Retail_0002")}
    assert {(d[attrs.QUANTITY], d[attrs.LEAD_TIME]) for _, _, d in g.edges(data=True)} == {(1.0, 0)}
    retail = g.nodes["Retail_0001"]
    assert retail[attrs.DEMAND] == {"distribution": "normal", "mean": 253.0, "std": 36.62}
    assert retail[attrs.SERVICE_FACTOR] == 1.645 and retail[attrs.MAX_SERVICE_TIME] == 0
    assert retail[attrs.SHORTAGE_COST] == pytest.approx(1235.39, abs=0.01)  # 65 * Phi(z) / (1 - Phi(z))
    assert attrs.RISK_POOL not in retail and g.nodes["Part_0001"][attrs.RISK_POOL] == 2.0
    assert g.nodes["Retail_0002"][attrs.ASSEMBLY] and not g.nodes["Retail_0001"][attrs.ASSEMBLY]
    assert "Every lead_time in the CSV is a whole number" in g.graph[attrs.DESCRIPTION]


def test_willems_03_by_hand():
    g = read_willems(DATA / "willems_03.csv")
    value = {n: g.nodes[n][attrs.HOLDING_COST] for n in g}
    # Dist_0002 <- Manuf_0003 <- {Trans_0001 <- Manuf_0001 <- Part_0001..3, Trans_0002 <- Part_0005}
    assert value["Manuf_0001"] == 300 + 1100 + 600 + 400
    assert value["Trans_0002"] == 3 + 1500
    assert value["Dist_0002"] == 150 + 50 + (0 + 2400) + (3 + 1500) == 4103
    assert value["Dist_0004"] == pytest.approx(335.4 + 60 + (2 + 1500) + (0 + 250 + 600 + 400 + 1100))
    # fractional lead times are truncated: 37.5 -> 37, 1.2 -> 1, 4.3 -> 4
    assert [g.nodes[n][attrs.PROCESSING_TIME] for n in ("Part_0002", "Dist_0002", "Dist_0003")] == [37, 1, 4]
    assert "5 stages have a fractional lead_time" in g.graph[attrs.DESCRIPTION]
    assert "truncated" in g.graph[attrs.DESCRIPTION]


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [("truncate", [37, 1, 53]), ("round", [38, 1, 54]), (LeadTimeRounding.CEIL, [38, 2, 54])],
)
def test_lead_time_rounding(rounding, expected):
    g = read_willems(DATA / "willems_03.csv", lead_time_rounding=rounding)
    assert [g.nodes[n][attrs.PROCESSING_TIME] for n in ("Part_0002", "Dist_0002", "Part_0003")] == expected


def test_quantities_scale_the_item_value(tmp_path):
    path = _write(
        tmp_path,
        "Part_A,5,,10,2,,,",
        "Part_B,3,,4,2,,,",
        "Manuf,2,,1,2,,,,Part_A,2,Part_B,0.5",
        "Retail,0,1,3,,20,5,2.054,Manuf,3",
    )
    g = read_willems(path)
    assert g.nodes["Manuf"][attrs.HOLDING_COST] == 1 + 2 * 10 + 0.5 * 4 == 23
    assert g.nodes["Retail"][attrs.HOLDING_COST] == 3 + 3 * 23 == 72
    assert g.edges["Part_A", "Manuf"][attrs.QUANTITY] == 2.0
    assert g.edges["Part_B", "Manuf"][attrs.QUANTITY] == 0.5
    assert g.nodes["Retail"][attrs.SERVICE_FACTOR] == 2.054
    assert g.nodes["Retail"][attrs.MAX_SERVICE_TIME] == 1


def test_zero_demand_stage(tmp_path):
    # as in willems_33: demand stages with mean 0 and std 0 are demand stages
    path = _write(tmp_path, "Part,1,,1,2,,,", "Dist,0.0,6,0.0,,0.0,0.0,2.170,Part,1")
    g = read_willems(path)
    assert g.nodes["Dist"][attrs.DEMAND] == {"distribution": "normal", "mean": 0.0, "std": 0.0}
    assert "1 of them have mean 0 and std 0" in g.graph[attrs.DESCRIPTION]


def test_spreadsheet_quirks_are_read(tmp_path):
    # a byte-order mark, CRLF line ends, blank lines, spaces and rows padded with empty cells
    clean = _write(tmp_path, "Part,28,,12,2,,,", "Retail,0,0,0,,253.0,36.62,1.645,Part,1", name="clean.csv")
    messy = tmp_path / "messy.csv"
    text = "\ufeff" + ",".join(HEADER) + ",,\r\n\r\nPart, 28,,12,2,,,,,,\r\nRetail,0,0,0,,253.0,36.62,1.645,Part,1,,\r\n"
    messy.write_text(text, encoding="utf-8", newline="")
    a, b = read_willems(clean), read_willems(messy)
    b.graph[attrs.NAME] = a.graph[attrs.NAME]
    b.graph[attrs.DESCRIPTION] = b.graph[attrs.DESCRIPTION].replace("messy", "clean")
    _assert_same_graph(a, b)


# --------------------------------------------------------------------------------------------------
# conversion


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml"])
def test_convert_round_trip(tmp_path, suffix):
    graph = read_willems(DATA / "willems_03.csv")
    out = save(graph, tmp_path / f"willems_03{suffix}")
    back = load(out)
    _assert_same_graph(graph, back)


def test_save_csv_is_refused(tmp_path):
    graph = read_willems(DATA / "willems_01.csv")
    with pytest.raises(ScenarioFileError, match=r"cannot write format '\.csv'"):
        save(graph, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_threshold_whose_shortage_cost_passes_the_limit_is_refused(tmp_path):
    """z = 9: 1 - Phi(z) = 1.1e-19 (1 - Phi computed by subtraction is 0: ZeroDivisionError before); the
    placeholder h Phi / (1 - Phi) is 2.7e19, over the schema's limit. z = 6 stays under it (by erfc)."""
    path = tmp_path / "chain.csv"
    path.write_text(",".join(HEADER) + "\na,2,,1,,,,,\nb,3,,2,,10,3,9,a,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"chain\.csv: line 3, stage 'b': ext_demand_thres: z = 9 "
                       r"leaves 1 - Phi\(z\) = 1.1e-19"):
        read_willems(path)
    path.write_text(",".join(HEADER) + "\na,2,,1,,,,,\nb,3,,2,,10,3,6,a,1\n", encoding="utf-8")
    cost = read_willems(path).nodes["b"][attrs.SHORTAGE_COST]
    assert cost == pytest.approx(3 * stats.norm.cdf(6) / stats.norm.sf(6), rel=1e-12)
