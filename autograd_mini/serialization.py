"""save / load: state dicts (models' and optimizers') in one .npz archive, without pickle.

The arrays are the archive's entries ("a0", "a1", ...); the structure around them (dicts, lists,
tuples, Python scalars, which leaf is a Tensor and which an ndarray) is JSON text in the entry
"structure", stored as a uint8 array. Reading uses `np.load(allow_pickle=False)`, so loading a
file never runs code from it. Writes go to a temporary file that is then renamed over the target,
so a failed save never leaves a half-written checkpoint in its place.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from autograd_mini.tensor import Tensor

_STRUCTURE = "structure"
_FORMAT = "autograd_mini.checkpoint"
_VERSION = 1
_ZIP_MAGIC = b"PK\x03\x04"  # the first bytes of a non-empty zip file, which .npz files are
# What NumPy and zipfile raise for a damaged archive or entry, or one holding pickled objects.
_READ_ERRORS = (ValueError, EOFError, OSError, NotImplementedError, zipfile.BadZipFile)


class CheckpointError(ValueError):
    """A file that load() cannot read as a checkpoint: not one, damaged, or holding unsafe data."""


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write obj (nested dicts/lists/tuples of Tensors, ndarrays and Python scalars) to path.

    Dict keys must be str or int. The file is exactly `path` (no ".npz" is appended). Raises
    TypeError, naming the key path such as `state.0.momentum_buffer`, for a value it cannot store.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    structure = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays, "")}
    text = json.dumps(structure, allow_nan=True).encode()
    arrays[_STRUCTURE] = np.frombuffer(text, dtype=np.uint8)

    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")
    # O_EXCL: a fresh file of our own; mode 0o666 so the user's umask applies, as for open().
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read what save() wrote: the same structure, with Tensors, ndarrays, tuples and int keys.

    Raises CheckpointError (naming the path) for a file that is not such an archive, a damaged
    or truncated one, one holding object arrays, or one whose structure entry is missing or bad.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing or unreadable file raises OSError, as open() does
        head = file.read(len(_ZIP_MAGIC))
    if head != _ZIP_MAGIC:
        raise CheckpointError(
            f"load: {path!r} is not a checkpoint: an .npz (zip) archive starts with {_ZIP_MAGIC!r}, "
            f"this file with {head!r}"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except _READ_ERRORS as error:
        # Truncated or damaged archives fail here, and object arrays, refused by allow_pickle=False.
        raise CheckpointError(f"load: {path!r} is damaged or holds unsafe data ({error})") from None
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise CheckpointError(f"load: entry {key!r} of {path!r} is not a .npy array")
    text = arrays.pop(_STRUCTURE, None)
    if text is None:
        raise CheckpointError(f"load: {path!r} has no {_STRUCTURE!r} entry, so it was not written by save()")
    try:
        structure = json.loads(text.tobytes().decode())
        if structure.get("format") != _FORMAT or structure.get("version") != _VERSION:
            raise ValueError(f"format {structure.get('format')!r} version {structure.get('version')!r}")
        return _decode(structure["root"], arrays)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CheckpointError(f"load: {path!r} has a damaged {_STRUCTURE!r} entry ({error!r})") from None


# ---- the structure as JSON: containers and leaves as tagged objects, scalars as themselves ------


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(obj, np.generic):  # before float: np.float64 is a float, but should come back as one
        return {"scalar": _store(np.asarray(obj), arrays, where)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Tensor):
        return {"tensor": _store(obj._array, arrays, where), "requires_grad": obj.requires_grad}
    if isinstance(obj, np.ndarray):
        return {"array": _store(obj, arrays, where)}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(
                    f"save: dict keys must be str or int; {_at(where)} has a key {key!r} "
                    f"of type {type(key).__name__}"
                )
            items.append([key, _encode(value, arrays, f"{where}.{key}" if where else str(key))])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}.{i}" if where else str(i)) for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at {_at(where)}")


def _store(array: np.ndarray, arrays: dict[str, np.ndarray], where: str) -> str:
    if array.dtype.hasobject:
        raise TypeError(f"save: {_at(where)} is an array of Python objects, which only pickle could store")
    name = f"a{len(arrays)}"
    arrays[name] = array
    return name


def _at(where: str) -> str:
    return where or "the top level"


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(node, dict):
        return node
    kind, value = next(iter(node.items()), (None, None))
    if kind == "tensor":
        t = Tensor._make(arrays[value], None, False)
        t.requires_grad = node["requires_grad"]
        return t
    if kind == "array":
        return arrays[value]
    if kind == "scalar":
        return arrays[value][()]
    if kind == "dict":
        return {key: _decode(v, arrays) for key, v in value}
    if kind == "list":
        return [_decode(v, arrays) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in value)
    raise ValueError(f"unknown node kind {kind!r}")
