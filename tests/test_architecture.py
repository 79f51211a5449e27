"""The shape of the package, checked from its source (STYLE habits 9 and 12).

- No module imports a ``_private`` name (or a ``_private`` module) from another module: what two modules
  share is public, documented and tested.
- The import graph of ``netinv`` has no cycle. Imports inside functions count as much as those at the top:
  a cycle that only a function-local import hides is still a cycle of the design.
- ``netinv --help`` and loading a scenario import neither torch, PyTorch Geometric nor Pyomo.
- Every module of ``netinv`` has its test file at the mirrored path (``tests/<pkg>/test_<module>.py``),
  and no function is over 100 lines (a long function is a set of steps that want names).

The graph is built with :mod:`ast` from the files, so these tests run nothing of the package itself.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

from tests.conftest import ROOT, SCENARIOS

PACKAGE = ROOT / "netinv"
HEAVY = ("torch", "torch_geometric", "pyomo")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import of the file, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(base, alias.name, node.lineno) for alias in node.names]
    return found


def import_graph() -> tuple[nx.DiGraph, list[str]]:
    """The graph module -> netinv module it imports, and the private names taken across modules."""
    known = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    private = []
    for name, path in known.items():
        for target, taken, line in imports(path, name):
            if not target.startswith("netinv"):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            if taken is not None and f"{target}.{taken}" in known:  # `from pkg import submodule`
                graph.add_edge(name, f"{target}.{taken}")
                if taken.startswith("_"):
                    private.append(f"{where}: module {target}.{taken}")
                continue
            if target in known and target != name:
                graph.add_edge(name, target)
            if any(part.startswith("_") and not part.startswith("__") for part in target.split(".")):
                private.append(f"{where}: module {target}")
            if taken is not None and taken.startswith("_") and not taken.startswith("__") and target != name:
                private.append(f"{where}: {target}.{taken}")
    return graph, private


def test_the_graph_sees_the_package():
    graph, _ = import_graph()
    assert {"netinv.cli", "netinv.sim.simulator", "netinv.network"} <= set(graph)
    assert graph.number_of_edges() > len(graph)  # the modules do import each other: the parser found them


def test_no_private_name_is_imported_from_another_module():
    _, private = import_graph()
    assert private == [], "private names imported across modules:\n" + "\n".join(private)


def test_the_import_graph_has_no_cycle():
    graph, _ = import_graph()
    cycles = [sorted(component) for component in nx.strongly_connected_components(graph) if len(component) > 1]
    cycles += [[node] for node in graph if graph.has_edge(node, node)]
    assert cycles == [], f"import cycles: {cycles}"


def test_help_and_loading_a_scenario_import_no_heavy_package():
    code = (
        "import sys\n"
        "from netinv.network import load\n"
        "from netinv.network.compile import compile_network\n"
        f"compile_network(load({str(SCENARIOS / 'retail_network.yaml')!r}))\n"
        "from netinv.cli import main\n"
        "sys.argv = ['netinv', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert stop.code in (0, None), stop.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "simulate" in run.stdout  # the help really printed


def test_every_module_has_its_mirrored_test_file():
    missing = []
    for name, path in modules().items():
        if path.name in ("__init__.py", "__main__.py"):
            continue
        relative = path.relative_to(PACKAGE)
        mirror = ROOT / "tests" / relative.parent / f"test_{relative.name}"
        if not mirror.exists():
            missing.append(f"{name}: no {mirror.relative_to(ROOT)}")
    assert missing == [], "\n".join(missing)


MAX_FUNCTION_LINES = 100


def test_no_function_is_longer_than_a_screenful_or_two():
    long = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {lines} lines")
    assert long == [], "\n".join(long)
