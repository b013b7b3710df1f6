"""The .npz archive around a checkpoint: writing it atomically, and reading it back without pickle.

An archive holds the arrays as entries "a0", "a1", ... and the structure around them as JSON text
in the entry "structure" (a uint8 array). Reading checks every entry's .npy header before NumPy
allocates anything, so an entry that declares a huge shape over a few bytes is refused instead of
asking for terabytes of memory, and reads with `np.load(allow_pickle=False)`, which refuses
object arrays (the only place an .npy file can hold a pickle).
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from collections.abc import Callable
from typing import IO, Any

import numpy as np

STRUCTURE = "structure"
FORMAT = "autograd_mini.checkpoint"
VERSION = 1
_ZIP_MAGIC = b"PK\x03\x04"  # the first bytes of a non-empty zip file, which .npz files are
# What NumPy and zipfile raise for a damaged archive or entry, or one holding pickled objects.
_READ_ERRORS = (ValueError, EOFError, OSError, NotImplementedError, zipfile.BadZipFile)


class CheckpointError(ValueError):
    """A file that load() cannot read as a checkpoint: not one, damaged, or holding unsafe data."""


def write(f: str | os.PathLike | IO[bytes], arrays: dict[str, np.ndarray], structure: dict) -> None:
    """Write the arrays and the structure (JSON-ready) to f, a path or a binary file object.

    A path is written through a temporary file renamed over it, so a failed save never leaves a
    half-written checkpoint in its place.
    """
    text = json.dumps(structure, allow_nan=True).encode()
    entries = {**arrays, STRUCTURE: np.frombuffer(text, dtype=np.uint8)}
    write_atomically(f, lambda file: np.savez(file, **entries))


def write_atomically(f: str | os.PathLike | IO[bytes], write_to: Callable[[IO[bytes]], None]) -> None:
    """Call write_to(file) on f itself if it is a file object; for a path, on a temporary file
    of the same directory, then renamed over the path once everything is written."""
    if hasattr(f, "write"):
        write_to(f)
        return
    path = os.fspath(f)
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")
    # O_EXCL: a fresh file of our own; mode 0o666 so the user's umask applies, as for open().
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write_to(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def read(f: str | os.PathLike | IO[bytes]) -> tuple[str, dict[str, np.ndarray], Any]:
    """(a name for the source, its arrays by entry name, its structure parsed from JSON).

    Raises CheckpointError, naming the source, for data that is not an archive, a damaged or
    truncated one, an entry that is not an .npy array or declares more data than it holds, object
    arrays, and a missing or unparsable structure entry.
    """
    source, what, data = read_bytes(f)
    head = data[: len(_ZIP_MAGIC)]
    if head != _ZIP_MAGIC:
        raise CheckpointError(
            f"load: {source} is not a checkpoint: an .npz (zip) archive starts with {_ZIP_MAGIC!r}, "
            f"this {what} with {head!r}"
        )
    try:
        _check_headers(data, source)
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except _READ_ERRORS as error:
        if isinstance(error, CheckpointError):
            raise
        # Truncated or damaged archives fail here, and object arrays, refused by allow_pickle=False.
        raise CheckpointError(f"load: {source} is damaged or holds unsafe data ({error})") from None
    text = arrays.pop(STRUCTURE, None)
    if text is None:
        raise CheckpointError(f"load: {source} has no {STRUCTURE!r} entry, so it was not written by save()")
    try:
        structure = json.loads(text.tobytes().decode())
        if structure.get("format") != FORMAT or structure.get("version") != VERSION:
            raise ValueError(f"format {structure.get('format')!r} version {structure.get('version')!r}")
    except (ValueError, AttributeError, RecursionError) as error:
        raise damaged(source, error) from None
    return source, arrays, structure


def read_bytes(f: str | os.PathLike | IO[bytes]) -> tuple[str, str, bytes]:
    """(a name for the source, "file" or "data", everything f holds), f a path or file object."""
    if hasattr(f, "read"):
        return repr(f), "data", f.read()
    path = os.fspath(f)
    with open(path, "rb") as file:  # a missing or unreadable file raises OSError, as open() does
        return repr(path), "file", file.read()


def damaged(source: str, error: BaseException) -> CheckpointError:
    return CheckpointError(f"load: {source} has a damaged {STRUCTURE!r} entry ({error!r})")


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _check_headers(data: bytes, source: str) -> None:
    """Refuse entries that are not .npy arrays, or whose header declares more bytes than they hold."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            with archive.open(info) as entry:
                try:
                    version = np.lib.format.read_magic(entry)
                except ValueError:
                    raise CheckpointError(f"load: entry {key!r} of {source} is not a .npy array") from None
                read_header = _HEADER_READERS.get(version)
                if read_header is None:
                    raise ValueError(f"entry {key!r} is of .npy version {version}, which save never writes")
                shape, _, dtype = read_header(entry)
                if dtype.hasobject:
                    continue  # np.load(allow_pickle=False) refuses it, saying so
                declared = math.prod(shape) * dtype.itemsize
                held = info.file_size - entry.tell()
                if min(shape, default=0) < 0 or declared > held:
                    raise CheckpointError(
                        f"load: entry {key!r} of {source} declares shape {shape} of {dtype} "
                        f"({declared} bytes) but holds {held} bytes"
                    )
