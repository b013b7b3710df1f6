"""The backward pass, recorded: the engine's walk, with every decision it makes written down.

The engine (engine.py) decides, for each backward call, the order of the nodes (newest first),
where gradients meet and must be summed, and where a broadcast gradient must be summed back to
its input's shape. Those decisions depend only on the graph's structure, shapes and dtypes,
which a trace's signature fixes. So `traced_run` walks the graph as `engine.run` does, runs each
piece of NumPy work for real, and records it as a step; the replay then runs only the NumPy
work, in the same order, on the same kinds of arrays: bitwise the engine's results.

Recorded: `loss.backward()` and `loss.backward(gradient)`, with or without retain_graph.
Not recorded (the call runs eagerly, with a graph break): create_graph, `autograd.grad`,
gradient hooks and retain_grad (Python code that runs mid-walk), and a walk that reaches
nodes made before the traced call.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

import numpy as np

from autograd_mini import engine, inplace
from autograd_mini.compile.recorder import Recorder
from autograd_mini.compile.steps import Accumulate, Add, Backward, Call, Const, Seed, Slot
from autograd_mini.grad_mode import _mode
from autograd_mini.tensor import Tensor

_real_seed, _real_run = engine._seed_gradient, engine.run


def accumulate(t: Tensor, g: np.ndarray, shared: set[int]) -> np.ndarray:
    """Add g into t.grad as the engine does (keeping or copying the first gradient), and return
    the array t.grad then holds."""
    engine._accumulate(t, g, False, shared)
    return t.grad._array


def fit(g: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A gradient given its input's shape (summing out broadcast dims) and dtype: the engine's _fit."""
    return engine._fit(g, shape, dtype, None)


def traced_seed(recorder: Recorder, tensor: Tensor, gradient: Any, caller: str, create_graph: bool) -> Any:
    """engine._seed_gradient, recorded: ones for a one-element loss, else a copy of `gradient`."""
    seed = _real_seed(tensor, gradient, caller, create_graph)
    if recorder.quiet or recorder.broken:
        return seed
    if create_graph:
        recorder.graph_break("backward(create_graph=True) is not recorded")
    elif gradient is None:
        recorder.emit(Seed(seed.shape, seed.dtype, recorder.new_slot(seed)))
    else:
        source = recorder.operand(gradient)
        copy = Call(np.array, "array", [source], recorder.new_slot(seed), {"dtype": Const(seed.dtype)})
        recorder.emit(copy)
    return seed


def traced_run(recorder: Recorder, roots: list, seeds: list, retain_graph: bool, create_graph: bool,
               capture: Any = None) -> dict:
    """engine.run for a plain backward() call, recording each step; anything else runs eagerly."""
    if recorder.quiet or recorder.broken:
        return _real_run(roots, seeds, retain_graph, create_graph, capture)
    reason = _unrecordable(recorder, roots, create_graph, capture)
    if reason is not None:
        recorder.graph_break(reason)
        return _real_run(roots, seeds, retain_graph, create_graph, capture)
    recorder.backward_ran = True
    pending: dict[Any, Slot] = {}  # node or leaf -> the slot of the sum of its gradients so far
    queue: list[tuple[int, Any]] = []
    leaves: list[Tensor] = []
    vertices, grads = [engine._vertex(r) for r in roots], [recorder.operand(s) for s in seeds]
    previous_mode = _mode.enabled
    _mode.enabled = False
    recorder.quiet += 1  # the walk's own work (backward formulas, .grad updates) is recorded here
    try:
        while True:
            for vertex, g in zip(vertices, grads):
                if vertex is None or g is None:
                    continue
                _deliver(recorder, vertex, g, pending, queue, leaves)
            if not queue:
                break
            node = heappop(queue)[1]
            g = pending.pop(node)
            vertices = node.parents
            if node.sequence_number < inplace.latest_change and node.saved_tensors:
                inplace.check_saved(node)  # as the engine checks it: raises on a stale saved array
            result = node.backward(node, recorder.value(g))
            returns_tuple = type(result) is tuple
            results = result if returns_tuple else (result,)
            if len(results) != len(vertices):
                engine._inspect_step(node, recorder.value(g), results)  # raises, naming the node
            grads = [None if r is None else _result_slot(recorder, r) for r in results]
            recorder.emit(Backward(type(node), node, g, grads, returns_tuple))
            if not retain_graph:
                node.release()
        shared: set[int] = set()
        for leaf in leaves:
            g = pending.pop(leaf)
            if leaf._requires_grad:
                total = accumulate(leaf, recorder.value(g), shared)
                recorder.emit(Accumulate(recorder.holder(leaf), g, recorder.new_slot(total)))
    finally:
        recorder.quiet -= 1
        _mode.enabled = previous_mode
    return {}


def _deliver(recorder: Recorder, vertex: Any, g: Slot, pending: dict, queue: list, leaves: list) -> None:
    """Hand gradient g to a vertex: fit it to the vertex's shape and dtype, add it to what the
    vertex has, and queue the vertex on its first gradient (engine.run's inner loop)."""
    array = recorder.value(g)
    if isinstance(vertex, Tensor):
        shape, dtype, is_leaf = vertex._array.shape, vertex._array.dtype, True
    else:
        shape, dtype, is_leaf = vertex.out_shape, vertex.out_dtype, False
    if array.shape != shape or array.dtype is not dtype:
        fitted = fit(array, shape, dtype)
        out = _result_slot(recorder, fitted, fresh=True)
        recorder.emit(Call(fit, "fit", [g, Const(shape), Const(dtype)], out))
        g, array = out, fitted
    previous = pending.get(vertex)
    if previous is not None:
        out = recorder.new_slot(recorder.value(previous) + array)  # 0-d: a NumPy scalar, as in the engine
        recorder.emit(Add(previous, g, out))
        pending[vertex] = out
        return
    pending[vertex] = g
    if is_leaf:
        leaves.append(vertex)
    else:
        heappush(queue, (-vertex.sequence_number, vertex))


def _result_slot(recorder: Recorder, array: Any, fresh: bool = False) -> Slot:
    """The slot for an array a backward formula returned: the one it has if it is an array of the
    trace handed on (Add passes its gradient through), else a new one."""
    if not fresh:
        slot = recorder.slot(array)
        if slot is not None:
            return slot
    return recorder.new_slot(array)


def _unrecordable(recorder: Recorder, roots: list, create_graph: bool, capture: Any) -> str | None:
    """Why this backward call cannot be recorded, or None: walk the graph once to look."""
    if create_graph:
        return "backward(create_graph=True) is not recorded"
    if capture is not None:
        return "autograd.grad is not recorded"
    stack = [engine._vertex(r) for r in roots]
    seen: set[int] = set()
    while stack:
        vertex = stack.pop()
        if vertex is None or id(vertex) in seen:
            continue
        seen.add(id(vertex))
        if isinstance(vertex, Tensor):
            if vertex._hooks:
                return "a tensor has a gradient hook (register_hook or retain_grad)"
            if not recorder.existed_before(vertex):
                return "backward reaches a leaf made inside the function"
            continue
        if vertex.hooks:
            return "a tensor has a gradient hook (register_hook or retain_grad)"
        if not recorder.is_traced_node(vertex):
            return "backward reaches a graph made before the call"
        if vertex.parents is None:
            return "backward goes through a graph already freed"
        stack.extend(vertex.parents)
    return None

