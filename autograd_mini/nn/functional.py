"""The layers and losses as plain functions, with PyTorch's names: `F.relu(x)`,
`F.cross_entropy(logits, target)`.

Each checks its arguments here, once, with errors that name the shapes and values at fault,
then runs one op. Losses never broadcast prediction against target: a (N, 1) prediction with a
(N,) target is an error, not a silent (N, N) loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import random
from autograd_mini.inplace import apply_inplace
from autograd_mini.ops.linalg import Linear
from autograd_mini.ops.loss import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    SquaredError,
)
from autograd_mini.ops.reduce import LogSoftmax, Softmax
from autograd_mini.ops.unary import LeakyRelu, Relu, Sigmoid, Tanh
from autograd_mini.tensor import Tensor, get_default_dtype

REDUCTIONS = ("mean", "sum", "none")

# ---- activations ------------------------------------------------------------------------------


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x), elementwise, finite for any x."""
    return Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise; inplace=True changes input itself."""
    return input.relu_() if inplace else Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope·x; inplace=True changes input itself."""
    if inplace:
        return apply_inplace(input, "leaky_relu_", LeakyRelu, negative_slope=negative_slope)
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, without overflow."""
    return Softmax.apply(input, axis=dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along dim, computed directly so it stays finite."""
    return LogSoftmax.apply(input, axis=dim)


# ---- layers ---------------------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias in one op: input (..., in), weight (out, in), bias (out,) -> (..., out)."""
    return Linear.apply(input, weight, bias)


def check_dropout_probability(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p, the probability of zeroing an element, must lie in [0, 1], got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p), so
    the expected value is unchanged; otherwise return input as it is. inplace=True changes input.

    The mask comes from the default generator (see `autograd_mini.manual_seed`).
    """
    check_dropout_probability(p)
    if not training or p == 0:
        return input
    dtype = input.dtype if input.dtype.kind == "f" else get_default_dtype()
    mask = (random.numpy_generator().random(input.shape) >= p).astype(dtype)
    if p < 1:
        mask *= 1 / (1 - p)
    return input.mul_(mask) if inplace else input * mask


# ---- losses -------------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """(input - target)², averaged, summed or per element; input and target of one shape."""
    target = _loss_target(input, target, reduction, "mse_loss")
    return SquaredError.apply(input, target, reduction=reduction)


def binary_cross_entropy(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """-(y·log x + (1 - y)·log(1 - x)) for probabilities x in [0, 1], each log clamped at -100.

    For raw scores, binary_cross_entropy_with_logits is stabler and needs no sigmoid first.
    """
    target = _loss_target(input, target, reduction, "binary_cross_entropy")
    data = _array(input)
    if data.size and not (data.min() >= 0 and data.max() <= 1):
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], but its values run from "
            f"{data.min()} to {data.max()}; for raw scores use binary_cross_entropy_with_logits"
        )
    return BinaryCrossEntropy.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably in one op for any logits."""
    target = _loss_target(input, target, reduction, "binary_cross_entropy_with_logits")
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction)


def cross_entropy(input: Tensor, target: Any, *, reduction: str = "mean") -> Tensor:
    """-log softmax(input)[target], averaged over samples, summed, or per sample.

    input: logits (N, C), (N, C, d1, ...) or unbatched (C,); target: integer class indices in
    [0, C), shaped as input without the class dim: (N,), (N, d1, ...) or ().
    """
    check_reduction(reduction, "cross_entropy")
    target = _array(target)
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must hold logits of shape (N, C) or (C,), not a 0-d tensor")
    axis = 1 if input.ndim > 1 else 0
    classes, expected = input.shape[axis], input.shape[:axis] + input.shape[axis + 1 :]
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"cross_entropy: target must hold integer class indices, but its dtype is {target.dtype} "
            "(targets of class probabilities are not supported); convert with .long()"
        )
    if target.shape != expected:
        raise ValueError(
            f"cross_entropy: input of shape {input.shape} ({classes} classes on dim {axis}) needs a target "
            f"of shape {expected}, but target has shape {target.shape}"
        )
    outside = target[(target < 0) | (target >= classes)]
    if outside.size:
        raise IndexError(
            f"cross_entropy: target holds class indices {np.unique(outside)[:5].tolist()} outside "
            f"[0, {classes - 1}] for {classes} classes"
        )
    return CrossEntropy.apply(input, target, reduction=reduction)


def check_reduction(reduction: str, caller: str) -> None:
    """A ValueError unless reduction is 'mean', 'sum' or 'none'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{caller}: reduction must be one of 'mean', 'sum', 'none', got {reduction!r}")


def _array(x: Any) -> np.ndarray:
    return x._array if isinstance(x, Tensor) else np.asarray(x)


def _loss_target(input: Tensor, target: Any, reduction: str, caller: str) -> Any:
    """The target of an elementwise loss, checked: reduction is valid and the shapes are equal."""
    check_reduction(reduction, caller)
    if not isinstance(target, (Tensor, np.ndarray)):
        target = np.asarray(target)
    if target.shape != input.shape:
        raise ValueError(
            f"{caller}: input has shape {input.shape} but target has shape {target.shape}; they must "
            "be equal (losses do not broadcast), so reshape one of them"
        )
    return target
