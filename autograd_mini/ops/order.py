"""Running and whole products and sums along an axis: cumsum, cumprod and prod; and the stable
order that sort, argsort and topk pick elements in (their values are then indexing, whose
gradient scatters back through the indices).

`axis` is a non-negative int (the callers normalise it; 0-d inputs come as shape (1,)), or None
for prod of every element. Integers and booleans give int64, as in PyTorch, unless `dtype`
names the dtype to compute in (the input already cast to it).

The gradient of a product is the product of the other elements. Dividing the result by the
element gives it only where the element is nonzero, so these ops handle zeros as PyTorch does:
prod multiplies the products before and after each element; cumprod divides where the input
has no zero, and otherwise sums the products with one element left out.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.ops.reduce import kept_shape
from autograd_mini.tensor import Tensor

_INT64 = np.dtype(np.int64)


def _accumulator(x: np.ndarray, dtype: np.dtype | None) -> np.dtype | None:
    """The dtype a sum or product of x accumulates in: the one asked for, else x's own if
    floating, else int64."""
    if dtype is not None:
        return dtype
    return None if x.dtype.kind == "f" else _INT64


def flip(x, axis: int):
    """x reversed along axis, as a slice: the same for arrays and Tensors."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def reverse_cumsum(x, axis: int):
    """out[i] = sum(x[j] for j >= i) along axis."""
    return flip(flip(x, axis).cumsum(axis=axis), axis)


def exclusive_cumprod(x, axis: int):
    """out[i] = prod(x[j] for j < i) along axis (1 for the first): x shifted one place on, a 1
    put in front, then multiplied up."""
    n = x.shape[axis]
    shifted = x[(slice(None),) * axis + (np.maximum(np.arange(n) - 1, 0),)]
    first = (np.arange(n) == 0).reshape((n,) + (1,) * (x.ndim - axis - 1))
    return (shifted * ~first + first).cumprod(axis=axis)


def products_of_others(x, axis: int):
    """out[i] = prod(x[j] for j != i) along axis: the products before i times those after."""
    return exclusive_cumprod(x, axis) * flip(exclusive_cumprod(flip(x, axis), axis), axis)


def stable_order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The int64 indices that sort x along axis, tied elements in their order in x and NaN
    counted as the largest value, as PyTorch's sort(stable=True)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64)
    # Ascending order of x reversed, read backwards: descending, with ties (and NaNs, which
    # ascending puts last) in their order in x.
    order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(x.shape[axis] - 1 - order, axis).astype(np.int64)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, *, axis, dtype=None):
        ctx.axis = axis
        return np.cumsum(x, axis, _accumulator(x, dtype))

    @staticmethod
    def backward(ctx, grad):
        # out[j] = sum(x[i] for i <= j), so x[i] collects the gradient of every out[j], j >= i
        return reverse_cumsum(grad, ctx.axis)


class Cumprod(Function):
    """out[j] = prod(x[i] for i <= j) along axis."""

    @staticmethod
    def forward(ctx, x, *, axis, dtype=None):
        out = np.cumprod(x, axis, _accumulator(x, dtype))
        ctx.save_for_backward(x, out)
        zeros = x == 0
        ctx.axis, ctx.zeros = axis, zeros if zeros.any() else None
        return out

    @staticmethod
    def backward(ctx, grad):
        # d out[j] / d x[i] = prod(x[k] for k <= j, k != i) for j >= i
        x, out = ctx.saved_tensors
        if ctx.zeros is None:  # that product is out[j] / x[i]
            return reverse_cumsum(grad * out, ctx.axis) / x
        if isinstance(grad, Tensor):  # create_graph: a formula whose own derivatives are right
            return _cumprod_grad_by_omission(x, grad, ctx.axis)
        return _cumprod_grad_with_zeros(x, out, grad, ctx.axis, ctx.zeros)


def _cumprod_grad_with_zeros(x, out, grad, axis, zeros):
    """Cumprod's gradient where x holds zeros, in O(n), as PyTorch computes it. Before the first
    zero of a line the division holds; at the first zero, the gradient is the cumprod with that
    zero taken as 1; after it every out[j] is 0 whatever the element, so the gradient is 0."""
    first = zeros & (np.cumsum(zeros, axis) == 1)
    before = reverse_cumsum(grad * out, axis) / np.where(zeros, 1, x)  # 0 from the first zero on
    at_first = reverse_cumsum(grad * np.cumprod(np.where(first, 1, x), axis), axis)
    return np.where(first, at_first, before)


def _cumprod_grad_by_omission(x, grad, axis):
    """Cumprod's gradient as sums of products with one element left out: for each i, the cumprod
    of x with x[i] taken as 1, summed against the gradient from i on. Right at any zeros and in
    every derivative, at O(n²) per line: used only to differentiate the gradient again."""
    n = x.shape[axis]
    eye = np.eye(n, dtype=x.dtype)
    lines = x.swapaxes(axis, -1)[..., None, :]  # (..., 1, n)
    omitted = (lines * (1 - eye) + eye).cumprod(axis=-1)  # [..., i, j] = prod(x[k], k <= j, k != i)
    from_i = np.triu(np.ones((n, n), x.dtype))  # [i, j] = 1 for j >= i
    return (omitted * grad.swapaxes(axis, -1)[..., None, :] * from_i).sum(axis=-1).swapaxes(axis, -1)


class Prod(Function):
    """The product along one axis, or of every element (axis=None). Each element's gradient is
    the product of the others, which holds at zeros too."""

    @staticmethod
    def forward(ctx, x, *, axis, keepdims, dtype=None):
        ctx.save_for_backward(x)
        ctx.axis, ctx.kept = axis, kept_shape(x.shape, axis)
        return np.prod(x, axis, _accumulator(x, dtype), keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.axis is None:
            others = products_of_others(x.reshape(-1), 0).reshape(x.shape)
        else:
            others = products_of_others(x, ctx.axis)
        return grad.reshape(ctx.kept) * others
