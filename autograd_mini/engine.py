"""Reverse-mode autodiff: walk the graph from the output back to the leaves.

Each op's backward turns the gradient of its result into gradients of its inputs (a
vector-Jacobian product). The engine owns everything around that: the order of the walk,
summing the gradients a tensor gets from several consumers, reducing a broadcast gradient back
to its input's shape, hooks, and freeing what forward saved once it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import numpy as np

from autograd_mini import anomaly, inplace
from autograd_mini.function import Function
from autograd_mini.grad_mode import _mode
from autograd_mini.tensor import RetainGrad, Tensor

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
    tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(tensor)/d(leaf) into the .grad of each leaf that requires grad.

    retain_graph defaults to create_graph, as in PyTorch: a recorded backward pass refers to
    the graph it came from, so that graph must outlive it.
    """
    seed = _seed_gradient(tensor, gradient, "backward", create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    run([tensor], [seed], retain_graph=keep, create_graph=create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) as a tuple, leaving the leaves' .grad untouched.

    grad_outputs gives d(loss)/d(output) for outputs with more than one element. With
    create_graph=True the results are themselves differentiable.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray, np.generic, int, float)):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    seeds = [_seed_gradient(o, g, "grad", create_graph) for o, g in zip(outputs, grad_outputs, strict=True)]
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


def _seed_gradient(tensor: Tensor, gradient: Any, caller: str, create_graph: bool) -> Any:
    """The starting d(loss)/d(tensor): ones for a one-element tensor, else the given gradient.

    A new array, which the engine may hand on as a leaf's .grad. Under create_graph a Tensor
    gradient stays a Tensor, so that results can be differentiated with respect to it too (as a
    Jacobian-vector product by double backward needs).
    """
    if not tensor._requires_grad:
        raise RuntimeError(
            f"{caller}: the tensor does not require grad and has no grad_fn; "
            "set requires_grad=True on the leaves it is computed from"
        )
    if gradient is None:
        if tensor._array.size != 1:
            raise RuntimeError(
                f"{caller}: a gradient argument is needed for a tensor of shape {tensor.shape}; "
                "only one-element outputs get an implicit gradient of 1"
            )
        seed = np.empty(tensor._array.shape, tensor._array.dtype)  # np.ones, without its Python wrapper
        seed.fill(1)
        return seed
    if np.shape(_data(gradient)) != tensor.shape:
        raise ValueError(
            f"{caller}: the gradient has shape {np.shape(_data(gradient))} but the tensor has shape "
            f"{tensor.shape}"
        )
    if isinstance(gradient, Tensor) and create_graph:
        return gradient
    return np.array(_data(gradient), dtype=tensor.dtype)


