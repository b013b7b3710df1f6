"""save / load: state dicts (models' and optimizers') in one .npz archive, without pickle.

The arrays are the archive's entries ("a0", "a1", ...); the structure around them (dicts, lists,
tuples, Python scalars, which leaf is a Tensor and which an ndarray) is JSON text in the entry
"structure", stored as a uint8 array. Reading uses `np.load(allow_pickle=False)`, so loading a
file never runs code from it. Writes go to a temporary file that is then renamed over the target,
so a failed save never leaves a half-written checkpoint in its place.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import IO, Any

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


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write obj (nested dicts/lists/tuples of Tensors, ndarrays and Python scalars) to f, a path
    or a binary file object (io.BytesIO, a file opened "wb").

    Dict keys must be str or int. A path is written exactly (no ".npz" is appended). Raises
    TypeError, naming the key path such as `state.0.momentum_buffer`, for a value it cannot store,
    and for a whole Module or Optimizer, whose state_dict() is what to save.
    """
    arrays: dict[str, np.ndarray] = {}
    structure = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays, "")}
    text = json.dumps(structure, allow_nan=True).encode()
    arrays[_STRUCTURE] = np.frombuffer(text, dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
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


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    weights_only: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Read what save() wrote, from a path or a binary file object: the same structure, with
    Tensors, ndarrays, tuples and int keys.

    map_location may be None or the CPU (a string, device, or a function returning its storage
    argument); weights_only is accepted: nothing is ever unpickled, so every load is weights-only.
    Raises CheckpointError (naming the source) for data that is not such an archive, a damaged or
    truncated one, one holding object arrays, or one whose structure entry is missing or bad.
    """
    if kwargs:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(kwargs)}")
    _check_map_location(map_location)
    if hasattr(f, "read"):
        path, what, data = repr(f), "data", f.read()
    else:
        path = os.fspath(f)
        with open(path, "rb") as file:  # a missing or unreadable file raises OSError, as open() does
            data = file.read()
        path, what = repr(path), "file"
    head = data[: len(_ZIP_MAGIC)]
    if head != _ZIP_MAGIC:
        raise CheckpointError(
            f"load: {path} is not a checkpoint: an .npz (zip) archive starts with {_ZIP_MAGIC!r}, "
            f"this {what} with {head!r}"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except _READ_ERRORS as error:
        # Truncated or damaged archives fail here, and object arrays, refused by allow_pickle=False.
        raise CheckpointError(f"load: {path} is damaged or holds unsafe data ({error})") from None
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise CheckpointError(f"load: entry {key!r} of {path} is not a .npy array")
    text = arrays.pop(_STRUCTURE, None)
    if text is None:
        raise CheckpointError(f"load: {path} has no {_STRUCTURE!r} entry, so it was not written by save()")
    try:
        structure = json.loads(text.tobytes().decode())
        if structure.get("format") != _FORMAT or structure.get("version") != _VERSION:
            raise ValueError(f"format {structure.get('format')!r} version {structure.get('version')!r}")
        return _decode(structure["root"], arrays)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CheckpointError(f"load: {path} has a damaged {_STRUCTURE!r} entry ({error!r})") from None


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) and not isinstance(map_location, (str, dict)):
        return
    places = map_location.values() if isinstance(map_location, dict) else [map_location]
    for place in places:
        if str(place).split(":")[0] != "cpu":
            raise ValueError(
                f"load: map_location={map_location!r}: autograd_mini keeps every tensor on the CPU, so "
                "map_location must be None, 'cpu' or torch.device('cpu')"
            )


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
    if hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
        kind = "model" if hasattr(obj, "named_parameters") else "optimizer"
        kind = kind if kind == "model" or hasattr(obj, "param_groups") else "obj"
        raise TypeError(
            f"save: cannot store a whole {type(obj).__name__} at {_at(where)}: save "
            f"{kind}.state_dict() instead, and load it with {kind}.load_state_dict(torch.load(f)) "
            "into a new one"
        )
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
