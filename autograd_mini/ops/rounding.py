"""Rounding and the sign: floor, ceil, round (half to even), trunc, sign, and frac = x - trunc(x).

All but frac are piecewise constant: their gradient is 0 wherever it exists, and PyTorch gives
zeros everywhere (the jumps included), so these do too; frac passes the gradient unchanged.
Integer tensors are already whole: rounding them gives a copy in their own dtype, and a boolean
tensor is refused, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function


def _whole(x: np.ndarray, name: str) -> np.ndarray:
    """An integer array rounded: a copy of itself."""
    if x.dtype == np.bool_:
        raise TypeError(f"{name}: not defined for boolean tensors; convert first, e.g. t.long()")
    return x.copy()


class PiecewiseConstant(Function):
    """An elementwise function made of steps: the gradient is zeros, in the gradient's shape."""

    @staticmethod
    def backward(ctx, grad):
        return np.zeros(grad.shape, grad.dtype)


class Floor(PiecewiseConstant):
    @staticmethod
    def forward(ctx, x):
        return np.floor(x) if x.dtype.kind == "f" else _whole(x, "floor")


class Ceil(PiecewiseConstant):
    @staticmethod
    def forward(ctx, x):
        return np.ceil(x) if x.dtype.kind == "f" else _whole(x, "ceil")


class Trunc(PiecewiseConstant):
    """Round towards zero."""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x) if x.dtype.kind == "f" else _whole(x, "trunc")


class Round(PiecewiseConstant):
    """Round to `decimals` places (negative: to tens, hundreds, ...), halves to the even neighbour.

    As PyTorch computes it: rint(x · 10^d) / 10^d with 10^d in x's dtype, so a value whose
    scaled form overflows gives inf or NaN, as there.
    """

    @staticmethod
    def forward(ctx, x, *, decimals):
        if x.dtype.kind != "f":
            if decimals:
                raise TypeError(f"round: decimals= needs a floating tensor, not {x.dtype}")
            return _whole(x, "round")
        if decimals == 0:
            return np.rint(x)
        with np.errstate(over="ignore", invalid="ignore"):
            scale = np.float64(10.0) ** abs(decimals)
            scale = scale.astype(x.dtype)
            return np.rint(x * scale) / scale if decimals > 0 else np.rint(x / scale) * scale


class Sign(PiecewiseConstant):
    """-1, 0 or 1; 0 at NaN, as in PyTorch (NumPy gives NaN)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            return x.copy()
        return np.where(x != x, 0, np.sign(x)) if x.dtype.kind == "f" else np.sign(x)


class Frac(Function):
    """x - trunc(x), with x's sign; NaN at ±inf. Only floating tensors, as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            raise TypeError(f"frac: takes a floating tensor, not {x.dtype}")
        with np.errstate(invalid="ignore"):  # inf - inf: the NaN is the answer
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad
