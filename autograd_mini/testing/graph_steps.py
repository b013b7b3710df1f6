"""The steps a drawn graph is made of (see `autograd_mini.testing.graphs`): each rule draws one
op over earlier values, as a line of code, or None where the values do not suit it.

A rule keeps finite differences meaningful by keeping its op's inputs in the smooth domain (log
of x*x + 1) and off kinks and ties (within MARGIN), unless the graph is drawn with corners=True,
where ties, kinks and non-finite values are what is being tested.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import hypothesis.extra.numpy as npst
import numpy as np
from hypothesis import strategies as st
from numpy.lib.array_utils import normalize_axis_tuple

from autograd_mini.testing import strategies as ams

MARGIN = 1e-3  # how far values must stay from a kink, a tie or a clamp bound
LIMIT = 1e3  # the largest magnitude a value may reach (keeps finite differences accurate)


class Value(NamedTuple):
    """A named value of a graph being drawn, with its data on the drawn inputs."""

    name: str
    data: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape


class Change(NamedTuple):
    """An in-place step, as a rule draws it: `statement` changes the tensor it calls {t}.

    That tensor is a fresh clone of `source` (fresh=True), or `source` itself.
    """

    source: Value
    statement: str
    fresh: bool


class Pool:
    """Draws the operands of a step from the values so far, and remembers which it used."""

    def __init__(
        self, draw: st.DrawFn, values: list[Value], *, inplace: str = "none", portable: bool = False,
        corners: bool = False, shared: set[str] | None = None,
    ) -> None:
        self.draw, self.values, self.picked = draw, values, set()
        self.inplace, self.portable, self.corners = inplace, portable, corners
        self.shared = set() if shared is None else shared

    def pick(self, where: Callable[[Value], bool] = lambda v: True) -> Value | None:
        candidates = [v for v in self.values if where(v)]
        if not candidates:
            return None
        v = self.draw(st.sampled_from(candidates))
        self.picked.add(v.name)
        return v

    def pick_broadcasting(self, *shapes: tuple[int, ...]) -> Value:
        """A value whose shape broadcasts with all of `shapes` (there is one: their own source)."""
        return self.pick(lambda v: broadcasts(v.shape, *shapes))

    def clear_of(self, x: np.ndarray, *points: Any) -> bool:
        """Whether every element of x is more than MARGIN away from every point (broadcasting);
        always, for corners, where sitting on a kink or a tie is the point."""
        return self.corners or all(np.all(np.abs(x - p) > MARGIN) for p in points)

    def clear_extreme(self, x: np.ndarray, axis: Any, largest: bool) -> bool:
        """Whether the max (or min) over axis beats the runner-up by more than MARGIN everywhere
        (always, for corners)."""
        return self.corners or _runner_up_behind(x, axis, largest)

    def number(self) -> str:
        """A Python number as code: for corners, also 0, ints, bools, infinities, NaN, extremes."""
        numbers = CORNER_NUMBERS if self.corners and self.draw(st.booleans()) else NUMBERS
        return str(self.draw(numbers))


def broadcasts(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


# ---- the rules: each draws one step, as code over earlier values, or None if it cannot ----------

GRID = st.integers(-8, 8).map(lambda k: k / 4)  # clamp bounds and where's thresholds
NUMBERS = st.sampled_from([2.0, -1.5, 0.5, 3.0])
CORNER_NUMBERS = st.sampled_from([
    "0", "2", "-1", "0.0", "-0.0", "1e-300", "1e300", "float('inf')", "float('-inf')", "float('nan')",
    "True",
])
BINARY_FORMS = [
    "{a} * {b}", "{a} + {b}", "{a} - {b}", "{a} / ({b} * {b} + 1)", "({a} * {a} + 1) ** {b}",
    "np.multiply({a}, {b})", "am.maximum({a}, {b})", "am.minimum({a}, {b})",
]
NUMBER_FORMS = [
    "{a} * {c}", "{c} - {a}", "{a} + {c}", "{a} / {c}", "{c} / ({a} * {a} + 1)", "{a} ** 2", "{a} ** 3",
    "({a} * {a} + 1) ** {c}", "2.0 ** {a}",
]
SHAPE_OPS = ["reshape", "flatten", "permute", "transpose", "T", "squeeze", "unsqueeze", "broadcast_to"]
FUSED_OPS = ["linear", "mse_loss", "binary_cross_entropy_with_logits", "bce", "cross_entropy"]
SMOOTH_FORMS = [
    "-{a}", "{a}.exp()", "np.exp({a})", "{a}.sin()", "{a}.cos()", "{a}.tanh()", "{a}.sigmoid()",
    "am.log({a} * {a} + 1)", "am.log({a}.exp() + 1)", "({a} * {a} + 0.5).sqrt()", "{a}.exp().sqrt()",
]


def _forms(pool: Pool, forms: list[str]) -> list[str]:
    """The forms a step may take: NumPy's own functions are not PyTorch code."""
    return [f for f in forms if not f.startswith("np.")] if pool.portable else forms


