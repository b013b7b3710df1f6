"""Recording one forward pass: which ops ran, on which inputs, inside which module.

Two sources feed the record. Every op reports itself through `function.observer` (set only
while recording, and only for the recording thread); and forward hooks on the model's modules
keep the module path of each op for error messages, and record as one call the modules that
are exported whole (MODULES: an LSTM becomes one ONNX LSTM, a max-pool one MaxPool), whose
inner ops are then left out.

For dynamic axes the forward pass is recorded twice, the second time with those axes one
longer: the dims of a value that differ between the two records are the dynamic ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_mini import function
from autograd_mini.grad_mode import no_grad
from autograd_mini.nn.module import Module
from autograd_mini.tensor import Tensor


class ExportError(RuntimeError):
    """A model that cannot be exported: an op with no ONNX mapping, or a value that breaks dynamic axes."""


@dataclass
class Call:
    """One op (or one module exported whole) as it ran: kind is the op class or the module."""

    kind: type | Module
    inputs: tuple
    options: dict
    output: Any  # a Tensor, or a module's output (tensors in tuples)
    where: str  # the module path, "h.0.attn (CausalSelfAttention)"
    dynamic: list[tuple[bool, ...]] = field(default_factory=list)  # per output tensor, per dim

    @property
    def name(self) -> str:
        return type(self.kind).__name__ if isinstance(self.kind, Module) else self.kind.__name__


def tensors_in(value: Any) -> list[Tensor]:
    """The tensors of a value that nests them in tuples and lists, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    return []


class Recorder:
    """Collects the Calls of one forward pass of model; use record() rather than this directly."""

    def __init__(self, model: Module, whole: tuple[type, ...]) -> None:
        self.calls: list[Call] = []
        self._whole = whole
        self._names = {id(m): name for name, m in model.named_modules()}
        self._path: list[str] = []
        self._inside_whole = 0  # how many modules exported whole are running now
        self._thread = threading.get_ident()

    def op(self, cls: type, inputs: tuple, options: dict, output: Tensor) -> None:
        if self._inside_whole or threading.get_ident() != self._thread:
            return
        self.calls.append(Call(cls, inputs, options, output, self.where()))

    def where(self) -> str:
        return self._path[-1] if self._path else "the model's own forward"

    def enter(self, module: Module, args: tuple) -> None:
        self._path.append(f"{self._names.get(id(module)) or 'the model'} ({type(module).__name__})")
        if isinstance(module, self._whole):
            self._inside_whole += 1

    def leave(self, module: Module, args: tuple, output: Any) -> None:
        if isinstance(module, self._whole):
            self._inside_whole -= 1
            if not self._inside_whole:
                self.calls.append(Call(module, args, {}, output, self.where()))
        self._path.pop()


def record(model: Module, args: tuple, whole: tuple[type, ...]) -> tuple[list[Call], Any]:
    """(the calls of one forward pass of model(*args) under no_grad, its output)."""
    if function.observer is not None:
        raise ExportError("export: another export is recording already; export one model at a time")
    recorder = Recorder(model, whole)
    handles = []
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(recorder.enter))
        handles.append(module.register_forward_hook(recorder.leave))
    function.observer = recorder.op
    try:
        with no_grad():
            output = model(*args)
    finally:
        function.observer = None
        for handle in handles:
            handle.remove()
    for call in recorder.calls:
        if isinstance(call.kind, Module):
            check_whole_call(call)
    return recorder.calls, output


def check_whole_call(call: Call) -> None:
    """Refuse a module exported whole that was given arguments by keyword (lstm(x, hx=state)):
    forward hooks see only the positional ones, so the module runs again on those, and its
    output must be what was recorded."""
    with no_grad():
        again = call.kind(*call.inputs)
    if not all(np.array_equal(a._array, b._array, equal_nan=True)
               for a, b in zip(tensors_in(again), tensors_in(call.output))):
        raise ExportError(f"export: the {call.name} at {call.where} was given arguments by keyword, which "
                          "the exporter does not see: pass them by position, as lstm(x, (h, c))")


def mark_dynamic(first: list[Call], second: list[Call], known: tuple[set[int], set[int]]) -> None:
    """Set each call's dynamic dims by comparing it with its twin of the longer record.

    known holds, for each record, the ids of the arrays that are not constants of the graph
    (inputs, parameters and buffers, op results); any other array an op takes must be the same in
    both records, or the graph would hold a constant sized for one batch only.
    """
    if [c.name for c in first] != [c.name for c in second]:
        raise ExportError("export: the model ran other ops for another size of the dynamic axes, so it "
                          "cannot be exported with dynamic_axes (does its forward branch on a shape?)")
    for call, twin in zip(first, second):
        for a, b in zip(_constants(call, known[0]), _constants(twin, known[1])):
            if a.shape != b.shape or not np.array_equal(a, b):
                raise ExportError(
                    f"export: {call.name} at {call.where} takes a constant of shape {a.shape} that is "
                    f"computed outside the recorded ops (am.zeros, am.arange, ...) and changes with the "
                    f"dynamic axes ({b.shape} for another size), so the graph cannot hold it; compute it "
                    "from the input with tensor ops, or export without dynamic_axes"
                )
        call.dynamic = [tuple(m != n for m, n in zip(x.shape, y.shape))
                        for x, y in zip(tensors_in(call.output), tensors_in(twin.output))]


def _constants(call: Call, known: set[int]) -> Iterator[np.ndarray]:
    for value in [*call.inputs, *call.options.values()]:
        array = value._array if isinstance(value, Tensor) else value
        if isinstance(array, np.ndarray) and id(array) not in known:
            yield array
