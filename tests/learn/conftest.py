"""Learning tests: torch on one thread, so that their timings do not fight the rest of the suite; the
expensive fixtures they share, made once per session."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
with warnings.catch_warnings():
    # PyG's own import calls torch.jit.script, deprecated in this torch: not ours to fix
    warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=DeprecationWarning)
    import torch_geometric  # noqa: F401


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> Path:
    """The reference dataset (``ARGS``, ``OPTIONS`` of tests/learn/helpers.py): an uninterrupted run in this
    process (workers=1). Read only: a test that changes it works on a copy."""
    from netinv.learn.dataset import generate_dataset
    from tests.learn.helpers import ARGS, OPTIONS, SHARDS

    out = tmp_path_factory.mktemp("reference") / "data"
    result = generate_dataset(out, **ARGS, workers=1, **OPTIONS)
    assert result["shards_made"] == len(SHARDS) and not result["interrupted"]
    return out


@pytest.fixture
def parent(tmp_path) -> Path:
    """An untrained small :class:`~netinv.learn.model.OrderGNN` (seed 0) saved with its card, as the model
    that fine-tuning and adaptation start from."""
    from netinv.learn.checkpoint import save_model
    from netinv.learn.model import ModelConfig, OrderGNN

    torch.manual_seed(0)
    path = tmp_path / "parent.pt"
    save_model(OrderGNN(ModelConfig(hidden=16, layers=2)), path, {"note": "untrained, for tests"})
    return path