def _arithmetic(draw: st.DrawFn, pool: Pool) -> str | None:
    """+ - * / and ** between two values that broadcast together; maximum and minimum off ties."""
    a = pool.pick()
    b = pool.pick_broadcasting(a.shape)
    form = draw(st.sampled_from(_forms(pool, BINARY_FORMS)))
    if form.startswith("am.m") and not pool.clear_of(a.data, b.data):
        return None
    return form.format(a=a.name, b=b.name)


def _with_number(draw: st.DrawFn, pool: Pool) -> str | None:
    """Arithmetic between a value and a Python number, on either side."""
    a, c = pool.pick().name, pool.number()
    return draw(st.sampled_from(NUMBER_FORMS)).format(a=a, c=c)


def _smooth(draw: st.DrawFn, pool: Pool) -> str | None:
    """Smooth elementwise functions, log and sqrt kept in their domain by a positive argument."""
    return draw(st.sampled_from(_forms(pool, SMOOTH_FORMS))).format(a=pool.pick().name)


def _kinked(draw: st.DrawFn, pool: Pool) -> str | None:
    """Piecewise-smooth functions, used only where no element sits on or near a kink."""
    a = pool.pick()
    low, high = sorted([draw(GRID), draw(GRID)])
    kinds = {
        "{a}.relu()": [0],
        "{a}.abs()": [0],
        "F.leaky_relu({a}, 0.1)" if pool.portable else "{a}.leaky_relu(0.1)": [0],
        f"{{a}}.clamp({low}, {high})": [low, high],
        f"{{a}}.clamp(min={low})": [low],
        f"{{a}}.clip(max={high})": [high],
    }
    form = draw(st.sampled_from(list(kinds)))
    return form.format(a=a.name) if pool.clear_of(a.data, *kinds[form]) else None


def _where(draw: st.DrawFn, pool: Pool) -> str | None:
    """where(c > t, a, b), the condition read off a value (away from the threshold)."""
    a = pool.pick()
    b = pool.pick_broadcasting(a.shape)
    c = pool.pick_broadcasting(a.shape, b.shape)
    t = draw(GRID)
    if not pool.clear_of(c.data, t):
        return None
    return f"am.where({c.name} > {t}, {a.name}, {b.name})"


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether a @ b is defined for these shapes (NumPy's rules, asked of NumPy itself)."""
    try:
        np.matmul(np.zeros(a), np.zeros(b))
    except ValueError:
        return False
    return True


def _swapped(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape[:-2] + shape[-1:] + shape[-2:-1]


def _matmul(draw: st.DrawFn, pool: Pool) -> str | None:
    """a @ b, or a @ b with b's last two dims swapped: whichever forms the shapes allow."""
    a = pool.pick(lambda v: v.data.ndim >= 1)
    if a is None:
        return None
    options = []
    for b in pool.values:
        if b.data.ndim >= 1 and _matmul_shape(a.shape, b.shape):
            options.append((b, "{a} @ {b}"))
        if b.data.ndim >= 2 and _matmul_shape(a.shape, _swapped(b.shape)):
            options.append((b, "{a} @ {b}.transpose(-1, -2)"))
    if not options:
        return None
    b, form = draw(st.sampled_from(options))
    pool.picked.add(b.name)
    return form.format(a=a.name, b=b.name)


def _reduction(draw: st.DrawFn, pool: Pool) -> str | None:
    """sum, mean, amax, amin, var, std and logsumexp over drawn axes, in PyTorch or NumPy spelling."""
    a = pool.pick()
    axis = draw(ams.axes(a.shape))
    keep = draw(st.booleans())
    name = draw(st.sampled_from(["sum", "mean", "amax", "amin", "var", "std", "logsumexp"]))
    if pool.portable and name == "logsumexp" and axis is None:  # PyTorch's needs the dims
        axis = tuple(range(a.data.ndim))
    if pool.portable and axis == () and a.data.ndim:  # PyTorch reads dim=() as every dim
        return None
    args = f"dim={axis!r}, keepdim={keep}" if draw(st.booleans()) else f"axis={axis!r}, keepdims={keep}"
    reduced = None if axis == () else axis  # autograd_mini, as PyTorch, reads () as every dim
    if name in ("amax", "amin") and not pool.clear_extreme(a.data, reduced, largest=name == "amax"):
        return None
    if name in ("var", "std"):
        correction = draw(st.sampled_from([1, 0]))
        if _count(a.shape, reduced) <= correction:  # no degrees of freedom: NaN or inf, with a warning
            return None
        if not pool.corners and not np.all(np.var(a.data, axis=reduced) > 1e-2):  # 0 when all are equal
            return None
        args += f", correction={correction}"
    return f"{a.name}.{name}({args})"


def _count(shape: tuple[int, ...], axis: Any) -> int:
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[i] for i in axes)


def _runner_up_behind(x: np.ndarray, axis: Any, largest: bool) -> bool:
    """Whether the max (or min) over axis beats the runner-up by more than MARGIN everywhere."""
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    ranked = np.sort(moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,)), axis=-1)
    if ranked.shape[-1] < 2:
        return True
    gap = ranked[..., -1] - ranked[..., -2] if largest else ranked[..., 1] - ranked[..., 0]
    return bool(np.all(gap > MARGIN))


