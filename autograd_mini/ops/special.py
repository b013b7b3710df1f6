"""The error function erf and its complement erfc = 1 - erf, computed with NumPy alone.

Within float64 rounding of the exact values (erf within 1e-15 relative, erfc within 2e-15 of
math.erf and math.erfc), vectorised, from two classical expansions:

- for |x| < 1, the Maclaurin series erf(a) = 2/√π Σ (-1)^n a^(2n+1) / (n! (2n+1)), whose terms
  shrink by a² at least and never cancel much;
- beyond, Laplace's continued fraction erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a
  + ...)))), evaluated from the back with enough terms for the smallest argument (about 220/a²),
  and e^(-a²) computed with the square split so that no digits of it are lost.

Float32 and float16 inputs are computed in float64 and rounded; integers give the default dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import get_default_dtype

_TWO_OVER_ROOT_PI = 2 / math.sqrt(math.pi)
_SATURATED = 30.0  # erf(30) is 1 and erfc(30) 0 in float64; larger |x| are treated as 30


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x), elementwise, in float64."""
    a = np.asarray(np.minimum(np.abs(x), _SATURATED))  # NaN stays NaN: np.minimum propagates it
    out = np.empty_like(a)
    tail = a >= 1
    out[tail] = 1 - _erfc_fraction(a[tail])
    out[~tail] = _erf_series(a[~tail])
    return np.copysign(out, x)


def erfc(x: np.ndarray) -> np.ndarray:
    """erfc(x) = 1 - erf(x), elementwise, in float64, accurate where it is tiny."""
    a = np.asarray(np.minimum(np.abs(x), _SATURATED))
    out = np.empty_like(a)
    tail = a >= 0.75  # below, 1 - erf loses less than a digit
    out[tail] = _erfc_fraction(a[tail])
    out[~tail] = 1 - _erf_series(a[~tail])
    return np.where(x < 0, 2 - out, out)


def _erf_series(a: np.ndarray) -> np.ndarray:
    """erf(a) for 0 <= a < 1 (or NaN), by the Maclaurin series."""
    square = a * a
    term, total, n = a.copy(), a.copy(), 0
    while True:
        n += 1
        term *= -square / n
        part = term / (2 * n + 1)
        total += part
        if not (np.abs(part) > 1e-17 * total).any():  # NaN compares false: it ends the loop too
            return _TWO_OVER_ROOT_PI * total


def _erfc_fraction(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 0.75 <= a <= 30 (or NaN), by the continued fraction."""
    f = a.copy()
    smallest = np.min(a, initial=_SATURATED, where=a == a)  # NaNs left out
    for k in range(int(220 / smallest**2) + 20, 0, -1):
        f = a + (k / 2) / f
    return _exp_neg_square(a) / (math.sqrt(math.pi) * f)


def _exp_neg_square(a: np.ndarray) -> np.ndarray:
    """e^(-a²) to float64 rounding: a² is split as head² + tail, with head² exact (head holds 26
    bits; 2^27 + 1 is Veltkamp's splitter), where exp(-a * a) would lose up to a² ulps."""
    c = 134217729.0 * a
    head = c - (c - a)
    tail = a - head
    return np.exp(-head * head) * np.exp(-tail * (head + a))


def _in_float64(fn: Callable, x: np.ndarray) -> np.ndarray:
    """fn of x computed in float64, returned in x's floating dtype (the default for integers)."""
    dtype = x.dtype if x.dtype.kind == "f" else get_default_dtype()
    return fn(x.astype(np.float64)).astype(dtype, copy=False)


class Erf(Function):
    """erf(x); d/dx = 2/√π e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _in_float64(erf, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _TWO_OVER_ROOT_PI * np.exp(-x * x)


class Erfc(Function):
    """erfc(x) = 1 - erf(x); d/dx = -2/√π e^(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _in_float64(erfc, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * _TWO_OVER_ROOT_PI * np.exp(-x * x)
