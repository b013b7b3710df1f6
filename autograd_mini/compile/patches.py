"""Traced stand-ins for a few of autograd_mini's functions, in place only while a call is recorded.

`recording(recorder)` swaps them in and always swaps the originals back, so eager code pays
nothing for the tracer's existence: no flag is tested on the hot path. What each one does:

- `Function.apply`: runs the op, then records `Op.forward(ctx, ...)`;
- `engine._seed_gradient` and `engine.run`: record the backward walk (backward.py);
- `Optimizer.step` and `zero_grad`, `LRScheduler.step`, `Module.zero_grad`,
  `nn.utils.clip_grad_norm_` and `clip_grad_value_`: run, recorded as calls on the live object;
- random creation (`randn`, dropout masks, ... marked `@random.recorded_draw`): draws,
  recorded as a step that draws afresh;
- in-place writes (`add_`, `t[i] = v`): copy into the tensor's array, recorded;
- `.item()`, `bool(t)`, `.tolist()`, `.numpy()`, `float(t)`, `int(t)`, `format`, `repr`: a
  graph break, as the value goes into Python;
- `Tensor(...)`, `Tensor._make`: note a tensor that Python code made (a constant, a view, or
  an opaque value that breaks the graph if an op uses it);
- `.grad`: setting it to None is recorded; reading one the call did not compute breaks;
- `Module.__call__` of a module with forward hooks, in-place random fills: a graph break.

Not thread-safe: recording in one thread while another runs autograd_mini would record both.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd_mini import engine, function, inplace, random
from autograd_mini.compile import backward
from autograd_mini.compile.recorder import Recorder
from autograd_mini.compile.steps import Forward, SetGrad, Write
from autograd_mini.function import Function
from autograd_mini.nn import utils as nn_utils
from autograd_mini.nn.module import Module
from autograd_mini.optim.optimizer import Optimizer
from autograd_mini.optim.scheduler import LRScheduler
from autograd_mini.tensor import Tensor

_VALUE_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__", "__array__",
                "__format__", "__repr__")
_RANDOM_FILLS = ("fill_normal", "fill_uniform", "fill_integers", "fill_bernoulli")


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Inside the block, autograd_mini's work is recorded into `recorder` as it runs."""
    saved: list[tuple[Any, str, Any]] = []

    def replace(owner: Any, name: str, stand_in: Any) -> None:
        saved.append((owner, name, owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)))
        setattr(owner, name, stand_in)

    try:
        _install(recorder, replace)
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def _install(rec: Recorder, replace: Callable[[Any, str, Any], None]) -> None:
    real_apply = Function.__dict__["apply"].__func__

    def apply(cls: type, *inputs: Any, **options: Any) -> Tensor:
        if rec.quiet or rec.broken:
            return real_apply(cls, *inputs, **options)
        args = [rec.operand(x) for x in inputs]
        keywords = {k: rec.operand(v) for k, v in options.items()}
        outer, rec.new_objects = rec.new_objects, []
        try:
            out = real_apply(cls, *inputs, **options)
            ctx = rec.new_objects[0]
        finally:
            rec.new_objects = outer
        if out.grad_fn is ctx:
            rec.note_node(ctx)
        data = out._array
        rec.emit(Forward(cls, ctx, args, keywords, rec.new_slot(data), data.ndim == 0))
        return out

    def new(cls: type) -> Any:
        made = object.__new__(cls)
        rec.new_objects.append(made)
        return made

    replace(Function, "apply", classmethod(apply))
    replace(function, "_new", new)
    _install_tensor_creation(rec, replace)
    _install_value_reads(rec, replace)
    _install_grad(rec, replace)
    replace(engine, "_seed_gradient", lambda *a: backward.traced_seed(rec, *a))
    replace(engine, "run", lambda *a, **k: backward.traced_run(rec, *a, **k))
    _install_live_calls(rec, replace)
    _install_inplace_and_random(rec, replace)

    real_call = Module.__dict__["__call__"]

    def call(module: Module, *args: Any, **kwargs: Any) -> Any:
        if (module._forward_pre_hooks or module._forward_hooks) and not rec.quiet:
            rec.graph_break(f"{type(module).__name__} has forward hooks, Python code a replay would skip")
        return real_call(module, *args, **kwargs)

    replace(Module, "__call__", call)


