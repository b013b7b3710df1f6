"""Optimizer: the base class that holds parameter groups and per-parameter state.

Subclasses state only their update rule, in `_update(param, grad, state, group)`, working in place
on NumPy arrays; this class owns the rest: groups with per-group options, skipping parameters
without a gradient, zero_grad, and `state_dict()` / `load_state_dict()` in PyTorch's layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_mini.grad_mode import enable_grad
from autograd_mini.inplace import mark_changed
from autograd_mini.tensor import Tensor


class Optimizer:
    """Base of all optimizers: `param_groups` (list of dicts of options + "params") and `state`.

    `params` is an iterable of Tensors, or of dicts (parameter groups), each with a "params" entry
    and any options that override `defaults` for that group. `state[p]` is p's dict of buffers.

    The optimizers take PyTorch's `foreach`, `fused`, `capturable` and `differentiable` keywords
    and ignore them: they choose among PyTorch's kernels, and here one NumPy rule serves all.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                "params given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got a {type(params).__name__}"
            )
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            options = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {options}")
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: its "params" and options; options it leaves out come from `defaults`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, not {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need an order that is the same on every run (it numbers "
                "them in state_dict), but a set has none; use a list"
            )
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        index = len(self.param_groups)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for i, p in enumerate(params):
            _check_param(p, f"parameter {i} of group {index}")
            if id(p) in seen:
                raise ValueError(
                    f"parameter {i} of group {index} (shape {p.shape}) is listed twice: "
                    "each parameter may appear once, in one group"
                )
            seen.add(id(p))
        group = {**self.defaults, **param_group, "params": params}
        self._check_options(group)
        self.param_groups.append(group)

    def _check_options(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option of a group (subclasses say what is invalid)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to None (the default), or to a new array of zeros.

        Zeros are a new array rather than the old one zeroed, as .grad may be shared.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._make(np.zeros_like(p.grad._array), None, False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return closure() if one is given.

        The closure recomputes the loss (with gradients on), for optimizers that need it.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        states = self.state
        changed = []  # marked changed together, whatever happens, so no graph misses a change
        try:
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    param, grad = p._array, grad._array
                    if grad.shape != param.shape:
                        raise ValueError(
                            f"step: a parameter of shape {param.shape} has a grad of shape {grad.shape}"
                        )
                    state = states.get(p)
                    if state is None:
                        state = states[p] = {}
                    changed.append(param)  # before the update, which may fail halfway
                    self._update(param, grad, state, group)
        finally:
            mark_changed(*changed)  # backward through a graph made before this step now refuses
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        """Update `param` in place from `grad` (read only: it may be shared) and `state`."""
        raise NotImplementedError

    # ---- checkpoints ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A snapshot: {"state": {index: {...}}, "param_groups": [{options, "params": [indices]}]}.

        Parameters are numbered in group order, as in PyTorch; the arrays are copies, so later
        steps do not change a state dict already taken.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            first = len(index)
            index.update((id(p), first + i) for i, p in enumerate(group["params"]))
            groups.append({**group, "params": list(range(first, len(index)))})
        state = {
            index[id(p)]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
            if s
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state from `state_dict()`'s output, onto this optimizer's parameters.

        All of it is checked before anything changes: the same number of groups and of
        parameters in each, and state arrays shaped like their parameters (cast to its dtype).
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("load_state_dict: expected a dict with 'state' and 'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        params = {}
        groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"load_state_dict: group {i} of the state dict has {len(saved['params'])} "
                    f"parameters, this optimizer's group {i} has {len(group['params'])}"
                )
            missing = self.defaults.keys() - saved.keys()
            if missing:
                raise ValueError(
                    f"load_state_dict: group {i} of the state dict lacks the options {sorted(missing)} "
                    f"of {type(self).__name__}; was it saved from another optimizer?"
                )
            params.update(zip(saved["params"], group["params"]))
            new_group = {**saved, "params": group["params"]}
            self._check_options(new_group)
            groups.append(new_group)
        state = {}
        for index, saved_state in state_dict["state"].items():
            if index not in params:
                raise ValueError(f"load_state_dict: state entry {index!r} names no parameter of any group")
            state[params[index]] = {
                key: self._state_value(value, params[index], f"state[{index!r}][{key!r}]")
                for key, value in saved_state.items()
            }
        self.param_groups = groups
        self.state = state

    def _state_value(self, value: Any, param: Tensor, where: str) -> Any:
        """A loaded state entry: arrays (or Tensors) are copied in the parameter's dtype, shape checked."""
        if isinstance(value, Tensor):
            value = value._array
        if not isinstance(value, np.ndarray):
            return value
        if value.shape != param.shape:
            raise ValueError(
                f"load_state_dict: {where} has shape {value.shape}, but its parameter has shape {param.shape}"
            )
        return value.astype(param.dtype, copy=True)


def _check_param(p: Any, where: str) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizers update Tensors, but {where} is a {type(p).__name__}")
    if not p.requires_grad:
        raise ValueError(f"{where} (shape {p.shape}) does not require grad, so it would never be updated")
    if not p.is_leaf:
        raise ValueError(
            f"{where} (shape {p.shape}) is not a leaf tensor: an optimizer can only update leaves"
        )
    if not p._array.flags.writeable:
        raise ValueError(
            f"{where} (shape {p.shape}) holds a read-only array, which the optimizer cannot update "
            "in place (from_numpy shares the array it is given); train a copy, e.g. am.tensor(array)"
        )


def effective_grad(param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool) -> np.ndarray:
    """The gradient the update rules use: -grad when maximizing, plus weight_decay * param.

    PyTorch's order: negate first, then add the decay, so decay shrinks weights either way.
    The result is `grad` itself when neither applies (callers must not write to it), else a new
    array like param. (Temporaries are made with out=, as a ufunc returns a 0-d result as a scalar.)
    """
    if weight_decay:
        g = np.multiply(param, weight_decay, out=np.empty_like(param))
        if maximize:
            g -= grad
        else:
            g += grad
        return g
    return np.negative(grad, out=np.empty_like(param)) if maximize else grad


def decay_weights(param: np.ndarray, group: dict[str, Any]) -> float:
    """Apply decoupled weight decay, p = p * (1 - lr * weight_decay), if the group asks for it.

    Returns the weight decay left to add to the gradient: 0 once decoupled decay is applied.
    """
    weight_decay = group["weight_decay"]
    if weight_decay and group["decoupled_weight_decay"]:
        param *= 1 - group["lr"] * weight_decay
        return 0.0
    return weight_decay


# PyTorch's wording for each option in its "Invalid ...: value" messages.
_OPTION_LABELS = {
    "lr": "learning rate",
    "momentum": "momentum value",
    "weight_decay": "weight_decay value",
    "eps": "epsilon value",
    "alpha": "alpha value",
    "lr_decay": "lr_decay value",
    "initial_accumulator_value": "initial_accumulator_value value",
    "momentum_decay": "momentum_decay value",
}


def check_non_negative(group: dict[str, Any], *names: str) -> None:
    """Raise ValueError, in PyTorch's words, for the first option in `names` that is below 0 (or NaN)."""
    for name in names:
        value = group[name]
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_OPTION_LABELS[name]}: {value} ({name} must be >= 0)")


def state_buffer(state: dict[str, Any], name: str, param: np.ndarray) -> np.ndarray:
    """state[name], made as zeros like param (same shape and dtype) on first use."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(param)
    return buf


def check_betas(group: dict[str, Any]) -> None:
    """Raise ValueError, in PyTorch's words, unless group["betas"] is two values in [0, 1)."""
    betas = group["betas"]
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas} (give two values, for the mean and the variance)")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (betas must be in [0, 1))")
