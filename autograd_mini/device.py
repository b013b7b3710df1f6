"""Devices, as `torch.device` names them, for code written to run anywhere.

autograd_mini computes with NumPy on the CPU. A `device` can name any of PyTorch's device
types, so that `device("cuda" if cuda.is_available() else "cpu")` runs unchanged, but only the
CPU holds tensors: `check_device` refuses every other device with an error that says so.

    >>> device("cuda:1")
    device(type='cuda', index=1)
    >>> str(device("cpu"))
    'cpu'
"""

from __future__ import annotations

import re
from typing import Any

# Every device type torch.device accepts, in its order.
DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
    "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)

_DEVICE_STRING = re.compile(r"([a-z]+)(?::(0|[1-9][0-9]*))?")

NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:  # noqa: N801 (PyTorch's name)
    """A device type and an optional index: device('cpu'), device('cuda:0'), device('cuda', 1).

    Equal when type and index are equal (so device('cuda') != device('cuda:0'), as in PyTorch);
    hashable, so it can key a dict. An int alone means an accelerator index, and there is none.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: str | device | int, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device) and index is None:
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(NO_ACCELERATOR)
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu', got {type!r}")
        match = _DEVICE_STRING.fullmatch(type)
        if match is None:
            raise RuntimeError(f"device: invalid device string {type!r}; expected e.g. 'cpu' or 'cuda:0'")
        if match[1] not in DEVICE_TYPES:
            raise RuntimeError(
                f"device: unknown device type {match[1]!r} in {type!r}; "
                f"expected one of {', '.join(DEVICE_TYPES)}"
            )
        if match[2] is not None and index is not None:
            raise RuntimeError(
                f"device: {type!r} already includes an index, so index={index} cannot be passed too"
            )
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device: index must be an int, not {index!r}")
            if index < 0:
                raise RuntimeError(f"device: index must not be negative, got {index}")
        self._type = match[1]
        self._index = int(match[2]) if match[2] is not None else index

    @property
    def type(self) -> str:
        """The device type: 'cpu', 'cuda', 'mps', ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device's index within its type, or None when not given."""
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self) -> tuple:
        return device, (self._type, self._index)


def check_device(where: Any, caller: str = "") -> None:
    """Nothing when `where` names the CPU (None, 'cpu', 'cpu:0', device('cpu')); otherwise a
    RuntimeError that says autograd_mini has only the CPU. caller names the function in the error."""
    if where is None:
        return
    place = where if isinstance(where, device) else device(where)
    if place.type != "cpu":
        raise no_backend_error(place, caller)


def no_backend_error(place: device, caller: str = "") -> RuntimeError:
    """The error for a device other than the CPU: what happened, and what to use instead."""
    prefix = f"{caller}: " if caller else ""
    kind = "GPU" if place.type in ("cuda", "hip", "mps", "xpu") else place.type
    return RuntimeError(
        f"{prefix}device '{place}': autograd_mini runs on the CPU only (NumPy); there is no {kind} "
        "backend — use 'cpu', or torch.cuda.is_available()-style checks such as "
        "autograd_mini.cuda.is_available()"
    )
