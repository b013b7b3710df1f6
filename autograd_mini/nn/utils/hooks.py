"""The handle a hook registration returns, as torch.utils.hooks.RemovableHandle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class RemovableHandle:
    """What registering a hook returns: `handle.remove()` unregisters it (also as a context manager)."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Callable], hook: Callable) -> None:
        self.hooks, self.id = hooks, RemovableHandle._next_id
        RemovableHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
