"""Functions of several tensors (arithmetic as add(x, y, alpha=2), where, cat, stack, maximum,
minimum, matmul, addmm, pow, atan2, and the comparisons isclose, allclose, equal), and the tables
through which NumPy's own functions and ufuncs, given a Tensor, run autograd_mini's ops.

`np.exp(t)`, `arr * t` and the NumPy functions listed in NUMPY_FUNCTIONS keep the graph; any
other NumPy function raises TypeError (see Tensor.__array_ufunc__ and __array_function__).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_mini.ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from autograd_mini.ops.exponential import Exp, Expm1, Log, Log1p, Log2, Log10
from autograd_mini.ops.linalg import Matmul
from autograd_mini.ops.powers import Reciprocal, Sqrt, Square
from autograd_mini.ops.rounding import Ceil, Floor, Sign, Trunc
from autograd_mini.ops.shape import Concatenate, Stack
from autograd_mini.ops.trigonometric import Acos, Asin, Atan, Atan2, Cos, Cosh, Sin, Sinh, Tan, Tanh
from autograd_mini.ops.unary import Abs, Maximum, Minimum, Where
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


def _tensor_first(method: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """torch.add and its kind from the Tensor method: input may also be a number, as there."""

    def function(input: Any, other: Any, **options: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        return method(input if isinstance(input, Tensor) else Tensor(input), other, **options)

    function.__name__ = function.__qualname__ = method.__name__
    function.__doc__ = method.__doc__
    return function


add, sub, mul, div = (_tensor_first(m) for m in (Tensor.add, Tensor.sub, Tensor.mul, Tensor.div))
true_divide, floor_divide, remainder = (
    _tensor_first(m) for m in (Tensor.true_divide, Tensor.floor_divide, Tensor.remainder)
)
subtract, multiply, divide = sub, mul, div


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2), for (n, k) and (k, m) matrices; input broadcasts to
    (n, m). As in PyTorch, beta = 0 ignores input (NaN in it included)."""
    product = mat1.mm(mat2)
    try:
        fits = np.broadcast_shapes(np.shape(input), product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"addmm: input of shape {tuple(np.shape(input))} does not broadcast to the product's "
            f"shape {product.shape}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b; at ties each gets half the gradient."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b; at ties each gets half the gradient."""
    return Minimum.apply(a, b)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy's rules: 1-D operands, and batch dims that broadcast."""
    return Matmul.apply(a, b)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 (PyTorch's name)
    """input ** exponent, elementwise; either may be a number (pow(2, x) is 2 ** x)."""
    return Pow.apply(input, exponent)


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) in (-π, π], elementwise: atan(input / other) in the
    right quadrant."""
    return Atan2.apply(input, other)


arctan2 = atan2


def isclose(
    input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Where |input - other| <= atol + rtol · |other| (equal infinities count as close), as a
    boolean tensor; NaNs are close to each other only with equal_nan. The two must share a dtype,
    as PyTorch requires."""
    a, b = _raw(input), _raw(other)
    if isinstance(b, np.ndarray) and a.dtype != b.dtype:
        raise TypeError(f"isclose: the tensors must have one dtype, not {a.dtype} and {b.dtype}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be at least 0, not rtol={rtol}, atol={atol}")
    try:
        close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        message = f"isclose: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together"
        raise ValueError(message) from None
    return Tensor._make(np.asarray(close), None, False)


def allclose(
    input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether isclose holds everywhere, as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two have the same shape and the same values (a NaN equals nothing), as a
    Python bool; the dtypes may differ, as in PyTorch."""
    a, b = _raw(input), _raw(other)
    return np.shape(a) == np.shape(b) and bool(np.all(a == b))


def _logical(ufunc: np.ufunc) -> Callable[..., Tensor]:
    """A logical function: nonzero counts as true, and the result is a boolean tensor."""

    def logical(input: Any, other: Any) -> Tensor:
        return Tensor._make(np.asarray(ufunc(_raw(input), _raw(other))), None, False)

    logical.__name__ = logical.__qualname__ = ufunc.__name__
    logical.__doc__ = f"Elementwise {ufunc.__name__.replace('_', ' ')} of the truth values (nonzero is true)."
    return logical


logical_and, logical_or = _logical(np.logical_and), _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def _elementwise(ufunc: np.ufunc) -> Callable[..., Tensor]:
    """A NumPy ufunc that is not differentiable, applied to raw data: the result has no graph."""
    return lambda *args: Tensor._make(np.asarray(ufunc(*map(_raw, args))), None, False)


# A Function class, called through its apply when the ufunc is (looked up then, so a tracer that
# stands in for Function.apply sees these calls too), or a function.
NUMPY_UFUNCS: dict[np.ufunc, Any] = {
    np.add: Add,
    np.subtract: Sub,
    np.multiply: Mul,
    np.true_divide: Div,
    np.power: Pow,
    np.negative: Neg,
    np.positive: lambda x: x,
    np.matmul: Matmul,
    np.exp: Exp,
    np.expm1: Expm1,
    np.log: Log,
    np.log2: Log2,
    np.log10: Log10,
    np.log1p: Log1p,
    np.sqrt: Sqrt,
    np.square: Square,
    np.reciprocal: Reciprocal,
    np.absolute: Abs,
    np.sin: Sin,
    np.cos: Cos,
    np.tan: Tan,
    np.arcsin: Asin,
    np.arccos: Acos,
    np.arctan: Atan,
    np.arctan2: Atan2,
    np.sinh: Sinh,
    np.cosh: Cosh,
    np.tanh: Tanh,
    np.floor: Floor,
    np.ceil: Ceil,
    np.trunc: Trunc,
    np.sign: Sign,
    np.maximum: Maximum,
    np.minimum: Minimum,
    **{
        u: _elementwise(u)
        for u in (
            np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
            np.isnan, np.isinf, np.isfinite,
            np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
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
