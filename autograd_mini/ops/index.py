"""Indexing (`x[index]`), its reverse (scattering a gradient into zeros), and item assignment."""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function


def may_repeat(index) -> bool:
    """Whether an index can pick the same element twice (it holds an integer array)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


def scatter(values, index, shape: tuple[int, ...], repeats: bool):
    """An array of `shape` holding zeros except `values` added at `index`."""
    if not isinstance(values, (np.ndarray, np.generic)):  # a Tensor: record it (NumPy gives 0-d as scalars)
        return Scatter.apply(values, index=index, shape=shape, repeats=repeats)
    out = np.zeros(shape, dtype=values.dtype)
    if repeats:
        np.add.at(out, index, values)  # adds once per occurrence of a repeated index
    else:
        out[index] = values
    return out


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""

    shape_failure = "do not match"
    makes_view = True  # basic indexing gives a view of x (saved: see ops/shape.py)

    @staticmethod
    def forward(ctx, x, *, index):
        ctx.index, ctx.shape, ctx.repeats = index, x.shape, may_repeat(index)
        out = x[index]
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return scatter(grad, ctx.index, ctx.shape, ctx.repeats)


class Scatter(Function):
    """The backward of GetItem as an op of its own, so that it can be differentiated again."""

    @staticmethod
    def forward(ctx, values, *, index, shape, repeats):
        ctx.index = index
        return scatter(values, index, shape, repeats)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


class IndexPut(Function):
    """x with `values` written at `index` (x[index] = values, as PyTorch's index_put).

    x's gradient is the incoming one with the written places zeroed; values get the gradient
    of the places they were written to (summed back over any broadcast by the engine).
    """

    shape_failure = "do not match"

    @staticmethod
    def forward(ctx, x, values, *, index):
        out = x.copy()
        out[index] = values
        ctx.index = index
        ctx.written = np.zeros(x.shape, dtype=bool)
        ctx.written[index] = True
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.written, 0, grad), grad[ctx.index]


class IndexAdd(Function):
    """x with `values` added at `index`, once per occurrence of a repeated place (scatter_add,
    index_add). x's gradient passes unchanged; values get the gradient of their places."""

    shape_failure = "do not match"

    @staticmethod
    def forward(ctx, x, values, *, index):
        out = x.copy()
        np.add.at(out, index, values)
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[ctx.index]
