"""The signature of a call: everything a trace depends on that is not an array's values.

Two calls with equal signatures do the same NumPy work in the same order, on arrays of the same
shapes and dtypes, so one recorded trace serves both. The signature holds:

- for each Tensor argument: its shape, dtype, requires_grad, whether it is a leaf, and which
  earlier argument (if any) is the same tensor;
- each other argument: its value if it is a plain Python value (int, float, str, ...), else
  its identity (a Module also by its state, below);
- grad mode and the default dtype;
- the Python-side state the function can see: for each Module it reaches (its argument,
  `self` of a bound method, a Module in its closure or in the globals its code names) every
  submodule's `training` flag and plain attributes (`p` of a Dropout, `eps` of a LayerNorm);
  for the plain values in its closure and named globals, their values; for Tensors there,
  their identity (rebinding `x = next_batch()` makes a new trace, not a stale replay).

What it does not hold, and a replay reads live instead: the arrays' values, parameters' arrays
(`p.data = ...` is seen), learning rates and optimizer state (read by the optimizer's own step).
"""

from __future__ import annotations

import types
import weakref
from typing import Any

import numpy as np

from autograd_mini.grad_mode import _mode
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor, get_default_dtype

_PLAIN = (bool, int, float, complex, str, bytes, type(None))


def call_signature(args: tuple, kwargs: dict, watched: list[Any]) -> tuple[tuple, list[Tensor], list[Any]]:
    """(signature, the Tensor arguments in order, the other objects the signature names by identity).

    The objects are kept alive by whoever keeps the signature, so that their ids stay theirs.
    """
    tensors: list[Tensor] = []
    objects: list[Any] = []
    key = (
        _describe(args, tensors, objects) if args else (),
        _describe(kwargs, tensors, objects) if kwargs else (),
        tuple([_state(w, objects) for w in watched]),
        _mode.enabled,
        get_default_dtype().str,
    )
    return key, tensors, objects


def _describe(value: Any, tensors: list[Tensor], objects: list[Any]) -> Any:
    if isinstance(value, Tensor):
        same = next((i for i, t in enumerate(tensors) if t is value), None)
        tensors.append(value)
        array = value._array
        return ("T", array.shape, array.dtype.str, value._requires_grad, value.grad_fn is None, same)
    kind = type(value)
    if kind in _PLAIN:
        return (kind.__name__, repr(value) if kind is float else value)
    if kind in (tuple, list):
        return (kind.__name__, *[_describe(v, tensors, objects) for v in value])
    if kind is dict:
        items = [(_describe(k, tensors, objects), _describe(v, tensors, objects)) for k, v in value.items()]
        return ("dict", *items)
    return _state(value, objects)


def _state(value: Any, objects: list[Any]) -> Any:
    """A Module by identity and its modules' flags and plain attributes; a Tensor by identity;
    a plain value by value; anything else by identity."""
    kind = type(value)
    if kind in _PLAIN:
        return (kind.__name__, repr(value) if kind is float else value)
    objects.append(value)
    if isinstance(value, Module):
        return ("M", id(value), _module_state(value))
    return ("O", id(value))


# module -> (Module.writes when its state was read, that state): a walk is needed only after a
# write to some module (a removed hook is not counted: its module keeps the eager signature of
# one with hooks until the next write, which is slower but not wrong).
_read_states: weakref.WeakKeyDictionary[Module, tuple[int, tuple]] = weakref.WeakKeyDictionary()


def _module_state(module: Module) -> tuple:
    """Every submodule's plain attributes (`training`, `p`, `eps`, ...) and whether it has forward
    hooks, read again only when some module has been written to since the last read."""
    known = _read_states.get(module)
    if known is not None and known[0] == Module.writes:
        return known[1]
    state, stack, plain = [], [module], _PLAIN
    while stack:  # an explicit walk, without modules()'s recursive generators
        attributes = stack.pop().__dict__
        hooked = bool(attributes["_forward_pre_hooks"] or attributes["_forward_hooks"])
        state.append((hooked, *[(k, v) for k, v in attributes.items() if type(v) in plain]))
        stack.extend(m for m in attributes["_modules"].values() if m is not None)
    state = tuple(state)
    _read_states[module] = (Module.writes, state)
    return state


class Watcher:
    """What fn reads besides its arguments, read afresh by `objects()` at every call: `self` of a
    bound method (and a trainer object's attributes), its closure's contents and the globals its
    code names. Only Modules, Tensors, arrays and plain values count: functions, classes and
    modules are code, and optimizers' state is read live. A global name that holds a function,
    class or module when fn is compiled is taken as code and not read again."""

    def __init__(self, fn: Any) -> None:
        owner = getattr(fn, "__self__", None)
        self.owner = owner = None if isinstance(owner, types.ModuleType) else owner
        # A trainer object (not a Module): its attributes too.
        self.owner_attributes = (
            owner is not None and not isinstance(owner, Module) and hasattr(owner, "__dict__"))
        code = getattr(fn, "__code__", None)
        self.cells = (getattr(fn, "__closure__", None) or ()) if code is not None else ()
        self.namespace = getattr(fn, "__globals__", {}) if code is not None else {}
        code_kinds = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)
        self.names = [name for name in (code.co_names if code is not None else ())
                      if not isinstance(self.namespace.get(name), code_kinds)]

    def objects(self) -> list[Any]:
        found: list[Any] = []
        if self.owner is not None:
            found.append(self.owner)
            if self.owner_attributes:
                found.extend([v for v in vars(self.owner).values() if _worth_watching(v)])
        for cell in self.cells:
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if _worth_watching(value):
                found.append(value)
        get = self.namespace.get
        for name in self.names:
            value = get(name)
            if value is not None and _worth_watching(value):
                found.append(value)
        return found


_WATCHED = (Module, Tensor, np.ndarray)


def _worth_watching(value: Any) -> bool:
    return type(value) in _PLAIN or isinstance(value, _WATCHED)
