"""Random generators, as `torch.Generator` and `torch.manual_seed` define them.

Every draw in autograd_mini (randn, rand, randint, ..., weight initialisation, dropout masks)
comes from a `Generator`: the one passed as `generator=`, or else `default_generator`, which
`manual_seed` seeds. Equal seeds give equal draws; the numbers differ from PyTorch's, since a
Generator wraps a NumPy `np.random.Generator` (PCG64), not PyTorch's Mersenne Twister.

    >>> from autograd_mini.creation import randn
    >>> g = Generator().manual_seed(0)
    >>> a = randn(3, generator=g)
    >>> b = randn(3, generator=g.manual_seed(0))
    >>> a.tolist() == b.tolist()
    True

The `fill_*` and `draw_*` functions at the end write draws into NumPy arrays; Tensor methods
such as `normal_` and `uniform_` are built on them.
"""

from __future__ import annotations

import functools
import operator
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from autograd_mini.device import check_device, device

# The seed of a new Generator(), as in PyTorch; default_generator starts from a random seed instead.
DEFAULT_SEED = 67280421310721

# get_state's layout: PCG64's 128-bit state and increment, its cached 32-bit half-word and a flag
# saying whether that word is held, then the initial seed; little-endian, 45 bytes in all.
_STATE_LAYOUT = ((16, "state"), (16, "inc"), (4, "uinteger"), (1, "has_uint32"), (8, "initial_seed"))
STATE_SIZE = sum(size for size, _ in _STATE_LAYOUT)


class Generator:
    """A seedable source of random numbers, for `generator=` arguments: Generator(device='cpu').

    The state from `get_state()` is a uint8 Tensor of STATE_SIZE (45) bytes (see _STATE_LAYOUT),
    so it can be saved with the model's state dict; `set_state` takes it back.
    """

    __slots__ = ("_numpy", "_initial_seed")

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device, "Generator")
        self._numpy = np.random.Generator(np.random.PCG64(DEFAULT_SEED))
        self._initial_seed = DEFAULT_SEED

    @property
    def device(self) -> device:
        """Where the generator's numbers go: always the CPU."""
        return device("cpu")

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator behind this one: its draws advance this generator's state."""
        return self._numpy

    def manual_seed(self, seed: int) -> Generator:
        """Restart from seed, an integer in [-2**63, 2**64) (negatives wrap, as in PyTorch); return self."""
        try:
            seed = operator.index(seed)
        except TypeError:
            raise TypeError(f"manual_seed: the seed must be an integer, not {seed!r}") from None
        if not -(2**63) <= seed < 2**64:
            raise ValueError(f"manual_seed: the seed must lie in [-2**63, 2**64), got {seed}")
        seed %= 2**64
        # Reseed in place, so that whoever holds self.numpy sees the new stream.
        self._numpy.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Restart from a fresh random seed (from the operating system), and return it."""
        seed = secrets.randbits(64)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed this generator last started from."""
        return self._initial_seed

    def get_state(self) -> Any:
        """The whole state, as a uint8 Tensor of STATE_SIZE bytes, to pass to set_state later."""
        from autograd_mini.tensor import Tensor  # here, as tensor.py may build on this module

        state = self._numpy.bit_generator.state
        values = {**state["state"], "uinteger": state["uinteger"], "has_uint32": state["has_uint32"],
                  "initial_seed": self._initial_seed}
        raw = b"".join(int(values[name]).to_bytes(size, "little") for size, name in _STATE_LAYOUT)
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), None, False)

    def set_state(self, new_state: Any) -> Generator:
        """Go back to a state from get_state (a uint8 Tensor or array); return self."""
        array = getattr(new_state, "_array", new_state)
        if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
            raise TypeError(f"set_state: expected a uint8 tensor from get_state, not {_describe(new_state)}")
        if array.size != STATE_SIZE:
            raise RuntimeError(f"set_state: expected a state of {STATE_SIZE} bytes, got {array.size}")
        raw, values, start = array.tobytes(), {}, 0
        for size, name in _STATE_LAYOUT:
            values[name] = int.from_bytes(raw[start : start + size], "little")
            start += size
        self._numpy.bit_generator.state = {
            "bit_generator": "PCG64", "state": {"state": values["state"], "inc": values["inc"]},
            "has_uint32": values["has_uint32"], "uinteger": values["uinteger"],
        }
        self._initial_seed = values["initial_seed"]
        return self

    def __repr__(self) -> str:
        return f"<autograd_mini.Generator on cpu, initial_seed={self._initial_seed}>"


