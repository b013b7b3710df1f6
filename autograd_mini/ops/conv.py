"""Convolutions as one bilinear map and its two adjoints; constant padding; im2col and its adjoint.

Every convolution here is 2-D (conv1d is conv2d on an image of height 1). For a fixed
`Geometry` (input size, kernel, stride, zero padding, dilation, groups), the convolution
`y = convolve(x, w)` is linear in x and in w, and so are its two adjoints:

    x̄ = conv_transpose(ȳ, w)        the gradient of the input, and PyTorch's conv_transpose2d
    w̄ = conv_weight_grad(x, ȳ)      the gradient of the weight

Each of the three ops' gradients is made of the other ones, so the set is closed under
differentiation. Each is called through a function that runs the NumPy kernel on arrays (a
plain backward pass) and records the op on Tensors (create_graph), so second derivatives work.
`Unfold` and `Fold` (im2col and col2im) pair up the same way, and so does `ConstantPad` with
itself: padding by -p crops what padding by p added.

The kernels work on im2col "columns": `_windows` is a strided view (N, C, kH, kW, Ho, Wo) of a
padded input, copied a few samples at a time into a buffer that stays in cache while one matrix
product per group reads it, weight (O/g, C/g·kH·kW) @ columns (C/g·kH·kW, Ho·Wo). The result
comes out in (N, O, Ho, Wo) order, so nothing is transposed afterwards. The input gradient
is a full correlation with the kernel flipped when the stride is 1 and the output has no more
channels than the input; otherwise it is col2im, which adds each kernel tap's columns back in
place (`_col2im`, with the batch last so that the adds run over long rows).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd_mini.function import Function
from autograd_mini.tensor import Tensor

CHUNK_BYTES = 1 << 21  # the columns of this many bytes of samples at a time: a few MiB of cache


class Geometry(NamedTuple):
    """Where a kernel lands on an input of `size` (H, W) padded by `padding` (top, bottom,
    left, right): every `stride` steps, its taps `dilation` apart, channels split in `groups`."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int = 1

    @property
    def padded_size(self) -> tuple[int, int]:
        top, bottom, left, right = self.padding
        return self.size[0] + top + bottom, self.size[1] + left + right

    @property
    def out_size(self) -> tuple[int, int]:
        """(Ho, Wo): how many positions the kernel takes along each dim."""
        return tuple(  # type: ignore[return-value]
            (n - d * (k - 1) - 1) // s + 1
            for n, k, s, d in zip(self.padded_size, self.kernel, self.stride, self.dilation)
        )

    @property
    def crop(self) -> tuple[tuple[int, int], ...]:
        """The negative padding that takes a padded image back to `size`."""
        top, bottom, left, right = self.padding
        return (-top, -bottom), (-left, -right)


# ---- NumPy kernels -------------------------------------------------------------------------------


def constant_pad(x: np.ndarray, pairs: tuple[tuple[int, int], ...], value: float = 0) -> np.ndarray:
    """x with (before, after) elements of value added at the ends of its last len(pairs) dims;
    a negative count removes elements instead. x itself when every count is 0."""
    if not any(before or after for before, after in pairs):
        return x
    lead = x.ndim - len(pairs)
    sizes = x.shape[lead:]
    shape = x.shape[:lead] + tuple(n + a + b for n, (a, b) in zip(sizes, pairs))
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    source = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(sizes, pairs))
    target = tuple(slice(max(a, 0), n - max(b, 0)) for n, (a, b) in zip(shape[lead:], pairs))
    out[(Ellipsis,) + target] = x[(Ellipsis,) + source]
    return out


