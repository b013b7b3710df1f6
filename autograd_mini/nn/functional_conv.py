"""Convolutions, padding and im2col as functions, with PyTorch's names and arguments:
`F.conv2d`, `F.conv1d`, `F.conv_transpose2d`, `F.conv_transpose1d`, `F.pad`, `F.unfold`, `F.fold`.

Each checks its arguments here, once, and raises PyTorch's exception type with a message that
names the op (or the layer, for the modules in nn/conv.py) and the shapes at fault; the math is
in autograd_mini/ops/conv.py. A 1-D convolution runs as a 2-D one on an image of height 1, and
an unbatched input (no N dim) as a batch of one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.ops.conv import ConstantPad, Conv2d, ConvTranspose2d, Fold, Geometry, Unfold
from autograd_mini.tensor import Tensor


def pair(value: Any, dims: int, what: str, name: Any) -> tuple[int, ...]:
    """An int or a sequence of `dims` ints as a tuple of `dims` ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * dims
    values = tuple(value)
    if len(values) == 1:
        values *= dims
    if len(values) != dims or not all(isinstance(v, (int, np.integer)) for v in values):
        raise RuntimeError(f"{name}: expected {what} to be a single int or {dims} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _shape(x: Any) -> list[int]:
    return list(x.shape)


def _check_positive(name: Any, stride: tuple, dilation: tuple, padding: tuple) -> None:
    if min(stride) <= 0:
        raise RuntimeError(f"{name}: non-positive stride is not supported (stride={stride})")
    if min(dilation) <= 0:
        raise RuntimeError(f"{name}: dilation should be greater than zero (dilation={dilation})")
    if min(padding) < 0:
        raise RuntimeError(f"{name}: negative padding is not supported (padding={padding})")


def _batched(input: Tensor, dims: int, name: Any) -> bool:
    """Whether input has its batch dim; an error unless it is (N,) C, *spatial."""
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{name}: expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input, but got input "
            f"of size: {_shape(input)}"
        )
    return input.ndim == dims + 2


def _check_operands(name: Any, input: Tensor, weight: Tensor, bias: Tensor | None, dims: int) -> None:
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{name}: expected a {dims + 2}D weight (out_channels, in_channels/groups, *kernel), but got "
            f"weight of size {_shape(weight)}"
        )
    for what, other in (("weight", weight), ("bias", bias)):
        if other is not None and other.dtype != input.dtype:
            raise RuntimeError(
                f"{name}: input type ({input.dtype}) and {what} type ({other.dtype}) should be the same"
            )


def _check_bias(name: Any, weight: Tensor, bias: Tensor | None, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise RuntimeError(
            f"{name}: given weight of size {_shape(weight)}, expected bias to be 1-dimensional with "
            f"{channels} elements, but got bias of size {_shape(bias)} instead"
        )


def _check_groups(name: Any, weight: Tensor, groups: int) -> None:
    if groups <= 0:
        raise RuntimeError(f"{name}: non-positive groups is not supported (groups={groups})")
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"{name}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {_shape(weight)} instead"
        )


def _same_padding(kernel: tuple, dilation: tuple) -> tuple[int, ...]:
    """PyTorch's 'same': d·(k - 1) in all, the odd one after (bottom, right)."""
    per_dim = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    return tuple(p for before_after in per_dim for p in before_after)


