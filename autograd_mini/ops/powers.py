"""Fixed powers of one tensor: square, sqrt, rsqrt (1/√x) and reciprocal (1/x).

square keeps an integer dtype (x * x), as PyTorch's does; the others give the default dtype
for integer and boolean inputs. Pow (a ** b) is in `ops.arithmetic`.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.ops.elementwise import OfSavedOutput


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


class Sqrt(OfSavedOutput):
    function = np.sqrt

    @staticmethod
    def gradient(grad, out):
        return grad / (2 * out)


class Rsqrt(OfSavedOutput):
    """1 / √x; d/dx = -(1/√x)³ / 2."""

    @staticmethod
    def function(x):
        return 1 / np.sqrt(x)

    @staticmethod
    def gradient(grad, out):
        return -0.5 * grad * out * out * out


class Reciprocal(OfSavedOutput):
    """1 / x; d/dx = -(1/x)²."""

    function = np.reciprocal

    @staticmethod
    def gradient(grad, out):
        return -grad * out * out
