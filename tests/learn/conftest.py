"""Learning tests: torch on one thread, so that their timings do not fight the rest of the suite."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
with warnings.catch_warnings():
    # PyG's own import calls torch.jit.script, deprecated in this torch: not ours to fix
    warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=DeprecationWarning)
    import torch_geometric  # noqa: F401
