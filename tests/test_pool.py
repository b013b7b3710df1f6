"""Pooling, interpolation and channel dropout: gradients against finite differences (first and,
for max_pool2d and avg_pool2d, second order), ties, and the errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.testing import gradcheck, gradgradcheck


def distinct(*shape: int, seed: int = 0) -> am.Tensor:
    """float64 values at least 0.1 apart, so no finite difference crosses a tie of max pooling."""
    values = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) / 10 - 1
    return am.tensor(values, requires_grad=True)


MAX_POOL_2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True),
]
AVG_POOL_2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 0), divisor_override=5),
    dict(kernel_size=3, stride=2, ceil_mode=True),
]


@pytest.mark.parametrize("options", MAX_POOL_2D)
def test_max_pool2d_gradients(options):
    x = distinct(2, 2, 5, 6)
    assert gradcheck(lambda t: F.max_pool2d(t, **options), [x])


@pytest.mark.parametrize("options", MAX_POOL_2D[:3])
def test_max_pool2d_second_derivatives(options):
    x = distinct(1, 2, 5, 5)
    assert gradgradcheck(lambda t: F.max_pool2d(t, **options), [x])


def test_max_pool2d_third_derivatives():
    x = distinct(1, 2, 5, 5)

    def gradient(t):
        (g,) = am.grad((F.max_pool2d(t, 3, 2, 1) ** 3).sum(), [t], create_graph=True)
        return g

    assert gradgradcheck(gradient, [x])


@pytest.mark.parametrize("options", AVG_POOL_2D)
def test_avg_pool2d_gradients(options):
    x = distinct(2, 2, 5, 6)
    assert gradcheck(lambda t: F.avg_pool2d(t, **options), [x])


@pytest.mark.parametrize("options", AVG_POOL_2D[:4])
def test_avg_pool2d_second_derivatives(options):
    x = distinct(1, 2, 5, 5)
    assert gradgradcheck(lambda t: F.avg_pool2d(t, **options) ** 2, [x])


@pytest.mark.parametrize(
    "op, options",
    [
        (F.max_pool1d, dict(kernel_size=2)),
        (F.max_pool1d, dict(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)),
        (F.max_pool1d, dict(kernel_size=2, dilation=2)),
        (F.avg_pool1d, dict(kernel_size=3, stride=2, padding=1)),
        (F.avg_pool1d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
        (F.adaptive_avg_pool1d, dict(output_size=3)),
        (F.adaptive_max_pool1d, dict(output_size=3)),
        (F.adaptive_avg_pool2d, dict(output_size=(2, 4))),
        (F.adaptive_avg_pool2d, dict(output_size=(None, 4))),
        (F.adaptive_max_pool2d, dict(output_size=(2, 4))),
        (F.adaptive_max_pool2d, dict(output_size=(6, 3))),  # windows of equal size: max pooling's path
    ],
)
def test_pooling_gradients(op, options):
    x = distinct(2, 3, 6) if op.__name__.endswith("1d") else distinct(2, 2, 6, 7)
    assert gradcheck(lambda t: op(t, **options), [x])
    if op is F.adaptive_max_pool2d:
        assert gradgradcheck(lambda t: op(t, **options), [x])


@pytest.mark.parametrize(
    "options",
    [
        dict(scale_factor=2),
        dict(size=(5, 4)),
        dict(scale_factor=1.5, mode="nearest-exact"),
        dict(size=(5, 7), mode="bilinear"),
        dict(size=(2, 7), mode="bilinear", align_corners=True),
        dict(scale_factor=(0.6, 1.7), mode="bilinear"),
        dict(scale_factor=0.5, mode="area"),
    ],
)
def test_interpolate_gradients(options):
    x = distinct(1, 2, 3, 4)
    assert gradcheck(lambda t: F.interpolate(t, **options), [x])
    assert gradgradcheck(lambda t: F.interpolate(t, **options) ** 2, [x])


def test_linear_interpolate_gradients():
    x = distinct(2, 2, 4)
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=2.5, mode="linear", align_corners=True), [x])
    assert gradcheck(lambda t: nn.Upsample(size=7, mode="linear")(t), [x])


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = am.tensor(np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [2.0, 3.0, 1.0]]]]), requires_grad=True)
    values, indices = F.max_pool2d(x, 2, stride=1, return_indices=True)
    values.sum().backward()
    np.testing.assert_array_equal(indices.numpy(), [[[[1, 1], [3, 5]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 2, 0], [1, 0, 1], [0, 0, 0]]]])
    adaptive, where = F.adaptive_max_pool2d(x, 1, return_indices=True)
    assert where.item() == 1


@pytest.mark.parametrize(
    "pool, expected",
    [
        (lambda t: F.max_pool2d(t, (1, 3), stride=1), [0, 2, 1, 0, 0]),  # overlapping along W only
        (lambda t: F.max_pool1d(t[0], 3, stride=1), [0, 2, 1, 0, 0]),
        (lambda t: F.adaptive_max_pool2d(t, (1, 3)), [0, 2, 0, 1, 0]),  # [0, 2), [1, 4), [3, 5)
        (lambda t: F.adaptive_max_pool1d(t[0], 3), [0, 2, 0, 1, 0]),
    ],
)
def test_overlapping_windows_add_their_gradients(pool, expected):
    x = am.tensor(np.array([[[[0.0, 5.0, 1.0, 1.0, 0.0]]]]), requires_grad=True)
    pool(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[expected]]])


def test_max_pool_padding_never_wins():
    x = am.tensor(np.full((1, 1, 3, 3), -np.inf), requires_grad=True)
    values, indices = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), [[[[0, 1], [3, 4]]]])  # the first element inside
    values.sum().backward()
    assert x.grad.numpy().sum() == 4


def test_max_pool_of_integers_keeps_the_dtype():
    x = am.tensor(np.array([[[[-1, -2, 5], [-3, -4, 0]]]]))
    out = F.max_pool2d(x, 2, padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[[[-1, 5], [-3, 0]]]])


def test_1d_indices_and_unbatched_input():
    x = am.tensor(np.array([[0.0, 4.0, 1.0, 3.0, 2.0]]))  # (C, L)
    values, indices = F.max_pool1d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), [[4.0, 3.0]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 3]])
    assert F.max_pool2d(am.zeros(2, 4, 4), 2).shape == (2, 2, 2)


def test_channel_dropout_zeroes_whole_channels():
    am.manual_seed(0)
    x = am.ones(8, 16, 3, 3)
    y = nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).sum() < 8 * 16
    assert (nn.Dropout1d(0.5)(am.ones(16, 5)).numpy().reshape(16, 5).std(axis=1) == 0).all()
    model = nn.Dropout2d(0.5).eval()
    assert model(x) is x


def test_channel_dropout_gradient_is_the_mask():
    am.manual_seed(1)
    x = am.randn(2, 3, 4, requires_grad=True)
    y = F.dropout1d(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (y.detach().numpy() != 0) * 2.0)


@pytest.mark.parametrize(
    "call, kind, words",
    [
        (
            lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), 5),
            RuntimeError,
            r"max_pool2d: input of shape \(1, 1, 4, 4\)",
        ),
        (lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), 3, padding=2), RuntimeError, "at most half"),
        (lambda: F.avg_pool1d(am.zeros(1, 1, 4), 3, padding=2), RuntimeError, "avg_pool1d: padding"),
        (
            lambda: F.max_pool2d(am.zeros(4, 4), 2),
            RuntimeError,
            r"max_pool2d: expected .* got shape \(4, 4\)",
        ),
        (lambda: F.max_pool1d(am.zeros(4), 2), RuntimeError, r"max_pool1d: expected .* shape \(4,\)"),
        (lambda: F.avg_pool2d(am.zeros(1, 1, 1, 4, 4), 2), RuntimeError, "avg_pool2d: expected"),
        (lambda: F.max_pool2d(am.zeros(1, 0, 4, 4), 2), RuntimeError, "empty"),
        (lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), 0), RuntimeError, "kernel_size must be at least 1"),
        (lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), 2, stride=0), RuntimeError, "stride"),
        (
            lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), 2, padding=-1),
            RuntimeError,
            "padding must be at least 0",
        ),
        (lambda: F.max_pool2d(am.zeros(1, 1, 4, 4), (2, 2, 2)), RuntimeError, "tuple of 2 ints"),
        (lambda: F.avg_pool2d(am.zeros(1, 1, 4, 4), 2, divisor_override=0), RuntimeError, "divisor_override"),
        (lambda: F.adaptive_avg_pool2d(am.zeros(1, 1, 4, 4), (1, 2, 3)), RuntimeError, "output_size"),
        (lambda: F.adaptive_max_pool2d(am.zeros(4, 4), 2), RuntimeError, "adaptive_max_pool2d: expected"),
        (lambda: F.interpolate(am.zeros(1, 1, 4, 4)), ValueError, "either size or scale_factor"),
        (lambda: F.interpolate(am.zeros(1, 1, 4), size=2, scale_factor=2), ValueError, "only one of"),
        (lambda: F.interpolate(am.zeros(1, 1, 4), size=2, align_corners=True), ValueError, "align_corners"),
        (lambda: F.interpolate(am.zeros(1, 1, 4), size=2, mode="bilinear"), NotImplementedError, "bilinear"),
        (lambda: F.interpolate(am.zeros(1, 1, 4, 4), size=(2, 3, 4)), ValueError, r"\(2, 3, 4\)"),
        (lambda: F.interpolate(am.zeros(1, 1, 4, 4), scale_factor=0.1), RuntimeError, "greater than 0"),
        (lambda: F.interpolate(am.zeros(1, 1, 4, 4), size=2, mode="bicubic"), NotImplementedError, "bicubic"),
        (lambda: F.dropout1d(am.zeros(1, 2, 3, 4)), RuntimeError, r"dropout1d: .* \(1, 2, 3, 4\)"),
        (lambda: nn.Dropout2d(1.5), ValueError, "dropout"),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, kind, words):
    with pytest.raises(kind, match=words):
        call()


def test_dropout2d_warns_for_3d_input():
    with pytest.warns(UserWarning, match=r"\(N, C, L\)"):
        F.dropout2d(am.ones(2, 3, 4))
