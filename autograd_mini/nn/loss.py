"""Loss modules: each calls its `functional` form with the options it was given when made (a
`reduction` among them, checked then), as loss(input, target). Class and element weights are
buffers, so they are in state_dict and follow `.to(dtype)`, as in PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_mini.nn import functional as F
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor


class _Loss(Module):
    function: Callable[..., Tensor]  # for a loss with no options but reduction
    extra_reductions: tuple[str, ...] = ()

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self.extra_reductions:
            extra = "".join(f"{r!r}, " for r in self.extra_reductions)
            F.check_reduction(reduction, type(self).__name__, extra)
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return self.function(input, target, reduction=self.reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """(input - target)², averaged ('mean'), summed ('sum') or per element ('none')."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """|input - target|, averaged, summed or per element."""

    function = staticmethod(F.l1_loss)


class SmoothL1Loss(_Loss):
    """Quadratic for |input - target| < beta, linear beyond it (see F.smooth_l1_loss)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic for |input - target| < delta, linear (slope delta) beyond it (see F.huber_loss)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities input from target (see F.kl_div); reduction may also be
    'batchmean', the sum over the batch size."""

    extra_reductions = ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1] (each log clamped at -100), each element's
    loss times weight (broadcast to the input's shape)."""

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross entropy of logits: sigmoid and BCE in one stable op; pos_weight (one per
    class, along the last dim) weighs the positive targets."""

    def __init__(
        self, weight: Tensor | None = None, *, reduction: str = "mean", pos_weight: Tensor | None = None
    ) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices, for log-probabilities (N, C, d1, ...) or (C,),
    with per-class weight (C,) and targets equal to ignore_index left out (see F.nll_loss)."""

    def __init__(
        self, weight: Tensor | None = None, *, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        weight, ignore_index = self.weight, self.ignore_index
        return F.nll_loss(input, target, weight, ignore_index=ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits (N, C, d1, ...) or (C,) against class indices or class
    probabilities, with per-class weight, ignore_index and label_smoothing (see F.cross_entropy)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
