"""`torch.accelerator`'s answers: autograd_mini has no accelerator, only the CPU.

Code that picks its device with `accelerator.current_accelerator() or device("cpu")` runs here
on the CPU, as in a PyTorch build without an accelerator.
"""

from __future__ import annotations

from typing import NoReturn

from autograd_mini.device import NO_ACCELERATOR, device


def is_available() -> bool:
    """False: there is no accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type, as a device: None, since there is none."""
    return None


def device_count() -> int:
    """0: there are no accelerator devices."""
    return 0


def current_device_index() -> NoReturn:
    """The index of the selected accelerator: an error, since there is none (as in PyTorch)."""
    raise RuntimeError(NO_ACCELERATOR)


def synchronize(device: object = None) -> NoReturn:
    """Wait for the accelerator's work to finish: an error, since there is none (as in PyTorch)."""
    raise RuntimeError(NO_ACCELERATOR)
