"""Ops that move elements without changing them: reshape, permute, broadcast, concat, stack,
clone, and filling a tensor's shape from other values.

flatten, squeeze and unsqueeze are reshapes; transpose and swapaxes are permutations. An op
whose result may share its input's memory says so with `makes_view`: an in-place change of such
a result inside the graph is refused (see autograd_mini.inplace). It also saves the view: its
backward does not read it, but the in-place check then sees an input changed after the view
was taken, whose gradient would otherwise flow to the old values without a word.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.limits import check_fits


class Reshape(Function):
    makes_view = True

    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.shape = x.shape
        out = x.reshape(shape)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    """Reorder the axes: result axis i is input axis dims[i]."""

    makes_view = True

    @staticmethod
    def forward(ctx, x, *, dims):
        ctx.inverse = tuple(np.argsort([d % x.ndim for d in dims]))  # dims may count from the end
        out = np.transpose(x, dims)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse)


class BroadcastTo(Function):
    makes_view = True

    @staticmethod
    def forward(ctx, x, *, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


class Clone(Function):
    """A copy in new memory; the gradient passes unchanged."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Fill(Function):
    """x's shape and dtype, holding `values` broadcast to it: copy_, fill_ and zero_.

    x's old values are gone, so only `values` gets a gradient (summed over the broadcast).
    """

    @staticmethod
    def forward(ctx, x, values):
        check_fits(values, x.dtype, "fill_")
        return np.broadcast_to(values, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return None, grad


class Concatenate(Function):
    """Join tensors along an existing axis; each input gets its slice of the gradient back."""

    shape_failure = "cannot be joined"

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis % arrays[0].ndim if arrays[0].ndim else axis
        ctx.bounds = np.cumsum([0] + [a.shape[ctx.axis] for a in arrays]).tolist()
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        before = (slice(None),) * ctx.axis
        edges = ctx.bounds
        return tuple(grad[before + (slice(lo, hi),)] for lo, hi in zip(edges, edges[1:]))


class Stack(Function):
    """Join tensors along a new axis; each input gets its layer of the gradient back."""

    shape_failure = "cannot be joined"

    @staticmethod
    def forward(ctx, *arrays, axis):
        out = np.stack(arrays, axis=axis)
        ctx.axis, ctx.count = axis % out.ndim, len(arrays)
        return out

    @staticmethod
    def backward(ctx, grad):
        before = (slice(None),) * ctx.axis
        return tuple(grad[before + (i,)] for i in range(ctx.count))