def padding_sides(name: Any, padding: Any, kernel: tuple, stride: tuple, dilation: tuple) -> tuple[int, ...]:
    """(before, after) per spatial dim, from an int, a tuple, 'same' or 'valid'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * len(kernel))
        if padding != "same":
            raise RuntimeError(f"{name}: invalid padding string {padding!r}; expected 'same' or 'valid'")
        if max(stride) > 1:
            raise RuntimeError(f"{name}: padding='same' is not supported for strided convolutions")
        return _same_padding(kernel, dilation)
    per_dim = pair(padding, len(kernel), "padding", name)
    return tuple(p for p in per_dim for _ in range(2))


def _geometry(
    size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, groups: int
) -> Geometry:
    """The 2-D geometry of a 1-D or 2-D convolution (a 1-D one runs on an image of height 1)."""
    if len(kernel) == 1:
        return Geometry((1, *size), (1, *kernel), (1, *stride), (0, 0, *padding), (1, *dilation), groups)
    return Geometry(size, kernel, stride, padding, dilation, groups)


def convolution(name, input, weight, bias, stride, padding, dilation, groups, dims) -> Tensor:
    """conv1d and conv2d: check, bring to (N, C, H, W), run the op, bring back."""
    batched = _batched(input, dims, name)
    _check_operands(name, input, weight, bias, dims)
    _check_groups(name, weight, groups)
    kernel = tuple(weight.shape[2:])
    stride, dilation = pair(stride, dims, "stride", name), pair(dilation, dims, "dilation", name)
    padding = padding_sides(name, padding, kernel, stride, dilation)
    _check_positive(name, stride, dilation, padding)
    shape = input.shape if batched else (1,) + input.shape
    if shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"{name}: given groups={groups}, weight of size {_shape(weight)}, expected input{list(shape)} to "
            f"have {weight.shape[1] * groups} channels, but got {shape[1]} channels instead"
        )
    _check_bias(name, weight, bias, weight.shape[0])
    spatial = shape[2:]
    padded = tuple(n + padding[2 * i] + padding[2 * i + 1] for i, n in enumerate(spatial))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < s for p, s in zip(padded, spans)):
        raise RuntimeError(
            f"{name}: calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
            f"size: ({' x '.join(map(str, spans))}). Kernel size can't be greater than actual input size "
            f"(input {list(shape)}, weight {_shape(weight)})"
        )
    geometry = _geometry(spatial, kernel, stride, padding, dilation, groups)
    return _run_2d(Conv2d, input, weight, bias, geometry, batched, dims)


def _run_2d(op, input, weight, bias, geometry: Geometry, batched: bool, dims: int) -> Tensor:
    """op on input and weight reshaped to (N, C, H, W) and (O, C/g, kH, kW), its result reshaped back."""
    n = input.shape[0] if batched else 1
    if dims == 1:
        weight = weight.reshape(weight.shape[:2] + (1,) + weight.shape[2:])
    if dims == 1 or not batched:
        input = input.reshape((n, input.shape[-dims - 1]) + (1,) * (2 - dims) + input.shape[-dims:])
    out = op.apply(input, weight, bias, geometry=geometry)
    if dims == 1 or not batched:
        out = out.reshape(((n,) if batched else ()) + out.shape[1:2] + out.shape[4 - dims :])
    return out


def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    dilation: Any = 1, groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch): input (N, C, H, W) or (C, H, W), weight
    (O, C/groups, kH, kW), bias (O,) -> (N, O, Ho, Wo) with Ho = (H + 2·padding - dilation·(kH - 1)
    - 1) // stride + 1. padding is an int, a pair, 'valid' (none) or 'same' (output size = input size)."""
    return convolution("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    dilation: Any = 1, groups: int = 1,
) -> Tensor:
    """1-D convolution: input (N, C, L) or (C, L), weight (O, C/groups, k), bias (O,) -> (N, O, Lo)."""
    return convolution("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def convolution_transpose(
    name, input, weight, bias, stride, padding, output_padding, groups, dilation, dims
) -> Tensor:
    """conv_transpose1d and conv_transpose2d: the adjoint of the convolution with this geometry."""
    batched = _batched(input, dims, name)
    _check_operands(name, input, weight, bias, dims)
    _check_groups(name, weight, groups)
    kernel = tuple(weight.shape[2:])
    stride, dilation = pair(stride, dims, "stride", name), pair(dilation, dims, "dilation", name)
    per_dim = pair(padding, dims, "padding", name)
    extra = pair(output_padding, dims, "output_padding", name)
    _check_positive(name, stride, dilation, per_dim + extra)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(
            f"{name}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={extra}, stride={stride}, dilation={dilation}"
        )
    shape = input.shape if batched else (1,) + input.shape
    if shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"{name}: given transposed=1, weight of size {_shape(weight)}, expected input{list(shape)} to "
            f"have {weight.shape[0]} channels, but got {shape[1]} channels instead"
        )
    _check_bias(name, weight, bias, weight.shape[1] * groups)
    size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip(shape[2:], stride, per_dim, dilation, kernel, extra)
    )
    if min(size) <= 0:
        raise RuntimeError(
            f"{name}: given input size per channel {list(shape[2:])}, the calculated output size "
            f"{list(size)} is too small"
        )
    # The convolution run backwards: padding on both sides, and output_padding more at the end,
    # rows its kernel never reaches (their gradient, and so this op's output, is 0 + bias).
    padding = tuple(q for p, e in zip(per_dim, extra) for q in (p, p - e))
    geometry = _geometry(size, kernel, stride, padding, dilation, groups)
    return _run_2d(ConvTranspose2d, input, weight, bias, geometry, batched, dims)


def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:
    """The transposed 2-D convolution (the gradient of conv2d in its input): input (N, C_in, H, W)
    or (C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out,) -> (N, C_out, Ho, Wo) with
    Ho = (H - 1)·stride - 2·padding + dilation·(kH - 1) + output_padding + 1."""
    return convolution_transpose(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation, 2
    )


def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:
    """The transposed 1-D convolution: input (N, C_in, L) or (C_in, L), weight (C_in, C_out/groups, k)."""
    return convolution_transpose(
        "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups, dilation, 1
    )


# ---- padding ------------------------------------------------------------------------------------


