"""Read and write IDX files, the format MNIST ships in.

An IDX file is a header then the array in C order, every number big-endian:

    bytes 0-1   0x00 0x00
    byte  2     the dtype code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     ndim, the number of dimensions
    then        ndim sizes, each a 4-byte unsigned integer
    then        the data: prod(sizes) numbers of that dtype

    >>> images = read_idx("train-images-idx3-ubyte.gz")   # gzipped or not: both are read
    >>> images.shape, images.dtype
    ((60000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

# dtype code -> the big-endian NumPy dtype stored in the file
DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
CODES = {np.dtype(big).newbyteorder("="): code for code, big in DTYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in the IDX file at path (gzipped or not), in native byte order.

    Raises ValueError, naming the file and the fault, when the file is not a well-formed IDX
    file: a bad magic number, an unknown dtype code, a header cut short, or data that is shorter
    or longer than the header's sizes say.
    """
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == GZIP_MAGIC:  # an IDX file starts with 0x00 0x00, so gzip's 0x1f 0x8b is unambiguous
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path}: damaged gzip data ({error})") from error
    if len(raw) < 4:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for an IDX file (its magic number is 4)")
    zeros, code, ndim = raw[:2], raw[2], raw[3]
    if zeros != b"\x00\x00":
        raise ValueError(f"{path}: bad magic number 0x{raw[:4].hex()}: an IDX file starts with 0x0000")
    if code not in DTYPES:
        known = ", ".join(f"0x{c:02X} {np.dtype(d).name}" for c, d in DTYPES.items())
        raise ValueError(f"{path}: unknown dtype code 0x{code:02X} (known: {known})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header: {ndim} dimensions need {header} bytes, "
                         f"the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(DTYPES[code])
    expected, found = math.prod(shape) * dtype.itemsize, len(raw) - header
    if found != expected:
        fault = "truncated" if found < expected else "trailing bytes"
        raise ValueError(f"{path}: {fault}: shape {shape} of {dtype.newbyteorder('=').name} needs "
                         f"{expected} data bytes, the file has {found}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write array to path as an IDX file, gzipped when path ends in .gz.

    The array's dtype must be one IDX can hold: uint8, int8, int16, int32, float32 or float64.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in CODES:
        known = ", ".join(np.dtype(d).name for d in DTYPES.values())
        raise ValueError(f"IDX cannot hold dtype {array.dtype} (it holds {known})")
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, CODES[native], array.ndim, *array.shape)
    data = header + np.ascontiguousarray(array, dtype=DTYPES[CODES[native]]).tobytes()
    with open(path, "wb") as file:
        file.write(gzip.compress(data) if os.fspath(path).endswith(".gz") else data)
