"""Reductions over axes: sum, mean, max, min, var, std and logsumexp; softmax and log_softmax.

`axis` is an int, a tuple of ints or None (all axes). Backward first gives the gradient the
reduced axes back as size-1 dims (`kept_shape`), then lets broadcasting spread it.

Dtypes as in PyTorch: integers and booleans sum to int64; the other reductions of them, except
max and min, give the default dtype (where PyTorch's mean, var and softmax refuse them).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from autograd_mini.dtypes import FLOATS, to_float
from autograd_mini.function import Function

_INT64 = np.dtype(np.int64)


def kept_shape(shape: tuple[int, ...], axis) -> tuple[int, ...]:
    """The shape a reduction over `axis` has with keepdims=True, e.g. (2, 3), 1 -> (2, 1)."""
    if axis is None:
        return (1,) * len(shape)
    axes = normalize_axis_tuple(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def reduced_shape(kept: tuple[int, ...], axis) -> tuple[int, ...]:
    """The keepdims=False shape from the keepdims=True one, e.g. (2, 1), 1 -> (2,)."""
    if axis is None:
        return ()
    axes = normalize_axis_tuple(axis, len(kept))
    return tuple(n for i, n in enumerate(kept) if i not in axes)


def expand(grad, shape: tuple[int, ...]):
    """grad, whose reduced dims have size 1, repeated out to `shape`.

    For arrays, a new filled array: np.broadcast_to would give a view, but costs ~3 µs of Python
    per call against ~0.4 µs, and most consumers read every element anyway. Tensors (under
    create_graph) get a recorded broadcast.
    """
    if isinstance(grad, np.ndarray):
        out = np.empty(shape, grad.dtype)
        out[...] = grad
        return out
    return np.broadcast_to(grad, shape)


def reduced_count(shape: tuple[int, ...], axis) -> int:
    """How many elements each output of a reduction over `axis` summarises (0 for an empty axis)."""
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[i] for i in axes)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, *, axis, keepdims):
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axis)
        # Integers and booleans sum to int64, as in PyTorch (NumPy would sum uint8 to uint64).
        dtype = None if x.dtype in FLOATS or x.dtype.kind == "f" else _INT64
        return np.add.reduce(x, axis, dtype, keepdims=keepdims)  # x.sum, without its Python wrapper

    @staticmethod
    def backward(ctx, grad):
        return expand(grad.reshape(ctx.kept), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, *, axis, keepdims):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axis)
        ctx.count = reduced_count(x.shape, axis)
        if ctx.count == 0:  # the mean of no elements is NaN, as in PyTorch (NumPy also warns)
            ctx.count = 1  # backward divides an empty gradient by it
            return x.sum(axis=axis, keepdims=keepdims) * np.nan
        return x.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand(grad.reshape(ctx.kept) / ctx.count, ctx.shape)


class Max(Function):
    """The largest element of all (x.max()); tied maxima share the gradient evenly, and where
    the result is NaN, the NaNs share it, as in PyTorch."""

    reduce = staticmethod(np.max)  # a plain function would be bound to ctx as a method

    @staticmethod
    def winners(x, out):
        return (x == out) | (x != x)  # x != x: a NaN wins, as np.max propagates it

    @staticmethod
    def forward(ctx, x, *, axis, keepdims):
        ctx.kept = kept_shape(x.shape, axis)
        out = ctx.reduce(x, axis=axis, keepdims=True)
        winners = ctx.winners(x, out)
        with np.errstate(invalid="ignore"):  # Amax: a row holding a NaN has no winner: 0 / 0
            ctx.share = winners / winners.sum(axis=axis, keepdims=True, dtype=x.dtype)
        return out if keepdims else out.reshape(reduced_shape(out.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept) * ctx.share


class Min(Max):
    """The smallest element of all (x.min()); tied minima share the gradient evenly."""

    reduce = staticmethod(np.min)


class Amax(Max):
    """Largest elements along axes (x.amax(dim)): tied maxima share the gradient evenly; a row
    holding a NaN gets NaN gradients throughout, as in PyTorch."""

    @staticmethod
    def winners(x, out):
        return x == out


class Amin(Amax):
    """Smallest elements along axes (x.amin(dim)), with Amax's rules for ties and NaNs."""

    reduce = staticmethod(np.min)


