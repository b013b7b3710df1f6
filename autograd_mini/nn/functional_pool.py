"""Pooling and interpolation as functions, with PyTorch's names and arguments; `nn.functional`
exports each of them.

Inputs are batched, (N, C, L) or (N, C, H, W), or one sample, (C, L) or (C, H, W). Each function
checks its arguments here, once, with PyTorch's rules and exception types and a message that
names the function and the shapes, then runs the ops of ops/pool.py on the last one or two axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd_mini.grad_mode import no_grad
from autograd_mini.ops import pool
from autograd_mini.ops.interpolate import linear_matrix, nearest_matrix
from autograd_mini.tensor import Tensor

Size = int | Sequence[int]


def _ints(value: Size, count: int, name: str, op: str) -> tuple[int, ...]:
    """value as `count` ints: one int repeated, or a sequence of 1 or `count` of them."""
    if isinstance(value, int):
        return (value,) * count
    value = tuple(value)
    if len(value) == 1:
        return value * count
    if len(value) != count:
        raise RuntimeError(f"{op}: {name} must be a single int or a tuple of {count} ints, got {value}")
    return value


def _check_input(input: Tensor, spatial: int, op: str) -> None:
    """input has `spatial` dims after a channel dim and an optional batch dim, none of them empty
    but the batch, as PyTorch requires."""
    shape = input.shape
    if len(shape) not in (spatial + 1, spatial + 2):
        names = "(C, L)" if spatial == 1 else "(C, H, W)"
        batched = "(N, C, L)" if spatial == 1 else "(N, C, H, W)"
        raise RuntimeError(
            f"{op}: expected a {spatial + 1}-d {names} or {spatial + 2}-d {batched} input, got shape {shape}"
        )
    if 0 in shape[-spatial - 1 :]:
        raise RuntimeError(f"{op}: input of shape {shape} is empty in a dim that pooling needs")


def _window_geometry(
    input: Tensor,
    spatial: int,
    op: str,
    kernel_size: Size,
    stride: Size | None,
    padding: Size,
    dilation: Size,
    ceil_mode: bool,
) -> tuple[tuple[int, ...], ...]:
    """kernel, stride, padding, dilation and output size per spatial dim, checked as PyTorch does."""
    _check_input(input, spatial, op)
    kernel = _ints(kernel_size, spatial, "kernel_size", op)
    stride = (
        kernel if stride is None or stride == [] or stride == () else _ints(stride, spatial, "stride", op)
    )
    padding, dilation = _ints(padding, spatial, "padding", op), _ints(dilation, spatial, "dilation", op)
    for name, values, least in (
        ("kernel_size", kernel, 1),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("padding", padding, 0),
    ):
        if min(values) < least:
            raise RuntimeError(f"{op}: {name} must be at least {least}, got {values}")
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(
            f"{op}: padding should be at most half of kernel size, but got padding={padding} and "
            f"kernel_size={kernel}"
        )
    sizes = input.shape[-spatial:]
    out = tuple(
        pool.pool_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: input of shape {input.shape} gives output size {out} with kernel_size={kernel}, "
            f"stride={stride}, padding={padding}, dilation={dilation}: output size is too small"
        )
    return kernel, stride, padding, dilation, out


def _lift(values: tuple[int, ...], fill: int) -> tuple[int, int]:
    """A 1-d geometry as the 2-d one of planes of height 1."""
    return values if len(values) == 2 else (fill,) + values


def _max_pool(input, spatial, op, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geometry = _window_geometry(input, spatial, op, kernel_size, stride, padding, dilation, ceil_mode)
    kernel, stride, padding, dilation, out = (_lift(v, f) for v, f in zip(geometry, (1, 1, 0, 1, 1)))
    planes = input if spatial == 2 else input.unsqueeze(-2)
    with no_grad():
        index = pool.Indices.apply(planes, pool.window_argmax, kernel, stride, padding, dilation, out)._array
    repeats = pool.windows_overlap(kernel, stride, dilation)
    return _picked(planes, index, repeats, spatial, return_indices)


def _picked(planes, index, repeats, spatial, return_indices):
    """The elements of planes at index, shaped as the pooling result (with the indices)."""
    values = pool.PickPlanes.apply(planes, index=index, repeats=repeats)
    if spatial == 1:
        values, index = values.squeeze(-2), index[..., 0, :]
    return (values, Tensor._make(index, None, False)) if return_indices else values


def max_pool1d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window along the last axis: (N, C, L) -> (N, C, L_out).

    stride defaults to kernel_size; padding adds -inf at both ends (at most half the kernel);
    dilation spaces the window's elements; ceil_mode keeps a last, partial window.
    return_indices=True also returns the int64 position of each maximum in its row. The
    gradient goes to the first maximum of each window.
    """
    return _max_pool(
        input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window over the last two axes: (N, C, H, W) -> (N, C, H_out, W_out).

    Arguments as max_pool1d's, each an int or a pair (height, width); with return_indices=True
    the indices are flat positions `h * W + w` in each input plane, as PyTorch's.
    """
    return _max_pool(
        input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _avg_pool(
    input, spatial, op, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    kernel, stride, padding, _, _ = _window_geometry(
        input, spatial, op, kernel_size, stride, padding, 1, ceil_mode
    )
    sizes = input.shape[-spatial:]
    matrices = [
        pool.average_matrix(n, k, s, p, ceil_mode, count_include_pad)
        for n, k, s, p in zip(sizes, kernel, stride, padding)
    ]
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must not be zero")
        # Sums (undo the divisions by the window lengths), divided by the one divisor given.
        matrices = [(m > 0).astype(m.dtype) for m in matrices]
        matrices[-1] = matrices[-1] / divisor_override
    rows = matrices[0] if spatial == 2 else None
    return pool.AlongAxes.apply(input, rows=rows, cols=matrices[-1])


def avg_pool1d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window along the last axis: (N, C, L) -> (N, C, L_out).

    padding adds zeros at both ends (at most half the kernel); count_include_pad=False leaves
    them out of the divisor. Integer inputs give truncated integer means, as PyTorch's.
    """
    return _avg_pool(input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window over the last two axes: (N, C, H, W) -> (N, C, H_out, W_out).

    Arguments as avg_pool1d's, each an int or a pair; divisor_override divides every window's
    sum by that number instead of by the window's size.
    """
    return _avg_pool(
        input, 2, "avg_pool2d", kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive_size(input: Tensor, spatial: int, op: str, output_size) -> tuple[int, ...]:
    """output_size as ints per spatial dim, None entries keeping the input's size."""
    _check_input(input, spatial, op)
    sizes = input.shape[-spatial:]
    wanted = (
        (output_size,) * spatial
        if isinstance(output_size, int) or output_size is None
        else tuple(output_size)
    )
    if len(wanted) != spatial:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {spatial}, got {output_size}")
    out = tuple(n if o is None else o for n, o in zip(sizes, wanted))
    if min(out) < 0:
        raise RuntimeError(f"{op}: output_size {out} has a negative size (input shape {input.shape})")
    return out


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Means of output_size windows spread evenly over the last axis: (N, C, L) -> (N, C, output_size).
    Window i spans `[floor(i·L/out), ceil((i+1)·L/out))`."""
    (out,) = _adaptive_size(input, 1, "adaptive_avg_pool1d", output_size)
    return pool.AlongAxes.apply(input, rows=None, cols=pool.adaptive_average_matrix(input.shape[-1], out))


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Means of windows spread evenly over the last two axes: (N, C, H, W) -> (N, C, *output_size);
    an int means a square output, None keeps that dim's size."""
    out = _adaptive_size(input, 2, "adaptive_avg_pool2d", output_size)
    rows, cols = (pool.adaptive_average_matrix(n, o) for n, o in zip(input.shape[-2:], out))
    return pool.AlongAxes.apply(input, rows=rows, cols=cols)


def _adaptive_max_pool(input, spatial, op, output_size, return_indices):
    out = _lift(_adaptive_size(input, spatial, op, output_size), 1)
    planes = input if spatial == 2 else input.unsqueeze(-2)
    with no_grad():
        index = pool.Indices.apply(planes, pool.adaptive_argmax, out)._array
    return _picked(
        planes, index, pool.adaptive_windows_overlap(planes.shape[-2:], out), spatial, return_indices
    )


def adaptive_max_pool1d(
    input: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maxima of output_size windows spread evenly over the last axis (adaptive_avg_pool1d's
    windows), with their positions if return_indices=True."""
    return _adaptive_max_pool(input, 1, "adaptive_max_pool1d", output_size, return_indices)


def adaptive_max_pool2d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Maxima of windows spread evenly over the last two axes (adaptive_avg_pool2d's windows),
    with their flat positions `h * W + w` if return_indices=True."""
    return _adaptive_max_pool(input, 2, "adaptive_max_pool2d", output_size, return_indices)


# ---- interpolation ----------------------------------------------------------------------------

_SPATIAL = {"nearest": (1, 2), "nearest-exact": (1, 2), "area": (1, 2), "linear": (1,), "bilinear": (2,)}
_LINEAR = ("linear", "bilinear", "bicubic", "trilinear")


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims, to `size` or by `scale_factor`: (N, C, L) or (N, C, H, W).

    mode: 'nearest' (output o copies input floor(o·scale)), 'nearest-exact' (pixel centres),
    'linear' (3-d input) or 'bilinear' (4-d), and 'area' (adaptive_avg_pool). align_corners,
    for the linear modes only, maps the corner pixels onto each other. A scale_factor also sets
    the coordinates' scale, as in PyTorch, unless recompute_scale_factor=True. The result is a
    linear map of the input, differentiable any number of times. 5-d input, 'bicubic',
    'trilinear' and antialias are not provided.
    """
    spatial = input.ndim - 2
    if mode not in _SPATIAL:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not provided; use one of {sorted(_SPATIAL)}"
        )
    if spatial not in (1, 2):
        raise NotImplementedError(f"interpolate: takes 3-d or 4-d input, got shape {input.shape}")
    if spatial not in _SPATIAL[mode]:
        raise NotImplementedError(
            f"interpolate: got {input.ndim}-d input, but {mode} mode needs {_SPATIAL[mode][0] + 2}-d"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "interpolate: align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias is not provided")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"interpolate: takes floating-point input, got dtype {input.dtype}")
    sizes, scales = _output_sizes(input, spatial, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return adaptive_avg_pool1d(input, sizes) if spatial == 1 else adaptive_avg_pool2d(input, sizes)
    matrices = []
    for n, o, s in zip(input.shape[2:], sizes, scales):
        if mode in _LINEAR:
            matrices.append(linear_matrix(n, o, s, bool(align_corners), input.dtype))
        else:
            matrices.append(nearest_matrix(n, o, s, exact=mode == "nearest-exact"))
    return pool.AlongAxes.apply(input, rows=matrices[0] if spatial == 2 else None, cols=matrices[-1])


def _output_sizes(input, spatial, size, scale_factor, recompute_scale_factor):
    """The output's spatial sizes and the scale factors that set the coordinates (None: from the sizes)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(
            "interpolate: only one of size or scale_factor should be defined"
            if size is not None
            else "interpolate: either size or scale_factor should be defined"
        )
    given = size if size is not None else scale_factor
    values = tuple(given) if isinstance(given, Sequence) else (given,) * spatial
    if len(values) != spatial:
        what = "size" if size is not None else "scale_factor"
        raise ValueError(
            f"interpolate: input of shape {input.shape} has {spatial} spatial dims, but {what} is {given}"
        )
    if size is not None:
        sizes, scales = tuple(int(v) for v in values), (None,) * spatial
    else:
        sizes = tuple(math.floor(n * float(s)) for n, s in zip(input.shape[2:], values))
        scales = (None,) * spatial if recompute_scale_factor else tuple(float(s) for s in values)
    if min(sizes) < 1:
        raise RuntimeError(
            f"interpolate: input and output sizes should be greater than 0, but got input {input.shape[2:]} "
            f"and output {sizes}"
        )
    return sizes, scales
