"""Counting and testing elements: any, all, count_nonzero, unique, bincount, histc, histogram.

None of these is differentiable (as in PyTorch): the results are new tensors outside the graph,
whatever the input requires. Bad input raises RuntimeError where PyTorch does (its
NotImplementedError for an unsupported dtype is a RuntimeError too).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from autograd_mini import return_types
from autograd_mini.tensor import Tensor, _axis, _normalize_dims, _raw, _reduction_args


def _result(array: Any, dtype: Any = None) -> Tensor:
    return Tensor._make(np.asarray(array, dtype), None, False)


# ---- tests of truth ------------------------------------------------------------------------------


def any(x: Tensor, dim: Any, keepdim: bool, numpy_names: dict[str, Any]) -> Tensor:  # noqa: A001
    """Whether any element (along dim) is nonzero: bool, or uint8 for uint8 input, as PyTorch."""
    return _truth(np.any, x, dim, keepdim, numpy_names)


def all(x: Tensor, dim: Any, keepdim: bool, numpy_names: dict[str, Any]) -> Tensor:  # noqa: A001
    """Whether every element (along dim) is nonzero: bool, or uint8 for uint8 input."""
    return _truth(np.all, x, dim, keepdim, numpy_names)


def _truth(test: Any, x: Tensor, dim: Any, keepdim: bool, numpy_names: dict[str, Any]) -> Tensor:
    options = _reduction_args(x, dim, keepdim, numpy_names)
    if options["axis"] is not None:
        options["axis"] = _normalize_dims(options["axis"], x.ndim, test.__name__)
    out = test(x._array, **options)
    return _result(out, np.uint8 if x.dtype == np.uint8 else np.bool_)


def count_nonzero(x: Tensor, dim: Any = None, axis: Any = None) -> Tensor:
    """The number of nonzero elements (along dim, an int or a tuple), as int64."""
    dim = _axis(dim, axis)
    if dim is not None:
        dim = _normalize_dims(dim, max(x.ndim, 1), "count_nonzero")
    return _result(np.count_nonzero(x._array, axis=dim if x.ndim else None), np.int64)


# ---- distinct values -------------------------------------------------------------------------------


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None) -> Any:
    """The distinct elements in ascending order (always sorted, which sorted=False allows), as
    a 1-D tensor; with dim, the distinct slices along dim. With return_inverse, also where each
    element (or slice) of x lies in the result; with return_counts, how often each occurs: a
    tuple then, as PyTorch. NaNs are each distinct, as in PyTorch."""
    array = x._array
    if dim is None:
        values, inverse, counts = np.unique(
            array.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
        )
        inverse = inverse.reshape(array.shape)
    else:
        (axis,) = _normalize_dims(dim, max(x.ndim, 1), "unique")
        values, inverse, counts = np.unique(
            array.reshape(array.shape or (1,)), return_inverse=True, return_counts=True, axis=axis
        )
        inverse = inverse.reshape(-1)
    if not (return_inverse or return_counts):
        return _result(values)
    extras = [_result(inverse, np.int64)] * return_inverse + [_result(counts, np.int64)] * return_counts
    return (_result(values), *extras)


# ---- counts of values ------------------------------------------------------------------------------


def bincount(x: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ..., max(x) occurs in a 1-D tensor of non-negative integers, at
    least minlength of them: int64; with weights, the sum of the weights of each value's
    elements, in the weights' dtype if it is float32 or float64, else in float64, as PyTorch."""
    array = x._array
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"bincount: counts integers, not {array.dtype} (floats and bools are refused)")
    if array.ndim != 1 or (array.size and array.min() < 0):
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs; got shape {array.shape}"
            + (f" holding {array.min()}" if array.ndim == 1 else "")
        )
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return _result(np.bincount(array, minlength=minlength), np.int64)
    weights = np.asarray(_raw(weights))
    if weights.shape != array.shape:
        raise RuntimeError(
            f"bincount: weights should be 1-d and have the same length as input, got shape "
            f"{weights.shape} for input of shape {array.shape}"
        )
    dtype = weights.dtype if weights.dtype in (np.float32, np.float64) else np.float64
    return _result(np.bincount(array, weights.astype(np.float64), minlength), dtype)


