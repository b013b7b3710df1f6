"""Gradient clipping, in place on the parameters' .grad, as torch.nn.utils does it."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd_mini.tensor import Tensor

Parameters = Tensor | Iterable[Tensor]


def _with_grads(parameters: Parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients so that their joint norm (as if concatenated into one vector) is at
    most max_norm; return that total norm, before clipping, as a 0-d tensor.

    norm_type is p of the p-norm (float('inf') for the largest absolute value). Gradients are
    scaled by max_norm / (total_norm + 1e-6) when that is below 1. foreach is accepted and has
    no effect. A NaN or infinite total norm raises RuntimeError if error_if_nonfinite.
    """
    grads = [p.grad._array for p in _with_grads(parameters)]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    dtype = np.result_type(*grads)
    if norm_type == math.inf:
        norms = [np.abs(g).max(initial=0) for g in grads]
        total = np.max(norms).astype(dtype)
    else:
        norms = [np.linalg.norm(g.ravel(), ord=norm_type) if g.size else 0.0 for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=dtype), ord=norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    coefficient = min(max_norm / (total + 1e-6), 1.0)  # NaN stays NaN, as in PyTorch
    if not coefficient >= 1.0:
        with np.errstate(invalid="ignore"):  # an infinite norm makes inf * 0 = NaN, as in PyTorch
            for g in grads:
                g *= np.asarray(coefficient, dtype=g.dtype)
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        np.clip(p.grad._array, -clip_value, clip_value, out=p.grad._array)
