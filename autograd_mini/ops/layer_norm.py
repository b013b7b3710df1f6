"""Layer norm and RMS norm, each one fused node over the last `dims` axes.

Unfused, layer norm is five or six nodes,

    centred = x - x.mean(axes, keepdim=True)
    y = centred / sqrt((centred * centred).mean(axes, keepdim=True) + eps) * weight + bias

and RMS norm the same without the centring. One node does the work in a few NumPy calls and
its backward in a few more, which matters in a transformer, where each layer has two or three.

Backward makes the normalised input `xhat` again from x and the statistics forward kept, the
mean and `rstd = 1 / sqrt(var + eps)`. Under create_graph it recomputes the statistics from x as
Tensors instead, so the second derivative flows through them too.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import Tensor


def normalized(x, axes: tuple[int, ...], eps: float, centre: bool):
    """(xhat, mean, rstd) of x over axes, on arrays and Tensors alike: xhat = (x - mean) · rstd
    with rstd = 1 / sqrt(mean((x - mean)²) + eps); without centring, the mean is taken as 0."""
    if isinstance(x, Tensor):  # create_graph: recorded
        mean = x.mean(axis=axes, keepdims=True) if centre else 0
        x = x - mean if centre else x
        rstd = 1 / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
        return x * rstd, mean, rstd
    mean = trailing_mean(x, len(axes)) if centre else 0
    x = x - mean if centre else x
    rstd = 1 / np.sqrt(trailing_mean(x, len(axes), x) + eps)
    if centre:
        x *= rstd  # x is now the new centred array: normalise it in place
        return x, mean, rstd
    return x * rstd, mean, rstd


def renormalized(x: np.ndarray, mean, rstd: np.ndarray, centre: bool) -> np.ndarray:
    """xhat again from x and the statistics forward kept: the same operations as normalized()'s,
    so the same numbers, without keeping an array of x's size from forward to backward."""
    if not centre:
        return x * rstd
    xhat = np.subtract(x, mean)
    xhat *= rstd
    return xhat


def trailing_mean(a: np.ndarray, dims: int, b: np.ndarray | None = None) -> np.ndarray:
    """The mean of a, or of a · b, over the last `dims` axes, kept as axes of size 1. einsum sums
    the products without making the array of them, and sums short rows faster than mean() does;
    float16 takes mean(), which adds in float32."""
    axes = tuple(range(-dims, 0))
    if a.dtype == np.float16 or (b is not None and b.dtype == np.float16):
        return (a if b is None else a * b).mean(axis=axes, keepdims=True)
    row = "...ABCDEFGH"[:3 + dims]  # one subscript per summed axis
    total = np.einsum(f"{row}->...", a) if b is None else np.einsum(f"{row},{row}->...", a, b)
    return (total / math.prod(a.shape[-dims:])).reshape(total.shape + (1,) * dims)


def sum_leading(grad, count: int):
    """grad summed over its first `count` axes: a gradient of x's shape onto the weight's."""
    return grad.sum(axis=tuple(range(count))) if count else grad


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) · weight + bias, the statistics over the last `dims` axes.

    x (*, *normalized_shape); weight and bias (*normalized_shape) or None; y has x's shape.
    The variance is the biased one (dividing by N), as PyTorch's.
    """

    centre = True  # RMS norm below leaves the mean in

    @staticmethod
    def forward(ctx, x, weight, bias, *, dims, eps):
        ctx.axes, ctx.eps = tuple(range(-dims, 0)), eps
        # Only the statistics are kept, not xhat: backward makes xhat again from x, and the
        # output takes xhat's array, so forward makes one array of x's size, not two.
        out, ctx.mean, ctx.rstd = normalized(x, ctx.axes, eps, ctx.centre)
        ctx.save_for_backward(x, weight)
        if weight is not None:
            out = np.multiply(out, weight, out=out if np.result_type(out, weight) == out.dtype else None)
        if bias is not None:
            out = np.add(out, bias, out=out if np.result_type(out, bias) == out.dtype else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        if isinstance(x, Tensor):  # create_graph: statistics that are themselves differentiable
            xhat, _, rstd = normalized(x, ctx.axes, ctx.eps, ctx.centre)
        else:
            xhat, rstd = renormalized(x, ctx.mean, ctx.rstd, ctx.centre), ctx.rstd
        leading = grad.ndim - len(ctx.axes)
        grad_x = None
        if need_x:
            # Through xhat: rstd · (g - mean(g) - xhat · mean(g · xhat)), g the gradient of xhat.
            # The two means are what the statistics pass back; RMS norm has no mean(g) term.
            grad_xhat = grad * weight if weight is not None else grad
            if isinstance(grad_xhat, Tensor) or isinstance(xhat, Tensor):  # create_graph: recorded
                projection = (grad_xhat * xhat).mean(axis=ctx.axes, keepdims=True)
                offset = grad_xhat.mean(axis=ctx.axes, keepdims=True) if ctx.centre else 0
                grad_x = rstd * (grad_xhat - xhat * projection - offset)
            else:  # the same, in one new array
                projection = trailing_mean(grad_xhat, len(ctx.axes), xhat)
                offset = trailing_mean(grad_xhat, len(ctx.axes)) if ctx.centre else 0
                grad_x = np.multiply(xhat, projection, dtype=np.result_type(grad_xhat, xhat))
                np.subtract(grad_xhat, grad_x, out=grad_x)
                grad_x -= offset
                grad_x *= rstd
        grad_weight = sum_leading(grad * xhat, leading) if need_weight else None
        grad_bias = sum_leading(grad, leading) if need_bias else None
        return grad_x, grad_weight, grad_bias


class RmsNorm(LayerNorm):
    """y = x / sqrt(mean(x²) + eps) · weight over the last `dims` axes (bias is always None)."""

    centre = False