def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of x's elements in `bins` equal bins from min to max (elements outside are left
    out; max itself falls in the last bin), in x's floating dtype. min == max (as the default
    0, 0) means the range of the data; a range of one value is widened to value -1 .. value +1."""
    array = _floating(x, "histc")
    low, high = float(min), float(max)
    if low == high and array.size:
        low, high = float(array.min()), float(array.max())
    if low == high:
        low, high = low - 1, high + 1
    _check_range("histc", low, high, bins)
    if not low < high:
        raise RuntimeError(f"torch.histc: max must be larger than min, got min {min}, max {max}")
    low, high = array.dtype.type(low), array.dtype.type(high)
    values = array[(array >= low) & (array <= high)]
    # PyTorch's arithmetic, in x's dtype, so that elements on a bin's edge land where they do there
    place = ((values - low) * bins / (high - low)).astype(np.int64)
    return _result(np.bincount(np.minimum(place, bins - 1), minlength=bins), array.dtype)


def histogram(input: Tensor, bins: Any, *, range: tuple[float, float] | None = None,  # noqa: A002
              weight: Any = None, density: bool = False) -> return_types.histogram:
    """(hist, bin_edges): counts of input's elements in bins, either `bins` equal bins over range
    (the data's range by default) or the bins between the given 1-D tensor of increasing edges.
    Each bin holds its left edge, the last also its right one; elements outside are left out.
    weight (input's shape) counts each element by its weight; density divides by the total and
    the bin widths, so the histogram integrates to 1. Both results in input's floating dtype."""
    array = _floating(input, "histogram")
    if isinstance(bins, numbers.Integral):
        edges = _even_edges(array, int(bins), range)
    else:
        edges = np.asarray(_raw(bins)).astype(array.dtype)
        if edges.ndim != 1 or edges.size < 1 or (np.diff(edges) < 0).any():
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of increasing edges, got {edges}")
    values = array.reshape(-1)
    weights = None if weight is None else np.asarray(_raw(weight), np.float64).reshape(-1)
    if weights is not None and weights.size != values.size:
        raise RuntimeError(f"histogram: weight must have input's shape {array.shape}")
    inside = (values >= edges[0]) & (values <= edges[-1])
    place = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, edges.size - 2)
    counts = np.bincount(place, None if weights is None else weights[inside], edges.size - 1)
    if density:
        with np.errstate(divide="ignore", invalid="ignore"):  # no elements: NaN, as PyTorch
            counts = counts / (counts.sum() * np.diff(edges))
    return return_types.histogram(_result(counts, array.dtype), _result(edges))


def _floating(x: Tensor, op: str) -> np.ndarray:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: counts floating-point values, not {x.dtype}; convert first: x.float()")
    return x._array


def _check_range(op: str, low: float, high: float, bins: int) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.{op}: range of [{low}, {high}] is not finite")
    if bins <= 0:
        raise RuntimeError(f"torch.{op}: bins must be > 0, but got {bins}")


def _even_edges(array: np.ndarray, bins: int, range: tuple[float, float] | None) -> np.ndarray:  # noqa: A002
    """bins + 1 evenly spaced edges over range, or the data's range (0 .. 1 with no data; a
    range of one value widened by 0.5 either side), computed as PyTorch's linspace computes them."""
    if range is not None:
        low, high = (float(v) for v in range)
        if low > high:
            raise RuntimeError(f"torch.histogram: min should not exceed max, but got min {low} max {high}")
    elif array.size:
        low, high = float(array.min()), float(array.max())
    else:
        low, high = 0.0, 1.0
    if low == high:
        low, high = low - 0.5, high + 0.5
    _check_range("histogram", low, high, bins)
    dtype = array.dtype.type
    start, end = dtype(low), dtype(high)
    step = (end - start) / dtype(bins)
    # The first half counted up from start, the rest down from end, so both ends are exact; in
    # float64, as PyTorch's fused multiply-adds round each edge of float32 data only once.
    i = np.arange(bins + 1, dtype=np.float64)
    up, down = np.float64(start) + np.float64(step) * i, np.float64(end) - np.float64(step) * (bins - i)
    return np.where(i < (bins + 1) // 2, up, down).astype(dtype)
