"""The error function erf and its complement erfc = 1 - erf, computed with NumPy alone.

Within float64 rounding of the exact values (erf and erfc within 1e-15 relative of math.erf and
math.erfc), vectorised: a few dozen NumPy passes per call, whatever the size. By |x|:

- below 0.5, erf by its Maclaurin series: a polynomial in x², whose terms alternate and shrink
  by x²/n at least, so that Horner's rule loses nothing; erfc = 1 - erf is above 0.47 there;
- from 0.5 to 6, erfc(a) = e^(-a²) G(a), where G(x) = e^(x²) erfc(x) is smooth and slowly
  varying: its Taylor polynomial about the centre of a's cell (cells 1/4 wide), whose
  coefficients follow from G' = 2xG - 2/√π, i.e. b(n+1) = (2c b(n) + 2 b(n-1)) / (n+1). They are
  computed once, on first use, in 80-digit decimal arithmetic from the series of erf;
- beyond 6, Laplace's continued fraction erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/
  (a + ...)))), evaluated from the back;
- erf = 1 - erfc from 0.5 on; e^(-a²) is computed with a² split so that none of its digits are
  lost (exp(-a * a) would lose up to a² ulps).

Float32 and float16 inputs are computed in float64 and rounded; integers give the default dtype.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable
from decimal import Decimal, localcontext

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import get_default_dtype

_TWO_OVER_ROOT_PI = 2 / math.sqrt(math.pi)
_PI_DIGITS = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899"
_SATURATED = 30.0  # erf(30) is 1 and erfc(30) 0 in float64; larger |x| are treated as 30
_SERIES_BELOW, _CELL, _FRACTION_FROM = 0.5, 0.25, 6.0
_CELLS = round((_FRACTION_FROM - _SERIES_BELOW) / _CELL)
_MACLAURIN_TERMS, _TAYLOR_TERMS, _FRACTION_TERMS = 17, 15, 30  # each leaves < 1e-17 out


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x), elementwise, in float64."""
    a = np.asarray(np.minimum(np.abs(x), _SATURATED))  # NaN stays NaN: np.minimum propagates it
    out = np.empty_like(a)
    series = a < _SERIES_BELOW
    out[series] = _erf_series(a[series])
    rest = ~series
    out[rest] = 1 - _erfc_from(a[rest])
    return np.copysign(out, x)


def erfc(x: np.ndarray) -> np.ndarray:
    """erfc(x) = 1 - erf(x), elementwise, in float64, accurate where it is tiny."""
    a = np.asarray(np.minimum(np.abs(x), _SATURATED))
    out = np.empty_like(a)
    series = a < _SERIES_BELOW
    out[series] = 1 - _erf_series(a[series])
    rest = ~series
    out[rest] = _erfc_from(a[rest])
    return np.where(x < 0, 2 - out, out)


def _erf_series(a: np.ndarray) -> np.ndarray:
    """erf(a) for 0 <= a < 0.5, by the Maclaurin series in a²."""
    coefficients = _maclaurin()
    square = a * a
    total = coefficients[-1]
    for c in coefficients[-2::-1]:
        total = total * square + c
    return a * total


def _erfc_from(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a >= 0.5 (or NaN)."""
    out = np.empty_like(a)
    near = a < _FRACTION_FROM  # NaN compares false: it goes to the fraction, which keeps it
    out[near] = _erfc_taylor(a[near])
    far = ~near
    out[far] = _erfc_fraction(a[far])
    return out


def _erfc_taylor(a: np.ndarray) -> np.ndarray:
    """erfc(a) = e^(-a²) G(a) for 0.5 <= a < 6, G by its Taylor polynomial about a's cell centre."""
    cell = np.minimum(((a - _SERIES_BELOW) * (1 / _CELL)).astype(np.intp), _CELLS - 1)
    offset = a - (_SERIES_BELOW + _CELL * (cell + 0.5))
    coefficients = _taylor()  # (terms, cells): each row gathered for a's cells as Horner needs it
    total = coefficients[-1].take(cell)
    for row in coefficients[-2::-1]:
        total = total * offset + row.take(cell)
    return total * _exp_neg_square(a)


def _erfc_fraction(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 6 <= a <= 30 (or NaN), by the continued fraction."""
    f = a.copy()
    for k in range(_FRACTION_TERMS, 0, -1):
        f = a + (k / 2) / f
    return _exp_neg_square(a) / (math.sqrt(math.pi) * f)


def _exp_neg_square(a: np.ndarray) -> np.ndarray:
    """e^(-a²) to float64 rounding: a² is split as head² + tail, with head² exact (head holds 26
    bits; 2^27 + 1 is Veltkamp's splitter)."""
    c = 134217729.0 * a
    head = c - (c - a)
    tail = a - head
    return np.exp(-head * head) * np.exp(-tail * (head + a))


def _computed_once_aside(table: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """table(), computed on first use and kept, in a contextvars.Context of its own.

    Decimal arithmetic stores a decimal context in the running contextvars.Context, and NumPy
    looks its error state up there on every call: once that context holds anything, each NumPy
    call in the program (ours and the user's) costs a few percent more on small arrays."""

    @functools.cache
    @functools.wraps(table)
    def once() -> np.ndarray:
        return contextvars.Context().run(table)

    return once


@_computed_once_aside
def _maclaurin() -> np.ndarray:
    """2/√π (-1)^n / (n! (2n + 1)), n = 0, 1, ...: erf(a) / a as a polynomial in a²."""
    with localcontext() as context:
        context.prec = 40
        scale = 2 / Decimal(_PI_DIGITS).sqrt()
        terms = range(_MACLAURIN_TERMS)
        return np.array([float(scale * (-1) ** n / (math.factorial(n) * (2 * n + 1))) for n in terms])


@_computed_once_aside
def _taylor() -> np.ndarray:
    """The Taylor coefficients of G(x) = e^(x²) erfc(x) about each cell centre: (terms, cells)."""
    with localcontext() as context:
        context.prec = 80  # the recurrence grows errors by up to e^(c²) < 1e16: plenty left
        scale = 2 / Decimal(_PI_DIGITS).sqrt()
        table = []
        for cell in range(_CELLS):
            c = Decimal(_SERIES_BELOW) + Decimal(_CELL) * (cell + Decimal("0.5"))
            square, term, total, n = c * c, c, c, 0
            while abs(term) > Decimal("1e-70"):  # erf's Maclaurin series: exact enough here
                n += 1
                term = -term * square / n
                total += term / (2 * n + 1)
            b = [(1 - scale * total) * square.exp()]
            b.append(2 * c * b[0] - scale)
            while len(b) < _TAYLOR_TERMS:
                b.append((2 * c * b[-1] + 2 * b[-2]) / len(b))
            table.append([float(v) for v in b])
    return np.array(table).T.copy()


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
    """erfc(x) = 1 - erf(x); d/dx = -2/√π e^(-x²), erf's derivative negated."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _in_float64(erfc, x)

    @staticmethod
    def backward(ctx, grad):
        return Erf.backward(ctx, -grad)
