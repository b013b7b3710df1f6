"""Recurrent layers with PyTorch's names, parameters and shapes: the cells RNNCell, LSTMCell and
GRUCell (one time step), and the layers RNN, LSTM and GRU (whole sequences, stacked, optionally
bidirectional). Their math is in ops/rnn.py.

A layer hands each of its layers and directions the whole sequence. An LSTM layer and direction
is one recorded node (ops.rnn.LstmLayer): the input's part of every step's gates is one matmul,
and its backward runs back through time in a loop. An RNN or GRU layer unrolls its step over the
sequence as Tensor ops, so backpropagation through time is an ordinary backward pass over the
recorded graph. Neither recurses, at any length. Each step reuses the layer's weights; their
gradients add up over the steps.

Shapes, with L the sequence length, N the batch, D = 2 if bidirectional else 1, and H_out =
proj_size or hidden_size:

    input   (L, N, H_in), or (N, L, H_in) with batch_first=True, or (L, H_in) unbatched
    h_0     (num_layers·D, N, H_out), or (num_layers·D, H_out) for unbatched input; zeros if omitted
    c_0     (num_layers·D, N, hidden_size) (LSTM)
    output  (L, N, D·H_out) (or batch first, or unbatched), the last layer's h at every step
    h_n     like h_0 (and c_n like c_0): the final state of every layer and direction
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.functions import cat, stack
from autograd_mini.nn import functional as F
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.ops import rnn as cells
from autograd_mini.ops.linalg import Linear
from autograd_mini.tensor import Tensor, get_default_dtype

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_NONLINEARITIES = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
_STEPS = {"RNN_TANH": cells.rnn_tanh_step, "RNN_RELU": cells.rnn_relu_step, "GRU": cells.gru_step}


def _init_uniform(module: Module, hidden_size: int) -> None:
    """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


def _mode_of(nonlinearity: str) -> str:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return _NONLINEARITIES[nonlinearity]


# ---- cells: one time step --------------------------------------------------------------------


class RNNCellBase(Module):
    """What the cells share: weight_ih (G·hidden_size, input_size), weight_hh (G·hidden_size,
    hidden_size), bias_ih and bias_hh (G·hidden_size,), and the checks of input and hidden state.

    input is (N, input_size) or (input_size,) unbatched; the state is (N, hidden_size) or
    (hidden_size,), zeros when omitted.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = get_default_dtype() if dtype is None else dtype
        self.weight_ih = Parameter(np.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(np.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(np.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return text + (f", nonlinearity={nonlinearity}" if nonlinearity != "tanh" else "")

    def _batched_input(self, input: Tensor) -> Tensor:
        """input as (N, input_size), after checking its dims and size."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}({self.extra_repr()}): input has inconsistent input_size: got {input.shape[-1]} "
                f"expected {self.input_size} (input shape {input.shape})"
            )
        return input if input.ndim == 2 else input.unsqueeze(0)

    def _batched_state(self, state: Tensor | None, input: Tensor, unbatched: bool, which: str) -> Tensor:
        """A state (h or c) as (N, hidden_size) for the batched input, zeros when None."""
        name = type(self).__name__
        if state is None:
            return Tensor(np.zeros((input.shape[0], self.hidden_size), dtype=input.dtype))
        if state.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {state.ndim}D instead")
        if (state.ndim == 1) != unbatched:
            raise RuntimeError(
                f"{name}: {which} must be {'1' if unbatched else '2'}-D like the input, "
                f"got shape {state.shape}"
            )
        state = state.unsqueeze(0) if unbatched else state
        if state.shape[0] != input.shape[0]:
            raise RuntimeError(
                f"{name}: Input batch size {input.shape[0]} doesn't match {which} batch size {state.shape[0]}"
            )
        if state.shape[1] != self.hidden_size:
            raise RuntimeError(
                f"{name}: {which} has inconsistent hidden_size: got {state.shape[1]}, "
                f"expected {self.hidden_size}"
            )
        return state

    def _weights(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _apply_step(self, step: Any, input: Tensor, hx: Tensor) -> Tensor:
        """An RNN or GRU step (ops.rnn) on input (N, input_size) and hx (N, hidden_size)."""
        return step(Linear.apply(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh), or relu with
    nonlinearity='relu'. forward(input, hx=None) -> h'."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        device: Any = None, dtype: Any = None,
    ) -> None:
        _mode_of(nonlinearity)  # checks it
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        unbatched = input.ndim == 1
        x = self._batched_input(input)
        step = _STEPS[_NONLINEARITIES[self.nonlinearity]]
        h = self._apply_step(step, x, self._batched_state(hx, x, unbatched, "hidden0"))
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = f·c + i·g, h' = o·tanh(c').

    forward(input, hx=None) with hx = (h, c) -> (h', c'). The gates' elementwise math is one
    fused node (ops.rnn.LstmCell).
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        unbatched = input.ndim == 1
        x = self._batched_input(input)
        h0, c0 = (None, None) if hx is None else hx
        h = self._batched_state(h0, x, unbatched, "hidden0")
        c = self._batched_state(c0, x, unbatched, "hidden1")
        h, c = cells.lstm_cell(x, h, c, *self._weights())
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n), as PyTorch: n = tanh(W_in x + b_in + r·(W_hn h + b_hn)),
    h' = (1 - z)·n + z·h. forward(input, hx=None) -> h'."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        unbatched = input.ndim == 1
        x = self._batched_input(input)
        h = self._apply_step(cells.gru_step, x, self._batched_state(hx, x, unbatched, "hidden0"))
        return h.squeeze(0) if unbatched else h


