"""Random computation graphs: a hypothesis strategy that fuzzes the engine and every op at once.

`graphs()` draws a small program over 1 to 3 float64 inputs of broadcast-compatible shapes (0-d
and size-1 dims included): each step applies an op drawn from the whole op set to earlier values,
so values are often used several times and the engine must sum their gradients. Every value no
step uses is an output. A drawn `Graph` prints as the code it runs, with its input values, so a
failing example shrinks to a short program that can be pasted and run:

    def graph(x0, x1):
        v2 = x0 * x1
        v3 = v2.sum(dim=0, keepdim=True)
        return (v3,)

    x0 = np.array([[0.5], [-1.0]])
    x1 = np.array(2.0)

Use it with gradcheck:

    from hypothesis import given
    from autograd_mini.testing import gradcheck
    from autograd_mini.testing.graphs import graphs

    @given(graphs())
    def test_gradients(graph):
        assert gradcheck(graph, graph.inputs())

Finite differences are only meaningful where the function is smooth, so each step keeps its
inputs in its domain by construction (log of x*x + 1, sqrt of exp(x)) and is dropped when the
drawn values sit within `MARGIN` of a kink (relu at 0, a tie in max or maximum, a clamp bound),
overflow, exceed `LIMIT` in magnitude, or number more than `max_size` elements (or none).

Some steps change a tensor in place, as statements rather than expressions:

    v4 = v2.clone()
    v4.mul_(x1)
    v5 = x0.clone()
    v5[1:, np.array([0, 2])] = v4.sum()

By default (`inplace="fresh"`) only a fresh clone is changed, so backward never refuses the
graph. With `inplace="any"`, earlier values are changed too (`v2.add_(x1)`, never an input, nor
a value that is or has a view); then backward may refuse with PyTorch's "modified by an inplace
operation" error, where an op saved the old values. With `portable=True` every step is also
valid PyTorch code, run with `am` naming `torch` and `F` naming `torch.nn.functional`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import hypothesis.extra.numpy as npst
import numpy as np
from hypothesis import strategies as st
from numpy.lib.array_utils import normalize_axis_tuple

import autograd_mini as am
from autograd_mini.testing import strategies as ams

MARGIN = 1e-3  # how far values must stay from a kink, a tie or a clamp bound
LIMIT = 1e3  # the largest magnitude a value may reach (keeps finite differences accurate)
MAX_VALUE_SIZE = 64  # elements per intermediate value
_NAMESPACE = {"am": am, "np": np, "F": am.nn.functional}  # what the code of a graph may refer to
_GO_ON = st.sampled_from([False] + [True] * 7)  # 7/8 to go on; shrinks towards stopping


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


class Graph:
    """A drawn program: input arrays and the statements of its body over them.

    Calling it with one Tensor per input runs the statements (the very code `repr` shows) and
    returns the tuple of outputs.
    """

    def __init__(self, arrays: list[np.ndarray], lines: list[str], outputs: list[str]) -> None:
        self.arrays, self.lines, self.outputs = arrays, lines, outputs
        params = ", ".join(f"x{i}" for i in range(len(arrays)))
        body = [f"    {line}" for line in lines]
        self.source = "\n".join([f"def graph({params}):", *body, f"    return ({', '.join(outputs)},)"])
        # Compiled from the printed source, so what a failing example shows is what ran.
        namespace = dict(_NAMESPACE)
        exec(compile(self.source, "<graph>", "exec"), namespace)
        self._fn: Callable[..., tuple[am.Tensor, ...]] = namespace["graph"]

    def __call__(self, *inputs: am.Tensor) -> tuple[am.Tensor, ...]:
        return self._fn(*inputs)

    def inputs(self, requires_grad: bool = True) -> list[am.Tensor]:
        """Fresh float64 leaf tensors holding copies of the drawn input values."""
        return [am.tensor(a, requires_grad=requires_grad) for a in self.arrays]

    def __len__(self) -> int:
        """The number of statements (an in-place change of a clone takes two)."""
        return len(self.lines)

    def __repr__(self) -> str:
        values = [f"x{i} = np.array({a.tolist()!r})" for i, a in enumerate(self.arrays)]
        return "\n".join(["", self.source, "", *values])


@st.composite
def graphs(
    draw: st.DrawFn,
    *,
    max_inputs: int = 3,
    max_steps: int = 12,
    max_size: int = MAX_VALUE_SIZE,
    inplace: Literal["none", "fresh", "any"] = "fresh",
    portable: bool = False,
) -> Graph:
    """Graphs of 1..max_inputs float64 inputs and 1..max_steps ops, no value above max_size elements.

    Inputs hold values in [-2, 2], in broadcast-compatible shapes of up to `ams.MAX_SIZE`
    elements. After each step the graph goes on with probability 7/8. A step whose values fall
    outside its op's smooth domain is left out and another drawn (2 * max_steps tries in all).

    inplace: "none" draws no in-place steps; "fresh" changes only new clones (the graph's
    backward always runs); "any" also changes earlier values, which backward may refuse.
    portable: draw only steps whose code is PyTorch code too (see the module's docstring).
    """
    if inplace not in ("none", "fresh", "any"):
        raise ValueError(f"graphs: inplace must be 'none', 'fresh' or 'any', not {inplace!r}")
    shapes = draw(ams.broadcastable_shapes(draw(st.integers(1, max_inputs)))).input_shapes
    elements = ams.floats_in(-2, 2)
    values = [
        Value(f"x{i}", draw(npst.arrays(np.float64, s, elements=elements)))
        for i, s in enumerate(shapes)
    ]
    arrays = [v.data for v in values]
    rules = RULES if inplace == "none" else RULES + [_change] * 3  # about one step in five
    lines: list[str] = []
    used: set[str] = set()  # values some step read (since they last changed)
    shared: set[str] = set()  # values that are views or have views: never changed in place
    steps = 0
    for _ in range(2 * max_steps):
        # A flag before each step, rather than a count drawn up front, lets a failing example
        # shrink by dropping any one step.
        if steps == max_steps or lines and not draw(_GO_ON):
            break
        rule = draw(st.sampled_from(rules))
        pool = _Pool(draw, values, inplace=inplace, portable=portable, shared=shared)
        step = rule(draw, pool)
        if step is None:
            continue
        name = f"v{len(values)}"
        if isinstance(step, Change):
            target = name if step.fresh else step.source.name
            new = [f"{name} = {step.source.name}.clone()"] if step.fresh else []
            new.append(step.statement.format(t=target))
        else:
            target, new = name, [f"{name} = {step}"]
        data = _evaluate(new, target, values, max_size)
        if data is None:
            continue
        if target == name:
            values.append(Value(name, data))
        else:  # later steps see the changed values
            values[[v.name for v in values].index(target)] = Value(target, data)
        if rule in VIEW_RULES:
            shared.update({name} | pool.picked)
        lines.extend(new)
        used.discard(target)  # what a value held before a change is gone: its new values are unread
        used.update(pool.picked - {target})
        steps += 1
    if not lines:
        lines.append(f"v{len(values)} = x0.tanh()")
        values.append(Value(f"v{len(values)}", np.tanh(arrays[0])))
        used.add("x0")
    outputs = [v.name for v in values[len(arrays) :] if v.name not in used]
    return Graph(arrays, lines, outputs)


def _evaluate(lines: list[str], target: str, values: list[Value], max_size: int) -> np.ndarray | None:
    """The value of `target` once a step's lines ran on the drawn inputs, or None where it
    overflows or leaves the bounds.

    Only numerical trouble is caught: an op that fails on a well-formed step is a finding, so
    any other exception propagates.
    """
    env = {v.name: am.tensor(v.data) for v in values}
    try:
        with np.errstate(divide="raise", over="raise", invalid="raise"), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            exec("\n".join(lines), _NAMESPACE, env)
    except (FloatingPointError, RuntimeWarning):
        return None
    data = env[target].numpy()
    if not 1 <= data.size <= max_size or not np.all(np.abs(data) <= LIMIT):
        return None
    return data


class _Pool:
    """Draws the operands of a step from the values so far, and remembers which it used."""

    def __init__(
        self, draw: st.DrawFn, values: list[Value], *, inplace: str = "none", portable: bool = False,
        shared: set[str] | None = None,
    ) -> None:
        self.draw, self.values, self.picked = draw, values, set()
        self.inplace, self.portable = inplace, portable
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
        return self.pick(lambda v: _broadcasts(v.shape, *shapes))


def _broadcasts(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def _clear_of(x: np.ndarray, *points: Any) -> bool:
    """Whether every element of x is more than MARGIN away from every point (broadcasting)."""
    return all(np.all(np.abs(x - p) > MARGIN) for p in points)


# ---- the rules: each draws one step, as code over earlier values, or None if it cannot ----------

GRID = st.integers(-8, 8).map(lambda k: k / 4)  # clamp bounds and where's thresholds
NUMBERS = st.sampled_from([2.0, -1.5, 0.5, 3.0])
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


def _forms(pool: _Pool, forms: list[str]) -> list[str]:
    """The forms a step may take: NumPy's own functions are not PyTorch code."""
    return [f for f in forms if not f.startswith("np.")] if pool.portable else forms


def _arithmetic(draw: st.DrawFn, pool: _Pool) -> str | None:
    """+ - * / and ** between two values that broadcast together; maximum and minimum off ties."""
    a = pool.pick()
    b = pool.pick_broadcasting(a.shape)
    form = draw(st.sampled_from(_forms(pool, BINARY_FORMS)))
    if form.startswith("am.m") and not _clear_of(a.data, b.data):
        return None
    return form.format(a=a.name, b=b.name)


def _with_number(draw: st.DrawFn, pool: _Pool) -> str | None:
    """Arithmetic between a value and a Python number, on either side."""
    a, c = pool.pick().name, draw(NUMBERS)
    return draw(st.sampled_from(NUMBER_FORMS)).format(a=a, c=c)


def _smooth(draw: st.DrawFn, pool: _Pool) -> str | None:
    """Smooth elementwise functions, log and sqrt kept in their domain by a positive argument."""
    return draw(st.sampled_from(_forms(pool, SMOOTH_FORMS))).format(a=pool.pick().name)


def _kinked(draw: st.DrawFn, pool: _Pool) -> str | None:
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
    return form.format(a=a.name) if _clear_of(a.data, *kinds[form]) else None


def _where(draw: st.DrawFn, pool: _Pool) -> str | None:
    """where(c > t, a, b), the condition read off a value (away from the threshold)."""
    a = pool.pick()
    b = pool.pick_broadcasting(a.shape)
    c = pool.pick_broadcasting(a.shape, b.shape)
    t = draw(GRID)
    if not _clear_of(c.data, t):
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


def _matmul(draw: st.DrawFn, pool: _Pool) -> str | None:
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


def _reduction(draw: st.DrawFn, pool: _Pool) -> str | None:
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
    if name in ("amax", "amin") and not _clear_extreme(a.data, axis, largest=name == "amax"):
        return None
    if name in ("var", "std"):
        correction = draw(st.sampled_from([1, 0]))
        spread = np.var(a.data, axis=axis, ddof=0)  # 0 exactly when all values are equal
        if _count(a.shape, axis) <= correction or not np.all(spread > 1e-2):
            return None
        args += f", correction={correction}"
    return f"{a.name}.{name}({args})"


def _count(shape: tuple[int, ...], axis: Any) -> int:
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[i] for i in axes)


