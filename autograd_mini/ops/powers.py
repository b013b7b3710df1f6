"""Fixed powers of one tensor: square, sqrt, rsqrt (1/√x) and reciprocal (1/x).

square keeps an integer dtype (x * x), as PyTorch's does; the others give the default dtype
for integer and boolean inputs. Pow (a ** b) is in `ops.arithmetic`.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import FLOATS, to_float
from autograd_mini.function import Function


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:  # PyTorch's square of booleans is an integer tensor
            x = x.astype(np.int64)
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * grad * x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Rsqrt(Function):
    """1 / √x; d/dx = -(1/√x)³ / 2."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -0.5 * grad * out * out * out


class Reciprocal(Function):
    """1 / x; d/dx = -(1/x)²."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = 1 / x
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out
