"""Adam and AdamW: one update rule; AdamW decays the weights directly instead of via the gradient."""

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


class Adam(Optimizer):
    """PyTorch's Adam. Per step t, with g = grad (negated if maximize) [+ weight_decay * p]:

        m = beta1 * m + (1 - beta1) * g            v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v) if amsgrad, and v_max stands for v below
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    With decoupled_weight_decay (AdamW), the decay is p = p * (1 - lr * weight_decay), applied
    before the step, instead of being added to g.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "eps")
        check_betas(group)
        check_non_negative(group, "weight_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        step = state["step"] = state.get("step", 0) + 1
        m, v = state_buffer(state, "exp_avg", param), state_buffer(state, "exp_avg_sq", param)
        lr, (beta1, beta2) = group["lr"], group["betas"]
        weight_decay = decay_weights(param, group)
        g = effective_grad(param, grad, weight_decay, group["maximize"])

        scratch = np.multiply(g, 1 - beta1, out=np.empty_like(param))  # the one temporary, reused below
        m *= beta1
        m += scratch
        np.multiply(g, g, out=scratch)
        scratch *= 1 - beta2
        v *= beta2
        v += scratch
        if group["amsgrad"]:
            v_max = state_buffer(state, "max_exp_avg_sq", param)
            v = np.maximum(v_max, v, out=v_max)

        denom = np.sqrt(v, out=scratch)
        denom /= math.sqrt(1 - beta2**step)
        denom += group["eps"]
        update = np.divide(m, denom, out=denom)
        update *= lr / (1 - beta1**step)
        param -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): AdamW in PyTorch.

    Each step first decays p = p * (1 - lr * weight_decay), then takes the Adam step, so the
    decay is not rescaled by the adaptive denominator as it is in Adam's weight_decay.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
        *,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled_weight_decay=True,
        )
