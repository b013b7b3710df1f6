"""Making tensors: from data, from NumPy without a copy, filled, ranged and random."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import random
from autograd_mini.tensor import Tensor, _shape_args, get_default_dtype


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor holding a copy of data (a number, nested lists or an array).

    Python floats become the default dtype (float32); NumPy arrays keep theirs; integer and
    boolean tensors exist but cannot require grad.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A tensor sharing memory with a NumPy array: no copy, and the dtype is kept."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    t = Tensor(np.empty(0, dtype=array.dtype), requires_grad=requires_grad)
    t._array = array
    return t


def _filled(fill: Any, shape: tuple, dtype: Any, requires_grad: bool) -> Tensor:
    array = np.full(_shape_args(shape), fill, dtype=get_default_dtype() if dtype is None else dtype)
    return Tensor(array, requires_grad=requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _filled(0, shape, dtype, requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _filled(1, shape, dtype, requires_grad)


def full(shape: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with fill_value."""
    return _filled(fill_value, (shape,), dtype, requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Zeros with t's shape and dtype."""
    return _filled(0, (t.shape,), t.dtype, requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Ones with t's shape and dtype."""
    return _filled(1, (t.shape,), t.dtype, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, end), as NumPy's arange (integers stay integers)."""
    values = np.arange(start, end, step) if end is not None else np.arange(start)
    return Tensor(values if dtype is None else values.astype(dtype))


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded generator (see manual_seed)."""
    values = random.generator().standard_normal(_shape_args(shape))
    return Tensor(values.astype(get_default_dtype() if dtype is None else dtype), requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator (see manual_seed)."""
    values = random.generator().random(_shape_args(shape))
    return Tensor(values.astype(get_default_dtype() if dtype is None else dtype), requires_grad=requires_grad)
