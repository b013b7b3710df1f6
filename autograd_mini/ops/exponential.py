"""The exponential and logarithm family: exp, expm1, log, log2, log10, log1p.

Each is a function and its gradient (see ops/elementwise.py).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_mini.ops.elementwise import OfSavedInput, OfSavedOutput


class Exp(OfSavedOutput):
    function = np.exp

    @staticmethod
    def gradient(grad, out):
        return grad * out


class Expm1(OfSavedOutput):
    """e^x - 1, exact for small x (where exp(x) - 1 would lose the digits)."""

    function = np.expm1

    @staticmethod
    def gradient(grad, out):
        return grad * (out + 1)


class Log(OfSavedInput):
    function = np.log

    @staticmethod
    def gradient(grad, x):
        return grad / x


class Log2(OfSavedInput):
    function = np.log2

    @staticmethod
    def gradient(grad, x):
        return grad / (x * math.log(2))


class Log10(OfSavedInput):
    function = np.log10

    @staticmethod
    def gradient(grad, x):
        return grad / (x * math.log(10))


class Log1p(OfSavedInput):
    """log(1 + x), exact for small x."""

    function = np.log1p

    @staticmethod
    def gradient(grad, x):
        return grad / (1 + x)
