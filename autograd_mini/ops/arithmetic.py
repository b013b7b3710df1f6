"""Elementwise arithmetic: + - * / ** // %, fmod, rounded division, negation and lerp, broadcasting
as NumPy does.

Each backward returns gradients of the broadcast result's shape; the engine sums them back to
each input's shape. An input that needs no gradient (a constant, a number) gets None.

Operands of one dtype, and a floating array with a Python number, go straight to NumPy, which
gives them PyTorch's dtype; the check costs two comparisons. Others take PyTorch's promotion
(`dtypes.promote`): float32 + int64 is float32, and int / int the default dtype.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import FLOATS, NUMBERS, promote
from autograd_mini.function import Function

BOOL_SUBTRACTION = (
    "subtraction, the - operator, with a bool tensor or a bool is not supported: to invert a mask "
    "use ~ or logical_not(), to compare two masks use ^ or logical_xor()"
)


def is_bool(x) -> bool:
    """Whether x is a bool, a NumPy bool or a boolean array or tensor."""
    return type(x) is bool or type(x) is np.bool_ or getattr(x, "dtype", None) == np.bool_


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        dtype = None
        if type(a) is not type(b) or a.dtype is not b.dtype:  # mixed operands
            if not (type(b) in NUMBERS and a.dtype in FLOATS):  # NumPy gets a float array and a number right
                a, b, dtype = promote(a, b)
        out = a + b
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b; refused where either is boolean (a tensor or True/False), as PyTorch refuses it."""

    @staticmethod
    def forward(ctx, a, b):
        dtype = None
        if type(a) is not type(b) or a.dtype is not b.dtype:  # mixed operands
            if is_bool(a) or is_bool(b):
                raise RuntimeError(BOOL_SUBTRACTION)
            if not (type(b) in NUMBERS and a.dtype in FLOATS):  # NumPy gets a float array and a number right
                a, b, dtype = promote(a, b)
        try:
            out = a - b
        except TypeError:  # NumPy's refusal of two boolean arrays
            raise RuntimeError(BOOL_SUBTRACTION) from None
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        dtype = None
        if type(a) is not type(b) or a.dtype is not b.dtype:  # mixed operands
            if not (type(b) in NUMBERS and a.dtype in FLOATS):  # NumPy gets a float array and a number right
                a, b, dtype = promote(a, b)
        need_a, need_b = ctx.needs_input_grad
        # Keep only what backward uses: x * constant keeps the constant, not x's array.
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        out = a * b
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        dtype = None  # true division: integers give the default dtype
        if type(a) is not type(b) or a.dtype is not b.dtype or a.dtype not in FLOATS:
            if not (type(b) in NUMBERS and a.dtype in FLOATS):
                a, b, dtype = promote(a, b, division=True)
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # a only for b's gradient
        out = a / b
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d(a/b)/da = 1/b;  d(a/b)/db = -a/b², as (a/b)/b: b² underflows below 1e-154, and
        # grad * a can overflow where a/b/b is finite (PyTorch's order too)
        return grad / b if need_a else None, -grad * (a / b / b) if need_b else None


def _integer_quotient_operands(a, b, op: str):
    """a and b in their common dtype; refused for an integer divisor of 0, as PyTorch refuses it
    (NumPy would give 0 with a warning)."""
    a, b, dtype = promote(a, b)
    if np.result_type(a, b).kind in "iub" and not np.all(b):
        raise RuntimeError(f"{op}: integer division by zero")
    return a, b, dtype


def _trunc_divide(a, b):
    """a / b rounded towards zero, in a and b's dtype."""
    if np.result_type(a, b).kind == "f":
        return np.trunc(a / b)
    quotient = np.floor_divide(a, b)  # one too low where the exact quotient is negative, not whole
    return quotient + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


class FloorDivide(Function):
    """a // b, rounding down as Python and PyTorch do. Not differentiable, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, dtype = _integer_quotient_operands(a, b, "floor_divide")
        out = np.floor_divide(a, b)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("backward: floor division (//) has no derivative; use / if it should carry one")


class RoundedDivide(Function):
    """div(a, b, rounding_mode="trunc" or "floor"): the quotient rounded towards zero or down.

    Piecewise constant, so PyTorch gives both inputs a gradient of zeros, and so does this.
    """

    @staticmethod
    def forward(ctx, a, b, *, rounding_mode):
        a, b, dtype = _integer_quotient_operands(a, b, "div")
        out = _trunc_divide(a, b) if rounding_mode == "trunc" else np.floor_divide(a, b)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        zeros = np.zeros(grad.shape, grad.dtype)
        return zeros, zeros


class Remainder(Function):
    """a % b, with the sign of b as in Python and PyTorch: a - floor(a / b) * b."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, dtype = _integer_quotient_operands(a, b, "remainder")
        if ctx.needs_input_grad[1]:
            ctx.quotient = np.floor_divide(a, b)  # a constant of the gradient: it is flat in between
        out = np.remainder(a, b)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return grad if need_a else None, -grad * ctx.quotient if need_b else None


