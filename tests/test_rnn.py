"""Recurrent cells and layers: gradients by finite differences, the fused LSTM cell and the
whole-sequence LSTM layer against their unfused forms, backpropagation through 1,000 steps,
parameters and shapes, and the errors."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.ops.rnn import LstmCell, LstmLayer, lstm_cell
from autograd_mini.testing import gradcheck, gradgradcheck


def randn(*shape, seed=0, requires_grad=True):
    data = np.random.default_rng(seed).standard_normal(shape)
    return am.tensor(data, requires_grad=requires_grad)


def unfused_lstm_cell(input_gates, hidden_gates, cell):
    """LstmCell's math in Tensor ops, as its docstring writes it."""
    i, f, g, o = (input_gates + hidden_gates).chunk(4, -1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    new_cell = f * cell + i * g
    return am.cat([o * new_cell.tanh(), new_cell], -1)


def parameters_of(module):
    return [p for _, p in module.named_parameters()]


# ---- the fused LSTM cell op ----------------------------------------------------------------------


def test_fused_lstm_cell_agrees_with_its_unfused_form():
    args = [randn(3, 8, seed=1), randn(3, 8, seed=2), randn(3, 2, seed=3)]
    fused, unfused = LstmCell.apply(*args), unfused_lstm_cell(*args)
    np.testing.assert_allclose(fused.detach().numpy(), unfused.detach().numpy(), rtol=1e-12)
    weights = am.tensor(np.random.default_rng(4).standard_normal((3, 4)))
    fused_grads = am.grad((fused * weights).sum(), args)
    unfused_grads = am.grad((unfused * weights).sum(), args)
    for a, b in zip(fused_grads, unfused_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


def test_fused_lstm_cell_gradients_and_second_derivatives():
    args = [randn(2, 8, seed=1), randn(2, 8, seed=2), randn(2, 2, seed=3)]
    assert gradcheck(LstmCell.apply, args)
    assert gradgradcheck(LstmCell.apply, args)


def lstm_layer_inputs(projected, bias=True, seed=0):
    """LstmLayer's inputs for a sequence of 3 steps, a batch of 2, 3 features and hidden size 4
    (projected to 2 with `projected`): input, h0, c0, weight_ih, weight_hh, the biases, weight_hr."""
    out = 2 if projected else 4
    shapes = [(3, 2, 3), (2, out), (2, 4), (16, 3), (16, out), (16,), (16,), (out, 4)]
    values = [randn(*shape, seed=seed + k) for k, shape in enumerate(shapes)]
    if not bias:
        values[5] = values[6] = None
    if not projected:
        values[7] = None
    return values


def unfused_lstm_layer(input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
    """LstmLayer's math as its docstring writes it: the loop of lstm_cell over the steps."""
    h, c, result = h0, c0, [None] * input.shape[0]
    for t in reversed(range(len(result))) if reverse else range(len(result)):
        h, c = lstm_cell(input[t], h, c, w_ih, w_hh, b_ih, b_hh)
        h = h if w_hr is None else h @ w_hr.T
        result[t] = am.cat([h, c], -1)
    return am.stack(result, 0)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("projected", [False, True], ids=["plain", "projected"])
def test_lstm_layer_agrees_with_the_loop_of_cells(reverse, projected):
    inputs = lstm_layer_inputs(projected, bias=not projected)
    fused = LstmLayer.apply(*inputs, reverse=reverse)
    unfused = unfused_lstm_layer(*inputs, reverse)
    np.testing.assert_allclose(fused.detach().numpy(), unfused.detach().numpy(), rtol=1e-12)
    weights = am.tensor(np.random.default_rng(9).standard_normal(fused.shape))
    wrt = [x for x in inputs if x is not None]
    fused_grads = am.grad((fused * weights).sum(), wrt)
    unfused_grads = am.grad((unfused * weights).sum(), wrt)
    for a, b in zip(fused_grads, unfused_grads, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("projected", [False, True], ids=["plain", "projected"])
def test_lstm_layer_gradients_and_second_derivatives(reverse, projected):
    inputs = lstm_layer_inputs(projected, seed=20)

    def layer(*args):
        return LstmLayer.apply(*args, reverse=reverse)

    assert gradcheck(layer, inputs)
    assert gradgradcheck(layer, inputs)


def test_lstm_layer_gradients_of_some_inputs_only():
    inputs = lstm_layer_inputs(projected=False, seed=30)
    for k in (0, 2, 5):  # input, c0 and bias_ih need no gradient
        inputs[k] = inputs[k].detach()
    out = LstmLayer.apply(*inputs, reverse=False)
    out.sum().backward()
    assert [x.grad is None for x in inputs[:7]] == [True, False, True, False, False, True, False]
    wrt = [inputs[k] for k in (1, 3, 4, 6)]
    expected = am.grad(unfused_lstm_layer(*inputs, False).sum(), wrt)
    for x, g in zip(wrt, expected):
        np.testing.assert_allclose(x.grad.numpy(), g.numpy(), rtol=1e-11, atol=1e-13)


def test_lstm_module_second_derivatives():
    layer = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2, dtype=am.float64)

    def run(x, *params):
        output, (h, c) = layer(x)
        return output, h, c

    assert gradgradcheck(run, [randn(3, 2, seed=1), *parameters_of(layer)[:5]])


# ---- gradients of the cells and layers -----------------------------------------------------------


@pytest.mark.parametrize(
    "make", [
        lambda: nn.RNNCell(3, 2, dtype=am.float64),
        lambda: nn.RNNCell(3, 2, nonlinearity="relu", dtype=am.float64),
        lambda: nn.GRUCell(3, 2, dtype=am.float64),
        lambda: nn.LSTMCell(3, 2, bias=False, dtype=am.float64),
    ], ids=["rnn-tanh", "rnn-relu", "gru", "lstm"],
)
def test_cell_gradcheck(make):
    cell = make()
    lstm = isinstance(cell, nn.LSTMCell)
    states = [randn(2, 2, seed=2), randn(2, 2, seed=3)][: 2 if lstm else 1]

    def run(x, *states_and_params):
        state = tuple(states_and_params[:2]) if lstm else states_and_params[0]
        out = cell(x, state)
        return am.cat(list(out), -1) if lstm else out

    assert gradcheck(run, [randn(2, 3, seed=1), *states, *parameters_of(cell)])


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_layer_gradcheck_two_layers_bidirectional(kind):
    layer = getattr(nn, kind)(2, 2, num_layers=2, bidirectional=True, dtype=am.float64)
    x = randn(3, 2, 2, seed=1)
    h0 = randn(4, 2, 2, seed=2)
    hx = (h0, randn(4, 2, 2, seed=3)) if kind == "LSTM" else h0

    def run(x, h0, *params):
        state = (h0, hx[1]) if kind == "LSTM" else h0
        output, final = layer(x, state)
        finals = list(final) if kind == "LSTM" else [final]
        return (output, *finals)

    assert gradcheck(run, [x, h0, *parameters_of(layer)])


def test_lstm_with_projection_gradcheck():
    layer = nn.LSTM(2, 3, proj_size=2, batch_first=True, dtype=am.float64)
    x = randn(2, 3, 2, seed=1)

    def run(x, *params):
        output, (h, c) = layer(x)
        return output, h, c

    assert gradcheck(run, [x, *parameters_of(layer)])


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_backward_through_1000_steps(kind):
    layer = getattr(nn, kind)(2, 3, dtype=am.float64)
    x = randn(1000, 2, seed=1)  # unbatched: (L, H_in)
    output, _ = layer(x)
    output[-1].sum().backward()
    assert x.grad.shape == (1000, 2) and np.isfinite(x.grad.numpy()).all()
    assert np.abs(x.grad.numpy()[-1]).sum() > 0
    assert all(np.isfinite(p.grad.numpy()).all() for p in layer.parameters())


# ---- parameters, shapes, modes ---------------------------------------------------------------------


def test_parameter_names_shapes_and_initialisation():
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    shapes = {name: p.shape for name, p in layer.named_parameters()}
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert shapes["weight_ih_l0_reverse"] == (16, 3) and shapes["weight_hh_l0"] == (16, 2)
    assert shapes["weight_ih_l1"] == (16, 4) and shapes["weight_hr_l1_reverse"] == (2, 4)
    assert len(layer.all_weights) == 4 and all(len(w) == 5 for w in layer.all_weights)
    assert list(nn.GRU(3, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    gru = nn.GRUCell(5, 100)
    for p in gru.parameters():
        values = p.detach().numpy()
        assert values.dtype == np.float32 and np.abs(values).max() <= 0.1 and np.abs(values).max() > 0.09


@pytest.mark.parametrize("batch_first", [False, True])
def test_output_shapes(batch_first):
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, proj_size=2)
    x = am.zeros((2, 5, 3) if batch_first else (5, 2, 3))
    output, (h, c) = layer(x)
    assert output.shape == ((2, 5, 4) if batch_first else (5, 2, 4))
    assert h.shape == (4, 2, 2) and c.shape == (4, 2, 4)
    output, h = nn.GRU(3, 4, batch_first=batch_first)(am.zeros(5, 3))
    assert output.shape == (5, 4) and h.shape == (1, 4)
    h, c = nn.LSTMCell(3, 4)(am.zeros(3))
    assert h.shape == c.shape == (4,)


def test_dropout_acts_between_layers_in_training_only():
    am.manual_seed(0)
    layer = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = randn(6, 2, 3, requires_grad=False)
    trained = [layer(x)[0].detach().numpy() for _ in range(2)]
    assert not np.allclose(trained[0], trained[1])
    layer.eval()
    evaluated = [layer(x)[0].detach().numpy() for _ in range(2)]
    np.testing.assert_array_equal(evaluated[0], evaluated[1])


def test_bidirectional_output_is_the_forward_then_the_reversed_run():
    layer = nn.RNN(2, 3, bidirectional=True, dtype=am.float64)
    forward = nn.RNN(2, 3, dtype=am.float64)
    backward = nn.RNN(2, 3, dtype=am.float64)
    weights = layer.state_dict()
    forward.load_state_dict({k: v for k, v in weights.items() if not k.endswith("_reverse")})
    reverse = {k.removesuffix("_reverse"): v for k, v in weights.items() if k.endswith("_reverse")}
    backward.load_state_dict(reverse)
    x = randn(4, 1, 2, requires_grad=False)
    output, h = layer(x)
    expected = np.concatenate(
        [forward(x)[0].detach().numpy(), backward(x.flip(0))[0].detach().numpy()[::-1]], axis=-1
    )
    np.testing.assert_allclose(output.detach().numpy(), expected, rtol=1e-12)


def test_repr_matches_pytorchs_form():
    layer = nn.LSTM(10, 20, 2, batch_first=True, bidirectional=True, dropout=0.1, bias=False, proj_size=5)
    assert repr(layer) == (
        "LSTM(10, 20, proj_size=5, num_layers=2, bias=False, batch_first=True, dropout=0.1, "
        "bidirectional=True)"
    )
    assert repr(nn.RNNCell(10, 20, nonlinearity="relu")) == "RNNCell(10, 20, nonlinearity=relu)"


# ---- errors ------------------------------------------------------------------------------------------


def test_wrong_input_size_names_the_layer_and_sizes():
    with pytest.raises(RuntimeError, match=r"LSTM\(10, 20\): input.size\(-1\) must be equal to input_size. "
                                           r"Expected 10, got 7 \(input shape \(5, 3, 7\)"):
        nn.LSTM(10, 20)(am.zeros(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"GRUCell\(10, 20\): input has inconsistent input_size: got 7"):
        nn.GRUCell(10, 20)(am.zeros(3, 7))
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 4D instead"):
        nn.RNN(10, 20)(am.zeros(5, 3, 10, 1))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.LSTMCell(10, 20)(am.zeros(5, 3, 10))


def test_batch_first_mix_up_shows_as_a_size_mismatch():
    layer = nn.GRU(4, 6)  # batch_first=False: (L, N, H_in)
    x, h0 = am.zeros(8, 35, 4), am.zeros(1, 8, 6)  # batch first by mistake: N=8, L=35
    expected = (
        r"Expected hidden size \(1, 35, 6\), got \[1, 8, 6\]; the batch size 35 comes from the input, "
        r"read as \(L, N, H_in\) since batch_first=False"
    )
    with pytest.raises(RuntimeError, match=expected):
        layer(x, h0)


def test_wrong_initial_state_shapes():
    layer = nn.LSTM(10, 20, 2)
    x = am.zeros(5, 3, 10)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 3, 20\), got \[1, 3, 20\]"):
        layer(x, (am.zeros(1, 3, 20), am.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 3, 20\), got \[2, 3, 5\]"):
        layer(x, (am.zeros(2, 3, 20), am.zeros(2, 3, 5)))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D"):
        layer(am.zeros(5, 10), (am.zeros(2, 3, 20), am.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 4"):
        nn.RNNCell(10, 20)(am.zeros(3, 10), am.zeros(4, 20))
    with pytest.raises(RuntimeError, match="hidden1 has inconsistent hidden_size: got 21, expected 20"):
        nn.LSTMCell(10, 20)(am.zeros(3, 10), (am.zeros(3, 20), am.zeros(3, 21)))


def test_constructor_errors_are_pytorchs():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'x'. Select from 'tanh' or 'relu'."):
        nn.RNN(3, 4, nonlinearity="x")
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=2)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        nn.GRU(3, 4, num_layers=0)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
