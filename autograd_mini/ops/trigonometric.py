"""Trigonometric and hyperbolic functions, their inverses, and atan2.

Integer and boolean inputs give the default dtype, as in PyTorch (`dtypes.to_float`).
Backward formulas use only what NumPy arrays and Tensors share, so under create_graph the same
line records a differentiable gradient.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import FLOATS, promote, to_float
from autograd_mini.function import Function


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)


class Tan(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Asin(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / np.sqrt(1 - x * x)


class Acos(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / np.sqrt(1 - x * x)


class Atan(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


class Atan2(Function):
    """The angle of the point (b, a) (a = y, b = x), in (-π, π], broadcasting as NumPy does.

    d/da = b / (a² + b²), d/db = -a / (a² + b²); both 0 at the origin, as PyTorch gives them.
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b, dtype = promote(a, b, division=True)  # integers give the default dtype
        ctx.save_for_backward(a, b)
        out = np.arctan2(a, b)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        radius2 = a * a + b * b
        at_origin = radius2 == 0
        scale = np.where(at_origin, 0, grad / np.where(at_origin, 1, radius2))
        return scale * b if need_a else None, -scale * a if need_b else None


class Sinh(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cosh(x)


class Cosh(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sinh(x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)