def _pad_indices(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Which input position each padded position copies along a dim of size n."""
    positions = np.arange(-before, n + after)
    if mode == "reflect":
        return np.abs((n - 1) - np.abs(positions - (n - 1)))  # mirror at 0 and at n - 1
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    return positions % n  # circular


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """input padded at the ends of its last len(pad) // 2 dims, the last dim first, as in PyTorch:
    pad=(left, right, top, bottom) pads width by left and right, height by top and bottom.

    mode 'constant' fills with value (0 by default; negative amounts crop), 'reflect' mirrors
    the input without repeating its edge, 'replicate' repeats the edge, 'circular' wraps around.
    """
    amounts = [int(p) for p in pad]
    if len(amounts) % 2 or len(amounts) // 2 > input.ndim:
        raise RuntimeError(
            f"pad: the padding must have an even length of at most 2·ndim = {2 * input.ndim}, got "
            f"{tuple(pad)} for input of size {_shape(input)}"
        )
    # PyTorch's order is the last dim first; pairs here run from the first padded dim to the last
    pairs = tuple((amounts[i], amounts[i + 1]) for i in range(len(amounts) - 2, -1, -2))
    sizes = input.shape[input.ndim - len(pairs) :]
    if mode == "constant":
        if any(n + a + b < 0 for n, (a, b) in zip(sizes, pairs)):
            raise RuntimeError(f"pad: padding {tuple(pad)} leaves a negative size of input {_shape(input)}")
        return ConstantPad.apply(input, pairs=pairs, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(
            f"pad: unknown mode {mode!r}; expected constant, reflect, replicate or circular"
        )
    if value:
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if len(pairs) > 3 or input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(
            f"pad: {mode} padding of {len(pairs)} dims takes a {len(pairs) + 1}D or {len(pairs) + 2}D input, "
            f"got input of size {_shape(input)}"
        )
    for n, (a, b) in zip(sizes, pairs):
        largest = n - 1 if mode == "reflect" else n
        if min(a, b) < 0 or max(a, b) > largest:
            raise RuntimeError(
                f"pad: {mode} padding {tuple(pad)} must lie in [0, {largest}] for a dim of size {n} "
                f"(input of size {_shape(input)})"
            )
    indices = np.ix_(*[_pad_indices(n, a, b, mode) for n, (a, b) in zip(sizes, pairs)])
    return input[(Ellipsis,) + indices]


# ---- im2col ---------------------------------------------------------------------------------------


def _block_geometry(name, size, kernel_size, dilation, padding, stride) -> Geometry:
    kernel = pair(kernel_size, 2, "kernel_size", name)
    dilation, padding = pair(dilation, 2, "dilation", name), pair(padding, 2, "padding", name)
    stride = pair(stride, 2, "stride", name)
    _check_positive(name, stride, dilation, padding)
    if min(kernel) <= 0:
        raise RuntimeError(f"{name}: kernel size should be greater than zero, got kernel_size={kernel}")
    sides = (padding[0], padding[0], padding[1], padding[1])
    geometry = Geometry(tuple(size), kernel, stride, sides, dilation)
    if min(geometry.out_size) <= 0:
        raise RuntimeError(
            f"{name}: given input of spatial size {tuple(size)}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, the calculated shape of the array of sliding blocks "
            f"{geometry.out_size} is too small"
        )
    return geometry


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding blocks (im2col): input (N, C, H, W) or (C, H, W) -> (N, C·kH·kW, L), one column per
    position of the kernel, L = Ho·Wo positions."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"unfold: only 3D or 4D input tensors are supported, got input of size {_shape(input)}"
        )
    batched = input.ndim == 4
    x = input if batched else input.reshape((1,) + input.shape)
    geometry = _block_geometry("unfold", x.shape[2:], kernel_size, dilation, padding, stride)
    out = Unfold.apply(x, geometry=geometry)
    return out if batched else out.reshape(out.shape[1:])


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """The adjoint of unfold (col2im): columns (N, C·kH·kW, L) or (C·kH·kW, L) summed into
    (N, C, *output_size), where blocks overlap."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected 2D or 3D (batched) input, but got input of size {_shape(input)}")
    batched = input.ndim == 3
    cols = input if batched else input.reshape((1,) + input.shape)
    size = pair(output_size, 2, "output_size", "fold")
    geometry = _block_geometry("fold", size, kernel_size, dilation, padding, stride)
    kh, kw = geometry.kernel
    if cols.shape[1] % (kh * kw):
        raise RuntimeError(
            f"fold: expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
            f"got input.size(1)={cols.shape[1]} and kernel_size={geometry.kernel}"
        )
    blocks = geometry.out_size
    if cols.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"fold: given output_size={size}, kernel_size={geometry.kernel}, dilation={geometry.dilation}, "
            f"stride={geometry.stride}, expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)="
            f"{cols.shape[2]}"
        )
    out = Fold.apply(cols, geometry=geometry)
    return out if batched else out.reshape(out.shape[1:])