def _clear_extreme(x: np.ndarray, axis: Any, largest: bool) -> bool:
    """Whether the max (or min) over axis beats the runner-up by more than MARGIN everywhere."""
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    ranked = np.sort(moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,)), axis=-1)
    if ranked.shape[-1] < 2:
        return True
    gap = ranked[..., -1] - ranked[..., -2] if largest else ranked[..., 1] - ranked[..., 0]
    return bool(np.all(gap > MARGIN))


def _softmax(draw: st.DrawFn, pool: _Pool) -> str | None:
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


def _reshape(draw: st.DrawFn, pool: _Pool) -> str | None:
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


def _index_code(index: Any, portable: bool = False) -> str:
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


def _draw_index(draw: st.DrawFn, pool: _Pool, shape: tuple[int, ...]) -> Any:
    """A basic or an advanced index for an array of shape (no negative steps if portable)."""
    indices = ams.advanced_indices if draw(st.booleans()) else ams.basic_indices
    index = draw(indices(shape))
    parts = index if isinstance(index, tuple) else (index,)
    if pool.portable and any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts):
        return None  # PyTorch takes no negative steps
    return index


def _index(draw: st.DrawFn, pool: _Pool) -> str | None:
    """Basic (ints, slices, None, ...) and advanced (masks, integer arrays with repeats) indexing."""
    a = pool.pick()
    index = _draw_index(draw, pool, a.shape)
    return None if index is None else f"{a.name}[{_index_code(index, pool.portable)}]"


