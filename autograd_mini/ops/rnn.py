"""The recurrent cells' math: one time step of an Elman RNN, an LSTM and a GRU, with PyTorch's
weights and gate order.

Each cell is two matmuls (the input's and the hidden state's, with their biases) and then
elementwise math on the gates. The LSTM's elementwise part is one fused node, `LstmCell`: it
runs once per step of every layer, so recording ten small ops there would cost more than the
arithmetic. The RNN and GRU cells are written with Tensor ops.

Shapes: x (N, in), h and c (N, H); weight_ih (G·H, in), weight_hh (G·H, H), biases (G·H,),
with G = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o).
"""

from __future__ import annotations

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


# ---- one time step of each cell: (input, state, weights) -> new state -------------------------


def rnn_tanh_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    """h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)."""
    return (Linear.apply(input, w_ih, b_ih) + Linear.apply(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    """h' = relu(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)."""
    return (Linear.apply(input, w_ih, b_ih) + Linear.apply(hx, w_hh, b_hh)).relu()


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


def gru_cell(
    input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    """h' = (1 - z)·n + z·h, as PyTorch's GRU:

    r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r·(W_hn h + b_hn)).
    """
    input_r, input_z, input_n = Linear.apply(input, w_ih, b_ih).chunk(3, -1)
    hidden_r, hidden_z, hidden_n = Linear.apply(hx, w_hh, b_hh).chunk(3, -1)
    reset = (input_r + hidden_r).sigmoid()
    update = (input_z + hidden_z).sigmoid()
    new = (input_n + reset * hidden_n).tanh()
    return new + update * (hx - new)
