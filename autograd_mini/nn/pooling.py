"""Pooling layers: each module is its `functional` form (functional_pool.py) with settings, with
PyTorch's attribute names and reprs. They hold no parameters."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_mini.nn import functional_pool as F
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor

Size = int | Sequence[int]


class _MaxPoolNd(Module):
    function = None  # the functional form, F.max_pool1d or F.max_pool2d

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        dilation: Size = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return type(self).function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """The maximum of each window along the last axis: (N, C, L) -> (N, C, L_out); see
    `F.max_pool1d`. return_indices=True returns (values, indices)."""

    function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum of each window over the last two axes: (N, C, H, W) -> (N, C, H_out, W_out);
    see `F.max_pool2d`. return_indices=True returns (values, flat indices)."""

    function = staticmethod(F.max_pool2d)


class AvgPool1d(Module):
    """The mean of each window along the last axis: (N, C, L) -> (N, C, L_out); see `F.avg_pool1d`.
    Sizes are kept as 1-tuples, as PyTorch keeps them."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value: Size) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


class AvgPool2d(Module):
    """The mean of each window over the last two axes: (N, C, H, W) -> (N, C, H_out, W_out); see
    `F.avg_pool2d`."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePoolNd(Module):
    function = None  # the functional form

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Means of output_size windows spread evenly over the last axis; see `F.adaptive_avg_pool1d`."""

    function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Means of windows spread evenly over the last two axes, to (N, C, *output_size) (None keeps
    a dim's size); see `F.adaptive_avg_pool2d`."""

    function = staticmethod(F.adaptive_avg_pool2d)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size: int | Sequence[int | None], return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return type(self).function(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Maxima of output_size windows spread evenly over the last axis; see `F.adaptive_max_pool1d`."""

    function = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Maxima of windows spread evenly over the last two axes; see `F.adaptive_max_pool2d`."""

    function = staticmethod(F.adaptive_max_pool2d)