def _fused(draw: st.DrawFn, pool: _Pool) -> str | None:
    """The fused ops: linear, and the losses with each reduction (targets differentiated too)."""
    a = pool.pick(lambda v: v.data.ndim >= 1)
    if a is None:
        return None
    kind = draw(st.sampled_from(FUSED_OPS))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    if kind == "linear":
        w = pool.pick(lambda v: v.data.ndim == 2 and v.shape[1] == a.shape[-1])
        if w is None:
            return None
        b = pool.pick(lambda v: v.shape == w.shape[:1]) if draw(st.booleans()) else None
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


def _join(draw: st.DrawFn, pool: _Pool) -> str | None:
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


RULES = [
    _arithmetic, _with_number, _smooth, _kinked, _where, _matmul, _reduction, _softmax, _reshape, _index,
    _join, _fused,
]
VIEW_RULES = (_reshape, _index)  # their results may share their operand's memory


# ---- in-place steps: each changes a fresh clone, or (inplace="any") an earlier value -------------

IN_PLACE_FORMS = [
    "{t}.add_({a})", "{t}.add_({a}, alpha={c})", "{t}.sub_({a})", "{t}.sub_({a}, alpha={c})",
    "{t}.mul_({a})", "{t}.div_({a} * {a} + 1)", "{t} += {a}", "{t} -= {a}", "{t} *= {a}",
    "{t} /= {a} * {a} + 1", "{t}.copy_({a})",
]
IN_PLACE_NUMBER_FORMS = [
    "{t}.add_({c})", "{t}.sub_({c})", "{t}.mul_({c})", "{t}.div_({c})", "{t} += {c}", "{t} -= {c}",
    "{t} *= {c}", "{t} /= {c}", "{t}.pow_(2)", "{t} **= 3", "{t}.exp_()", "{t}.tanh_()",
    "{t}.sigmoid_()", "{t}.fill_({c})", "{t}.zero_()",
]
CHANGE_KINDS = ["operand", "number", "positive", "kinked", "fill", "masked_fill", "setitem"]


