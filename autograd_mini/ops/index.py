"""Indexing (`x[index]`), its reverse (scattering a gradient into zeros), and item assignment."""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.limits import check_fits


class IntegersFirst:
    """An index mixing integers with index arrays, in PyTorch's meaning: the integers select
    first, as basic indexing (a view), then the rest indexes what is left.

    NumPy counts such integers as index arrays too, which changes where the indexed dims go
    once a slice or None separates them: on shape (2, 3, 1), x[0, :, [0, 0]] has shape (2, 3)
    in NumPy and (3, 2) in PyTorch.
    """

    __slots__ = ("integers", "rest")

    def __init__(self, index: tuple) -> None:
        integers, rest = [], []
        for part in index:
            if _is_integer(part):
                integers.append(part)
            elif part is None or part is Ellipsis:
                integers.append(part)
                rest.append(slice(None) if part is None else part)  # the new dim exists by then
            else:
                # whatever else the part indexes is left whole by the first step
                integers.extend([slice(None)] * (part.ndim if _is_mask(part) else 1))
                rest.append(part)
        self.integers, self.rest = tuple(integers), tuple(rest)

    @staticmethod
    def needed(index: tuple) -> bool:
        """Whether NumPy would read the tuple index differently from PyTorch."""
        arrays = any(isinstance(part, np.ndarray) for part in index)
        return arrays and any(_is_integer(part) for part in index)


def _is_integer(part) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _is_mask(part) -> bool:
    return isinstance(part, np.ndarray) and part.dtype == np.bool_


def target(array, index):
    """The array (or a view of it) and the NumPy index that pick what `index` picks."""
    if type(index) is IntegersFirst:
        return array[index.integers], index.rest
    return array, index


def may_repeat(index) -> bool:
    """Whether an index can pick the same element twice (it holds an integer array)."""
    if type(index) is IntegersFirst:
        index = index.rest
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


def scatter(values, index, shape: tuple[int, ...], repeats: bool):
    """An array of `shape` holding zeros except `values` added at `index`."""
    if not isinstance(values, (np.ndarray, np.generic)):  # a Tensor: record it (NumPy gives 0-d as scalars)
        return Scatter.apply(values, index=index, shape=shape, repeats=repeats)
    out = np.zeros(shape, dtype=values.dtype)
    view, index = target(out, index)
    if repeats:
        np.add.at(view, index, values)  # adds once per occurrence of a repeated index
    else:
        view[index] = values
    return out


def select(array, index):
    """array[index], for an array or a Tensor."""
    view, index = target(array, index)
    return view[index]


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""

    shape_failure = "do not match"
    makes_view = True  # basic indexing gives a view of x (saved: see ops/shape.py)

    @staticmethod
    def forward(ctx, x, *, index):
        ctx.index, ctx.shape, ctx.repeats = index, x.shape, may_repeat(index)
        out = select(x, index)
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
        return select(grad, ctx.index)


class IndexPut(Function):
    """x with `values` written at `index` (x[index] = values, as PyTorch's index_put).

    x's gradient is the incoming one with the written places zeroed; values get the gradient
    of the places they were written to (summed back over any broadcast by the engine).
    """

    shape_failure = "do not match"

    @staticmethod
    def forward(ctx, x, values, *, index):
        check_fits(values, x.dtype, "index_put_")
        out = x.copy()
        view, numpy_index = target(out, index)
        view[numpy_index] = values
        ctx.index = index
        ctx.written = np.zeros(x.shape, dtype=bool)
        view, numpy_index = target(ctx.written, index)
        view[numpy_index] = True
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.written, 0, grad), select(grad, ctx.index)


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
