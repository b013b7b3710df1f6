"""The recording half of the tracer: while a function runs eagerly, note the NumPy work it does.

A `Recorder` gives every array the call makes or reads a slot, and turns each op, each backward
step and each optimizer call into a `Step` (steps.py) on those slots. It is fed by the traced
stand-ins that patches.py puts in place of a few of autograd_mini's functions for the duration
of the recording (Function.apply, the engine's walk, value reads such as `.item()`, ...): the
eager code itself carries no check for tracing.

Where the call does something a replay could not repeat (it reads a value into Python, or
computes a tensor outside the ops), the recorder calls `graph_break`: the call then finishes
eagerly, nothing is cached for its signature, and the reason says where it happened.
"""

from __future__ import annotations

import os
import types
from typing import Any

import numpy as np

from autograd_mini import anomaly
from autograd_mini.compile.steps import Call, Const, LiveCall, ReadTensor, Slot, Step
from autograd_mini.tensor import Tensor

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CREATION_FILE = os.path.join(_PACKAGE_DIR, "creation.py")
CONSTANT = "constant"  # the kind of a tensor made during the trace from Python values only


class GraphBreak(RuntimeError):
    """Raised by `compile(fn, fullgraph=True)` where fn does something a trace cannot replay."""


def redraw(make: Any, *args: Any, **kwargs: Any) -> np.ndarray:
    """Call a random creation function again, with arrays of the trace given as Tensors, and
    return the array it draws: the replay of `am.randn(...)` or of a dropout mask."""
    args = tuple(Tensor._make(a, None, False) if type(a) is np.ndarray else a for a in args)
    drawn = make(*args, **kwargs)
    return drawn._array if isinstance(drawn, Tensor) else drawn


