"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

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


class RMSprop(Optimizer):
    """PyTorch's RMSprop. Per step, with g = grad (negated if maximize) + weight_decay * p:

        v = alpha * v + (1 - alpha) * g**2
        centered:  g_avg = alpha * g_avg + (1 - alpha) * g;  avg = sqrt(v - g_avg**2) + eps
        otherwise: avg = sqrt(v) + eps   (eps is added after the square root)
        with momentum: b = momentum * b + g / avg;  p = p - lr * b
        otherwise:     p = p - lr * g / avg
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
        *,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        state["step"] = state.get("step", 0) + 1
        alpha, momentum, lr = group["alpha"], group["momentum"], group["lr"]
        g = effective_grad(param, grad, group["weight_decay"], group["maximize"])

        square_avg = state_buffer(state, "square_avg", param)
        scratch = np.multiply(g, g, out=np.empty_like(param))  # the one temporary, reused below
        scratch *= 1 - alpha
        square_avg *= alpha
        square_avg += scratch
        if group["centered"]:
            grad_avg = state_buffer(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += np.multiply(g, 1 - alpha, out=scratch)
            np.multiply(grad_avg, grad_avg, out=scratch)
            avg = np.sqrt(np.subtract(square_avg, scratch, out=scratch), out=scratch)
        else:
            avg = np.sqrt(square_avg, out=scratch)
        avg += group["eps"]

        step = np.divide(g, avg, out=avg)
        if momentum > 0:
            buf = state_buffer(state, "momentum_buffer", param)
            buf *= momentum
            buf += step
            step = np.multiply(buf, lr, out=step)
        else:
            step *= lr
        param -= step

