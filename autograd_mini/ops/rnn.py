"""The recurrent cells' math: one time step of an Elman RNN, an LSTM and a GRU, with PyTorch's
weights and gate order, and a whole LSTM layer over a sequence as one node.

Each cell is two matmuls (the input's and the hidden state's, with their biases) and then
elementwise math on the gates. The LSTM cell's elementwise part is one fused node, `LstmCell`
(what LSTMCell runs); the LSTM layer runs `LstmLayer`, the whole recurrence of one layer and
direction in one node, forward and backward through time in NumPy. The RNN and GRU steps are
written with Tensor ops and take the input's part of their gates ready made (the `*_step`
functions).

Shapes: x (N, in), h and c (N, H); weight_ih (G·H, in), weight_hh (G·H, H), biases (G·H,),
with G = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from autograd_mini.function import Function
from autograd_mini.ops.activation import sigmoid
from autograd_mini.ops.linalg import Linear
from autograd_mini.tensor import Tensor


class LstmCell(Function):
    """The LSTM gates' elementwise math as one node, after the two matmuls.

    input_gates = x @ W_ih.T + b_ih and hidden_gates = h @ W_hh.T + b_hh, both (N, 4H) in
    PyTorch's order i, f, g, o; cell is the previous c, (N, H). The result is (N, 2H): the new
    h and the new c side by side, `[h', c']`.

    Unfused, with Tensor ops, it is

        i, f, g, o = (input_gates + hidden_gates).chunk(4, -1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c' = f * cell + i * g
        h' = o * c'.tanh()
        result = cat([h', c'], -1)

    which records eleven nodes where this records one.
    """

    @staticmethod
    def forward(ctx, input_gates, hidden_gates, cell):
        ctx.save_for_backward(input_gates, hidden_gates, cell)
        i, f, g, o = _activated_gates(input_gates, hidden_gates)
        new_cell = f * cell + i * g
        tanh_c = np.tanh(new_cell)
        ctx.activations = i, f, g, o, tanh_c  # for a plain backward; freed with the node
        return np.concatenate([o * tanh_c, new_cell], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        input_gates, hidden_gates, cell = ctx.saved_tensors
        if isinstance(grad, np.ndarray):
            i, f, g, o, tanh_c = ctx.activations
        else:  # create_graph: recomputed from the inputs, so that they link to the graph
            i, f, g, o = _activated_gates(input_gates, hidden_gates)
            tanh_c = np.tanh(f * cell + i * g)
        hidden = cell.shape[-1]
        grad_h, grad_c = grad[..., :hidden], grad[..., hidden:]
        grad_c = grad_c + grad_h * o * (1 - tanh_c * tanh_c)  # c' reaches the loss through h' too
        # Through each activation: σ' = σ(1 - σ), tanh' = 1 - tanh².
        grad_gates = np.concatenate(
            [
                grad_c * g * i * (1 - i),
                grad_c * cell * f * (1 - f),
                grad_c * i * (1 - g * g),
                grad_h * tanh_c * o * (1 - o),
            ],
            axis=-1,
        )
        grad_cell = grad_c * f if ctx.needs_input_grad[2] else None
        return grad_gates, grad_gates, grad_cell


def _activated_gates(input_gates, hidden_gates):
    """i, f, g, o from the gates' two halves, (N, 4H) each: σ, σ, tanh, σ of their sum."""
    gates = input_gates + hidden_gates
    hidden = gates.shape[-1] // 4
    sigmoids = sigmoid(gates[..., : 2 * hidden])  # i and f side by side: one call for both
    return (
        sigmoids[..., :hidden],
        sigmoids[..., hidden:],
        np.tanh(gates[..., 2 * hidden : 3 * hidden]),
        sigmoid(gates[..., 3 * hidden :]),
    )


class LstmLayer(Function):
    """One LSTM layer in one direction, over a whole sequence, as one node.

    input (L, N, in); h0 (N, H_out) and c0 (N, H); weight_ih (4H, in), weight_hh (4H, H_out),
    bias_ih and bias_hh (4H,) or None, weight_hr (H_out, H) or None (without proj_size,
    H_out = H). With reverse=True the steps run from the last to the first. The result is
    (L, N, H_out + H): at each step, the new h and c side by side, `[h_t, c_t]`.

    The input's part of every step's gates is one matmul over the whole sequence; only
    `h @ weight_hh.T` has to wait for the previous step. Unfused, it is the loop

        for t in steps:  # reversed with reverse=True
            h, c = lstm_cell(input[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
            h = h @ weight_hr.T  # with proj_size
            result[t] = cat([h, c], -1)

    which records about ten nodes a step where this records one. Forward and backward are
    written with what arrays and Tensors share, so under create_graph backward recomputes the
    forward pass on the saved inputs as Tensors and records both: second derivatives are exact.
    """

    @staticmethod
    def forward(ctx, input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, *, reverse):
        ctx.save_for_backward(input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr)
        ctx.reverse = reverse
        ctx.run = run = _lstm_through_time(
            input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, reverse
        )
        return np.concatenate([run.h, run.c], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        input, h0, c0, weight_ih, weight_hh, _, _, weight_hr = saved
        reverse = ctx.reverse
        if isinstance(grad, np.ndarray):
            run = ctx.run
        else:  # create_graph: recomputed from the inputs, so that they link to the graph
            run = _lstm_through_time(*saved, reverse)
        need_input, need_h0, need_c0, need_w_ih, need_w_hh, need_b_ih, need_b_hh, need_w_hr = (
            ctx.needs_input_grad
        )
        out, hidden = h0.shape[-1], c0.shape[-1]
        # What does not wait for the step after, for every step at once. A gate's gradient is
        # d(c_t)·(g, c_(t-1), i) for i, f, g and d(h_t)·tanh(c_t) for o, times the activation's
        # derivative, which from the activated gates a is s² - (a - (1 - s))² (see _gate_scale).
        scale, offset = _gate_scale(weight_hh)
        i, f, g, o = (run.gates[..., k * hidden : (k + 1) * hidden] for k in range(4))
        centred = run.gates - offset
        derivative = scale * scale - centred * centred
        gate_factors = np.concatenate([g, _previous(run.c, c0, reverse), i, run.tanh_c], axis=-1) * derivative
        h_by_c = o * (1 - run.tanh_c * run.tanh_c)  # d(h_t)/d(c_t), before the projection
        grad_hs, grad_cs = grad[..., :out], grad[..., out:]
        grad_h = grad_c = 0  # what flows back from the step after, into h and c
        grad_gates, grad_outputs = [None] * len(i), [None] * len(i)
        for t in range(len(i)) if reverse else reversed(range(len(i))):
            grad_h = grad_outputs[t] = grad_h + grad_hs[t]
            grad_full = grad_h if weight_hr is None else grad_h @ weight_hr  # before the projection
            grad_c = grad_c + grad_cs[t] + grad_full * h_by_c[t]  # c_t reaches the loss through h_t too
            grad_gates[t] = np.concatenate([grad_c, grad_c, grad_c, grad_full], axis=-1) * gate_factors[t]
            grad_c = grad_c * f[t]
            grad_h = grad_gates[t] @ weight_hh
        # Every step's gates came from the weights in the same way: one matmul each over all steps.
        flat = np.concatenate(grad_gates)  # (L·N, 4H)
        grad_input = (flat @ weight_ih).reshape(input.shape) if need_input else None
        grad_w_ih = flat.T @ input.reshape(-1, input.shape[-1]) if need_w_ih else None
        grad_w_hh = flat.T @ _previous(run.h, h0, reverse).reshape(-1, out) if need_w_hh else None
        grad_bias = flat.sum(0) if need_b_ih or need_b_hh else None
        grad_w_hr = None
        if need_w_hr:
            grad_w_hr = np.concatenate(grad_outputs).T @ (o * run.tanh_c).reshape(-1, hidden)
        return (
            grad_input, grad_h if need_h0 else None, grad_c if need_c0 else None, grad_w_ih, grad_w_hh,
            grad_bias if need_b_ih else None, grad_bias if need_b_hh else None, grad_w_hr,
        )


class _LstmRun(NamedTuple):
    """LstmLayer's forward pass, every step stacked in time order: the activated gates
    (L, N, 4H), tanh of the cell (L, N, H), and the new h (L, N, H_out) and c (L, N, H)."""

    gates: Any
    tanh_c: Any
    h: Any
    c: Any


def _lstm_through_time(input, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, reverse):
    """LstmLayer's forward pass, as an _LstmRun."""
    scale, offset = _gate_scale(weight_hh)
    input_gates = input.reshape(-1, input.shape[-1]) @ weight_ih.T  # every step's at once
    for bias in (bias_ih, bias_hh):
        if bias is not None:
            input_gates = input_gates + bias
    # The gates are wanted times `scale` (see _gate_scale): so are the input's and the weights.
    input_gates = (input_gates * scale).reshape(input.shape[:-1] + (weight_ih.shape[0],))
    hidden_weight = _transposed(weight_hh * scale[:, None])  # (H_out, 4H)
    projection = None if weight_hr is None else _transposed(weight_hr)
    hidden = weight_hh.shape[0] // 4
    h, c = h0, c0
    gates, tanh_cs, hs, cs = ([None] * input.shape[0] for _ in range(4))
    for t in reversed(range(len(hs))) if reverse else range(len(hs)):
        activated = np.tanh(input_gates[t] + h @ hidden_weight) * scale + offset  # σ, σ, tanh, σ
        i, f, g, o = (activated[..., k * hidden : (k + 1) * hidden] for k in range(4))
        c = f * c + i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c if projection is None else (o * tanh_c) @ projection
        gates[t], tanh_cs[t], hs[t], cs[t] = activated, tanh_c, h, c
    return _LstmRun(*(_stacked(steps) for steps in (gates, tanh_cs, hs, cs)))


def _gate_scale(weight_hh):
    """(scale, offset), both (4H,) in weight_hh's dtype: s = 1/2 for the sigmoid gates i, f, o
    and 1 for g, and 1 - s.

    Every gate is then one tanh: σ(x) = 1/2 + tanh(x/2)/2 and g = tanh(x), so the four
    activations are tanh(s·x)·s + (1 - s), and their derivative is (1 - tanh(s·x)²)·s².
    """
    hidden = weight_hh.shape[0] // 4
    scale = np.full(4 * hidden, 0.5, dtype=weight_hh.dtype)
    scale[2 * hidden : 3 * hidden] = 1
    return scale, 1 - scale


def _transposed(weight):
    """weight.T, in row-major order for an array: `h @ weight.T` runs twice as fast on that copy."""
    return np.ascontiguousarray(weight.T) if isinstance(weight, np.ndarray) else weight.T


def _stacked(steps):
    """np.stack(steps) for same-shaped steps, as one concatenation: without np.stack's view per step."""
    return np.concatenate(steps).reshape((len(steps),) + steps[0].shape)


def _previous(states, first, reverse):
    """The state each step starts from, (L, N, S): `first` (N, S) for the first step to run,
    the state (L, N, S) of the step before it for the others."""
    first = first.reshape((1,) + first.shape)
    return np.concatenate([states[1:], first]) if reverse else np.concatenate([first, states[:-1]])


# ---- one time step of each cell ----------------------------------------------------------------
# The RNN and GRU steps take input_gates = x @ W_ih.T + b_ih ready made, from the cell or the layer.


def rnn_tanh_step(input_gates: Tensor, hx: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh), the input's part given as input_gates."""
    return (input_gates + Linear.apply(hx, w_hh, b_hh)).tanh()


def rnn_relu_step(input_gates: Tensor, hx: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' = relu(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh), the input's part given as input_gates."""
    return (input_gates + Linear.apply(hx, w_hh, b_hh)).relu()


def gru_step(input_gates: Tensor, hx: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' = (1 - z)·n + z·h, as PyTorch's GRU, with input_gates = W_i x + b_i for r, z, n:

    r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r·(W_hn h + b_hn)).
    """
    input_r, input_z, input_n = input_gates.chunk(3, -1)
    hidden_r, hidden_z, hidden_n = Linear.apply(hx, w_hh, b_hh).chunk(3, -1)
    reset = (input_r + hidden_r).sigmoid()
    update = (input_z + hidden_z).sigmoid()
    new = (input_n + reset * hidden_n).tanh()
    return new + update * (hx - new)


def lstm_cell(
    input: Tensor,
    hx: Tensor,
    cx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> tuple[Tensor, Tensor]:
    """(h', c'): c' = f·c + i·g and h' = o·tanh(c'), the gates from x and h (see LstmCell)."""
    joint = LstmCell.apply(Linear.apply(input, w_ih, b_ih), Linear.apply(hx, w_hh, b_hh), cx)
    hidden = cx.shape[-1]
    return joint[..., :hidden], joint[..., hidden:]
