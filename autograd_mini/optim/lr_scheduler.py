"""Learning-rate schedulers: set each group's "lr" from the epoch count, once per step().

Each scheduler is a closed form lr(initial_lr, epoch), so its value never drifts from the formula
by accumulated rounding, and its whole state is the epoch count (plus its settings).
"""

from __future__ import annotations

import math
from typing import Any

from autograd_mini.optim.optimizer import Optimizer


class LRScheduler:
    """Base of the schedulers: subclasses give the closed form in `_lr_at(base_lr, epoch)`.

    Creating one stores each group's lr as "initial_lr" (kept if already there, e.g. from an
    earlier scheduler) and applies epoch 0; each step() then moves to the next epoch.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler needs an Optimizer, not {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._last_lr: list[float] = []
        self.step()

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The lr of each group at epoch `last_epoch`."""
        return [self._lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and set each group's lr (call after the epoch's optimizer.step())."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups, "
                f"but the scheduler was made for {len(self.base_lrs)}"
            )
        self.last_epoch += 1
        self._last_lr = self.get_lr()
        for group, lr in zip(groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last set by this scheduler."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer: the epoch count, base lrs, last lrs and settings."""
        return {k: list(v) if isinstance(v, list) else v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what state_dict() returned (the optimizer's lrs come from its own state dict)."""
        name = f"{type(self).__name__}.load_state_dict"
        expected = vars(self).keys() - {"optimizer"}
        if state_dict.keys() != expected:
            raise ValueError(
                f"{name}: missing keys {sorted(expected - state_dict.keys())}, "
                f"unexpected keys {sorted(state_dict.keys() - expected)}"
            )
        if len(state_dict["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(state_dict['base_lrs'])} base lrs, "
                f"the optimizer has {len(self.optimizer.param_groups)} parameter groups"
            )
        self.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()})


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch: decay by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(optimizer)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    From initial_lr at epoch 0 down to eta_min at T_max, then back up (the cosine's period is
    2 * T_max). PyTorch updates the lr by a recursive formula, which equals this closed form as
    long as nothing else changes the lr; the closed form is used here so no rounding accumulates.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
