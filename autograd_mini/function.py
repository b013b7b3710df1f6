"""`Function`: one differentiable operation, its forward and backward side by side.

Every built-in op is a `Function` subclass, and users write their own the same way:

    class Square(Function):
        @staticmethod
        def forward(ctx, x):              # x: ndarray
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):          # grad: same shape as forward's result
            (x,) = ctx.saved_tensors
            return 2 * x * grad           # one gradient per input (None for "no gradient")

    y = Square.apply(t)

`forward` works on NumPy arrays. `backward` is written with operations that NumPy arrays and
Tensors share (`*`, `@`, `.sum(axis)`, `np.exp`, ...): in a plain backward pass it gets arrays
and is as fast as hand-written NumPy; under `create_graph=True` it gets Tensors, so the backward
pass is itself recorded and can be differentiated again.

The instance made for each call (`ctx`) is also the node of the graph: it holds the inputs,
which of them need a gradient, and what forward saved.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_mini import anomaly
from autograd_mini.grad_mode import _mode

_sequence = count()
_new = object.__new__  # bound once: the attribute lookup costs on every op
_BUILT_IN = "autograd_mini."  # the package's own ops, named as PyTorch names its built-in ones
# While set, called as observer(cls, inputs, options, result) after every op: how the ONNX
# exporter records a forward pass (autograd_mini/onnx/trace.py). Unset, it costs one test per op.
observer: Callable[[type, tuple, dict, Any], None] | None = None

if TYPE_CHECKING:
    from autograd_mini.tensor import Tensor


class Function:
    """Base class of differentiable operations; subclass it and define forward and backward."""

    # What the engine reads on every node, in slots; the dict holds what ops keep on ctx.
    __slots__ = (
        "parents", "needs_input_grad", "saved_tensors", "sequence_number", "out_shape", "out_dtype",
        "out_id", "__dict__",
    )
    hooks: list | None = None  # gradient hooks of the tensor this node made (see Tensor.register_hook)

    # Words for a forward that NumPy rejected, as in "add: shapes (2,) and (3,) cannot be
    # broadcast together". Ops whose failures mean something else say so.
    shape_failure = "cannot be broadcast together"

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> np.ndarray:
        """Compute the result from NumPy arrays (and any non-tensor arguments)."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        """Map the gradient of the result to one gradient per positional input (or None)."""
        raise NotImplementedError

    def save_for_backward(self, *values: Any) -> None:
        """Keep values (inputs, the result, or constants) for backward, as `ctx.saved_tensors`.

        backward reads them as arrays; under create_graph the engine hands it the inputs' and
        the result's arrays as Tensors joined to the graph instead (see `saved_in_graph`), so
        second derivatives flow through them.
        """
        self.saved_tensors = values

    def saved_in_graph(self) -> tuple:
        """What forward saved, with each input's or the result's array as a Tensor of the graph.

        Anything else forward computed is a constant of the recorded backward pass.
        """
        return tuple([self._in_graph(value) for value in self.saved_tensors])

    def _in_graph(self, value: Any) -> Any:
        """value as a Tensor of the graph if it is an input's or the result's array."""
        if not isinstance(value, np.ndarray):  # numbers, None: constants
            return value
        for parent in self.parents:  # inputs first: a forward may return an input as it is
            if isinstance(parent, Tensor):
                if parent._array is value:
                    return parent
            elif parent is not None and parent.out_id == id(value):
                return Tensor._make(value, parent, True)  # the same node, so the same gradient
        if id(value) == self.out_id:
            return Tensor._make(value, self, True)
        return value

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        """Run the op on Tensors (and constants); record it when an input needs a gradient.

        Positional inputs may be Tensors, arrays or numbers; keyword options (an axis, a shape)
        go to forward unchanged and get no gradient.
        """
        ctx = _new(cls)  # no __init__ to run: skip type.__call__
        ctx.saved_tensors = ()  # what save_for_backward is given, if forward calls it
        # One plain loop over the inputs (the cheapest way, as this runs for every op): their
        # arrays for forward, which need a gradient, and where each gradient goes: the op that
        # made the input, or the leaf itself. The node keeps no input Tensors, so arrays that
        # backward does not need are freed as soon as the forward pass is done with them.
        arrays, needs, parents = [], [], []
        record = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._array)
                if x._requires_grad:
                    record = True
                    needs.append(True)
                    parents.append(x.grad_fn or x)
                    continue
            else:
                arrays.append(x)
            needs.append(False)
            parents.append(None)
        ctx.needs_input_grad = tuple(needs)  # a tuple of bools: the garbage collector skips it
        record = record and _mode.enabled
        try:
            data = cls.forward(ctx, *arrays, **options) if options else cls.forward(ctx, *arrays)
        except (ValueError, IndexError) as error:
            kind = ValueError if isinstance(error, ValueError) else IndexError
            raise kind(cls._describe_failure(arrays, error)) from None
        if type(data) is not np.ndarray:  # NumPy returns scalars for 0-d results
            scalar, data = data, np.asarray(data)
            # A saved result must stay the output's own data, or create_graph sees a constant.
            if ctx.saved_tensors:
                ctx.saved_tensors = tuple([data if v is scalar else v for v in ctx.saved_tensors])
        # Debugging aid: stop at the first NaN/inf, saying where (is_anomaly_enabled(), inlined).
        if anomaly.active and anomaly._mode.enabled:
            anomaly.check_forward(cls.__name__.lower(), arrays, data)
            if record:
                ctx.created_at = anomaly.user_frame()
        out = _new(Tensor)  # Tensor._make, inlined on this hot path
        out._array, out.grad, out._hooks = data, None, None
        if record:
            ctx.parents = parents
            # The result's id, not a reference, so the node does not keep it alive. Ids are
            # compared only with arrays saved while the result existed, so they cannot be reused.
            ctx.out_shape, ctx.out_dtype, ctx.out_id = data.shape, data.dtype, id(data)
            ctx.sequence_number = next(_sequence)  # later ops get larger numbers: the engine's order
            out.grad_fn, out._requires_grad = ctx, True
        else:
            out.grad_fn, out._requires_grad = None, False
        if observer is not None:
            observer(cls, inputs, options, out)
        return out

    @classmethod
    def _describe_failure(cls, arrays: list, error: Exception) -> str:
        shapes = [np.shape(a) for a in arrays if isinstance(a, np.ndarray)]
        name = cls.__name__.lower()
        if len(shapes) == 2:
            return f"{name}: shapes {shapes[0]} and {shapes[1]} {cls.shape_failure} ({error})"
        return f"{name}: {error} (input shapes {', '.join(map(str, shapes))})"

    def release(self) -> None:
        """Drop what forward saved for backward, and the links to the inputs, to free memory.

        A node that saved no arrays (Add; Sum keeps only shapes) loses nothing by staying as it
        is, and stays: as in PyTorch, a second backward through `(x + 1).sum()` runs.
        """
        if not self.saved_tensors and np.ndarray not in map(type, self.__dict__.values()):
            return  # arrays kept on ctx count as saved too
        self.parents, self.saved_tensors = None, ()
        self.__dict__.clear()

    def name(self) -> str:
        """PyTorch's name for the node: MulBackward0 for a built-in op, MyOpBackward for a
        Function of the user's own (PyTorch numbers only its built-in backward formulas)."""
        cls = type(self)
        return f"{cls.__name__}Backward{'0' if cls.__module__.startswith(_BUILT_IN) else ''}"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Where each input's gradient goes, as in PyTorch: (node, 0) for an input made by an op,
        (AccumulateGrad, 0) for a leaf that requires grad, (None, 0) for an input that needs none."""
        if self.parents is None:
            return ()
        return tuple(
            (AccumulateGrad(p) if isinstance(p, Tensor) else p, 0) for p in self.parents
        )

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The end of a path in next_functions: the leaf whose .grad the gradient is added to."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self.next_functions = ()

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


from autograd_mini.tensor import Tensor  # noqa: E402  (Tensor itself is built on Function)