class Recorder:
    """Slots, steps and what is known about every array and tensor of one recorded call.

    arguments: the Tensors passed to the function (a replay gets new ones in their places).
    live_arrays: id(array) -> Tensor, for arrays that library code passes to ops bare (a
    target's class indices) but that belong to a Tensor which outlives the call.
    """

    def __init__(self, arguments: list[Tensor], live_arrays: dict[int, Tensor], fullgraph: bool) -> None:
        self.steps: list[Step] = []
        self.fullgraph = fullgraph
        self.broken: str | None = None  # why the call cannot be replayed, once it is known
        self.quiet = 0  # > 0 while a step's own work runs for real: nothing inside it is recorded
        self.backward_ran = False
        self._slot_of: dict[int, Slot] = {}  # id(array) -> its slot
        self._arrays: list[np.ndarray] = []  # every array given a slot, alive so that ids stay unique
        self._made: dict[int, str] = {}  # id(tensor made during the trace by Python code) -> its kind
        self._made_arrays: dict[int, str] = {}  # the same, keyed by the id of the tensor's array
        self._keep: list[Any] = []  # tensors and nodes met, alive for the same reason
        self._nodes: set[int] = set()  # ids of the graph nodes made during the trace
        self._live: set[int] = set()  # ids of the Tensors read live (they outlive the call)
        self._arguments = {id(t): i for i, t in enumerate(arguments)}
        self._live_arrays = live_arrays
        self.new_objects: list[Any] = []  # what Function.apply made (its ctx first), see patches.py
        for i, t in enumerate(arguments):
            if id(t._array) not in self._slot_of:
                self.emit(ReadTensor(i, self.new_slot(t._array)))

    # ---- slots and operands -----------------------------------------------------------------

    def new_slot(self, array: np.ndarray) -> Slot:
        """A new slot for an array that the call just made."""
        slot = Slot(len(self._arrays))
        self._arrays.append(array)
        self._slot_of[id(array)] = slot
        return slot

    def slot(self, array: Any) -> Slot | None:
        """The slot of an array of the trace, or None."""
        return self._slot_of.get(id(array))

    def value(self, slot: Slot) -> np.ndarray:
        """The array a slot held in the recorded call."""
        return self._arrays[slot.index]

    def holder(self, t: Tensor) -> Any:
        """How a step names a Tensor that outlives the call: its argument position, or itself."""
        return self._arguments.get(id(t), t)

    def operand(self, x: Any) -> Slot | Const:
        """The operand an op's input becomes: a slot for an array of the trace, else a constant."""
        if isinstance(x, Tensor):
            return self.tensor_operand(x)
        if type(x) is np.ndarray:
            slot = self._slot_of.get(id(x))
            if slot is not None:
                return slot
            owner = self._live_arrays.get(id(x))
            if owner is not None and owner._array is x:
                return self.read_live(owner)
            kind = self._made_arrays.get(id(x))
            if kind is not None and kind != CONSTANT:  # the bare array of an opaque tensor (a mask)
                self.graph_break(f"a tensor computed outside autograd_mini's ops ({kind}) feeds an op")
        return Const(x)

    def tensor_operand(self, t: Tensor) -> Slot | Const:
        slot = self._slot_of.get(id(t._array))
        if slot is not None:
            return slot
        kind = self._made.get(id(t))
        if kind is None:  # it existed before the call: read it when the replay runs
            return self.read_live(t)
        if kind != CONSTANT:
            self.graph_break(f"a tensor computed outside autograd_mini's ops ({kind}) feeds an op")
        return Const(t._array)

    def read_live(self, t: Tensor) -> Slot:
        self._keep.append(t)
        self._live.add(id(t))
        slot = self.new_slot(t._array)
        self.emit(ReadTensor(self.holder(t), slot))
        return slot

    # ---- what the call made -----------------------------------------------------------------

    def note_node(self, node: Any) -> None:
        """node (an op's ctx) belongs to the trace: the traced backward may run it."""
        self._nodes.add(id(node))
        self._keep.append(node)

    def is_traced_node(self, node: Any) -> bool:
        return id(node) in self._nodes

    def existed_before(self, t: Tensor) -> bool:
        """Whether t is an argument or a Tensor read live: one that outlives the call."""
        return id(t) in self._arguments or id(t) in self._live

    def made_during_trace(self, t: Tensor) -> bool:
        return id(t) in self._made

    def note_tensor(self, t: Tensor, frame: types.FrameType) -> None:
        """A tensor that Python code made during the trace (not an op): an alias or a view of an
        array of the trace, a constant (zeros, arange, a literal), or an opaque value."""
        array = t._array
        if id(array) in self._slot_of:
            return
        base = array.base
        if (base is not None and id(base) in self._slot_of and array.shape == base.shape
                and array.strides == base.strides and array.dtype == base.dtype):  # t.detach()
            self.emit(Call(np.ndarray.view, "view", [self._slot_of[id(base)]], self.new_slot(array)))
            return
        self._made[id(t)] = self._made_arrays[id(array)] = self._classify(frame)
        self._keep.append(t)

    def _classify(self, frame: types.FrameType | None) -> str:
        """CONSTANT if the code that made a tensor used no array of the trace, as far as can be
        told: user code building from Python values, or a creation function (zeros, arange,
        tensor(...)) given no traced tensor. Anything else is described by where it was made."""
        entry = None  # the outermost autograd_mini frame: the function the user called
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            entry = frame
            frame = frame.f_back
        if entry is None:
            return CONSTANT
        if entry.f_code.co_filename == _CREATION_FILE:
            name = entry.f_code.co_name
            if name.endswith("_like") or not any(self._is_traced(v) for v in entry.f_locals.values()):
                return CONSTANT
        return f"{entry.f_code.co_name} at {anomaly.user_frame()}"

    def _is_traced(self, value: Any) -> bool:
        array = value._array if isinstance(value, Tensor) else value
        return type(array) is np.ndarray and id(array) in self._slot_of

    def is_constant(self, t: Tensor) -> bool:
        return self._made.get(id(t)) == CONSTANT

    # ---- steps --------------------------------------------------------------------------------

    def emit(self, step: Step) -> None:
        if self.broken is None:
            self.steps.append(step)

    def live_call(self, obj: Any, method: Any, args: tuple, kwargs: dict) -> Any:
        """Run method(obj, *args, **kwargs) for real, and record it to be called again at replay.

        Arguments must be plain Python values or live objects: a Tensor (a metric) or a
        closure would make the call depend on values of this run only.
        """
        args = tuple(list(a) if isinstance(a, types.GeneratorType) else a for a in args)
        for value in (*args, *kwargs.values()):
            if isinstance(value, Tensor) or (callable(value) and not isinstance(value, type)):
                what = "a Tensor" if isinstance(value, Tensor) else "a closure"
                self.graph_break(f"{type(obj).__name__}.{method.__name__} is given {what}")
                break
        self.emit(LiveCall(obj, method, args, kwargs))
        self.quiet += 1
        try:
            return method(obj, *args, **kwargs) if obj is not None else method(*args, **kwargs)
        finally:
            self.quiet -= 1

    def draw(self, make: Any, args: tuple, kwargs: dict) -> Any:
        """Run a random creation function for real, recorded as a step that draws afresh."""
        operands = [self.operand(a) for a in args]
        keywords = {k: self.operand(v) for k, v in kwargs.items()}
        self.quiet += 1
        try:
            drawn = make(*args, **kwargs)
        finally:
            self.quiet -= 1
        array = drawn._array if isinstance(drawn, Tensor) else drawn
        if isinstance(drawn, Tensor) and drawn._requires_grad:
            self.graph_break(f"{make.__name__} makes a tensor that requires grad inside the function")
        self.emit(Call(redraw, "draw", [Const(make), *operands], self.new_slot(array), keywords))
        return drawn

    def graph_break(self, reason: str) -> None:
        """Stop recording: the call cannot be replayed (or, with fullgraph=True, raise)."""
        if self.broken is not None:
            return
        where = reason if " at " in reason else f"{reason}, at {anomaly.user_frame()}"
        if self.fullgraph:
            raise GraphBreak(f"compile(fullgraph=True): {where}")
        self.broken = where
