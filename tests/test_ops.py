"""Every op, from one table: forward against NumPy, gradients and second derivatives by gradcheck.

Each row names an op, runs it on Tensors, states the same computation in NumPy, says what its
inputs look like (a strategy of input shapes and options) and where their values may lie (away
from kinks and poles, so finite differences are meaningful). Shapes come from the public
strategies in `autograd_mini.testing`, so they include 0-d tensors, size-1 and broadcast dims.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.array_utils import normalize_axis_tuple

import autograd_mini as am
from autograd_mini.nn import functional as F
from autograd_mini.testing import gradcheck, gradgradcheck
from autograd_mini.testing import strategies as ams

# ---- where input values may lie -------------------------------------------------------------

ANY = ams.floats_in(-2, 2)
POSITIVE = ams.floats_in(0, 3, exclude=[0], margin=0.2)  # log, sqrt, a base with a real power
NONZERO = ams.floats_in(-2, 2, exclude=[0], margin=0.2)  # abs, relu, 1/x: off the kink or pole
OFF_CLAMP_BOUNDS = ams.floats_in(-2, 2, exclude=[-0.5, 0.5], margin=0.05)
OFF_HARD_KINKS = ams.floats_in(-2, 2, exclude=[-1.5, 0, 1.5], margin=0.05)  # relu6(4x), hard*(2x)
# Max, min, maximum and minimum have kinks at ties: draw from grids 1/8 apart, and give the
# second operand of maximum/minimum a grid shifted by 1/16, so no two compared values are close.
GRID = st.integers(-16, 16).map(lambda k: k / 8)
SHIFTED_GRID = GRID.map(lambda v: v + 1 / 16)
OFTEN_ZERO = st.one_of(st.just(0.0), GRID)  # products: one zero, several, or none
INSIDE_UNIT = ams.floats_in(-0.9, 0.9)  # asin, acos: inside (-1, 1), off the infinite slopes at ±1
ABOVE_MINUS_ONE = ams.floats_in(-0.8, 2)  # log1p
OFF_TAN_POLES = ams.floats_in(-1.2, 1.2)  # tan: off ±π/2
OFF_INTEGERS = ams.floats_in(-1.95, 1.95, exclude=[-1, 0, 1], margin=0.05)  # floor, ceil, trunc, frac
OFF_THREE_QUARTERS = ams.floats_in(-1.95, 1.95, exclude=[-1.5, -0.75, 0, 0.75, 1.5], margin=0.05)  # fmod
ABOVE_TWO = ams.floats_in(2.05, 3)  # a divisor larger than any |x| drawn from ANY
OFF_HALVES = ams.floats_in(-1.95, 1.95, exclude=[-1.5, -0.5, 0.5, 1.5], margin=0.05)  # round
# Distinct values with distinct sizes |x| (no ties for the inf-norms): negatives all bigger.
DISTINCT_SIZES = st.one_of(ams.floats_in(-2, -1.2), ams.floats_in(0.2, 1))
OFF_HALF_TENTHS = ams.floats_in(-1, 1, exclude=[(k + 0.5) / 10 for k in range(-10, 10)], margin=0.01)


# ---- input kinds: strategies of (shapes of the tensor inputs, options for the op) -------------


UNARY = ams.shapes().map(lambda s: ((s,), {}))
BINARY = ams.broadcastable_shapes(2).map(lambda b: (b.input_shapes, {}))
TERNARY = ams.broadcastable_shapes(3).map(lambda b: (b.input_shapes, {}))
PRELU = ams.shapes().map(lambda s: ((s, ()), {}))  # any input, one slope
MATMUL = ams.matmul_shapes().map(lambda b: (b.input_shapes, {}))
ADDMM = st.tuples(st.integers(1, 3), st.integers(0, 3), st.integers(1, 3)).map(
    lambda nkm: (((nkm[2],), nkm[:2], nkm[1:]), {})  # input (m,) broadcasts to the (n, m) product
)


def reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements each result of a reduction over `axis` summarises."""
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[a] for a in axes)


@st.composite
def reduction(draw: st.DrawFn, min_count: int = 0) -> tuple:
    """A shape with an axis (None, int or tuple) and keepdims; each result summarises min_count+."""
    shape = draw(ams.shapes().filter(lambda s: math.prod(s) >= min_count))
    axis = draw(ams.axes(shape).filter(lambda a: reduced_count(shape, None if a == () else a) >= min_count))
    return (shape,), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def one_axis(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(min_dims=1))
    return (shape,), {"dim": draw(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def where_inputs(draw: st.DrawFn) -> tuple:
    cond_shape, a_shape, b_shape = draw(ams.broadcastable_shapes(3)).input_shapes
    return (a_shape, b_shape), {"condition": draw(npst.arrays(np.bool_, cond_shape))}


def _maybe_negative(draw: st.DrawFn, dims: list[int], ndim: int) -> tuple[int, ...]:
    """The same dims, some written counting from the end (-1 for the last)."""
    return tuple(d - ndim if draw(st.booleans()) else d for d in dims)


@st.composite
def reshape_inputs(draw: st.DrawFn) -> tuple:
    """A shape and another with the same number of elements: its sides reordered, with size-1
    dims added, neighbours merged, and maybe one side left for reshape to infer (-1)."""
    shape = draw(ams.shapes())
    return (shape,), {"shape": draw(ams.reshaped(shape))}


@st.composite
def flatten_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes())
    ndim = len(shape)
    if ndim == 0:
        return (shape,), {"start_dim": 0, "end_dim": -1}
    start, end = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2)))
    start_dim, end_dim = _maybe_negative(draw, [start, end], ndim)
    return (shape,), {"start_dim": start_dim, "end_dim": end_dim}


@st.composite
def permute_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes())
    dims = draw(st.permutations(range(len(shape))))
    return (shape,), {"dims": _maybe_negative(draw, dims, len(shape))}


@st.composite
def transpose_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(min_dims=1))
    dim = st.integers(-len(shape), len(shape) - 1)
    return (shape,), {"dim0": draw(dim), "dim1": draw(dim)}


@st.composite
def squeeze_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes())
    return (shape,), {"dim": draw(ams.axes(shape))}


@st.composite
def unsqueeze_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(max_dims=3))
    return (shape,), {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


BROADCAST_TO = ams.broadcastable_shapes(2).map(lambda b: ((b.input_shapes[0],), {"shape": b.result_shape}))


@st.composite
def index_inputs(draw: st.DrawFn, indices: Callable[[tuple[int, ...]], st.SearchStrategy]) -> tuple:
    shape = draw(ams.shapes())
    return (shape,), {"index": draw(indices(shape))}


@st.composite
def cat_inputs(draw: st.DrawFn) -> tuple:
    """1 to 3 shapes equal except along `dim`."""
    shape = draw(ams.shapes(min_dims=1, max_size=8))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    sides = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    return tuple(shape[:d] + (n,) + shape[d + 1 :] for n in sides), {"dim": dim}


@st.composite
def stack_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(max_size=8))
    count = draw(st.integers(1, 3))
    return (shape,) * count, {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def flip_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(min_dims=1))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    return (shape,), {"dims": tuple(_maybe_negative(draw, dims, len(shape)))}


