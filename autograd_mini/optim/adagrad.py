"""Adagrad: divide each gradient by the root of the sum of all its squares so far."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini.optim.optimizer import Optimizer, check_non_negative, effective_grad
from autograd_mini.tensor import Tensor


class Adagrad(Optimizer):
    """PyTorch's Adagrad. Per step t, with g = grad (negated if maximize) + weight_decay * p:

        sum = sum + g**2              (sum starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        capturable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        step = state["step"] = state.get("step", 0) + 1
        g = effective_grad(param, grad, group["weight_decay"], group["maximize"])
        total = state.get("sum")
        if total is None:
            total = state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        scratch = np.multiply(g, g, out=np.empty_like(param))  # the one temporary, reused below
        total += scratch
        std = np.sqrt(total, out=scratch)
        std += group["eps"]
        update = np.divide(g, std, out=std)
        update *= group["lr"] / (1 + (step - 1) * group["lr_decay"])
        param -= update
