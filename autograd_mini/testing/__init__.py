"""Tools to prove gradients right: gradcheck, gradgradcheck and hypothesis strategies.

The strategies (`tensors`, `broadcastable_shapes`, `matmul_shapes`, `axes`, `basic_indices`,
`advanced_indices`, `floats_in`, ...) need hypothesis; they load on first use, so gradcheck
works without it.
"""

import importlib
from typing import Any

from autograd_mini.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

_STRATEGIES = (
    "MAX_SIZE", "BroadcastableShapes", "advanced_indices", "axes", "basic_indices",
    "broadcastable_shapes", "floats_in", "matmul_shapes", "reshaped", "shapes", "tensors",
)

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "strategies", *_STRATEGIES]


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES or name == "strategies":
        strategies = importlib.import_module("autograd_mini.testing.strategies")
        return strategies if name == "strategies" else getattr(strategies, name)
    raise AttributeError(f"module 'autograd_mini.testing' has no attribute {name!r}")
