"""Schedulers made of schedulers: SequentialLR (one after another) and ChainedScheduler (all at once)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.plateau import ReduceLROnPlateau
from autograd_mini.optim.scheduler import LRScheduler


def _check_schedulers(combinator: str, optimizer: Optimizer, schedulers: Sequence[LRScheduler]) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{combinator} expects at least one scheduler, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{combinator} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{combinator} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                f"kwargs to be specified when calling `step`, but got one at index {i} in the given "
                "schedulers sequence."
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                f"{combinator} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {i} with another optimizer."
            )


class _Combinator(LRScheduler):
    """State dicts of combinators hold their schedulers' state dicts, in "_schedulers"."""

    _not_saved = frozenset({"optimizer", "_schedulers"})

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        name = f"{type(self).__name__}.load_state_dict"
        expected = self.state_dict().keys()
        if state_dict.keys() != expected:
            raise ValueError(
                f"{name}: missing keys {sorted(expected - state_dict.keys())}, "
                f"unexpected keys {sorted(state_dict.keys() - expected)}"
            )
        saved = state_dict["_schedulers"]
        if len(saved) != len(self._schedulers):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state dict has {len(saved)} schedulers, "
                f"this one has {len(self._schedulers)}"
            )
        schedulers = self._schedulers
        self.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()})
        self._schedulers = schedulers
        for scheduler, scheduler_state in zip(self._schedulers, saved):
            scheduler.load_state_dict(scheduler_state)


class SequentialLR(_Combinator):
    """schedulers[0] until epoch milestones[0], then schedulers[1] (restarted at its epoch 0), ...

    Creating it undoes the first step the schedulers took when made, resets each group's lr to
    its initial_lr, and starts schedulers[0] afresh, as PyTorch does.
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int]) -> None:
        _check_schedulers("SequentialLR", optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the "
                f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                f"number of milestones to be equal to {len(milestones)}"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = 0
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _undo_first_steps(self._schedulers)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch, in the scheduler whose turn it is (restarted at its milestone)."""
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_first_steps(schedulers: Sequence[LRScheduler]) -> None:
    for scheduler in schedulers:
        if hasattr(scheduler, "_schedulers"):
            _undo_first_steps(scheduler._schedulers)
        else:
            scheduler.last_epoch -= 1


class ChainedScheduler(_Combinator):
    """Every scheduler steps at each step(), in order, each from the lr the one before set:
    their factors multiply (e.g. a warm-up ConstantLR times an ExponentialLR decay)."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._group_lrs()

    @property
    def last_epoch(self) -> int:
        """The epoch count of the last scheduler of the chain."""
        return self._schedulers[-1].last_epoch

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler of the chain, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._group_lrs()
