"""Shape and indexing ops: Reshape, Transpose, Expand, Concat, and basic indexing as Slice.

A recorded shape holds numbers, but a dynamic dim must stay symbolic in the graph: Reshape
writes it as 0 (copy the input's dim) or -1 (inferred), and Expand as 1 (keep the input's).
"""

from __future__ import annotations

import numpy as np

from autograd_mini.onnx.graph import Graph
from autograd_mini.onnx.registry import handles
from autograd_mini.onnx.trace import Call, ExportError
from autograd_mini.ops import index, linalg, shape

LAST = np.iinfo(np.int64).max  # an end past any dim, as Slice takes it


@handles(shape.Reshape)
def reshape(g: Graph, call: Call) -> str:
    x = g.value(call.inputs[0])
    before, after = call.inputs[0].shape, call.output.shape
    dynamic_in, dynamic_out = g.dynamic[x], call.dynamic[0] if call.dynamic else (False,) * len(after)
    target = list(after)
    inferred = [i for i, d in enumerate(dynamic_out) if d
                and not (i < len(before) and dynamic_in[i] and before[i] == after[i])]
    for i, dynamic in enumerate(dynamic_out):
        if dynamic:
            target[i] = -1 if i in inferred else 0  # 0: the input's dim i, whatever its length
    if len(inferred) > 1:
        raise ExportError(
            f"reshape from {before} to {after} makes dims {inferred} dynamic, and ONNX infers only one: "
            "keep the dynamic dim where it is in the input"
        )
    if 0 in after:
        raise ExportError(f"reshape to {after}: a dim of length 0 reads as 'copy' in ONNX's Reshape")
    return g.node("Reshape", [x, g.ints(target)])


@handles(shape.Permute)
def permute(g: Graph, call: Call) -> str:
    rank = call.output.ndim
    return g.node("Transpose", [g.value(call.inputs[0])], perm=[int(d) % rank for d in call.options["dims"]])


@handles(shape.BroadcastTo)
def broadcast_to(g: Graph, call: Call) -> str:
    dynamic = call.dynamic[0] if call.dynamic else ()
    target = [1 if d else n for n, d in zip(call.output.shape, dynamic)] or list(call.output.shape)
    return g.node("Expand", [g.value(call.inputs[0]), g.ints(target)])


@handles(shape.Clone)
def clone(g: Graph, call: Call) -> str:
    return g.node("Identity", [g.value(call.inputs[0])])


@handles(shape.Concatenate)
def concatenate(g: Graph, call: Call) -> str:
    dtype = call.output.dtype
    return g.node("Concat", [g.value(x, dtype) for x in call.inputs], axis=int(call.options["axis"]))


@handles(shape.Stack)
def stack(g: Graph, call: Call) -> str:
    dtype, axis = call.output.dtype, int(call.options["axis"]) % call.output.ndim
    pieces = [g.node("Unsqueeze", [g.value(x, dtype), g.ints([axis])]) for x in call.inputs]
    return g.node("Concat", pieces, axis=axis)


@handles(linalg.Matmul)
def matmul(g: Graph, call: Call) -> str:
    dtype = call.output.dtype
    return g.node("MatMul", [g.value(x, dtype) for x in call.inputs])


@handles(index.GetItem)
def get_item(g: Graph, call: Call) -> str:
    """x[index] for an index of ints, slices, None and one Ellipsis: Slice, then Squeeze the
    dims an int picked, then Unsqueeze where None adds one."""
    x = call.inputs[0]
    entries = _expanded(call.options["index"], x.ndim)
    starts, ends, axes, steps, picked, added = [], [], [], [], [], []
    axis = out_axis = 0
    for entry in entries:
        if entry is None:
            added.append(out_axis)
            out_axis += 1
            continue
        if isinstance(entry, (int, np.integer)):
            start = int(entry)
            starts.append(start), ends.append(LAST if start == -1 else start + 1), axes.append(axis)
            steps.append(1), picked.append(axis)
        elif entry != slice(None):
            step = 1 if entry.step is None else int(entry.step)
            starts.append((0 if step > 0 else -1) if entry.start is None else int(entry.start))
            ends.append((LAST if step > 0 else -LAST) if entry.stop is None else int(entry.stop))
            axes.append(axis), steps.append(step)
            out_axis += 1
        else:
            out_axis += 1
        axis += 1
    out = source = g.value(x)
    if axes:
        out = g.node("Slice", [out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if picked:
        out = g.node("Squeeze", [out, g.ints(picked)])
    if added:
        out = g.node("Unsqueeze", [out, g.ints(added)])
    return out if out != source else g.node("Identity", [out])


def _expanded(key: tuple, ndim: int) -> list:
    """The index with its Ellipsis spelled out as slices; ExportError for arrays and bools."""
    key = key if isinstance(key, tuple) else (key,)
    for entry in key:
        if not (entry is None or entry is Ellipsis or isinstance(entry, slice)
                or isinstance(entry, (int, np.integer)) and not isinstance(entry, bool)):
            raise ExportError(
                f"indexing with a {type(entry).__name__} (advanced indexing) has no mapping; "
                "index with ints, slices and None, or use index_select or gather"
            )
    at = next((i for i, entry in enumerate(key) if entry is Ellipsis), None)
    if at is not None:
        used = sum(entry is not None for entry in key) - 1
        key = key[:at] + (slice(None),) * (ndim - used) + key[at + 1 :]
    return list(key) + [slice(None)] * (ndim - sum(entry is not None for entry in key))
