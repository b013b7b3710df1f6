"""Worker threads: what a worker knows about itself, and how its errors reach the caller."""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Any

_local = threading.local()


@dataclass(frozen=True)
class WorkerInfo:
    """Inside a worker: its id, the number of workers, its seed and the dataset it reads."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo, or None in the main thread."""
    return getattr(_local, "info", None)


def set_worker_info(info: WorkerInfo) -> None:
    _local.info = info


class _KeyErrorMessage(str):
    """KeyError shows its argument's repr; this message's repr is itself, so its lines stay lines."""

    def __repr__(self) -> str:
        return self


class WorkerError:
    """An exception caught in a worker, carried back to be raised again with the worker's traceback."""

    def __init__(self, exc: BaseException, worker_id: int) -> None:
        self.exc_type = type(exc)
        frames = "".join(traceback.format_tb(exc.__traceback__) + traceback.format_exception_only(exc))
        self.message = (
            f"Caught {type(exc).__name__} in DataLoader worker process {worker_id}.\n"
            f"Original Traceback (most recent call last):\n{frames}"
        )

    def reraise(self):
        message = _KeyErrorMessage(self.message) if self.exc_type is KeyError else self.message
        try:
            error = self.exc_type(message)
        except Exception:  # an exception type whose constructor wants other arguments
            error = RuntimeError(message)
        raise error
