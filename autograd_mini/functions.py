"""Functions of several tensors (where, cat, stack, maximum, minimum, matmul), and the tables
through which NumPy's own functions and ufuncs, given a Tensor, run autograd_mini's ops.

`np.exp(t)`, `arr * t` and the NumPy functions listed in NUMPY_FUNCTIONS keep the graph; any
other NumPy function raises TypeError (see Tensor.__array_ufunc__ and __array_function__).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_mini.ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from autograd_mini.ops.linalg import Matmul
from autograd_mini.ops.shape import Concatenate, Stack
from autograd_mini.ops.unary import Abs, Cos, Exp, Log, Maximum, Minimum, Sin, Sqrt, Tanh, Where
from autograd_mini.tensor import Tensor, _axis, _raw


def where(condition: Any, a: Any = None, b: Any = None) -> Any:
    """Elementwise `a` where condition holds, else `b` (all three broadcast together); with the
    condition alone, the indices where it holds: condition.nonzero(as_tuple=True)."""
    if a is None and b is None:
        return (condition if isinstance(condition, Tensor) else Tensor(condition)).nonzero(as_tuple=True)
    return Where.apply(_raw(condition) if isinstance(condition, Tensor) else np.asarray(condition), a, b)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dim. NumPy's name: concatenate."""
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    return Concatenate.apply(*tensors, axis=_axis(dim if axis is None else None, axis))


concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    return Stack.apply(*tensors, axis=_axis(dim if axis is None else None, axis))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b; at ties each gets half the gradient."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b; at ties each gets half the gradient."""
    return Minimum.apply(a, b)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy's rules: 1-D operands, and batch dims that broadcast."""
    return Matmul.apply(a, b)


def _elementwise(ufunc: np.ufunc) -> Callable[..., Tensor]:
    """A NumPy ufunc that is not differentiable, applied to raw data: the result has no graph."""
    return lambda *args: Tensor._make(np.asarray(ufunc(*map(_raw, args))), None, False)


NUMPY_UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.add: Add.apply,
    np.subtract: Sub.apply,
    np.multiply: Mul.apply,
    np.true_divide: Div.apply,
    np.power: Pow.apply,
    np.negative: Neg.apply,
    np.positive: lambda x: x,
    np.matmul: Matmul.apply,
    np.exp: Exp.apply,
    np.log: Log.apply,
    np.sqrt: Sqrt.apply,
    np.absolute: Abs.apply,
    np.sin: Sin.apply,
    np.cos: Cos.apply,
    np.tanh: Tanh.apply,
    np.maximum: Maximum.apply,
    np.minimum: Minimum.apply,
    **{
        u: _elementwise(u)
        for u in (
            np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
            np.sign, np.isnan, np.isinf, np.isfinite,
            np.logical_and, np.logical_or, np.logical_not,
        )
    },
}

NUMPY_FUNCTIONS: dict[Callable, Callable[..., Any]] = {
    np.sum: Tensor.sum,
    np.mean: Tensor.mean,
    np.max: Tensor.amax,
    np.min: Tensor.amin,
    np.var: lambda a, axis=None, keepdims=False, ddof=0: a.var(axis=axis, keepdims=keepdims, ddof=ddof),
    np.reshape: lambda a, shape: a.reshape(shape),
    np.transpose: lambda a, axes=None: a.T if axes is None else a.permute(axes),
    np.swapaxes: Tensor.transpose,
    np.broadcast_to: lambda a, shape: a.broadcast_to(shape),
    np.expand_dims: lambda a, axis: a.unsqueeze(axis),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.where: where,
    np.concatenate: lambda arrays, axis=0: cat(arrays, axis=axis),
    np.stack: lambda arrays, axis=0: stack(arrays, axis=axis),
    np.clip: lambda a, a_min=None, a_max=None: a.clamp(a_min, a_max),
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
}
