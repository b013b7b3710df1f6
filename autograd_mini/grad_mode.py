"""Whether operations record a graph: on by default, switched per thread."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    """Each thread's grad mode, and the modes its open blocks will restore."""

    def __init__(self) -> None:  # runs once in every thread that uses it
        self.enabled = True
        self.previous: list[bool] = []


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when new operations record the graph needed for backward()."""
    return _mode.enabled


class _ModeBlock:
    """Graph recording switched to `mode` inside a with-block or a decorated function."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        # The mode to restore is kept per thread, so one object may be entered by many threads.
        _mode.previous.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        _mode.enabled = _mode.previous.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _ModeBlock(self.mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class set_grad_enabled(_ModeBlock):
    """Turn graph recording on or off for this thread.

    As in PyTorch: called as a function it switches at once (`set_grad_enabled(False)`); as a
    context manager or decorator it switches only inside, and restores the mode afterwards.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self._before = _mode.enabled
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        _mode.previous.append(self._before)  # the mode from before the call switched it

    def __call__(self, fn: F) -> F:
        _mode.enabled = self._before  # decorating switches nothing outside the function
        return super().__call__(fn)


class _FixedModeBlock(_ModeBlock):
    """A block with a mode of its own; as in PyTorch, `@no_grad` decorates without parentheses."""

    mode = False

    def __new__(cls, fn: Callable | None = None) -> Any:
        block = super().__new__(cls)
        return block if fn is None else block(fn)

    def __init__(self, fn: Callable | None = None) -> None:
        pass  # the mode is the class's


class no_grad(_FixedModeBlock):
    """Record nothing inside: for inference and for updating parameters in place."""

    mode = False


class enable_grad(_FixedModeBlock):
    """Record the graph inside, even within an enclosing `no_grad`."""

    mode = True


class inference_mode(_ModeBlock):
    """PyTorch's inference_mode: here the same as no_grad (inference_mode(False) records)."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)
