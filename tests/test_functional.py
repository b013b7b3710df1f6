"""nn.functional's activations, linear and dropout: values against NumPy formulas, gradients
against finite differences, over generated shapes."""

import math

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini.testing import gradcheck, gradgradcheck

shapes = npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
values = st.floats(-5, 5, allow_nan=False, width=64)


def arrays(shape=shapes):
    return npst.arrays(np.float64, shape, elements=values)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ELEMENTWISE = [
    (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    (F.tanh, np.tanh),
    (F.relu, lambda x: np.maximum(x, 0)),
    (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    (lambda x: F.leaky_relu(x, 0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
]


@pytest.mark.parametrize(("fn", "reference"), ELEMENTWISE)
@given(x=arrays())
def test_elementwise_activations_match_numpy_and_finite_differences(fn, reference, x):
    t = am.tensor(x, requires_grad=True)
    np.testing.assert_allclose(fn(t)._array, reference(x), rtol=1e-12, atol=1e-15)
    x = np.where(np.abs(x) < 1e-3, 0.5, x)  # away from the kinks of relu and leaky_relu
    assert gradcheck(fn, [am.tensor(x, requires_grad=True)])


@given(x=arrays(npst.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)), data=st.data())
def test_softmax_and_log_softmax_along_any_dim(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = am.tensor(x, requires_grad=True)
    np.testing.assert_allclose(F.softmax(t, dim)._array, softmax(x, dim), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(t, dim)._array, np.log(softmax(x, dim)), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: F.softmax(t, dim), [t])
    assert gradgradcheck(lambda t: F.log_softmax(t, dim), [t])


def test_log_softmax_stays_finite_for_huge_logits():
    out = F.log_softmax(am.tensor([[1e4, 0.0, -1e4]]), dim=1)
    np.testing.assert_allclose(out._array, [[0.0, -1e4, -2e4]])


def test_softmax_needs_a_dim():
    with pytest.raises(TypeError):
        F.softmax(am.ones(3))


@given(
    batch=npst.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3),
    n_in=st.integers(1, 3),
    n_out=st.integers(1, 3),
    bias=st.booleans(),
)
def test_linear_is_input_times_weight_transposed_plus_bias(batch, n_in, n_out, bias):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(shape) for shape in (batch + (n_in,), (n_out, n_in), (n_out,)))
    inputs = [am.tensor(a, requires_grad=True) for a in (x, w, b)]
    if not bias:
        inputs[2], b = None, 0
    np.testing.assert_allclose(F.linear(*inputs)._array, x @ w.T + b, rtol=1e-12)
    assert gradcheck(F.linear, inputs)
    assert gradgradcheck(F.linear, inputs)


def test_linear_names_misaligned_shapes():
    with pytest.raises(ValueError, match="linear"):
        F.linear(am.ones(2, 3), am.ones(4, 2))


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = am.randn(3, 3)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


@given(p=st.floats(0.05, 0.95), shape=npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
def test_dropout_keeps_each_element_scaled_or_zeroes_it(p, shape):
    am.manual_seed(1)
    x = am.tensor(np.random.default_rng(1).uniform(1, 2, shape), requires_grad=True)
    y = F.dropout(x, p)
    kept = y._array != 0
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_allclose(y._array[kept], x._array[kept] / (1 - p), rtol=1e-12)

    def same_mask_each_call(t):
        am.manual_seed(0)
        return F.dropout(t, p)

    assert gradcheck(same_mask_each_call, [x])


def test_dropout_of_float32_stays_float32():
    assert F.dropout(am.ones(4), 0.5).dtype == np.float32


@pytest.mark.parametrize("p", [-1e-9, 1.01, 2])
def test_dropout_probability_is_checked(p):
    with pytest.raises(ValueError, match="p, the probability of zeroing an element"):
        F.dropout(am.ones(2), p)


def test_the_normal_cdf_of_single_precision_is_good_to_its_precision_in_both_tails():
    """Φ for float32 and float16 uses a fit of erfc (float64 is exact, through math.erfc): within
    float32's precision of the exact value, tails included, down to the smallest normal float."""
    from autograd_mini.ops.activation import normal_cdf  # noqa: PLC0415 (the op's helper itself)

    x = np.linspace(-13, 8, 20001)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float32).tolist()])
    got = normal_cdf(x.astype(np.float32))
    assert got.dtype == np.float32
    normal = exact > np.finfo(np.float32).tiny
    np.testing.assert_allclose(got[normal], exact[normal], rtol=3e-7)
    assert normal_cdf(x.astype(np.float16)).dtype == np.float16
    exact_float64 = [0.5, 0.5 * math.erfc(1.5 / math.sqrt(2))]
    np.testing.assert_array_equal(normal_cdf(np.array([0.0, -1.5])), exact_float64)
