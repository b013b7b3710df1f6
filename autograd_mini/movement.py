"""Argument handling for the Tensor methods that move elements: expand, repeat, roll, split, ...

Each is written with ops that exist already (reshape, broadcast_to, permute and indexing), so
their gradients, and the gradients of those, come with them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini.tensor import Tensor, _normalize_dims


def expanded_shape(shape: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """expand's target: sizes, where -1 keeps the size of an existing dim."""
    new = len(sizes) - len(shape)
    if new < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(shape)})"
        )
    if -1 in sizes[:new]:
        raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension: {sizes}")
    return sizes[:new] + tuple(n if s == -1 else s for n, s in zip(shape, sizes[new:]))


def repeat(x: Tensor, repeats: tuple[int, ...]) -> Tensor:
    """x tiled repeats[i] times along dim i: as (1, n0, 1, n1, ...) broadcast to (r0, n0, r1, n1, ...)."""
    if len(repeats) < x.ndim:
        raise RuntimeError(
            f"repeat: the number of repeats ({len(repeats)}) cannot be smaller than the number "
            f"of dimensions of the tensor ({x.ndim}), shape {x.shape}"
        )
    shape = (1,) * (len(repeats) - x.ndim) + x.shape
    spread = x.reshape(tuple(v for n in shape for v in (1, n)))
    tiled = spread.broadcast_to(tuple(v for r, n in zip(repeats, shape) for v in (r, n)))
    return tiled.reshape(tuple(r * n for r, n in zip(repeats, shape)))


def _take(x: Tensor, axis: int, index: Any) -> Tensor:
    return x[(slice(None),) * axis + (index,)]


def repeat_interleave(x: Tensor, repeats: Any, dim: int | None) -> Tensor:
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        (axis,) = _normalize_dims(dim, max(x.ndim, 1), "repeat_interleave")
    repeats = np.asarray(repeats)
    if repeats.dtype.kind not in "iu" or (repeats < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative integers, not {repeats}")
    size = x.shape[axis] if x.ndim else 1
    if repeats.ndim and repeats.size not in (1, size):
        raise RuntimeError(
            f"repeat_interleave: repeats of shape {repeats.shape} must have 1 or {size} elements"
        )
    index = np.repeat(np.arange(size), repeats.reshape(-1) if repeats.ndim else repeats)
    return _take(x.reshape(1) if not x.ndim else x, axis, index)


def roll(x: Tensor, shifts: Any, dims: Any) -> Tensor:
    if dims is None:
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shifts, dims = np.atleast_1d(shifts).tolist(), np.atleast_1d(dims).tolist()
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must align: shifts {shifts}, dims {dims}")
    for shift, axis in zip(shifts, _normalize_dims(dims, max(x.ndim, 1), "roll")):
        n = x.shape[axis] if x.ndim else 1
        x = _take(x, axis, (np.arange(n) - shift) % n) if n else x
    return x


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    (axis,) = _normalize_dims(dim, x.ndim, "narrow")
    size = x.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {size}")
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dim {dim}'s size ({size})")
    return _take(x, axis, slice(start, start + length))


def split(x: Tensor, split_size_or_sections: Any, dim: int) -> tuple[Tensor, ...]:
    (axis,) = _normalize_dims(dim, x.ndim, "split")
    size = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and size):
            raise RuntimeError(f"split: split_size must be positive for dim {dim} of size {size}, not {step}")
        sizes = [min(step, size - lo) for lo in range(0, size, step)] if size else [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != size or min(sizes, default=0) < 0:
            raise RuntimeError(
                f"split_with_sizes: split_sizes must sum exactly to {size} (the size of dim {dim} of "
                f"shape {x.shape}), but got split_sizes={sizes}"
            )
    bounds = np.cumsum([0] + sizes).tolist()
    return tuple(_take(x, axis, slice(lo, hi)) for lo, hi in zip(bounds, bounds[1:]))


def chunk(x: Tensor, chunks: int, dim: int) -> tuple[Tensor, ...]:
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, not {chunks}")
    (axis,) = _normalize_dims(dim, x.ndim, "chunk")
    size = x.shape[axis]
    return split(x, math.ceil(size / chunks) if size else 0, dim) if size else (x,) * chunks


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    source = _normalize_dims(source, max(x.ndim, 1), "movedim")
    destination = _normalize_dims(destination, max(x.ndim, 1), "movedim")
    if len(source) != len(destination) or len({*source}) < len(source) or len({*destination}) < len(source):
        raise RuntimeError(f"movedim: source {source} and destination {destination} : distinct, as many")
    order = [d for d in range(x.ndim) if d not in source]
    for to, d in sorted(zip(destination, source)):
        order.insert(to, d)
    return x if not x.ndim else x.permute(tuple(order))
