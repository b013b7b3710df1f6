"""The fully connected layer: y = x @ W.T + b."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.ops.linalg import Linear as LinearOp
from autograd_mini.tensor import Tensor, get_default_dtype


class Linear(Module):
    """y = x @ weight.T + bias: x (..., in_features) -> y (..., out_features).

    weight has shape (out_features, in_features) and bias (out_features,), both drawn from
    U(-1/sqrt(in_features), 1/sqrt(in_features)) as in PyTorch, from the seeded generator, in
    the default float dtype unless dtype is given. device takes only the CPU (see autograd_mini.device).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        check_device(device, "Linear")
        self.in_features, self.out_features = in_features, out_features
        dtype = get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: kaiming_uniform_ with a=sqrt(5), i.e. U(±1/sqrt(in)), as PyTorch does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        if not shape or shape[-1] != self.in_features:
            found = f"{shape[-1]} features" if shape else "no feature dim"
            raise ValueError(
                f"{type(self).__name__}(in_features={self.in_features}, out_features={self.out_features}): "
                f"input has {found} (shape {shape}), expected {self.in_features}"
            )
        return LinearOp.apply(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"
