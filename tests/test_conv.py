"""Convolutions, padding and im2col: gradients by finite differences in float64 for every op and
option, second derivatives of conv1d, conv2d and conv_transpose2d, and the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import nn
from autograd_mini.nn import functional as F
from autograd_mini.testing import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def leaf(*shape: int) -> am.Tensor:
    return am.tensor(rng.standard_normal(shape), requires_grad=True)


# ---- gradients -----------------------------------------------------------------------------------

CONV2D_OPTIONS = [
    {},
    {"stride": 2},
    {"stride": (2, 1), "padding": (1, 2)},
    {"padding": "same", "dilation": 2},
    {"padding": "valid", "dilation": (1, 2)},
    {"groups": 2, "padding": 1},
    {"stride": 2, "dilation": 2, "groups": 2, "padding": 2},
]


@pytest.mark.parametrize("options", CONV2D_OPTIONS)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_gradients(options, with_bias):
    x, w = leaf(2, 4, 6, 5), leaf(4, 4 // options.get("groups", 1), 3, 2)
    inputs = (x, w, leaf(4)) if with_bias else (x, w)
    assert gradcheck(lambda *a: F.conv2d(*a, **options), inputs)


@pytest.mark.parametrize(
    "options", [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}, {"groups": 2}]
)
def test_conv1d_gradients(options):
    inputs = (leaf(2, 4, 7), leaf(2, 4 // options.get("groups", 1), 3), leaf(2))
    assert gradcheck(lambda *a: F.conv1d(*a, **options), inputs)


TRANSPOSED_OPTIONS = [
    {},
    {"stride": 2, "output_padding": 1},
    {"stride": (2, 3), "padding": (1, 0), "output_padding": (0, 2)},
    {"dilation": 2, "padding": 1, "groups": 2},
]


@pytest.mark.parametrize("options", TRANSPOSED_OPTIONS)
def test_conv_transpose2d_gradients(options):
    inputs = (leaf(2, 4, 4, 3), leaf(4, 3, 3, 2), leaf(3 * options.get("groups", 1)))
    assert gradcheck(lambda *a: F.conv_transpose2d(*a, **options), inputs)


def test_conv_transpose1d_gradients():
    inputs = (leaf(2, 2, 4), leaf(2, 3, 3), leaf(3))
    assert gradcheck(lambda *a: F.conv_transpose1d(*a, stride=2, padding=1, output_padding=1), inputs)


def test_unbatched_input_gradients():
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding=1), (leaf(2, 4, 4), leaf(3, 2, 3, 3)))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradients(mode):
    assert gradcheck(lambda x: F.pad(x, (1, 2, 2, 0), mode=mode), (leaf(2, 3, 4, 4),))
    assert gradcheck(lambda x: F.pad(x, (2, 1), mode=mode), (leaf(2, 3, 4),))


def test_constant_pad_value_crop_and_second_derivative():
    x = leaf(2, 3, 4)
    out = F.pad(x, (-1, 2, 1, 0), value=2.5)
    assert out.shape == (2, 4, 5)
    assert np.all(out.detach().numpy()[:, 0] == 2.5)
    assert gradcheck(lambda x: F.pad(x, (-1, 2, 1, 0), value=2.5), (x,))
    assert gradgradcheck(lambda x: F.pad(x, (1, 1), mode="reflect") ** 2, (x,))


@pytest.mark.parametrize(
    "options", [{}, {"dilation": 2, "padding": 1}, {"stride": 2}, {"stride": (1, 2), "padding": (0, 1)}]
)
def test_unfold_and_fold_gradients(options):
    x = leaf(2, 2, 5, 6)
    assert gradcheck(lambda x: F.unfold(x, (2, 3), **options), (x,))
    cols = F.unfold(x, (2, 3), **options).detach().requires_grad_()
    assert gradcheck(lambda c: F.fold(c, (5, 6), (2, 3), **options), (cols,))
    assert gradgradcheck(lambda x: F.unfold(x, (2, 3), **options) ** 2, (x,))


def test_fold_is_the_adjoint_of_unfold():
    x, cols = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((2, 12, 9))
    unfolded = F.unfold(am.tensor(x), 2, stride=2, padding=1).numpy()
    folded = F.fold(am.tensor(cols), 5, 2, stride=2, padding=1).numpy()
    assert np.isclose((unfolded * cols).sum(), (x * folded).sum())


# ---- second derivatives ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{"padding": 1}, {"stride": 2, "groups": 2, "dilation": (1, 2)}])
def test_conv2d_second_derivatives(options):
    inputs = (leaf(2, 2, 5, 5), leaf(2, 2 // options.get("groups", 1), 3, 3), leaf(2))
    assert gradgradcheck(lambda *a: F.conv2d(*a, **options), inputs)


def test_conv1d_second_derivatives():
    assert gradgradcheck(
        lambda *a: F.conv1d(*a, stride=2, padding=1), (leaf(2, 2, 6), leaf(3, 2, 3), leaf(3))
    )


@pytest.mark.parametrize("options", [{"stride": 2, "output_padding": 1}, {"padding": 1, "groups": 2}])
def test_conv_transpose2d_second_derivatives(options):
    inputs = (leaf(1, 2, 3, 3), leaf(2, 2, 2, 3), leaf(2 * options.get("groups", 1)))
    assert gradgradcheck(lambda *a: F.conv_transpose2d(*a, **options), inputs)


def test_a_module_with_reflect_padding_passes_gradcheck():
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", dtype=am.float64)
    assert gradcheck(
        lambda x, w: F.conv2d(F.pad(x, (1, 1, 1, 1), "reflect"), w, conv.bias),
        (leaf(1, 2, 4, 4), conv.weight),
    )
    assert conv(leaf(1, 2, 4, 4)).shape == (1, 3, 4, 4)


def test_the_input_gradient_is_skipped_when_the_input_needs_none():
    x = am.tensor(rng.standard_normal((2, 1, 6, 6)))
    conv = nn.Conv2d(1, 2, 3, dtype=am.float64)
    conv(x).sum().backward()
    assert x.grad is None and conv.weight.grad.shape == (2, 1, 3, 3)


# ---- modules ---------------------------------------------------------------------------------------


def test_parameters_shapes_and_initialisation():
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv.weight.shape == (6, 2, 3, 2) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(2 * 3 * 2)  # kaiming_uniform_ with a=sqrt(5) gives U(±1/sqrt(fan_in)) too
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    transposed = nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
    assert transposed.weight.shape == (4, 3, 3, 3) and transposed.bias is None
    assert nn.Conv1d(3, 5, 4).weight.shape == (5, 3, 4)


def test_reprs():
    assert repr(nn.Conv2d(1, 6, 5)) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert repr(nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1, bias=False)) == (
        "ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), bias=False)"
    )
    assert repr(nn.Conv1d(2, 2, 3, padding="same", padding_mode="circular")) == (
        "Conv1d(2, 2, kernel_size=(3,), stride=(1,), padding=same, padding_mode=circular)"
    )


def test_conv_transpose_output_size_picks_output_padding():
    up = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)
    x = am.randn(1, 2, 4, 4)
    assert up(x).shape == (1, 2, 7, 7)
    assert up(x, output_size=(8, 8)).shape == (1, 2, 8, 8)
    with pytest.raises(ValueError, match=r"requested an output size of \[9, 9\].*7 to 8"):
        up(x, output_size=(9, 9))


def test_unfold_and_fold_modules():
    x = am.randn(1, 2, 4, 4)
    cols = nn.Unfold(2, stride=2)(x)
    assert cols.shape == (1, 8, 4)
    assert np.allclose(nn.Fold((4, 4), 2, stride=2)(cols).numpy(), x.numpy())


# ---- errors ----------------------------------------------------------------------------------------


def test_conv_errors_name_the_op_and_the_shapes():
    x, w = am.randn(2, 3, 8, 8), am.randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"conv2d: expected 3D \(unbatched\) or 4D \(batched\).*\[2, 3\]"):
        F.conv2d(x[:, :, 0, 0], w)
    with pytest.raises(
        RuntimeError,
        match=r"conv2d: given groups=1, weight of size \[4, 3, 3, 3\], expected "
        r"input\[2, 2, 8, 8\] to have 3 channels, but got 2",
    ):
        F.conv2d(am.randn(2, 2, 8, 8), w)
    with pytest.raises(
        RuntimeError, match=r"padded input size per channel: \(4 x 4\). Kernel size: \(5 x 5\)"
    ):
        F.conv2d(am.randn(1, 3, 2, 2), am.randn(4, 3, 5, 5), padding=1)
    with pytest.raises(RuntimeError, match=r"conv2d: given groups=3, expected weight to be divisible by 3"):
        F.conv2d(x, w, groups=3)
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 4 elements.*\[3\]"):
        F.conv2d(x, w, am.randn(3))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        F.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(RuntimeError, match="non-positive stride"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(RuntimeError, match="input type \\(float32\\) and weight type \\(float64\\)"):
        F.conv2d(x, w.double())
    with pytest.raises(RuntimeError, match=r"conv1d: expected 2D \(unbatched\) or 3D"):
        F.conv1d(x, w)


def test_transposed_conv_errors():
    x, w = am.randn(1, 4, 5, 5), am.randn(4, 2, 3, 3)
    with pytest.raises(
        RuntimeError,
        match=r"conv_transpose2d: given transposed=1, weight of size \[4, 2, 3, 3\], "
        r"expected input\[1, 3, 5, 5\] to have 4 channels",
    ):
        F.conv_transpose2d(am.randn(1, 3, 5, 5), w)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(x, w, output_padding=1)


def test_module_errors_name_the_layer():
    conv = nn.Conv2d(3, 6, 5)
    with pytest.raises(
        RuntimeError,
        match=r"Conv2d\(3, 6, kernel_size=\(5, 5\).*expected input\[1, 1, 9, 9\] to "
        r"have 3 channels",
    ):
        conv(am.randn(1, 1, 9, 9))
    with pytest.raises(
        RuntimeError, match=r"Conv2d\(3, 6.*Kernel size can't be greater than actual input size"
    ):
        conv(am.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match="in_channels \\(3\\) must be divisible by groups \\(2\\)"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 6, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match='ConvTranspose2d: only "zeros" padding mode'):
        nn.ConvTranspose2d(3, 6, 3, padding_mode="reflect")


def test_pad_fold_and_unfold_errors():
    x = am.randn(2, 3, 4, 4)
    with pytest.raises(RuntimeError, match="pad: the padding must have an even length"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match=r"pad: reflect padding \(4, 4\) must lie in \[0, 3\]"):
        F.pad(x[0], (4, 4), mode="reflect")
    with pytest.raises(NotImplementedError, match="pad: reflect padding of 1 dims takes a 2D or 3D input"):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="unfold: only 3D or 4D input"):
        F.unfold(x[0, 0], 2)
    with pytest.raises(RuntimeError, match="fold: expected size of input's dimension 1 to be divisible"):
        F.fold(am.randn(1, 5, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match="sliding blocks 3 \\* 3 = 9, but got input.size\\(2\\)=8"):
        F.fold(am.randn(1, 4, 8), (4, 4), 2)