def _windows(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """A view (N, C, kH, kW, Ho, Wo) of xp (N, C, Hp, Wp): element [n, c, i, j, y, x] is
    xp[n, c, y·stride + i·dilation, x·stride + j·dilation]."""
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    view = sliding_window_view(xp, span, axis=(2, 3))  # (N, C, Hp-span+1, Wp-span+1, *span)
    (sh, sw), (dh, dw) = stride, dilation
    return view[:, :, ::sh, ::sw, ::dh, ::dw].transpose(0, 1, 4, 5, 2, 3)


def _chunks(n: int, sample_bytes: int):
    """Slices of the batch whose columns take about CHUNK_BYTES each."""
    step = max(1, CHUNK_BYTES // max(sample_bytes, 1))
    return [slice(lo, min(lo + step, n)) for lo in range(0, n, step)], step


def _col2im(cols: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of _windows: columns (C, kH, kW, Ho, Wo, N) summed into an image (N, C, H, W).

    The batch comes last so that each tap adds runs of Wo·N numbers rather than of Wo. Taps
    overlap, so they are added one at a time, each (Ho, Wo) plane at its strided place.
    """
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    c, kh, kw, ho, wo, n = cols.shape
    out = np.zeros((c, *geometry.padded_size, n), cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            out[:, rows, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += cols[:, i, j]
    return np.ascontiguousarray(constant_pad(out.transpose(3, 0, 1, 2), geometry.crop))


def _correlate(xp: np.ndarray, w: np.ndarray, stride, dilation, groups: int) -> np.ndarray:
    """Each output channel's weights slid over xp: (N, C, Hp, Wp), (O, C/g, kH, kW) -> (N, O, Ho, Wo)."""
    n, c = xp.shape[:2]
    o, kernel = w.shape[0], w.shape[2:]
    windows = _windows(xp, kernel, stride, dilation)
    ho, wo = windows.shape[-2:]
    k, positions = c // groups * kernel[0] * kernel[1], ho * wo
    out = np.empty((n, groups, o // groups, positions), np.result_type(xp, w))
    w = w.reshape(groups, o // groups, k)
    chunks, step = _chunks(n, windows[0].size * xp.itemsize)
    buffer = np.empty((min(step, n),) + windows.shape[1:], xp.dtype)
    for part in chunks:
        cols = buffer[: part.stop - part.start]
        np.copyto(cols, windows[part])  # im2col: the one copy of the input, a chunk at a time
        np.matmul(w, cols.reshape(len(cols), groups, k, positions), out=out[part])
    return out.reshape(n, o, ho, wo)


def _convolve(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    top, bottom, left, right = geometry.padding
    xp = constant_pad(x, ((top, bottom), (left, right)))
    return _correlate(xp, w, geometry.stride, geometry.dilation, geometry.groups)


def _swap_channels(w: np.ndarray, groups: int) -> np.ndarray:
    """w (O, C/g, kH, kW) as the weight (C, O/g, kH, kW) of the convolution that runs backwards."""
    o, cg = w.shape[:2]
    w = w.reshape(groups, o // groups, cg, *w.shape[2:]).transpose(0, 2, 1, 3, 4)
    return w.reshape(groups * cg, o // groups, *w.shape[3:])


def _conv_transpose(y: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of _convolve in x: (N, O, Ho, Wo), (O, C/g, kH, kW) -> (N, C, H, W)."""
    (h, wd), (kh, kw), g = geometry.size, geometry.kernel, geometry.groups
    (ho, wo), (dh, dw) = y.shape[2:], geometry.dilation
    top, _, left, _ = geometry.padding
    c = w.shape[1] * g
    if geometry.stride == (1, 1) and y.shape[1] * h * wd <= c * ho * wo:
        # A full correlation of y with the kernel flipped: cheaper than col2im with many output
        # channels, as it scatters nothing (x̄[h] = Σ_i ȳ[h + top - i·d] w[i]).
        above, before = dh * (kh - 1) - top, dw * (kw - 1) - left
        below, after = h + dh * (kh - 1) - ho - above, wd + dw * (kw - 1) - wo - before
        yp = constant_pad(y, ((above, below), (before, after)))
        flipped = _swap_channels(w, g)[:, :, ::-1, ::-1]
        return _correlate(yp, flipped, (1, 1), geometry.dilation, g)
    n, o = y.shape[:2]
    k = w.shape[1] * kh * kw
    y = np.ascontiguousarray(y.transpose(1, 2, 3, 0)).reshape(g, o // g, ho * wo * n)
    cols = np.matmul(w.reshape(g, o // g, k).transpose(0, 2, 1), y)  # (g, C/g·kH·kW, Ho·Wo·N)
    return _col2im(cols.reshape(c, kh, kw, ho, wo, n), geometry)


def _conv_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of _convolve in w: (N, C, H, W), (N, O, Ho, Wo) -> (O, C/g, kH, kW)."""
    y = np.ascontiguousarray(y)
    top, bottom, left, right = geometry.padding
    xp = constant_pad(x, ((top, bottom), (left, right)))
    windows = _windows(xp, geometry.kernel, geometry.stride, geometry.dilation)
    (n, c), o, g = x.shape[:2], y.shape[1], geometry.groups
    positions = y.shape[2] * y.shape[3]
    k = c // g * geometry.kernel[0] * geometry.kernel[1]
    y = y.reshape(n, g, o // g, positions)
    total = np.zeros((g, o // g, k), np.result_type(x, y))
    chunks, step = _chunks(n, windows[0].size * x.itemsize)
    buffer = np.empty((min(step, n),) + windows.shape[1:], x.dtype)
    for part in chunks:
        cols = buffer[: part.stop - part.start]
        np.copyto(cols, windows[part])
        cols = cols.reshape(len(cols), g, k, positions).swapaxes(-1, -2)
        total += (y[part] @ cols).sum(axis=0)
    return total.reshape(o, c // g, *geometry.kernel)


def _unfold(x: np.ndarray, geometry: Geometry) -> np.ndarray:
    top, bottom, left, right = geometry.padding
    xp = constant_pad(x, ((top, bottom), (left, right)))
    windows = _windows(xp, geometry.kernel, geometry.stride, geometry.dilation)
    n, c, kh, kw, ho, wo = windows.shape
    return windows.reshape(n, c * kh * kw, ho * wo)


def _fold(cols: np.ndarray, geometry: Geometry) -> np.ndarray:
    n, ckk = cols.shape[:2]
    kh, kw = geometry.kernel
    cols = cols.reshape(n, ckk // (kh * kw), kh, kw, *geometry.out_size)
    return _col2im(cols.transpose(1, 2, 3, 4, 5, 0), geometry)


# ---- on arrays or Tensors: the kernel, or the recorded op ------------------------------------


def _recording(*values) -> bool:
    return any(isinstance(v, Tensor) for v in values)


def convolve(x, w, geometry: Geometry):
    """x (N, C, H, W) convolved with w (O, C/g, kH, kW): (N, O, Ho, Wo)."""
    return Conv2d.apply(x, w, None, geometry=geometry) if _recording(x, w) else _convolve(x, w, geometry)


def conv_transpose(y, w, geometry: Geometry):
    """The adjoint of convolve in x: (N, O, Ho, Wo), (O, C/g, kH, kW) -> (N, C, H, W)."""
    if _recording(y, w):
        return ConvTranspose2d.apply(y, w, None, geometry=geometry)
    return _conv_transpose(y, w, geometry)


def conv_weight_grad(x, y, geometry: Geometry):
    """The adjoint of convolve in w: (N, C, H, W), (N, O, Ho, Wo) -> (O, C/g, kH, kW)."""
    if _recording(x, y):
        return ConvWeightGrad.apply(x, y, geometry=geometry)
    return _conv_weight_grad(x, y, geometry)


def _with_bias(out: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    if bias is not None:
        out += bias.reshape(-1, 1, 1)  # in place: out is new
    return out


# ---- the ops ---------------------------------------------------------------------------------------


class Conv2d(Function):
    """x (N, C, H, W) convolved with weight (O, C/g, kH, kW), plus bias (O,): (N, O, Ho, Wo)."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, geometry):
        ctx.geometry = geometry
        ctx.save_for_backward(x, weight)
        return _with_bias(_convolve(x, weight, geometry), bias)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        geometry = ctx.geometry
        return (
            conv_transpose(grad, weight, geometry) if need_x else None,
            conv_weight_grad(x, grad, geometry) if need_w else None,
            grad.sum(axis=(0, 2, 3)) if need_b else None,
        )


class ConvTranspose2d(Function):
    """y (N, O, Ho, Wo) spread back through weight (O, C/g, kH, kW), plus bias (C,): (N, C, H, W).

    The adjoint of Conv2d in its input: PyTorch's conv_transpose2d, whose weight has the shape
    (in_channels, out_channels/g, kH, kW) of the convolution it undoes.
    """

    @staticmethod
    def forward(ctx, y, weight, bias, *, geometry):
        ctx.geometry = geometry
        ctx.save_for_backward(y, weight)
        return _with_bias(_conv_transpose(y, weight, geometry), bias)

    @staticmethod
    def backward(ctx, grad):
        y, weight = ctx.saved_tensors
        need_y, need_w, need_b = ctx.needs_input_grad
        geometry = ctx.geometry
        return (
            convolve(grad, weight, geometry) if need_y else None,
            conv_weight_grad(grad, y, geometry) if need_w else None,
            grad.sum(axis=(0, 2, 3)) if need_b else None,
        )


class ConvWeightGrad(Function):
    """The adjoint of Conv2d in its weight: x (N, C, H, W), y (N, O, Ho, Wo) -> (O, C/g, kH, kW),
    the correlation of the input with the gradient of the output."""

    @staticmethod
    def forward(ctx, x, y, *, geometry):
        ctx.geometry = geometry
        ctx.save_for_backward(x, y)
        return _conv_weight_grad(x, y, geometry)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        geometry = ctx.geometry
        return (
            conv_transpose(y, grad, geometry) if need_x else None,
            convolve(x, grad, geometry) if need_y else None,
        )


class Unfold(Function):
    """im2col: x (N, C, H, W) -> (N, C·kH·kW, L), every kernel position's patch as a column."""

    @staticmethod
    def forward(ctx, x, *, geometry):
        ctx.geometry = geometry
        return _unfold(x, geometry)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, geometry=ctx.geometry) if _recording(grad) else _fold(grad, ctx.geometry)


class Fold(Function):
    """col2im, the adjoint of Unfold: columns (N, C·kH·kW, L) summed into (N, C, H, W)."""

    @staticmethod
    def forward(ctx, cols, *, geometry):
        ctx.geometry = geometry
        return _fold(cols, geometry)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, geometry=ctx.geometry) if _recording(grad) else _unfold(grad, ctx.geometry)


class ConstantPad(Function):
    """x with `pairs` (before, after) of value at the ends of its last dims; negative crops.

    The gradient is the incoming one with the padding cut off again: padding by the negated pairs.
    """

    @staticmethod
    def forward(ctx, x, *, pairs, value):
        ctx.inverse = tuple((-a, -b) for a, b in pairs)
        out = constant_pad(x, pairs, value)
        return x.copy() if out is x else out

    @staticmethod
    def backward(ctx, grad):
        if _recording(grad):
            return ConstantPad.apply(grad, pairs=ctx.inverse, value=0)
        return constant_pad(grad, ctx.inverse)