def _describe(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return type(value).__name__ + (f" of dtype {dtype}" if dtype is not None else "")


default_generator = Generator()
default_generator.seed()

# While autograd_mini.compile records a call, draw_hook(make, args, kwargs) stands in for every
# function marked @recorded_draw, so that a replay draws afresh instead of reusing a frozen draw.
draw_hook: Callable[[Callable, tuple, dict], Any] | None = None
_Draw = TypeVar("_Draw", bound=Callable[..., Any])


def recorded_draw(make: _Draw) -> _Draw:
    """Mark a function that draws random numbers (randn, a dropout mask): compile records it."""

    @functools.wraps(make)
    def draw(*args: Any, **kwargs: Any) -> Any:
        if draw_hook is None:
            return make(*args, **kwargs)
        return draw_hook(make, args, kwargs)

    return draw  # type: ignore[return-value]


def manual_seed(seed: int) -> Generator:
    """Seed default_generator, so that draws, initial weights and dropout masks repeat from run to
    run; return it. Any number that int() takes is accepted, as in PyTorch."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed default_generator from a fresh random seed, and return that seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed default_generator last started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """default_generator's state, a uint8 Tensor (see Generator.get_state)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Put default_generator back in a state from get_rng_state."""
    default_generator.set_state(new_state)


def numpy_generator(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: generator's, or default_generator's when None."""
    if generator is None:
        return default_generator._numpy
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator must be an autograd_mini Generator (or None for the default one), "
            f"not {type(generator).__module__}.{type(generator).__qualname__}"
        )
    return generator._numpy


def generator() -> np.random.Generator:
    """The NumPy generator behind default_generator (manual_seed reseeds it in place)."""
    return default_generator._numpy


# ---- filling arrays in place: the work behind Tensor.normal_, uniform_, bernoulli_, random_ -----


def fill_normal(array: np.ndarray, mean: float = 0.0, std: float = 1.0,
                generator: Generator | None = None) -> np.ndarray:
    """Overwrite array with draws from N(mean, std²), drawn in float64 and cast; return array."""
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    array[...] = numpy_generator(generator).normal(mean, std, array.shape)
    return array


def fill_uniform(array: np.ndarray, low: float = 0.0, high: float = 1.0,
                 generator: Generator | None = None) -> np.ndarray:
    """Overwrite array with draws from U[low, high), drawn in float64 and cast; return array."""
    if not low <= high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    array[...] = numpy_generator(generator).uniform(low, high, array.shape)
    if array.dtype.kind == "f" and low < high:
        # A draw just below high may round up to it in a narrower dtype: keep the range half-open.
        np.minimum(array, np.nextafter(array.dtype.type(high), array.dtype.type(low)), out=array)
    return array


def fill_integers(array: np.ndarray, low: int = 0, high: int | None = None,
                  generator: Generator | None = None) -> np.ndarray:
    """Overwrite array with integers drawn uniformly from [low, high); return array.

    high=None means as high as the dtype holds exactly, as Tensor.random_() does in PyTorch:
    2**24 + 1 for float32 (every integer up to 2**24), 2**63 for int64, 2 for bool.
    """
    dtype = array.dtype
    if high is None:
        high = integer_bounds(dtype)[1] + 1
    check_integer_range(low, high, dtype, "random_")
    drawn = dtype if dtype.kind in "iub" else np.int64  # floats: integers first, then cast
    array[...] = numpy_generator(generator).integers(low, high, array.shape, dtype=drawn)
    return array


def fill_bernoulli(array: np.ndarray, p: Any = 0.5, generator: Generator | None = None) -> np.ndarray:
    """Overwrite array with 1 where a draw succeeds with probability p (a number, or an array
    broadcastable to array's shape), else 0; return array."""
    p = np.asarray(p, dtype=np.float64)
    if not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p if p.ndim == 0 else p.min()}")
    array[...] = numpy_generator(generator).random(array.shape) < p
    return array


def draw_bernoulli(probabilities: np.ndarray, generator: Generator | None = None) -> np.ndarray:
    """A new array of probabilities' shape and dtype: 1 with each element's probability, else 0."""
    return fill_bernoulli(np.empty_like(probabilities), probabilities, generator)


def integer_bounds(dtype: np.dtype) -> tuple[int, int]:
    """The least and greatest integers a dtype holds, with every integer between them exactly."""
    if dtype.kind == "b":
        return 0, 1
    if dtype.kind == "f":
        exact = 2 ** (np.finfo(dtype).nmant + 1)
        return -exact, exact
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def check_integer_range(low: int, high: int, dtype: np.dtype, caller: str) -> None:
    """A RuntimeError unless low < high and [low, high) fits in dtype (when bool or integer)."""
    if not low < high:
        raise RuntimeError(f"{caller}: expected low < high, but got low={low} >= high={high}")
    if dtype.kind in "iub":
        lowest, highest = integer_bounds(dtype)
        if low < lowest or high - 1 > highest:
            raise RuntimeError(
                f"{caller}: [{low}, {high}) does not fit in {dtype}, which holds [{lowest}, {highest}]"
            )
