"""The two shapes most elementwise functions of one input take, so that each op states only its
math: its NumPy function, and its gradient from the saved input or the saved output.

Integer and boolean inputs give the default dtype, as in PyTorch (`dtypes.to_float`). Gradients
use only what NumPy arrays and Tensors share, so under create_graph the same line records a
differentiable gradient.
"""

from __future__ import annotations

from autograd_mini.dtypes import FLOATS, to_float
from autograd_mini.function import Function


class OfSavedInput(Function):
    """y = f(x), whose gradient needs x: a subclass names `function` (a NumPy ufunc) and gives
    `gradient(grad, x)`, the incoming gradient times f'(x)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return type(ctx).function(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return type(ctx).gradient(grad, x)


class OfSavedOutput(Function):
    """y = f(x), whose gradient is cheaper from y (exp, tanh): a subclass names `function` and
    gives `gradient(grad, y)`. Saving y rather than x lets x change in place afterwards."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = type(ctx).function(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return type(ctx).gradient(grad, out)
