"""ReduceLROnPlateau: cut the lr by `factor` once a metric has stopped improving for `patience` epochs."""

from __future__ import annotations

import math
from typing import Any, SupportsFloat

from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.scheduler import LRScheduler, check_optimizer, per_group


class ReduceLROnPlateau(LRScheduler):
    """PyTorch's ReduceLROnPlateau, stepped with the epoch's metric: `scheduler.step(val_loss)`.

    A metric is an improvement when it beats the best so far by the threshold: by a fraction of
    it (threshold_mode "rel") or by an amount ("abs"), downwards in mode "min", upwards in "max".
    After more than `patience` epochs without one, each lr becomes max(lr * factor, min_lr) (a
    change smaller than eps is skipped), and the next `cooldown` epochs count no bad epochs.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0, got {factor}")
        check_optimizer(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! (use 'rel' or 'abs')")
        self.optimizer = optimizer
        self.factor, self.patience, self.cooldown, self.eps = factor, patience, cooldown, eps
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = per_group("min_lr", optimizer, min_lr)
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Count an epoch with this value of the metric, and cut the lrs if it is time to."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown are not counted
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups, but "
                    f"min_lr gave {len(self.min_lrs)} values; set min_lrs to one per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def _is_better(self, a: float, best: float) -> bool:
        relative = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if relative else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if relative else a > best + self.threshold

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if state_dict.keys() != self.state_dict().keys():
            expected = self.state_dict().keys()
            raise ValueError(
                f"ReduceLROnPlateau.load_state_dict: missing keys {sorted(expected - state_dict.keys())}, "
                f"unexpected keys {sorted(state_dict.keys() - expected)}"
            )
        self.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()})
