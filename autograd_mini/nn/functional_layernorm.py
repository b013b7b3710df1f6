"""Layer norm and RMS norm as plain functions, with PyTorch's names and arguments;
`nn.functional` exports them.

Both normalise over the trailing dims named by `normalized_shape` (an int or a tuple) and run
one fused op from `autograd_mini.ops.layer_norm`, after checking the shapes here, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd_mini.ops.layer_norm import LayerNorm, RmsNorm
from autograd_mini.tensor import Tensor


def as_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    """normalized_shape as a tuple: 4 -> (4,), [2, 4] -> (2, 4)."""
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _check(
    name: str, input: Tensor, shape: tuple[int, ...], weight: Tensor | None, bias: Tensor | None
) -> None:
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: takes a floating input, not dtype {input.dtype}")
    if not shape or input.ndim < len(shape) or input.shape[-len(shape) :] != shape:
        expected = ", ".join(["*", *map(str, shape)])
        raise RuntimeError(
            f"{name}: given normalized_shape={list(shape)}, expected input with shape [{expected}], "
            f"but got input of size {list(input.shape)}"
        )
    for kind, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise RuntimeError(
                f"{name}: expected {kind} to be of same shape as normalized_shape, but got {kind} of "
                f"shape {list(value.shape)} and normalized_shape = {list(shape)}"
            )


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) · weight + bias, mean and (biased) var over the trailing dims
    `normalized_shape`: input (*, *normalized_shape) -> the same shape; weight and bias, if given,
    of shape normalized_shape."""
    shape = as_shape(normalized_shape)
    _check("layer_norm", input, shape, weight, bias)
    return LayerNorm.apply(input, weight, bias, dims=len(shape), eps=eps)


def rms_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x²) + eps) · weight, the mean over the trailing dims `normalized_shape`.

    eps=None takes the machine epsilon of input's dtype (`torch.finfo(dtype).eps`), as PyTorch.
    """
    shape = as_shape(normalized_shape)
    _check("rms_norm", input, shape, weight, None)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    return RmsNorm.apply(input, weight, None, dims=len(shape), eps=eps)
