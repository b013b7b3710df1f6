"""examples/idx.py: IDX files (MNIST's format) read back as written, and broken ones refused by name."""

import gzip
import os
import re
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
from idx import read_idx, write_idx  # noqa: E402

# the IDX dtype codes and the big-endian dtype each stands for, written out independently of idx.py
CODES = {"uint8": (0x08, ">u1"), "int8": (0x09, ">i1"), "int16": (0x0B, ">i2"), "int32": (0x0C, ">i4"),
         "float32": (0x0D, ">f4"), "float64": (0x0E, ">f8")}


def idx_bytes(array: np.ndarray, code: int, big_endian: str) -> bytes:
    """An IDX file by hand: 0x00 0x00, dtype code, ndim, big-endian uint32 sizes, big-endian data."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(big_endian).tobytes()


def sample(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Values that use the dtype's range: negative numbers, large magnitudes, fractions."""
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    count = int(np.prod(shape))
    if info is not None:
        values = np.linspace(info.min, info.max, count).round()
    else:
        values = np.linspace(-3e5, 7e5, count) / 7.0
    return values.astype(dtype).reshape(shape)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("dtype", list(CODES))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)])
def test_hand_written_file_reads_back(tmp_path, dtype, shape, compressed):
    array = sample(dtype, shape)
    data = idx_bytes(array, *CODES[dtype])
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    path.write_bytes(gzip.compress(data) if compressed else data)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative and back.shape == shape
    np.testing.assert_array_equal(back, array)
    back[...] = 0  # a writable copy, not a view of the file's bytes


@pytest.mark.parametrize("dtype", list(CODES))
def test_write_idx_writes_the_format(tmp_path, dtype):
    array = sample(dtype, (2, 3, 4))
    write_idx(tmp_path / "a.idx", array)
    assert (tmp_path / "a.idx").read_bytes() == idx_bytes(array, *CODES[dtype])
    write_idx(tmp_path / "a.idx.gz", array.astype(array.dtype.newbyteorder(">")))  # any byte order in
    assert gzip.decompress((tmp_path / "a.idx.gz").read_bytes()) == idx_bytes(array, *CODES[dtype])
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), array)


def test_mnist_like_header(tmp_path):
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    write_idx(tmp_path / "labels", labels)
    assert (tmp_path / "labels").read_bytes()[:8] == bytes.fromhex("00000801 00000005")
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "images", images)
    assert (tmp_path / "images").read_bytes()[:16] == bytes.fromhex("00000803 00000003 0000001c 0000001c")


def test_empty_dimension_and_scalar(tmp_path):
    write_idx(tmp_path / "empty", np.zeros((0, 28), dtype=np.uint8))
    assert read_idx(tmp_path / "empty").shape == (0, 28)
    write_idx(tmp_path / "scalar", np.float64(2.5))
    assert read_idx(tmp_path / "scalar").shape == () and read_idx(tmp_path / "scalar") == 2.5


def broken(tmp_path, data: bytes, compressed: bool = False):
    path = tmp_path / ("broken.gz" if compressed else "broken")
    path.write_bytes(gzip.compress(data) if compressed else data)
    return path


GOOD = idx_bytes(np.arange(12, dtype=np.int16).reshape(3, 4), 0x0B, ">i2")


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("data, message", [
    (b"", r"0 bytes is too short"),
    (b"\x00\x00\x08", r"3 bytes is too short"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", r"bad magic number 0x01000801"),
    (b"\x00\x00\x0a\x01" + struct.pack(">I", 1) + b"\x00", r"unknown dtype code 0x0A \(known: 0x08 uint8"),
    (GOOD[:10], r"truncated header: 2 dimensions need 12 bytes, the file has 10"),
    (GOOD[:-1], r"truncated: shape \(3, 4\) of int16 needs 24 data bytes, the file has 23"),
    (GOOD + b"\x00\x00", r"trailing bytes: shape \(3, 4\) of int16 needs 24 data bytes, the file has 26"),
], ids=["empty", "short", "magic", "dtype", "header", "truncated", "trailing"])
def test_malformed_file_is_refused_by_name(tmp_path, data, message, compressed):
    path = broken(tmp_path, data, compressed)
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: {message}"):
        read_idx(path)


def test_cut_gzip_stream_is_refused(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(GOOD)[:-8])
    with pytest.raises(ValueError, match=rf"^{re.escape(str(path))}: damaged gzip data"):
        read_idx(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent")


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.uint16, np.bool_])
def test_write_refuses_dtypes_idx_cannot_hold(tmp_path, dtype):
    with pytest.raises(ValueError, match=r"IDX cannot hold dtype .* \(it holds uint8, int8, int16"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=dtype))
