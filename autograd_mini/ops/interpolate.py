"""Interpolation along one axis as a matrix: (out, size), row o mixing the inputs that output o
reads. `AlongAxes` (ops/pool.py) applies one such matrix per axis, so resizing is linear and its
gradient is the transpose.

The source coordinates are PyTorch's, computed in the same precision (float32 for nearest, the
input's own float type for linear), so that the same inputs pick the same neighbours.
"""

from __future__ import annotations

import numpy as np


def _scale(size: int, out: int, scale_factor: float | None, dtype: type) -> np.floating:
    """Input steps per output step: 1/scale_factor when one is given, else size/out."""
    if scale_factor is not None and scale_factor > 0:
        return dtype(1.0 / scale_factor)
    return dtype(size) / dtype(out)


def nearest_matrix(size: int, out: int, scale_factor: float | None, exact: bool) -> np.ndarray:
    """(out, size) of 0 and 1: output o copies input floor(o·scale) ('nearest') or
    floor((o + 0.5)·scale) ('nearest-exact'), clipped to the last input."""
    dst = np.arange(out, dtype=np.float32)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * _scale(size, out, scale_factor, np.float32))
    elif out == size:  # PyTorch's exact shortcuts for scale 1 and 2
        src = dst
    elif out == 2 * size:
        src = np.arange(out) // 2
    else:
        src = np.floor(dst * _scale(size, out, scale_factor, np.float32))
    src = np.minimum(src.astype(np.int64), size - 1)
    matrix = np.zeros((out, size))
    matrix[np.arange(out), src] = 1
    return matrix


def linear_matrix(
    size: int, out: int, scale_factor: float | None, align_corners: bool, dtype: np.dtype
) -> np.ndarray:
    """(out, size): output o is `(1 - λ)·x[i] + λ·x[i + 1]` at source coordinate `i + λ`.

    align_corners=True maps the first and last outputs onto the first and last inputs; False
    maps pixel centres, (o + 0.5)·scale - 0.5, clipped at 0.
    """
    real = dtype.type
    dst = np.arange(out, dtype=dtype)
    if align_corners:
        scale = real(size - 1) / real(out - 1) if out > 1 else real(0)
        src = scale * dst
    else:
        src = np.maximum(_scale(size, out, scale_factor, real) * (dst + real(0.5)) - real(0.5), real(0))
    low = np.minimum(np.floor(src).astype(np.int64), size - 1)
    weight = np.clip(src - low, 0, 1).astype(np.float64)
    high = low + (low < size - 1)
    matrix = np.zeros((out, size))
    np.add.at(matrix, (np.arange(out), low), 1 - weight)
    np.add.at(matrix, (np.arange(out), high), weight)
    return matrix