def _install_tensor_creation(rec: Recorder, replace: Callable) -> None:
    real_make, real_init = Tensor.__dict__["_make"].__func__, Tensor.__dict__["__init__"]

    def make(data: np.ndarray, grad_fn: Any, requires_grad: bool) -> Tensor:
        t = real_make(data, grad_fn, requires_grad)
        if not (rec.quiet or rec.broken):
            rec.note_tensor(t, sys._getframe(1))
        return t

    def init(self: Tensor, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        if not (rec.quiet or rec.broken):
            rec.note_tensor(self, sys._getframe(1))

    replace(Tensor, "_make", staticmethod(make))
    replace(Tensor, "__init__", init)


def _install_value_reads(rec: Recorder, replace: Callable) -> None:
    def reader(name: str, real: Callable) -> Callable:
        def read(self: Tensor, *args: Any, **kwargs: Any) -> Any:
            if not (rec.quiet or rec.broken or rec.is_constant(self)):
                call = name if name.startswith("__") else f".{name}()"
                rec.graph_break(f"{call} reads a tensor's value into Python")
            return real(self, *args, **kwargs)

        return read

    for name in _VALUE_READS:
        replace(Tensor, name, reader(name, Tensor.__dict__[name]))


def _install_grad(rec: Recorder, replace: Callable) -> None:
    """.grad = None inside the function is recorded; reading a .grad the call did not make breaks."""
    member = Tensor.__dict__["grad"]

    def get(self: Tensor) -> Any:
        grad = member.__get__(self)
        if grad is not None and not (rec.quiet or rec.broken) and rec.slot(grad._array) is None:
            rec.graph_break("reads a .grad that the call did not compute")
        return grad

    def set(self: Tensor, value: Any) -> None:
        try:
            member.__get__(self)
        except AttributeError:  # the first assignment, in a new tensor's constructor
            member.__set__(self, value)
            return
        op_result = rec.slot(self._array) is not None and not rec.existed_before(self)
        made = rec.made_during_trace(self) or op_result
        if not (made or rec.quiet or rec.broken):  # a tensor the call itself made does not matter
            if value is None:
                rec.emit(SetGrad(rec.holder(self)))
            else:
                rec.graph_break("assigns a .grad")
        member.__set__(self, value)

    replace(Tensor, "grad", property(get, set))


def _install_live_calls(rec: Recorder, replace: Callable) -> None:
    """Optimizer and scheduler steps, zero_grad and gradient clipping: recorded as calls."""

    def live(method: Callable) -> Callable:
        def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
            if rec.quiet or rec.broken:
                return method(obj, *args, **kwargs)
            return rec.live_call(obj, method, args, kwargs)

        return call

    def live_function(function_: Callable) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            if rec.quiet or rec.broken:
                return function_(*args, **kwargs)
            return rec.live_call(None, function_, args, kwargs)

        return call

    methods = ((Optimizer, ("step", "zero_grad")), (LRScheduler, ("step",)), (Module, ("zero_grad",)))
    for base, names in methods:
        for cls in _with_subclasses(base):
            for name in names:
                if name in cls.__dict__:
                    replace(cls, name, live(cls.__dict__[name]))
    for name in ("clip_grad_norm_", "clip_grad_value_"):
        replace(nn_utils, name, live_function(getattr(nn_utils, name)))


def _with_subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        c = stack.pop()
        found.append(c)
        stack.extend(c.__subclasses__())
    return found


def _install_inplace_and_random(rec: Recorder, replace: Callable) -> None:
    real_write = inplace._write

    def write(t: Tensor, values: np.ndarray, name: str) -> None:
        if rec.quiet or rec.broken:
            return real_write(t, values, name)
        target, source = rec.tensor_operand(t), rec.operand(values)
        real_write(t, values, name)
        rec.emit(Write(target, source))

    replace(inplace, "_write", write)
    replace(random, "draw_hook", rec.draw)

    def refuse(name: str, real: Callable) -> Callable:
        def fill(*args: Any, **kwargs: Any) -> Any:
            if not (rec.quiet or rec.broken):
                rec.graph_break(f"an in-place random fill ({name}) is not recorded; draw with randn or rand")
            return real(*args, **kwargs)

        return fill

    for name in _RANDOM_FILLS:
        replace(random, name, refuse(name, getattr(random, name)))
