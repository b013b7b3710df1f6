"""Argument handling for the linear-algebra Tensor methods: mm, bmm, mv, dot, einsum, tril,
diagonal and norm. They check shapes as PyTorch does (mm takes matrices and never broadcasts)
and are written with matmul, einsum, indexing and elementwise ops, which carry the gradients.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from autograd_mini.ops.index import IndexPut
from autograd_mini.ops.linalg import Einsum, Matmul
from autograd_mini.tensor import Tensor, _normalize_dims


def product(op: str, a: Tensor, b: Any, ndims: tuple[int, int]) -> Tensor:
    """a @ b once a and b have the dims op takes, and their inner sizes agree."""
    b_ndim = np.ndim(b._array if isinstance(b, Tensor) else b)
    b_shape = tuple(np.shape(b._array if isinstance(b, Tensor) else b))
    if (a.ndim, b_ndim) != ndims:
        raise RuntimeError(f"{op}: takes {ndims[0]}-D and {ndims[1]}-D operands, not {a.shape} and {b_shape}")
    if a.shape[-1] != b_shape[0 if b_ndim < 3 else 1] or (op == "bmm" and a.shape[0] != b_shape[0]):
        raise RuntimeError(f"{op}: shapes {a.shape} and {b_shape} cannot be multiplied")
    return Matmul.apply(a, b)


def explicit_equation(equation: str, ndims: list[int]) -> str:
    """The equation with spaces removed, "..." spelled out in letters of its own and the
    output written after "->" (in implicit form: the subscripts seen once, in order)."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {equation!r} names {len(terms)} operands, but {len(ndims)} were given")
    used = set(equation)
    spare = [c for c in string.ascii_letters if c not in used]
    widths = [n - len(t.replace("...", "")) for t, n in zip(terms, ndims) if "..." in t]
    width = max(widths, default=0)
    ellipsis = "".join(spare[:width])
    terms = [t.replace("...", ellipsis[width - (n - len(t) + 3) :]) for t, n in zip(terms, ndims)]
    for t, n in zip(terms, ndims):
        if len(t) != n:
            raise RuntimeError(f"einsum: the subscripts {t!r} do not fit an operand of {n} dims")
    if not arrow:
        letters = "".join(terms)
        once = (c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis)
        output = ellipsis + "".join(sorted(once))
    return ",".join(terms) + "->" + output.replace("...", ellipsis)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sums of products named by subscripts: einsum("ij,jk->ik", a, b) is a @ b."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ndims = [np.ndim(x._array if isinstance(x, Tensor) else x) for x in operands]
    equation = explicit_equation(equation, ndims)
    return Einsum.apply(*operands, equation=equation)


def triangle(x: Tensor, diagonal: int, upper: bool) -> Tensor:
    """x with the elements below (tril) or above (triu) the diagonal-th diagonal zeroed."""
    if x.ndim < 2:
        raise RuntimeError(f"{'triu' if upper else 'tril'}: takes at least 2 dims, not shape {x.shape}")
    rows, cols = x.shape[-2:]
    keep = (np.triu if upper else np.tril)(np.ones((rows, cols), bool), diagonal)
    return x * keep.astype(x.dtype)


def diagonal(x: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
    """The offset-th diagonal of the dims dim1 and dim2, as a last dim."""
    dim1, dim2 = _normalize_dims((dim1, dim2), x.ndim, "diagonal")
    if dim1 == dim2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1})")
    moved = x.movedim((dim1, dim2), (-2, -1))
    rows, cols = moved.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    count = max(min(rows - start_row, cols - start_col), 0)
    steps = np.arange(count)
    return moved[..., steps + start_row, steps + start_col]


def diag(x: Tensor, offset: int) -> Tensor:
    """A vector's matrix, with it on the offset-th diagonal; or a matrix's diagonal."""
    if x.ndim == 2:
        return diagonal(x, offset, 0, 1)
    if x.ndim != 1:
        raise RuntimeError(f"diag: takes a tensor of 1 or 2 dims, not shape {x.shape}")
    n = x.shape[0] + abs(offset)
    steps = np.arange(x.shape[0])
    # written into zeros, not multiplied by a 0/1 matrix: a NaN or inf stays in its own place
    return IndexPut.apply(x.new_zeros((n, n)), x, index=(steps + max(-offset, 0), steps + max(offset, 0)))
