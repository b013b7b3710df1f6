"""Anomaly mode: stop at the first NaN or inf an op produces, forward or backward, and say where.

    with autograd_mini.detect_anomaly():
        loss = model(x)      # an op whose result holds NaN/inf raises here
        loss.backward()      # a gradient holding NaN/inf raises here, naming the forward line

`set_detect_anomaly(True)` switches it on until `set_detect_anomaly(False)`, as in PyTorch. It
costs a finiteness check per op and a stack walk per recorded op, so it is for debugging.
"""

from __future__ import annotations

import os
import threading
import traceback
from typing import Any

import numpy as np


class _AnomalyMode(threading.local):
    def __init__(self) -> None:  # runs once in every thread that uses it
        self.enabled = False
        self.previous: list[bool] = []


_mode = _AnomalyMode()
# How many detect_anomaly blocks are open, in all threads: while none is, ops skip the per-thread
# lookup of _mode (a thread-local read on every op costs more than this module global).
active = 0
_active_lock = threading.Lock()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(RuntimeError):
    """An op produced NaN or inf while anomaly mode was on."""


class detect_anomaly:
    """Inside the block (this thread only), raise AnomalyError at the first non-finite value."""

    def __enter__(self) -> None:
        global active
        _mode.previous.append(_mode.enabled)  # per thread, so one object may serve many
        _mode.enabled = True
        with _active_lock:
            active += 1

    def __exit__(self, *exc_info: object) -> None:
        global active
        _mode.enabled = _mode.previous.pop()
        with _active_lock:
            active -= 1


class set_detect_anomaly:
    """Switch anomaly mode on or off for this thread, as torch.autograd.set_detect_anomaly does.

    Called as a function it switches at once, until switched back; as a context manager it
    switches inside the block and restores the mode from before the call on leaving it:

        set_detect_anomaly(True)            # on from here
        with set_detect_anomaly(False):     # off inside, on again after
            ...

    check_nan is PyTorch's flag to keep the traceback recording but skip the NaN checks; here
    the two are one feature, so only check_nan=True is accepted.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        if not check_nan:
            raise NotImplementedError(
                "set_detect_anomaly: check_nan=False is not supported; anomaly mode always checks for NaN/inf"
            )
        self._before = _mode.enabled
        _switch(bool(mode))

    def __enter__(self) -> None:
        pass  # __init__ has switched already

    def __exit__(self, *exc_info: object) -> None:
        _switch(self._before)


class _Hold(threading.local):
    def __init__(self) -> None:
        self.held = False  # whether set_detect_anomaly keeps one count in `active` for this thread


_hold = _Hold()


def _switch(mode: bool) -> None:
    """Set this thread's mode, and keep `active` above zero while the mode is on or an open
    detect_anomaly block will turn it back on (ops read _mode only while `active` is nonzero).

    The count may outlive the need when a detect_anomaly block switches the mode off on exit;
    until the next switch, that costs ops a thread-local read, never a missed check."""
    global active
    _mode.enabled = mode
    needed = mode or any(_mode.previous)
    if needed != _hold.held:
        with _active_lock:
            active += 1 if needed else -1
        _hold.held = needed


def is_anomaly_enabled() -> bool:
    return bool(active) and _mode.enabled


def user_frame() -> str:
    """'file:line in function: code' of the innermost caller outside autograd_mini."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
    return "(unknown)"


def check_forward(op_name: str, arrays: list, result: np.ndarray) -> None:
    """Raise if the result of a forward step is not finite."""
    if result.dtype.kind == "f" and not np.isfinite(result).all():
        shapes = ", ".join(str(np.shape(a)) for a in arrays if isinstance(a, np.ndarray))
        raise AnomalyError(
            f"{op_name} produced {_describe(result)} in forward (input shapes {shapes}, result "
            f"shape {result.shape}), at {user_frame()}"
        )


def check_backward(node: Any, grads: tuple) -> None:
    """Raise if a gradient that node's backward returned is not finite."""
    for i, g in enumerate(grads):
        array = g if g is None or isinstance(g, (np.ndarray, np.generic)) else g._array  # a Tensor's
        if array is not None and not np.isfinite(array).all():
            created = node.__dict__.get("created_at", "(made outside anomaly mode)")
            raise AnomalyError(
                f"{node.name()} returned {_describe(np.asarray(array))} as the gradient of input {i} "
                f"(shape {np.shape(array)}); the op was made at {created}"
            )


def _describe(array: np.ndarray) -> str:
    nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
    return " and ".join(part for part in (f"{nan} NaN" if nan else "", f"{inf} inf" if inf else "") if part)
