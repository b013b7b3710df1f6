"""PyTorch's dtype promotion: the dtype an op gives when its operands' dtypes differ (and, at
the end, PyTorch's names of tensor types).

PyTorch ranks each operand twice. Its category: bool < integer < floating. Its priority: a
tensor with dims, then a 0-d tensor, then a Python number. The result comes from the operands
of the highest category and, among those, of the highest priority: NumPy's promotion of their
dtypes, where a Python bool counts as bool, an int as int64 and a float as the default dtype.
So a lower priority can lift the category but never widens within it:

    float32 tensor + 2.5              -> float32   (a number of the same category)
    float32 tensor + float64 0-d      -> float32   (a 0-d tensor of the same category)
    int64 tensor + float64 0-d        -> float64   (the 0-d tensor lifts the category)
    int64 tensor + 2.5                -> the default dtype (float32 unless changed)
    float32 tensor + int64 tensor     -> float32   (NumPy would say float64)

NumPy scalars (np.float64(2)) count as Python numbers, as in PyTorch. True division and the
floating functions (exp, log, ...) of integers give the default dtype.

NumPy 2 already treats Python numbers this way, except a float joining integers. So the ops
first check, cheaply, whether their operands share one dtype or are a floating array and a
Python number, and come here only otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.tensor import Tensor, get_default_dtype

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}  # dtype.kind -> bool, integer, floating
NUMBERS = (float, int, bool)  # Python numbers: NumPy 2 lets the array decide, as PyTorch does
# The floating dtypes, for the ops' quick `x.dtype in FLOATS` (a set lookup, about half the cost
# of reading dtype.kind); any other dtype (longdouble) takes the full path, which is exact.
FLOATS = frozenset({np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)})
_INT64, _BOOL = np.dtype(np.int64), np.dtype(np.bool_)
_ndarray = np.ndarray  # bound once: promote runs for every op of an array and a number


def _rank(x: Any) -> tuple[int, int, np.dtype]:
    """(category, priority, dtype) of one operand: an array, a Tensor or a number."""
    if isinstance(x, Tensor):
        x = x._array
    if isinstance(x, np.ndarray):
        category = _CATEGORY.get(x.dtype.kind)
        if category is None:
            raise TypeError(f"no dtype promotion for arrays of dtype {x.dtype}")
        return category, 2 if x.ndim else 1, x.dtype
    if isinstance(x, np.generic):  # np.float64(2) is a number to PyTorch, not a 0-d tensor
        x = x.item()
    if isinstance(x, bool):
        return 0, 0, _BOOL
    if isinstance(x, int):
        return 1, 0, _INT64
    if isinstance(x, float):
        return 2, 0, get_default_dtype()
    raise TypeError(f"no dtype promotion for {type(x).__name__}")


def result_type(*operands: Any) -> np.dtype:
    """The dtype PyTorch gives an elementwise op of these operands (None ones are skipped).

    >>> result_type(np.ones(2, np.float32), np.ones(2, np.int64))
    dtype('float32')
    >>> result_type(np.ones(2, np.int64), 2.5)  # the default dtype
    dtype('float32')
    """
    ranks = [_rank(x) for x in operands if x is not None]
    top = max(rank[:2] for rank in ranks)
    return np.result_type(*[dtype for category, priority, dtype in ranks if (category, priority) == top])


def promote(a: Any, b: Any, division: bool = False) -> tuple[Any, Any, np.dtype | None]:
    """The operands of a binary op made ready for NumPy to compute PyTorch's result.

    Returns (a, b, dtype). Integer and boolean arrays are cast to the result dtype and NumPy
    scalars become Python numbers. Floating arrays are left as they are: they may need a
    gradient, and an array forward saves must stay the input's own for create_graph to
    differentiate through it. dtype is None when NumPy's result is already right; otherwise
    the op casts its result to it (NumPy widens where a lower-priority float is wider, as in
    float32 tensor + float64 0-d). `division` is true division, whose integer results become
    the default dtype.
    """
    # The common case here, an array and a Python number: NumPy 2 already gives PyTorch's dtype,
    # unless a float (or a true division) meets integers. Checked first, and cheaply.
    if type(b) in NUMBERS:
        if type(a) is _ndarray and (a.dtype.kind == "f" or type(b) is not float and not division):
            return a, b, None
    elif type(a) in NUMBERS:
        if type(b) is _ndarray and (b.dtype.kind == "f" or type(a) is not float and not division):
            return a, b, None
    dtype = result_type(a, b)
    if division and dtype.kind != "f":
        dtype = get_default_dtype()
    return cast(a, dtype), cast(b, dtype), dtype


def cast(x: Any, dtype: np.dtype) -> Any:
    """x ready to combine into a result of dtype: integer and boolean arrays converted to it,
    NumPy scalars as Python numbers (which NumPy then fits to the arrays), the rest unchanged."""
    if isinstance(x, np.ndarray):
        return x if x.dtype.kind == "f" or x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):
        return x.item()
    return x


def to_float(x: np.ndarray) -> np.ndarray:
    """x itself if floating, else x converted to the default dtype (exp, log, ... of integers)."""
    return x if x.dtype.kind == "f" else x.astype(get_default_dtype())


def require_same(op: str, *arrays: Any) -> None:
    """A TypeError unless the arrays (None skipped) share one dtype, as PyTorch's matmul needs.

    Numbers are left alone: NumPy's own error about them says more.
    """
    dtypes = [x.dtype for x in arrays if isinstance(x, np.ndarray)]
    if any(dtype != dtypes[0] for dtype in dtypes):
        raise TypeError(
            f"{op}: expected operands of one dtype, got {' and '.join(map(str, dtypes))}; convert one "
            "first, e.g. x.to(w.dtype)"
        )


# ---- PyTorch's names of tensor types, for Tensor.type() ------------------------------------------

_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor", np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor", np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}
_NAMED_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def type_name(dtype: np.dtype) -> str:
    """PyTorch's name of the type of a tensor of dtype ('torch.FloatTensor' for float32); for a
    dtype PyTorch lacks (longdouble), NumPy's name of it."""
    return _TYPE_NAMES.get(dtype, dtype.name)


def named_dtype(name: Any) -> np.dtype:
    """The dtype of a type name as type_name gives it ('torch.DoubleTensor'), or of any spelling
    np.dtype takes (am.float64, "float64")."""
    if name in _NAMED_DTYPES:
        return _NAMED_DTYPES[name]
    try:
        return np.dtype(name)
    except TypeError:
        message = f"type: {name!r} names no dtype; give one such as am.float64 or 'torch.DoubleTensor'"
        raise TypeError(message) from None
