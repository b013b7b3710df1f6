"""The exponential and logarithm family: exp, expm1, log, log2, log10, log1p.

Integer and boolean inputs give the default dtype, as in PyTorch (`dtypes.to_float`).
Backward formulas use only what NumPy arrays and Tensors share, so under create_graph the same
line records a differentiable gradient.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_mini.dtypes import FLOATS, to_float
from autograd_mini.function import Function


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Expm1(Function):
    """e^x - 1, exact for small x (where exp(x) - 1 would lose the digits)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log2(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10))


class Log1p(Function):
    """log(1 + x), exact for small x."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x)
