"""netinv.attrs: attribute names are spelled once; the readers of netinv.network use the constants."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from netinv import attrs

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTE_NAMES = {value for key, value in vars(attrs).items() if key.isupper() and isinstance(value, str)}
READERS = ["netinv/network/compile.py", "netinv/network/validate.py", "netinv/network/messages.py"]


def _docstrings(tree: ast.AST) -> set[int]:
    owners = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners) and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def spelled_attribute_names(source: str) -> list[tuple[int, str]]:
    """(line, name) of every string literal in ``source`` (docstrings aside) that is an attribute name."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        and node.value in ATTRIBUTE_NAMES
    )


def test_the_check_finds_a_spelled_name():
    assert spelled_attribute_names('def f(g):\n    """lead_time"""\n    return g["lead_time"]\n') == [
        (3, "lead_time")
    ]


@pytest.mark.parametrize("module", READERS)
def test_readers_use_the_constants(module):
    assert spelled_attribute_names((ROOT / module).read_text(encoding="utf-8")) == []


def test_defaults_are_keyed_by_attribute_names():
    assert set(attrs.NODE_DEFAULTS) <= ATTRIBUTE_NAMES
    assert set(attrs.EDGE_DEFAULTS) <= ATTRIBUTE_NAMES
    assert attrs.EDGE_DEFAULTS[attrs.KIND] == attrs.SUPPLY and attrs.SUPPLY in attrs.EDGE_KINDS
    assert attrs.NODE_DEFAULTS[attrs.YIELD] == 1.0 and attrs.EDGE_DEFAULTS[attrs.QUANTITY] == 1.0
