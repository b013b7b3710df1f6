"""`compile(fn)`: record a training step once, then replay it as plain NumPy.

    step = am.compile(step)          # or @am.compile, or am.compile(model)
    loss = step(x, y)                # first call: runs eagerly and records (a trace)
    loss = step(x, y)                # same signature: replays the recorded NumPy work

The two halves, each in its own file:

- recording (recorder.py, patches.py, backward.py): the first call with a given signature
  (guards.py) runs eagerly, while stand-ins for Function.apply, the engine's walk and the
  optimizer's step note every piece of NumPy work as a step on numbered slots (steps.py);
- replaying (trace.py): the steps become one flat generated Python function, which later calls
  run directly: no Tensors in the middle, no graph, no ordering of nodes.

The arguments PyTorch's `torch.compile` takes are accepted: `fullgraph=True` raises
`GraphBreak` where a call cannot be recorded, instead of running that call eagerly with a
warning; `mode`, `dynamic`, `backend` and `options` choose among PyTorch's code generators
and are ignored here (every distinct shape gets its own trace, as with `dynamic=False`);
`disable=True` runs fn eagerly always.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_mini import anomaly
from autograd_mini.compile.guards import Watcher, call_signature
from autograd_mini.compile.patches import recording
from autograd_mini.compile.recorder import GraphBreak, Recorder
from autograd_mini.compile.steps import ReadTensor
from autograd_mini.compile.trace import Output, Returned, ReturnedArgument, Trace
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor

__all__ = ["CompiledFunction", "CompiledModule", "GraphBreak", "Trace", "compile"]

CACHE_SIZE = 8  # traces kept per compiled function, least recently used dropped first
RECOMPILE_LIMIT = 8  # recordings after which compile warns that the signature keeps changing
_EAGER = "eager"  # a cache entry for a signature whose calls cannot be recorded
_warned: set[str] = set()


def compile(
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
) -> Any:
    """Return a compiled version of a function or Module (or, without one, a decorator).

    A Module gives a `CompiledModule`, which is called like the module and hands attribute
    access on to it. `dynamic`, `backend`, `mode` and `options` are accepted and ignored.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if isinstance(model, Module):
        return CompiledModule(model, fullgraph=fullgraph, disable=disable)
    if not callable(model):
        raise TypeError(f"compile: expected a function or a Module, not {type(model).__name__}")
    return CompiledFunction(model, fullgraph=fullgraph, disable=disable)


class _Entry:
    """One cached trace, the objects its signature names by identity, and the live tensors it
    reads with the shapes and dtypes they had (checked before each replay)."""

    def __init__(self, trace: Trace, objects: list[Any]) -> None:
        self.trace, self.objects = trace, objects
        self.live = [(s.tensor, s.tensor._array.shape, s.tensor._array.dtype) for s in trace.steps
                     if isinstance(s, ReadTensor) and type(s.tensor) is not int]

    def still_fits(self) -> bool:
        for tensor, shape, dtype in self.live:
            if tensor._array.shape != shape or tensor._array.dtype != dtype:
                return False
        return True


