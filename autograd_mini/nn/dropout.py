"""Dropout: zero random elements, or whole channels, while training, as a regulariser."""

from __future__ import annotations

from autograd_mini.nn import functional as F
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor


class Dropout(Module):
    """In training mode, zero each element with probability p and scale the rest by 1 / (1 - p);
    in eval mode, return the input unchanged. Masks come from the seeded generator.

    `inplace=True` changes the input itself, as in PyTorch.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        F.check_dropout_probability(p)
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """In training mode, zero each channel of (N, C, L) or (C, L) input with probability p and
    scale the rest by 1 / (1 - p); see `F.dropout1d`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """In training mode, zero each channel of (N, C, H, W) input with probability p and scale the
    rest by 1 / (1 - p); see `F.dropout2d`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """In training mode, zero each channel of (N, C, D, H, W) or (C, D, H, W) input with
    probability p and scale the rest by 1 / (1 - p); see `F.dropout3d`."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