class Var(Function):
    """Variance along axes, dividing by N - correction (1 by default, as in PyTorch).

    With no degrees of freedom left (N <= correction, or no elements) the result is NaN or
    infinite with a warning, as PyTorch gives it.
    """

    @staticmethod
    def forward(ctx, x, *, axis, keepdims, correction):
        return Var.wide_variance(ctx, x, axis, keepdims, correction).astype(ctx.dtype, copy=False)

    @staticmethod
    def wide_variance(ctx, x, axis, keepdims, correction) -> np.ndarray:
        """The variance in float64 (in x's dtype if wider), as PyTorch accumulates on the CPU: the
        squares of float32 values near 1e20 would overflow, and std's square root brings them
        back in range."""
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        ctx.axis, ctx.kept, ctx.dtype = axis, kept_shape(x.shape, axis), x.dtype
        count = reduced_count(x.shape, axis)
        ctx.divisor = max(0, count - correction)
        wide = np.float64 if x.dtype.itemsize < 8 else None
        if ctx.divisor > 0:
            return np.asarray(x.var(axis=axis, keepdims=keepdims, ddof=correction, dtype=wide))
        warnings.warn(
            f"var: {count} elements per result leave no degrees of freedom with "
            f"correction={correction}; the result is NaN or infinite",
            RuntimeWarning,
            stacklevel=5,
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's would repeat the one above
            return np.asarray(x.var(axis=axis, keepdims=keepdims, ddof=correction, dtype=wide))

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0]
        centred = x - x.mean(axis=ctx.axis, keepdims=True)
        scale = 2 / ctx.divisor if ctx.divisor else math.inf
        return grad.reshape(ctx.kept) * scale * centred


class Std(Var):
    """Standard deviation, sqrt(var). Where the spread is zero the gradient is 0, as in PyTorch
    (sqrt's own gradient there is infinite, and times var's zero gradient NaN)."""

    @staticmethod
    def forward(ctx, x, *, axis, keepdims, correction):
        variance = Var.wide_variance(ctx, x, axis, keepdims, correction)
        out = np.sqrt(variance).astype(ctx.dtype, copy=False)
        ctx.save_for_backward(ctx.saved_tensors[0], out)  # the result too, for create_graph
        return out

    @staticmethod
    def backward(ctx, grad):
        _, out = ctx.saved_tensors
        out = out.reshape(ctx.kept)
        with np.errstate(divide="ignore"):
            grad_var = np.where(out == 0, 0, grad.reshape(ctx.kept) / (2 * out))
        return Var.backward(ctx, grad_var)


class LogSumExp(Function):
    """log(sum(exp(x))) along axes, computed after subtracting the max so nothing overflows."""

    @staticmethod
    def forward(ctx, x, *, axis, keepdims):
        if x.dtype not in FLOATS:
            x = to_float(x)
        shift = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        # All -inf, an inf, or no elements (initial=-inf: an empty dim sums to log(0) = -inf): no shift.
        shift = np.where(np.isfinite(shift), shift, 0)
        with np.errstate(divide="ignore"):  # log(0) = -inf: the sum of no elements, or of all -inf
            out = np.log(np.exp(x - shift).sum(axis=axis, keepdims=True)) + shift
        ctx.kept = out.shape
        if not keepdims:
            out = out.reshape(reduced_shape(out.shape, axis))
        ctx.save_for_backward(x, out)  # the result itself, so create_graph differentiates it
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        # d/dx logsumexp(x) = softmax(x) = exp(x - logsumexp(x))
        return grad.reshape(ctx.kept) * np.exp(x - out.reshape(ctx.kept))


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, *, axis):
        if x.dtype not in FLOATS:
            x = to_float(x)
        e = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # Jacobian-vector product of softmax: y * (g - sum(g * y))
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, *, axis):
        if x.dtype not in FLOATS:
            x = to_float(x)
        shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        with np.errstate(divide="ignore"):  # an empty dim sums to 0, with nothing to subtract from
            out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # g - softmax(x) * sum(g), with softmax(x) = exp(log_softmax(x))
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)