def run(
    roots: Sequence[Tensor],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Tensor] | None = None,
) -> dict[Tensor, Any]:
    """Backpropagate seeds from roots. With capture, return those tensors' gradients instead
    of accumulating into leaves' .grad.

    The graph's vertices are the op nodes (each stands for the tensor it made) and the leaf
    tensors. Order: every op gets a sequence number when it runs, and an op's inputs were made
    before it, so taking nodes newest-first (a heap keyed on the number) reaches each one only
    after everything that consumed its result. No separate topological sort, no recursion.
    """
    wanted = None if capture is None else {_vertex(t): t for t in capture}
    captured: dict[Tensor, Any] = {}
    pending: dict[Any, Any] = {}  # node or leaf -> the sum of the gradients it got so far
    queue: list[tuple[int, Function]] = []  # (-sequence number, node): newest op first
    leaves: list[Tensor] = []  # leaves are finished last, once their gradient is complete
    shared: set[int] = set()  # ids of arrays that must not become a .grad uncopied
    last_change = inplace.latest_change  # nodes made after it saved arrays nothing has changed since
    inspect = bool(_observers) or anomaly.is_anomaly_enabled()  # read once: both are rare

    # The first gradients to deliver are the seeds, to the roots.
    vertices = [_vertex(root) for root in roots]
    # grad() runs only the nodes with a wanted tensor below them, and touches nothing else.
    through, freed = (None, None) if wanted is None else _nodes_leading_to(wanted, vertices)
    grads = seeds  # arrays the engine owns (see _seed_gradient)
    if create_graph:  # Tensors, which may be the caller's
        grads = [_as_tensor(seed) for seed in seeds]
        shared.update(id(seed._array) for seed in grads)
    node = None  # the node whose gradients are being delivered (none for the seeds)
    previous_mode = _mode.enabled
    _mode.enabled = create_graph  # under create_graph the backward formulas are recorded
    try:
        while True:
            # Deliver each gradient to its vertex: fit it to the vertex's shape and dtype, add
            # it to what the vertex has, and queue the vertex (note it, if a leaf) on its first.
            for vertex, gx in zip(vertices, grads):
                if vertex is None or gx is None:
                    continue
                if through is not None and vertex not in through and vertex not in wanted:
                    continue
                if isinstance(vertex, Tensor):  # a leaf
                    shape, dtype, is_leaf = vertex._array.shape, vertex._array.dtype, True
                else:
                    shape, dtype, is_leaf = vertex.out_shape, vertex.out_dtype, False
                if gx.shape != shape or gx.dtype is not dtype:  # dtypes are nearly always the same object
                    gx = _fit(gx, shape, dtype, node)
                previous = pending.get(vertex)
                if previous is not None:
                    pending[vertex] = previous + gx
                    continue
                pending[vertex] = gx
                if is_leaf:
                    leaves.append(vertex)
                else:
                    heappush(queue, (-vertex.sequence_number, vertex))
            if not queue:
                break

            # The newest queued node has had every gradient it will get: run its backward.
            node = heappop(queue)[1]
            g = pending.pop(node)
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph, shared)
            if wanted is not None:
                if node in wanted:
                    captured[wanted[node]] = _as_tensor(g)
                if node not in through:  # nothing wanted below it: deliver nothing further
                    vertices, grads = (), ()
                    continue
            vertices = node.parents
            if vertices is None:
                raise _freed(node)
            if node.sequence_number < last_change and node.saved_tensors:
                inplace.check_saved(node)
            grads = _backward_in_graph(node, g) if create_graph else node.backward(node, g)
            if type(grads) is not tuple:
                grads = (grads,)
            if inspect or len(grads) != len(vertices):
                _inspect_step(node, g, grads)
            if not retain_graph:
                node.release()

        for leaf in leaves:
            g = pending.pop(leaf)
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g, create_graph, shared)
            if wanted is None:
                if leaf._requires_grad:  # it may have been switched off since the graph was made
                    _accumulate(leaf, g, create_graph, shared)
            elif leaf in wanted:
                captured[leaf] = _as_tensor(g)
    finally:
        _mode.enabled = previous_mode
    if freed is not None and len(captured) < len(wanted):  # the path to it may have been freed
        raise _freed(freed)
    return captured


def _freed(node: Function) -> RuntimeError:
    return RuntimeError(
        f"backward: trying to backward through the graph a second time: {node.name()} freed what it "
        "saved in an earlier backward call; pass retain_graph=True to the first call to "
        "backpropagate through it twice"
    )


def _backward_in_graph(node: Function, g: Tensor) -> Any:
    """node.backward under create_graph: it sees the inputs and result it saved as Tensors of
    the graph, so the backward pass it records links to them."""
    saved = node.saved_tensors
    node.saved_tensors = node.saved_in_graph()
    try:
        return node.backward(node, g)
    finally:
        node.saved_tensors = saved


def _nodes_leading_to(wanted: dict, starts: list) -> tuple[set, Function | None]:
    """The nodes below the starts with a wanted vertex among their parents or further down, and
    a node met whose links an earlier backward freed (None if none): what lies below it is unknown.

    Depth-first with an explicit stack: a node is judged after all the nodes below it.
    """
    through: set = set()
    seen: set = set()
    freed = None
    stack = [(v, False) for v in starts if isinstance(v, Function)]
    while stack:
        node, below_done = stack.pop()
        parents = node.parents
        if parents is None:  # freed: it leads nowhere that can still be reached
            freed = node
        elif below_done:
            if any(p is not None and (p in wanted or p in through) for p in parents):
                through.add(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in parents if isinstance(p, Function))
    return through, freed