class Fmod(Remainder):
    """fmod(a, b), with the sign of a as in C and PyTorch: a - trunc(a / b) * b."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, dtype = _integer_quotient_operands(a, b, "fmod")
        if ctx.needs_input_grad[1]:
            ctx.quotient = _trunc_divide(a, b)  # a constant of the gradient: it is flat in between
        out = np.fmod(a, b)
        return out if dtype is None else out.astype(dtype, copy=False)


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        try:
            return -a
        except TypeError:  # NumPy's refusal of a boolean array
            raise RuntimeError("negation, the - operator, of a bool tensor is not supported: use ~") from None

    @staticmethod
    def backward(ctx, grad):
        return -grad


# A float32 power of a number exponent is exact only where float32 holds that exponent closely
# enough: NumPy rounds it to float32 first, which makes 1e-300 a 0 (so 0 ** 1e-300 would be 1) and
# from 2**24 on keeps only even integers (so (-1) ** 16777217.0 would be 1). Outside this range
# PyTorch, like the math, takes the exponent as it is, and so does Pow, by computing in float64.
_FLOAT32, _BOOL = np.dtype(np.float32), np.dtype(np.bool_)


class Pow(Function):
    """a ** b, for a tensor or number on either side."""

    @staticmethod
    def forward(ctx, a, b):
        if type(b) is int and a.dtype in FLOATS:  # the common x ** 2: NumPy gives PyTorch's result
            ctx.save_for_backward(a, b, None)
            return a**b
        dtype = None
        if type(a) is not type(b) or a.dtype is not b.dtype:  # mixed operands
            if not (type(b) in NUMBERS and a.dtype in FLOATS):  # NumPy gets a float array and a number right
                a, b, dtype = promote(a, b)
            if type(b) is int and a.dtype is _BOOL:  # NumPy's booleans to an int power are int8
                a = a.astype(np.int64)
        # Literal bounds and no abs(), so that the common x ** 0.5 pays two comparisons.
        if (
            type(b) is float
            and not (2.0**-150 < b <= 2.0**24 or -(2.0**24) <= b < -(2.0**-150))
            and a.dtype is _FLOAT32
        ):
            out = (a.astype(np.float64) ** b).astype(_FLOAT32)
        else:
            out = a**b
        if dtype is not None:
            out = out.astype(dtype, copy=False)
        # The result only for the exponent's gradient: an in-place change of a ** 2 stays legal.
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d(a^b)/da = b·a^(b-1), taken as 0 wherever b = 0 (at a = 0 or NaN too);
        # d(a^b)/db = a^b·ln(a), taken as 0 where a = 0. Both as PyTorch does, b·a^(b-1) formed
        # before grad multiplies it: so the second derivative takes b·((b-1)·a^(b-2)), which is 0
        # for a^1e300 at a = 0 where (b·(b-1))·0 would be inf·0.
        grad_a = grad_b = None
        if need_a:
            if isinstance(b, (int, float)):  # a constant exponent
                grad_a = grad * (b * a ** (b - 1)) if b != 0 else np.zeros(a.shape, grad.dtype)
            else:
                zero_b = b == 0
                if not zero_b.any():
                    grad_a = grad * (b * a ** (b - 1))
                else:
                    lower = np.where(np.logical_and(a == 0, zero_b), 1, b - 1)  # no 0^-1 to warn of
                    grad_a = grad * (b * a**lower)
                    # A NaN base times b = 0 would give NaN: only there is 0 put in (a mask of
                    # every b = 0 would also zero the derivative of grad_a by b, which is a^-1).
                    grad_a = np.where(np.logical_and(zero_b, a != a), 0, grad_a)
        if need_b:
            grad_b = grad * out * np.log(np.where(a == 0, 1, a))
        return grad_a, grad_b


class Lerp(Function):
    """start + weight · (end - start), broadcasting all three; weight a tensor or a number.

    Computed from the nearer end, as PyTorch does (end - (1 - weight) · (end - start) from
    weight = 0.5 on), so that weight = 1 gives end exactly. The result keeps start's dtype,
    which end must share.
    """

    @staticmethod
    def forward(ctx, start, end, weight):
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, np.ndarray) and value.dtype.kind != "f":
                raise TypeError(f"lerp: takes floating tensors, not {name} of dtype {value.dtype}")
        if isinstance(end, np.ndarray) and end.dtype != start.dtype:
            raise TypeError(f"lerp: expected end of dtype {start.dtype} (start's), not {end.dtype}")
        ctx.save_for_backward(start, end, weight)
        gap = end - start
        out = np.where(weight < 0.5, start + weight * gap, end - gap * (1 - weight))
        return out.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        need_start, need_end, need_weight = ctx.needs_input_grad
        return (
            grad * (1 - weight) if need_start else None,
            grad * weight if need_end else None,
            grad * (end - start) if need_weight else None,
        )
