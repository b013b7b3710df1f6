"""The steps a trace is made of: each is one line of NumPy-level Python on numbered slots.

A slot holds one array of the recorded call: an argument's data, a parameter's data read at
replay time, an op's result, a gradient. Each step reads some slots and writes at most a few,
and knows how to write itself as a line of Python source (`source`), so that a whole trace
becomes one flat function (see trace.py) that a person can read:

    v3 = Linear_forward(ctx3, v0, v1, v2)        # (64, 128) float32
    v9, v10, v11 = Linear_backward(ctx3, v8)

Constants and live objects (a ctx, a parameter Tensor, an optimizer) go into the generated
function's namespace under a name that `Names.bind` chooses; slots are its local variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Slot:
    """Operand that is an array of the trace, the local variable `v<index>` of the replay."""

    index: int


@dataclass(frozen=True)
class Const:
    """Operand fixed when the trace was recorded: a number, None, a shape, a constant array."""

    value: Any


class Names:
    """The namespace of a generated replay function: one name per bound object.

    Objects of a kind are numbered (`ctx0`, `ctx1`, `t0`, ...); functions keep their own name
    (`Linear_forward`, `step`), with a number added only where two would clash.
    """

    _NUMBERED = ("ctx", "t", "obj", "k", "dtype", "out")

    def __init__(self, built_ins: dict[str, Any] | None = None) -> None:
        self.namespace: dict[str, Any] = {}
        self._by_id: dict[int, str] = {}
        self._count: dict[str, int] = {}
        for name, value in (built_ins or {}).items():
            self.namespace[name] = value
            self._by_id[id(value)] = name

    def bind(self, value: Any, hint: str) -> str:
        """A name under which `value` is reachable in the generated code (the same for one object)."""
        name = self._by_id.get(id(value))
        if name is not None:
            return name
        n = self._count.get(hint, 0)
        name = f"{hint}{n}" if hint in self._NUMBERED else hint if n == 0 else f"{hint}_{n + 1}"
        while name in self.namespace:  # a function's name already used by another object
            n += 1
            name = f"{hint}{n}" if hint in self._NUMBERED else f"{hint}_{n + 1}"
        self._count[hint] = n + 1
        self._by_id[id(value)] = name
        self.namespace[name] = value
        return name

    def operand(self, operand: Slot | Const) -> str:
        """Source text for an operand: a slot's variable, or a literal / a bound constant."""
        if isinstance(operand, Slot):
            return f"v{operand.index}"
        value = operand.value
        if value is None or type(value) in (bool, int, str) or (type(value) is float and np.isfinite(value)):
            return repr(value)
        if type(value) is tuple and all(type(v) is int for v in value):
            return repr(value)
        return self.bind(value, "k")


@dataclass
class Step:
    """One line of a trace. `reads` and `writes` are the slots it uses and defines."""

    reads: tuple[int, ...] = field(default=(), init=False)
    writes: tuple[int, ...] = field(default=(), init=False)

    def source(self, names: Names) -> str:
        raise NotImplementedError


def _slots(*operands: Any) -> tuple[int, ...]:
    return tuple(o.index for o in operands if isinstance(o, Slot))


def _targets(slots: list[Slot | None]) -> str:
    return ", ".join("_" if s is None else f"v{s.index}" for s in slots)


@dataclass
class ReadTensor(Step):
    """slot = a Tensor's array, read when the replay runs: an argument (`a<i>`) or a live Tensor
    such as a parameter, so that `p.data = ...` between calls is seen."""

    tensor: Any  # an int (the position among the Tensor arguments) or the live Tensor itself
    out: Slot

    def __post_init__(self) -> None:
        self.writes = (self.out.index,)

    def source(self, names: Names) -> str:
        holder = f"a{self.tensor}" if type(self.tensor) is int else names.bind(self.tensor, "t")
        return f"v{self.out.index} = {holder}._array"


@dataclass
class Forward(Step):
    """slot = Op.forward(ctx, *operands, **options): one op of the forward pass.

    `ctx` is the op's context object from the recorded call, reused: forward stores on it what
    backward needs, as it did then. A 0-d result is made an array, as Function.apply does.
    """

    op: type
    ctx: Any
    args: list[Slot | Const]
    options: dict[str, Slot | Const]
    out: Slot
    zero_d: bool

    def __post_init__(self) -> None:
        self.reads = _slots(*self.args, *self.options.values())
        self.writes = (self.out.index,)

    def source(self, names: Names) -> str:
        forward = names.bind(self.op.forward, f"{self.op.__name__}_forward")
        ctx = names.bind(self.ctx, "ctx")
        args = [ctx, *map(names.operand, self.args)]
        args += [f"{k}={names.operand(v)}" for k, v in self.options.items()]
        call = f"{forward}({', '.join(args)})"
        return f"v{self.out.index} = " + (f"as_array({call})" if self.zero_d else call)