def _change(draw: st.DrawFn, pool: _Pool) -> Change | None:
    """An in-place change: arithmetic with a value or a number, pow_, exp_/tanh_/sigmoid_,
    relu_/clamp_ off their kinks, fill_/zero_/copy_, masked_fill_ and item assignment."""
    direct = pool.inplace == "any" and draw(st.booleans())
    if direct:  # an earlier value: not an input, not a view, nor viewed (PyTorch replays views)
        options = [v for v in pool.values if not v.name.startswith("x") and v.name not in pool.shared]
        if not options:
            return None
        t = draw(st.sampled_from(options))
    else:
        t = pool.pick()

    def fitting(shape: tuple[int, ...]) -> Callable[[Value], bool]:  # broadcasts to shape; not t itself
        return lambda v: v.name != t.name and _broadcasts_to(v.shape, shape)

    kind = draw(st.sampled_from(CHANGE_KINDS))
    c = draw(NUMBERS)
    if kind == "operand":
        a = pool.pick(fitting(t.shape))
        if a is None:
            return None
        statement = draw(st.sampled_from(IN_PLACE_FORMS)).format(t="{t}", a=a.name, c=c)
    elif kind == "number":
        statement = draw(st.sampled_from(IN_PLACE_NUMBER_FORMS)).format(t="{t}", c=c)
    elif kind == "positive":  # real powers of values clear of 0
        if not np.all(t.data > 0.5):
            return None
        a = pool.pick(fitting(t.shape)) if draw(st.booleans()) else None
        statement = "{t}.pow_(" + (f"{c}" if a is None else a.name) + ")"
    elif kind == "kinked":
        low, high = sorted([draw(GRID), draw(GRID)])
        kinds = {
            "{t}.relu_()": [0],
            f"{{t}}.clamp_({low}, {high})": [low, high],
            f"{{t}}.clamp_(min={low})": [low],
            f"{{t}}.clamp_(max={high})": [high],
        }
        statement = draw(st.sampled_from(list(kinds)))
        if not _clear_of(t.data, *kinds[statement]):
            return None
    elif kind == "fill":  # with a 0-d tensor, which gets the gradient of every element
        a = pool.pick(lambda v: v.name != t.name)
        if a is None:
            return None
        statement = f"{{t}}.fill_({a.name}.sum())"
    elif kind == "masked_fill":
        m = pool.pick(fitting(t.shape))
        if m is None:
            return None
        threshold = draw(GRID)
        if not _clear_of(m.data, threshold):
            return None
        a = pool.pick(lambda v: v.name != t.name) if draw(st.booleans()) else None
        value = f"{c}" if a is None else f"{a.name}.sum()"
        statement = f"{{t}}.masked_fill_({m.name} > {threshold}, {value})"
    else:
        statement = _setitem(draw, pool, t)
        if statement is None:
            return None
    return Change(t, statement, fresh=not direct)


def _setitem(draw: st.DrawFn, pool: _Pool, t: Value) -> str | None:
    """{t}[index] = value: a number, a value broadcast to the selection, or a 0-d sum, with no
    element written twice (what then lands there is up to the library)."""
    index = _draw_index(draw, pool, t.shape)
    if index is None:
        return None
    positions = np.arange(t.data.size).reshape(t.shape)[index]
    if positions.size == 0 or np.unique(positions).size != positions.size:
        return None
    kind = draw(st.sampled_from(["number", "value", "sum"]))
    if kind == "number":
        value = str(draw(NUMBERS))
    else:
        fits = (lambda v: _broadcasts_to(v.shape, positions.shape)) if kind == "value" else (lambda v: True)
        a = pool.pick(lambda v: v.name != t.name and fits(v))
        if a is None:
            return None
        value = a.name if kind == "value" else f"{a.name}.sum()"
    return f"{{t}}[{_index_code(index, pool.portable)}] = {value}"


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of shape broadcasts to target without growing it."""
    return _broadcasts(shape, target) and np.broadcast_shapes(shape, target) == target
