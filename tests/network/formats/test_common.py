"""netinv.network.formats.common: what every format's reader and writer shares."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from netinv.errors import ScenarioFileError
from netinv.network.formats.common import (
    MAX_NESTING,
    MAX_NODES,
    check_nesting,
    check_size,
    decode_json,
    did_you_mean,
    json_default,
    kind_of,
    plain,
    plain_copy,
    raw_document,
    read_text,
    unknown_node,
)


def test_read_text_errors(tmp_path):
    with pytest.raises(ScenarioFileError, match=r"none\.yaml: file not found$"):
        read_text(tmp_path / "none.yaml")
    with pytest.raises(ScenarioFileError, match="is a directory, not a scenario file$"):
        read_text(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioFileError, match=r"latin\.yaml: line 1, byte 9: not UTF-8 text$"):
        read_text(latin)
    latin.write_text("name: café\n", encoding="utf-8")
    assert read_text(latin) == "name: café\n"


def test_nesting_limit():
    deep = []
    for _ in range(MAX_NESTING - 1):
        deep = [deep]
    check_nesting(deep, "f.json")  # MAX_NESTING levels: accepted
    with pytest.raises(ScenarioFileError, match=f"^f.json: node 'a': lists and mappings nested more than {MAX_NESTING}"):
        check_nesting({"x": deep}, "f.json", "node 'a'")


def test_hints():
    assert did_you_mean("nort", ["north", "south"]) == " (did you mean 'north'?)"
    assert did_you_mean("zzz", ["north"]) == ""
    assert unknown_node(3, [1, 2, 33]) == "unknown node '3' (did you mean '33'?)"


def test_kind_of():
    assert [kind_of(v) for v in (None, [1], "s", 1, 1.5, True)] == [
        "an empty document", "a list", "a string", "a number", "a number", "a boolean"]


def test_plain_and_json_default():
    value = {"a": (np.int64(2), np.array([1.5, 2.5])), "b": np.float32(0.5)}
    assert plain(value) == {"a": [2, [1.5, 2.5]], "b": 0.5}
    assert type(plain(np.int64(2))) is int
    assert json_default(np.float64(1.25)) == 1.25
    with pytest.raises(TypeError, match="cannot write object to JSON"):
        json_default(object())


def test_plain_copy_drops_none():
    graph = nx.DiGraph(name="g")
    graph.add_node("a", x=np.int64(1), y=None)
    graph.add_edge("a", "b", w=np.float64(2.0), z=None)
    out = plain_copy(graph)
    assert dict(out.nodes["a"]) == {"x": 1} and dict(out.edges["a", "b"]) == {"w": 2.0}


def test_raw_document_decodes_json_attributes():
    graph = nx.DiGraph(known='{"cost": 3}')
    graph.add_node("s", demand='{"distribution": "poisson", "mean": 2}')
    graph.add_node("d")
    graph.add_edge("d", "s", lead_time=1)
    doc = raw_document(graph, "dir/net.graphml")
    assert doc == {
        "known": {"cost": 3}, "name": "net",
        "nodes": [{"id": "s", "demand": {"distribution": "poisson", "mean": 2}}, {"id": "d"}],
        "edges": [{"source": "d", "target": "s", "lead_time": 1}],
    }
    with pytest.raises(ScenarioFileError, match=r"^f: node 'a': demand: not valid JSON"):
        decode_json("{", "f", "node 'a'", "demand")


def test_check_size_refuses_a_node_list_over_the_limit_before_validation():
    check_size({"nodes": [{}] * MAX_NODES, "edges": []}, "f.json")
    with pytest.raises(ScenarioFileError, match=r"^f\.json: nodes: 100,001 nodes, over the limit of 100,000$"):
        check_size({"nodes": [{}] * (MAX_NODES + 1)}, "f.json")
    check_size([1, 2], "f.json")  # not a mapping: the reader's caller says so


def test_a_scenario_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "s.yaml"
    with open(path, "wb") as handle:
        handle.truncate(40 * 2**20)
    with pytest.raises(ScenarioFileError, match=r"s\.yaml: the scenario file is 40\.0 MiB .* over the limit of 32\.0 MiB"):
        read_text(path)