@st.composite
def roll_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(one_axis())
    return (shape,), {"shifts": draw(st.integers(-3, 3)), "dims": options["dim"]}


@st.composite
def repeat_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(ams.shapes(max_size=8))
    count = len(shape) + draw(st.integers(0 if shape else 1, 1))  # PyTorch takes at least one
    return (shape,), {"repeats": tuple(draw(st.lists(st.integers(1, 2), min_size=count, max_size=count)))}


@st.composite
def narrow_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(one_axis())
    size = shape[options["dim"]]
    start = draw(st.integers(0, size))
    return (shape,), {**options, "start": start, "length": draw(st.integers(0, size - start))}


@st.composite
def matrix_inputs(draw: st.DrawFn) -> tuple:
    """A batch of matrices and two distinct dims of it, with a diagonal offset."""
    shape = draw(ams.shapes(min_dims=2))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=2, max_size=2))
    return (shape,), {"offset": draw(st.integers(-2, 2)), "dims": tuple(dims)}


@st.composite
def mm_inputs(draw: st.DrawFn) -> tuple:
    n, k, m = draw(st.lists(st.integers(0, 3), min_size=3, max_size=3))
    return ((n, k), (k, m)), {}


EINSUMS = {"ij,jk->ik": 2, "bij,bjk->bik": 3, "ij->j": 1, "i,i->": 1, "...j,j->...": 2}


@st.composite
def einsum_inputs(draw: st.DrawFn) -> tuple:
    equation = draw(st.sampled_from(sorted(EINSUMS)))
    sizes = dict(zip("bijk", draw(st.lists(st.integers(1, 3), min_size=4, max_size=4))))
    batch = draw(ams.shapes(max_dims=2, max_size=8))
    terms = equation.split("->")[0].split(",")
    shapes = tuple(tuple(s for c in t.replace("...", "") for s in [sizes[c]]) for t in terms)
    if "..." in equation:
        shapes = (batch + shapes[0],) + shapes[1:]
    return shapes, {"equation": equation}


@st.composite
def gather_inputs(draw: st.DrawFn) -> tuple:
    """A shape, a dim and an int64 index no longer than the shape off dim, in range along it."""
    (shape,), options = draw(one_axis())
    axis = options["dim"] % len(shape)
    index_shape = tuple(draw(st.integers(1, n)) for n in shape)
    index = draw(npst.arrays(np.int64, index_shape, elements=st.integers(0, shape[axis] - 1)))
    return (shape,), {**options, "index": index}


@st.composite
def index_select_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(one_axis())
    size = shape[options["dim"]]
    index = npst.arrays(np.int64, (draw(st.integers(0, 4)),), elements=st.integers(0, size - 1))
    return (shape,), {**options, "index": draw(index)}


@st.composite
def norm_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(one_axis())
    return (shape,), {**options, "p": draw(st.sampled_from([1, 2, 3, math.inf]))}


@st.composite
def along_one_dim(draw: st.DrawFn) -> tuple:
    """A shape (0-d included) and one of its dims, which a 0-d tensor takes as 0 or -1."""
    shape = draw(ams.shapes())
    ndim = max(len(shape), 1)
    return (shape,), {"dim": draw(st.integers(-ndim, ndim - 1))}


@st.composite
def sort_inputs(draw: st.DrawFn) -> tuple:
    shapes, options = draw(along_one_dim())
    return shapes, {**options, "descending": draw(st.booleans())}


@st.composite
def topk_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(along_one_dim())
    size = shape[options["dim"]] if shape else 1
    k = draw(st.integers(0 if shape else 1, size))
    return (shape,), {**options, "k": k, "largest": draw(st.booleans())}


@st.composite
def prod_inputs(draw: st.DrawFn) -> tuple:
    """A shape and dim None (every element) or one dim, with keepdim for one dim."""
    shapes, options = draw(along_one_dim())
    if draw(st.booleans()):
        return shapes, {"dim": None, "keepdim": False}
    return shapes, {**options, "keepdim": draw(st.booleans())}


@st.composite
def same_size_shapes(draw: st.DrawFn) -> tuple:
    """A shape and another with as many elements, written out (no -1)."""
    shape = draw(ams.shapes())
    return (shape,), {"shape": np.empty(shape).reshape(draw(ams.reshaped(shape))).shape}


@st.composite
def view_inputs(draw: st.DrawFn) -> tuple:
    """A shape and another with as many elements, one side of it (when it has one) -1."""
    (shape,), options = draw(same_size_shapes())
    new = list(options["shape"])
    if new:
        new[draw(st.integers(0, len(new) - 1))] = -1
    return (shape,), {"shape": tuple(new)}


@st.composite
def expand_inputs(draw: st.DrawFn) -> tuple:
    """A shape and expand's sizes: new leading sides, then -1 or the size kept, or size-1 dims grown."""
    shape = draw(ams.shapes(max_dims=3, max_side=3))
    leading = draw(st.lists(st.integers(1, 2), max_size=2))
    kept = [draw(st.sampled_from([-1, n] if n > 1 else [-1, 1, 2, 3])) for n in shape]
    return (shape,), {"sizes": tuple(leading + kept)}


@st.composite
def repeat_interleave_inputs(draw: st.DrawFn) -> tuple:
    """A shape, int repeats (0 too) and dim None (flattened) or one of its dims."""
    shape = draw(ams.shapes(max_size=8))
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    return (shape,), {"repeats": draw(st.integers(0, 3)), "dim": dim}


@st.composite
def tile_inputs(draw: st.DrawFn) -> tuple:
    """A shape and tile's dims: fewer than its dims (padded with 1s), as many, or one more."""
    shape = draw(ams.shapes(max_size=8))
    return (shape,), {"dims": tuple(draw(st.lists(st.integers(1, 2), max_size=len(shape) + 1)))}


@st.composite
def split_inputs(draw: st.DrawFn) -> tuple:
    """A shape, a dim and split's sizes: one int (maybe past the dim's size) or a list summing to it."""
    (shape,), options = draw(one_axis())
    size = shape[options["dim"]]
    if draw(st.booleans()):
        return (shape,), {**options, "sizes": draw(st.integers(1, size + 1))}
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
    sizes = np.diff([0, *cuts, size]).tolist()
    return (shape,), {**options, "sizes": sizes}


@st.composite
def chunk_inputs(draw: st.DrawFn) -> tuple:
    (shape,), options = draw(one_axis())
    return (shape,), {**options, "chunks": draw(st.integers(1, 4))}


