"""Hypothesis strategies for testing code built on autograd_mini: tensors, shapes, axes, indices.

Everything stays small (at most `MAX_SIZE` elements per tensor by default) so that a gradcheck,
which runs the function twice per input element, stays cheap. Shapes include 0-d tensors and
size-1 dims, the cases where broadcasting and reductions most often go wrong.

    from hypothesis import given
    from autograd_mini.testing import gradcheck, strategies as ams

    @given(ams.tensors(elements=ams.floats_in(0, 4, exclude=[0]), requires_grad=True))
    def test_log(x):
        assert gradcheck(lambda t: t.log(), [x])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import hypothesis.extra.numpy as npst
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import BroadcastableShapes
from hypothesis.strategies import SearchStrategy

from autograd_mini.tensor import Tensor

__all__ = [
    "MAX_SIZE",
    "BroadcastableShapes",
    "advanced_indices",
    "axes",
    "basic_indices",
    "broadcastable_shapes",
    "floats_in",
    "matmul_shapes",
    "reshaped",
    "shapes",
    "tensors",
]

MAX_SIZE = 24  # elements per generated tensor, unless a strategy is told otherwise


def _fits(max_size: int, *shapes: tuple[int, ...]) -> bool:
    return all(math.prod(s) <= max_size for s in shapes)


def shapes(
    *, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4, max_size: int = MAX_SIZE
) -> SearchStrategy[tuple[int, ...]]:
    """Array shapes with min_dims..max_dims dims of min_side..max_side, at most max_size elements.

    The defaults include () and size-1 dims, e.g. (), (1,), (3, 1, 2).
    """
    sides = npst.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    return sides.filter(lambda s: _fits(max_size, s))


def floats_in(
    low: float | None = None,
    high: float | None = None,
    *,
    exclude: Iterable[float] = (),
    margin: float = 0.01,
    width: int = 64,
) -> SearchStrategy[float]:
    """Finite floats in [low, high], each at least `margin` away from every point in `exclude`.

    Keeps values inside an op's domain and off its kinks: `floats_in(0, 4, exclude=[0])` for log,
    `floats_in(-2, 2, exclude=[0])` for abs or relu. A bound of None leaves that side open.
    `width` (16, 32 or 64) must match the dtype of the array the floats go into.
    """
    if margin < 0:
        raise ValueError(f"floats_in: margin must be at least 0, not {margin}")
    exclude = sorted(float(p) for p in exclude)
    lo = -math.inf if low is None else float(low)
    hi = math.inf if high is None else float(high)
    if lo > hi:
        raise ValueError(f"floats_in: low={low} is above high={high}")
    # The allowed set is [lo, hi] less an open ball of radius `margin` around each excluded
    # point: a union of intervals, one strategy each, so nothing is drawn and then thrown away.
    edges = [lo]
    for point in exclude:
        edges += [_away(point, -margin), _away(point, margin)]
    edges.append(hi)
    pieces = []
    for a, b in zip(edges[::2], edges[1::2]):
        a, b = _representable(max(a, lo), width, up=True), _representable(min(b, hi), width, up=False)
        if a <= b:
            pieces.append(
                st.floats(
                    None if a == -math.inf else a,
                    None if b == math.inf else b,
                    allow_nan=False,
                    allow_infinity=False,
                    width=width,
                )
            )
    if not pieces:
        raise ValueError(
            f"floats_in: no float in [{low}, {high}] is at least {margin} away from all of {exclude}"
        )
    return st.one_of(pieces)


def _away(point: float, offset: float) -> float:
    """point + offset, nudged outwards so that rounding leaves it a full |offset| from point."""
    edge = point + offset
    while abs(edge - point) < abs(offset):
        edge = math.nextafter(edge, math.copysign(math.inf, offset))
    return edge


def _representable(bound: float, width: int, *, up: bool) -> float:
    """The nearest float of `width` bits to bound, rounding into the interval it limits."""
    if math.isinf(bound) or width == 64:
        return bound
    dtype = np.float32 if width == 32 else np.float16
    rounded = dtype(bound)
    # Compare as Python floats: NumPy would round `bound` to `dtype` first and see no difference.
    if up and float(rounded) < bound:
        rounded = np.nextafter(rounded, dtype(np.inf))
    elif not up and float(rounded) > bound:
        rounded = np.nextafter(rounded, dtype(-np.inf))
    return float(rounded)


def _default_elements(dtype: np.dtype) -> SearchStrategy[Any]:
    if dtype.kind == "f":
        return floats_in(-3, 3, width=8 * dtype.itemsize)
    if dtype.kind == "b":
        return st.booleans()
    return npst.from_dtype(dtype, min_value=0 if dtype.kind == "u" else -5, max_value=5)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: tuple[int, ...] | SearchStrategy[tuple[int, ...]] | None = None,
    dtype: Any = np.float64,
    elements: SearchStrategy[Any] | None = None,
    requires_grad: bool = False,
    unique: bool = False,
) -> Tensor:
    """Leaf tensors of `shape` (a tuple, or a strategy; default `shapes()`) and `dtype`.

    `elements` draws the values (default: floats in [-3, 3], small integers, or booleans);
    `unique=True` makes them all different, e.g. to keep max and min free of ties. For
    gradcheck, keep the float64 default and pass requires_grad=True.
    """
    dtype = np.dtype(dtype)
    shape = shapes() if shape is None else shape
    values = npst.arrays(
        dtype, shape, elements=_default_elements(dtype) if elements is None else elements, unique=unique
    )
    return Tensor(draw(values), requires_grad=requires_grad)


def broadcastable_shapes(
    num_shapes: int = 2,
    *,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 3,
    max_size: int = MAX_SIZE,
) -> SearchStrategy[BroadcastableShapes]:
    """`num_shapes` shapes that broadcast together, as `BroadcastableShapes(input_shapes, result_shape)`.

    Inputs may have fewer dims than the result and size-1 dims against longer ones, e.g.
    ((3, 1), (2,)) -> (3, 2); no input or result has more than max_size elements.
    """
    return npst.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).filter(lambda b: _fits(max_size, b.result_shape))


def matmul_shapes(
    *, max_batch_dims: int = 2, max_side: int = 3, max_size: int = MAX_SIZE
) -> SearchStrategy[BroadcastableShapes]:
    """Shape pairs for `a @ b`, with the result's shape: 1-D, 2-D and batched with broadcast batch dims.

    E.g. ((3,), (3,)) -> (), ((2, 3), (3,)) -> (2,), ((2, 1, 2, 3), (4, 3, 1)) -> (2, 4, 2, 1).
    """
    return npst.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=max_batch_dims, max_side=max_side
    ).filter(lambda b: _fits(max_size, *b.input_shapes, b.result_shape))


def axes(
    shape: tuple[int, ...], *, allow_none: bool = True, allow_tuple: bool = True
) -> SearchStrategy[int | tuple[int, ...] | None]:
    """A valid `axis` argument for a reduction over an array of `shape`.

    None (all axes), an int in [-ndim, ndim), or a tuple of distinct such ints (() included).
    A 0-d shape has no int axes, only None and ().
    """
    ndim = len(shape)
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
    if allow_tuple:
        options.append(npst.valid_tuple_axes(ndim))
    if not options:
        raise ValueError(f"axes: a 0-d shape has no int axis; allow None or tuples for shape {shape}")
    return st.one_of(options)


@st.composite
def reshaped(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Another shape with as many elements as `shape`: its sides reordered, size-1 dims added,
    neighbours merged, and maybe one side left for reshape to infer (-1)."""
    sides = draw(st.permutations(list(shape) + [1] * draw(st.integers(0, 2))))
    new: list[int] = []
    for n in sides:
        if new and draw(st.booleans()):
            new[-1] *= n
        else:
            new.append(n)
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return tuple(new)


def basic_indices(shape: tuple[int, ...]) -> SearchStrategy[Any]:
    """A basic index for an array of `shape`: ints (negative too), slices, None and Ellipsis."""
    return npst.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)


@st.composite
def advanced_indices(draw: st.DrawFn, shape: tuple[int, ...], *, max_len: int = 4) -> Any:
    """An advanced index for an array of `shape`: a boolean mask or a tuple of integer arrays.

    A mask covers the leading dims (e.g. shape (3,) for a (3, 2) array); integer arrays (at most
    max_len elements each) index the leading dims, may repeat an element and count from the
    end, e.g. (array([0, -1, 0]),).
    """
    ndim = len(shape)
    if ndim == 0 or draw(st.booleans()):
        return draw(npst.arrays(np.bool_, shape[: draw(st.integers(0, ndim))]))
    leading = shape[: draw(st.integers(1, ndim))]
    result_shape = npst.array_shapes(min_dims=1, max_dims=2, max_side=max_len)
    result_shape = result_shape.filter(lambda s: _fits(max_len, s))
    return draw(npst.integer_array_indices(leading, result_shape=result_shape))
