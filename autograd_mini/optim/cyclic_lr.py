"""The cyclic schedules: CyclicLR, OneCycleLR and CosineAnnealingWarmRestarts.

Each is a closed form of the step count that may also cycle the optimizer's momentum (its
"momentum", or beta1 of "betas") opposite to the lr: high momentum while the lr is low.
Schedulers of this kind are stepped after every batch, not every epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.scheduler import (
    LRScheduler,
    check_cycles_momentum,
    check_optimizer,
    per_group,
    set_momentum,
)


class CyclicLR(LRScheduler):
    """The lr goes from base_lr up to max_lr in step_size_up steps, back down in step_size_down
    (default: as many), and again; the height of each cycle scaled by the mode:

        "triangular": 1;  "triangular2": 1 / 2 ** (cycle - 1);  "exp_range": gamma ** step
        or scale_fn(x), x the cycle number (scale_mode "cycle") or the step ("iterations").

    With cycle_momentum, the momentum goes the other way, from max_momentum down to base_momentum.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
    ) -> None:
        check_optimizer(optimizer)
        base_lrs = per_group("base_lr", optimizer, base_lr)
        for group, lr in zip(optimizer.param_groups, base_lrs):
            group["lr"] = lr
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else _MODE_SCALES_BY[mode]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            check_cycles_momentum(optimizer, "CyclicLR")
            self.base_momentums = per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = per_group("max_momentum", optimizer, max_momentum)
            for group, high, low in zip(optimizer.param_groups, self.max_momentums, self.base_momentums):
                set_momentum(group, high)
                group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer)
        self.base_lrs = base_lrs

    _not_saved = frozenset({"optimizer", "_scale_fn_custom"})  # a function is not saved

    def scale_fn(self, x: float) -> float:
        """The height of the cycle, as a fraction of max_lr - base_lr, at cycle or step x."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        if self.mode == "exp_range":
            return self.gamma**x
        return 1.0

    def _closed_form_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # the position in the cycle, in [0, 1)
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                set_momentum(group, high - (high - low) * rise * scale)
        return [low + (high - low) * rise * scale for low, high in zip(self.base_lrs, self.max_lrs)]


_MODE_SCALES_BY = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}


class OneCycleLR(LRScheduler):
    """The 1cycle policy over total_steps (or epochs * steps_per_epoch) steps: the lr rises from
    max_lr / div_factor to max_lr over the first pct_start of the steps, then anneals down to
    initial_lr / final_div_factor ("cos" or "linear" annealing). With three_phase, it comes back
    down to the initial lr symmetrically before the final anneal. Momentum cycles opposite.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        check_optimizer(optimizer)
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self.anneal_strategy = anneal_strategy
        # (the last step of the phase, lr from, lr to, momentum from, momentum to), by group keys
        up, total = float(pct_start * self.total_steps) - 1, self.total_steps - 1
        if three_phase:
            self._phases = [
                (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * up, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (total, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (total, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        for group, top in zip(optimizer.param_groups, per_group("max_lr", optimizer, max_lr)):
            group["initial_lr"] = top / div_factor
            group["max_lr"] = top
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            check_cycles_momentum(optimizer, "OneCycleLR")
            highs = per_group("max_momentum", optimizer, max_momentum)
            lows = per_group("base_momentum", optimizer, base_momentum)
            for group, high, low in zip(optimizer.param_groups, highs, lows):
                set_momentum(group, high)
                group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _closed_form_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is {self.total_steps}"
            )
        start_step = 0.0  # the phase the step is in, and how far through it
        for phase in self._phases:
            if step <= phase[0] or phase is self._phases[-1]:
                break
            start_step = phase[0]
        end_step, lr_from, lr_to, momentum_from, momentum_to = phase
        pct = (step - start_step) / (end_step - start_step)
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
            if self.cycle_momentum:
                set_momentum(group, self._anneal(group[momentum_from], group[momentum_to], pct))
        return lrs


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
    if not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"Expected positive integer epochs, but got {epochs}")
    if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
        raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
    return epochs * steps_per_epoch


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from initial_lr down to eta_min over T_i epochs, then a restart at
    initial_lr with T_i multiplied by T_mult (SGDR):

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    `step(epoch)` takes a fractional epoch too (e.g. epoch + batch / batches_per_epoch).
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur: float = -1
        super().__init__(optimizer)

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to `epoch` (fractional or not), and set each group's lr."""
        self._check_groups()
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.eta_min + (base_lr - self.eta_min) * cosine
        self._last_lr = self._group_lrs()
