"""Recurrent layers and cells against PyTorch: with the same weights (copied through the state
dict, whose keys are the same), the outputs, final states and the gradients of every parameter
and of the input agree."""

import numpy as np
import pytest

import autograd_mini as am

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

TOLERANCES = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def twins(kind: str, dtype: str, **options):
    """The same module in both libraries, PyTorch's weights copied into ours."""
    theirs = getattr(torch.nn, kind)(**options).to(getattr(torch, dtype))
    ours = getattr(am.nn, kind)(**options, dtype=getattr(am, dtype))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    ours.load_state_dict({k: am.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def as_list(state):
    return list(state) if isinstance(state, tuple) else [state]


def run_both(ours, theirs, x, states, dtype):
    """Run both on x (and the initial states, or None), backpropagate a loss over every result,
    and check the results and gradients agree."""
    results = []
    for lib, module in ((am, ours), (torch, theirs)):
        leaves = [lib.tensor(a, requires_grad=True) for a in [x, *(states or [])]]
        hx = None if states is None else (tuple(leaves[1:]) if len(states) == 2 else leaves[1])
        output, final = module(leaves[0], hx) if hx is not None else module(leaves[0])
        outs = [output, *as_list(final)]
        shapes = [tuple(o.shape) for o in outs]
        weights = [lib.tensor(np.linspace(-1, 1, int(np.prod(s))).reshape(s)) for s in shapes]
        sum((o * w.to(o.dtype)).sum() for o, w in zip(outs, weights)).backward()
        grads = [leaf.grad for leaf in leaves] + [p.grad for p in module.parameters()]
        results.append(([o.detach().numpy() for o in outs], [g.numpy() for g in grads], outs[0].dtype))
    (ours_out, ours_grads, ours_dtype), (their_out, their_grads, their_dtype) = results
    assert str(ours_dtype).removeprefix("torch.") == str(their_dtype).removeprefix("torch.") == dtype
    for a, b in zip(ours_out + ours_grads, their_out + their_grads, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, **TOLERANCES[dtype])


LAYERS = [
    ("RNN", {"nonlinearity": "tanh"}),
    ("RNN", {"nonlinearity": "relu"}),
    ("GRU", {}),
    ("LSTM", {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind, extra", LAYERS, ids=["rnn-tanh", "rnn-relu", "gru", "lstm"])
@pytest.mark.parametrize(
    "options", [
        {"num_layers": 1},
        {"num_layers": 2, "bidirectional": True},
        {"num_layers": 2, "batch_first": True, "bias": False},
        {"num_layers": 1, "bidirectional": True, "batch_first": True},
    ], ids=["plain", "deep-bidirectional", "deep-batch-first-no-bias", "bidirectional-batch-first"],
)
def test_layer_matches_torch(kind, extra, options, dtype):
    ours, theirs = twins(kind, dtype, input_size=3, hidden_size=4, **extra, **options)
    rng = np.random.default_rng(0)
    shape = (2, 5, 3) if options.get("batch_first") else (5, 2, 3)
    run_both(ours, theirs, rng.standard_normal(shape).astype(dtype), None, dtype)


@pytest.mark.parametrize("kind, extra", LAYERS, ids=["rnn-tanh", "rnn-relu", "gru", "lstm"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_layer_with_initial_states_matches_torch(kind, extra, batched):
    options = {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True, **extra}
    ours, theirs = twins(kind, "float64", **options)
    rng = np.random.default_rng(1)
    batch = (2,) if batched else ()
    states = [rng.standard_normal((4, *batch, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    run_both(ours, theirs, rng.standard_normal((5, *batch, 3)), states, "float64")


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_lstm_with_projection_matches_torch(batched):
    ours, theirs = twins("LSTM", "float64", input_size=3, hidden_size=4, proj_size=2, num_layers=2,
                         bidirectional=True, batch_first=True)
    rng = np.random.default_rng(2)
    batch = (2,) if batched else ()
    states = [rng.standard_normal((4, *batch, 2)), rng.standard_normal((4, *batch, 4))]
    shape = (2, 5, 3) if batched else (5, 3)
    run_both(ours, theirs, rng.standard_normal(shape), states, "float64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kind, extra", [
        ("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("GRUCell", {}), ("LSTMCell", {}),
        ("GRUCell", {"bias": False}), ("LSTMCell", {"bias": False}),
    ],
)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_cell_matches_torch(kind, extra, dtype, batched):
    ours, theirs = twins(kind, dtype, input_size=3, hidden_size=4, **extra)
    rng = np.random.default_rng(3)
    batch = (2,) if batched else ()
    states = [rng.standard_normal((*batch, 4)).astype(dtype) for _ in range(2 if kind == "LSTMCell" else 1)]
    x = rng.standard_normal((*batch, 3)).astype(dtype)
    results = []
    for lib, module in ((am, ours), (torch, theirs)):
        leaves = [lib.tensor(a, requires_grad=True) for a in [x, *states]]
        out = module(leaves[0], tuple(leaves[1:]) if len(states) == 2 else leaves[1])
        outs = as_list(out)
        sum((o * o).sum() for o in outs).backward()
        grads = [leaf.grad for leaf in leaves] + [p.grad for p in module.parameters()]
        results.append([o.detach().numpy() for o in outs] + [g.numpy() for g in grads])
    for a, b in zip(*results, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **TOLERANCES[dtype])


def test_repr_matches_torch():
    for kind, options in [
        ("LSTM", {"num_layers": 2, "batch_first": True, "bidirectional": True, "dropout": 0.1, "bias": False,
                  "proj_size": 2}),
        ("GRU", {}), ("RNN", {"nonlinearity": "relu"}), ("RNNCell", {"nonlinearity": "relu"}),
        ("GRUCell", {"bias": False}), ("LSTMCell", {}),
    ]:
        assert repr(getattr(am.nn, kind)(3, 4, **options)) == repr(getattr(torch.nn, kind)(3, 4, **options))
