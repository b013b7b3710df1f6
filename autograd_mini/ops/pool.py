"""Pooling over the last two axes: max and average pooling, fixed or adaptive windows.

Every op here sees its input as a stack of planes, x (..., H, W); the 1-d forms are the 2-d
ones with H = 1. The ops come in two kinds, each closed under differentiation:

- Picks (max pooling). The flat position `h * W + w` of each window's maximum is found outside
  the graph; `PickPlanes` gathers x there and its backward scatters the gradient back
  (`ScatterPlanes`). Each of the two is the other's backward, so max pooling differentiates
  any number of times.
- Linear maps along the axes (average pooling, adaptive averages, interpolation):
  `rows @ x @ cols.T` with small matrices built from the window geometry. The backward is the
  transpose, `rows.T @ grad @ cols`, written with `@` so that it is recorded under create_graph.

The geometry follows PyTorch's: a window starts at `o * stride - padding`, holds `kernel`
elements `dilation` apart, and with ceil_mode a last, partial window is kept when it starts
inside the input or its left padding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import Tensor


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """How many windows fit along an axis of `size` elements, as PyTorch counts them."""
    extent = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - extent + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window would start in the right padding: PyTorch drops it
    return out


def adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive pooling's windows along an axis: start floor(i·size/out), end ceil((i+1)·size/out)."""
    i = np.arange(out)
    return i * size // out, -(-(i + 1) * size // out)


# ---- max pooling: find the maxima, then pick them ---------------------------------------------


