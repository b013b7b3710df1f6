"""The safetensors format: a flat dict of tensors by name, readable by PyTorch, JAX and the Hub.

A file is an 8-byte little-endian header length, a JSON header giving each tensor's dtype,
shape and byte range, then the bytes. Reading and writing go through the `safetensors`
package's NumPy API (`pip install 'autograd_mini[safetensors]'`); before handing the bytes to
it, read checks the header against the file's length, so a truncated file is reported with
the name, dtype and shape of the tensor it cuts short.
"""

from __future__ import annotations

import json
import math
import os
from typing import IO, Any

import numpy as np

from autograd_mini.serialization._archive import CheckpointError, read_bytes, write_atomically
from autograd_mini.tensor import Tensor

SUFFIX = ".safetensors"
# Bytes per element of each dtype safetensors names (BF16 and the FP8s are read as such, but
# NumPy cannot hold them, which load then says).
_ITEM_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8,
}
_NUMPY_CANNOT_HOLD = ("BF16", "F8_E4M3", "F8_E5M2")


def _safetensors_numpy() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "the safetensors format needs the safetensors package: pip install safetensors "
            "(or pip install 'autograd_mini[safetensors]')"
        ) from None
    return safetensors.numpy


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write obj, a dict of Tensors (or arrays) by str name, to f as safetensors."""
    arrays = _flat_arrays(obj)
    data = _safetensors_numpy().save(arrays)
    write_atomically(f, lambda file: file.write(data))


def load(f: str | os.PathLike | IO[bytes]) -> dict[str, Tensor]:
    """The tensors of a safetensors file by name, in the file's order, with their dtypes and shapes."""
    source, what, data = read_bytes(f)
    header = _checked_header(data, source, what)
    try:
        arrays = _safetensors_numpy().load(data)
    except Exception as error:  # SafetensorError: the package's own checks of the header
        raise CheckpointError(f"load: {source} is not a valid safetensors {what} ({error})") from None
    # The arrays view the bytes read; a copy of each makes them writable, as training needs.
    return {name: Tensor._make(np.array(arrays[name]), None, False) for name in header}


def _flat_arrays(obj: Any) -> dict[str, np.ndarray]:
    """obj's arrays by name, C-contiguous; TypeError for anything a safetensors file cannot hold."""
    what = "a flat dict of tensors by name (such as model.state_dict())"
    if not isinstance(obj, dict):
        hint = ": save model.state_dict()" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: a {SUFFIX} file holds {what}, not a {type(obj).__name__}{hint}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(
                f"save: a {SUFFIX} file names its tensors by str, not by the {type(key).__name__} {key!r}"
            )
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(
                f"save: a {SUFFIX} file holds {what}; the value at {key!r} is a {type(value).__name__}: "
                "save other objects with the default .npz format"
            )
        array = value._array if isinstance(value, Tensor) else value
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"save: a {SUFFIX} file holds numbers and bools; {key!r} is of dtype {array.dtype}"
            )
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")  # 0-d stays 0-d
    return arrays


def _checked_header(data: bytes, source: str, what: str) -> dict[str, Any]:
    """The header's tensor entries (without __metadata__), each checked against the data held."""
    if len(data) < 8:
        raise CheckpointError(f"load: {source} is not a safetensors {what}: {len(data)} bytes, fewer than "
                              "the 8 of the header's length")
    length = int.from_bytes(data[:8], "little")
    if 8 + length > len(data):
        raise CheckpointError(f"load: {source} is truncated or not a safetensors {what}: its header declares "
                              f"{length} bytes, but {len(data) - 8} follow")
    try:
        header = json.loads(data[8 : 8 + length])
        entries = {key: value for key, value in header.items() if key != "__metadata__"}
        held = len(data) - 8 - length
        for key, entry in entries.items():
            dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            declared = math.prod(shape) * _ITEM_SIZES[dtype]
            if end - begin != declared or end > held:
                raise CheckpointError(
                    f"load: the tensor {key!r} of {source} declares shape {tuple(shape)} of {dtype} "
                    f"({declared} bytes at {begin}..{end}) but the {what} holds {held} bytes of data: "
                    "truncated or damaged"
                )
            if dtype in _NUMPY_CANNOT_HOLD:
                raise CheckpointError(f"load: the tensor {key!r} of {source} is {dtype}, which NumPy cannot "
                                      "hold: convert it to float32 before saving")
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"load: {source} has a damaged safetensors header ({error!r})") from None
    return entries
