"""Adadelta: steps sized by running averages of squared gradients and of squared steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini.optim.optimizer import (
    Optimizer,
    check_non_negative,
    effective_grad,
    state_buffer,
)
from autograd_mini.tensor import Tensor


class Adadelta(Optimizer):
    """PyTorch's Adadelta. Per step, with g = grad (negated if maximize) + weight_decay * p:

        v = rho * v + (1 - rho) * g**2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        p = p - lr * delta
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']} (rho must be in [0, 1])")
        check_non_negative(group, "eps", "weight_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        state["step"] = state.get("step", 0) + 1
        rho, eps = group["rho"], group["eps"]
        g = effective_grad(param, grad, group["weight_decay"], group["maximize"])
        square_avg = state_buffer(state, "square_avg", param)
        acc_delta = state_buffer(state, "acc_delta", param)

        scratch = np.multiply(g, g, out=np.empty_like(param))
        scratch *= 1 - rho
        square_avg *= rho
        square_avg += scratch
        std = np.sqrt(np.add(square_avg, eps, out=scratch), out=scratch)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= g
        np.multiply(delta, delta, out=scratch)
        scratch *= 1 - rho
        acc_delta *= rho
        acc_delta += scratch
        delta *= group["lr"]
        param -= delta
