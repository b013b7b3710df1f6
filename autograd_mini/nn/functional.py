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
from autograd_mini.ops import activation as act
from autograd_mini.ops.linalg import Linear
from autograd_mini.ops.loss import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    SquaredError,
)
from autograd_mini.ops.reduce import LogSoftmax, Softmax
from autograd_mini.ops.trigonometric import Tanh
from autograd_mini.ops.unary import Clip, LeakyRelu, Relu, Sigmoid
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


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), Φ the standard normal distribution function; approximate='tanh' uses
    x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return act.Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (also called swish)."""
    return _maybe_inplace(act.Silu.apply(input), input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    return _maybe_inplace(act.Mish.apply(input), input, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha·(e^x - 1)."""
    return _maybe_inplace(act.Elu.apply(input, alpha=alpha), input, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha·(e^(x/alpha) - 1)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return _maybe_inplace(act.Elu.apply(input, alpha=alpha, input_scale=1 / alpha), input, inplace)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, alpha) with the self-normalising constants alpha ≈ 1.6733, scale ≈ 1.0507."""
    return _maybe_inplace(act.Elu.apply(input, alpha=SELU_ALPHA, scale=SELU_SCALE), input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta·x))/beta, and x itself where beta·x > threshold."""
    return act.Softplus.apply(input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return act.Softsign.apply(input)


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), finite for any x."""
    return act.LogSigmoid.apply(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped into [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return _maybe_inplace(Clip.apply(input, low=min_val, high=max_val), input, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x/6 + 1/2, 0, 1)."""
    return _maybe_inplace(act.Hardsigmoid.apply(input), input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·hardsigmoid(x)."""
    return _maybe_inplace(act.Hardswish.apply(input), input, inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight·x; weight holds one slope, or one per channel (dim 1)."""
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-d (one slope per channel), got shape {weight.shape}")
    if weight.shape[0] == 1:
        weight = weight.reshape(())  # one slope for every element, whatever the input's shape
    else:
        channels = input.shape[1] if input.ndim > 1 else (input.shape[0] if input.ndim else 1)
        if channels != weight.shape[0]:
            raise RuntimeError(
                f"prelu: weight has {weight.shape[0]} slopes but input of shape {input.shape} has "
                f"{channels} channels"
            )
        if input.ndim > 1:
            weight = weight.reshape((-1,) + (1,) * (input.ndim - 2))
    return act.Prelu.apply(input, weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a·σ(b), a and b the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu: does not take a 0-d tensor")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for a tensor of {input.ndim} dims")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"glu: halving dim {dim} needs an even size, but input has shape {input.shape}")
    before = (slice(None),) * (dim % input.ndim)
    a, b = input[before + (slice(0, size // 2),)], input[before + (slice(size // 2, None),)]
    return a * Sigmoid.apply(b)


def softmin(input: Tensor, dim: int) -> Tensor:
    """softmax(-x) along dim."""
    return Softmax.apply(-input, axis=dim)


def _maybe_inplace(result: Tensor, input: Tensor, inplace: bool) -> Tensor:
    """With inplace=True, result written into input (which keeps its identity), as PyTorch's
    in-place activations; else result."""
    return input.copy_(result) if inplace else result


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
