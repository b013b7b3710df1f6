"""save / load: state dicts, whole models and training checkpoints in one .npz archive, without pickle.

The arrays are the archive's entries ("a0", "a1", ...); the structure around them (dicts, lists,
tuples, Python scalars, dtypes, which leaf is a Tensor, an nn.Parameter or an ndarray, and whole
Modules) is JSON text in the entry "structure". Reading uses `np.load(allow_pickle=False)` and
JSON, so loading a file never runs code from it; a Module is rebuilt without calling its class,
and only for classes load may build: autograd_mini's own, those allowlisted with
`add_safe_globals` or `safe_globals`, and with `weights_only=False` any Module subclass of an
imported module. Writes go to a temporary file that is then renamed over the target, so a failed
save never leaves a half-written checkpoint in its place.

save and load also read and write the safetensors format (see _safetensors.py), which holds a
flat dict of tensors by name and is what PyTorch and the Hub exchange weights in.
"""

from __future__ import annotations

import os
from typing import IO, Any

from autograd_mini.serialization import _archive, _safetensors
from autograd_mini.serialization._archive import CheckpointError
from autograd_mini.serialization._modules import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
    unsafe_class_names,
)
from autograd_mini.serialization._tree import Reader, Writer

__all__ = [
    "CheckpointError", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
    "get_unsafe_globals_in_checkpoint", "load", "safe_globals", "save",
]


def save(obj: Any, f: str | os.PathLike | IO[bytes], format: str | None = None) -> None:
    """Write obj to f, a path or a binary file object (io.BytesIO, a file opened "wb").

    The format is "npz" (the default) or "safetensors", chosen by format= or else by a path's
    suffix: `save(model.state_dict(), "model.safetensors")` writes a file that
    `safetensors.torch.load_file` reads, which holds only a flat dict of tensors by name (a
    TypeError says so for anything else). What follows is of the npz format, which holds more.

    obj is a Module, or nested dicts/lists/tuples of Tensors, ndarrays, Python scalars, NumPy
    dtypes and Modules: `{"model": model, "optimizer": opt.state_dict(), "epoch": 3}`. A Module
    is stored with its class's qualified name, its parameters, buffers and submodules, its
    training flag and its other attributes; an object met twice (a tied weight, a shared layer)
    is stored once. Dict keys must be str or int. A path is written exactly (no ".npz" is
    appended), and not at all if anything cannot be stored.

    Raises TypeError, naming the key or attribute path such as `model.encoder.fn`, for a value it
    cannot store (a function, an open file, another object; a Module with forward hooks), and
    for a whole Optimizer, whose state_dict() is what to save.
    """
    if _format_of(f, format, "save") == "safetensors":
        _safetensors.save(obj, f)
        return
    writer = Writer()
    root = writer.encode(obj, "")
    _archive.write(f, writer.arrays, {"format": _archive.FORMAT, "version": _archive.VERSION, "root": root})


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    weights_only: bool | None = None,
    format: str | None = None,
    **kwargs: Any,
) -> Any:
    """Read what save() wrote, from a path or a binary file object: the same structure, with
    Tensors, Parameters, ndarrays, tuples, int keys and Modules.

    A safetensors file (format="safetensors", or a path ending in ".safetensors"), such as one
    written by `safetensors.torch.save_file(torch_model.state_dict(), path)`, comes back as a
    dict of Tensors by name, with the file's dtypes and shapes, ready for load_state_dict; a
    truncated one raises CheckpointError naming the tensor cut short and its shape.

    weights_only=True (the default, as in PyTorch) rebuilds autograd_mini's own Modules and the
    classes on the allowlist (`add_safe_globals`, `safe_globals`); weights_only=False also
    rebuilds any nn.Module subclass that an already imported module defines, such as a class of
    the running script (`__main__`). No module is ever imported and nothing but a Module
    subclass is ever built, without calling it: a file cannot make load run code. map_location
    may be None or the CPU (a string, device, or a function returning its storage argument).

    Raises CheckpointError (naming the source) for data that is not such an archive, a damaged or
    truncated one, one holding object arrays or entries larger than their data, a class load may
    not build (saying how to allow it), or a structure that is bad, cyclic or nested too deep.
    """
    if kwargs:
        raise TypeError(f"load() got unexpected keyword arguments {sorted(kwargs)}")
    _check_map_location(map_location)
    if _format_of(f, format, "load") == "safetensors":
        return _safetensors.load(f)
    source, arrays, structure = _archive.read(f)
    reader = Reader(arrays, weights_only is not False, source)
    try:
        return reader.decode(structure["root"])
    except CheckpointError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise _archive.damaged(source, error) from None


def get_unsafe_globals_in_checkpoint(f: str | os.PathLike | IO[bytes]) -> list[str]:
    """The classes of the checkpoint f that load(f) would refuse with weights_only=True, as
    qualified names such as "__main__.Net", sorted: what to review before allowlisting them.

    Nothing in the file is built. Raises CheckpointError as load does for a file it cannot read.
    """
    _, _, structure = _archive.read(f)
    return unsafe_class_names(structure.get("root"))


def _format_of(f: Any, format: str | None, caller: str) -> str:
    """ "npz" or "safetensors": format if given, else by the suffix of a path."""
    if format is None:
        is_path = isinstance(f, (str, os.PathLike))
        return "safetensors" if is_path and os.fspath(f).endswith(_safetensors.SUFFIX) else "npz"
    if format not in ("npz", "safetensors"):
        raise ValueError(f"{caller}: format must be 'npz' or 'safetensors', not {format!r}")
    return format


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
