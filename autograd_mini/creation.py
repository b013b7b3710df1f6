"""Making tensors: from data, from NumPy without a copy, filled, ranged and random.

The functions take PyTorch's keywords:

- `dtype`: any spelling np.dtype takes (am.float64, np.float64, "float64"); PyTorch's default
  for each function when None (the default float dtype, int64 for randint, ...);
- `device`: the CPU only (None, "cpu", "cpu:0", device("cpu")); any other raises (see
  autograd_mini.device);
- `requires_grad`: floating dtypes only;
- `generator` (random functions): an autograd_mini.random.Generator, or None for the default one.

A size is given as PyTorch does: zeros(2, 3), zeros((2, 3)), zeros([2, 3]) or zeros(size=(2, 3)).
Bad values raise RuntimeError, as in PyTorch; a bad type or dtype raises TypeError.

Random draws carry no gradient: normal(mean, std) with a mean that requires grad gives a plain
tensor. (PyTorch records such a draw with a zero gradient, so the inputs' .grad there is zeros
where here it stays None.)
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np

from autograd_mini import random
from autograd_mini.device import check_device
from autograd_mini.limits import check_fits
from autograd_mini.random import Generator
from autograd_mini.tensor import Tensor, get_default_dtype

# ---- shared checks --------------------------------------------------------------------------------


def _shape(shape: tuple, size: Any, caller: str) -> tuple[int, ...]:
    """The shape from f(2, 3), f((2, 3)), f([2, 3]) or f(size=(2, 3))."""
    if size is not None:
        if shape:
            raise TypeError(f"{caller}: give the size once, either positionally or as size=, not both")
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        dims = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"{caller}: a size holds integers, e.g. (2, 3), but got {shape!r}") from None
    if any(n < 0 for n in dims):
        raise RuntimeError(f"{caller}: cannot make a tensor with a negative dimension, size {dims}")
    return dims


def _integer(value: Any, caller: str, name: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{caller}: {name} must be an integer, not {value!r}") from None


def _floating(dtype: Any, caller: str) -> np.dtype:
    """dtype (the default float dtype when None), which must be floating: caller draws floats."""
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{caller}: draws floating-point numbers, so dtype must be floating, not {dtype}")
    return dtype


def _array_of(input: Any, caller: str) -> np.ndarray:
    if isinstance(input, Tensor):
        return input._array
    if isinstance(input, np.ndarray):
        return input
    raise TypeError(f"{caller}: input must be a Tensor, not {type(input).__name__}")


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf tensor around a freshly made array (no copy); requires_grad is checked as usual."""
    t = Tensor._make(array, None, False)
    if requires_grad:
        t.requires_grad = True
    return t


# ---- from data --------------------------------------------------------------------------------------


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, *, device: Any = None) -> Tensor:
    """A new tensor holding a copy of data (a number, nested lists or an array).

    Python floats become the default dtype (float32); NumPy arrays keep theirs; integer and
    boolean tensors exist but cannot require grad. Lists may hold one-element tensors, as in
    tensor([loss1, loss2]): their values are copied (outside the graph), and their dtypes count
    as PyTorch counts them (float64 ones with Python numbers give float64).
    """
    check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A tensor sharing memory with a NumPy array: no copy, and the dtype is kept."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    t = Tensor(np.empty(0, dtype=array.dtype), requires_grad=requires_grad)
    t._array = array
    return t


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any object that exports DLPack on the CPU: a NumPy array, a
    torch tensor (detached), a JAX or CuPy array copied to the host; the dtype is kept."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack: a {type(ext_tensor).__name__} does not export DLPack (no __dlpack__)")
    return from_numpy(np.from_dlpack(ext_tensor))


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a tensor, copied only where it must be: a Tensor is returned itself (or converted
    with to(dtype), in the graph); a NumPy array of the dtype asked for (or of any, without
    dtype) shares its memory, as from_numpy; anything else is copied, as tensor(data, dtype=dtype)."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


# ---- filled -----------------------------------------------------------------------------------------


def _filled(fill: Any, shape: tuple[int, ...], dtype: Any, device: Any, requires_grad: bool,
            caller: str) -> Tensor:
    check_device(device, caller)
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    check_fits(fill, dtype, caller)
    array = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
    return _new(array, requires_grad)