def _lowest(dtype: np.dtype):
    """The padding of max pooling: -inf, or an integer dtype's smallest value."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def window_argmax(
    x: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """The flat position `h * W + w` in its plane of each window's maximum: x (..., H, W) ->
    int64 (..., OH, OW).

    Ties go to the window's first maximum in row-major order, NaN to its last NaN, and a window
    holding nothing above the padding to its first element inside the input, as in PyTorch.

    The windows are visited as kh·kw strided views of x, one per offset in the kernel: each is
    a whole-array comparison, much faster in NumPy than reducing over a window axis.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = kernel, stride, padding, dilation, out
    height, width = x.shape[-2:]
    need_h, need_w = (oh - 1) * sh + (kh - 1) * dh + 1, (ow - 1) * sw + (kw - 1) * dw + 1
    padded = ph or pw or need_h > height or need_w > width
    if padded:
        xp = np.full(
            x.shape[:-2] + (max(need_h, ph + height), max(need_w, pw + width)), _lowest(x.dtype), x.dtype
        )
        xp[..., ph : ph + height, pw : pw + width] = x
    else:
        xp = x
    views = [
        xp[..., i * dh : i * dh + (oh - 1) * sh + 1 : sh, j * dw : j * dw + (ow - 1) * sw + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    best = views[0].copy()
    for view in views[1:]:
        np.maximum(best, view, out=best)
    # The first offset holding the maximum: mark from the last offset back to the first.
    arg = np.full(best.shape, len(views) - 1, np.int64)
    for k in range(len(views) - 2, -1, -1):
        np.copyto(arg, k, where=views[k] == best)
    if x.dtype.kind == "f" and np.isnan(best).any():
        for k, view in enumerate(views):  # PyTorch keeps the last NaN of a window
            np.copyto(arg, k, where=np.isnan(view))
    if padded:  # a window of padding and -inf: its first element inside the input, not the padding
        first_h = -(-np.maximum(ph - np.arange(oh) * sh, 0) // dh)  # first kernel row inside
        first_w = -(-np.maximum(pw - np.arange(ow) * sw, 0) // dw)
        np.copyto(arg, first_h[:, None] * kw + first_w, where=best == _lowest(x.dtype))
    # Offset k = (i, j) in the kernel is (i·dh)·W + j·dw away from the window's start.
    offsets = (np.arange(kh)[:, None] * dh * width + np.arange(kw) * dw).ravel()
    starts = (np.arange(oh)[:, None] * sh - ph) * width + (np.arange(ow) * sw - pw)
    return starts + offsets[arg]


def adaptive_argmax(x: np.ndarray, out: tuple[int, int]) -> np.ndarray:
    """The flat position of the maximum of each adaptive window: x (..., H, W) -> int64 (..., OH, OW),
    with window_argmax's rules for ties and NaN."""
    height, width = x.shape[-2:]
    if 0 not in out and height % out[0] == 0 and width % out[1] == 0:  # equal windows that tile the plane
        kernel = (height // out[0], width // out[1])
        return window_argmax(x, kernel, kernel, (0, 0), (1, 1), out)
    index = np.empty(x.shape[:-2] + out, np.int64)
    (top, bottom), (left, right) = adaptive_bounds(height, out[0]), adaptive_bounds(width, out[1])
    for i in range(out[0]):
        for j in range(out[1]):
            window = x[..., top[i] : bottom[i], left[j] : right[j]]
            flat = window.reshape(window.shape[:-2] + (-1,))
            arg = flat.argmax(axis=-1)  # the first maximum (or NaN)
            if x.dtype.kind == "f":
                last_nan = flat.shape[-1] - 1 - np.isnan(flat[..., ::-1]).argmax(axis=-1)
                arg = np.where(np.isnan(flat).any(axis=-1), last_nan, arg)
            h, w = np.divmod(arg, window.shape[-1])
            index[..., i, j] = (top[i] + h) * width + left[j] + w
    return index


def _global(index: np.ndarray, plane: tuple[int, int]) -> np.ndarray:
    """Positions in each plane as positions in the whole array (planes laid end to end)."""
    planes = math.prod(index.shape[:-2])
    first = (np.arange(planes) * (plane[0] * plane[1])).reshape(index.shape[:-2] + (1, 1))
    return (index + first).ravel()


def pick_planes(x, index: np.ndarray):
    """x's elements at `index`, plane by plane: x (..., H, W) -> (..., OH, OW); recorded for Tensors."""
    if isinstance(x, Tensor):
        return PickPlanes.apply(x, index=index, repeats=True)  # only ever a second-order gradient
    return np.take(x.reshape(-1), _global(index, x.shape[-2:])).reshape(index.shape)


def scatter_planes(grad, index: np.ndarray, plane: tuple[int, int], repeats: bool):
    """Zeros of planes of shape `plane`, with grad (..., OH, OW) added at `index`; recorded for
    Tensors. repeats: whether a position may occur twice (overlapping windows), so must be added."""
    if isinstance(grad, Tensor):
        return ScatterPlanes.apply(grad, index=index, plane=plane, repeats=repeats)
    size = math.prod(index.shape[:-2]) * plane[0] * plane[1]
    if repeats:  # bincount adds repeats in one pass (in float64), much faster than np.add.at
        out = np.bincount(_global(index, plane), weights=grad.ravel(), minlength=size).astype(grad.dtype)
    else:  # an assignment: ~3 times faster again, and no float64 copy
        out = np.zeros(size, grad.dtype)
        out[_global(index, plane)] = grad.ravel()
    return out.reshape(index.shape[:-2] + plane)


def windows_overlap(kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]) -> bool:
    """Whether two windows can share an element: if neighbours overlap along either axis (two
    windows in one row of windows overlap when their columns do)."""
    return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def adaptive_windows_overlap(sizes: tuple[int, int], out: tuple[int, int]) -> bool:
    """Whether two adaptive windows can share an element: along an axis they are disjoint (and
    equal) exactly when the output size divides the input size."""
    return any(o > 0 and n % o != 0 for n, o in zip(sizes, out))


class Indices(Function):
    """Indices found from an input's values, such as the argmax of each pooling window: find(x,
    *args). They carry no gradient (the values picked at them do, through PickPlanes); this is
    an op, called under no_grad, so that a trace (autograd_mini.compile) records the search
    rather than freezing its result."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, find: Any, *args: Any) -> np.ndarray:
        return find(x, *args)


class PickPlanes(Function):
    """x's elements at flat positions of each plane (max pooling, once the maxima are found):
    x (..., H, W), index (..., OH, OW) -> (..., OH, OW). The gradient goes back to the positions;
    repeats says whether a position may be picked twice."""

    @staticmethod
    def forward(ctx, x, *, index, repeats):
        ctx.index, ctx.plane, ctx.repeats = index, x.shape[-2:], repeats
        return pick_planes(x, index)

    @staticmethod
    def backward(ctx, grad):
        return scatter_planes(grad, ctx.index, ctx.plane, ctx.repeats)


class ScatterPlanes(Function):
    """PickPlanes' backward as an op of its own, so that max pooling differentiates twice:
    grad (..., OH, OW) added into zero planes of shape `plane`; its backward picks again."""

    @staticmethod
    def forward(ctx, grad, *, index, plane, repeats):
        ctx.index = index
        return scatter_planes(grad, index, plane, repeats)

    @staticmethod
    def backward(ctx, grad):
        return pick_planes(grad, ctx.index)


# ---- linear maps along the axes: average pooling and interpolation ---------------------------


def average_matrix(
    size: int, kernel: int, stride: int, padding: int, ceil_mode: bool, count_include_pad: bool
) -> np.ndarray:
    """(out, size): row o averages window o of avg_pool along one axis, float64.

    The divisor is PyTorch's: the window's length clipped to the padded input (with
    count_include_pad), or to the input itself (without).
    """
    out = pool_output_size(size, kernel, stride, padding, 1, ceil_mode)
    starts = np.arange(out) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    low, high = np.maximum(starts, 0), np.minimum(ends, size)
    divisor = ends - starts if count_include_pad else high - low
    return window_matrix(low, high, size) / divisor[:, None]


def adaptive_average_matrix(size: int, out: int) -> np.ndarray:
    """(out, size): row i averages adaptive window i, float64."""
    starts, ends = adaptive_bounds(size, out)
    return window_matrix(starts, ends, size) / (ends - starts)[:, None]


def window_matrix(starts: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    """(len(starts), size): row o is 1 on `[starts[o], ends[o])` and 0 elsewhere."""
    positions = np.arange(size)
    return ((positions >= starts[:, None]) & (positions < ends[:, None])).astype(np.float64)


class AlongAxes(Function):
    """rows @ x @ cols.T: a linear map along each of the last two axes, or with rows=None,
    x @ cols.T along the last one only.

    x (..., H, W), rows (OH, H), cols (OW, W) -> (..., OH, OW). Integer inputs (average pooling
    of integers, as PyTorch allows) are mapped in float64 and truncated back, outside the graph.
    """

    @staticmethod
    def forward(ctx, x, *, rows, cols):
        if x.dtype.kind != "f":
            return np.trunc(AlongAxes.forward(ctx, x.astype(np.float64), rows=rows, cols=cols)).astype(
                x.dtype
            )
        cols = cols.astype(x.dtype, copy=False)
        rows = None if rows is None else rows.astype(x.dtype, copy=False)
        ctx.rows, ctx.cols = rows, cols
        out = x @ cols.T
        return out if rows is None else rows @ out

    @staticmethod
    def backward(ctx, grad):
        if ctx.rows is not None:
            grad = ctx.rows.T @ grad
        return grad @ ctx.cols