# ---- layers: whole sequences -------------------------------------------------------------------


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, the checks of
    input and initial state, and the loop over layers, directions and time.

    Layer k (and direction, "_reverse" for the backward one) has weight_ih_l{k}, weight_hh_l{k},
    bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} with proj_size), in PyTorch's order and shapes.
    """

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
        device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        _check_sizes(mode, hidden_size, num_layers, dropout, proj_size)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers = num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        dtype = get_default_dtype() if dtype is None else dtype
        gate_size, out_size = _GATES[mode] * hidden_size, proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                layer_input = input_size if layer == 0 else out_size * directions
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; here they stay apart."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in order:
        `[[weight_ih_l0, weight_hh_l0, ...], ...]`."""
        per_direction = len(self._flat_weights_names) // (self.num_layers * self._directions)
        names = self._flat_weights_names
        return [
            [getattr(self, name) for name in names[i : i + per_direction]]
            for i in range(0, len(names), per_direction)
        ]

    @property
    def _batch_dim(self) -> int:
        return 0 if self.batch_first else 1

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for name, default in (
            ("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0),
            ("bidirectional", False),
        ):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text

    def _layer_weights(self, index: int) -> dict[str, Tensor | None]:
        """weight_ih, weight_hh, bias_ih, bias_hh, weight_hr of layer-and-direction index (None if absent)."""
        layer, suffix = divmod(index, self._directions)
        end = f"_l{layer}{'_reverse' if suffix else ''}"
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return {kind: getattr(self, kind + end, None) for kind in kinds}

    # ---- forward: check, unroll over layers, directions and time --------------------------------

    def _unroll(self, input: Tensor, states: list) -> tuple[Tensor, list]:
        """The last layer's outputs over time and the final state of each layer and direction.

        input is batched; states holds one initial state per layer and direction, in the form
        _run takes. Each layer runs over the whole sequence, time first, and hands its outputs
        to the next as one tensor.
        """
        sequence = input.transpose(0, 1) if self.batch_first else input  # (L, N, H_in)
        finals = []
        for layer in range(self.num_layers):
            per_direction = []
            for direction in range(self._directions):
                index = layer * self._directions + direction
                weights = self._layer_weights(index)
                outputs, final = self._run(sequence, states[index], weights, reverse=direction == 1)
                per_direction.append(outputs)
                finals.append(final)
            # Both directions' features side by side, forward first.
            sequence = per_direction[0] if len(per_direction) == 1 else cat(per_direction, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                sequence = F.dropout(sequence, self.dropout)
        return (sequence.transpose(0, 1) if self.batch_first else sequence), finals

    def _run(self, sequence: Tensor, state: Tensor, weights: dict, reverse: bool) -> tuple[Tensor, Tensor]:
        """One RNN or GRU layer in one direction over sequence (L, N, H_in): its output at every
        step (L, N, H) and its final state (N, H).

        Each step projects its own input: projecting the whole sequence in one matmul and then
        slicing the steps out costs more in backward, where each step's slice sends back a
        gradient the size of the whole projection, than the matmuls it saves.
        """
        w = weights
        inputs = sequence.unbind(0)
        step = _STEPS[self.mode]
        outputs: list[Tensor] = [None] * len(inputs)  # type: ignore[list-item]
        for t in reversed(range(len(outputs))) if reverse else range(len(outputs)):
            input_gates = Linear.apply(inputs[t], w["weight_ih"], w["bias_ih"])
            state = outputs[t] = step(input_gates, state, w["weight_hh"], w["bias_hh"])
        return stack(outputs, 0), state

    def _check_input(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            name = type(self).__name__
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{self._name()}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {input.shape[-1]} (input shape {input.shape}, {self._layout(input.ndim)})"
            )
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise RuntimeError(f"{self._name()}: the input sequence is empty (input shape {input.shape})")

    def _initial_states(self, hx: Tensor | None, input: Tensor, size: int, which: str) -> list[Tensor]:
        """hx (num_layers·D, N, size), zeros if None, checked against the batched input and split
        per layer and direction."""
        batch = input.shape[self._batch_dim]
        expected = (self.num_layers * self._directions, batch, size)
        if hx is None:
            return [Tensor(np.zeros(expected[1:], dtype=input.dtype))] * expected[0]
        if hx.shape != expected:
            hint = ""
            if hx.ndim == 3 and hx.shape[1] != batch:
                hint = f"; the batch size {batch} comes from the input, {self._layout(3)}"
            raise RuntimeError(
                f"{self._name()}: Expected {which} size {expected}, got {list(hx.shape)}{hint}"
            )
        return list(hx.unbind(0))

    def _batched_hx(self, hx: Tensor | None, batched: bool, which: str) -> Tensor | None:
        """hx with a batch dim for unbatched input, after checking its dims agree with the input's."""
        if hx is None:
            return None
        if hx.ndim != (3 if batched else 2):
            raise RuntimeError(
                f"{self._name()}: For {'batched 3' if batched else 'unbatched 2'}-D input, {which} should "
                f"also be {3 if batched else 2}-D but got {hx.ndim}-D tensor (shape {hx.shape})"
            )
        return hx if batched else hx.unsqueeze(1)

    def _name(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _layout(self, ndim: int) -> str:
        if ndim == 2:
            return "unbatched (L, H_in)"
        layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        return f"read as {layout} since batch_first={self.batch_first}"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output, h_n) of an RNN or GRU; see the module docstring for the shapes."""
        self._check_input(input)
        batched = input.ndim == 3
        hx = self._batched_hx(hx, batched, "hx")
        input = input if batched else input.unsqueeze(self._batch_dim)
        states = self._initial_states(hx, input, self.hidden_size, "hidden")
        output, finals = self._unroll(input, states)
        h_n = stack(finals, 0)
        return (output, h_n) if batched else (output.squeeze(self._batch_dim), h_n.squeeze(1))


def _check_sizes(mode: str, hidden_size: int, num_layers: int, dropout: float, proj_size: int) -> None:
    """PyTorch's checks of a recurrent layer's arguments, with its words."""
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an element "
            "being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            stacklevel=3,
        )
    if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size and mode != "LSTM":
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


class RNN(RNNBase):
    """An Elman RNN, h_t = tanh(x_t @ W_ih.T + b_ih + h_(t-1) @ W_hh.T + b_hh) (or relu with
    nonlinearity='relu'), stacked num_layers deep. forward(input, hx=None) -> (output, h_n)."""

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
        bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        device: Any = None, dtype: Any = None,
    ) -> None:
        mode = _mode_of(nonlinearity)
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device,
            dtype,
        )
        self.nonlinearity = nonlinearity


class GRU(RNNBase):
    """A GRU over sequences, gates r, z, n as PyTorch's (see GRUCell). forward(input, hx=None) ->
    (output, h_n)."""

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device,
            dtype,
        )


class LSTM(RNNBase):
    """An LSTM over sequences (see LSTMCell); with proj_size > 0, h is projected by weight_hr to
    proj_size features at every step. forward(input, hx=None), hx = (h_0, c_0) ->
    (output, (h_n, c_n))."""

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
        device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
            device, dtype,
        )

    def _run(  # type: ignore[override]
        self, sequence: Tensor, state: tuple[Tensor, Tensor], weights: dict, reverse: bool
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """One layer in one direction over sequence (L, N, H_in), as one node: its output at
        every step (L, N, H_out) and its final state (h, c)."""
        w = weights
        joint = cells.LstmLayer.apply(  # (L, N, H_out + hidden_size): [h_t, c_t] at each step
            sequence, *state, w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"], w["weight_hr"],
            reverse=reverse,
        )
        out = self.proj_size or self.hidden_size
        last = joint[0 if reverse else -1]
        return joint[..., :out], (last[:, :out], last[:, out:])

    def forward(  # type: ignore[override]
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """(output, (h_n, c_n)); see the module docstring for the shapes."""
        self._check_input(input)
        batched = input.ndim == 3
        h0, c0 = (None, None) if hx is None else hx
        h0, c0 = self._batched_hx(h0, batched, "hx"), self._batched_hx(c0, batched, "cx")
        input = input if batched else input.unsqueeze(self._batch_dim)
        hs = self._initial_states(h0, input, self.proj_size or self.hidden_size, "hidden[0]")
        cs = self._initial_states(c0, input, self.hidden_size, "hidden[1]")
        output, finals = self._unroll(input, list(zip(hs, cs)))
        h_n, c_n = stack([h for h, _ in finals], 0), stack([c for _, c in finals], 0)
        if batched:
            return output, (h_n, c_n)
        return output.squeeze(self._batch_dim), (h_n.squeeze(1), c_n.squeeze(1))