def _vertex(t: Tensor) -> Any:
    """The graph vertex standing for t: the node that made it, or t itself for a leaf."""
    return t if t.grad_fn is None else t.grad_fn


def _inspect_step(node: Function, g: Any, grads: tuple) -> None:
    """Check what node.backward returned (count; finiteness in anomaly mode); tell observers."""
    if len(grads) != len(node.parents):
        raise RuntimeError(
            f"{node.name()}: backward returned {len(grads)} gradients for {len(node.parents)} inputs"
        )
    if anomaly._mode.enabled:
        anomaly.check_backward(node, grads)
    for callback in _observers:
        callback(node, g, grads)


def _fit(g: Any, shape: tuple[int, ...], dtype: np.dtype, node: Function | None) -> Any:
    """Give a gradient its input's shape (summing out broadcast dims) and dtype.

    A gradient that is not a broadcast of the input's shape is a bug in the backward that made
    it: an error, never a silent reshape.
    """
    if g.shape != shape:
        lead = g.ndim - len(shape)
        if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, g.shape[lead:])):
            source = f"{node.name()} returned" if node is not None else "got"
            raise RuntimeError(
                f"backward: {source} a gradient of shape {g.shape} for an input of shape {shape}"
            )
        g = sum_to_shape(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def sum_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum g over the dims that broadcasting added or stretched, e.g. (4, 2, 3) -> (2, 1)."""
    lead = g.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    return g.reshape(shape)


def _accumulate(t: Tensor, g: Any, create_graph: bool, shared: set[int]) -> None:
    """Add g into t.grad.

    The first gradient is kept as it is when its array is fresh and its own (most are: a
    backward formula's result), else copied: a view, a read-only broadcast, the caller's seed,
    an array a hook saw or returned, or one already given to another tensor (Add hands one array
    to both inputs) must not become a .grad that later in-place changes could reach through
    another name.
    """
    if t.grad is not None:
        if create_graph:
            t.grad = t.grad + g
        else:
            total = t.grad._array + g
            t.grad._array = total if type(total) is np.ndarray else np.asarray(total)  # 0-d: a scalar
        return
    array = g._array if create_graph else g
    if type(array) is np.ndarray and array.base is None and array.flags.writeable and id(array) not in shared:
        shared.add(id(array))
    elif create_graph:
        g = g + 0  # a recorded copy: new array, same graph
    else:
        g = np.array(g)
    t.grad = g if create_graph else Tensor._make(g, None, False)


def _run_hooks(hooks: list, g: Any, create_graph: bool, shared: set[int]) -> Any:
    """Pass g through a tensor's hooks in order; then RetainGrad stores it in the tensor's .grad,
    last, as in PyTorch. A hook must keep the gradient's shape and dtype."""
    for hook in list(hooks):
        if isinstance(hook, RetainGrad):
            continue
        shared.add(id(_data(g)))  # the hook may keep it
        result = hook(_as_tensor(g))
        if result is None:
            continue
        array = np.asarray(_data(result))
        if array.shape != np.shape(_data(g)) or array.dtype != _data(g).dtype:
            raise RuntimeError(
                f"a hook returned a gradient of shape {array.shape} and dtype {array.dtype} for one "
                f"of shape {np.shape(_data(g))} and dtype {_data(g).dtype}; hooks must keep both"
            )
        shared.add(id(array))  # the caller may keep it
        g = _as_tensor(result) if create_graph else array
    for hook in hooks:
        if isinstance(hook, RetainGrad) and (t := hook.tensor()) is not None:
            _accumulate(t, g, create_graph, shared)
    return g


def _data(g: Any) -> Any:
    """The array of a gradient that may be a Tensor (under create_graph) or an array."""
    return g._array if isinstance(g, Tensor) else g


def _as_tensor(g: Any) -> Tensor:
    """A gradient as a Tensor outside the graph (a given Tensor stays as it is; NumPy may hand
    back a scalar for a 0-d result)."""
    return g if isinstance(g, Tensor) else Tensor._make(np.asarray(g), None, False)
