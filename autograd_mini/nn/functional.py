"""The layers and losses as plain functions, with PyTorch's names: `F.relu(x)`,
`F.cross_entropy(logits, target)`.

Each checks its arguments here, once, with errors that name the shapes and values at fault,
then runs one op. Families with many functions live in their own files (functional_conv.py,
functional_loss.py, functional_norm.py, functional_pool.py, ...), all exported from here.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_mini import random
from autograd_mini.inplace import apply_inplace
from autograd_mini.ops import activation as act
from autograd_mini.ops.linalg import Linear
from autograd_mini.ops.reduce import LogSoftmax, Softmax
from autograd_mini.ops.trigonometric import Tanh
from autograd_mini.ops.unary import LeakyRelu, Relu, Sigmoid
from autograd_mini.tensor import Tensor, get_default_dtype

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
    return _maybe_inplace(act.Hardtanh.apply(input, low=min_val, high=max_val), input, inplace)


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
    return _dropout(input, p, training, inplace, input.shape)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout of whole channels of (N, C, L) or (C, L) input: each channel is zeroed with
    probability p, and the rest scaled by 1 / (1 - p)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: expected a 2-d (C, L) or 3-d (N, C, L) input, got shape {input.shape}"
        )
    return _dropout(input, p, training, inplace, _channels(input.shape, batched=input.ndim == 3))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout of whole channels of (N, C, H, W) input: each channel is zeroed with probability p,
    and the rest scaled by 1 / (1 - p).

    As in PyTorch, dim 1 is the channel for any input: a 3-d input is taken as (N, C, L), with a
    warning, and other sizes than 3 or 4 dims warn that they are deprecated.
    """
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: a {input.ndim}-d input is deprecated; dropout2d is meant for 3-d or 4-d "
            "input (use dropout for elementwise masks)",
            UserWarning,
            stacklevel=2,
        )
    elif input.ndim == 3:
        warnings.warn(
            "dropout2d: a 3-d input is taken as (N, C, L), dropping channels as dropout1d does; use "
            "dropout1d for that",
            UserWarning,
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, _channels(input.shape, batched=True))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout of whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: a {input.ndim}-d input is deprecated; dropout3d is meant for 4-d or 5-d input",
            UserWarning,
            stacklevel=2,
        )
    return _dropout(input, p, training, inplace, _channels(input.shape, batched=input.ndim == 5))


def _channels(shape: tuple[int, ...], batched: bool) -> tuple[int, ...]:
    """The shape of a mask with one entry per channel: (N, C, 1, ...), or (C, 1, ...) unbatched."""
    kept = 2 if batched else 1
    return shape[:kept] + (1,) * (len(shape) - kept)


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple[int, ...]) -> Tensor:
    """input times a mask of mask_shape (broadcast), 0 with probability p and 1 / (1 - p) elsewhere."""
    check_dropout_probability(p)
    if not training or p == 0:
        return input
    dtype = input.dtype if input.dtype.kind == "f" else get_default_dtype()
    mask = _dropout_mask(mask_shape, p, dtype)
    return input.mul_(mask) if inplace else input * mask


@random.recorded_draw
def _dropout_mask(shape: tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray:
    """An array of shape: 0 with probability p, else 1 / (1 - p), drawn from the default generator."""
    mask = (random.numpy_generator().random(shape) >= p).astype(dtype)
    if p < 1:
        mask *= 1 / (1 - p)
    return mask


# ---- encoding ---------------------------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 (..., num_classes): 1 at each index's class, 0 elsewhere; num_classes=-1 takes the
    largest index + 1. Outside the graph (it has no gradient)."""
    indices = tensor._array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if indices.dtype != np.int64:
        raise RuntimeError(f"one_hot: takes int64 class indices (a LongTensor), not dtype {indices.dtype}")
    if num_classes == -1:
        if not indices.size:
            raise RuntimeError("one_hot: an empty tensor tells no number of classes; pass num_classes")
        num_classes = int(indices.max()) + 1
    if indices.size and indices.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, but one is {indices.min()}")
    if num_classes < 0 or indices.size and indices.max() >= num_classes:
        largest = indices.max() if indices.size else None
        raise RuntimeError(
            f"one_hot: class values must be smaller than num_classes ({num_classes}); the largest is "
            f"{largest}"
        )
    return Tensor._make((indices[..., None] == np.arange(num_classes)).astype(np.int64), None, False)


# ---- the other families, each in its own file, exported here: attention (functional_attention.py),
# convolutions, padding and im2col (functional_conv.py), layer and RMS norm (functional_layernorm.py),
# losses (functional_loss.py), batch, group and instance norm and embedding (functional_norm.py)
from autograd_mini.nn.functional_attention import scaled_dot_product_attention  # noqa: E402, F401
from autograd_mini.nn.functional_conv import (  # noqa: E402, F401
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    pad,
    unfold,
)
from autograd_mini.nn.functional_layernorm import layer_norm, rms_norm  # noqa: E402, F401
from autograd_mini.nn.functional_loss import (  # noqa: E402, F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    check_reduction,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from autograd_mini.nn.functional_norm import (  # noqa: E402, F401
    batch_norm,
    embedding,
    group_norm,
    instance_norm,
)

# ---- pooling and interpolation: in functional_pool.py, exported here -------------------------
from autograd_mini.nn.functional_pool import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)