class CompiledFunction:
    """fn, with its calls recorded once per signature and replayed after.

    `traces` lists the cached traces (most recently used last); `last_trace` is the one the
    latest call recorded or replayed (None after an eager call), for `listing()`; `breaks`
    says why the calls of some signatures run eagerly.
    """

    def __init__(self, fn: Callable, fullgraph: bool = False, disable: bool = False) -> None:
        self.fn = fn
        self._watcher = Watcher(fn)
        self.fullgraph, self.disable = fullgraph, disable
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self.recordings = 0
        self.breaks: list[str] = []  # why calls could not be recorded, one entry per signature
        self.last_trace: Trace | None = None
        functools.update_wrapper(self, fn)

    @property
    def traces(self) -> list[Trace]:
        return [e.trace for e in self._cache.values() if e is not _EAGER]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.last_trace = None
        if self.disable:
            return self.fn(*args, **kwargs)
        if anomaly.active and anomaly.is_anomaly_enabled():
            _warn_once(f"compile: {self._name()} runs eagerly while anomaly detection is on")
            return self.fn(*args, **kwargs)
        watched = self._watcher.objects()
        key, tensors, objects = call_signature(args, kwargs, watched)
        entry = self._cache.get(key)
        if entry is _EAGER:
            self._cache.move_to_end(key)
            return self.fn(*args, **kwargs)
        if entry is not None and entry.still_fits():
            self._cache.move_to_end(key)
            self.last_trace = entry.trace
            return entry.trace(tensors)
        return self._record(key, tensors, objects, watched, args, kwargs)

    def _record(self, key: tuple, tensors: list[Tensor], objects: list[Any], watched: list[Any],
                args: tuple, kwargs: dict) -> Any:
        recorder = Recorder(tensors, _live_arrays([*watched, *objects]), self.fullgraph)
        with recording(recorder):
            result = self.fn(*args, **kwargs)
            output = _output(result, recorder)
        self.recordings += 1
        if self.recordings == RECOMPILE_LIMIT + 1:
            _warn_once(
                f"compile: {self._name()} has been recorded {self.recordings} times, as the signature of its "
                "calls (tensor shapes, dtypes, requires_grad, Python arguments, modules' flags) keeps "
                f"changing; only the {CACHE_SIZE} most recent traces are kept"
            )
        if recorder.broken is not None:
            self.breaks.append(recorder.broken)
            _warn_once(f"compile: graph break in {self._name()}: {recorder.broken}; such calls run eagerly")
            self._store(key, _EAGER)
            return result
        trace = Trace(recorder.steps, recorder._arrays, output, len(tensors))
        self._store(key, _Entry(trace, objects))
        self.last_trace = trace
        return result

    def _store(self, key: tuple, entry: Any) -> None:
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _name(self) -> str:
        return getattr(self.fn, "__qualname__", type(self.fn).__name__)

    def listing(self) -> str:
        """The generated replay function of the latest call's trace (see Trace.listing)."""
        trace = self.last_trace or (self.traces[-1] if self.traces else None)
        if trace is None:
            raise RuntimeError(f"compile: {self._name()} has no trace yet: call it first")
        return trace.listing()


class CompiledModule:
    """A Module whose calls are compiled (PyTorch's OptimizedModule): call it like the module;
    other attributes (parameters(), train(), state_dict(), ...) are the module's own, which is
    also `_orig_mod`.

    Calling it records the module's forward only; under grad mode its outputs need a gradient
    that a replay could not give them, so such calls run eagerly (with a warning). Compile the
    whole training step (forward, backward, optimizer step) to replay training, and a module
    to replay inference under `no_grad`.
    """

    def __init__(self, module: Module, fullgraph: bool = False, disable: bool = False) -> None:
        self._orig_mod = module
        self._compiled = CompiledFunction(module.__call__, fullgraph=fullgraph, disable=disable)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled(*args, **kwargs)

    def listing(self) -> str:
        return self._compiled.listing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"CompiledModule({self._orig_mod!r})"


def _live_arrays(objects: list[Any]) -> dict[int, Tensor]:
    """id(array) -> Tensor for the tensors that outlive a call: those the function can see, and
    the parameters and buffers of the modules among them."""
    found: dict[int, Tensor] = {}
    for obj in objects:
        if isinstance(obj, Tensor):
            found[id(obj._array)] = obj
        elif isinstance(obj, Module):
            for t in (*obj.parameters(), *obj.buffers()):
                found[id(t._array)] = t
    return found


def _output(result: Any, recorder: Recorder) -> Output:
    """The structure of fn's return value, for a replay to rebuild (see trace.Output)."""

    def build(value: Any) -> Any:
        if isinstance(value, Tensor):
            if recorder.existed_before(value):
                where = recorder.holder(value)
                return ReturnedArgument(where) if type(where) is int else Returned(value)
            slot = recorder.slot(value._array)
            if slot is None:
                if not recorder.is_constant(value):
                    recorder.graph_break("the function returns a tensor computed outside autograd_mini's ops")
                return Returned(value)
            if value._requires_grad and not recorder.backward_ran:
                recorder.graph_break(
                    "the function returns a tensor that needs a gradient and runs no backward: a replay "
                    "returns tensors outside the graph; compile the whole step (forward, backward, step)"
                )
            return slot
        if type(value) in (tuple, list):
            return type(value)(build(v) for v in value)
        if type(value) is dict:
            return {k: build(v) for k, v in value.items()}
        if isinstance(value, np.ndarray) and recorder.slot(value) is not None:
            recorder.graph_break("the function returns an array of the trace")
        return Returned(value)

    return Output(build(result))


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)