def _softmax(draw: st.DrawFn, pool: Pool) -> str | None:
    """softmax or log_softmax along a drawn dim."""
    a = pool.pick(lambda v: v.data.ndim >= 1)
    if a is None:
        return None
    dim = draw(st.integers(-a.data.ndim, a.data.ndim - 1))
    return f"{a.name}.{draw(st.sampled_from(['softmax', 'log_softmax']))}({dim})"


def _expanded(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that `shape` broadcasts to: size-1 sides stretched, up to two dims in front."""
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    return tuple(lead) + tuple(draw(st.integers(1, 3)) if n == 1 else n for n in shape)


def _reshape(draw: st.DrawFn, pool: Pool) -> str | None:
    """reshape, flatten, permute, transpose, T, squeeze, unsqueeze and broadcast_to."""
    a = pool.pick()
    x, ndim = a.name, a.data.ndim
    dim = st.integers(-ndim, ndim - 1) if ndim else st.just(0)
    kind = draw(st.sampled_from(SHAPE_OPS))
    if kind == "reshape":
        return f"{x}.reshape({draw(ams.reshaped(a.shape))!r})"
    if kind == "flatten":
        start, end = sorted([draw(dim), draw(dim)], key=lambda d: d % max(ndim, 1))
        return f"{x}.flatten({start}, {end})"
    if kind == "permute":
        if pool.portable and not ndim:  # PyTorch's permute needs the dims, and a 0-d tensor has none
            return None
        dims = [d - ndim if draw(st.booleans()) else d for d in draw(st.permutations(range(ndim)))]
        return f"{x}.permute({', '.join(map(str, dims))})"
    if kind == "transpose":
        return f"{x}.transpose({draw(dim)}, {draw(dim)})" if ndim else None
    if kind == "T":
        return None if pool.portable and ndim != 2 else f"{x}.T"  # PyTorch's .T is for matrices
    if kind == "squeeze":
        axes = draw(ams.axes(a.shape))
        return f"{x}.squeeze()" if pool.portable and axes is None else f"{x}.squeeze({axes!r})"
    if kind == "unsqueeze":
        return f"{x}.unsqueeze({draw(st.integers(-ndim - 1, ndim))})"
    return f"{x}.broadcast_to({_expanded(draw, a.shape)!r})"


def index_code(index: Any, portable: bool = False) -> str:
    """An index as Python source: x[1:3, None, ..., np.array([0, 0])] (am.tensor if portable:
    PyTorch takes NumPy's arrays, but not a 0-d mask of a 0-d tensor)."""
    parts = index if isinstance(index, tuple) else (index,)
    text = ", ".join(_index_part(p, portable) for p in parts)
    return text + "," if isinstance(index, tuple) and len(index) == 1 else text or "()"


def _index_part(part: Any, portable: bool) -> str:
    if part is Ellipsis:
        return "..."
    if isinstance(part, slice):
        ends = ["" if v is None else str(v) for v in (part.start, part.stop)]
        return ":".join(ends) + ("" if part.step is None else f":{part.step}")
    if isinstance(part, np.ndarray):
        return f"{'am.tensor' if portable else 'np.array'}({part.tolist()!r})"
    return repr(part)


def draw_index(draw: st.DrawFn, pool: Pool, shape: tuple[int, ...]) -> Any:
    """A basic or an advanced index for an array of shape (no negative steps if portable)."""
    indices = ams.advanced_indices if draw(st.booleans()) else ams.basic_indices
    index = draw(indices(shape))
    parts = index if isinstance(index, tuple) else (index,)
    if pool.portable and any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts):
        return None  # PyTorch takes no negative steps
    return index


def _index(draw: st.DrawFn, pool: Pool) -> str | None:
    """Basic (ints, slices, None, ...) and advanced (masks, integer arrays with repeats) indexing."""
    a = pool.pick()
    index = draw_index(draw, pool, a.shape)
    return None if index is None else f"{a.name}[{index_code(index, pool.portable)}]"


def _fused(draw: st.DrawFn, pool: Pool) -> str | None:
    """The fused ops: linear, and the losses with each reduction (targets differentiated too)."""
    a = pool.pick(lambda v: v.data.ndim >= 1)
    if a is None:
        return None
    kind = draw(st.sampled_from(FUSED_OPS))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    if kind == "linear":
        # PyTorch's linear refuses operands of two dtypes, which autograd_mini promotes
        same = (lambda v: v.data.dtype == a.data.dtype) if pool.portable else (lambda v: True)
        w = pool.pick(lambda v: v.data.ndim == 2 and v.shape[1] == a.shape[-1] and same(v))
        if w is None:
            return None
        b = pool.pick(lambda v: v.shape == w.shape[:1] and same(v)) if draw(st.booleans()) else None
        return f"F.linear({a.name}, {w.name}{'' if b is None else ', ' + b.name})"
    if kind == "cross_entropy":
        axis = 1 if a.data.ndim > 1 else 0
        shape = a.shape[:axis] + a.shape[axis + 1 :]
        target = draw(npst.arrays(np.int64, shape, elements=st.integers(0, a.shape[axis] - 1)))
        spelling = "am.tensor" if pool.portable else "np.array"
        return f"F.cross_entropy({a.name}, {spelling}({target.tolist()!r}), reduction={reduction!r})"
    t = pool.pick(lambda v: v.shape == a.shape)
    if kind == "bce":  # probabilities from a sigmoid, off its flat tails
        if not (np.all(np.abs(a.data) < 20) and np.all(np.abs(t.data) < 20)):
            return None
        return f"F.binary_cross_entropy({a.name}.sigmoid(), {t.name}.sigmoid(), reduction={reduction!r})"
    return f"F.{kind}({a.name}, {t.name}, reduction={reduction!r})"


def _without(shape: tuple[int, ...], dim: int) -> tuple[int, ...]:
    return shape[:dim] + shape[dim + 1 :]


def _join(draw: st.DrawFn, pool: Pool) -> str | None:
    """cat along an existing dim, or stack along a new one, of 1 to 3 values (repeats allowed)."""
    a = pool.pick()
    ndim = a.data.ndim
    if draw(st.booleans()):
        parts = [a] + [pool.pick(lambda v: v.shape == a.shape) for _ in range(draw(st.integers(0, 2)))]
        names = ", ".join(v.name for v in parts)
        return f"am.stack([{names}], dim={draw(st.integers(-ndim - 1, ndim))})"
    if ndim == 0:
        return None
    dim = draw(st.integers(-ndim, ndim - 1))
    others = _without(a.shape, dim % ndim)

    def fits(v: Value) -> bool:  # the same shape as a but along dim
        return v.data.ndim == ndim and _without(v.shape, dim % ndim) == others

    parts = [a] + [pool.pick(fits) for _ in range(draw(st.integers(0, 2)))]
    names = ", ".join(v.name for v in parts)
    if pool.portable or draw(st.booleans()):
        return f"am.cat([{names}], dim={dim})"
    return f"np.concatenate([{names}], axis={dim})"


CONSTANT_FORMS = [
    "{a} * {k}", "{a} + {k}", "{k} - {a}", "{a} / {k}", "{k} / {a}", "{a} ** {k}", "am.maximum({a}, {k})",
    "am.minimum({a}, {k})", "am.where({k} > 0, {a}, {k})",
]


def _with_constant(draw: st.DrawFn, pool: Pool) -> str | None:
    """Arithmetic between a value and an integer or boolean constant tensor that broadcasts with it."""
    a = pool.pick()
    shape = tuple(draw(st.sampled_from([1, n])) for n in a.shape[draw(st.integers(0, a.data.ndim)) :])
    dtype = draw(st.sampled_from(["int64", "bool"]))
    elements = st.integers(-2, 3) if dtype == "int64" else st.booleans()
    k = draw(npst.arrays(np.dtype(dtype), shape, elements=elements))
    form = draw(st.sampled_from(CONSTANT_FORMS))
    if dtype == "bool" and "**" in form:  # PyTorch's backward subtracts 1 from a bool exponent, and fails
        return None
    return form.format(a=a.name, k=f"am.tensor({k.tolist()!r}, dtype=am.{dtype})")


RULES = [
    _arithmetic, _with_number, _smooth, _kinked, _where, _matmul, _reduction, _softmax, _reshape, _index,
    _join, _fused,
]
CORNER_RULES = [_with_constant]  # steps that only graphs(corners=True) draws
VIEW_RULES = (_reshape, _index)  # their results may share their operand's memory

