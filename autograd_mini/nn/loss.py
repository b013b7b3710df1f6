"""Loss modules: each is its `functional` form with a fixed `reduction`, called as loss(input, target)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_mini.nn import functional as F
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor


class _Loss(Module):
    function: Callable[..., Tensor]

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F.check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return self.function(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """(input - target)², averaged ('mean'), summed ('sum') or per element ('none')."""

    function = staticmethod(F.mse_loss)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities in [0, 1] (each log clamped at -100)."""

    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits: sigmoid and BCE in one stable op."""

    function = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """Cross entropy of logits (N, C) against integer class indices (N,)."""

    function = staticmethod(F.cross_entropy)
