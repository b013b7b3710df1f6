"""The ONNX graph under construction: value names, initializers and nodes, then the ModelProto.

Every value of the forward pass is an ndarray, and the graph names it by the array's identity:
the model's inputs, its parameters and buffers (initializers named as in its state_dict), and
the result of each op as it is emitted. An array met that has no name yet is a constant of the
forward pass (a mask, the positions `am.arange(T)`), stored once as an initializer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini.onnx.trace import ExportError
from autograd_mini.tensor import Tensor


def onnx_module() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the onnx package: pip install onnx onnxruntime "
            "(or pip install 'autograd_mini[onnx]')"
        ) from None
    return onnx


class Graph:
    """Names, nodes and initializers of one export; the op handlers build it with node()."""

    def __init__(self, opset: int, named_arrays: dict[int, tuple[str, np.ndarray]]) -> None:
        self.onnx = onnx_module()
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.dynamic: dict[str, tuple[bool, ...]] = {}  # value name -> which of its dims are dynamic
        self._names: dict[int, str] = {}  # id of an array -> the name of its value
        self._kept: list[np.ndarray] = []  # the arrays named, alive so that their ids stay theirs
        self._named_arrays = named_arrays  # parameters and buffers, made initializers when first used
        self._constants: dict[tuple, str] = {}  # (dtype, shape, bytes) -> name: each constant stored once
        self._taken: set[str] = set()

    # ---- names ----------------------------------------------------------------------------

    def unique(self, hint: str) -> str:
        name, n = hint, 0
        while name in self._taken:
            n += 1
            name = f"{hint}_{n}"
        self._taken.add(name)
        return name

    def reserve(self, names: Sequence[str]) -> None:
        """Keep names (the graph's outputs) from being given to any other value."""
        self._taken.update(names)

    def bind(self, array: np.ndarray, name: str, dynamic: tuple[bool, ...] | None = None) -> None:
        """Name the value array holds (an input, or what a node computed)."""
        self._taken.add(name)
        self._names[id(array)] = name
        self._kept.append(array)
        self.dynamic[name] = dynamic or (False,) * array.ndim

    def value(self, x: Any, dtype: Any = None) -> str:
        """The name of an input of an op: a Tensor's or array's value, or a number as a constant.

        With dtype, a value of another dtype is cast to it first (ONNX's arithmetic takes one type).
        """
        if x is None:
            return ""  # ONNX's name for an optional input left out
        array = x._array if isinstance(x, Tensor) else x
        if not isinstance(array, np.ndarray):
            return self.constant(np.asarray(array, dtype=dtype), "scalar")
        name = self._names.get(id(array))
        if name is None and self._same_view(array):  # t.detach() views the array it detaches
            name = self._names.get(id(array.base))
        if name is None:
            name = self._initializer(array)
        if dtype is not None and array.dtype != np.dtype(dtype):
            name = self.node("Cast", [name], to=self.tensor_type(dtype))
        return name

    def _same_view(self, array: np.ndarray) -> bool:
        """Whether array views a named array element for element (same memory, shape and strides)."""
        base = array.base
        return (isinstance(base, np.ndarray) and id(base) in self._names and base.dtype == array.dtype
                and base.shape == array.shape and base.strides == array.strides
                and base.__array_interface__["data"][0] == array.__array_interface__["data"][0])

    def _initializer(self, array: np.ndarray) -> str:
        named = self._named_arrays.get(id(array))
        if named is not None:
            name = self.unique(named[0])
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self.bind(array, name)
            return name
        return self.constant(array, "constant")

    def constant(self, array: np.ndarray, hint: str = "constant") -> str:
        """An initializer holding array; the same values give the same initializer."""
        array = np.asarray(array)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            name = self.unique(hint)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self._constants[key] = name
            self.dynamic[name] = (False,) * array.ndim
        return self._constants[key]

    def ints(self, values: Sequence[int]) -> str:
        """A constant int64 vector: the shape, axes, starts and ends inputs of ONNX ops."""
        return self.constant(np.array(list(values), dtype=np.int64), "ints")

    # ---- nodes ----------------------------------------------------------------------------

    def node(self, op_type: str, inputs: Sequence[str], outputs: int = 1, **attributes: Any) -> Any:
        """Add a node; the name of its output (a list of names when outputs > 1)."""
        names = [self.unique(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), names, name=self.unique(f"{op_type}_node"), **attributes
        ))
        return names[0] if outputs == 1 else names

    def tensor_type(self, dtype: Any) -> int:
        try:
            return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        except KeyError:
            raise ExportError(f"export: ONNX has no tensor type for {np.dtype(dtype)}") from None

    def value_info(self, name: str, array: np.ndarray, dims: Sequence[str | None]) -> Any:
        """The declared type of a graph input or output: each dim a number, or a name if dynamic."""
        shape = [d if d is not None else n for n, d in zip(array.shape, dims)]
        return self.onnx.helper.make_tensor_value_info(name, self.tensor_type(array.dtype), shape)

    def model(self, inputs: list, outputs: list, producer: str) -> Any:
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, "autograd_mini", inputs, outputs, self.initializers)
        opsets = [helper.make_opsetid("", self.opset)]
        # The oldest IR version that holds this opset, so that older runtimes read the file too.
        return helper.make_model(graph, producer_name=producer, opset_imports=opsets,
                                 ir_version=helper.find_min_ir_version_for(opsets))
