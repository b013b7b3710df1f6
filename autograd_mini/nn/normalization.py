"""Group normalisation: GroupNorm normalises each group of channels of each sample by its own
mean and variance, whatever the batch size."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn import functional_norm as F
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.tensor import Tensor, get_default_dtype


class GroupNorm(Module):
    """Group norm over input (N, num_channels, *): see `F.group_norm`.

    num_channels must be divisible by num_groups. With affine, a weight (ones) and bias
    (zeros) of shape (num_channels,) scale and shift each channel; bias=False keeps the weight.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(np.empty(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to ones, bias to zeros."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
