"""Elementwise arithmetic: + - * / ** and negation, broadcasting as NumPy does.

Each backward returns gradients of the broadcast result's shape; the engine sums them back to
each input's shape. An input that needs no gradient (a constant, a number) gets None.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d(a/b)/da = 1/b;  d(a/b)/db = -a/b²
        return grad / b if need_a else None, -grad * a / (b * b) if need_b else None


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """a ** b, for a tensor or number on either side."""

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d(a^b)/da = b·a^(b-1);  d(a^b)/db = a^b·ln(a), defined for a > 0
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = grad * out * np.log(a) if need_b else None
        return grad_a, grad_b
