"""`torch.cuda`'s answers on a machine without a GPU, which is what autograd_mini always is.

Device-agnostic code asks `cuda.is_available()` and seeds with `cuda.manual_seed_all(...)`;
both work here as they do in a PyTorch without CUDA: False, and silently nothing. Calls that
need a GPU to mean anything (synchronize, current_device, get_device_name) raise, as PyTorch does.
"""

from __future__ import annotations

from typing import NoReturn

from autograd_mini.device import device, no_backend_error


def is_available() -> bool:
    """False: autograd_mini computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no GPUs to use."""
    return 0


def is_initialized() -> bool:
    """False: there is no CUDA state to initialise."""
    return False


def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator: without a GPU, silently nothing (as in PyTorch).

    Seed autograd_mini's draws with autograd_mini.manual_seed."""
    int(seed)  # the seed is still checked to be a number, as PyTorch does


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: without a GPU, silently nothing (as in PyTorch)."""
    int(seed)


def seed() -> None:
    """Seed the current GPU's generator randomly: without a GPU, nothing."""


def seed_all() -> None:
    """Seed every GPU's generator randomly: without a GPU, nothing."""


def empty_cache() -> None:
    """Free the GPU's cached memory: there is none, so nothing."""


def synchronize(device: object = None) -> NoReturn:
    """Wait for a GPU's work to finish: an error, since there is no GPU (as in PyTorch)."""
    raise _no_gpu("cuda.synchronize")


def current_device() -> NoReturn:
    """The index of the selected GPU: an error, since there is none (as in PyTorch)."""
    raise _no_gpu("cuda.current_device")


def get_device_name(device: object = None) -> NoReturn:
    """A GPU's name: an error, since there is none (as in PyTorch)."""
    raise _no_gpu("cuda.get_device_name")


def _no_gpu(caller: str) -> RuntimeError:
    return no_backend_error(_CUDA, caller)


_CUDA = device("cuda")
