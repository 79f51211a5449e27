"""Fuzzing the scenario boundary: whatever document or file a user hands netinv, only netinv's own errors
(:class:`~netinv.errors.NetinvError`) come out of ``document_to_graph`` / ``load`` + ``validate`` +
``compile_network``, and their messages are one line.

Documents come from :mod:`tests.reliability.strategies`: valid ones and mutated ones (wrong types,
missing and unknown keys, out-of-range, NaN, infinite and huge numbers, unknown nodes, cycles,
duplicates, empty lists, deep nesting, Unicode ids). They go through the Python API directly and
through files in YAML, JSON and GraphML; the raw text of those files is also corrupted byte by byte.

The default suite runs a few hundred examples; the ``slow`` tests (CI runs them) run 10,500 in all.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netinv.errors import NetinvError, ScenarioFileError
from netinv.network import document_to_graph, graph_to_document, load, save, validate
from netinv.network.compile import compile_network
from netinv.network.summary import summarize
from tests.reliability.strategies import FORMATS, mutated_documents, valid_documents, write_scenario

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)

QUICK = {"documents": 150, "files": 60, "corrupted": 60, "round_trip": 30}  # 300 examples in all
SLOW = {"documents": 6000, "files": 2000, "corrupted": 1500, "round_trip": 1000}  # 10,500
assert sum(QUICK.values()) >= 300 and sum(SLOW.values()) >= 10_000

documents = st.one_of(valid_documents(), mutated_documents(), mutated_documents())


def exercise(build) -> nx.DiGraph | None:
    """Run ``build()`` (a document or a file to a graph), then validate, summarize and compile the graph.

    A NetinvError is an answer (returns None) and must be one line; any other exception fails the test.
    """
    try:
        graph = build()
        again = validate(graph)
        summarize(again)
        compile_network(again)
        return graph
    except NetinvError as exc:
        message = str(exc)
        assert message and len(message.splitlines()) == 1, f"not one line: {message!r}"
        message.encode("utf-8")  # printable on any stream: no lone surrogates
        assert "Traceback" not in message
        return None


def check_document(doc) -> None:
    exercise(lambda: document_to_graph(doc, path="fuzz.yaml"))


def check_files(doc) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            path = write_scenario(doc, Path(folder), fmt)
            if path is not None:
                exercise(lambda path=path: load(path))


def check_corrupted(doc, fmt: str, cuts: list[tuple[int, int, bytes]]) -> None:
    """Write a valid document, then overwrite / delete / insert bytes at the given positions and load."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_scenario(doc, Path(folder), fmt)
        if path is None:
            return
        data = bytearray(path.read_bytes())
        for position, length, insert in cuts:
            at = position % (len(data) + 1)
            data[at:at + length] = insert
        path.write_bytes(bytes(data))
        exercise(lambda: load(path))


def check_round_trip(doc) -> None:
    """A valid document survives save + load in every format with the same nodes, edges and attributes."""
    graph = document_to_graph(doc)
    with tempfile.TemporaryDirectory() as folder:
        written = []
        for fmt in FORMATS:
            try:
                path = save(graph, Path(folder) / f"out.{fmt}")
            except ScenarioFileError as exc:  # a control character in a text: XML cannot hold it
                assert fmt == "graphml" and "cannot be stored in XML 1.0" in str(exc), exc
                continue
            written.append(path.name)
            back = load(path)
            assert list(back.nodes) == list(graph.nodes), fmt
            assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True)), fmt
            assert {(u, v): d for u, v, d in back.edges(data=True)} == {
                (u, v): d for u, v, d in graph.edges(data=True)
            }, fmt
            assert graph_to_document(back)["nodes"] == graph_to_document(graph)["nodes"], fmt
            assert sorted(p.name for p in Path(folder).iterdir()) == sorted(written)  # no temporary file left


CUTS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.binary(max_size=12)), min_size=1,
                max_size=4)
CORRUPTED = (valid_documents(max_nodes=5), st.sampled_from(FORMATS), CUTS)


def _fuzz(check, strategies, examples):
    return settings(FUZZ, max_examples=examples)(given(*strategies)(check))


# --- the default suite: a few hundred examples ------------------------------------------------------

test_documents_quick = _fuzz(check_document, (documents,), QUICK["documents"])
test_files_quick = _fuzz(check_files, (documents,), QUICK["files"])
test_corrupted_files_quick = _fuzz(check_corrupted, CORRUPTED, QUICK["corrupted"])
test_round_trip_quick = _fuzz(check_round_trip, (valid_documents(),), QUICK["round_trip"])

# --- slow: 10,500 examples (CI runs them) -----------------------------------------------------------

test_documents_slow = pytest.mark.slow(_fuzz(check_document, (documents,), SLOW["documents"]))
test_files_slow = pytest.mark.slow(_fuzz(check_files, (documents,), SLOW["files"]))
test_corrupted_files_slow = pytest.mark.slow(_fuzz(check_corrupted, CORRUPTED, SLOW["corrupted"]))
test_round_trip_slow = pytest.mark.slow(_fuzz(check_round_trip, (valid_documents(),), SLOW["round_trip"]))


# --- what the fuzzer found, kept as plain examples ---------------------------------------------------


def test_strategies_make_valid_documents():
    # the generator of valid documents is itself checked: every one it makes is accepted
    @settings(FUZZ, max_examples=50)
    @given(valid_documents())
    def accepted(doc):
        compile_network(document_to_graph(doc))

    accepted()


def test_deep_value_inside_a_tuple_is_refused_in_one_line():
    """Found by the slow fuzzer in CI: ``nodes`` given as a tuple whose node id is a list nested ~2,000
    levels deep escaped the nesting check (lists and mappings only) and the error message's repr of the id
    raised RecursionError. Checked from inside a deep stack, as under pytest and hypothesis."""
    from tests.reliability.strategies import deep

    for kind in ("list", "dict"):
        doc = {"name": "0", "nodes": ({"id": deep(1985, kind), "external_supply": False},
                                      {"id": "00", "external_supply": False}), "edges": [], "known": {"cost": 0.0}}

        def nested(levels: int, doc: dict = doc) -> None:
            if levels:
                return nested(levels - 1)
            with pytest.raises(NetinvError, match="nested more than 100 levels deep") as caught:
                document_to_graph(doc, path="fuzz.yaml")
            assert len(str(caught.value).splitlines()) == 1

        nested(300)
        assert exercise(lambda doc=doc: document_to_graph(doc, path="fuzz.yaml")) is None
        inner = {**doc, "nodes": [{"id": "x", "tags": (deep(500, kind),)}]}
        assert exercise(lambda inner=inner: document_to_graph(inner)) is None


def test_json_document_round_trips_through_strategy_writer(tmp_path):
    doc = {"name": "t", "nodes": [{"id": "a", "demand": {"distribution": "poisson", "mean": 3}, "shortage_cost": 1}]}
    for fmt in FORMATS:
        path = write_scenario(doc, tmp_path, fmt)
        assert load(path).nodes["a"]["demand"] == {"distribution": "poisson", "mean": 3.0}
    assert json.loads((tmp_path / "scenario.json").read_text())["name"] == "t"
