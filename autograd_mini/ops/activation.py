"""Activation functions beyond ReLU and sigmoid: each one node, its derivative beside it.

Backward formulas use only what NumPy arrays and Tensors share (arithmetic, np.exp, np.tanh,
np.log, np.abs, np.minimum), with masks computed in forward as constants, so under
create_graph they are recorded and the activations can be differentiated twice.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_mini.dtypes import FLOATS, to_float
from autograd_mini.function import Function
from autograd_mini.ops.unary import pass_where
from autograd_mini.tensor import Tensor

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
GELU_CUBIC = 0.044715  # the cubic term of GELU's tanh approximation


def floating(x):
    return x if x.dtype in FLOATS else to_float(x)


def sigmoid(x):
    """1 / (1 + e^-x) as (1 + tanh(x/2)) / 2: finite for any x, on arrays and Tensors alike."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def softplus(x):
    """log(1 + e^x) as max(x, 0) + log(1 + e^-|x|), which never overflows."""
    if isinstance(x, Tensor):
        return np.maximum(x, 0) + np.log(1 + np.exp(-np.abs(x)))
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


_erfc = np.frompyfunc(math.erfc, 1, 1)
# erfc(z) = t·exp(-z² + P(t)), t = 1/(1 + |z|/2), for z >= 0, with P's coefficients from the
# lowest power up (Numerical Recipes' erfcc, a Chebyshev fit): under 1.2e-7 relative error for
# every z, which is float32's precision. The first one takes ln 2 off, for Φ = erfc / 2.
_HALF_ERFC_FIT = (-1.26551223 - math.log(2), 1.00002368, 0.37409196, 0.09678418, -0.18628806,
                  0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)
_BLOCK = 16384  # elements the fit works on at once: its float64 buffers then stay in the cache


