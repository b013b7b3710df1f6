"""The replaying half of the tracer: a recorded call's steps as one flat Python function.

`Trace` takes the steps a Recorder wrote and generates the source of a function that does the
same NumPy work with nothing else around it: no Tensor objects in the middle, no graph nodes, no
heap of nodes to order, no checks already made when recording. Then it compiles that source
once, and every replay is a single call of it:

    def replay(a0, a1, shared):
        v0 = a0._array                               # (64, 784) float32  argument 0
        v1 = t0._array                               # (128, 784) float32
        ...
        v5 = Linear_forward(ctx2, v0, v1, v2)        # (64, 128) float32
        ...

`listing()` shows that source, with each slot's shape and dtype: how a training step looks once
the autodiff machinery is taken away.

One optimization is made where it is provably safe: when two gradients meet (`v9 = v7 + v8`)
and the left one is a sum or a broadcast-sum that the trace itself made and uses nowhere else,
the sum is written into it (`add(v7, v8, out=v7)`), saving an allocation. The arrays a replay
makes otherwise are NumPy's, freed as the generated function drops them (`del` at last use).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_mini.compile import backward
from autograd_mini.compile.recorder import redraw
from autograd_mini.compile.steps import Add, Call, Const, Names, ReadTensor, Slot, Step, Write
from autograd_mini.inplace import mark_changed
from autograd_mini.tensor import Tensor


def _as_array(value: Any) -> np.ndarray:
    """What Function.apply does with a forward's 0-d result: NumPy may return a scalar."""
    return value if type(value) is np.ndarray else np.asarray(value)


def _write(target: np.ndarray, values: np.ndarray) -> None:
    """An in-place change: the values into the tensor's own array, counted as a change."""
    np.copyto(target, values, casting="unsafe")
    mark_changed(target)


def _detached(array: Any) -> Tensor:
    return Tensor._make(_as_array(array), None, False)


_BUILT_INS = {
    "as_array": _as_array, "empty": np.empty, "add": np.add, "write": _write,
    "accumulate": backward.accumulate, "fit": backward.fit, "redraw": redraw, "Tensor_": _detached,
}


class Trace:
    """A recorded call as a flat function of its Tensor arguments.

    steps: what the call did (see steps.py); values: each slot's array in the recorded call
    (for shapes in the listing); output: how to rebuild the call's return value (see `Output`).
    """

    def __init__(self, steps: list[Step], values: list[Any], output: Output, n_arguments: int) -> None:
        _write_sums_in_place(steps, values)
        self.steps = steps
        self.n_arguments = n_arguments
        self._shapes = [(np.shape(v), np.asarray(v).dtype if v is not None else None) for v in values]
        names = Names(_BUILT_INS)
        self.source = self._generate(steps, output, names, comments=False)
        self._listing = self._generate(steps, output, Names(_BUILT_INS), comments=True)
        code = compile(self.source, "<autograd_mini.compile trace>", "exec")
        exec(code, names.namespace)
        self.run: Callable[..., Any] = names.namespace["replay"]

    def __call__(self, tensors: list[Tensor]) -> Any:
        """Replay on new Tensor arguments (same signature as the recorded ones)."""
        return self.run(*tensors, set())

    def listing(self) -> str:
        """The generated function, each line commented with the shape and dtype it makes."""
        return self._listing

    def __len__(self) -> int:
        return len(self.steps)

    def _generate(self, steps: list[Step], output: Output, names: Names, comments: bool) -> str:
        arguments = [f"a{i}" for i in range(self.n_arguments)]
        lines = [f"def replay({', '.join([*arguments, 'shared'])}):"]
        last_read = _last_reads(steps, output.slots())
        for i, step in enumerate(steps):
            line = step.source(names)
            if comments and step.writes:
                line = f"{line:<60}  # {self._describe(step)}"
            lines.append("    " + line)
            dead = [f"v{s}" for s, last in last_read.items() if last == i]
            if dead and not comments:
                lines.append(f"    del {', '.join(dead)}")
        lines.append(f"    return {output.source(names)}")
        return "\n".join(lines) + "\n"

    def _describe(self, step: Step) -> str:
        parts = []
        for s in step.writes:
            shape, dtype = self._shapes[s]
            parts.append(f"{shape} {dtype}")
        text = ", ".join(parts)
        if isinstance(step, ReadTensor):
            text += f"  argument {step.tensor}" if type(step.tensor) is int else "  live tensor"
        return text


def _last_reads(steps: list[Step], kept: set[int]) -> dict[int, int]:
    """slot -> the index of the last step that reads it (slots the output keeps are left out)."""
    last: dict[int, int] = {}
    for i, step in enumerate(steps):
        for s in (*step.reads, *step.writes):
            last[s] = i
    return {s: i for s, i in last.items() if s not in kept}


def _write_sums_in_place(steps: list[Step], values: list[Any]) -> None:
    """Mark the additions whose left operand is a temporary of the trace's own, read only there.

    Such an array was made by an earlier Add or by the broadcast-sum `fit` (a fresh array), and
    no other step reads it, so nothing else can hold it: writing the sum into it changes nothing
    that any other code sees. 0-d sums are left alone, as NumPy returns them as scalars.
    """
    temporaries = [s for s in steps if isinstance(s, Add) or (isinstance(s, Call) and s.label == "fit")]
    made_by_trace = {s for step in temporaries for s in step.writes}
    reads: dict[int, int] = {}
    for step in steps:
        for s in step.reads:
            reads[s] = reads.get(s, 0) + 1
        if isinstance(step, Write):  # the written array counts as read again
            reads[step.target.index] = reads.get(step.target.index, 0) + 1
    for step in steps:
        if isinstance(step, Add) and step.left.index in made_by_trace and reads[step.left.index] == 1:
            left = values[step.left.index]
            step.in_place = type(left) is np.ndarray and left.ndim > 0 and left.flags.writeable


@dataclass(frozen=True)
class Returned:
    """A value of the return structure given back as it was: a live Tensor, a number, None."""

    value: Any


@dataclass(frozen=True)
class ReturnedArgument:
    """A Tensor argument returned as it is: the replay returns its own argument there."""

    index: int


class Output:
    """How to build a call's return value at replay: the same nesting of tuples, lists and
    dicts, with each Tensor that an op made rebuilt (detached) from its slot."""

    def __init__(self, structure: Any) -> None:
        self.structure = structure  # nested tuples, lists, dicts of Slot, Returned, ReturnedArgument

    def slots(self) -> set[int]:
        found: set[int] = set()

        def walk(node: Any) -> None:
            if isinstance(node, Slot):
                found.add(node.index)
            elif isinstance(node, (list, tuple)):
                for item in node:
                    walk(item)
            elif isinstance(node, dict):
                for item in node.values():
                    walk(item)

        walk(self.structure)
        return found

    def source(self, names: Names) -> str:
        def text(node: Any) -> str:
            if isinstance(node, Slot):
                return f"Tensor_(v{node.index})"
            if isinstance(node, ReturnedArgument):
                return f"a{node.index}"
            if isinstance(node, Returned):
                return names.operand(Const(node.value))
            if isinstance(node, dict):
                return "{" + ", ".join(f"{names.operand(Const(k))}: {text(v)}" for k, v in node.items()) + "}"
            items = [text(item) for item in node]
            if isinstance(node, list):
                return "[" + ", ".join(items) + "]"
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

        return text(self.structure)
