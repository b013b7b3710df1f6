"""LRScheduler: the base of the learning-rate schedulers, which set each group's "lr" once per step().

As in PyTorch, a scheduler's step() usually moves each lr on from its current value (the
recursive form, `get_lr()`), so schedulers compose: two of them on one optimizer multiply their
factors (ChainedScheduler), and one picks up where another left off (SequentialLR). `step(epoch)`
jumps to an epoch by the closed form, `_lr_at(base_lr, epoch)`, where the schedule has one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_mini.optim.optimizer import Optimizer


class LRScheduler:
    """Base of the schedulers. Subclasses give `_lr_at(base_lr, epoch)`, the closed form, and, where
    PyTorch's schedule is recursive, `get_lr()` from the groups' current lrs.

    Creating one stores each group's lr as "initial_lr" (kept if already there, e.g. from an
    earlier scheduler) and applies epoch 0; each step() then moves to the next epoch.
    """

    _is_initial = False  # True during the step the constructor takes to epoch 0

    def __init__(self, optimizer: Optimizer) -> None:
        check_optimizer(optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._last_lr: list[float] = []
        self._initial_step()

    def _initial_step(self) -> None:
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} gives no formula for its learning rates")

    def _group_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The lr of each group at epoch `last_epoch` (called by step(), after it counts the epoch)."""
        return self._closed_form_lr()

    def _closed_form_lr(self) -> list[float]:
        return [self._lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to `epoch`) and set each group's lr.

        Call it after the epoch's optimizer.step().
        """
        self._check_groups()
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            self.last_epoch = epoch
            lrs = self._closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def _check_groups(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups, "
                f"but the scheduler was made for {len(self.base_lrs)}"
            )

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last set by this scheduler."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer: the epoch count, base lrs, last lrs and settings."""
        return {k: _copy(v) for k, v in vars(self).items() if k not in self._not_saved}

    _not_saved = frozenset({"optimizer"})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what state_dict() returned (the optimizer's lrs come from its own state dict)."""
        name = f"{type(self).__name__}.load_state_dict"
        expected = self.state_dict().keys()
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
        self.__dict__.update({k: _copy(v) for k, v in state_dict.items()})


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs an Optimizer, not {type(optimizer).__name__}")


def per_group(name: str, optimizer: Optimizer, value: Any) -> list:
    """value for each parameter group: a list or tuple of one per group, or one value for all."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"expected {groups} values for {name}, got {len(value)}")
        return list(value)
    return [value] * groups


def lambdas_per_group(optimizer: Optimizer, lr_lambda: Callable | list[Callable]) -> list[Callable]:
    """One lr_lambda per group (LambdaLR, MultiplicativeLR), with PyTorch's errors."""
    if not isinstance(lr_lambda, (list, tuple)):
        lr_lambda = [lr_lambda] * len(optimizer.param_groups)
    elif len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}")
    for fn in lr_lambda:
        if not callable(fn):
            raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
    return list(lr_lambda)


def set_momentum(group: dict[str, Any], momentum: float) -> None:
    """Set a group's momentum: "momentum" (SGD, RMSprop) or beta1 of "betas" (Adam and kin)."""
    if "betas" in group:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def check_cycles_momentum(optimizer: Optimizer, name: str) -> None:
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            f"{name}: optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        )
