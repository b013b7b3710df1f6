"""The fused ops of the layers: linear, convolution, the norms, embedding, attention, the LSTM cell.

Each maps to ONNX's op of the same meaning where it has one (Gemm, Conv, BatchNormalization,
LayerNormalization, Gather), and otherwise to the unfused formula its op class's docstring
gives (attention as MatMul and Softmax, the LSTM cell's gates).
"""

from __future__ import annotations

import numpy as np

from autograd_mini.onnx.graph import Graph
from autograd_mini.onnx.registry import handles
from autograd_mini.onnx.trace import Call, ExportError
from autograd_mini.ops import attention, conv, layer_norm, linalg, normalization, pool, rnn, sparse


@handles(linalg.Linear)
def linear(g: Graph, call: Call) -> str:
    """x @ weightᵀ + bias: Gemm for a matrix x, MatMul and Add for more dims."""
    x, weight, bias = call.inputs
    dtype = call.output.dtype
    names = [g.value(x, dtype), g.value(weight, dtype)]
    if x.ndim == 2:
        return g.node("Gemm", names + _optional(g, bias, dtype), transB=1)
    out = g.node("MatMul", [names[0], g.node("Transpose", [names[1]], perm=[1, 0])])
    return out if bias is None else g.node("Add", [out, g.value(bias, dtype)])


@handles(conv.Conv2d)
def conv2d(g: Graph, call: Call) -> str:
    x, weight, bias = call.inputs
    geometry: conv.Geometry = call.options["geometry"]
    top, bottom, left, right = geometry.padding
    dtype = call.output.dtype
    inputs = [g.value(x, dtype), g.value(weight, dtype), *_optional(g, bias, dtype)]
    return g.node(
        "Conv", inputs, kernel_shape=list(geometry.kernel), strides=list(geometry.stride),
        pads=[top, left, bottom, right], dilations=list(geometry.dilation), group=geometry.groups,
    )


def _optional(g: Graph, value, dtype: np.dtype) -> list[str]:
    """An optional last input (a bias) as a list of its name, or empty when it is None."""
    return [] if value is None else [g.value(value, dtype)]


def _or_filled(g: Graph, value, length: int, fill: float, dtype: np.dtype) -> str:
    """A weight or bias, or the constant that stands for its absence (ones or zeros)."""
    return g.value(value, dtype) if value is not None else g.constant(np.full(length, fill, dtype), "filled")


@handles(pool.AlongAxes)
def along_axes(g: Graph, call: Call) -> str:
    """rows @ x @ colsᵀ (adaptive average pooling, and F.avg_pool*): two MatMuls by constants."""
    x, rows, cols = call.inputs[0], call.options["rows"], call.options["cols"]
    if x.dtype.kind != "f":
        raise ExportError(f"average pooling of {x.dtype} values (truncated back to integers) has no mapping")
    out = g.node("MatMul", [g.value(x), g.constant(cols.T.astype(x.dtype), "pool_cols")])
    return out if rows is None else g.node("MatMul", [g.constant(rows.astype(x.dtype), "pool_rows"), out])


@handles(normalization.Normalize)
def batch_norm(g: Graph, call: Call) -> str:
    """Batch norm in eval mode: (x - running_mean) / √(running_var + eps) · weight + bias."""
    x, weight, bias = call.inputs
    options = call.options
    if options.get("groups") is not None:
        raise ExportError("group and instance norm have no mapping yet; batch norm (eval mode) has")
    if options.get("training", True) or options.get("running_mean") is None:
        raise ExportError("batch norm that normalises with the batch's own statistics (training mode, or "
                          "track_running_stats=False) has no ONNX mapping: export the model in eval mode")
    dtype, channels = call.output.dtype, x.shape[1]
    inputs = [g.value(x, dtype), _or_filled(g, weight, channels, 1, dtype),
              _or_filled(g, bias, channels, 0, dtype), g.value(options["running_mean"], dtype),
              g.value(options["running_var"], dtype)]
    return g.node("BatchNormalization", inputs, epsilon=float(options["eps"]))


@handles(layer_norm.LayerNorm)
def layer_norm_op(g: Graph, call: Call) -> str:
    x, weight, bias = call.inputs
    dims, eps = call.options["dims"], call.options["eps"]
    if g.opset < 17:
        raise ExportError(f"LayerNormalization needs opset 17 or later, not {g.opset}")
    dtype, shape = call.output.dtype, x.shape[-dims:]
    scale = g.value(weight, dtype) if weight is not None else g.constant(np.ones(shape, dtype), "ones")
    inputs = [g.value(x, dtype), scale, *_optional(g, bias, dtype)]
    return g.node("LayerNormalization", inputs, axis=-dims, epsilon=float(eps))


@handles(sparse.Embedding)
def embedding(g: Graph, call: Call) -> str:
    if call.options.get("row_scale") is not None:
        raise ExportError("an embedding with max_norm rescales its rows as it reads them: no mapping")
    indices = call.options["indices"]
    return g.node("Gather", [g.value(call.inputs[0]), g.value(indices, np.int64)], axis=0)


@handles(attention.ScaledDotProductAttention)
def scaled_dot_product_attention(g: Graph, call: Call) -> str:
    """softmax(q·scale @ kᵀ + mask) @ v, as attention_unfused computes it."""
    q, k, v, mask, dropped = call.inputs
    if dropped is not None:
        raise ExportError("attention with dropout (dropout_p > 0) has no mapping; export in eval mode")
    dtype = call.output.dtype
    scale = g.constant(np.asarray(call.options["scale"], dtype), "scale")
    scaled_q = g.node("Mul", [g.value(q, dtype), scale])
    rank = k.ndim
    k_t = g.node("Transpose", [g.value(k, dtype)], perm=[*range(rank - 2), rank - 1, rank - 2])
    scores = g.node("MatMul", [scaled_q, k_t])
    if mask is not None:
        scores = g.node("Add", [scores, g.value(mask, dtype)])
    return g.node("MatMul", [g.node("Softmax", [scores], axis=-1), g.value(v, dtype)])


@handles(rnn.LstmCell)
def lstm_cell(g: Graph, call: Call) -> str:
    """[h', c'] from the gates i, f, g, o of input_gates + hidden_gates and the cell c."""
    input_gates, hidden_gates, cell = (g.value(x, call.output.dtype) for x in call.inputs)
    gates = g.node("Add", [input_gates, hidden_gates])
    i, f, cand, o = g.node("Split", [gates], outputs=4, axis=-1, **_split_in_four(g))
    new_cell = g.node("Add", [g.node("Mul", [g.node("Sigmoid", [f]), cell]),
                              g.node("Mul", [g.node("Sigmoid", [i]), g.node("Tanh", [cand])])])
    new_h = g.node("Mul", [g.node("Sigmoid", [o]), g.node("Tanh", [new_cell])])
    return g.node("Concat", [new_h, new_cell], axis=-1)


def _split_in_four(g: Graph) -> dict:
    """Split's attribute for four equal parts (num_outputs since opset 18; inferred before)."""
    return {"num_outputs": 4} if g.opset >= 18 else {}
