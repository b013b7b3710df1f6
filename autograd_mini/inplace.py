"""In-place changes to tensors, and the check that backward never uses an array changed after saving.

Every in-place change (the Tensor methods add_, mul_, zero_, ..., and optimizer steps) is stamped
with the op sequence number current at that moment. A node saved its arrays when it was made, so
if an array it saved carries a later stamp, backward would compute with the wrong values: the
engine raises instead. Only nodes made before the latest change are checked, so a training loop,
whose optimizer changes the weights after backward, pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import ref

import numpy as np

from autograd_mini import function
from autograd_mini.grad_mode import _mode

# id(base array) -> [weak reference to it, sequence number when it was last changed in place]
_changed: dict[int, list] = {}
latest_change = -1  # the stamp of the most recent change: nodes made after it need no check


def mark_changed(*arrays: np.ndarray) -> None:
    """Record that these arrays (or the memory they view) were just changed in place."""
    global latest_change
    latest_change = next(function._sequence)
    for array in arrays:
        base = array if array.base is None else array.base
        entry = _changed.get(id(base))
        if entry is not None and entry[0]() is base:  # optimizers mark the same arrays every step
            entry[1] = latest_change
            continue
        if len(_changed) > 4096:  # drop the entries of arrays that no longer exist
            for key in [k for k, (r, _) in _changed.items() if r() is None]:
                del _changed[key]
        _changed[id(base)] = [ref(base), latest_change]


def check_saved(node: Any) -> None:
    """Raise if an array node saved was changed in place after node was made."""
    for i, value in enumerate(node.saved_tensors):
        if not isinstance(value, np.ndarray):
            continue
        base = value if value.base is None else value.base
        entry = _changed.get(id(base))
        if entry is not None and entry[0]() is base and entry[1] > node.sequence_number:
            raise RuntimeError(
                f"backward: saved value {i} of {node.name} (shape {value.shape}, {value.dtype}) was "
                f"changed by an in-place operation after {node.name} saved it, so its gradient would "
                "be wrong; use the out-of-place op (e.g. x = x * 2, not x.mul_(2)), or change it "
                "only after backward"
            )


def apply_inplace(t: Any, name: str, change: Callable[[np.ndarray], Any]) -> Any:
    """Run change(t._array) to modify t's array in place, after checking that this is allowed.

    A leaf that requires grad may only be changed under no_grad (as optimizers do), and a tensor
    made by a recorded op not at all while grad mode is on: the graph has already used its value.
    """
    if t.requires_grad and _mode.enabled:
        if t.grad_fn is None:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad (shape {t.shape}) cannot be changed in "
                "place while gradients are recorded; wrap the change in `with autograd_mini.no_grad():`"
            )
        raise RuntimeError(
            f"{name}: this tensor (shape {t.shape}) was made by {t.grad_fn.name} and is part of a "
            "graph; changing it in place is not supported; use the out-of-place op instead"
        )
    if not t._array.flags.writeable:
        raise ValueError(f"{name}: the tensor's array (shape {t.shape}) is read-only")
    change(t._array)
    t._version += 1
    mark_changed(t._array)
    return t
