"""The graph behind a tensor as plain records, for the viz formats (DOT, text) to draw.

The graph's vertices are the op nodes (the `grad_fn` of each recorded result, which stands for
that result) and the leaf tensors that require grad. Each node lists its `parents`: for each
input, the node that made it, the leaf itself, or None for an input that takes no gradient (a
constant), which the graph does not keep. `collect` walks the vertices once, with an explicit
stack (a chain of any length needs no recursion), and numbers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autograd_mini.tensor import Tensor


@dataclass
class GraphNode:
    """One vertex of the graph: an op's result, or a leaf.

    `kind` is "op" (made by a recorded op, and `label` is the op's name), "parameter" (a leaf
    named in `params`, and `label` is that name), "leaf" (any other leaf that requires grad) or
    "constant" (a tensor that does not require grad, drawn only when it is the one asked for).
    `inputs` holds the indices of the op's inputs that take a gradient, in argument order (a
    tensor used twice is listed twice).
    """

    index: int
    kind: str
    label: str
    shape: tuple[int, ...]
    inputs: list[int]


def collect(
    tensor: Tensor, params: Mapping[str, Tensor] | None = None, caller: str = "viz"
) -> list[GraphNode]:
    """Every vertex of the graph behind `tensor`, numbered depth first, `tensor` itself as 0.

    Raises RuntimeError if backward already freed the graph (its nodes let go of their parents).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}: expected a Tensor, got {type(tensor).__name__}")
    names = {id(p): name for name, p in (params or {}).items()}
    order: dict[Any, int] = {}  # vertex -> its number
    stack = [tensor if tensor.grad_fn is None else tensor.grad_fn]
    while stack:
        vertex = stack.pop()
        if vertex in order:
            continue
        order[vertex] = len(order)
        stack.extend(reversed(_parents(vertex, caller)))  # the first input is numbered next
    return [
        GraphNode(i, *_describe(vertex, names), [order[p] for p in _parents(vertex, caller)])
        for vertex, i in order.items()
    ]


def _parents(vertex: Any, caller: str) -> list[Any]:
    """The vertices whose results an op used and sends gradients to; none for a leaf."""
    if isinstance(vertex, Tensor):
        return []
    if vertex.parents is None:
        raise RuntimeError(
            f"{caller}: the graph through {type(vertex).__name__} was freed by backward(); draw it "
            "before calling backward, or call backward(retain_graph=True) to keep it"
        )
    return [p for p in vertex.parents if p is not None]


def _describe(vertex: Any, names: dict[int, str]) -> tuple[str, str, tuple[int, ...]]:
    """(kind, label, shape) of a vertex."""
    if not isinstance(vertex, Tensor):
        return "op", type(vertex).__name__, vertex.out_shape
    name = names.get(id(vertex))
    if name is not None:
        return "parameter", name, vertex.shape
    kind = "leaf" if vertex.requires_grad else "constant"
    return kind, kind, vertex.shape


def format_shape(shape: Any) -> str:
    """(4, 2) as "(4, 2)", () as "()", (3,) as "(3,)": the tuple as Python writes it."""
    return str(tuple(shape))
