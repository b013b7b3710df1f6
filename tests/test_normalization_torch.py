"""The normalisation layers and Embedding against PyTorch: outputs, gradients of the input and
the parameters, running statistics over several training steps, eval outputs, state dict keys
and dtypes, and state dicts copied from either library into the other."""

import numpy as np
import pytest

import autograd_mini as am

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")

TOLERANCE = {np.float32: {"rtol": 1e-4, "atol": 1e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}

# (layer name, arguments, input shape): the same call builds the layer in either library.
LAYERS = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 6)),
    ("BatchNorm1d", (3,), {"affine": False}, (4, 3, 2)),
    ("BatchNorm2d", (4,), {}, (3, 4, 5, 2)),
    ("BatchNorm2d", (4,), {"momentum": 0.3, "eps": 1e-3, "bias": False}, (2, 4, 3, 3)),
    ("BatchNorm2d", (4,), {"track_running_stats": False}, (2, 4, 3, 3)),
    ("GroupNorm", (2, 6), {}, (3, 6, 4)),
    ("GroupNorm", (3, 6), {"affine": False}, (2, 6, 2, 3)),
    ("GroupNorm", (3, 6), {"bias": False, "eps": 1e-3}, (2, 6, 5)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 4, 3)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 3)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
]


def ids(case):
    name, args, kwargs, shape = case
    return f"{name}{args}{kwargs}{shape}"


def to_torch(state):
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()}


def torch_dtype(dtype):
    return torch.float32 if dtype == np.float32 else torch.float64


def pair(name, args, kwargs, dtype):
    """The layer in both libraries, with the same random affine parameters."""
    ours = getattr(am.nn, name)(*args, **kwargs, dtype=dtype)
    theirs = getattr(torch.nn, name)(*args, **kwargs, dtype=torch_dtype(dtype))
    rng = np.random.default_rng(1)
    for param in ours.parameters():
        param._array[...] = rng.standard_normal(param.shape)
    theirs.load_state_dict(to_torch(ours.state_dict()))
    return ours, theirs


def close(ours, theirs, dtype):
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.detach().numpy(), theirs, **TOLERANCE[dtype])


def check_step(ours, theirs, x, g, dtype):
    """One forward and backward in both; outputs and every gradient agree."""
    xo, xt = am.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt, dtype)
    yo.backward(am.tensor(g))
    yt.backward(torch.from_numpy(g))
    close(xo.grad, xt.grad, dtype)
    for po, pt in zip(ours.parameters(), theirs.parameters()):
        close(po.grad, pt.grad, dtype)
        po.grad, pt.grad = None, None


def check_buffers(ours, theirs, dtype):
    o, t = ours.state_dict(), theirs.state_dict()
    assert list(o) == list(t)
    for key in o:
        close(o[key], t[key], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", LAYERS, ids=ids)
def test_training_steps_eval_and_state_dicts_match_pytorch(case, dtype):
    name, args, kwargs, shape = case
    ours, theirs = pair(name, args, kwargs, dtype)
    rng = np.random.default_rng(0)
    for step in range(3):  # running statistics move over several steps
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(dtype)
        check_step(ours, theirs, x, rng.standard_normal(shape).astype(dtype), dtype)
        check_buffers(ours, theirs, dtype)
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(dtype)
    check_step(ours, theirs, x, rng.standard_normal(shape).astype(dtype), dtype)
    check_buffers(ours, theirs, dtype)

    # Each library's state dict loads into a fresh layer of the other and gives its outputs.
    fresh_ours, fresh_theirs = getattr(am.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    fresh_ours.to(dtype), fresh_theirs.to(torch_dtype(dtype))
    fresh_ours.load_state_dict(theirs.state_dict())
    fresh_theirs.load_state_dict(to_torch(ours.state_dict()))
    fresh_ours.eval(), fresh_theirs.eval()
    check_buffers(fresh_ours, theirs, dtype)
    check_buffers(ours, fresh_theirs, dtype)
    close(fresh_ours(am.tensor(x)), fresh_theirs(torch.from_numpy(x)), dtype)


@pytest.mark.parametrize("case", LAYERS, ids=ids)
def test_state_dict_keys_dtypes_and_repr_match_pytorch(case):
    name, args, kwargs, _ = case
    ours, theirs = getattr(am.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    o, t = ours.state_dict(), theirs.state_dict()
    assert list(o) == list(t)
    for key in o:
        assert o[key].shape == tuple(t[key].shape)
        assert str(o[key].dtype) == str(t[key].dtype).removeprefix("torch.")
        np.testing.assert_array_equal(o[key].numpy(), t[key].numpy())
    assert repr(ours) == repr(theirs)


def test_functional_batch_norm_with_given_statistics_matches_pytorch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 2))
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    for training in (True, False):
        ours_stats, theirs_stats = [am.tensor(mean), am.tensor(var)], [torch.tensor(mean), torch.tensor(var)]
        args = dict(training=training, momentum=0.2, eps=1e-3)
        yo = am.nn.functional.batch_norm(am.tensor(x), *ours_stats, am.tensor(w), am.tensor(b), **args)
        yt = torch.nn.functional.batch_norm(
            torch.tensor(x), *theirs_stats, torch.tensor(w), torch.tensor(b), **args
        )
        close(yo, yt, np.float64)
        for o, t in zip(ours_stats, theirs_stats):
            close(o, t, np.float64)


# ---- Embedding ------------------------------------------------------------------------------------

EMBEDDINGS = [
    {},
    {"padding_idx": 2},
    {"padding_idx": -1, "scale_grad_by_freq": True},
    {"max_norm": 1.5},
    {"max_norm": 1.0, "norm_type": 1.0},
]


@pytest.mark.parametrize("kwargs", EMBEDDINGS, ids=str)
def test_embedding_matches_pytorch(kwargs):
    rng = np.random.default_rng(3)
    ours = am.nn.Embedding(7, 4, **kwargs)
    theirs = torch.nn.Embedding(7, 4, **kwargs)
    theirs.load_state_dict(to_torch(ours.state_dict()))
    for _ in range(2):  # max_norm changes the table in place: the second step sees that
        indices = rng.integers(0, 7, (3, 5))
        yo, yt = ours(am.tensor(indices)), theirs(torch.from_numpy(indices))
        close(yo, yt, np.float32)
        g = rng.standard_normal((3, 5, 4)).astype(np.float32)
        yo.backward(am.tensor(g))
        yt.backward(torch.from_numpy(g))
        close(ours.weight.grad, theirs.weight.grad, np.float32)
        close(ours.weight, theirs.weight, np.float32)
        ours.weight.grad, theirs.weight.grad = None, None
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


def test_embedding_padding_row_initialised_to_zero_as_pytorch():
    ours, theirs = am.nn.Embedding(6, 3, padding_idx=4), torch.nn.Embedding(6, 3, padding_idx=4)
    np.testing.assert_array_equal(ours.weight.detach().numpy()[4], theirs.weight.detach().numpy()[4])
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())


def test_from_pretrained_matches_pytorch():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    ours = am.nn.Embedding.from_pretrained(am.tensor(table), padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.from_numpy(table), padding_idx=1)
    assert ours.weight.requires_grad == theirs.weight.requires_grad
    close(ours(am.tensor([[1, 3]])), theirs(torch.tensor([[1, 3]])), np.float32)
    assert repr(ours) == repr(theirs)
