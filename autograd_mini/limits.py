"""What a dtype can hold: Python numbers too large for it are refused where PyTorch refuses them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _bounds(dtype: np.dtype) -> tuple[float, float, bool]:
    """The least and the largest value of dtype, and whether it is floating."""
    if dtype.kind == "f":
        largest = float(np.finfo(dtype).max)
        return -largest, largest, True
    info = np.iinfo(dtype)
    return int(info.min), int(info.max), False


# The bounds of each floating and integer dtype, by the dtype's number: quicker to look up than
# the dtype itself, whose hash is slow. Other dtypes (bool) hold whatever they are given.
_BOUNDS = {
    np.dtype(code).num: _bounds(np.dtype(code)) for code in np.typecodes["Float"] + np.typecodes["AllInteger"]
}


def check_fits(value: Any, dtype: np.dtype, op: str) -> None:
    """Refuse a Python number that dtype cannot hold (1e300 as float32, 300 as uint8, NaN as an
    integer), as PyTorch refuses to fill, write, compare or choose with one. Tensors and arrays pass."""
    if type(value) is not float and type(value) is not int:
        return
    bounds = _BOUNDS.get(dtype.num)
    if bounds is None:
        return
    low, high, floating = bounds
    # A floating dtype also holds the infinities and NaN, which fail the comparison.
    if not low <= value <= high and not (floating and not math.isfinite(value)):
        raise RuntimeError(f"{op}: the value {value!r} cannot be converted to {dtype} without overflow")
