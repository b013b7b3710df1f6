"""export(): record a forward pass, turn each call into ONNX nodes, check the model and write it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np

from autograd_mini.nn.module import Module
from autograd_mini.onnx.graph import Graph, onnx_module
from autograd_mini.onnx.registry import HINTS, MODULES, OPS
from autograd_mini.onnx.trace import Call, ExportError, mark_dynamic, record, tensors_in
from autograd_mini.serialization._archive import write_atomically
from autograd_mini.tensor import Tensor

DynamicAxes = Mapping[str, Mapping[int, str] | Sequence[int]]


def export(
    model: Module,
    args: Tensor | tuple,
    f: str | os.PathLike | IO[bytes],
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: DynamicAxes | None = None,
    opset_version: int = 17,
) -> None:
    """Write model as an ONNX file to f (a path or a binary file object), as torch.onnx.export.

    args is the example input, or a tuple of positional inputs: model(*args) runs once under
    no_grad in eval mode (the training flags are restored after), and the ops it runs become
    the graph; its parameters and buffers become initializers named as in its state_dict. The
    graph's inputs are the tensors of args, its outputs the tensors the model returns (nested
    tuples are flattened: an LSTM's `out, (h, c)` gives three), named by input_names and
    output_names or input_0, ..., output_0, ....

    dynamic_axes maps an input or output name to the axes that stay free, as
    `{"input_0": {0: "batch"}}` or `{"input_0": [0]}`: the forward pass is then recorded a second
    time with those axes one longer, and the dims that change with them are symbolic in the
    graph. A model whose ops or constants change with them is refused, saying where.

    The model is checked with onnx.checker.check_model before it is written. Raises ExportError
    naming the op (or module) and the module path for an op with no ONNX mapping, and
    ImportError when the onnx package is not installed (pip install 'autograd_mini[onnx]').
    """
    onnx = onnx_module()
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    inputs = tensors_in(args)
    input_names = _names(input_names, len(inputs), "input")
    dynamic_axes = {name: _axes(axes, name) for name, axes in (dynamic_axes or {}).items()}
    training = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        calls, output = record(model, args, tuple(MODULES))
        state = _state_arrays(model)
        if any(dynamic_axes.get(name) for name in input_names):
            longer = _lengthened(args, dict(zip(map(id, inputs), input_names)), dynamic_axes)
            second, _ = record(model, longer, tuple(MODULES))
            known = _known(inputs, state, calls), _known(tensors_in(longer), state, second)
            mark_dynamic(calls, second, known)
    finally:
        for module, flag in training:
            module.training = flag
    outputs = tensors_in(output)
    output_names = _names(output_names, len(outputs), "output")
    unknown = set(dynamic_axes) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"export: dynamic_axes names {sorted(unknown)}, which are neither inputs "
                         f"{list(input_names)} nor outputs {list(output_names)}")
    graph = Graph(opset_version, state)
    graph.reserve(output_names)
    graph_inputs = []
    for tensor, name in zip(inputs, input_names):
        axes = dynamic_axes.get(name, {})
        graph.bind(tensor._array, name, tuple(i in axes for i in range(tensor.ndim)))
        graph_inputs.append(graph.value_info(name, tensor._array, [axes.get(i) for i in range(tensor.ndim)]))
    for call in calls:
        _emit(graph, call)
    graph_outputs = [_output(graph, tensor, name, dynamic_axes.get(name, {}))
                     for tensor, name in zip(outputs, output_names)]
    proto = graph.model(graph_inputs, graph_outputs, producer="autograd_mini")
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    write_atomically(f, lambda file: file.write(data))


def _output(graph: Graph, tensor: Tensor, name: str, axes: dict[int, str]) -> Any:
    """The graph output name, an Identity of the value tensor holds; its dims named by axes, or
    made up for those the second record found dynamic."""
    value = graph.value(tensor)
    graph.nodes.append(graph.onnx.helper.make_node("Identity", [value], [name], name=f"{name}_node"))
    dynamic = graph.dynamic.get(value, ())
    dims = [axes.get(i, f"{name}_dim_{i}" if i < len(dynamic) and dynamic[i] else None)
            for i in range(tensor.ndim)]
    return graph.value_info(name, tensor._array, dims)


def _emit(graph: Graph, call: Call) -> None:
    """The nodes of one call, and names for its output tensors."""
    handler = MODULES.get(type(call.kind)) if isinstance(call.kind, Module) else OPS.get(call.kind)
    if handler is None:
        kind = "module" if isinstance(call.kind, Module) else "op"
        hint = HINTS.get(call.kind) if not isinstance(call.kind, Module) else None
        raise ExportError(f"export: the {kind} {call.name} (at {call.where}) has no ONNX mapping"
                          + (f": {hint}" if hint else ""))
    try:
        names = handler(graph, call)
    except ExportError as error:
        raise ExportError(f"export: {call.name} at {call.where}: {error}") from None
    names = [names] if isinstance(names, str) else names
    for i, (tensor, name) in enumerate(zip(tensors_in(call.output), names)):
        graph.bind(tensor._array, name, call.dynamic[i] if call.dynamic else None)


def _names(names: Sequence[str] | None, count: int, kind: str) -> list[str]:
    if names is None:
        return [f"{kind}_{i}" for i in range(count)]
    names = list(names)
    if len(names) != count or len(set(names)) != count:
        raise ValueError(f"export: {len(names)} {kind}_names {names} for {count} {kind} tensors; give one "
                         "distinct name for each")
    return names


def _axes(axes: Mapping[int, str] | Sequence[int], name: str) -> dict[int, str]:
    """dynamic_axes of one name as {axis: dim name}, as PyTorch reads a list (names made up)."""
    if isinstance(axes, Mapping):
        return {int(axis): str(dim) for axis, dim in axes.items()}
    return {int(axis): f"{name}_dynamic_axes_{i + 1}" for i, axis in enumerate(axes)}


def _state_arrays(model: Module) -> dict[int, tuple[str, np.ndarray]]:
    named = [*model.named_parameters(), *model.named_buffers()]
    return {id(t._array): (name, t._array) for name, t in named if t is not None}


def _known(inputs: list[Tensor], state: dict, calls: list[Call]) -> set[int]:
    """The ids of the arrays of one record that are not constants: inputs, state, results."""
    ids = {id(t._array) for t in inputs} | set(state)
    for call in calls:
        ids.update(id(t._array) for t in tensors_in(call.output))
    return ids


def _lengthened(args: Any, names: dict[int, str], dynamic_axes: dict) -> Any:
    """args with each dynamic axis of each input one longer (its first slice repeated at the end)."""
    if isinstance(args, (tuple, list)):
        return type(args)(_lengthened(a, names, dynamic_axes) for a in args)
    if not isinstance(args, Tensor):
        return args
    array = args._array
    for axis in dynamic_axes.get(names[id(args)], {}):
        if not -array.ndim <= axis < array.ndim:
            raise ValueError(
                f"export: dynamic axis {axis} of {names[id(args)]!r}, an input of shape {array.shape}"
            )
        array = np.concatenate([array, array.take([0], axis=axis)], axis=axis)
    return Tensor._make(array, None, False)
