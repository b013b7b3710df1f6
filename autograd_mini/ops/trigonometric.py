"""Trigonometric and hyperbolic functions, their inverses, and atan2.

Each is a function and its gradient (see ops/elementwise.py); atan2 of two inputs is written out.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import promote
from autograd_mini.function import Function
from autograd_mini.ops.elementwise import OfSavedInput, OfSavedOutput


class Sin(OfSavedInput):
    function = np.sin

    @staticmethod
    def gradient(grad, x):
        return grad * np.cos(x)


class Cos(OfSavedInput):
    function = np.cos

    @staticmethod
    def gradient(grad, x):
        return -grad * np.sin(x)


class Asin(OfSavedInput):
    function = np.arcsin

    @staticmethod
    def gradient(grad, x):
        return grad / np.sqrt(1 - x * x)


class Acos(OfSavedInput):
    function = np.arccos

    @staticmethod
    def gradient(grad, x):
        return -grad / np.sqrt(1 - x * x)


class Atan(OfSavedInput):
    function = np.arctan

    @staticmethod
    def gradient(grad, x):
        return grad / (1 + x * x)


class Sinh(OfSavedInput):
    function = np.sinh

    @staticmethod
    def gradient(grad, x):
        return grad * np.cosh(x)


class Cosh(OfSavedInput):
    function = np.cosh

    @staticmethod
    def gradient(grad, x):
        return grad * np.sinh(x)


class Tan(OfSavedOutput):
    function = np.tan

    @staticmethod
    def gradient(grad, out):
        return grad * (1 + out * out)


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


class Tanh(OfSavedOutput):
    function = np.tanh

    @staticmethod
    def gradient(grad, out):
        return grad * (1 - out * out)
