"""NAdam: Adam with Nesterov momentum, its momentum warmed up by a decaying schedule mu_t."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini.optim.optimizer import (
    Optimizer,
    check_betas,
    check_non_negative,
    decay_weights,
    effective_grad,
    state_buffer,
)
from autograd_mini.tensor import Tensor


class NAdam(Optimizer):
    """PyTorch's NAdam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p]:

        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  prod_t = mu_1 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g        v = beta2 * v + (1 - beta2) * g**2
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod_t) * g / denom
              - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / denom

    With decoupled_weight_decay, p = p * (1 - lr * weight_decay) first, instead of adding to g.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "eps")
        check_betas(group)
        check_non_negative(group, "weight_decay", "momentum_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        step = state["step"] = state.get("step", 0) + 1
        lr, beta1, beta2 = group["lr"], *group["betas"]
        weight_decay = decay_weights(param, group)
        g = effective_grad(param, grad, weight_decay, group["maximize"])
        m, v = state_buffer(state, "exp_avg", param), state_buffer(state, "exp_avg_sq", param)

        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        mu_product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        m += (g - m) * (1 - beta1)  # lerp, as PyTorch
        v *= beta2
        v += g * g * (1 - beta2)
        denom = np.sqrt(v / (1 - beta2**step))
        denom += group["eps"]
        param += g / denom * (-lr * (1.0 - mu) / (1.0 - mu_product))
        param += m / denom * (-lr * mu_next / (1.0 - mu_product * mu_next))

