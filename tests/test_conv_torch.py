"""Convolution layers and functions against PyTorch: outputs and gradients over a grid of strides,
paddings, dilations, groups, padding modes and biases, in float32 and float64, with the weights
copied between the two libraries' modules through their state dicts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import functional as F

pytestmark = [
    pytest.mark.torch,
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths"),
]
torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # these convolutions are tiny: PyTorch's threads would only wait on each other

DTYPES = {np.float32: (torch.float32, 1e-4), np.float64: (torch.float64, 1e-10)}


def twins(name: str, dtype, *args, **kwargs):
    """The same layer in both libraries, PyTorch's holding our weights (by state_dict)."""
    ours = getattr(am.nn, name)(*args, dtype=dtype, **kwargs)
    theirs = getattr(torch.nn, name)(*args, dtype=DTYPES[dtype][0], **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    return ours, theirs


def check_against_torch(ours, theirs, x: np.ndarray, rtol: float, **call) -> None:
    """Outputs, and the gradients of input and parameters, equal for the same upstream gradient."""
    ox, tx = am.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oy, ty = ours(ox, **call), theirs(tx, **call)
    assert oy.shape == tuple(ty.shape) and oy.dtype == x.dtype
    np.testing.assert_allclose(oy.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=rtol)
    upstream = np.random.default_rng(1).standard_normal(oy.shape).astype(x.dtype)
    oy.backward(am.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=rtol)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=rtol, err_msg=name)


# Every third of the full grid, which still pairs each option with each padding mode.
CONV_GRID = [
    dict(stride=s, padding=p, dilation=d, groups=g, bias=b, padding_mode=m)
    for i, (s, p, d, g, b, m) in enumerate(
        itertools.product(
            [1, 2, (2, 1)],
            [0, 1, (2, 1), "same", "valid"],
            [1, 2],
            [1, 2],
            [True, False],
            ["zeros", "reflect", "replicate", "circular"],
        )
    )
    if i % 3 == 0 and not (p == "same" and s != 1)
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_grid_matches_pytorch(dtype):
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 6)).astype(dtype)
    for options in CONV_GRID:
        ours, theirs = twins("Conv2d", dtype, 4, 6, (3, 2), **options)
        check_against_torch(ours, theirs, x, DTYPES[dtype][1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv1d_grid_matches_pytorch(dtype):
    x = np.random.default_rng(0).standard_normal((2, 4, 9)).astype(dtype)
    for options in CONV_GRID:
        if isinstance(options["stride"], tuple) or isinstance(options["padding"], tuple):
            continue
        ours, theirs = twins("Conv1d", dtype, 4, 6, 3, **options)
        check_against_torch(ours, theirs, x, DTYPES[dtype][1])
        check_against_torch(ours, theirs, x[0], DTYPES[dtype][1])  # unbatched


TRANSPOSED_GRID = [
    dict(stride=s, padding=p, output_padding=e, dilation=d, groups=g, bias=b)
    for s, p, e, d, g, b in itertools.product(
        [1, 2, (3, 2)], [0, 1, (2, 0)], [0, 1], [1, 2], [1, 2], [True, False]
    )
    if e < max(np.max(s), d)
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_transpose2d_grid_matches_pytorch(dtype):
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 4)).astype(dtype)
    for options in TRANSPOSED_GRID:
        ours, theirs = twins("ConvTranspose2d", dtype, 4, 6, (3, 2), **options)
        check_against_torch(ours, theirs, x, DTYPES[dtype][1])
        check_against_torch(ours, theirs, x[0], DTYPES[dtype][1])  # unbatched


def test_conv_transpose_output_size_matches_pytorch():
    ours, theirs = twins("ConvTranspose2d", np.float64, 2, 3, 3, stride=2, padding=1)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    check_against_torch(ours, theirs, x, 1e-10, output_size=(8, 10))
    ours, theirs = twins("ConvTranspose1d", np.float64, 2, 3, 3, stride=2, padding=1)
    check_against_torch(ours, theirs, x[:, :, 0], 1e-10, output_size=[1, 3, 10])


def test_initialisation_matches_pytorch_in_distribution():
    ours, theirs = am.nn.Conv2d(16, 32, 3), torch.nn.Conv2d(16, 32, 3)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        bound = q.detach().abs().max().item()
        assert p.shape == tuple(q.shape) and p.dtype == np.float32
        assert 0.9 * bound < np.abs(p.detach().numpy()).max() <= 1 / np.sqrt(16 * 9)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", [(1, 2), (2, 0, 1, 3), (1, 1, 2, 2, 1, 0)])
def test_pad_matches_pytorch(mode, amounts):
    shape = {2: (2, 3, 5), 4: (2, 3, 4, 5), 6: (2, 3, 4, 5, 3)}[len(amounts)]
    x = np.random.default_rng(0).standard_normal(shape)
    ox, tx = am.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    value = {"value": 1.5} if mode == "constant" else {}
    oy, ty = F.pad(ox, amounts, mode, **value), torch.nn.functional.pad(tx, amounts, mode, **value)
    np.testing.assert_allclose(oy.detach().numpy(), ty.detach().numpy())
    upstream = np.random.default_rng(1).standard_normal(oy.shape)
    oy.backward(am.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize(
    "options", [{}, {"dilation": 2, "padding": 1}, {"stride": 2}, {"stride": (2, 1), "padding": (1, 0)}]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_and_fold_match_pytorch(options, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(dtype)
    ours = F.unfold(am.tensor(x), (2, 3), **options).numpy()
    theirs = torch.nn.functional.unfold(torch.tensor(x), (2, 3), **options).numpy()
    np.testing.assert_allclose(ours, theirs)
    folded = F.fold(am.tensor(theirs), (6, 5), (2, 3), **options).numpy()
    np.testing.assert_allclose(
        folded, torch.nn.functional.fold(torch.tensor(theirs), (6, 5), (2, 3), **options).numpy(), rtol=1e-5
    )
    assert folded.dtype == dtype


def test_error_types_match_pytorch():
    cases = [
        lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 2, 5, 5), lib.zeros(3, 3, 3, 3)),
        lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 2, 2), lib.zeros(3, 3, 3, 3)),
        lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5), lib.zeros(3, 3, 3, 3), groups=2),
        lambda lib: lib.nn.functional.conv2d(lib.zeros(5, 5), lib.zeros(3, 3, 3, 3)),
        lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
        lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode="mirror"),
        lambda lib: lib.nn.functional.pad(lib.zeros(2, 3, 4), (1, 1), mode="mirror"),
        lambda lib: lib.nn.functional.pad(lib.zeros(2, 3, 4, 4), (1, 1), mode="reflect"),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(type(theirs.value)):
            case(am)
