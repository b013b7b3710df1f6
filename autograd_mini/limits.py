"""What a dtype can hold: Python numbers too large for it are refused where PyTorch refuses them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def check_fits(value: Any, dtype: Any, op: str) -> None:
    """Refuse a Python number that dtype cannot hold (1e300 as float32, 300 as uint8, NaN as an
    integer), as PyTorch refuses to fill, write or compare with one. Tensors and arrays pass."""
    if type(value) is not float and type(value) is not int:
        return
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        overflows = math.isfinite(value) and abs(value) > float(np.finfo(dtype).max)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        overflows = not (math.isfinite(value) and info.min <= value <= info.max)
    else:
        return
    if overflows:
        raise RuntimeError(f"{op}: the value {value!r} cannot be converted to {dtype} without overflow")
