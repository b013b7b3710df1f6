"""Argument handling for the indexing Tensor methods: gather, scatter, index_select, index_add,
take, masked_select and nonzero. Each checks its index as PyTorch does (integers, in range) and
then is one indexing op: GetItem, IndexPut or IndexAdd, which carry the gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.ops.index import IndexAdd, IndexPut
from autograd_mini.tensor import Tensor, _along, _normalize_dims, _raw


def integer_index(op: str, index: Any, size: int | None = None, dim: int | None = None) -> np.ndarray:
    """index as an int64 array, refused as PyTorch refuses it: not integers, or out of range."""
    array = np.asarray(_raw(index))
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an index of integers (int64), not {array.dtype}")
    if size is not None and array.size and not (-size <= array.min() and array.max() < size):
        bad = array.max() if array.max() >= size else array.min()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {size}")
    return array.astype(np.int64)


def _along_dim(op: str, x: Tensor, dim: int, index: Any, fits: Any = None) -> tuple[tuple, tuple[int, ...]]:
    """The NumPy index picking x's element `index[i][j][k]` along dim at each other place, and
    index's shape; index has x's number of dims, and no dim longer than fits' (x's by default)."""
    (axis,) = _normalize_dims(dim, max(x.ndim, 1), op)
    array = integer_index(op, index, x.shape[axis] if x.ndim else 1, dim)
    fits = x.shape if fits is None else fits
    if array.ndim != x.ndim or any(n > m for i, (n, m) in enumerate(zip(array.shape, fits)) if i != axis):
        raise RuntimeError(f"{op}: index of shape {array.shape} does not fit shape {x.shape} along dim {dim}")
    return (_along(array % max(x.shape[axis], 1), axis) if x.ndim else ()), array.shape


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    picked, _ = _along_dim("gather", x, dim, index)
    return x[picked]


def scatter(x: Tensor, dim: int, index: Any, src: Any, add: bool, op: str = "scatter") -> Tensor:
    """x with src's elements written (or added) at the places index names along dim."""
    picked, src = scatter_args(x, dim, index, src, op)
    return (IndexAdd if add else IndexPut).apply(x, src, index=picked)


def scatter_args(x: Tensor, dim: int, index: Any, src: Any, op: str) -> tuple:
    """The places of x that scatter writes to, and the part of src (or the number) it writes."""
    if src is None:
        raise TypeError(f"{op}: takes src or value")
    src_shape = src.shape if isinstance(src, Tensor) else np.shape(src)
    fits = src_shape if len(src_shape) else None
    picked, shape = _along_dim(op, x, dim, index, fits)
    if isinstance(src, Tensor) and src.ndim:
        src = src[tuple(slice(0, n) for n in shape)]
    return picked, src


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    (axis,) = _normalize_dims(dim, max(x.ndim, 1), "index_select")
    array = integer_index("index_select", index, x.shape[axis] if x.ndim else 1, dim)
    if array.ndim > 1:
        raise IndexError(f"index_select: index must have at most 1 dim, not shape {array.shape}")
    if not x.ndim:
        return x.reshape(1)[array.reshape(-1)].reshape(())
    return x[(slice(None),) * axis + (array.reshape(-1),)]


def index_add_args(x: Tensor, dim: int, index: Any, source: Any, alpha: float) -> tuple:
    """IndexAdd's operands for x.index_add(dim, index, source, alpha)."""
    (axis,) = _normalize_dims(dim, max(x.ndim, 1), "index_add")
    array = integer_index("index_add", index, x.shape[axis] if x.ndim else 1, dim).reshape(-1)
    return (source if alpha == 1 else alpha * source), {"index": (slice(None),) * axis + (array,)}


def take(x: Tensor, index: Any) -> Tensor:
    """The elements of flattened x at index, in index's shape."""
    return x.reshape(-1)[integer_index("take", index, int(np.prod(x.shape)), 0)]


def take_along_dim(x: Tensor, indices: Any, dim: int | None) -> Tensor:
    if dim is None:
        return take(x, integer_index("take_along_dim", indices).reshape(-1))
    (axis,) = _normalize_dims(dim, max(x.ndim, 1), "take_along_dim")
    array = integer_index("take_along_dim", indices)
    if array.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim: input {x.shape} and indices {array.shape} differ in dims")
    def others(shape: tuple) -> tuple:
        return shape[:axis] + (1,) + shape[axis + 1 :]

    shape = np.broadcast_shapes(others(x.shape), others(array.shape))
    x = x.broadcast_to(shape[:axis] + (x.shape[axis],) + shape[axis + 1 :])
    return gather(x, axis, np.broadcast_to(array, shape[:axis] + (array.shape[axis],) + shape[axis + 1 :]))


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The elements of x where mask (broadcast with x) is true, as a 1-D tensor."""
    mask = np.asarray(_raw(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected a boolean mask, not {mask.dtype}")
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return x.broadcast_to(shape)[np.broadcast_to(mask, shape).copy()]


def nonzero(x: Tensor, as_tuple: bool) -> Any:
    """The indices of x's nonzero elements: one row per element (n, ndim), or one vector per dim."""
    found = np.argwhere(np.asarray(x._array)).astype(np.int64)
    if as_tuple:
        columns = found.T if x.ndim else np.zeros((1, len(found)), np.int64)
        return tuple(Tensor._make(np.ascontiguousarray(c), None, False) for c in columns)
    return Tensor._make(found, None, False)