def _normal_cdf_fit(x: np.ndarray, times_x: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(Φ(x), x·Φ(x) if times_x else None) of float32 or float16 x, to their precision, from the
    fit of erfc in float64.

    With z = -x/√2, the lower tail h = Φ(-|x|) = erfc(|z|)/2 comes from the fit, and
    Φ(x) = h + (x > 0)·(1 - 2h), which is h or 1 - h without a branch. The two dozen passes of
    the fit run over blocks of the input, into float64 buffers reused with out=: over the whole
    array, each pass would stream (and first fault in) 8 bytes an element from memory. GELU's
    x·Φ(x) is taken block by block too, while the block's Φ is still in the cache.
    """
    flat = x.reshape(-1)
    cdf = np.empty(flat.shape, x.dtype)
    product = np.empty(flat.shape, x.dtype) if times_x else None
    size = min(_BLOCK, flat.size)
    z, t, fit, above = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    for start in range(0, flat.size, _BLOCK):
        block = flat[start:start + _BLOCK]
        if block.size < size:  # the last, shorter block
            z, t, fit, above = z[:block.size], t[:block.size], fit[:block.size], above[:block.size]
        # z in float64: exp(-z²) would magnify the rounding of a float32 z
        np.multiply(block, -1 / math.sqrt(2), out=z, dtype=np.float64)
        np.abs(z, out=t)
        t *= 0.5
        t += 1
        np.divide(1.0, t, out=t)  # 1/t: faster than np.reciprocal, which NumPy does not vectorise
        np.multiply(t, _HALF_ERFC_FIT[-1], out=fit)  # P(t) by Horner's rule
        for coefficient in _HALF_ERFC_FIT[-2:0:-1]:
            fit += coefficient
            fit *= t
        fit += _HALF_ERFC_FIT[0]
        np.square(z, out=above)
        fit -= above
        np.exp(fit, out=fit)
        fit *= t  # h
        np.less(z, 0, out=above)  # (x > 0) as 1.0 or 0.0, without a boolean array to cast later
        np.multiply(above, -2, out=t)
        t += 1
        t *= fit
        t += above
        block_cdf = cdf[start:start + _BLOCK]
        np.copyto(block_cdf, t)
        if times_x:
            np.multiply(block, block_cdf, out=product[start:start + _BLOCK])
    return cdf.reshape(x.shape), None if product is None else product.reshape(x.shape)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = erfc(-x/√2) / 2, accurate in both tails. NumPy has no erf: float64 takes math.erfc
    per element (exact), float32 and float16 a fit good to their precision (over 10× faster)."""
    if x.dtype == np.float64:
        return 0.5 * np.asarray(_erfc(-x / math.sqrt(2)), dtype=x.dtype)
    return _normal_cdf_fit(x)[0]


def normal_pdf(x):
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


class NormalCdf(Function):
    """Φ(x), the standard normal distribution function; dΦ/dx = φ(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return normal_cdf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * normal_pdf(x)


class Gelu(Function):
    """x·Φ(x); approximate='tanh': x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))."""

    @staticmethod
    def forward(ctx, x, *, approximate):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)))
        if x.dtype == np.float64:
            ctx.cdf = normal_cdf(x)  # kept: backward needs it again, and it is the costly part
            return x * ctx.cdf
        ctx.cdf, product = _normal_cdf_fit(x, times_x=True)
        return product

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x))
            slope = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)
        if isinstance(x, Tensor):  # create_graph: Φ as a node, differentiable again
            return grad * (NormalCdf.apply(x) + x * normal_pdf(x))
        # grad · (Φ + x·φ(x)), in place in one new array: seven passes but one allocation
        slope = np.square(x, out=np.empty_like(x))  # an array even when x is 0-d
        slope *= -0.5
        np.exp(slope, out=slope)
        slope *= x
        slope *= 1 / math.sqrt(2 * math.pi)
        slope += ctx.cdf
        slope *= grad
        return slope


class Silu(Function):
    """x·σ(x); the derivative is σ(x)(1 + x(1 - σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x * sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return grad * s * (1 + x * (1 - s))


class Mish(Function):
    """x·tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x * np.tanh(softplus(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = np.tanh(softplus(x))
        return grad * (t + x * (1 - t * t) * sigmoid(x))


class Elu(Function):
    """scale·x where x > 0, else scale·alpha·(e^(x·input_scale) - 1): ELU, CELU and SELU."""

    @staticmethod
    def forward(ctx, x, *, alpha, scale=1.0, input_scale=1.0):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.positive = (x > 0).astype(x.dtype)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        negative = alpha * np.expm1(np.minimum(x, 0) * input_scale)
        return scale * np.where(x > 0, x, negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        p = ctx.positive
        negative = ctx.alpha * ctx.input_scale * np.exp(np.minimum(x, 0) * ctx.input_scale)
        return grad * (ctx.scale * (p + (1 - p) * negative))


class Softplus(Function):
    """log(1 + e^(βx))/β, and x itself where βx > threshold (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.beta, ctx.linear = beta, (beta * x > threshold).astype(x.dtype)
        return np.where(ctx.linear, x, softplus(beta * x) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (ctx.linear + (1 - ctx.linear) * sigmoid(ctx.beta * x))


class Softsign(Function):
    """x / (1 + |x|)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = 1 + np.abs(x)
        return grad / (d * d)


class LogSigmoid(Function):
    """log σ(x) = -softplus(-x), finite for any x; the derivative is σ(-x)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return -softplus(-x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sigmoid(-x)


class Hardtanh(Function):
    """x clamped into [low, high], in x's dtype. Unlike clamp's, the gradient passes only strictly
    inside, as PyTorch's: 0 at the bounds. At NaN it passes, as PyTorch's vectorised loop does
    (its loop for short tensors stops it)."""

    @staticmethod
    def forward(ctx, x, *, low, high):
        ctx.inside = ~((x <= low) | (x >= high))
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return pass_where(ctx.inside, grad)


class Hardsigmoid(Function):
    """clamp(x/6 + 1/2, 0, 1); slope 1/6 inside (-3, 3)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.inside = (x > -3) & (x < 3)
        return np.clip(x / 6 + 0.5, 0, 1)

    @staticmethod
    def backward(ctx, grad):
        return pass_where(ctx.inside, grad / 6)  # selected, so an infinite gradient stays out


class Hardswish(Function):
    """x·hardsigmoid(x): 0 below -3, x above 3, x(x + 3)/6 between. The slope is 0 at -3 and 1 at 3
    and at NaN, as PyTorch's."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.below, ctx.inside = x <= -3, (x > -3) & (x < 3)
        return x * np.clip(x / 6 + 0.5, 0, 1)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(ctx.inside, grad * (x / 3 + 0.5), np.where(ctx.below, 0, grad))


class Prelu(Function):
    """x where x > 0, else weight·x, with weight broadcast against x (one per channel)."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        ctx.positive = (x > 0).astype(np.result_type(x, weight))
        return np.where(x > 0, x, weight * x)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        p = ctx.positive
        need_x, need_weight = ctx.needs_input_grad
        grad_x = grad * (p + (1 - p) * weight) if need_x else None
        grad_weight = grad * (1 - p) * x if need_weight else None
        return grad_x, grad_weight
