"""Tensor: a NumPy array that remembers the operation that made it.

Each method is a one-line call to an op (a `Function` in `autograd_mini.ops`), so this file is
the whole user-facing surface and `ops/` is where the math lives. Names and semantics follow
PyTorch; NumPy's spellings (`axis`, `keepdims`, `clip`, `concatenate`) are accepted as aliases.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype given to Python floats and float lists (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: the default must be a floating dtype, not {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype given to Python floats and float lists."""
    return _default_dtype


_NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """A new array from user data, with PyTorch's dtype rules; anything non-numeric is refused.

    Floating arrays keep their dtype; Python floats become the default dtype; the caller's array
    is copied, so nothing done to the tensor can change it.
    """
    if isinstance(data, Tensor):
        data = data._array
    try:
        array = _read(data, dtype)
    except _TensorInList:  # read again, each tensor as its value, their dtypes counted as PyTorch
        found: set[np.dtype] = set()
        values = _values_of(data, found)
        if dtype is None:
            dtype = dtypes.result_type(*[np.empty((), d) for d in found])
        return as_array(values, dtype)
    except (ValueError, TypeError) as error:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__}: {error}") from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"tensor: data of dtype {array.dtype} is not numeric; "
            "tensors hold booleans, integers or floats"
        )
    if dtype is None and array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
        found = set()  # Python floats count as the default dtype, NumPy floats as their own
        _values_of(data, found)
        array = array.astype(dtypes.result_type(*[np.empty((), d) for d in found]), copy=False)
    return array


_reading_list = ContextVar("reading_list", default=False)


class _TensorInList(Exception):
    """Raised by Tensor.__array__ while NumPy reads a list for as_array: the list holds tensors,
    which are read as PyTorch reads them (see _values_of) rather than as NumPy would."""


def _read(data: Any, dtype: Any) -> np.ndarray:
    """np.array(data, dtype), with any tensor met inside a list raising _TensorInList."""
    if not isinstance(data, (list, tuple)):
        return np.array(data, dtype=dtype)
    token = _reading_list.set(True)
    try:
        return np.array(data, dtype=dtype)
    finally:
        _reading_list.reset(token)


