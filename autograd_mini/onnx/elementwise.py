"""Elementwise ops, activations and reductions as ONNX nodes.

Most are one ONNX op of the same meaning; the rest are short formulas of standard ops, written
as the math (GELU as `0.5·x·(1 + erf(x/√2))` before opset 20, which has Gelu itself).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_mini.onnx.graph import Graph
from autograd_mini.onnx.registry import handles
from autograd_mini.onnx.trace import Call, ExportError
from autograd_mini.ops import (
    activation,
    arithmetic,
    exponential,
    powers,
    reduce,
    rounding,
    special,
    trigonometric,
    unary,
)

# ---- arithmetic: both operands in the result's dtype, as NumPy computed it --------------------

_BINARY = {
    arithmetic.Add: "Add", arithmetic.Sub: "Sub", arithmetic.Mul: "Mul", arithmetic.Div: "Div",
    arithmetic.Pow: "Pow", unary.Maximum: "Max", unary.Minimum: "Min",
}


@handles(*_BINARY)
def binary(g: Graph, call: Call) -> str:
    dtype = call.output.dtype
    return g.node(_BINARY[call.kind], [g.value(x, dtype) for x in call.inputs])


# ---- one input, one ONNX op -------------------------------------------------------------------

_UNARY = {
    arithmetic.Neg: "Neg", exponential.Exp: "Exp", exponential.Log: "Log", powers.Sqrt: "Sqrt",
    powers.Reciprocal: "Reciprocal", trigonometric.Tanh: "Tanh", trigonometric.Sin: "Sin",
    trigonometric.Cos: "Cos", trigonometric.Tan: "Tan", trigonometric.Asin: "Asin",
    trigonometric.Acos: "Acos", trigonometric.Atan: "Atan", trigonometric.Sinh: "Sinh",
    trigonometric.Cosh: "Cosh", unary.Sigmoid: "Sigmoid", unary.Relu: "Relu", unary.Abs: "Abs",
    special.Erf: "Erf", rounding.Floor: "Floor", rounding.Ceil: "Ceil", rounding.Sign: "Sign",
    activation.Softsign: "Softsign", activation.Hardswish: "HardSwish",
}


@handles(*_UNARY)
def unary_op(g: Graph, call: Call) -> str:
    return g.node(_UNARY[call.kind], [g.value(call.inputs[0], call.output.dtype)])


def _x(g: Graph, call: Call) -> tuple[str, np.dtype]:
    """The first input's name, in the result's dtype, and that dtype."""
    dtype = call.output.dtype
    return g.value(call.inputs[0], dtype), dtype


def _number(g: Graph, value: float, dtype: np.dtype) -> str:
    return g.constant(np.asarray(value, dtype=dtype), "scalar")


@handles(powers.Square)
def square(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("Mul", [x, x])


@handles(powers.Rsqrt)
def rsqrt(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("Reciprocal", [g.node("Sqrt", [x])])


@handles(exponential.Log1p)
def log1p(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    return g.node("Log", [g.node("Add", [x, _number(g, 1, dtype)])])


@handles(exponential.Expm1)
def expm1(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    return g.node("Sub", [g.node("Exp", [x]), _number(g, 1, dtype)])


@handles(exponential.Log2, exponential.Log10)
def log_base(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    base = 2 if call.kind is exponential.Log2 else 10
    return g.node("Div", [g.node("Log", [x]), _number(g, math.log(base), dtype)])


@handles(rounding.Round)
def round_op(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    decimals = call.options["decimals"]
    if not decimals:
        return g.node("Round", [x])
    scale = _number(g, 10.0**decimals, dtype)  # round(x·10^d) / 10^d, as NumPy computes it
    return g.node("Div", [g.node("Round", [g.node("Mul", [x, scale])]), scale])


# ---- activations with settings ----------------------------------------------------------------


@handles(activation.Gelu)
def gelu(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    approximate = call.options["approximate"]
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate=approximate)
    half_x = g.node("Mul", [x, _number(g, 0.5, dtype)])
    if approximate == "tanh":  # 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, _number(g, 0.044715, dtype)])])
        curve = g.node("Tanh", [g.node("Mul", [inner, _number(g, math.sqrt(2 / math.pi), dtype)])])
    else:  # 0.5·x·(1 + erf(x/√2))
        curve = g.node("Erf", [g.node("Div", [x, _number(g, math.sqrt(2), dtype)])])
    return g.node("Mul", [half_x, g.node("Add", [curve, _number(g, 1, dtype)])])


@handles(activation.Silu)
def silu(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


@handles(activation.Mish)
def mish(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("Mul", [x, g.node("Tanh", [g.node("Softplus", [x])])])


@handles(activation.LogSigmoid)
def log_sigmoid(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [x])])])


@handles(activation.Softplus)
def softplus(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    beta = call.options["beta"]
    if beta == 1:
        return g.node("Softplus", [x])
    scaled = g.node("Softplus", [g.node("Mul", [x, _number(g, beta, dtype)])])  # softplus(βx)/β
    return g.node("Div", [scaled, _number(g, beta, dtype)])


@handles(unary.LeakyRelu)
def leaky_relu(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("LeakyRelu", [x], alpha=float(call.options["negative_slope"]))


@handles(activation.Elu)
def elu(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    alpha, scale, input_scale = (call.options.get(k, 1.0) for k in ("alpha", "scale", "input_scale"))
    if input_scale != 1:
        raise ExportError(f"ELU with input_scale={input_scale} has no ONNX op")
    out = g.node("Elu", [x], alpha=float(alpha))
    return out if scale == 1 else g.node("Mul", [out, _number(g, scale, dtype)])  # SELU: scale·elu


@handles(activation.Hardsigmoid)
def hardsigmoid(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)  # PyTorch's: relu6(x + 3) / 6


@handles(activation.Hardtanh, unary.Clip)
def clip(g: Graph, call: Call) -> str:
    x, dtype = _x(g, call)
    bounds = [call.options["low"], call.options["high"]]
    return g.node("Clip", [x, *["" if b is None else _number(g, b, dtype) for b in bounds]])


@handles(unary.ClampBetween)
def clamp_between(g: Graph, call: Call) -> str:
    dtype = call.output.dtype
    return g.node("Clip", [g.value(x, dtype) for x in call.inputs])


@handles(unary.Where)
def where(g: Graph, call: Call) -> str:
    condition, a, b = call.inputs
    dtype = call.output.dtype
    return g.node("Where", [g.value(condition, np.bool_), g.value(a, dtype), g.value(b, dtype)])


@handles(unary.Cast)
def cast(g: Graph, call: Call) -> str:
    return g.node("Cast", [g.value(call.inputs[0])], to=g.tensor_type(call.output.dtype))


# ---- softmax and reductions -------------------------------------------------------------------


@handles(reduce.Softmax, reduce.LogSoftmax)
def softmax(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    return g.node(call.kind.__name__, [x], axis=int(call.options["axis"]))


_REDUCTIONS = {reduce.Sum: "ReduceSum", reduce.Mean: "ReduceMean", reduce.Amax: "ReduceMax",
               reduce.Amin: "ReduceMin"}


@handles(*_REDUCTIONS)
def reduction(g: Graph, call: Call) -> str:
    x, _ = _x(g, call)
    axis, keepdims = call.options["axis"], int(bool(call.options["keepdims"]))
    op = _REDUCTIONS[call.kind]
    if axis is None:
        return g.node(op, [x], keepdims=keepdims)
    axes = [int(a) for a in np.atleast_1d(axis)]
    # The axes became an input in opset 13 for ReduceSum, in opset 18 for the others.
    if op == "ReduceSum" or g.opset >= 18:
        return g.node(op, [x, g.ints(axes)], keepdims=keepdims)
    return g.node(op, [x], axes=axes, keepdims=keepdims)