@st.composite
def movedim_inputs(draw: st.DrawFn) -> tuple:
    """A shape, and source and destination: one dim each, or tuples of as many distinct dims."""
    shape = draw(ams.shapes(min_dims=1))
    ndim = len(shape)
    if draw(st.booleans()):
        source, destination = (draw(st.integers(-ndim, ndim - 1)) for _ in range(2))
        return (shape,), {"source": source, "destination": destination}
    count = draw(st.integers(0, ndim))
    source, destination = (draw(st.permutations(range(ndim)))[:count] for _ in range(2))
    return (shape,), {"source": tuple(source), "destination": _maybe_negative(draw, destination, ndim)}


@st.composite
def unflatten_inputs(draw: st.DrawFn) -> tuple:
    """A shape, one of its dims and the sizes it splits into, one of them maybe -1."""
    sizes = list(draw(ams.shapes(min_dims=1, max_dims=3, max_size=6)))
    before, after = draw(ams.shapes(max_dims=2, max_size=4)), draw(ams.shapes(max_dims=1, max_size=3))
    shape = before + (math.prod(sizes),) + after
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    (dim,) = _maybe_negative(draw, [len(before)], len(shape))
    return (shape,), {"dim": dim, "sizes": tuple(sizes)}


@st.composite
def at_most_two_dims(draw: st.DrawFn) -> tuple:
    """A 0-d, 1-d or 2-d shape, as t() takes."""
    return (draw(ams.shapes(max_dims=2)),), {}


MATRICES = ams.shapes(min_dims=2).map(lambda s: ((s,), {}))


@st.composite
def bmm_inputs(draw: st.DrawFn) -> tuple:
    b, n, k, m = draw(st.tuples(st.integers(1, 2), *[st.integers(0, 3)] * 3))
    return ((b, n, k), (b, k, m)), {}


@st.composite
def mv_inputs(draw: st.DrawFn) -> tuple:
    n, k = draw(st.lists(st.integers(0, 3), min_size=2, max_size=2))
    return ((n, k), (k,)), {}


@st.composite
def dot_inputs(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(0, 4))
    return ((n,), (n,)), {}


@st.composite
def outer_inputs(draw: st.DrawFn) -> tuple:
    n, m = draw(st.lists(st.integers(0, 4), min_size=2, max_size=2))
    return ((n,), (m,)), {}


@st.composite
def diag_inputs(draw: st.DrawFn) -> tuple:
    """A vector (to a matrix) or a matrix (to a vector), and a diagonal offset."""
    shape = draw(ams.shapes(min_dims=1, max_dims=2))
    return (shape,), {"diagonal": draw(st.integers(-2, 2))}


TWO_DIMS = ams.shapes(min_dims=2, max_dims=2).map(lambda s: ((s,), {}))


@st.composite
def vector_norm_inputs(draw: st.DrawFn) -> tuple:
    """A shape, an ord, a dim (None, int or tuple) and keepdim."""
    (shape,), options = draw(reduction())
    order = draw(st.sampled_from([1, 2, 3, -1, math.inf, -math.inf]))
    return (shape,), {"ord": order, "dim": options["axis"], "keepdim": options["keepdims"]}


@st.composite
def linalg_norm_inputs(draw: st.DrawFn) -> tuple:
    """linalg.norm's cases: ord None over every dim, a vector ord along one dim, or a matrix ord
    over two dims."""
    keepdim = draw(st.booleans())
    kind = draw(st.sampled_from(["every dim", "vector", "matrix"]))
    if kind == "every dim":
        return (draw(ams.shapes()),), {"ord": None, "dim": None, "keepdim": keepdim}
    if kind == "vector":
        (shape,), options = draw(one_axis())
        order = draw(st.sampled_from([None, 1, 2, 3, -1, math.inf, -math.inf]))
        return (shape,), {"ord": order, **options, "keepdim": keepdim}
    shape = draw(ams.shapes(min_dims=2))
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=2, max_size=2))
    order = draw(st.sampled_from(["fro", 1, -1, math.inf, -math.inf]))
    return (shape,), {"ord": order, "dim": _maybe_negative(draw, dims, len(shape)), "keepdim": keepdim}


@st.composite
def scatter_index(draw: st.DrawFn, shape: tuple[int, ...], axis: int, unique: bool) -> np.ndarray:
    """An int64 index no longer than shape in any dim, in range along axis; with unique, the
    places it names along axis are distinct at each place off it."""
    index_shape = tuple(draw(st.integers(1, n)) for n in shape)
    size = shape[axis]
    if not unique:
        return draw(npst.arrays(np.int64, index_shape, elements=st.integers(0, size - 1)))
    length = index_shape[axis]
    others = index_shape[:axis] + index_shape[axis + 1 :]
    rows = [draw(st.permutations(range(size)))[:length] for _ in range(math.prod(others))]
    return np.moveaxis(np.array(rows, np.int64).reshape(others + (length,)), -1, axis)


@st.composite
def scatter_inputs(draw: st.DrawFn, unique: bool) -> tuple:
    """A shape, a dim, an index for scatter along it and a src at least as long as the index."""
    (shape,), options = draw(one_axis())
    index = draw(scatter_index(shape, options["dim"] % len(shape), unique))
    src_shape = tuple(n + draw(st.integers(0, 1)) for n in index.shape)
    return (shape, src_shape), {**options, "index": index}


@st.composite
def scatter_value_inputs(draw: st.DrawFn) -> tuple:
    """A shape, a dim and an index (repeats allowed) for scatter along it."""
    (shape,), options = draw(one_axis())
    return (shape,), {**options, "index": draw(scatter_index(shape, options["dim"] % len(shape), False))}


@st.composite
def index_add_inputs(draw: st.DrawFn) -> tuple:
    """A shape, a dim, a 1-D index along it (repeats allowed) and a source with one slice per index."""
    (shape,), options = draw(index_select_inputs())
    d = options["dim"] % len(shape)
    return (shape, shape[:d] + options["index"].shape + shape[d + 1 :]), options


@st.composite
def mask_for(draw: st.DrawFn) -> tuple:
    """A shape and a boolean mask that broadcasts to it (fewer dims, size-1 sides)."""
    shape = draw(ams.shapes())
    trailing = shape[draw(st.integers(0, len(shape))) :]
    mask_shape = tuple(draw(st.sampled_from([n, 1])) for n in trailing)
    return (shape,), {"mask": draw(npst.arrays(np.bool_, mask_shape))}


MASK_AND_VALUE = mask_for().map(lambda case: (case[0] + ((),), case[1]))  # a 0-d tensor value too


@st.composite
def mask_with(draw: st.DrawFn) -> tuple:
    """A shape and a boolean mask that broadcast together (either may grow)."""
    x_shape, mask_shape = draw(ams.broadcastable_shapes(2)).input_shapes
    return (x_shape,), {"mask": draw(npst.arrays(np.bool_, mask_shape))}


@st.composite
def take_inputs(draw: st.DrawFn) -> tuple:
    """A shape and an int64 index of any shape into its flattened elements, negative ones too."""
    shape = draw(ams.shapes())
    size = math.prod(shape)
    index = npst.arrays(np.int64, ams.shapes(max_dims=2, max_size=4), elements=st.integers(-size, size - 1))
    return (shape,), {"index": draw(index)}


