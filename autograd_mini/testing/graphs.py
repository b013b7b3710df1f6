"""Random computation graphs: a hypothesis strategy that fuzzes the engine and every op at once.

`graphs()` draws a small program over 1 to 3 float64 inputs of broadcast-compatible shapes (0-d
and size-1 dims included): each step applies an op drawn from the whole op set to earlier values,
so values are often used several times and the engine must sum their gradients. Every value no
step uses is an output. A drawn `Graph` prints as the code it runs, with its input values, so a
failing example shrinks to a short program that can be pasted and run:

    def graph(x0, x1):
        v2 = x0 * x1
        v3 = v2.sum(dim=0, keepdim=True)
        return (v3, )

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

With `corners=True` the graphs are for comparing two libraries rather than for finite
differences: inputs hold ties, signed zeros, infinities, NaN and extreme magnitudes, in float32
as well as float64; numbers such as 0, True and inf and integer or boolean constant tensors take
part; steps run on kinks and at ties. A step the library refuses ends such a graph, and the
graph's `refusal` says what it raised: the other library must refuse it too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import hypothesis.extra.numpy as npst
import numpy as np
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.testing import strategies as ams
from autograd_mini.testing.graph_changes import change
from autograd_mini.testing.graph_steps import CORNER_RULES, LIMIT, RULES, VIEW_RULES, Change, Pool, Value

MAX_VALUE_SIZE = 64  # elements per intermediate value
_NAMESPACE = {"am": am, "np": np, "F": am.nn.functional}  # what the code of a graph may refer to
_GO_ON = st.sampled_from([False] + [True] * 7)  # 7/8 to go on; shrinks towards stopping


class Graph:
    """A drawn program: input arrays and the statements of its body over them.

    Calling it with one Tensor per input runs the statements (the very code `repr` shows) and
    returns the tuple of outputs.
    """

    def __init__(
        self, arrays: list[np.ndarray], lines: list[str], outputs: list[str], refusal: str | None = None
    ) -> None:
        self.arrays, self.lines, self.outputs = arrays, lines, outputs
        self.refusal = refusal  # for corners: the error its last line raises, if it raises
        params = ", ".join(f"x{i}" for i in range(len(arrays)))
        body = [f"    {line}" for line in lines]
        returned = "".join(f"{name}, " for name in outputs)
        self.source = "\n".join([f"def graph({params}):", *body, f"    return ({returned})"])
        # Compiled from the printed source, so what a failing example shows is what ran.
        namespace = dict(_NAMESPACE)
        exec(compile(self.source, "<graph>", "exec"), namespace)
        self._fn: Callable[..., tuple[am.Tensor, ...]] = namespace["graph"]

    def __call__(self, *inputs: am.Tensor) -> tuple[am.Tensor, ...]:
        return self._fn(*inputs)

    def inputs(self, requires_grad: bool = True) -> list[am.Tensor]:
        """Fresh leaf tensors holding copies of the drawn input values, in their dtype."""
        return [am.tensor(a, requires_grad=requires_grad) for a in self.arrays]

    def __len__(self) -> int:
        """The number of statements (an in-place change of a clone takes two)."""
        return len(self.lines)

    def __repr__(self) -> str:
        values = [f"x{i} = np.array({a.tolist()!r}{_dtype_code(a)})" for i, a in enumerate(self.arrays)]
        return "\n".join(["", self.source, "", *values])


def _dtype_code(a: np.ndarray) -> str:
    """What np.array needs beyond the values to make a again: its dtype, unless float64."""
    return "" if a.dtype == np.float64 else f", dtype=np.{a.dtype}"


@st.composite
def graphs(
    draw: st.DrawFn,
    *,
    max_inputs: int = 3,
    max_steps: int = 12,
    max_size: int = MAX_VALUE_SIZE,
    inplace: Literal["none", "fresh", "any"] = "fresh",
    portable: bool = False,
    corners: bool = False,
) -> Graph:
    """Graphs of 1..max_inputs float64 inputs and 1..max_steps ops, no value above max_size elements.

    Inputs hold values in [-2, 2], in broadcast-compatible shapes of up to `ams.MAX_SIZE`
    elements. After each step the graph goes on with probability 7/8. A step whose values fall
    outside its op's smooth domain is left out and another drawn (2 * max_steps tries in all).

    inplace: "none" draws no in-place steps; "fresh" changes only new clones (the graph's
    backward always runs); "any" also changes earlier values, which backward may refuse.
    portable: draw only steps whose code is PyTorch code too (see the module's docstring).
    corners: for comparing with another library rather than with finite differences: inputs of
    float64 or float32 that hold exact ties, zeros, infinities, NaN and extreme magnitudes,
    numbers such as 0, True, 1e300 and inf, integer and boolean constants, and every step kept
    wherever it runs (on kinks, at ties, overflowing).
    """
    if inplace not in ("none", "fresh", "any"):
        raise ValueError(f"graphs: inplace must be 'none', 'fresh' or 'any', not {inplace!r}")
    shapes = draw(ams.broadcastable_shapes(draw(st.integers(1, max_inputs)))).input_shapes
    arrays_of = _corner_arrays if corners else _plain_arrays
    values = [Value(f"x{i}", draw(arrays_of(s))) for i, s in enumerate(shapes)]
    arrays = [v.data for v in values]
    rules = RULES + CORNER_RULES if corners else RULES
    if inplace != "none":
        rules = rules + [change] * 3  # about one step in five
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
        pool = Pool(draw, values, inplace=inplace, portable=portable, corners=corners, shared=shared)
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
        try:
            data = _evaluate(new, target, values, max_size, corners)
        except Exception as error:
            if not corners:
                raise
            # A step refused (operands of two dtypes to matmul, say) ends the graph: an error
            # case, which another library must refuse too.
            lines.extend(new)
            return Graph(arrays, lines, [], refusal=f"{type(error).__name__}: {error}")
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


def _evaluate(
    lines: list[str], target: str, values: list[Value], max_size: int, corners: bool = False
) -> np.ndarray | None:
    """The value of `target` once a step's lines ran on the drawn inputs, or None where it
    overflows or leaves the bounds (for corners, only where it has no elements or too many).

    Only numerical trouble is caught: an op that fails on a well-formed step is a finding, so
    any other exception propagates.
    """
    env = {v.name: am.tensor(v.data) for v in values}
    trouble = "ignore" if corners else "raise"
    try:
        with np.errstate(all=trouble), warnings.catch_warnings():
            warnings.simplefilter("ignore" if corners else "error", RuntimeWarning)
            exec("\n".join(lines), _NAMESPACE, env)
    except (FloatingPointError, RuntimeWarning):
        return None
    data = env[target].numpy()
    if not 1 <= data.size <= max_size or not (corners or np.all(np.abs(data) <= LIMIT)):
        return None
    return data


def _plain_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return npst.arrays(np.float64, shape, elements=ams.floats_in(-2, 2))


# Values where libraries part ways: signed zeros, infinities, NaN, the extremes of each width
# (squares that overflow or underflow, subnormals), and a few round values that make exact ties.
TIES = [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
EXTREMES = {
    np.float64: [-0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-300, 5e-324, 1e160, 1e-160],
    np.float32: [-0.0, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-38, 1e-45, 1e20, 1e-20],
}


@st.composite
def _corner_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    elements = st.one_of(
        ams.floats_in(-2, 2, width=8 * np.dtype(dtype).itemsize),
        st.sampled_from(TIES),
        st.sampled_from(EXTREMES[dtype]),
    )
    return draw(npst.arrays(dtype, shape, elements=elements))
