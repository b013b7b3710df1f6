"""torch.linalg's norms: vector_norm, matrix_norm and norm, built of abs, powers and sums."""

from __future__ import annotations

import math
from typing import Any

from autograd_mini.tensor import Tensor, _normalize_dims


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """(sum |x|**ord) ** (1/ord) over dim (every dim when None); inf: max |x|, -inf: min |x|,
    0: the count of nonzero elements."""
    if dim is not None:
        dim = _normalize_dims(dim, max(x.ndim, 1), "vector_norm")
    if not x.dtype.kind == "f":
        raise RuntimeError(f"linalg.vector_norm: expected a floating point tensor, not {x.dtype}")
    size = abs(x)
    if ord == math.inf:
        return size.amax(dim, keepdim)
    if ord == -math.inf:
        return size.amin(dim, keepdim)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dim, keepdim)
    if ord == 2:
        return (x * x).sum(dim, keepdim).sqrt()
    if ord == 1:
        return size.sum(dim, keepdim)
    return (size**ord).sum(dim, keepdim) ** (1 / ord)


def matrix_norm(
    x: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False  # noqa: A002
) -> Tensor:
    """Frobenius ("fro"), or the largest (1, inf) or smallest (-1, -inf) absolute column (1) or
    row (inf) sum over the two dims."""
    if x.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: takes a tensor of at least 2 dims, not shape {x.shape}")
    rows, cols = _normalize_dims(dim, x.ndim, "matrix_norm")
    if ord == "fro":
        return vector_norm(x, 2, (rows, cols), keepdim)
    if ord not in (1, -1, math.inf, -math.inf):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} is not one of 'fro', 1, -1, inf, -inf")
    summed, picked = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = abs(x).sum(summed, keepdim=True)
    out = sums.amax(picked, keepdim=True) if ord > 0 else sums.amin(picked, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(x: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """vector_norm for one dim (or ord None over all), matrix_norm for two."""
    if ord is None:
        return vector_norm(x, 2, dim, keepdim)
    if isinstance(ord, str) or (dim is not None and not isinstance(dim, int) and len(dim) == 2):
        return matrix_norm(x, ord, (-2, -1) if dim is None else dim, keepdim)
    if dim is None and x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim)
    return vector_norm(x, ord, dim, keepdim)


def tensor_norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """Tensor.norm: p is "fro" (the 2-norm over dim, every dim when None) or a vector norm's ord."""
    if p == "fro":
        return vector_norm(x, 2, dim, keepdim)
    if isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} is not supported (only 'fro' and numbers)")
    return vector_norm(x, p, dim, keepdim)
