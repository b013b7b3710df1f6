"""Record what backward does, step by step: `with trace() as t: loss.backward()`, then `print(t)`.

Each step is one op's backward: it got the gradient of the op's output and returned a gradient
for each input. The steps come in the order the engine ran them, which is a reverse topological
order: an op runs only after every op that used its output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_mini import engine
from autograd_mini.function import Function
from autograd_mini.tensor import Tensor
from autograd_mini.viz.graph import format_shape

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Step:
    """One backward step of the op `op` (its Function class's name).

    `input_shapes` has one entry per positional input of the op: its shape, or None for an input
    that takes no gradient (a constant, a number, a missing bias), which the graph does not keep.
    `grad_shape` is the shape of the gradient of the op's output; `input_grad_shapes` the shapes
    of the gradients backward returned for the inputs that take one (None for the others),
    before the engine sums a broadcast gradient back to its input's shape. With
    `trace(norms=True)`, `grad_norm` and `input_grad_norms` hold their 2-norms. `node` is the
    graph node (the Function instance) that ran.
    """

    op: str
    input_shapes: tuple[Shape | None, ...]
    grad_shape: Shape
    input_grad_shapes: tuple[Shape | None, ...]
    grad_norm: float | None = None
    input_grad_norms: tuple[float | None, ...] | None = None
    node: Function | None = field(default=None, repr=False, compare=False)


class Trace:
    """The backward steps seen inside a `trace()` block: `steps` in the engine's order, and a
    table when printed."""

    def __init__(self, norms: bool = False) -> None:
        self.norms = norms
        self.steps: list[Step] = []

    def record(self, node: Function, grad: Any, input_grads: tuple) -> None:
        """Add one step (the callback given to `engine.observe`)."""
        parents = node.parents
        # What went to each input in the graph (None for inputs that take no gradient).
        sent = [None if p is None else g for p, g in zip(parents, input_grads)]
        norms = tuple(None if g is None else _norm(g) for g in sent) if self.norms else None
        self.steps.append(Step(
            op=type(node).__name__,
            input_shapes=tuple(_vertex_shape(p) for p in parents),
            grad_shape=_shape(grad),
            input_grad_shapes=tuple(None if g is None else _shape(g) for g in sent),
            grad_norm=_norm(grad) if self.norms else None,
            input_grad_norms=norms,
            node=node,
        ))

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __repr__(self) -> str:
        return f"<Trace of {len(self.steps)} backward steps>"

    def __str__(self) -> str:
        """A table, one row per step: the op, its input shapes, the shape of the gradient it got,
        and the shapes of the gradients it returned ("-" where none), with norms if recorded."""
        header = ["step", "op", "input shapes", "grad shape", "input grad shapes"]
        if self.norms:
            header += ["grad norm", "input grad norms"]
        rows = [header]
        for n, step in enumerate(self.steps, 1):
            row = [
                str(n),
                step.op,
                _joined(step.input_shapes, format_shape),
                format_shape(step.grad_shape),
                _joined(step.input_grad_shapes, format_shape),
            ]
            if self.norms:
                row += [f"{step.grad_norm:.4g}", _joined(step.input_grad_norms, lambda v: f"{v:.4g}")]
            rows.append(row)
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        # The step number is right-aligned, the other columns left-aligned.
        lines = [
            "  ".join([row[0].rjust(widths[0])] + [cell.ljust(w) for cell, w in zip(row[1:], widths[1:])])
            for row in rows
        ]
        if not self.steps:
            lines.append("(no backward steps)")
        return "\n".join(line.rstrip() for line in lines)


@contextmanager
def trace(norms: bool = False) -> Iterator[Trace]:
    """Record every backward step run inside the block; with norms=True, gradient norms too.

        with trace() as t:
            loss.backward()
        print(t)            # the table; t.steps holds the records
    """
    recorded = Trace(norms)
    with engine.observe(recorded.record):
        yield recorded


def _shape(g: Any) -> Shape:
    return np.shape(g._array if isinstance(g, Tensor) else g)


def _vertex_shape(parent: Any) -> Shape | None:
    """The shape of the input a parent stands for: a leaf's, or the result of the op that made it."""
    if parent is None:
        return None
    return parent.shape if isinstance(parent, Tensor) else parent.out_shape


def _norm(g: Any) -> float:
    return float(np.linalg.norm(np.ravel(g._array if isinstance(g, Tensor) else g)))


def _joined(values: Any, fmt: Any) -> str:
    return ", ".join("-" if v is None else fmt(v) for v in values)