@st.composite
def take_along_dim_inputs(draw: st.DrawFn) -> tuple:
    """A shape and indices: flattened (dim None), or along a dim with the other dims broadcast."""
    shape = draw(ams.shapes())
    if not shape or draw(st.booleans()):
        indices = npst.arrays(np.int64, st.integers(0, 4), elements=st.integers(0, math.prod(shape) - 1))
        return (shape,), {"indices": draw(indices), "dim": None}
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    sides = [draw(st.integers(1, 3)) if i == axis else draw(st.sampled_from([n, 1] if n > 1 else [1, 2]))
             for i, n in enumerate(shape)]
    indices = npst.arrays(np.int64, tuple(sides), elements=st.integers(0, shape[axis] - 1))
    return (shape,), {"indices": draw(indices), "dim": dim}


# ---- NumPy formulas for the references --------------------------------------------------------

np_erf = np.vectorize(math.erf, otypes=[float])
np_erfc = np.vectorize(math.erfc, otypes=[float])


def np_lerp(start, end, weight):
    """PyTorch's lerp: from start below weight 0.5, from end above (exact at weight = 1)."""
    return np.where(weight < 0.5, start + weight * (end - start), end - (end - start) * (1 - weight))



def every_dim_if_empty(reduce: Callable) -> Callable:
    """A NumPy reduction with PyTorch's meaning of dim=(): every dim (NumPy's axis=() is none)."""
    return lambda x, axis, **options: reduce(x, axis=None if axis == () else axis, **options)


def np_var(x, axis, keepdims, correction=1):
    centred = x - x.mean(axis=axis, keepdims=True)
    return (centred**2).sum(axis=axis, keepdims=keepdims) / (reduced_count(x.shape, axis) - correction)


def along(fn: Callable) -> Callable:
    """A NumPy function of (x, axis, ...) that takes 0-d x as shape (1,), as PyTorch does."""

    def ref(x, dim, **options):
        out = fn(x.reshape(x.shape or (1,)), dim, **options)
        return out if x.ndim else out.reshape(())

    return ref


def np_add_twice(a, b):
    return a + 2 * b


def np_addmm(c, a, b):
    return 0.5 * c + 2 * (a @ b)


def np_sort(x, dim, descending):
    ordered = np.sort(x, axis=dim)
    return np.flip(ordered, dim) if descending else ordered


def np_topk(x, dim, k, largest):
    return np.take(np_sort(x, dim, largest), range(k), axis=dim)


def np_prod(x, dim, keepdim):
    return np.prod(x, axis=dim if x.ndim else None, keepdims=keepdim)


def np_softmax(x, dim):
    e = np.exp(x)
    return e / e.sum(axis=dim, keepdims=True)


def np_gather(x, dim, index):
    """PyTorch's gather reads only the part of x that index covers off dim."""
    part = tuple(slice(None) if i == dim % x.ndim else slice(0, n) for i, n in enumerate(index.shape))
    return np.take_along_axis(x[part], index, dim)


def np_repeat(x, repeats):
    return np.tile(x, repeats)


def np_flatten(x, start_dim, end_dim):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :])


def np_squeeze(x, dim):
    dims = range(x.ndim) if dim is None else normalize_axis_tuple(dim, x.ndim)
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def weighted(pieces) -> list:
    """Piece i times i + 1, so that pieces joined back with wrong boundaries differ."""
    return [p * (i + 1) for i, p in enumerate(pieces)]


def np_split(x, dim, sizes):
    n = x.shape[dim]
    bounds = range(sizes, n, sizes) if isinstance(sizes, int) else np.cumsum(sizes)[:-1]
    return np.concatenate(weighted(np.split(x, bounds, axis=dim)), axis=dim)


