"""Properties every gradient must have, whatever the op: linearity, accumulation, depth, stability."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.testing import strategies as ams

FLOAT64 = ams.tensors(dtype=np.float64, requires_grad=True)


def curvy(x: am.Tensor) -> am.Tensor:
    """A function of x of the same shape that mixes several ops, broadcasting and a reduction."""
    return (x.sin() * x.exp() + x.tanh()) * x.sum(keepdim=True) if x.ndim else x.sin() * x.exp()


@given(FLOAT64)
def test_gradient_of_sum_is_ones(x):
    x.sum().backward()
    np.testing.assert_array_equal(x.grad._array, np.ones(x.shape))


@given(x=FLOAT64, data=st.data())
def test_backward_is_linear_in_the_upstream_gradient(x, data):
    y = curvy(x)
    g1, g2 = (data.draw(ams.tensors(y.shape))._array for _ in range(2))
    a, b = 2.5, -0.75
    (combined,) = am.grad(y, x, a * g1 + b * g2, retain_graph=True)
    (d1,) = am.grad(y, x, g1, retain_graph=True)
    (d2,) = am.grad(y, x, g2)
    np.testing.assert_allclose(combined._array, a * d1._array + b * d2._array, rtol=1e-10, atol=1e-12)


@given(FLOAT64)
def test_two_backward_calls_accumulate_twice_the_gradient(x):
    loss = curvy(x).sum()
    loss.backward(retain_graph=True)
    once = x.grad._array.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad._array, 2 * once, rtol=1e-12)


def test_a_chain_of_100_000_ops_backpropagates_without_recursion():
    """The walk over the graph is iterative: depth costs time (linear in it), never the stack."""
    x = am.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(50_000):  # two ops a step
        y = y * 1.00002 + 0.5
    y.backward()
    # Only the scalings change the slope: dy/dx is their product.
    np.testing.assert_allclose(x.grad.item(), 1.00002**50_000, rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn",
    [am.sigmoid, am.tanh, lambda t: t.softmax(-1), lambda t: t.log_softmax(-1), lambda t: t.logsumexp(-1)],
    ids=["sigmoid", "tanh", "softmax", "log_softmax", "logsumexp"],
)
def test_large_inputs_give_finite_values_and_gradients(fn, dtype):
    """Inputs of magnitude 1e4 would overflow a naive exp; the results must stay finite, quietly."""
    x = am.tensor(np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -3.0]], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow or invalid-value warning fails the test
        y = fn(x)
        y.backward(np.ones(y.shape, dtype=dtype))
    assert np.isfinite(y._array).all()
    assert np.isfinite(x.grad._array).all()


def test_large_input_values_are_right():
    x = am.tensor([-1e4, 0.0, 1e4], dtype=np.float64)
    # sigmoid(-1e4) is 0 up to the smallest normal float: the input is floored where e^-x overflows
    np.testing.assert_allclose(x.sigmoid()._array, [0.0, 0.5, 1.0], rtol=0, atol=np.finfo(np.float64).tiny)
    np.testing.assert_array_equal(x.softmax()._array, [0.0, 0.0, 1.0])
    np.testing.assert_allclose(x.log_softmax()._array, [-2e4, -1e4, 0.0])
    np.testing.assert_allclose(x.logsumexp().item(), 1e4)


def mlp_loss(params: list[am.Tensor], x: np.ndarray, target: np.ndarray) -> am.Tensor:
    """Mean squared error of a 3-4-1 tanh network, written with raw Tensor ops."""
    w1, b1, w2, b2 = params
    hidden = (x @ w1 + b1).tanh()
    return ((hidden @ w2 + b2 - target) ** 2).mean()


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    shapes = [(3, 4), (4,), (4, 1), (1,)]
    params = [am.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    v = [rng.standard_normal(s) for s in shapes]

    grads = am.grad(mlp_loss(params, x, target), params, create_graph=True)
    hvp = am.grad(sum((g * vi).sum() for g, vi in zip(grads, v)), params)

    def gradient_at(step: float) -> list[np.ndarray]:
        moved = [am.tensor(p._array + step * vi, requires_grad=True) for p, vi in zip(params, v)]
        return [g._array for g in am.grad(mlp_loss(moved, x, target), moved)]

    eps = 1e-6
    for h, plus, minus in zip(hvp, gradient_at(eps), gradient_at(-eps)):
        np.testing.assert_allclose(h._array, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-8)


@given(ams.tensors(dtype=np.float64, requires_grad=True))
def test_second_derivative_of_cube_is_six_x(x):
    (first,) = am.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(first._array, 3 * x._array**2, rtol=1e-12)
    (second,) = am.grad(first.sum(), x)
    np.testing.assert_allclose(second._array, 6 * x._array, rtol=1e-12, atol=1e-15)