@dataclass
class Backward(Step):
    """input gradients = Op.backward(ctx, grad): one node of the backward pass, as the engine ran it."""

    op: type
    ctx: Any
    grad: Slot
    outs: list[Slot | None]  # one per input; None where the input gets no gradient
    returns_tuple: bool

    def __post_init__(self) -> None:
        self.reads = (self.grad.index,)
        self.writes = _slots(*self.outs)

    def source(self, names: Names) -> str:
        backward = names.bind(self.op.backward, f"{self.op.__name__}_backward")
        call = f"{backward}({names.bind(self.ctx, 'ctx')}, v{self.grad.index})"
        targets = _targets(self.outs)
        if self.returns_tuple and len(self.outs) == 1:
            targets += ","
        return f"{targets} = {call}"


@dataclass
class Seed(Step):
    """slot = ones: the gradient backward() starts from for a one-element loss."""

    shape: tuple[int, ...]
    dtype: np.dtype
    out: Slot

    def __post_init__(self) -> None:
        self.writes = (self.out.index,)

    def source(self, names: Names) -> str:  # np.ones without its Python wrapper, as the engine
        slot = f"v{self.out.index}"
        return f"{slot} = empty({self.shape!r}, {names.bind(self.dtype, 'dtype')}); {slot}.fill(1)"


@dataclass
class Call(Step):
    """out = function(*operands): a NumPy-level helper (a copy, a cast, a sum to a shape, an
    addition of two gradients, a random draw), written as the call it is."""

    function: Any
    label: str  # the name it is bound under, e.g. "fit" or "add"
    args: list[Slot | Const]
    out: Slot | None
    keywords: dict[str, Slot | Const] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reads = _slots(*self.args, *self.keywords.values())
        self.writes = () if self.out is None else (self.out.index,)

    def source(self, names: Names) -> str:
        args = [names.operand(a) for a in self.args]
        args += [f"{k}={names.operand(v)}" for k, v in self.keywords.items()]
        call = f"{names.bind(self.function, self.label)}({', '.join(args)})"
        return call if self.out is None else f"v{self.out.index} = {call}"


@dataclass
class Add(Step):
    """out = left + right: two gradients that meet at one tensor, summed in the engine's order.

    `in_place` (set by the optimizer pass in trace.py) writes the sum into `left`, when the trace
    proves that nothing else holds that array.
    """

    left: Slot
    right: Slot
    out: Slot
    in_place: bool = False

    def __post_init__(self) -> None:
        self.reads = (self.left.index, self.right.index)
        self.writes = (self.out.index,)

    def source(self, names: Names) -> str:
        left, right = f"v{self.left.index}", f"v{self.right.index}"
        if self.in_place:
            return f"v{self.out.index} = add({left}, {right}, out={left})"
        return f"v{self.out.index} = {left} + {right}"


@dataclass
class LiveCall(Step):
    """method(obj, *args): a call on a live object, made again at replay: opt.zero_grad(),
    opt.step(), scheduler.step(), clip_grad_norm_(...). It reads what it needs (learning
    rates, optimizer state, .grad) from the objects as they are then."""

    obj: Any
    method: Any
    args: tuple
    kwargs: dict

    def source(self, names: Names) -> str:
        function = names.bind(self.method, self.method.__name__)
        args = [names.bind(self.obj, "obj")] if self.obj is not None else []
        args += [names.operand(Const(a)) for a in self.args]
        args += [f"{k}={names.operand(Const(v))}" for k, v in self.kwargs.items()]
        return f"{function}({', '.join(args)})"


@dataclass
class Accumulate(Step):
    """out = the leaf's .grad after adding the gradient, as the engine's last step does it.

    The leaf is an argument (`a<i>`) or a live Tensor; whether it has a .grad yet is read at
    replay time, so gradients accumulate across calls exactly as they do without compile.
    """

    tensor: Any  # as in ReadTensor
    grad: Slot
    out: Slot

    def __post_init__(self) -> None:
        self.reads = (self.grad.index,)
        self.writes = (self.out.index,)

    def source(self, names: Names) -> str:
        holder = f"a{self.tensor}" if type(self.tensor) is int else names.bind(self.tensor, "t")
        return f"v{self.out.index} = accumulate({holder}, v{self.grad.index}, shared)"


@dataclass
class SetGrad(Step):
    """tensor.grad = None, written inside the traced function."""

    tensor: Any  # as in ReadTensor

    def source(self, names: Names) -> str:
        holder = f"a{self.tensor}" if type(self.tensor) is int else names.bind(self.tensor, "t")
        return f"{holder}.grad = None"


@dataclass
class Write(Step):
    """An in-place change (`t.add_(1)`, `t[i] = v`): copy the op's result into the tensor's
    array, and count the change as autograd_mini's in-place checks do."""

    target: Slot
    values: Slot

    def __post_init__(self) -> None:
        self.reads = (self.target.index, self.values.index)

    def source(self, names: Names) -> str:
        return f"write(v{self.target.index}, v{self.values.index})"