def np_chunk(x, dim, chunks):
    n = x.shape[dim]
    step = -(-n // chunks)  # pieces of ceil(n / chunks), the last maybe shorter
    return np.concatenate(weighted(np.split(x, range(step, n, step), axis=dim)), axis=dim)


def np_unbind(x, dim):
    return np.stack(weighted([np.take(x, i, axis=dim) for i in range(x.shape[dim])]), axis=dim)


def np_expand(x, sizes):
    new = len(sizes) - x.ndim
    return np.broadcast_to(x, sizes[:new] + tuple(n if s == -1 else s for n, s in zip(x.shape, sizes[new:])))


def np_vector_norm(x, ord, dim, keepdim):
    """(sum of |x| ** ord) ** (1 / ord), or max or min |x|, over dim (PyTorch's (): every dim)."""
    dim = None if dim == () else dim
    size = np.abs(x)
    if ord == math.inf:
        return np.max(size, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return np.min(size, axis=dim, keepdims=keepdim)
    return np.sum(size**ord, axis=dim, keepdims=keepdim) ** (1 / ord)


def np_scatter(x, src, dim, index, add=False):
    """Element by element: `out[index[i][j]][j] = src[i][j]` (or +=) for dim 0."""
    out = x.copy()
    for place in np.ndindex(index.shape):
        target = list(place)
        target[dim] = index[place]
        out[tuple(target)] = out[tuple(target)] + src[place] if add else src[place]
    return out


def np_index_add(x, source, dim, index):
    out = x.copy()
    for i, at in enumerate(index):
        out[(slice(None),) * (dim % x.ndim) + (at,)] += -1.5 * np.take(source, i, axis=dim)
    return out


def np_masked_select(x, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return np.broadcast_to(x, shape)[np.broadcast_to(mask, shape)]


# ---- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One row: `fn(*tensors, **options)` must equal `ref(*arrays, **options)`."""

    name: str
    fn: Callable[..., am.Tensor]
    ref: Callable[..., Any]
    inputs: st.SearchStrategy = UNARY  # (input shapes, options)
    domain: st.SearchStrategy | tuple = ANY  # values: one strategy, or one per input
    unique: bool = False  # all values in a tensor distinct (max and min need no ties)
    piecewise_linear: bool = False  # zero second derivative: checked inside a square instead

    def __repr__(self) -> str:
        return self.name


REDUCE = reduction()
SPREAD = reduction(min_count=2)  # var with correction=1 needs two elements per result

OPS = [
    # arithmetic, tensor with tensor (broadcasting) and with Python numbers on either side
    Op("add", lambda a, b: a + b, np.add, BINARY, piecewise_linear=True),
    Op("sub", lambda a, b: a - b, np.subtract, BINARY, piecewise_linear=True),
    Op("mul", lambda a, b: a * b, np.multiply, BINARY),
    Op("div", lambda a, b: a / b, np.divide, BINARY, (ANY, NONZERO)),
    Op("pow", lambda a, b: a**b, np.power, BINARY, (POSITIVE, ANY)),
    Op("neg", lambda x: -x, np.negative, piecewise_linear=True),
    Op("add_number", lambda x: x + 1.5, lambda x: x + 1.5, piecewise_linear=True),
    Op("radd_number", lambda x: 1.5 + x, lambda x: 1.5 + x, piecewise_linear=True),
    Op("sub_number", lambda x: x - 1.5, lambda x: x - 1.5, piecewise_linear=True),
    Op("rsub_number", lambda x: 1.5 - x, lambda x: 1.5 - x, piecewise_linear=True),
    Op("mul_number", lambda x: x * -1.5, lambda x: x * -1.5, piecewise_linear=True),
    Op("rmul_number", lambda x: 3 * x, lambda x: 3 * x, piecewise_linear=True),
    Op("div_number", lambda x: x / 4.0, lambda x: x / 4.0, piecewise_linear=True),
    Op("rdiv_number", lambda x: 1.5 / x, lambda x: 1.5 / x, domain=NONZERO),
    Op("pow_int", lambda x: x**3, lambda x: x * x * x),
    Op("pow_float", lambda x: x**2.5, lambda x: x**2.5, domain=POSITIVE),
    Op("pow_negative", lambda x: x**-2, lambda x: 1 / (x * x), domain=NONZERO),
    Op("rpow_number", lambda x: 2.0**x, lambda x: np.exp(x * np.log(2.0))),
    Op("matmul", lambda a, b: a @ b, np.matmul, MATMUL),
    # the same as methods and torch functions, with their options
    Op("add_alpha", lambda a, b: am.add(a, b, alpha=2), np_add_twice, BINARY, piecewise_linear=True),
    Op("sub_alpha", lambda a, b: a.sub(b, alpha=0.5), lambda a, b: a - b / 2, BINARY, piecewise_linear=True),
    Op("mul_method", lambda a, b: a.mul(b), np.multiply, BINARY),
    Op("div_function", am.div, np.divide, BINARY, (ANY, NONZERO)),
    Op("true_divide", am.true_divide, np.divide, BINARY, (ANY, NONZERO)),
    Op(
        "div_floor",
        lambda x: x.div(-1.0, rounding_mode="floor"),
        lambda x: np.floor(-x),
        domain=OFF_INTEGERS,
        piecewise_linear=True,
    ),
    Op(
        "div_trunc",
        lambda x: am.div(x, 1.0, rounding_mode="trunc"),
        np.trunc,
        domain=OFF_INTEGERS,
        piecewise_linear=True,
    ),
    # a divisor above every |a|, so a / b stays off the jumps: floor(a / b) is -1 or 0, trunc 0
    Op("remainder", am.remainder, np.remainder, BINARY, (NONZERO, ABOVE_TWO), piecewise_linear=True),
    Op("fmod", am.fmod, np.fmod, BINARY, (NONZERO, ABOVE_TWO), piecewise_linear=True),
    Op(
        "fmod_number",
        lambda x: x.fmod(-0.75),
        lambda x: np.fmod(x, -0.75),
        domain=OFF_THREE_QUARTERS,
        piecewise_linear=True,
    ),
    Op("addmm", lambda c, a, b: am.addmm(c, a, b, beta=0.5, alpha=2), np_addmm, ADDMM),
    # elementwise functions
    Op("exp", am.exp, np.exp),
    Op("log", am.log, np.log, domain=POSITIVE),
    Op("sqrt", am.sqrt, np.sqrt, domain=POSITIVE),
    Op("abs", am.abs, np.abs, domain=NONZERO, piecewise_linear=True),
    Op("sin", am.sin, np.sin),
    Op("cos", am.cos, np.cos),
    Op("tanh", am.tanh, np.tanh),
    Op("expm1", am.expm1, np.expm1),
    Op("log2", am.log2, np.log2, domain=POSITIVE),
    Op("log10", am.log10, np.log10, domain=POSITIVE),
    Op("log1p", am.log1p, np.log1p, domain=ABOVE_MINUS_ONE),
    Op("square", am.square, np.square),
    Op("rsqrt", am.rsqrt, lambda x: 1 / np.sqrt(x), domain=POSITIVE),
    Op("reciprocal", am.reciprocal, np.reciprocal, domain=NONZERO),
    Op("tan", am.tan, np.tan, domain=OFF_TAN_POLES),
    Op("asin", am.asin, np.arcsin, domain=INSIDE_UNIT),
    Op("acos", am.acos, np.arccos, domain=INSIDE_UNIT),
    Op("atan", am.atan, np.arctan),
    Op("atan2", am.atan2, np.arctan2, BINARY, (NONZERO, ANY)),  # off the cut along -x and the origin
    Op("sinh", am.sinh, np.sinh),
    Op("cosh", am.cosh, np.cosh),
    Op("erf", am.erf, np_erf),
    Op("erfc", am.erfc, np_erfc),
    Op("floor", am.floor, np.floor, domain=OFF_INTEGERS, piecewise_linear=True),
    Op("ceil", am.ceil, np.ceil, domain=OFF_INTEGERS, piecewise_linear=True),
    Op("trunc", am.trunc, np.trunc, domain=OFF_INTEGERS, piecewise_linear=True),
    Op("round", am.round, np.round, domain=OFF_HALVES, piecewise_linear=True),
    Op(
        "round_decimals",
        lambda x: x.round(decimals=1),
        lambda x: np.round(x, 1),
        domain=OFF_HALF_TENTHS,
        piecewise_linear=True,
    ),
    Op("frac", am.frac, lambda x: x - np.trunc(x), domain=OFF_INTEGERS, piecewise_linear=True),
    Op("sign", am.sign, np.sign, domain=NONZERO, piecewise_linear=True),
    Op("nan_to_num", am.nan_to_num, np.nan_to_num, piecewise_linear=True),
    Op("lerp", lambda a, b: a.lerp(b, 0.3), lambda a, b: np_lerp(a, b, 0.3), BINARY, piecewise_linear=True),
    Op("lerp_weight", am.lerp, np_lerp, TERNARY),
    Op("pow_function", am.pow, np.power, BINARY, (POSITIVE, ANY)),
    Op("pow_function_number", lambda x: am.pow(x, 3), lambda x: x * x * x),
    Op("pow_function_base", lambda x: am.pow(2.0, x), lambda x: np.exp(x * np.log(2.0))),
    Op("sigmoid", am.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    Op("relu", am.relu, lambda x: np.where(x > 0, x, 0.0), domain=NONZERO, piecewise_linear=True),
    Op(
        "leaky_relu",
        lambda x: x.leaky_relu(0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        domain=NONZERO,
        piecewise_linear=True,
    ),
    Op("gelu", F.gelu, lambda x: x * 0.5 * (1 + np_erf(x / math.sqrt(2)))),
    Op(
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    Op("silu", F.silu, lambda x: x / (1 + np.exp(-x))),
    Op("mish", F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    Op("elu", lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), domain=NONZERO),
    Op(
        "celu",
        lambda x: F.celu(x, 2.0),
        lambda x: np.where(x > 0, x, 2 * (np.exp(x / 2) - 1)),
        domain=NONZERO,
    ),
    Op(
        "selu",
        F.selu,
        lambda x: F.SELU_SCALE * np.where(x > 0, x, F.SELU_ALPHA * (np.exp(x) - 1)),
        domain=NONZERO,
    ),
    Op(
        "softplus",
        lambda x: F.softplus(x, beta=2.0, threshold=1.0),
        lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2),
        domain=OFF_CLAMP_BOUNDS,
    ),
    Op("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), domain=NONZERO),
    Op("logsigmoid", F.logsigmoid, lambda x: -np.log1p(np.exp(-x))),
    Op(
        "hardtanh",
        lambda x: F.hardtanh(x, -0.5, 0.5),
        lambda x: np.clip(x, -0.5, 0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "relu6",
        lambda x: F.relu6(4 * x),
        lambda x: np.clip(4 * x, 0, 6),
        domain=OFF_HARD_KINKS,
        piecewise_linear=True,
    ),
    Op(
        "hardsigmoid",
        lambda x: F.hardsigmoid(2 * x),
        lambda x: np.clip(2 * x / 6 + 0.5, 0, 1),
        domain=OFF_HARD_KINKS,
        piecewise_linear=True,
    ),
    Op(
        "hardswish",
        lambda x: F.hardswish(2 * x),
        lambda x: 2 * x * np.clip(2 * x / 6 + 0.5, 0, 1),
        domain=OFF_HARD_KINKS,
    ),
    Op(
        "prelu",
        lambda x, w: F.prelu(x, w.reshape(1)),
        lambda x, w: np.where(x > 0, x, w * x),
        PRELU,
        (NONZERO, ANY),
    ),
    Op(
        "clamp",
        lambda x: x.clamp(-0.5, 0.5),
        lambda x: np.minimum(np.maximum(x, -0.5), 0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "clamp_min",
        lambda x: x.clamp(min=-0.5),
        lambda x: np.maximum(x, -0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "clip_max",
        lambda x: x.clip(max=0.5),
        lambda x: np.minimum(x, 0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "clamp_min_method",
        lambda x: x.clamp_min(-0.5),
        lambda x: np.maximum(x, -0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "clamp_max_function",
        lambda x: am.clamp_max(x, 0.5),
        lambda x: np.minimum(x, 0.5),
        domain=OFF_CLAMP_BOUNDS,
        piecewise_linear=True,
    ),
    Op(
        "clamp_min_tensor",
        lambda x, low: x.clamp_min(low),
        np.maximum,
        BINARY,
        (GRID, SHIFTED_GRID),
        piecewise_linear=True,
    ),
    Op("maximum", am.maximum, np.maximum, BINARY, (GRID, SHIFTED_GRID), piecewise_linear=True),
    Op("minimum", am.minimum, np.minimum, BINARY, (GRID, SHIFTED_GRID), piecewise_linear=True),
    Op(
        "where",
        lambda a, b, condition: am.where(condition, a, b),
        lambda a, b, condition: np.where(condition, a, b),
        where_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "where_method",
        lambda a, b, condition: a.where(condition, b),
        lambda a, b, condition: np.where(condition, a, b),
        where_inputs(),
        piecewise_linear=True,
    ),
    # reductions
    Op(
        "sum",
        lambda x, axis, keepdims: x.sum(dim=axis, keepdim=keepdims),
        every_dim_if_empty(np.sum),
        REDUCE,
        piecewise_linear=True,
    ),
    Op(
        "mean",
        lambda x, axis, keepdims: x.mean(dim=axis, keepdim=keepdims),
        every_dim_if_empty(
            lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims) / reduced_count(x.shape, axis)
        ),
        REDUCE,
        piecewise_linear=True,
    ),
    Op(
        "max",
        lambda x, axis, keepdims: x.amax(dim=axis, keepdim=keepdims),
        every_dim_if_empty(np.max),
        REDUCE,
        GRID,
        unique=True,
        piecewise_linear=True,
    ),
    Op(
        "min",
        lambda x, axis, keepdims: x.amin(axis=axis, keepdims=keepdims),
        every_dim_if_empty(np.min),
        REDUCE,
        GRID,
        unique=True,
        piecewise_linear=True,
    ),
    Op(
        "var",
        lambda x, axis, keepdims: x.var(dim=axis, keepdim=keepdims),
        every_dim_if_empty(np_var),
        SPREAD,
        GRID,
        unique=True,
    ),
    Op(
        "var_ddof0",
        lambda x, axis, keepdims: x.var(axis=axis, keepdims=keepdims, ddof=0),
        every_dim_if_empty(lambda x, axis, keepdims: np_var(x, axis, keepdims, correction=0)),
        REDUCE,
        GRID,
        unique=True,
    ),
    Op(
        "std",
        lambda x, axis, keepdims: x.std(dim=axis, keepdim=keepdims),
        every_dim_if_empty(lambda x, axis, keepdims: np.sqrt(np_var(x, axis, keepdims))),
        SPREAD,
        GRID,
        unique=True,
    ),
    Op(
        "logsumexp",
        lambda x, axis, keepdims: x.logsumexp(dim=axis, keepdim=keepdims),
        every_dim_if_empty(lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
        REDUCE,
    ),
    Op("softmax", lambda x, dim: x.softmax(dim), np_softmax, one_axis()),
    Op(
        "log_softmax",
        lambda x, dim: x.log_softmax(dim),
        lambda x, dim: x - np.log(np.sum(np.exp(x), axis=dim, keepdims=True)),
        one_axis(),
    ),
    # order, running sums and products (zeros drawn often: the gradient of a product at zeros)
    Op(
        "sort",
        lambda x, dim, descending: x.sort(dim=dim, descending=descending).values,
        along(np_sort),
        sort_inputs(),
        GRID,
        unique=True,
        piecewise_linear=True,
    ),
    Op(
        "topk",
        lambda x, dim, k, largest: x.topk(k, dim=dim, largest=largest).values,
        along(np_topk),
        topk_inputs(),
        GRID,
        unique=True,
        piecewise_linear=True,
    ),
    Op("cumsum", lambda x, dim: x.cumsum(dim), along(np.cumsum), along_one_dim(), piecewise_linear=True),
    Op("cumprod", lambda x, dim: x.cumprod(dim), along(np.cumprod), along_one_dim(), OFTEN_ZERO),
    Op("prod", lambda x, dim, keepdim: x.prod(dim, keepdim=keepdim), np_prod, prod_inputs(), OFTEN_ZERO),
    # shape
    Op("reshape", lambda x, shape: x.reshape(shape), np.reshape, reshape_inputs(), piecewise_linear=True),
    Op(
        "flatten",
        lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim),
        np_flatten,
        flatten_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "permute",
        lambda x, dims: x.permute(*dims),
        lambda x, dims: np.transpose(x, dims),
        permute_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "transpose",
        lambda x, dim0, dim1: x.transpose(dim0, dim1),
        lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
        transpose_inputs(),
        piecewise_linear=True,
    ),
    Op("T", lambda x: x.T, lambda x: x.transpose(), piecewise_linear=True),
    Op("squeeze", lambda x, dim: x.squeeze(dim), np_squeeze, squeeze_inputs(), piecewise_linear=True),
    Op(
        "unsqueeze",
        lambda x, dim: x.unsqueeze(dim),
        lambda x, dim: np.expand_dims(x, dim),
        unsqueeze_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "broadcast_to",
        lambda x, shape: x.broadcast_to(shape),
        np.broadcast_to,
        BROADCAST_TO,
        piecewise_linear=True,
    ),
    Op(
        "basic_index",
        lambda x, index: x[index],
        lambda x, index: x[index],
        index_inputs(ams.basic_indices),
        piecewise_linear=True,
    ),
    Op(
        "advanced_index",
        lambda x, index: x[index],
        lambda x, index: x[index],
        index_inputs(ams.advanced_indices),
        piecewise_linear=True,
    ),
    Op(
        "cat",
        lambda *xs, dim: am.cat(xs, dim=dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        cat_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "stack",
        lambda *xs, dim: am.stack(xs, dim=dim),
        lambda *xs, dim: np.stack(xs, axis=dim),
        stack_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "flip",
        lambda x, dims: x.flip(dims),
        lambda x, dims: np.flip(x, dims),
        flip_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "roll",
        lambda x, shifts, dims: x.roll(shifts, dims),
        lambda x, shifts, dims: np.roll(x, shifts, dims),
        roll_inputs(),
        piecewise_linear=True,
    ),
    Op("repeat", lambda x, repeats: x.repeat(*repeats), np_repeat, repeat_inputs(), piecewise_linear=True),
    Op(
        "narrow",
        lambda x, dim, start, length: x.narrow(dim, start, length),
        lambda x, dim, start, length: np.take(x, range(start, start + length), axis=dim),
        narrow_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "tril",
        lambda x, offset, dims: x.tril(offset),
        lambda x, offset, dims: x * np.tril(np.ones(x.shape[-2:]), offset),
        matrix_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "triu",
        lambda x, offset, dims: x.triu(offset),
        lambda x, offset, dims: x * np.triu(np.ones(x.shape[-2:]), offset),
        matrix_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "diagonal",
        lambda x, offset, dims: x.diagonal(offset, *dims),
        lambda x, offset, dims: np.diagonal(x, offset, *dims),
        matrix_inputs(),
        piecewise_linear=True,
    ),
    Op("mm", lambda a, b: a.mm(b), np.matmul, mm_inputs()),
    Op(
        "einsum",
        lambda *xs, equation: am.einsum(equation, *xs),
        lambda *xs, equation: np.einsum(equation, *xs),
        einsum_inputs(),
    ),
    Op(
        "gather",
        lambda x, dim, index: x.gather(dim, index),
        np_gather,
        gather_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "index_select",
        lambda x, dim, index: x.index_select(dim, index),
        lambda x, dim, index: np.take(x, index, axis=dim),
        index_select_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "norm",
        lambda x, dim, p: x.norm(p, dim),
        lambda x, dim, p: np.linalg.norm(x, p, axis=dim) if x.ndim else np.abs(x),
        norm_inputs(),
        domain=NONZERO,
        unique=True,
    ),
    # views, copies and moved dims
    Op("view", lambda x, shape: x.view(shape), np.reshape, view_inputs(), piecewise_linear=True),
    Op(
        "view_as",
        lambda x, shape: x.view_as(am.zeros(shape)),
        np.reshape,
        same_size_shapes(),
        piecewise_linear=True,
    ),
    Op(
        "reshape_as",
        lambda x, shape: x.reshape_as(am.zeros(shape)),
        np.reshape,
        same_size_shapes(),
        piecewise_linear=True,
    ),
    Op("expand", lambda x, sizes: x.expand(sizes), np_expand, expand_inputs(), piecewise_linear=True),
    Op(
        "expand_as",
        lambda x, shape: x.expand_as(am.zeros(shape)),
        np.broadcast_to,
        BROADCAST_TO,
        piecewise_linear=True,
    ),
    Op(
        "repeat_interleave",
        lambda x, repeats, dim: x.repeat_interleave(repeats, dim),
        lambda x, repeats, dim: np.repeat(x, repeats, axis=dim),
        repeat_interleave_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "tile",
        lambda x, dims: x.tile(dims),
        lambda x, dims: np.tile(x, dims),
        tile_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "split",
        lambda x, dim, sizes: am.cat(weighted(x.split(sizes, dim)), dim=dim),
        np_split,
        split_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "chunk",
        lambda x, dim, chunks: am.cat(weighted(x.chunk(chunks, dim)), dim=dim),
        np_chunk,
        chunk_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "unbind",
        lambda x, dim: am.stack(weighted(x.unbind(dim)), dim=dim),
        np_unbind,
        one_axis(),
        piecewise_linear=True,
    ),
    Op(
        "movedim",
        lambda x, source, destination: x.movedim(source, destination),
        lambda x, source, destination: np.moveaxis(x, source, destination) if x.ndim else x,
        movedim_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "swapaxes",
        lambda x, dim0, dim1: x.swapaxes(dim0, dim1),
        lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1) if x.ndim else x,  # 0-d: dims 0 and -1
        transpose_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "unflatten",
        lambda x, dim, sizes: x.unflatten(dim, sizes),
        lambda x, dim, sizes: x.reshape(x.shape[: dim % x.ndim] + sizes + x.shape[dim % x.ndim + 1 :]),
        unflatten_inputs(),
        piecewise_linear=True,
    ),
    Op("contiguous", lambda x: x.contiguous(), lambda x: x, piecewise_linear=True),
    Op("clone", lambda x: x.clone(), np.copy, piecewise_linear=True),
    Op("t", lambda x: x.t(), np.transpose, at_most_two_dims(), piecewise_linear=True),
    Op("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -2, -1), MATRICES, piecewise_linear=True),
    # products, diagonals and norms
    Op("bmm", lambda a, b: a.bmm(b), np.matmul, bmm_inputs()),
    Op("mv", lambda a, b: a.mv(b), np.matmul, mv_inputs()),
    Op("dot", lambda a, b: a.dot(b), np.dot, dot_inputs()),
    Op("outer", lambda a, b: a.outer(b), np.outer, outer_inputs()),
    Op(
        "diag",
        lambda x, diagonal: x.diag(diagonal),
        lambda x, diagonal: np.diag(x, diagonal),
        diag_inputs(),
        piecewise_linear=True,
    ),
    Op("trace", lambda x: x.trace(), np.trace, TWO_DIMS, piecewise_linear=True),
    Op(
        "vector_norm",
        lambda x, ord, dim, keepdim: am.linalg.vector_norm(x, ord, dim, keepdim),
        np_vector_norm,
        vector_norm_inputs(),
        DISTINCT_SIZES,
        unique=True,
    ),
    Op(
        "linalg_norm",
        lambda x, ord, dim, keepdim: am.linalg.norm(x, ord, dim, keepdim),
        lambda x, ord, dim, keepdim: np.linalg.norm(x, ord, dim, keepdim),
        linalg_norm_inputs(),
        DISTINCT_SIZES,
        unique=True,
    ),
    # writing into copies: scatter, index_add, masked_fill; and reading: masked_select, take
    Op(
        "scatter",
        lambda x, src, dim, index: x.scatter(dim, index, src),
        np_scatter,
        scatter_inputs(unique=True),  # PyTorch leaves which of two writes to one place wins undefined
        piecewise_linear=True,
    ),
    Op(
        "scatter_value",
        lambda x, dim, index: x.scatter(dim, index, value=1.5),
        lambda x, dim, index: np_scatter(x, np.full(index.shape, 1.5), dim, index),
        scatter_value_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "scatter_add",
        lambda x, src, dim, index: x.scatter_add(dim, index, src),
        lambda x, src, dim, index: np_scatter(x, src, dim, index, add=True),
        scatter_inputs(unique=False),
        piecewise_linear=True,
    ),
    Op(
        "index_add",
        lambda x, source, dim, index: x.index_add(dim, index, source, alpha=-1.5),
        np_index_add,
        index_add_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "masked_fill",
        lambda x, mask: x.masked_fill(mask, -0.5),
        lambda x, mask: np.where(mask, -0.5, x),
        mask_for(),
        piecewise_linear=True,
    ),
    Op(
        "masked_fill_tensor",
        lambda x, value, mask: x.masked_fill(mask, value),
        lambda x, value, mask: np.where(mask, value, x),
        MASK_AND_VALUE,
        piecewise_linear=True,
    ),
    Op(
        "masked_select",
        lambda x, mask: x.masked_select(mask),
        np_masked_select,
        mask_with(),
        piecewise_linear=True,
    ),
    Op(
        "take",
        lambda x, index: x.take(index),
        lambda x, index: x.reshape(-1)[index],
        take_inputs(),
        piecewise_linear=True,
    ),
    Op(
        "take_along_dim",
        lambda x, indices, dim: x.take_along_dim(indices, dim),
        lambda x, indices, dim: np.take_along_axis(x, indices, dim),
        take_along_dim_inputs(),
        piecewise_linear=True,
    ),
]


def draw_case(data: st.DataObject, op: Op) -> tuple[list[am.Tensor], dict]:
    """Inputs for one op: float64 tensors requiring grad, with values from the op's domain."""
    shapes, options = data.draw(op.inputs, label="shapes and options")
    domains = op.domain if isinstance(op.domain, tuple) else (op.domain,) * len(shapes)
    tensors = [
        ams.tensors(shape, np.float64, domain, requires_grad=True, unique=op.unique)
        for shape, domain in zip(shapes, domains)
    ]
    return [data.draw(t, label="input") for t in tensors], options


def square(t: am.Tensor) -> am.Tensor:
    return t * t


def identity(t: am.Tensor) -> am.Tensor:
    return t


@pytest.mark.parametrize("op", OPS, ids=repr)
@given(data=st.data())
def test_op(op, data):
    """The three checks of each row run on the same drawn inputs (drawing costs more than checking):

    1. the forward result equals NumPy's, in shape, dtype and value, and stays float32 on
       float32 inputs (Python numbers do not promote it);
    2. the gradient matches finite differences (gradcheck);
    3. so does the second derivative (gradgradcheck): of the op itself, or of its square where
       its own second derivative is zero, so that its recorded backward formula still runs.
    """
    xs, options = draw_case(data, op)

    def fn(*args):
        return op.fn(*args, **options)

    out = fn(*xs)
    expected = np.asarray(op.ref(*[x.detach().numpy() for x in xs], **options))
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype == np.float64
    np.testing.assert_allclose(out._array, expected, rtol=1e-12, atol=1e-15)
    out32 = fn(*[x.detach().to(np.float32) for x in xs])
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32._array, expected, rtol=1e-5, atol=1e-6)

    assert gradcheck(fn, xs)

    outer = square if op.piecewise_linear else identity
    assert gradgradcheck(lambda *args: outer(fn(*args)), xs)


# ---- what the table cannot say ----------------------------------------------------------------


@st.composite
def arg_extreme_inputs(draw: st.DrawFn) -> tuple:
    """A tensor requiring grad with distinct values, dim None (flattened) or one of its dims, and keepdim."""
    shape = draw(ams.shapes())
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    x = draw(ams.tensors(shape, np.float64, GRID, requires_grad=True, unique=True))
    return x, {"dim": dim, "keepdim": draw(st.booleans())}


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(case=arg_extreme_inputs())
def test_argmax_and_argmin_give_int64_indices_that_need_no_grad(name, case):
    """Indices have no gradient: the result never requires grad, even of an input that does."""
    x, options = case
    out = getattr(x, name)(**options)
    expected = getattr(np, name)(x.detach().numpy(), axis=options["dim"], keepdims=options["keepdim"])
    assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out._array, expected)


def test_repeated_integer_index_adds_gradients():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 0.0, 1.0])


def test_boolean_mask_gradient_is_the_mask():
    x = am.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    x[x > 0].sum().backward()
    np.testing.assert_array_equal(x.grad._array, [[1.0, 0.0], [0.0, 1.0]])


def test_gradients_at_kinks_follow_pytorch():
    """At a kink any subgradient would do; these are PyTorch's choices."""
    x = am.tensor([0.0, -0.5, 0.5], requires_grad=True)
    for fn, expected in [
        (am.abs, [0.0, -1.0, 1.0]),
        (am.relu, [0.0, 0.0, 1.0]),
        (lambda t: t.leaky_relu(0.1), [0.1, 0.1, 1.0]),
        (lambda t: t.clamp(-0.5, 0.5), [1.0, 1.0, 1.0]),  # the bounds themselves pass the gradient
    ]:
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad._array, expected)


def test_max_ties_share_the_gradient():
    x = am.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad._array, [0.5, 0.0, 0.5])


def test_maximum_tie_splits_the_gradient():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([1.0, 0.0], requires_grad=True)
    am.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad._array, [0.5, 0.0])


@pytest.mark.parametrize("src, dst", [(np.float32, np.float64), (np.float64, np.float32)])
def test_to_changes_dtype_and_casts_the_gradient_back(src, dst):
    x = am.tensor(np.array([1.5, -2.0], dtype=src), requires_grad=True)
    y = x.to(dst)
    assert y.dtype == dst
    np.testing.assert_array_equal(y._array, [1.5, -2.0])
    y.backward(np.array([2.0, 3.0], dtype=dst))
    assert x.grad.dtype == src
    np.testing.assert_array_equal(x.grad._array, [2.0, 3.0])


def test_to_same_dtype_is_the_tensor_itself():
    x = am.tensor([1.0], requires_grad=True)
    assert x.to(np.float32) is x


def test_to_keeps_second_derivatives():
    x = am.tensor([0.5, -1.5], dtype=np.float64, requires_grad=True)
    assert gradgradcheck(lambda t: t.to(np.longdouble).sin().to(np.float64), [x])
