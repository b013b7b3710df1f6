"""Argument handling for the Tensor methods that order and accumulate: sort, argsort, topk,
cumsum, cumprod and prod.

sort and topk pick elements in a stable order (ops/order.stable_order) and then index: their
values are `x[indices]`, so the gradient scatters back through the indices, to the elements
PyTorch's stable sort picks at ties. cumsum, cumprod and prod are the ops of ops/order.py.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from autograd_mini import return_types
from autograd_mini.ops.order import Cumprod, Cumsum, Prod, stable_order
from autograd_mini.tensor import Tensor, _along, _axis, _normalize_dims, _reduction_args


def _one_dim(x: Tensor, dim: Any, op: str) -> int:
    """dim as a non-negative axis of x; a 0-d tensor takes 0 or -1."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be one int, not {dim!r}")
    (axis,) = _normalize_dims(dim, max(x.ndim, 1), op)
    return axis


def _indices(order: np.ndarray) -> Tensor:
    return Tensor._make(order, None, False)


def _pick(x: Tensor, order: np.ndarray, axis: int) -> Tensor:
    """The elements of x at the indices order names along axis: a recorded index."""
    return x[_along(order, axis)]


def sort(x: Tensor, dim: int, descending: bool) -> return_types.sort:
    axis = _one_dim(x, dim, "sort")
    if x.ndim == 0:
        return return_types.sort(x.clone(), _indices(np.zeros((), np.int64)))
    order = stable_order(x._array, axis, descending)
    return return_types.sort(_pick(x, order, axis), _indices(order))


def argsort(x: Tensor, dim: int, descending: bool) -> Tensor:
    axis = _one_dim(x, dim, "argsort")
    if x.ndim == 0:
        return _indices(np.zeros((), np.int64))
    return _indices(stable_order(x._array, axis, descending))


def topk(x: Tensor, k: int, dim: int, largest: bool) -> return_types.topk:
    axis = _one_dim(x, dim, "topk")
    size = x.shape[axis] if x.ndim else 1
    k = operator.index(k)
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k={k} is out of range: dim {dim} of shape {x.shape} has {size} elements")
    if x.ndim == 0:
        return return_types.topk(x.clone(), _indices(np.zeros((), np.int64)))
    order = stable_order(x._array, axis, largest)[(slice(None),) * axis + (slice(0, k),)]
    return return_types.topk(_pick(x, order, axis), _indices(order))


def accumulate(op: type[Cumsum] | type[Cumprod], x: Tensor, dim: Any, axis: Any, dtype: Any) -> Tensor:
    """cumsum or cumprod along dim (NumPy's axis), of x cast to dtype first when given."""
    name = op.__name__.lower()
    dim = _axis(dim, axis)
    if dim is None:
        raise TypeError(f"{name}: give the dim to accumulate along, e.g. {name}(0)")
    axis = _one_dim(x, dim, name)
    x, dtype = _cast(x, dtype)
    if x.ndim == 0:
        return op.apply(x.reshape(1), axis=0, dtype=dtype).reshape(())
    return op.apply(x, axis=axis, dtype=dtype)


def prod(x: Tensor, dim: Any, keepdim: bool, dtype: Any, numpy_names: dict[str, Any]) -> Tensor:
    """The product over one dim, or of every element (dim None), of x cast to dtype when given."""
    options = _reduction_args(x, dim, keepdim, numpy_names)
    if isinstance(options["axis"], tuple):
        raise TypeError(f"prod: dim must be one int or None, not {options['axis']}")
    if options["axis"] is not None:
        options["axis"] = _one_dim(x, options["axis"], "prod")
    x, dtype = _cast(x, dtype)
    return Prod.apply(x, dtype=dtype, **options)


def _cast(x: Tensor, dtype: Any) -> tuple[Tensor, np.dtype | None]:
    """x in dtype (when given), and the dtype the result keeps: PyTorch's dtype= of cumsum,
    cumprod and prod casts the input first and then computes in that dtype."""
    if dtype is None:
        return x, None
    return x.to(dtype), np.dtype(dtype)
