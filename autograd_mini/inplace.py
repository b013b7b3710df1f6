"""In-place changes to tensors: recorded in the graph as PyTorch records them, and checked, so
that backward never computes with an array that changed after an op saved it.

`t.mul_(2)` on a tensor of the graph runs the op as `t * 2` would, writes the result into t's
own array, and makes the new node t's grad_fn: the tensor object and its memory stay the same,
and gradients flow through the change as through the out-of-place op. If the op keeps its
input for backward (`mul_` with a tensor that needs a gradient), it is given a recorded copy
of t's old values, since t's array is about to be overwritten.

Every change is stamped with the op sequence number current at that moment, and counts as one
version of the memory it changed. A node saved its arrays when it was made, so if an array it
saved carries a later stamp, backward would compute with the wrong values: the engine raises
instead, naming the node and the versions. Only nodes made before the latest change are
checked, so a training loop, whose optimizer changes the weights after backward, pays nothing.
"""

from __future__ import annotations

from collections import deque
from typing import Any
from weakref import ref

import numpy as np

from autograd_mini import function
from autograd_mini.grad_mode import _mode

RECENT_STAMPS = 16  # per array, enough to tell which version a node saw

# id(base array) -> [weak reference to it, version, stamps of its latest changes (oldest first)].
# The reference removes the entry when its array dies, so an entry's id is always the live array's.
_changed: dict[int, list] = {}
latest_change = -1  # the stamp of the most recent change: nodes made after it need no check


def _base(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory: views of it share its versions, as in PyTorch."""
    return array if array.base is None else array.base


def mark_changed(*arrays: np.ndarray) -> None:
    """Record that these arrays (or the memory they view) were just changed in place."""
    global latest_change
    stamp = latest_change = next(function._sequence)
    for array in arrays:
        base = array.base  # _base(array), inlined: optimizers mark every parameter every step
        if base is None:
            base = array
        entry = _changed.get(id(base))
        if entry is not None:
            entry[1] += 1
            entry[2].append(stamp)  # the deque forgets the oldest stamp itself
        else:
            key = id(base)
            forget = ref(base, lambda _, key=key: _changed.pop(key, None))
            _changed[key] = [forget, 1, deque([stamp], RECENT_STAMPS)]


def version(array: np.ndarray) -> int:
    """How many in-place changes the memory of array has had (Tensor._version)."""
    entry = _changed.get(id(_base(array)))
    return 0 if entry is None else entry[1]


def check_saved(node: Any) -> None:
    """Raise if an array node saved was changed in place after node was made."""
    for i, value in enumerate(node.saved_tensors):
        if not isinstance(value, np.ndarray):
            continue
        entry = _changed.get(id(_base(value)))
        if entry is None or entry[2][-1] < node.sequence_number:
            continue
        now, later = entry[1], sum(stamp > node.sequence_number for stamp in entry[2])
        exact = later < len(entry[2]) or now == len(entry[2])  # else older stamps were dropped
        saw = f"version {now - later}" + ("" if exact else " or earlier")
        raise RuntimeError(
            "backward: one of the variables needed for gradient computation has been modified by "
            f"an inplace operation: saved value {i} of {node.name()} (shape {value.shape}, "
            f"{value.dtype}) is at version {now}; {node.name()} saved it at {saw}. Use the "
            "out-of-place op (x = x * 2, not x.mul_(2)), or change it only after backward"
        )


def apply_inplace(t: Any, name: str, op: Any, *others: Any, **options: Any) -> Any:
    """Make t hold op(t, *others), in its own memory, and record the change when it needs a gradient.

    A leaf that requires grad may only be changed under no_grad (as optimizers do); a tensor of
    the graph may be changed, and then its grad_fn becomes the in-place node.
    """
    _check_may_change(t, name)
    result = op.apply(t, *others, **options)
    node = result.grad_fn
    if node is None:  # nothing to record: grad mode is off, or no gradient is needed
        _write(t, result._array, name)
        mark_changed(t._array)
        return t
    if t.grad_fn is None and t._array.base is not None:
        raise RuntimeError(
            f"{name}: this tensor (shape {t.shape}) shares the memory of another, as a view or a "
            "detached tensor does, and the change needs a gradient that the other would not get; "
            "change the other tensor itself, or a .clone()"
        )
    if any(value is t._array for value in node.saved_tensors):  # backward needs t's old values
        old = t.clone()  # also where t is an operand of its own change, as in h.mul_(h)
        result = op.apply(old, *[old if other is t else other for other in others], **options)
        node = result.grad_fn
    _write(t, result._array, name)
    mark_changed(t._array)
    if t.grad_fn is not None:  # the node that made t's old values: they are gone from its array
        t.grad_fn.out_id = None
    # The node's result now lives in t's array. It is renumbered after the change it made, so
    # the check above does not take the array it saved (its own result) for a stale one.
    node.sequence_number = next(function._sequence)
    node.out_id = id(t._array)
    node.saved_tensors = tuple([t._array if v is result._array else v for v in node.saved_tensors])
    t.grad_fn, t._requires_grad = node, True
    return t


def _check_may_change(t: Any, name: str) -> None:
    if t._requires_grad and _mode.enabled:
        if t.grad_fn is None:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad (shape {t.shape}) cannot be changed in "
                "place while gradients are recorded; wrap the change in `with autograd_mini.no_grad():`"
            )
        if getattr(t.grad_fn, "makes_view", False) and t._array.base is not None:
            raise RuntimeError(
                f"{name}: this tensor (shape {t.shape}) is a view made by {t.grad_fn.name()}, and an "
                "in-place change of a view inside the graph is not supported; change a .clone() of it"
            )
    if not t._array.flags.writeable:
        raise ValueError(f"{name}: the tensor's array (shape {t.shape}) is read-only")


def _write(t: Any, values: np.ndarray, name: str) -> None:
    """Copy an op's result into t's array, which must be able to hold it unchanged in shape."""
    array = t._array
    if values.shape != array.shape:
        raise RuntimeError(
            f"{name}: the result has shape {values.shape}, which does not fit in place in the "
            f"tensor of shape {array.shape}"
        )
    if values.dtype != array.dtype and not np.can_cast(values.dtype, array.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}: the result type {values.dtype} can't be cast to the tensor's dtype {array.dtype}"
        )
    np.copyto(array, values, casting="unsafe")