def _values_of(data: Any, found: set[np.dtype]) -> Any:
    """Nested lists with each one-element tensor as its value; found collects the dtypes of the
    leaves as PyTorch counts them: a tensor's, array's or NumPy scalar's own, bool, int64 for an int and
    the default dtype for a float."""
    if isinstance(data, (list, tuple)):
        return [_values_of(x, found) for x in data]
    if isinstance(data, Tensor):
        if data._array.size != 1:
            raise ValueError(
                f"tensor: only one-element tensors can be converted to Python scalars, but the data "
                f"holds one of shape {data.shape}; use stack to join tensors"
            )
        found.add(data.dtype)
        return data._array.item()
    if isinstance(data, (np.generic, np.ndarray)):
        found.add(data.dtype)
    elif isinstance(data, bool):
        found.add(np.dtype(np.bool_))
    elif isinstance(data, int):
        found.add(np.dtype(np.int64))
    elif isinstance(data, float):
        found.add(_default_dtype)
    return data


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    `_array` is the NumPy array holding the values (users reach it with `.numpy()`, and `.data` is
    the same values as a detached Tensor, as in PyTorch); `grad` holds d(output)/d(this) after
    `output.backward()`;
    `grad_fn` is the op that produced it (None for tensors made by the user: leaves).
    """

    __slots__ = ("_array", "grad", "grad_fn", "_requires_grad", "_hooks", "__weakref__")

    # Tensors define ==, so hash by identity: the engine keys gradients by tensor.
    __hash__ = object.__hash__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._array = as_array(data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._requires_grad = False
        self._hooks: list | None = None  # a leaf's gradient hooks (see register_hook)
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data: np.ndarray, grad_fn: Any, requires_grad: bool) -> Tensor:
        """A tensor around an array an op produced: no checks, no copy (the hot path)."""
        t = object.__new__(Tensor)
        t._array, t.grad, t.grad_fn = data, None, grad_fn
        t._requires_grad, t._hooks = requires_grad, None
        return t

    # ---- autograd state ---------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor: set by the user on leaves, by ops on results."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; "
                "use .detach() to get a tensor outside the graph"
            )
        if value and self._array.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, not {self._array.dtype}; "
                "convert first, e.g. t.float()"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op: the ones whose .grad backward fills."""
        return self.grad_fn is None

    def detach(self) -> Tensor:
        """The same data (shared, not copied) outside the graph: no gradient flows through it.

        It holds a view, not the array itself, so that a graph recording both tensors can tell
        them apart (see Function.saved_tensors).
        """
        return Tensor._make(self._array.view(), None, False)

    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside the graph, sharing memory (PyTorch's `.data`).

        Changes made through it (`p.data -= lr * p.grad`, `p.data.zero_()`) reach this tensor
        but are not recorded in the graph. They do count as changes of its memory, so backward
        through a graph that saved the old values raises instead of using the new ones.
        """
        return Tensor._make(self._array, None, False)

    @data.setter
    def data(self, values: Any) -> None:
        array = values._array if isinstance(values, Tensor) else np.asarray(values)
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"data: cannot hold values of dtype {array.dtype}")
        if self._requires_grad and array.dtype.kind != "f":
            raise TypeError(f"data: a tensor that requires grad holds floats, not {array.dtype}")
        self._array = array

    def retain_grad(self) -> None:
        """Keep .grad on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad, so it never gets a gradient")
        if self.grad_fn is not None and not self.retains_grad:
            self._add_hook(RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        """Whether backward stores this non-leaf tensor's gradient in .grad (see retain_grad)."""
        hooks = self._hook_list()
        return any(isinstance(h, RetainGrad) and h.tensor() is self for h in hooks or ())

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so no gradient reaches it")
        return self._add_hook(hook)

    def _hook_list(self) -> list | None:
        # A leaf keeps its hooks; a result's live on the node that made it, the vertex the
        # engine visits in its place.
        return self._hooks if self.grad_fn is None else self.grad_fn.hooks

    def _add_hook(self, hook: Any) -> RemovableHandle:
        hooks = self._hook_list()
        if hooks is None:
            hooks = []
            if self.grad_fn is None:
                self._hooks = hooks
            else:
                self.grad_fn.hooks = hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Add d(self)/d(leaf) to .grad of every leaf that requires grad.

        `gradient` is d(loss)/d(self), needed unless self has one element. The graph's saved
        values are freed afterwards unless retain_graph; create_graph records the backward
        pass so the gradients can be differentiated again (and then keeps the graph by default).
        """
        engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # ---- array attributes -------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or its length along `dim` (PyTorch's size(); NumPy's .size is numel())."""
        return self._array.shape if dim is None else self._array.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return self._array.size

    nelement = numel

    def element_size(self) -> int:
        """The bytes each element takes: 4 for float32."""
        return self._array.itemsize

    def dim(self) -> int:
        return self._array.ndim

    @property
    def T(self) -> Tensor:
        """The axes in reverse order."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The transpose of each matrix: the last two dims swapped (at least 2 dims)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT: needs 2 dims or more (matrices), not shape {self.shape}")
        return self.transpose(-2, -1)

    mH = mT  # the conjugate transpose: tensors here are real, so the transpose

    @property
    def H(self) -> Tensor:
        """The (conjugate) transpose of a matrix; tensors here are real."""
        if self.ndim != 2:
            raise RuntimeError(f"H: needs a matrix (2 dims), not a tensor of shape {self.shape}; see mH")
        return self.transpose(0, 1)

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise ValueError(
                f"item: only one-element tensors convert to a Python number; this one has shape {self.shape}"
            )
        return self._array.item()

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared). Refused while the tensor requires grad."""
        if self.requires_grad:
            raise RuntimeError(
                "numpy: this tensor requires grad, and the array would leave the graph silently; "
                "call .detach().numpy() to say that is intended"
            )
        return self._array

    def tolist(self) -> Any:
        """The data as (nested lists of) Python numbers."""
        return self._array.tolist()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    def __iter__(self) -> Iterator[Tensor]:
        """The tensors along the first dim, each in the graph (as t[0], t[1], ...)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self._array)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """An integer tensor of one element as an index: range(t), names[t]."""
        if self._array.dtype.kind not in "iu" or self._array.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be used as an index, not one of "
                f"shape {self.shape} and dtype {self.dtype}"
            )
        return int(self._array)

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a one-element tensor's value; other tensors print as str()."""
        if spec and self._array.size == 1:
            return format(self._array.item(), spec)
        return format(str(self), spec)

    def __repr__(self) -> str:
        array = self._array
        # PyTorch's look: four decimals, unless every value is a whole number (tensor([1., 2.])).
        finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
        whole = array.dtype.kind != "f" or bool((finite == np.round(finite)).all())
        body = np.array2string(
            array, separator=", ", prefix="tensor(", precision=4, floatmode="unique" if whole else "fixed"
        )
        extras = []
        if self.dtype not in (_default_dtype, np.int64, np.bool_):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({', '.join([body, *extras])})"

    # ---- NumPy interoperation -----------------------------------------------------------------
    # np.exp(t), arr * t and the NumPy functions listed in _NUMPY_FUNCTIONS run our ops and keep
    # the graph; any other NumPy function raises TypeError instead of silently dropping it.

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """The data for np.asarray(t): shared, unless dtype asks for another dtype or copy=True.

        copy=False refuses (ValueError, as NumPy asks) when dtype would need a copy. Refused
        while the tensor requires grad, as numpy() is.
        """
        if _reading_list.get():
            raise _TensorInList
        array = self.numpy()
        converts = dtype is not None and np.dtype(dtype) != array.dtype
        if copy is False and converts:
            raise ValueError(
                f"Unable to avoid copy while creating an array as requested: the tensor holds "
                f"{array.dtype}, not {np.dtype(dtype)}"
            )
        if copy:
            return array.astype(array.dtype if dtype is None else dtype, copy=True)
        return array.astype(dtype, copy=False) if converts else array

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule of the data, shared, for np.from_dlpack(t) and torch.from_dlpack(t).

        Refused (BufferError, as PyTorch raises) while the tensor requires grad.
        """
        if self.requires_grad:
            raise BufferError(
                "__dlpack__: this tensor requires grad, and the data would leave the graph silently; "
                "export t.detach() to say that is intended"
            )
        return self._array.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(1, 0): the CPU, where every tensor lives."""
        return self._array.__dlpack_device__()

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = functions.NUMPY_UFUNCS.get(ufunc) if method == "__call__" and not kwargs else None
        if op is None:
            raise TypeError(
                f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} does not "
                "take Tensors here; use the Tensor method, or .detach().numpy() for a plain array"
            )
        return op.apply(*inputs) if isinstance(op, type) else op(*inputs)

    def __array_function__(self, func: Callable, types: Any, args: Any, kwargs: Any) -> Any:
        op = functions.NUMPY_FUNCTIONS.get(func)
        if op is None:
            raise TypeError(
                f"numpy.{func.__name__} does not take Tensors; use the autograd_mini function, "
                "or .detach().numpy() for a plain array"
            )
        return op(*args, **kwargs)

    # ---- arithmetic: the operands are tensors, arrays or numbers ------------------------------

    def __add__(self, other: Any) -> Tensor:
        return Add.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    __radd__ = __add__  # self first, as in PyTorch: b + a is a + b, and a number second is cheapest

    def __sub__(self, other: Any) -> Tensor:
        return Sub.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rsub__(self, other: Any) -> Tensor:
        return Sub.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __mul__(self, other: Any) -> Tensor:
        return Mul.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    __rmul__ = __mul__  # as __radd__

    def __truediv__(self, other: Any) -> Tensor:
        return Div.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rtruediv__(self, other: Any) -> Tensor:
        return Div.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __pow__(self, other: Any) -> Tensor:
        return Pow.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rpow__(self, other: Any) -> Tensor:
        return Pow.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __floordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rfloordiv__(self, other: Any) -> Tensor:
        return FloorDivide.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __mod__(self, other: Any) -> Tensor:
        return Remainder.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rmod__(self, other: Any) -> Tensor:
        return Remainder.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __matmul__(self, other: Any) -> Tensor:
        return Matmul.apply(self, other) if isinstance(other, _OPERANDS) else NotImplemented

    def __rmatmul__(self, other: Any) -> Tensor:
        return Matmul.apply(other, self) if isinstance(other, _OPERANDS) else NotImplemented

    def __neg__(self) -> Tensor:
        return Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    # The same as methods and torch functions: x.add(y, alpha=2) is torch.add(x, y, alpha=2).

    def add(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self + alpha * other."""
        return Add.apply(self, self._scaled(other, alpha, "add"))

    def sub(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self - alpha * other."""
        return Sub.apply(self, self._scaled(other, alpha, "sub"))

    def mul(self, other: Any) -> Tensor:
        return Mul.apply(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; rounding_mode "trunc" or "floor" rounds the quotient (gradient zeros)."""
        if rounding_mode is None:
            return Div.apply(self, other)
        return RoundedDivide.apply(self, other, rounding_mode=_rounding_mode(rounding_mode))

    def true_divide(self, other: Any) -> Tensor:
        return Div.apply(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        return FloorDivide.apply(self, other)

    def remainder(self, other: Any) -> Tensor:
        """self % other: the sign of other, as Python's %."""
        return Remainder.apply(self, other)

    def fmod(self, other: Any) -> Tensor:
        """C's fmod: the remainder with the sign of self."""
        return Fmod.apply(self, other)

    subtract, multiply, divide = sub, mul, div

    # Comparisons give boolean tensors, outside the graph.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def eq(self, other: Any) -> Tensor:
        return _compared(np.equal, self, other, "eq")

    def ne(self, other: Any) -> Tensor:
        return _compared(np.not_equal, self, other, "ne")

    def lt(self, other: Any) -> Tensor:
        return _compared(np.less, self, other, "lt")

    def le(self, other: Any) -> Tensor:
        return _compared(np.less_equal, self, other, "le")

    def gt(self, other: Any) -> Tensor:
        return _compared(np.greater, self, other, "gt")

    def ge(self, other: Any) -> Tensor:
        return _compared(np.greater_equal, self, other, "ge")

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """Where |self - other| <= atol + rtol · |other|, as a boolean tensor (see functions.isclose)."""
        return functions.isclose(self, other, rtol, atol, equal_nan)

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """Whether isclose holds everywhere, as a Python bool."""
        return functions.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: Tensor) -> bool:
        """Whether other has the same shape and values, as a Python bool."""
        return functions.equal(self, other)

    def isnan(self) -> Tensor:
        return _boolean(np.isnan(self._array))

    def isinf(self) -> Tensor:
        return _boolean(np.isinf(self._array))

    def isfinite(self) -> Tensor:
        return _boolean(np.isfinite(self._array))

    def logical_not(self) -> Tensor:
        """Elementwise not of the truth values (nonzero is true), as a boolean tensor."""
        return _boolean(np.logical_not(self._array))

    def logical_and(self, other: Any) -> Tensor:
        return functions.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return functions.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return functions.logical_xor(self, other)

    # ---- elementwise: exponentials, logarithms and powers ------------------------------------

    def exp(self) -> Tensor:
        return Exp.apply(self)

    def log(self) -> Tensor:
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        return Sqrt.apply(self)

    def expm1(self) -> Tensor:
        """e^x - 1, exact for small x."""
        return Expm1.apply(self)

    def log2(self) -> Tensor:
        return Log2.apply(self)

    def log10(self) -> Tensor:
        return Log10.apply(self)

    def log1p(self) -> Tensor:
        """log(1 + x), exact for small x."""
        return Log1p.apply(self)

    def pow(self, exponent: Any) -> Tensor:
        return Pow.apply(self, exponent)

    def square(self) -> Tensor:
        return Square.apply(self)

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x)."""
        return Rsqrt.apply(self)

    def reciprocal(self) -> Tensor:
        """1 / x."""
        return Reciprocal.apply(self)

    def neg(self) -> Tensor:
        return Neg.apply(self)

    negative = neg

    # ---- elementwise: trigonometric and hyperbolic ------------------------------------------------

    def sin(self) -> Tensor:
        return Sin.apply(self)

    def cos(self) -> Tensor:
        return Cos.apply(self)

    def tan(self) -> Tensor:
        return Tan.apply(self)

    def asin(self) -> Tensor:
        return Asin.apply(self)

    def acos(self) -> Tensor:
        return Acos.apply(self)

    def atan(self) -> Tensor:
        return Atan.apply(self)

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point (other, self) in (-π, π]: atan(self / other) in the right quadrant."""
        return Atan2.apply(self, other)

    arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2

    def sinh(self) -> Tensor:
        return Sinh.apply(self)

    def cosh(self) -> Tensor:
        return Cosh.apply(self)

    def tanh(self) -> Tensor:
        return Tanh.apply(self)

    # ---- elementwise: special functions ---------------------------------------------------------

    def erf(self) -> Tensor:
        """The error function, 2/√π ∫₀ˣ e^(-t²) dt."""
        return Erf.apply(self)

    def erfc(self) -> Tensor:
        """1 - erf(x), accurate where it is tiny."""
        return Erfc.apply(self)

    # ---- elementwise: rounding (the gradient is zeros, as in PyTorch; frac's passes) -------------

    def floor(self) -> Tensor:
        return Floor.apply(self)

    def ceil(self) -> Tensor:
        return Ceil.apply(self)

    def round(self, decimals: int = 0) -> Tensor:
        """Round to decimals places (negative: to tens, hundreds, ...), halves to even."""
        return Round.apply(self, decimals=decimals)

    def trunc(self) -> Tensor:
        """Round towards zero."""
        return Trunc.apply(self)

    fix = trunc

    def frac(self) -> Tensor:
        """x - trunc(x): the fractional part, with x's sign."""
        return Frac.apply(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 elementwise (0 at NaN, as in PyTorch)."""
        return Sign.apply(self)

    # ---- elementwise: activations, limits and mixtures ------------------------------------------

    def abs(self) -> Tensor:
        return Abs.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), computed without overflow for any x."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return LeakyRelu.apply(self, negative_slope=negative_slope)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's names)
        """Limit to [min, max]; either bound may be None. NumPy's name: clip."""
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        if isinstance(min, Tensor) and min.requires_grad or isinstance(max, Tensor) and max.requires_grad:
            return ClampBetween.apply(self, min, max)  # the bounds join the graph
        return Clip.apply(self, low=_raw(min), high=_raw(max))

    clip = clamp

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        """clamp(min=min): max(x, min) elementwise."""
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        """clamp(max=max): min(x, max) elementwise."""
        return self.clamp(max=max)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """self + weight · (end - self), elementwise; weight a tensor or a number."""
        return Lerp.apply(self, end, weight)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """NaN, inf and -inf replaced by nan, posinf and neginf (None: the dtype's largest and
        smallest finite values); the gradient passes where self is finite."""
        return NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def maximum(self, other: Any) -> Tensor:
        return Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return Minimum.apply(self, other)

    def matmul(self, other: Any) -> Tensor:
        return Matmul.apply(self, other)

    # ---- dtype and device -----------------------------------------------------------------------

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False, **_: Any) -> Tensor:
        """This tensor in another dtype, as PyTorch's to(): to(dtype), to(device), to(device, dtype),
        to(other) for other's dtype, or keywords. The device must be the CPU; the tensor itself
        comes back when nothing changes (unless copy=True). non_blocking is accepted and ignored."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype if dtype is None else dtype
            elif isinstance(arg, Device) or (isinstance(arg, str) and arg.split(":")[0] in DEVICE_TYPES):
                device = arg
            elif arg is not None:
                dtype = arg
        check_device(device, "to")
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self.clone() if copy else self
        return self._cast(np.dtype(dtype))

    def _cast(self, dtype: np.dtype) -> Tensor:
        if dtype.kind != "f":  # integer and boolean tensors carry no gradient
            return Tensor._make(self._array.astype(dtype), None, False)
        return Cast.apply(self, dtype=dtype)

    def astype(self, dtype: Any) -> Tensor:
        """NumPy's spelling of to(dtype)."""
        return self.to(dtype)

    @property
    def device(self) -> Device:
        """Where the tensor lives: always the CPU."""
        return Device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    def cpu(self) -> Tensor:
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused with an error saying there is no GPU backend."""
        raise no_backend_error(Device("cuda"), "cuda")

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def short(self) -> Tensor:
        return self.to(np.int16)

    def char(self) -> Tensor:
        return self.to(np.int8)

    def byte(self) -> Tensor:
        return self.to(np.uint8)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type(self, dtype: Any = None, non_blocking: bool = False, **_: Any) -> Any:
        """With no dtype, PyTorch's name of the tensor's type ('torch.FloatTensor' for float32,
        as PyTorch gives it, so that code comparing names runs); with a dtype or such a name
        ('torch.DoubleTensor'), the tensor converted to it, as to(dtype)."""
        if dtype is None:
            return dtypes.type_name(self.dtype)
        return self.to(dtypes.named_dtype(dtype))

    def long(self) -> Tensor:
        return self.to(np.int64)

    # ---- reductions: PyTorch's dim/keepdim or NumPy's axis/keepdims ---------------------------

    def sum(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return Sum.apply(self, **_reduction_args(self, dim, keepdim, numpy_names))

    def mean(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        return Mean.apply(self, **_reduction_args(self, dim, keepdim, numpy_names))

    def max(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
        """As PyTorch's max: the largest value (0-d) with no dim; with a dim, the named tuple
        (values, indices), the gradient going to the chosen index; with a tensor, the elementwise
        maximum."""
        return self._extreme(dim, keepdim, numpy_names, "max")

    def min(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Any:
        """As PyTorch's min: the smallest value, (values, indices) along a dim, or the elementwise
        minimum with a tensor."""
        return self._extreme(dim, keepdim, numpy_names, "min")

    def amax(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """The largest values along dim; tied maxima share the gradient evenly."""
        return Amax.apply(self, **_reduction_args(self, dim, keepdim, numpy_names))

    def amin(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """The smallest values along dim; tied minima share the gradient evenly."""
        return Amin.apply(self, **_reduction_args(self, dim, keepdim, numpy_names))

    def _extreme(self, dim: Any, keepdim: bool, numpy_names: dict, name: str) -> Any:
        if isinstance(dim, _OPERANDS) and not isinstance(dim, int):  # max(a, b): elementwise
            return (Maximum if name == "max" else Minimum).apply(self, dim)
        dim = _axis(dim, numpy_names.pop("axis", None))
        keepdim = numpy_names.pop("keepdims", keepdim)
        if numpy_names:
            raise TypeError(f"{name}: unexpected arguments {sorted(numpy_names)}")
        if dim is None:
            return (Max if name == "max" else Min).apply(self, axis=None, keepdims=False)
        (axis,) = _normalize_dims(dim, max(self.ndim, 1), name)
        if self.ndim and self.shape[axis] == 0:
            raise IndexError(f"{name}: dim {dim} of shape {self.shape} is empty, so it has no {name}imum")
        choose = np.argmax if name == "max" else np.argmin
        indices = choose(self._array, axis=axis, keepdims=True) if self.ndim else np.zeros((), np.int64)
        picked = _along(indices, axis) if self.ndim else ()
        values = self[picked]
        if not keepdim and self.ndim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        result = return_types.max if name == "max" else return_types.min
        return result(values, Tensor._make(np.asarray(indices, np.int64), None, False))


    def var(
        self, dim: Any = None, keepdim: bool = False, *, correction: int = 1, **numpy_names: Any
    ) -> Tensor:
        """Variance, dividing by N - correction: 1 by default as in PyTorch (NumPy's ddof is 0)."""
        correction = numpy_names.pop("ddof", correction)
        return Var.apply(self, correction=correction, **_reduction_args(self, dim, keepdim, numpy_names))

    def std(
        self, dim: Any = None, keepdim: bool = False, *, correction: int = 1, **numpy_names: Any
    ) -> Tensor:
        """Standard deviation, sqrt(var) (same arguments); its gradient is 0 where the spread is."""
        correction = numpy_names.pop("ddof", correction)
        return Std.apply(self, correction=correction, **_reduction_args(self, dim, keepdim, numpy_names))

    def logsumexp(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """log(sum(exp(x))) along dim, without overflow."""
        return LogSumExp.apply(self, **_reduction_args(self, dim, keepdim, numpy_names))

    def softmax(self, dim: int | None = None, dtype: Any = None, *, axis: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along dim (the last unless given), without overflow."""
        return Softmax.apply(self._in(dtype), axis=_one_dim(self, dim, axis, "softmax"))

    def log_softmax(self, dim: int | None = None, dtype: Any = None, *, axis: int | None = None) -> Tensor:
        """log(softmax(x)) along dim (the last unless given), computed directly so it stays finite."""
        return LogSoftmax.apply(self._in(dtype), axis=_one_dim(self, dim, axis, "log_softmax"))

    def _in(self, dtype: Any) -> Tensor:
        """Self cast to dtype first (the dtype= of softmax and friends), or self."""
        return self if dtype is None else self.to(dtype)

    def argmax(self, dim: int | None = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """Indices of the largest values: of the flattened tensor without dim (no gradient)."""
        return self._arg_extreme(np.argmax, dim, keepdim, numpy_names)

    def argmin(self, dim: int | None = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """Indices of the smallest values: of the flattened tensor without dim (no gradient)."""
        return self._arg_extreme(np.argmin, dim, keepdim, numpy_names)

    def _arg_extreme(self, choose: Callable, dim: Any, keepdim: bool, numpy_names: dict) -> Tensor:
        name = choose.__name__
        args = _reduction_args(self, dim, keepdim, numpy_names)
        axis = args["axis"]
        if isinstance(axis, tuple):
            raise TypeError(f"{name}: dim must be one int, not {axis}")
        if axis is not None:
            (axis,) = _normalize_dims(axis, self.ndim, name)
        if (self._array.size if axis is None else self.shape[axis]) == 0:
            raise IndexError(f"{name}: there is no index to give over an empty dim of shape {self.shape}")
        indices = choose(self._array, axis=axis, keepdims=args["keepdims"])
        return Tensor._make(np.asarray(indices, np.int64), None, False)

    # ---- order and counting ---------------------------------------------------------------------

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """The named tuple (values, indices) of the elements along dim in order; ties keep their
        order (a stable sort, which stable=False allows too), NaN counts as the largest. The
        gradient goes back through the indices."""
        return ordering.sort(self, dim, descending)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
        """The int64 indices that sort along dim: sort(...).indices."""
        return ordering.argsort(self, dim, descending)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """The named tuple (values, indices) of the k largest (smallest unless largest) elements
        along dim, in order (also when sorted=False); at ties the first ones, as a stable sort."""
        return ordering.topk(self, k, dim, largest)

    def cumsum(self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
        """The running sums along dim (integers sum in int64)."""
        return ordering.accumulate(Cumsum, self, dim, axis, dtype)

    def cumprod(self, dim: int | None = None, *, dtype: Any = None, axis: int | None = None) -> Tensor:
        """The running products along dim; the gradient is right at zeros too."""
        return ordering.accumulate(Cumprod, self, dim, axis, dtype)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None,
             **numpy_names: Any) -> Tensor:
        """The product of all elements, or along one dim; the gradient is right at zeros too."""
        return ordering.prod(self, dim, keepdim, dtype, numpy_names)

    def any(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """Whether any element (along dim) is nonzero: bool (uint8 for uint8, as PyTorch)."""
        return counting.any(self, dim, keepdim, numpy_names)

    def all(self, dim: Any = None, keepdim: bool = False, **numpy_names: Any) -> Tensor:
        """Whether every element (along dim) is nonzero: bool (uint8 for uint8, as PyTorch)."""
        return counting.all(self, dim, keepdim, numpy_names)

    def count_nonzero(self, dim: Any = None, *, axis: Any = None) -> Tensor:
        """The number of nonzero elements (along dim), as int64."""
        return counting.count_nonzero(self, dim, axis)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: int | None = None) -> Any:
        """The distinct elements (or slices along dim), sorted, and with return_inverse and
        return_counts the tuple (values, inverse, counts): where each element lies in values, and
        how often each value occurs."""
        return counting.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """How often each of 0, 1, ..., max occurs in a 1-D tensor of non-negative integers."""
        return counting.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """Counts in equal bins from min to max (the data's range when min equals max, as by
        default), in this tensor's floating dtype."""
        return counting.histc(self, bins, min, max)

    def histogram(self, bins: Any, *, range: Any = None, weight: Any = None, density: bool = False) -> Any:  # noqa: A002
        """The named tuple (hist, bin_edges): counts in `bins` equal bins over range (the data's
        by default) or between the edges of a 1-D tensor bins; weight counts each element by
        its weight, and density makes the histogram integrate to 1."""
        return counting.histogram(self, bins, range=range, weight=weight, density=density)

    # ---- new tensors with this one's dtype --------------------------------------------------------
    # The options are the creation functions' (dtype, device, requires_grad); dtype is this one's
    # unless given.

    def new_zeros(self, *size: Any, **options: Any) -> Tensor:
        return creation.zeros(*size, **self._new_options(options))

    def new_ones(self, *size: Any, **options: Any) -> Tensor:
        return creation.ones(*size, **self._new_options(options))

    def new_empty(self, *size: Any, **options: Any) -> Tensor:
        """An unfilled tensor of size."""
        return creation.empty(*size, **self._new_options(options))

    def new_full(self, size: Any, fill_value: Any, **options: Any) -> Tensor:
        return creation.full(size, fill_value, **self._new_options(options))

    def new_tensor(self, data: Any, **options: Any) -> Tensor:
        """A copy of data, outside any graph."""
        return creation.tensor(data, **self._new_options(options))

    def _new_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {**options, "dtype": self.dtype if options.get("dtype") is None else options["dtype"]}

    # ---- shape ----------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one dim may be -1. reshape(2, 3) or reshape((2, 3))."""
        shape = _shape_args(shape)
        return self if shape == self.shape else Reshape.apply(self, shape=shape)

    def view(self, *shape: Any) -> Tensor:
        """reshape, sharing memory: NumPy's reshape of our (always contiguous) arrays is a view, so
        PyTorch's refusal of views of non-contiguous tensors never arises."""
        return self.reshape(*shape)

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """self: arrays here are always laid out in order."""
        return self

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Split dim into sizes (one may be -1)."""
        (d,) = _normalize_dims(dim, self.ndim, "unflatten")
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1 :])

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dims start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (d % self.ndim for d in (start_dim, end_dim))
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1 :])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder all dims: result dim i is dim dims[i] of self."""
        dims = _shape_args(dims)
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a reordering of the dims of shape {self.shape}")
        return Permute.apply(self, dims=dims)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims (PyTorch's meaning; NumPy's transpose(axes) is permute here)."""
        dims = list(range(self.ndim))
        dim0, dim1 = _normalize_dims((dim0, dim1), max(self.ndim, 1), "transpose")
        if self.ndim == 0:  # dims 0 and -1 of a 0-d tensor: nothing to swap, as in PyTorch
            return self
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return Permute.apply(self, dims=tuple(dims))

    swapaxes = swapdims = transpose

    def t(self) -> Tensor:
        """The transpose of a matrix (tensors of at most 2 dims, as PyTorch's t())."""
        if self.ndim > 2:
            raise RuntimeError(f"t: takes a tensor of at most 2 dims, not shape {self.shape}; use transpose")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop size-1 dims: all of them, or those named by dim (an int or a tuple)."""
        dims = range(self.ndim) if dim is None else _normalize_dims(dim, max(self.ndim, 1), "squeeze")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dim at position dim (negative counts from the end of the result)."""
        (dim,) = _normalize_dims(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def broadcast_to(self, *shape: Any) -> Tensor:
        """A view repeated along size-1 (or new leading) dims to `shape`."""
        shape = _shape_args(shape)
        return self if shape == self.shape else BroadcastTo.apply(self, shape=shape)

    def expand(self, *sizes: Any) -> Tensor:
        """broadcast_to, where -1 keeps that dim's size."""
        return self.broadcast_to(movement.expanded_shape(self.shape, _shape_args(sizes)))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.broadcast_to(other.shape)

    def repeat(self, *repeats: Any) -> Tensor:
        """Tile self repeats[i] times along dim i (new leading dims when repeats is longer)."""
        return movement.repeat(self, _shape_args(repeats))

    def tile(self, *dims: Any) -> Tensor:
        """repeat, where fewer dims than self has are padded with 1s at the front."""
        dims = _shape_args(dims)
        return movement.repeat(self, (1,) * (self.ndim - len(dims)) + dims)

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *, output_size: Any = None) -> Tensor:
        """Each element (or slice along dim) repeated repeats times, one after another."""
        return movement.repeat_interleave(self, _raw(repeats), dim)

    def flip(self, *dims: Any) -> Tensor:
        """Reverse the order along each of dims."""
        axes = _normalize_dims(_shape_args(dims), self.ndim, "flip") if self.ndim else ()
        return self[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))]

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Shift elements along dims by shifts, wrapping around (flattened when dims is None)."""
        return movement.roll(self, shifts, dims)

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """Elements start..start+length of dim."""
        return movement.narrow(self, dim, int(start), int(length))

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along dim: of split_size each (the last may be shorter), or of the listed sizes."""
        return movement.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most `chunks` pieces along dim, of ceil(size / chunks) each, as PyTorch's chunk."""
        return movement.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along dim, with dim removed."""
        (d,) = _normalize_dims(dim, self.ndim, "unbind")
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self.shape[d]))

    def movedim(self, source: Any, destination: Any) -> Tensor:
        """Move dims source to positions destination, the others keeping their order."""
        return movement.movedim(self, source, destination)

    moveaxis = movedim

    def __getitem__(self, index: Any) -> Tensor:
        """NumPy indexing: ints, slices, None, ..., boolean masks and integer arrays."""
        return GetItem.apply(self, index=_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        """t[index] = value, in place and recorded (PyTorch's index_put_): any index __getitem__
        takes, and a tensor or number broadcast to the selected part."""
        _check_index_put_dtype(self, index, value)
        apply_inplace(self, "__setitem__", IndexPut, value, index=_index(index))

    # ---- linear algebra ---------------------------------------------------------------------------

    def mm(self, other: Any) -> Tensor:
        """Matrix product of (n, k) and (k, m) matrices (no broadcasting: see matmul)."""
        return matrices.product("mm", self, other, (2, 2))

    def bmm(self, other: Any) -> Tensor:
        """Batched matrix product of (b, n, k) and (b, k, m)."""
        return matrices.product("bmm", self, other, (3, 3))

    def mv(self, other: Any) -> Tensor:
        """Matrix (n, k) times vector (k,)."""
        return matrices.product("mv", self, other, (2, 1))

    def dot(self, other: Any) -> Tensor:
        """Inner product of two vectors of one length."""
        return matrices.product("dot", self, other, (1, 1))

    inner = dot

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
        """beta * self + alpha * (mat1 @ mat2): see autograd_mini.addmm."""
        return functions.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def outer(self, other: Tensor) -> Tensor:
        """(n,) and (m,) to their (n, m) products."""
        return matrices.einsum("i,j->ij", self, other)

    ger = outer

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims, from the diagonal-th diagonal down."""
        return matrices.triangle(self, diagonal, upper=False)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims, from the diagonal-th diagonal up."""
        return matrices.triangle(self, diagonal, upper=True)

    def diag(self, diagonal: int = 0) -> Tensor:
        """A vector to the matrix holding it on the diagonal-th diagonal; a matrix to that diagonal."""
        return matrices.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The offset-th diagonal of dims dim1 and dim2, as the last dim."""
        return matrices.diagonal(self, offset, dim1, dim2)

    def trace(self) -> Tensor:
        """The sum of a matrix's diagonal."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, not shape {self.shape}")
        return self.diagonal().sum()

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm ("fro": 2) over dim (every dim when None): see autograd_mini.linalg."""
        return linalg.tensor_norm(self, p, dim, keepdim)

    # ---- indexing ---------------------------------------------------------------------------------

    def gather(self, dim: int, index: Any) -> Tensor:
        """`out[i][j][k] = self[index[i][j][k]][j][k]` for dim 0 (and likewise along any dim)."""
        return indexing.gather(self, dim, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """gather, with self and indices broadcast over the other dims (flattened when dim is None)."""
        return indexing.take_along_dim(self, indices, dim)

    def take(self, index: Any) -> Tensor:
        """The elements of the flattened tensor at index, in index's shape."""
        return indexing.take(self, index)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices along dim at the positions of a 1-D index."""
        return indexing.index_select(self, dim, index)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where a boolean mask (broadcast) is true, as a 1-D tensor."""
        return indexing.masked_select(self, mask)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        """self with src's (or value's) elements written along dim at the places index names:
        `out[index[i][j]][j] = src[i][j]` for dim 0."""
        return indexing.scatter(self, dim, index, value if src is None else src, add=False)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """scatter, adding src's elements (repeated places add up) instead of writing them."""
        return indexing.scatter(self, dim, index, src, add=True, op="scatter_add")

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        """self with alpha * source's slices added along dim at the positions of index."""
        values, options = indexing.index_add_args(self, dim, index, source, alpha)
        return IndexAdd.apply(self, values, **options)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The int64 indices of the nonzero elements: (n, ndim), or one vector per dim."""
        return indexing.nonzero(self, as_tuple)

    # ---- in place: the tensor keeps its identity and memory -------------------------------------
    # autograd_mini.inplace runs the out-of-place op, writes its result into the tensor's array and,
    # when a gradient is needed, makes the op's node the tensor's grad_fn.

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        return apply_inplace(self, "add_", Add, self._scaled(other, alpha, "add_"))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place."""
        return apply_inplace(self, "sub_", Sub, self._scaled(other, alpha, "sub_"))

    def _scaled(self, other: Any, alpha: Any, op: str) -> Any:
        """alpha * other, for add and sub: alpha must suit and fit the result's dtype (self's, in
        place), as in PyTorch. As there, other first takes the dtype the sum is computed in, so
        that a float64 tensor plus 2.0 times a float32 3e38 is 6e38, not 2.0 * 3e38 = inf in float32."""
        if alpha == 1 and type(alpha) is int:
            return other
        if op.startswith("sub") and is_bool(other):  # scaling would hide the boolean from Sub
            raise RuntimeError(BOOL_SUBTRACTION)
        computed = dtypes.result_type(self, other)
        dtype = self._array.dtype if op.endswith("_") else computed
        if type(alpha) is bool and dtype.kind != "b" or type(alpha) is float and dtype.kind in "iub":
            raise RuntimeError(f"{op}: alpha={alpha!r} does not suit a result of dtype {dtype}")
        check_fits(alpha, dtype, op)
        if isinstance(other, np.generic):  # a number to PyTorch
            other = other.item()
        elif isinstance(other, (Tensor, np.ndarray)):
            other = (other if isinstance(other, Tensor) else Tensor(other)).to(computed)
        return alpha * other

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        picked, values = indexing.scatter_args(self, dim, index, value if src is None else src, "scatter_")
        return apply_inplace(self, "scatter_", IndexPut, values, index=picked)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        picked, values = indexing.scatter_args(self, dim, index, src, "scatter_add_")
        return apply_inplace(self, "scatter_add_", IndexAdd, values, index=picked)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
        values, options = indexing.index_add_args(self, dim, index, source, alpha)
        return apply_inplace(self, "index_add_", IndexAdd, values, **options)

    def mul_(self, other: Any) -> Tensor:
        return apply_inplace(self, "mul_", Mul, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is None:
            return apply_inplace(self, "div_", Div, other)
        return apply_inplace(self, "div_", RoundedDivide, other, rounding_mode=_rounding_mode(rounding_mode))

    def true_divide_(self, other: Any) -> Tensor:
        return apply_inplace(self, "true_divide_", Div, other)

    def floor_divide_(self, other: Any) -> Tensor:
        return apply_inplace(self, "floor_divide_", FloorDivide, other)

    def remainder_(self, other: Any) -> Tensor:
        return apply_inplace(self, "remainder_", Remainder, other)

    def fmod_(self, other: Any) -> Tensor:
        return apply_inplace(self, "fmod_", Fmod, other)

    subtract_, multiply_, divide_ = sub_, mul_, div_

    def pow_(self, exponent: Any) -> Tensor:
        return apply_inplace(self, "pow_", Pow, exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's names)
        """Limit to [min, max] in place."""
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min and max")
        return apply_inplace(self, "clamp_", Clip, low=_raw(min), high=_raw(max))

    clip_ = clamp_

    def relu_(self) -> Tensor:
        return apply_inplace(self, "relu_", Relu)

    def sigmoid_(self) -> Tensor:
        return apply_inplace(self, "sigmoid_", Sigmoid)

    def tanh_(self) -> Tensor:
        return apply_inplace(self, "tanh_", Tanh)

    def exp_(self) -> Tensor:
        return apply_inplace(self, "exp_", Exp)

    def log_(self) -> Tensor:
        return apply_inplace(self, "log_", Log)

    def sqrt_(self) -> Tensor:
        return apply_inplace(self, "sqrt_", Sqrt)

    def square_(self) -> Tensor:
        return apply_inplace(self, "square_", Square)

    def reciprocal_(self) -> Tensor:
        return apply_inplace(self, "reciprocal_", Reciprocal)

    def neg_(self) -> Tensor:
        return apply_inplace(self, "neg_", Neg)

    negative_ = neg_

    def abs_(self) -> Tensor:
        return apply_inplace(self, "abs_", Abs)

    def sign_(self) -> Tensor:
        return apply_inplace(self, "sign_", Sign)

    def floor_(self) -> Tensor:
        return apply_inplace(self, "floor_", Floor)

    def ceil_(self) -> Tensor:
        return apply_inplace(self, "ceil_", Ceil)

    def round_(self, decimals: int = 0) -> Tensor:
        return apply_inplace(self, "round_", Round, decimals=decimals)

    def trunc_(self) -> Tensor:
        return apply_inplace(self, "trunc_", Trunc)

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        return self.clamp_(min=min)

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        return self.clamp_(max=max)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return apply_inplace(self, "lerp_", Lerp, end, weight)

    def nan_to_num_(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        return apply_inplace(self, "nan_to_num_", NanToNum, nan=nan, posinf=posinf, neginf=neginf)

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Set the elements where the boolean mask (broadcast to self's shape) holds to value."""
        value = self._fill_value(value, "masked_fill_")
        return apply_inplace(self, "masked_fill_", IndexPut, value, index=self._mask(mask, "masked_fill_"))

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where condition holds, else other: torch.where(condition, self, other)."""
        return functions.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """A copy with value where the boolean mask (broadcast to self's shape) holds."""
        value = self._fill_value(value, "masked_fill")
        return IndexPut.apply(self, value, index=self._mask(mask, "masked_fill"))

    def _fill_value(self, value: Any, op: str) -> Any:
        """masked_fill's value, which must fit self's dtype, as a number or as a 0-d tensor."""
        if isinstance(value, Tensor) and value._array.ndim == 0 and value._array.dtype != self._array.dtype:
            check_fits(value._array.item(), self._array.dtype, op)
        return value

    def _mask(self, mask: Any, op: str) -> np.ndarray:
        mask = np.asarray(_raw(mask))
        if mask.dtype != np.bool_:
            raise TypeError(f"{op}: the mask must be boolean, not {mask.dtype}")
        try:
            return np.broadcast_to(mask, self.shape)
        except ValueError:
            message = f"{op}: a mask of shape {mask.shape} does not broadcast to {self.shape}"
            raise ValueError(message) from None

    def fill_(self, value: Any) -> Tensor:
        """Set every element to value (a number or a one-element tensor), in place."""
        return apply_inplace(self, "fill_", Fill, value)

    def zero_(self) -> Tensor:
        return apply_inplace(self, "zero_", Fill, 0)

    def copy_(self, src: Any) -> Tensor:
        """Copy src's values (broadcast to self's shape, cast to its dtype) into self, in place."""
        return apply_inplace(self, "copy_", Fill, src)

    # Random fills: the drawn values are constants, so the gradient stops here (as in PyTorch).
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        return self._fill_drawn("normal_", random.fill_normal, mean, std, generator)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
        return self._fill_drawn("uniform_", random.fill_uniform, from_, to, generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        return self._fill_drawn("bernoulli_", random.fill_bernoulli, _raw(p), generator)

    def random_(self, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Tensor:
        """Integers drawn uniformly from [from_, to) (to=None: as high as the dtype holds exactly)."""
        return self._fill_drawn("random_", random.fill_integers, from_, to, generator)

    def _fill_drawn(self, name: str, fill: Callable, *args: Any) -> Tensor:
        return apply_inplace(self, name, Fill, fill(np.empty_like(self._array), *args))

    def clone(self) -> Tensor:
        """A copy in new memory that stays in the graph: gradients flow back to self."""
        return Clone.apply(self)

    # a += b changes a itself, as in PyTorch (a leaf that requires grad only under no_grad).
    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __ipow__(self, other: Any) -> Tensor:
        return self.pow_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __ifloordiv__(self, other: Any) -> Tensor:
        return self.floor_divide_(other) if isinstance(other, _OPERANDS) else NotImplemented

    def __imod__(self, other: Any) -> Tensor:
        return self.remainder_(other) if isinstance(other, _OPERANDS) else NotImplemented

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (shared with its views)."""
        return version(self._array)


class RemovableHandle:
    """Returned by register_hook: call remove() to take the hook off again."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_OPERANDS = (Tensor, np.ndarray, np.generic, int, float)

class RetainGrad:
    """The hook retain_grad() adds: the engine stores the gradient in the tensor's .grad.

    It holds the tensor weakly, as the node holding the hook must not keep its result alive.
    """

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = weakref.ref(tensor)


def _raw(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    if not isinstance(b, _OPERANDS):
        return NotImplemented
    return Tensor._make(np.asarray(ufunc(_raw(a), _raw(b))), None, False)


def _compared(ufunc: np.ufunc, a: Any, b: Any, name: str) -> Tensor:
    """A comparison method: as the operator, but a TypeError where the operator says NotImplemented."""
    if not isinstance(b, _OPERANDS):
        raise TypeError(f"{name}: cannot compare a tensor with {type(b).__name__}")
    return _compare(ufunc, a, b)


def _boolean(result: Any) -> Tensor:
    """A boolean result of NumPy (a scalar for 0-d input) as a tensor outside the graph."""
    return Tensor._make(np.asarray(result), None, False)


def _axis(dim: Any, axis: Any) -> Any:
    """One axis argument from PyTorch's `dim` or NumPy's `axis`; lists become tuples."""
    if dim is not None and axis is not None:
        raise TypeError("give dim or axis, not both")
    axis = dim if axis is None else axis
    return tuple(axis) if isinstance(axis, list) else axis


def _reduction_args(x: Tensor, dim: Any, keepdim: bool, numpy_names: dict[str, Any]) -> dict[str, Any]:
    """axis and keepdims for a reduction of x, from PyTorch's dim/keepdim or NumPy's axis/keepdims.

    As in PyTorch, dim=() or [] means every dim, and a 0-d tensor takes dim 0 or -1.
    """
    if numpy_names:
        axis = numpy_names.pop("axis", None)
        keepdim = bool(numpy_names.pop("keepdims", keepdim))
        if numpy_names:
            raise TypeError(
                f"unexpected arguments {sorted(numpy_names)}; reductions take dim/axis and keepdim/keepdims"
            )
        dim = _axis(dim, axis)
    if dim is None:  # the common case, kept fast
        return {"axis": None, "keepdims": keepdim}
    if isinstance(dim, (tuple, list)):
        dim = tuple(dim) or None
    if x._array.ndim == 0 and dim is not None:
        _normalize_dims(dim, 1, "reduction")  # only 0 and -1 name the one dim a 0-d tensor has
        dim = None
    return {"axis": dim, "keepdims": keepdim}


def _one_dim(x: Tensor, dim: Any, axis: Any, op: str) -> int:
    """The one dim an op like softmax works along: PyTorch's dim or NumPy's axis, the last by
    default, checked against x's dims (a 0-d tensor takes 0 or -1)."""
    dim = _axis(dim, axis)
    if dim is None:
        return -1
    (dim,) = _normalize_dims(dim, max(x._array.ndim, 1), op)
    return dim if x._array.ndim else -1


def _rounding_mode(mode: Any) -> str:
    if mode not in ("trunc", "floor"):
        raise ValueError(f'div: rounding_mode must be None, "trunc" or "floor", not {mode!r}')
    return mode


def _shape_args(shape: tuple) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def _normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        if not -ndim <= d < ndim:
            expected = f"expected in [{-ndim}, {ndim - 1}]"
            raise IndexError(f"{op}: dim {d} is out of range for {ndim} dims ({expected})")
    return tuple(d % ndim for d in dims)


def _along(indices: np.ndarray, axis: int) -> tuple:
    """The index picking, at each position of the other axes, the element that indices names
    along axis (indices keeps axis with length 1): NumPy's take_along_axis as an index."""
    grids = np.indices(indices.shape, sparse=True)
    return tuple(indices if i == axis else grid for i, grid in enumerate(grids))


def _index(index: Any) -> Any:
    """NumPy's form of a user's index: tensors and lists become arrays of our own, and integers
    mixed with index arrays select first, as PyTorch reads them (see IntegersFirst)."""
    if isinstance(index, tuple):
        index = tuple([_index(part) for part in index])
        return IntegersFirst(index) if IntegersFirst.needed(index) else index
    if isinstance(index, (Tensor, np.ndarray)):  # copied: the op keeps it for backward
        return np.array(_raw(index))
    if isinstance(index, list):  # an empty list selects nothing (NumPy would make it a float array)
        return np.asarray(index) if index else np.empty(0, np.intp)
    return index


def _check_index_put_dtype(x: Tensor, index: Any, value: Any) -> None:
    """Through an index array or mask PyTorch writes only a tensor of x's own dtype; a tensor of
    one element under one mask (a masked_fill) and basic indexing (a copy_) convert it."""
    if not isinstance(value, Tensor) or value._array.dtype == x._array.dtype:
        return
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [np.asarray(_raw(p)) for p in parts if isinstance(p, (Tensor, np.ndarray, list))]
    if not arrays:
        return
    if len(parts) == 1 and arrays[0].dtype == np.bool_ and arrays[0].ndim and value._array.size == 1:
        return
    raise RuntimeError(
        f"index put requires the source and destination dtypes to match: {x.dtype} for the "
        f"destination and {value.dtype} for the source; convert the source with .to({x.dtype})"
    )


# The ops are Functions, and Function builds Tensors: so they load once Tensor exists.
from autograd_mini import (  # noqa: E402
    counting,
    creation,
    dtypes,
    engine,
    functions,
    indexing,
    linalg,
    matrices,
    movement,
    ordering,
    random,
    return_types,
)
from autograd_mini.device import DEVICE_TYPES, check_device, no_backend_error  # noqa: E402
from autograd_mini.device import device as Device  # noqa: E402, N812
from autograd_mini.inplace import apply_inplace, version  # noqa: E402
from autograd_mini.limits import check_fits  # noqa: E402
from autograd_mini.ops.arithmetic import (  # noqa: E402
    BOOL_SUBTRACTION,
    Add,
    Div,
    FloorDivide,
    Fmod,
    Lerp,
    Mul,
    Neg,
    Pow,
    Remainder,
    RoundedDivide,
    Sub,
    is_bool,
)
from autograd_mini.ops.exponential import Exp, Expm1, Log, Log1p, Log2, Log10  # noqa: E402
from autograd_mini.ops.index import GetItem, IndexAdd, IndexPut, IntegersFirst  # noqa: E402
from autograd_mini.ops.linalg import Matmul  # noqa: E402
from autograd_mini.ops.order import Cumprod, Cumsum  # noqa: E402
from autograd_mini.ops.powers import Reciprocal, Rsqrt, Sqrt, Square  # noqa: E402
from autograd_mini.ops.reduce import (  # noqa: E402
    Amax,
    Amin,
    LogSoftmax,
    LogSumExp,
    Max,
    Mean,
    Min,
    Softmax,
    Std,
    Sum,
    Var,
)
from autograd_mini.ops.rounding import Ceil, Floor, Frac, Round, Sign, Trunc  # noqa: E402
from autograd_mini.ops.shape import BroadcastTo, Clone, Fill, Permute, Reshape  # noqa: E402
from autograd_mini.ops.special import Erf, Erfc  # noqa: E402
from autograd_mini.ops.trigonometric import Acos, Asin, Atan, Atan2, Cos, Cosh, Sin, Sinh, Tan, Tanh  # noqa: E402
from autograd_mini.ops.unary import (  # noqa: E402
    Abs,
    Cast,
    ClampBetween,
    Clip,
    LeakyRelu,
    Maximum,
    Minimum,
    NanToNum,
    Relu,
    Sigmoid,
)
