"""Activation layers and shape helpers: each module is its `functional` form with settings.

`inplace=True`, where PyTorch takes it, is accepted so that model code runs unchanged; the
result is the same, computed out of place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_mini.nn import functional as F
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.ops import trigonometric, unary
from autograd_mini.tensor import Tensor, get_default_dtype


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return unary.Sigmoid.apply(input)  # F.sigmoid's op, called directly: one call less per layer


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:
        return trigonometric.Tanh.apply(input)  # F.tanh's op, called directly: one call less per layer


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        if self.inplace:
            return input.relu_()
        return unary.Relu.apply(input)  # F.relu's op, called directly: one call less per layer

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Softmax(Module):
    """exp(x) / sum(exp(x)) along dim (which must be given: there is no implicit choice)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along dim, computed directly so it stays finite."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)


class Identity(Module):
    """Returns its input; any arguments are ignored (a placeholder, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size: (N, 12) -> (N, 3, 4) with Unflatten(1, (3, 4))."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        if not -input.ndim <= self.dim < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for input of shape {input.shape}")
        dim = self.dim % input.ndim
        size = input.shape[dim]
        known = math.prod(n for n in self.unflattened_size if n != -1)
        if not (size % known == 0 if -1 in self.unflattened_size and known else known == size):
            raise RuntimeError(
                f"Unflatten: dim {self.dim} of input of shape {input.shape} has size {size}, which "
                f"unflattened_size {self.unflattened_size} does not multiply to"
            )
        return input.reshape(input.shape[:dim] + self.unflattened_size + input.shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class _Elementwise(Module):
    """An activation with no settings but `inplace`: forward is `function(input, inplace)`."""

    function: Callable[..., Tensor]

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(_Elementwise):
    """x·σ(x)."""

    function = staticmethod(F.silu)


class Mish(_Elementwise):
    """x·tanh(softplus(x))."""

    function = staticmethod(F.mish)


class SELU(_Elementwise):
    """scale·elu(x, alpha) with the self-normalising constants."""

    function = staticmethod(F.selu)


class ReLU6(_Elementwise):
    """min(max(x, 0), 6)."""

    function = staticmethod(F.relu6)


class Hardsigmoid(_Elementwise):
    """clamp(x/6 + 1/2, 0, 1)."""

    function = staticmethod(F.hardsigmoid)


class Hardswish(_Elementwise):
    """x·hardsigmoid(x)."""

    function = staticmethod(F.hardswish)


class GELU(Module):
    """x·Φ(x), or its tanh approximation with approximate='tanh'."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(Module):
    """x where x > 0, else alpha·(e^x - 1)."""

    function = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """x where x > 0, else alpha·(e^(x/alpha) - 1)."""

    function = staticmethod(F.celu)


class Softplus(Module):
    """log(1 + e^(beta·x))/beta, linear above the threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class LogSigmoid(Module):
    """log σ(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Hardtanh(Module):
    """x clamped into [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """x where x > 0, else a·x, with a learnable slope a: one, or one per channel (dim 1)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype or get_default_dtype()))

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """a·σ(b), a and b the two halves of input along dim."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Softmax):
    """softmax(-x) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)