def zeros(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _filled(0, _shape(shape, size, "zeros"), dtype, device, requires_grad, "zeros")


def ones(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _filled(1, _shape(shape, size, "ones"), dtype, device, requires_grad, "ones")


def empty(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held: fill it before reading it."""
    return _filled(None, _shape(shape, size, "empty"), dtype, device, requires_grad, "empty")


def _fill_dtype(value: Any) -> np.dtype:
    """PyTorch's dtype for full(size, value): bool for a bool, int64 for an integer, else the
    default float dtype (NumPy scalars and 0-d tensors count by their kind, np.bool_ as a float)."""
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return get_default_dtype()


def _fill_value(value: Any, caller: str) -> Any:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"{caller}: fill_value must be a number or a 0-d tensor, not a tensor of shape {value.shape}"
            )
        value = value.item()
    if not isinstance(value, (numbers.Real, np.bool_)):
        raise TypeError(f"{caller}: fill_value must be a real number or a bool, not {value!r}")
    return value


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False, *,
         device: Any = None) -> Tensor:
    """A tensor of `shape` filled with fill_value; without dtype, bool for a bool, int64 for an
    integer and the default float dtype for a float, as in PyTorch."""
    fill_value = _fill_value(fill_value, "full")
    dtype = _fill_dtype(fill_value) if dtype is None else dtype
    return _filled(fill_value, _shape((shape,), None, "full"), dtype, device, requires_grad, "full")


def _like(input: Tensor, fill: Any, dtype: Any, device: Any, requires_grad: bool, caller: str) -> Tensor:
    array = _array_of(input, caller)
    return _filled(fill, array.shape, array.dtype if dtype is None else dtype, device, requires_grad, caller)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with input's shape, and its dtype unless dtype is given."""
    return _like(input, 0, dtype, device, requires_grad, "zeros_like")


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with input's shape, and its dtype unless dtype is given."""
    return _like(input, 1, dtype, device, requires_grad, "ones_like")


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """An unfilled tensor with input's shape, and its dtype unless dtype is given."""
    return _like(input, None, dtype, device, requires_grad, "empty_like")


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """fill_value with input's shape, and its dtype unless dtype is given (so 2.7 becomes 2 in an
    integer tensor, as in PyTorch)."""
    return _like(input, _fill_value(fill_value, "full_like"), dtype, device, requires_grad, "full_like")


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix: ones on the diagonal; m = n when not given."""
    check_device(device, "eye")
    n = _integer(n, "eye", "n")
    m = n if m is None else _integer(m, "eye", "m")
    if n < 0 or m < 0:
        raise RuntimeError(f"eye: n and m must be >= 0, got n={n}, m={m}")
    return _new(np.eye(n, m, dtype=get_default_dtype() if dtype is None else dtype), requires_grad)


# ---- ranges -----------------------------------------------------------------------------------------


def _bound(value: Any, caller: str) -> Any:
    """A bound of a range as a Python number (0-d tensors and NumPy scalars included)."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{caller}: bounds must be real numbers, not {value!r}")
    return value


def arange(start: Any = 0, end: Any = None, step: Any = 1, dtype: Any = None, *, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to but excluding end; arange(n) counts 0 to n - 1.

    Without dtype, integer bounds give int64 and any float bound the default float dtype, as in
    PyTorch: arange(0, 1, 0.25) is float32. With an integer dtype the bounds are truncated to
    integers first, as PyTorch does.
    """
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    bounds = [_bound(value, "arange") for value in (start, end, step)]
    integers = all(isinstance(value, int) for value in bounds)
    dtype = (np.dtype(np.int64) if integers else get_default_dtype()) if dtype is None else np.dtype(dtype)
    if dtype.kind in "iub":
        bounds, integers = [int(value) for value in bounds], True
    start, end, step = bounds
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range {start} -> {end}")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError(f"arange: from {start} to {end} is the wrong way for step {step}")
    values = np.arange(start, end, step, dtype=np.int64 if integers else np.float64)
    return _new(values.astype(dtype, copy=False), requires_grad)


def _spaced(start: Any, end: Any, steps: Any, device: Any, caller: str) -> np.ndarray:
    """steps evenly spaced float64 values from start to end, both included."""
    check_device(device, caller)
    steps = _integer(steps, caller, "steps")
    if steps < 0:
        raise RuntimeError(f"{caller}: the number of steps must be >= 0, got {steps}")
    return np.linspace(_bound(start, caller), _bound(end, caller), steps)


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """steps evenly spaced values from start to end, both included; the default float dtype
    unless dtype is given (an integer dtype truncates the values)."""
    values = _spaced(start, end, steps, device, "linspace")
    return _new(values.astype(get_default_dtype() if dtype is None else dtype), requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """steps values from base**start to base**end, evenly spaced in the exponent:
    base ** linspace(start, end, steps), in the default float dtype unless dtype is given."""
    values = float(_bound(base, "logspace")) ** _spaced(start, end, steps, device, "logspace")
    return _new(values.astype(get_default_dtype() if dtype is None else dtype), requires_grad)


# ---- random: uniform and normal ---------------------------------------------------------------------


def _drawn(fill: Any, shape: tuple[int, ...], generator: Generator | None, dtype: Any, device: Any,
           requires_grad: bool, caller: str) -> Tensor:
    """A new floating tensor filled by fill(array, generator), one of the random.fill_* functions."""
    check_device(device, caller)
    return _new(fill(np.empty(shape, _floating(dtype, caller)), generator), requires_grad)


def _uniform(array: np.ndarray, generator: Generator | None) -> np.ndarray:
    return random.fill_uniform(array, 0.0, 1.0, generator)


def _standard_normal(array: np.ndarray, generator: Generator | None) -> np.ndarray:
    return random.fill_normal(array, 0.0, 1.0, generator)


@random.recorded_draw
def rand(*shape: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1): rand(2, 3) or rand((2, 3))."""
    return _drawn(_uniform, _shape(shape, size, "rand"), generator, dtype, device, requires_grad, "rand")


@random.recorded_draw
def randn(*shape: Any, size: Any = None, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples, N(0, 1): randn(2, 3) or randn((2, 3))."""
    return _drawn(_standard_normal, _shape(shape, size, "randn"), generator, dtype, device, requires_grad,
                  "randn")


@random.recorded_draw
def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """rand with input's shape, and its dtype unless dtype is given."""
    array = _array_of(input, "rand_like")
    dtype = array.dtype if dtype is None else dtype
    return _drawn(_uniform, array.shape, generator, dtype, device, requires_grad, "rand_like")


@random.recorded_draw
def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """randn with input's shape, and its dtype unless dtype is given."""
    array = _array_of(input, "randn_like")
    dtype = array.dtype if dtype is None else dtype
    return _drawn(_standard_normal, array.shape, generator, dtype, device, requires_grad, "randn_like")


@random.recorded_draw
def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples from N(mean, std²), in PyTorch's three forms:

    - normal(mean_tensor, std_tensor): one sample per element, the two shapes broadcast;
    - normal(mean_tensor, std=1.0) or normal(mean, std_tensor): the tensor's shape;
      the dtype is mean's if it is a tensor, else std's;
    - normal(mean, std, size): numbers and a size, with dtype and requires_grad as in randn.
    """
    check_device(device, "normal")
    mean_is_tensor, std_is_tensor = (isinstance(x, (Tensor, np.ndarray)) for x in (mean, std))
    if not (mean_is_tensor or std_is_tensor):
        if size is None:
            raise TypeError("normal: with a number mean and std, give a size, as in normal(0.0, 1.0, (2, 3))")
        array = np.empty(_shape((size,), None, "normal"), _floating(dtype, "normal"))
        return _new(random.fill_normal(array, _bound(mean, "normal"), _bound(std, "normal"), generator),
                    requires_grad)
    if size is not None or dtype is not None or requires_grad:
        raise TypeError(
            "normal: size, dtype and requires_grad go with a number mean and std; "
            "with a tensor mean or std the result takes the tensors' shape and dtype"
        )
    dtype = (mean if mean_is_tensor else std).dtype
    if dtype.kind != "f":
        name = "mean" if mean_is_tensor else "std"
        raise TypeError(f"normal: {name} must be a floating-point tensor, not {dtype}")
    mean = _array_of(mean, "normal") if mean_is_tensor else _bound(mean, "normal")
    std = _array_of(std, "normal") if std_is_tensor else _bound(std, "normal")
    if not (np.asarray(std) >= 0).all():
        raise RuntimeError(f"normal: std must be >= 0 everywhere, but its least value is {np.min(std)}")
    try:
        shape = np.broadcast_shapes(np.shape(mean), np.shape(std))
    except ValueError:
        raise RuntimeError(
            f"normal: mean of shape {np.shape(mean)} and std of shape {np.shape(std)} do not broadcast"
        ) from None
    values = mean + std * random.numpy_generator(generator).standard_normal(shape)
    return _new(np.asarray(values).astype(dtype), False)


@random.recorded_draw
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability input (elementwise, each in [0, 1]), else 0, in input's dtype;
    with p given, 1 with probability p everywhere, in input's shape."""
    array = _array_of(input, "bernoulli")
    if p is not None:
        return _new(random.fill_bernoulli(np.empty_like(array), p, generator), False)
    if array.dtype.kind != "f":
        raise TypeError(f"bernoulli: input holds probabilities, so must be floating point, not {array.dtype}")
    outside = array[~((array >= 0) & (array <= 1))]  # nan included
    if outside.size:
        raise RuntimeError(
            f"bernoulli: input holds probabilities, which must lie in [0, 1], but it holds {outside[0]}"
        )
    return _new(random.draw_bernoulli(array, generator), False)


# ---- random: integers, permutations, categories -----------------------------------------------------


def _randint(low: Any, high: Any, shape: tuple[int, ...], generator: Generator | None, dtype: np.dtype,
             device: Any, requires_grad: bool, caller: str) -> Tensor:
    check_device(device, caller)
    low, high = _integer(low, caller, "low"), _integer(high, caller, "high")
    random.check_integer_range(low, high, dtype, caller)
    return _new(random.fill_integers(np.empty(shape, dtype), low, high, generator), requires_grad)


@random.recorded_draw
def randint(*args: Any, low: int | None = None, high: int | None = None, size: Any = None,
            generator: Generator | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), as in PyTorch: randint(high, size) or
    randint(low, high, size), size a tuple such as (2, 3); int64 unless dtype is given."""
    given = {"low": low, "high": high, "size": size}
    missing = [name for name, value in given.items() if value is None]
    if missing[:1] == ["low"] and len(args) == len(missing) - 1:
        given["low"], missing = 0, missing[1:]
    if len(args) != len(missing):
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    given.update(zip(missing, args))
    if not isinstance(given["size"], (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints such as (2, 3), not {given['size']!r}")
    shape = _shape((given["size"],), None, "randint")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    return _randint(given["low"], given["high"], shape, generator, dtype, device, requires_grad, "randint")


@random.recorded_draw
def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """randint with input's shape, and its dtype unless dtype is given: randint_like(x, high) or
    randint_like(x, low, high)."""
    array = _array_of(input, "randint_like")
    if high is None:
        low, high = 0, low
    dtype = array.dtype if dtype is None else np.dtype(dtype)
    return _randint(low, high, array.shape, generator, dtype, device, requires_grad, "randint_like")


@random.recorded_draw
def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0, ..., n - 1; int64 unless dtype is given."""
    check_device(device, "randperm")
    if isinstance(n, bool):
        raise TypeError("randperm: n must be an integer, not a bool")
    n = _integer(n, "randperm", "n")
    if n < 0:
        raise RuntimeError(f"randperm: n must be >= 0, got {n}")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    if n > 0:
        random.check_integer_range(0, n, dtype, "randperm")
    return _new(random.numpy_generator(generator).permutation(n).astype(dtype), requires_grad)


@random.recorded_draw
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """num_samples category indices drawn with probabilities proportional to the weights in input:
    (k,) weights give (num_samples,) indices, (rows, k) give (rows, num_samples), int64.

    Without replacement each row's indices are distinct (so num_samples <= k); once the positive
    weights are used up, zero-weight categories follow, as in PyTorch.
    """
    weights = _array_of(input, "multinomial")
    if weights.dtype.kind != "f":
        raise TypeError(f"multinomial: input holds weights, so must be floating point, not {weights.dtype}")
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: input must be weights of shape (k,) or (n, k), not {weights.shape}")
    n, k = _integer(num_samples, "multinomial", "num_samples"), weights.shape[-1]
    if n <= 0:
        raise RuntimeError(f"multinomial: num_samples must be positive, got {n}")
    if not replacement and n > k:
        raise RuntimeError(f"multinomial: cannot draw {n} samples without replacement from {k} categories")
    rows = (weights if weights.ndim == 2 else weights[None]).astype(np.float64)
    if not (np.isfinite(rows) & (rows >= 0)).all():
        raise RuntimeError("multinomial: weights must be finite and >= 0, but input holds inf, nan or < 0")
    if not (rows.sum(axis=1) > 0).all():
        raise RuntimeError("multinomial: every distribution needs a positive total weight, but one sums to 0")
    rng = random.numpy_generator(generator)
    if replacement:
        picks = _with_replacement(rows, n, rng)
    else:
        # An exponential race: category i arrives at time E_i / w_i, E_i ~ Exp(1). The first to
        # arrive is i with probability w_i / sum(w), the next one likewise among the rest, and so
        # on: the order of arrival is a draw without replacement. Zero weights arrive never (inf).
        with np.errstate(divide="ignore", invalid="ignore"):
            arrival = rng.standard_exponential(rows.shape) / rows
        picks = np.argsort(arrival, axis=1, kind="stable")[:, :n]
    picks = picks.astype(np.int64)
    return _new(picks if weights.ndim == 2 else picks[0], False)


def _with_replacement(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n indices per row of weights: where uniform draws fall in the rows' cumulative sums."""
    cumulative = np.cumsum(rows, axis=1)
    targets = rng.random((rows.shape[0], n)) * cumulative[:, -1:]
    picks = np.empty((rows.shape[0], n), np.int64)
    for i, (sums, row_targets) in enumerate(zip(cumulative, targets)):
        picks[i] = np.searchsorted(sums, row_targets, side="right")
    # A target rounded up to the total would land past the end: give it the last positive weight.
    last_positive = rows.shape[1] - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
    return np.minimum(picks, last_positive[:, None])
