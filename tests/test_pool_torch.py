"""Pooling, interpolation and channel dropout against PyTorch: values, indices and gradients over
a grid of configurations in float32 and float64, and the modules' reprs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.nn import functional as F

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


def run_both(name, x, options, grad_seed=1):
    """The op called `name` in both libraries on x: (ours, theirs), each a list of the outputs
    as arrays followed by the gradient of x for a random output gradient."""
    ours_x, theirs_x = am.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(F, name)(ours_x, **options), getattr(TF, name)(theirs_x, **options)
    ours, theirs = (
        (ours if isinstance(ours, tuple) else (ours,)),
        (theirs if isinstance(theirs, tuple) else (theirs,)),
    )
    g = np.random.default_rng(grad_seed).standard_normal(theirs[0].shape).astype(x.dtype)
    ours[0].backward(am.tensor(g))
    theirs[0].backward(torch.tensor(g))
    return (
        [o.detach().numpy() for o in ours] + [ours_x.grad.numpy()],
        [t.detach().numpy() for t in theirs] + [theirs_x.grad.numpy()],
    )


def assert_agree(ours, theirs, dtype):
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype
        if a.dtype.kind == "i":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, **TOLERANCE[dtype])


def integers_grid(seed, shape, dtype):
    """Values with many ties (a few distinct integers), to check where ties send the gradient."""
    return np.random.default_rng(seed).integers(-3, 3, shape).astype(dtype)


DTYPES = [np.float32, np.float64]
MAX_GRID = [
    dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=c)
    for k, s, p, d, c in itertools.product([2, 3, (2, 3)], [None, 1, 2], [0, 1], [1, 2], [False, True])
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", MAX_GRID, ids=str)
def test_max_pool2d_matches(options, dtype):
    x = integers_grid(0, (2, 3, 7, 8), dtype)
    ours, theirs = run_both("max_pool2d", x, dict(options, return_indices=True))
    assert_agree(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=c)
        for k, s, p, d, c in itertools.product([2, 3], [None, 2], [0, 1], [1, 2], [False, True])
    ],
    ids=str,
)
def test_max_pool1d_matches(options, dtype):
    x = integers_grid(1, (2, 3, 9), dtype)
    assert_agree(*run_both("max_pool1d", x, dict(options, return_indices=True)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=k, stride=s, padding=p, ceil_mode=c, count_include_pad=i, divisor_override=v)
        for k, s, p, c, i, v in itertools.product(
            [2, 3, (3, 2)], [None, 2], [0, 1], [False, True], [True, False], [None, 3]
        )
    ],
    ids=str,
)
def test_avg_pool2d_matches(options, dtype):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 8)).astype(dtype)
    assert_agree(*run_both("avg_pool2d", x, options), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=k, stride=s, padding=p, ceil_mode=c, count_include_pad=i)
        for k, s, p, c, i in itertools.product([2, 3], [None, 2], [0, 1], [False, True], [True, False])
    ],
    ids=str,
)
def test_avg_pool1d_matches(options, dtype):
    x = np.random.default_rng(3).standard_normal((2, 3, 9)).astype(dtype)
    assert_agree(*run_both("avg_pool1d", x, options), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output_size", [1, 3, (2, 5), (None, 3), (7, 8), (10, 11), (4, None)], ids=str)
def test_adaptive_pools_2d_match(output_size, dtype):
    x = integers_grid(4, (2, 3, 7, 8), dtype)
    assert_agree(*run_both("adaptive_avg_pool2d", x, dict(output_size=output_size)), dtype)
    assert_agree(
        *run_both("adaptive_max_pool2d", x, dict(output_size=output_size, return_indices=True)), dtype
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output_size", [1, 3, 4, 9, 12])
def test_adaptive_pools_1d_match(output_size, dtype):
    x = integers_grid(5, (2, 3, 9), dtype)
    assert_agree(*run_both("adaptive_avg_pool1d", x, dict(output_size=output_size)), dtype)
    assert_agree(
        *run_both("adaptive_max_pool1d", x, dict(output_size=output_size, return_indices=True)), dtype
    )


def test_unbatched_and_integer_inputs_match():
    x = integers_grid(6, (3, 7, 8), np.float64)
    assert_agree(*run_both("max_pool2d", x, dict(kernel_size=3, stride=2, return_indices=True)), np.float64)
    assert_agree(*run_both("avg_pool2d", x, dict(kernel_size=2, ceil_mode=True)), np.float64)
    ints = np.random.default_rng(7).integers(-9, 9, (1, 2, 5, 5))
    for name, options in [
        ("max_pool2d", dict(kernel_size=2, padding=1)),
        ("avg_pool2d", dict(kernel_size=2)),
    ]:
        ours, theirs = (
            getattr(F, name)(am.tensor(ints), **options),
            getattr(TF, name)(torch.tensor(ints), **options),
        )
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_nan_picks_match():
    nan = np.nan
    x = np.array([[[[nan, 1, nan, 2], [2, nan, 0, 5], [0, 0, nan, 0], [1, nan, 3, 3]]]])
    for name, options in [
        ("max_pool2d", dict(kernel_size=2, stride=1)),
        ("max_pool2d", dict(kernel_size=3, stride=1, padding=1)),
        ("adaptive_max_pool2d", dict(output_size=3)),
        ("adaptive_max_pool2d", dict(output_size=2)),
    ]:
        ours = getattr(F, name)(am.tensor(x), return_indices=True, **options)
        theirs = getattr(TF, name)(torch.tensor(x), return_indices=True, **options)
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool2d_second_derivatives_match(dtype):
    x = np.random.default_rng(8).standard_normal((1, 2, 5, 6)).astype(dtype)
    ours_x, theirs_x = am.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours,) = am.grad((F.max_pool2d(ours_x, 3, 2, 1) ** 2).sum(), [ours_x], create_graph=True)
    (theirs,) = torch.autograd.grad(
        (TF.max_pool2d(theirs_x, 3, 2, 1) ** 2).sum(), [theirs_x], create_graph=True
    )
    (ours * ours_x).sum().backward()
    (theirs * theirs_x).sum().backward()
    assert_agree(
        [ours.detach().numpy(), ours_x.grad.numpy()], [theirs.detach().numpy(), theirs_x.grad.numpy()], dtype
    )


INTERPOLATE_GRID = [
    *[
        dict(size=s, mode=m)
        for s, m in itertools.product(
            [(5, 11), (3, 3), (14, 16), (7, 8)], ["nearest", "nearest-exact", "area"]
        )
    ],
    *[
        dict(scale_factor=f, mode=m)
        for f, m in itertools.product([2, 3, 1.7, 0.5, (0.6, 2.3)], ["nearest", "nearest-exact"])
    ],
    *[
        dict(size=s, mode="bilinear", align_corners=a)
        for s, a in itertools.product([(5, 11), (1, 1), (14, 16), (3, 2)], [None, False, True])
    ],
    *[
        dict(scale_factor=f, mode="bilinear", align_corners=a, recompute_scale_factor=r)
        for f, a, r in itertools.product([2, 1.7, 0.45, (0.6, 2.3)], [False, True], [None, True])
    ],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", INTERPOLATE_GRID, ids=str)
def test_interpolate_2d_matches(options, dtype):
    x = np.random.default_rng(9).standard_normal((2, 3, 7, 8)).astype(dtype)
    assert_agree(*run_both("interpolate", x, options), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        *[
            dict(size=s, mode=m)
            for s, m in itertools.product([3, 13, 20], ["nearest", "nearest-exact", "linear", "area"])
        ],
        *[
            dict(scale_factor=f, mode="linear", align_corners=a)
            for f, a in itertools.product([2, 0.7, 2.5], [False, True])
        ],
        dict(scale_factor=1.3),
    ],
    ids=str,
)
def test_interpolate_1d_matches(options, dtype):
    x = np.random.default_rng(10).standard_normal((2, 3, 9)).astype(dtype)
    assert_agree(*run_both("interpolate", x, options), dtype)


def test_upsample_modules_match():
    x = np.random.default_rng(11).standard_normal((1, 2, 4, 5))
    for make in [
        lambda lib: lib.nn.Upsample(scale_factor=2),
        lambda lib: lib.nn.Upsample(size=(7, 3), mode="bilinear"),
        lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=3),
        lambda lib: lib.nn.UpsamplingBilinear2d(size=6),
    ]:
        ours, theirs = make(am)(am.tensor(x)), make(torch)(torch.tensor(x))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


MODULES = [
    lambda lib: lib.nn.MaxPool1d(3),
    lambda lib: lib.nn.MaxPool1d(3, 2, 1, 2, True, True),
    lambda lib: lib.nn.MaxPool2d(2),
    lambda lib: lib.nn.MaxPool2d((2, 3), 1, 1, 2, ceil_mode=True),
    lambda lib: lib.nn.AvgPool1d(3),
    lambda lib: lib.nn.AvgPool1d(3, 2, 1, True, False),
    lambda lib: lib.nn.AvgPool2d(2),
    lambda lib: lib.nn.AvgPool2d((3, 2), 2, 1, True, False, 5),
    lambda lib: lib.nn.AdaptiveAvgPool1d(3),
    lambda lib: lib.nn.AdaptiveAvgPool2d((5, None)),
    lambda lib: lib.nn.AdaptiveAvgPool2d(3),
    lambda lib: lib.nn.AdaptiveMaxPool1d(2),
    lambda lib: lib.nn.AdaptiveMaxPool2d((2, 3), return_indices=True),
    lambda lib: lib.nn.Upsample(scale_factor=2),
    lambda lib: lib.nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    lambda lib: lib.nn.Upsample(scale_factor=(2, 3)),
    lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=2),
    lambda lib: lib.nn.UpsamplingBilinear2d(size=4),
    lambda lib: lib.nn.Dropout1d(0.2),
    lambda lib: lib.nn.Dropout2d(),
    lambda lib: lib.nn.Dropout3d(0.1, inplace=True),
    lambda lib: lib.nn.Sequential(lib.nn.MaxPool2d(2), lib.nn.AvgPool2d(2, padding=1), lib.nn.Dropout2d(0.3)),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_reprs_and_attributes_match(make):
    ours, theirs = make(am), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    for name in (
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "ceil_mode",
        "return_indices",
        "count_include_pad",
        "divisor_override",
        "output_size",
        "size",
        "scale_factor",
        "mode",
        "align_corners",
        "p",
        "inplace",
    ):
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name


@pytest.mark.parametrize("shape", [(4, 6, 3, 3), (4, 6, 5), (6, 5)])
def test_channel_dropout_shapes_and_scales_match(shape):
    x = np.ones(shape)
    name = "dropout2d" if len(shape) == 4 else "dropout1d"
    ours, theirs = (
        getattr(F, name)(am.tensor(x), 0.25).numpy(),
        getattr(TF, name)(torch.tensor(x), 0.25).numpy(),
    )
    for out in (ours, theirs):
        flat = out.reshape(shape[: len(shape) - 1 if len(shape) == 2 else 2] + (-1,))
        assert set(np.unique(flat)) <= {0.0, 1 / 0.75}
        assert (flat.min(-1) == flat.max(-1)).all()  # whole channels
