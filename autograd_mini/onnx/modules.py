"""Modules exported whole: pooling (max-pooling's op picks by indices found in the data, so only
the module says what it computes; average pooling reads better as AveragePool than as its
matrices) and the LSTM (one ONNX LSTM per layer, whose length and batch stay free).
"""

from __future__ import annotations

import numpy as np

from autograd_mini import nn
from autograd_mini.onnx.graph import Graph
from autograd_mini.onnx.registry import HINTS, MODULES, handles
from autograd_mini.onnx.trace import Call, ExportError
from autograd_mini.ops import pool

# Max-pooling's op picks by indices computed from the data; only the module says what window
# they stand for, so F.max_pool2d and friends cannot be exported (Indices finds them, PickPlanes
# picks at them).
HINTS[pool.Indices] = HINTS[pool.PickPlanes] = (
    "max-pooling exports from the nn.MaxPool1d and nn.MaxPool2d modules, not F.max_pool*")


def _tuple(value, n: int) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * n


def _window(module, n: int) -> dict:
    """kernel_shape, strides and pads (each side's padding, begins then ends) for n spatial dims."""
    padding = _tuple(module.padding, n)
    return {"kernel_shape": _tuple(module.kernel_size, n), "strides": _tuple(module.stride, n),
            "pads": padding + padding, "ceil_mode": int(bool(module.ceil_mode))}


@handles(nn.MaxPool1d, nn.MaxPool2d, table=MODULES)
def max_pool(g: Graph, call: Call) -> str:
    module, n = call.kind, 1 if isinstance(call.kind, nn.MaxPool1d) else 2
    if module.return_indices:
        raise ExportError("max-pooling with return_indices=True has no mapping")
    dilations = _tuple(module.dilation, n)
    return g.node("MaxPool", [g.value(call.inputs[0])], dilations=dilations, **_window(module, n))


@handles(nn.AvgPool1d, nn.AvgPool2d, table=MODULES)
def avg_pool(g: Graph, call: Call) -> str:
    module, n = call.kind, 1 if isinstance(call.kind, nn.AvgPool1d) else 2
    if getattr(module, "divisor_override", None):
        raise ExportError("average pooling with divisor_override has no mapping")
    include_pad = int(bool(module.count_include_pad))
    x = g.value(call.inputs[0])
    return g.node("AveragePool", [x], count_include_pad=include_pad, **_window(module, n))


# ---- the LSTM ---------------------------------------------------------------------------------

_IOFC = [0, 3, 1, 2]  # ONNX's gate order i, o, f, c from PyTorch's i, f, g, o


def _gates(array: np.ndarray) -> np.ndarray:
    return np.concatenate([np.split(array, 4)[k] for k in _IOFC])


@handles(nn.LSTM, table=MODULES)
def lstm(g: Graph, call: Call) -> list[str]:
    """output, (h_n, c_n) of nn.LSTM: each layer one ONNX LSTM (both directions in one)."""
    module: nn.LSTM = call.kind
    x, hx = (call.inputs + (None,))[:2]
    if module.proj_size:
        raise ExportError("an LSTM with proj_size has no ONNX mapping")
    if x.ndim != 3:
        raise ExportError(f"export an LSTM with a batched input (3 dims), not one of shape {x.shape}")
    directions, hidden = 2 if module.bidirectional else 1, module.hidden_size
    dtype = call.output[0].dtype
    out = g.value(x, dtype)
    if module.batch_first:
        out = g.node("Transpose", [out], perm=[1, 0, 2])  # ONNX's LSTM takes (L, N, features)
    finals: tuple[list[str], list[str]] = ([], [])
    for layer in range(module.num_layers):
        w = [module._layer_weights(layer * directions + d) for d in range(directions)]
        where = f"lstm_l{layer}"
        arrays = {
            "W": np.stack([_gates(d["weight_ih"]._array) for d in w]),
            "R": np.stack([_gates(d["weight_hh"]._array) for d in w]),
            "B": np.stack([np.concatenate([_gates(d[b]._array) if d[b] is not None
                                           else np.zeros(4 * hidden, dtype) for b in ("bias_ih", "bias_hh")])
                           for d in w]),
        }
        inputs = [out] + [g.constant(a.astype(dtype, copy=False), f"{where}_{k}") for k, a in arrays.items()]
        inputs.append("")  # sequence_lens: every sequence is the whole length
        for state in (hx or ()):
            inputs.append(g.node("Slice", [g.value(state, dtype), g.ints([layer * directions]),
                                           g.ints([(layer + 1) * directions]), g.ints([0])]))
        y, y_h, y_c = g.node("LSTM", inputs, outputs=3, hidden_size=hidden,
                             direction="bidirectional" if directions == 2 else "forward")
        finals[0].append(y_h), finals[1].append(y_c)
        # Y is (L, directions, N, hidden): the directions' features side by side, (L, N, directions·hidden)
        out = g.node("Reshape", [g.node("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, -1])])
    if module.batch_first:
        out = g.node("Transpose", [out], perm=[1, 0, 2])
    h_n, c_n = (g.node("Concat", states, axis=0) if len(states) > 1 else states[0] for states in finals)
    return [out, h_n, c_n]
