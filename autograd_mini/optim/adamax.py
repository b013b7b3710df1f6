"""Adamax: Adam with the infinity norm, a running maximum of |g| in place of the root mean square."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini.optim.optimizer import (
    Optimizer,
    check_betas,
    check_non_negative,
    effective_grad,
    state_buffer,
)
from autograd_mini.tensor import Tensor


class Adamax(Optimizer):
    """PyTorch's Adamax. Per step t, with g = grad (negated if maximize) + weight_decay * p:

        m = beta1 * m + (1 - beta1) * g        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "eps")
        check_betas(group)
        check_non_negative(group, "weight_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        step = state["step"] = state.get("step", 0) + 1
        beta1, beta2 = group["betas"]
        g = effective_grad(param, grad, group["weight_decay"], group["maximize"])
        m, u = state_buffer(state, "exp_avg", param), state_buffer(state, "exp_inf", param)

        m += np.subtract(g, m, out=np.empty_like(param)) * (1 - beta1)  # lerp, as PyTorch
        u *= beta2
        np.maximum(u, np.abs(g) + group["eps"], out=u)
        update = np.divide(m, u)
        update *= group["lr"] / (1 - beta1**step)
        param -= update
