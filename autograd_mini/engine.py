"""Reverse-mode autodiff: walk the graph from the output back to the leaves.

Each op's backward turns the gradient of its result into gradients of its inputs (a
vector-Jacobian product). The engine owns everything around that: the order of the walk,
summing the gradients a tensor gets from several consumers, reducing a broadcast gradient back
to its input's shape, hooks, and freeing what forward saved once it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd_mini.grad_mode import set_grad_enabled
from autograd_mini.tensor import Tensor


# Callbacks run after each backward step as callback(node, grad, input_grads): see observe().
_observers: list[Callable[[Any, Any, tuple], None]] = []


@contextmanager
def observe(callback: Callable[[Any, Any, tuple], None]) -> Iterator[None]:
    """Inside the block, call callback(node, grad, input_grads) after every backward step.

    `grad` is the gradient of the node's result and `input_grads` what its backward returned,
    in the order the engine runs them: the hook behind viz.trace().
    """
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


def backward(
    tensor: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
) -> None:
    """Accumulate d(tensor)/d(leaf) into the .grad of each leaf that requires grad."""
    seed = _seed_gradient(tensor, gradient, "backward")
    run([tensor], [seed], retain_graph=retain_graph, create_graph=create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) as a tuple, leaving every .grad untouched.

    grad_outputs gives d(loss)/d(output) for outputs with more than one element. With
    create_graph=True the results are themselves differentiable.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray, np.generic, int, float)):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    seeds = [_seed_gradient(o, g, "grad") for o, g in zip(outputs, grad_outputs, strict=True)]
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError(f"grad: an input of shape {x.shape} does not require grad")
    keep = create_graph if retain_graph is None else retain_graph
    captured = run(outputs, seeds, retain_graph=keep, create_graph=create_graph, capture=inputs)
    results = tuple(captured.get(x) for x in inputs)
    if not allow_unused and any(r is None for r in results):
        raise RuntimeError(
            "grad: an input was not used to compute the outputs; pass allow_unused=True to get None for it"
        )
    return results


def _seed_gradient(tensor: Tensor, gradient: Any, caller: str) -> Any:
    """The starting d(loss)/d(tensor): ones for a one-element tensor, else the given gradient."""
    if not tensor.requires_grad:
        raise RuntimeError(
            f"{caller}: the tensor does not require grad and has no grad_fn; "
            "set requires_grad=True on the leaves it is computed from"
        )
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{caller}: a gradient argument is needed for a tensor of shape {tensor.shape}; "
                "only one-element outputs get an implicit gradient of 1"
            )
        return np.ones_like(tensor.data)
    gradient = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=tensor.dtype)
    if gradient.shape != tensor.shape:
        raise ValueError(
            f"{caller}: the gradient has shape {gradient.shape} but the tensor has shape {tensor.shape}"
        )
    return gradient


def run(
    roots: Sequence[Tensor],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: Iterable[Tensor] | None = None,
) -> dict[Tensor, Any]:
    """Backpropagate seeds from roots. With capture, return those tensors' gradients instead
    of accumulating into leaves' .grad."""
    capture = None if capture is None else set(capture)
    captured: dict[Tensor, Any] = {}
    pending: dict[Tensor, Any] = {}  # tensor -> the sum of the gradients it got so far
    for root, seed in zip(roots, seeds):
        _add(pending, root, Tensor._make(seed, None, False) if create_graph else seed)

    # Under create_graph the formulas get Tensors and record the backward pass itself.
    with set_grad_enabled(create_graph):
        for t in topological_order(roots):
            g = pending.pop(t, None)
            if g is None:  # every path to t carried no gradient
                continue
            if t._hooks:
                g = _run_hooks(t, g, create_graph)
            node = t.grad_fn
            if capture is not None and t in capture:
                captured[t] = g if create_graph else _wrap(g)
            if node is None:
                if capture is None:
                    _accumulate(t, g, create_graph)
                continue
            if t._retains_grad:
                _accumulate(t, g, create_graph)
            if create_graph:
                node.output = t  # lets saved_tensors hand back this tensor in place of its data
            grads = node.backward(node, g)
            node.output = None
            if not isinstance(grads, tuple):
                grads = (grads,)
            if len(grads) != len(node.inputs):
                raise RuntimeError(
                    f"{node.name}: backward returned {len(grads)} gradients for {len(node.inputs)} inputs"
                )
            for callback in _observers:
                callback(node, g, grads)
            for x, need, gx in zip(node.inputs, node.needs_input_grad, grads):
                if need and gx is not None:
                    _add(pending, x, _match(gx, x))
            if not retain_graph:
                node.release()
    return captured


def topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Every tensor the roots depend on that needs a gradient, each before its inputs.

    Depth-first with an explicit stack, so a chain of any length needs no recursion; a tensor
    is listed once all its inputs are, and the reversed list is the order backward runs in.
    """
    order: list[Tensor] = []
    visited: set[Tensor] = set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, _inputs_needing_grad(root))]
        while stack:
            t, inputs = stack[-1]
            for x in inputs:
                if x not in visited:
                    visited.add(x)
                    stack.append((x, _inputs_needing_grad(x)))
                    break
            else:  # all of t's inputs are listed: now t can be
                stack.pop()
                order.append(t)
    order.reverse()
    return order


def _inputs_needing_grad(t: Tensor) -> Iterable[Tensor]:
    node = t.grad_fn
    if node is None:
        return iter(())
    if node.inputs is None:
        raise RuntimeError(
            f"backward: the graph through {node.name} was freed by an earlier backward call; "
            "pass retain_graph=True to the first call to backpropagate through it twice"
        )
    return iter([x for x, need in zip(node.inputs, node.needs_input_grad) if need])


def _match(g: Any, x: Tensor) -> Any:
    """Give a gradient its input's shape (summing out broadcast dims) and dtype."""
    if g.shape != x.data.shape:
        g = sum_to_shape(g, x.data.shape)
    if g.dtype != x.data.dtype:
        g = g.astype(x.data.dtype)
    return g


def sum_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum g over the dims that broadcasting added or stretched, e.g. (4, 2, 3) -> (2, 1)."""
    lead = g.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    return g.reshape(shape)


def _add(pending: dict[Tensor, Any], t: Tensor, g: Any) -> None:
    previous = pending.get(t)
    pending[t] = g if previous is None else previous + g


def _accumulate(t: Tensor, g: Any, create_graph: bool) -> None:
    """Add g into t.grad: a fresh array the first time, since g may be shared or read-only."""
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _wrap(np.array(g, copy=True))
    else:
        t.grad.data = t.grad.data + g


def _run_hooks(t: Tensor, g: Any, create_graph: bool) -> Any:
    for hook in list(t._hooks):
        result = hook(g if create_graph else _wrap(g))
        if result is not None:
            g = result if create_graph else np.asarray(result.data if isinstance(result, Tensor) else result)
    return g


def _wrap(g: Any) -> Tensor:
    """A gradient array as a Tensor outside the graph (NumPy may hand back a scalar)."""
    return Tensor._make(np.asarray(g), None, False)
