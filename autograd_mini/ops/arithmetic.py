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
        need_a, need_b = ctx.needs_input_grad
        # Keep only what backward uses: x * constant keeps the constant, not x's array.
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # a only for b's gradient
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
        # The result only for the exponent's gradient: an in-place change of a ** 2 stays legal.
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d(a^b)/da = b·a^(b-1), taken as 0 where b = 0 and a = 0 (0^-1 is infinite);
        # d(a^b)/db = a^b·ln(a), taken as 0 where a = 0. Both as PyTorch does.
        grad_a = grad_b = None
        if need_a:
            if isinstance(b, (int, float)):  # a constant exponent: a^(b-1), or b·a at b = 0
                lower = b - 1 if b != 0 else 1
            else:
                lower = np.where(np.logical_and(a == 0, b == 0), 1, b - 1)
            grad_a = grad * b * a**lower
        if need_b:
            grad_b = grad * out * np.log(np.where(a == 0, 1, a))
        return grad_a, grad_b
