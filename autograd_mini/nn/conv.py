"""Convolution layers with PyTorch's arguments, parameter names, shapes and initialisation:
Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d; and Unfold and Fold (im2col, col2im).

A convolution's weight has the shape (out_channels, in_channels/groups, *kernel_size), a
transposed one's (in_channels, out_channels/groups, *kernel_size); bias has one value per output
channel. Both are drawn as PyTorch draws them: kaiming_uniform_ with a=sqrt(5) for the weight,
U(±1/sqrt(fan_in)) for the bias.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn import functional_conv as F
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.tensor import Tensor, get_default_dtype

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: checked arguments, parameters, reset and repr."""

    transposed = False
    dims = 2

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
        dilation: Any, output_padding: Any, groups: int, bias: bool, padding_mode: str, device: Any,
        dtype: Any,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding mode is supported, got {padding_mode!r}')
        tuples = [F.pair(v, self.dims, what, name) for v, what in (
            (kernel_size, "kernel_size"), (stride, "stride"), (dilation, "dilation"),
            (output_padding, "output_padding"),
        )]
        self.kernel_size, self.stride, self.dilation, self.output_padding = tuples
        if isinstance(padding, str):
            if self.transposed or padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}; expected 'same' or 'valid'")
            if padding == "same" and max(self.stride) > 1:
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            sides = F.padding_sides(name, padding, self.kernel_size, self.stride, self.dilation)
        else:
            padding = F.pair(padding, self.dims, "padding", name)
            sides = tuple(p for p in padding for _ in range(2))
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding, self.padding_mode = padding, padding_mode
        # F.pad's order, the last dim first, for the padding modes other than zeros
        self._reversed_padding_repeated_twice = tuple(
            sides[i + j] for i in range(len(sides) - 2, -1, -2) for j in (0, 1)
        )
        dtype = get_default_dtype() if dtype is None else dtype
        out_in = (out_channels, in_channels // groups)
        shape = (in_channels, out_channels // groups) if self.transposed else out_in
        self.weight = Parameter(np.empty(shape + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: kaiming_uniform_ with a=sqrt(5), and the bias from U(±1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
        device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
            padding_mode, device, dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        padding = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return F.convolution(
            self, input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups, self.dims
        )


class Conv1d(_Conv):
    """1-D convolution: (N, in_channels, L) or (in_channels, L) -> (N, out_channels, Lo)."""

    dims = 1


class Conv2d(_Conv):
    """2-D convolution: (N, in_channels, H, W) or (in_channels, H, W) -> (N, out_channels, Ho, Wo),
    Ho = (H + 2·padding - dilation·(kernel_size - 1) - 1) // stride + 1.

    padding is an int, a pair, 'valid' or 'same'; padding_mode 'zeros', 'reflect', 'replicate'
    or 'circular' says what the padding holds.
    """


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
        output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
        padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups, bias,
            padding_mode, device, dtype,
        )

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        """output_size (the spatial sizes, or with N and C before them) picks output_padding."""
        extra = self.output_padding if output_size is None else self._output_padding(input, output_size)
        return F.convolution_transpose(
            self, input, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
            self.dilation, self.dims,
        )

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        wanted = tuple(output_size)[-self.dims :]
        sizes = input.shape[-self.dims :]
        extra = []
        settings = zip(sizes, wanted, self.stride, self.padding, self.dilation, self.kernel_size)
        for n, want, s, p, d, k in settings:
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want < smallest + s:
                raise ValueError(
                    f"{self}: requested an output size of {list(wanted)}, but valid sizes along this dim "
                    f"range from {smallest} to {smallest + s - 1} (for an input of {list(sizes)})"
                )
            extra.append(want - smallest)
        return tuple(extra)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution: (N, in_channels, L) -> (N, out_channels, Lo)."""

    dims = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution (the gradient of Conv2d in its input, as a layer):
    (N, in_channels, H, W) -> (N, out_channels, Ho, Wo), Ho = (H - 1)·stride - 2·padding +
    dilation·(kernel_size - 1) + output_padding + 1."""


class Unfold(Module):
    """Sliding blocks of an image as columns, F.unfold: (N, C, H, W) -> (N, C·kH·kW, L)."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Columns summed back into an image, F.fold: (N, C·kH·kW, L) -> (N, C, *output_size)."""

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
