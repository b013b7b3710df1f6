"""PyTorch's `torch.autograd` namespace: the engine's entry points under the names PyTorch uses.

    from autograd_mini import autograd

    autograd.backward([loss_a, loss_b])                    # several roots in one pass
    (g,) = autograd.grad(loss, [w], create_graph=True)     # gradients as values
    autograd.functional.jacobian(f, x)                     # whole Jacobians, Hessians, J·v, ...
    autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-5)       # analytic against finite differences
    with autograd.set_detect_anomaly(True): ...            # stop at the first NaN or inf
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import engine
from autograd_mini.anomaly import detect_anomaly, set_detect_anomaly
from autograd_mini.autograd import functional
from autograd_mini.engine import grad
from autograd_mini.function import Function
from autograd_mini.grad_mode import set_grad_enabled
from autograd_mini.tensor import Tensor
from autograd_mini.testing import gradcheck, gradgradcheck

__all__ = [
    "Function", "backward", "detect_anomaly", "functional", "grad", "gradcheck", "gradgradcheck",
    "set_detect_anomaly",
]


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate the gradients of several roots into .grad, in one backward pass.

    The result is that of `sum(t * g for t, g in zip(tensors, grad_tensors)).backward()`.
    grad_tensors holds d(loss)/d(t) for each root (shape t.shape), or None for a one-element
    root, which gets 1. With `inputs`, only those tensors' .grad is changed (they may be
    non-leaves); the rest of the graph is left as it is.
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, (Tensor, np.ndarray, np.generic, int, float)):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"backward: got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    seeds = [engine._seed_gradient(t, g, "backward", create_graph) for t, g in zip(tensors, grad_tensors)]
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        engine.run(tensors, seeds, retain_graph=keep, create_graph=create_graph)
        return

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("backward: the inputs argument cannot be empty; pass None for every leaf")
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError(f"backward: an input of shape {x.shape} does not require grad")
    captured = engine.run(tensors, seeds, retain_graph=keep, create_graph=create_graph, capture=inputs)
    with set_grad_enabled(create_graph):
        for x in inputs:
            if x in captured:  # an input no root depends on keeps its .grad, as in PyTorch
                _accumulate(x, captured[x], create_graph)


def _accumulate(x: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add g into x.grad. A first gradient is copied: its array may be a seed or another
    input's gradient, and must not be reached through x.grad."""
    if create_graph:
        x.grad = g + 0 if x.grad is None else x.grad + g  # recorded, so still differentiable
    elif x.grad is None:
        x.grad = Tensor._make(np.array(g._array), None, False)
    else:
        x.grad._array = np.asarray(x.grad._array + g._array)  # NumPy gives 0-d sums as scalars
