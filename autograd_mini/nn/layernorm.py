"""Layer norm and RMS norm over the trailing dims, with a learned scale (and shift), as
`torch.nn.LayerNorm` and `torch.nn.RMSNorm`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn.functional_layernorm import as_shape, layer_norm, rms_norm
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.tensor import Tensor, get_default_dtype


class _TrailingNorm(Module):
    """What both norms share: normalized_shape, eps, and a weight of ones when
    elementwise_affine, in the default float dtype unless dtype is given."""

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float | None, elementwise_affine: bool,
        device: Any, dtype: Any,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.normalized_shape = as_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._affine("weight", elementwise_affine, np.ones, dtype)

    def _affine(self, name: str, wanted: bool, fill: Any, dtype: Any) -> None:
        """Register parameter name, filled by fill (np.ones, np.zeros), or None if not wanted."""
        dtype = get_default_dtype() if dtype is None else dtype
        value = Parameter(fill(self.normalized_shape, dtype=dtype)) if wanted else None
        self.register_parameter(name, value)

    def reset_parameters(self) -> None:
        """Weight back to ones (and LayerNorm's bias to zeros)."""
        if self.weight is not None:
            self.weight._array[...] = 1

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LayerNorm(_TrailingNorm):
    """y = (x - mean) / sqrt(var + eps) · weight + bias, mean and var over the trailing dims
    normalized_shape: x (*, *normalized_shape) -> y of the same shape.

    weight (ones) and bias (zeros) have shape normalized_shape; elementwise_affine=False leaves
    both out, bias=False only the bias.
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
        bias: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(normalized_shape, eps, elementwise_affine, device, dtype)
        self._affine("bias", elementwise_affine and bias, np.zeros, dtype)

    def reset_parameters(self) -> None:
        """Weight back to ones, bias to zeros."""
        super().reset_parameters()
        if self.bias is not None:
            self.bias._array[...] = 0

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, bias={self.bias is not None}"


class RMSNorm(_TrailingNorm):
    """y = x / sqrt(mean(x²) + eps) · weight, the mean over the trailing dims normalized_shape.

    eps=None takes the machine epsilon of the input's dtype, as PyTorch. weight (ones) has
    shape normalized_shape; elementwise_affine=False leaves it out. There is no bias.
    """

    def __init__(
        self, normalized_shape: int | Sequence[int], eps: float | None = None,
        elementwise_affine: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(normalized_shape, eps, elementwise_affine, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)
