"""RAdam: Adam whose adaptive step is switched on, and rectified, once its variance is tractable."""

from __future__ import annotations

import math
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


class RAdam(Optimizer):
    """PyTorch's RAdam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p]:

        m = beta1 * m + (1 - beta1) * g        v = beta2 * v + (1 - beta2) * g**2
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p = p - lr * m / (1 - beta1**t) * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        otherwise:  p = p - lr * m / (1 - beta1**t)     (plain momentum while v is unreliable)

    With decoupled_weight_decay, p = p * (1 - lr * weight_decay) first, instead of adding to g.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "eps")
        check_betas(group)
        check_non_negative(group, "weight_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        step = state["step"] = state.get("step", 0) + 1
        lr, beta1, beta2 = group["lr"], *group["betas"]
        weight_decay = decay_weights(param, group)
        g = effective_grad(param, grad, weight_decay, group["maximize"])
        m, v = state_buffer(state, "exp_avg", param), state_buffer(state, "exp_avg_sq", param)

        m += (g - m) * (1 - beta1)  # lerp, as PyTorch
        v *= beta2
        v += g * g * (1 - beta2)
        bias_correction1, bias_correction2 = 1 - beta1**step, 1 - beta2**step
        step_dir = m / bias_correction1 * lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step_dir *= bias_correction2**0.5 / (np.sqrt(v) + group["eps"])
            step_dir *= rect
        param -= step_dir
