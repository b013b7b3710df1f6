"""SGD: stochastic gradient descent, with momentum (heavy-ball or Nesterov) and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini.optim.optimizer import Optimizer, check_non_negative, effective_grad
from autograd_mini.tensor import Tensor


class SGD(Optimizer):
    """PyTorch's SGD. Per step, with g = grad (negated if maximize) + weight_decay * p:

        with momentum:  b = g on the first step, then b = momentum * b + (1 - dampening) * g;
                        g = g + momentum * b (nesterov) or g = b
        p = p - lr * g
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
        *,
        foreach: bool | None = None,
        fused: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        check_non_negative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={group['momentum']}, dampening={group['dampening']})"
            )

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        momentum = group["momentum"]
        g = effective_grad(param, grad, group["weight_decay"], group["maximize"])
        buf = None
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                # The first step starts the buffer at g itself: no dampening yet.
                buf = state["momentum_buffer"] = g.astype(param.dtype, copy=True)
            else:
                buf *= momentum
                dampening = group["dampening"]
                buf += np.multiply(g, 1 - dampening) if dampening else g
            if group["nesterov"]:
                lookahead = np.multiply(buf, momentum, out=np.empty_like(param))
                lookahead += g
                g = lookahead
            else:
                g = buf
        # p -= lr * g, scaling g in place when it is a temporary of ours (not grad, not the buffer).
        param -= np.multiply(g, group["lr"], out=None if g is grad or g is buf else g)
