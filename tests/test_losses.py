"""Losses: each against its formula written in NumPy, for every reduction; gradients (first and
second order) against finite differences; stability at extreme logits; every bad input named."""

import warnings

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.nn as nn
import autograd_mini.nn.functional as F
from autograd_mini.testing import gradcheck, gradgradcheck

REDUCTIONS = ["mean", "sum", "none"]
shapes = npst.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](loss)


def log_sigmoid(x):
    return -np.logaddexp(0, -x)


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# (function, its NumPy formula per element, the input's values, the target's values)
ELEMENTWISE = [
    (F.mse_loss, lambda x, y: (x - y) ** 2, (-3, 3), (-3, 3)),
    (
        F.binary_cross_entropy,
        lambda x, y: -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log(1 - x), -100)),
        (0.02, 0.98),
        (0, 1),
    ),
    (
        F.binary_cross_entropy_with_logits,
        lambda x, y: -(y * log_sigmoid(x) + (1 - y) * log_sigmoid(-x)),
        (-6, 6),
        (0, 1),
    ),
]


def pair(shape, input_range, target_range):
    """A strategy for (input, target) float64 arrays of one shape."""
    arrays = (npst.arrays(np.float64, shape, elements=st.floats(*b)) for b in (input_range, target_range))
    return st.tuples(*arrays)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("fn", "formula", "input_range", "target_range"), ELEMENTWISE)
@given(data=st.data())
def test_elementwise_losses_match_numpy_and_finite_differences(
    fn, formula, input_range, target_range, reduction, data
):
    x, y = data.draw(shapes.flatmap(lambda shape: pair(shape, input_range, target_range)))
    input, target = am.tensor(x, requires_grad=True), am.tensor(y, requires_grad=True)
    loss = fn(input, target, reduction=reduction)
    np.testing.assert_allclose(loss._array, reduce(formula(x, y), reduction), rtol=1e-10, atol=1e-12)
    assert loss.grad_fn.parents == [input, target]  # one fused node, straight to the leaves
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), [input, target])
    assert gradgradcheck(lambda a, b: fn(a, b, reduction=reduction), [input, target])


@st.composite
def classification(draw):
    """Logits (N, C), (N, C, d) or (C,), and integer targets of the matching shape."""
    n, c, d = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    logits_shape, axis = draw(st.sampled_from([((n, c), 1), ((n, c, d), 1), ((c,), 0)]))
    logits = draw(npst.arrays(np.float64, logits_shape, elements=st.floats(-5, 5)))
    target_shape = logits_shape[:axis] + logits_shape[axis + 1 :]
    target = draw(npst.arrays(np.int64, target_shape, elements=st.integers(0, c - 1)))
    return logits, target, axis


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(case=classification())
def test_cross_entropy_matches_numpy_and_finite_differences(reduction, case):
    x, y, axis = case
    picked = np.take_along_axis(log_softmax(x, axis), np.expand_dims(y, axis), axis).squeeze(axis)
    logits = am.tensor(x, requires_grad=True)
    loss = F.cross_entropy(logits, am.tensor(y), reduction=reduction)
    np.testing.assert_allclose(loss._array, reduce(-picked, reduction), rtol=1e-10, atol=1e-12)
    assert loss.grad_fn.parents[0] is logits
    assert gradcheck(lambda t: F.cross_entropy(t, y, reduction=reduction), [logits])
    assert gradgradcheck(lambda t: F.cross_entropy(t, y, reduction=reduction), [logits])


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    logits = am.tensor(x, requires_grad=True)
    F.cross_entropy(logits, np.array([2, 0])).backward()
    one_hot = np.array([[0, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(logits.grad._array, (np.exp(log_softmax(x, 1)) - one_hot) / 2)


# ---- stability --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huge_logits_give_finite_losses_and_gradients_without_warnings(dtype, reduction):
    logits = am.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = F.cross_entropy(logits, np.array([1, 2]), reduction=reduction)
        ce.sum().backward()
        ce_grad, logits.grad = logits.grad, None
        bce = F.binary_cross_entropy_with_logits(logits, np.ones((2, 3), dtype=dtype), reduction=reduction)
        bce.sum().backward()
    for loss, grad in ((ce, ce_grad), (bce, logits.grad)):
        assert np.isfinite(loss._array).all() and np.isfinite(grad._array).all()
        assert loss.dtype == dtype
    # The wrong class by 2e4 costs 2e4; the right one with a clear margin costs nothing.
    per_sample = F.cross_entropy(logits, np.array([1, 1]), reduction="none")
    np.testing.assert_allclose(per_sample._array, [2e4, np.log(2)])
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(logits, np.ones((2, 3), dtype=dtype), reduction="none")._array,
        [[0, 1e4, np.log(2)], [1e4, 0, 0]],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_clamps_each_log_at_minus_100(dtype):
    x = am.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    y = am.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    loss = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_array_equal(loss._array, [100, 100, 0, 0])
    loss.sum().backward()
    # PyTorch's input gradient (x - y) / max(x(1 - x), 1e-12): finite at the ends.
    np.testing.assert_allclose(x.grad._array, [-1e12, 1e12, 0, 0], rtol=1e-6)
    np.testing.assert_array_equal(y.grad._array, [100, -100, 100, -100])


# ---- modules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("module", "fn", "target"),
    [
        (nn.MSELoss, F.mse_loss, np.full((4, 3), 0.25)),
        (nn.BCELoss, F.binary_cross_entropy, np.full((4, 3), 0.25)),
        (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, np.full((4, 3), 0.25)),
        (nn.CrossEntropyLoss, F.cross_entropy, np.array([0, 2, 1, 2])),
    ],
)
def test_loss_modules_are_their_functions(module, fn, target, reduction):
    input = am.tensor(np.random.default_rng(0).uniform(0.1, 0.9, (4, 3)))
    np.testing.assert_array_equal(
        module(reduction=reduction)(input, target)._array, fn(input, target, reduction=reduction)._array
    )


# ---- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_elementwise_losses_refuse_to_broadcast(fn):
    prediction = am.full((4, 1), 0.5)
    with pytest.raises(ValueError, match=r"input has shape \(4, 1\) but target has shape \(4,\)"):
        fn(prediction, am.ones(4))
    with pytest.raises(ValueError, match=r"target has shape \(\)"):
        fn(prediction, 1.0)


@pytest.mark.parametrize(
    "fn", [F.mse_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.cross_entropy]
)
def test_an_unknown_reduction_lists_the_valid_ones(fn):
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none', got 'avg'"):
        fn(am.full((2, 2), 0.5), np.zeros((2, 2), dtype=np.int64), reduction="avg")


@pytest.mark.parametrize("module", [nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss])
def test_loss_modules_check_the_reduction_when_made(module):
    with pytest.raises(ValueError, match=f"{module.__name__}: reduction must be one of"):
        module(reduction="elementwise_mean")


@pytest.mark.parametrize("bad", [-0.5, 1.5])
def test_binary_cross_entropy_needs_probabilities(bad):
    with pytest.raises(ValueError, match=f"values run from {min(bad, 0.5)} to {max(bad, 0.5)}.*with_logits"):
        F.binary_cross_entropy(am.tensor([0.5, bad]), am.ones(2))


def test_cross_entropy_needs_integer_class_indices():
    with pytest.raises(RuntimeError, match=r"class indices as int64 \(or uint8\), but its dtype is float32"):
        F.cross_entropy(am.zeros(3, 4), am.tensor([0.0, 1.0, 2.0]))


@pytest.mark.parametrize(
    ("logits", "target", "error", "words"),
    [
        ((3, 4), (3, 1), RuntimeError, r"input of shape \(3, 4\) \(4 classes on dim 1\) needs a target of "
         r"shape \(3,\), but target has shape \(3, 1\)"),
        ((3, 4), (4,), ValueError, r"needs a target of shape \(3,\), but target has shape \(4,\)"),
        ((3, 4, 5), (3, 4), RuntimeError, r"needs a target of shape \(3, 5\)"),
        ((4,), (2,), RuntimeError, r"\(4 classes on dim 0\) needs a target of shape \(\)"),
    ],
)
def test_cross_entropy_names_a_wrong_target_shape(logits, target, error, words):
    # A ValueError where the batch sizes differ, else a RuntimeError, as PyTorch raises.
    with pytest.raises(error, match=words):
        F.cross_entropy(am.zeros(*logits), np.zeros(target, dtype=np.int64))


@pytest.mark.parametrize(("target", "bad"), [([0, 4, 1], r"\[4\]"), ([-1, 2, 7], r"\[-1, 7\]")])
def test_cross_entropy_names_class_indices_out_of_range(target, bad):
    with pytest.raises(IndexError, match=bad + r" outside \[0, 3\] for 4 classes"):
        F.cross_entropy(am.zeros(3, 4), am.tensor(target))


def test_cross_entropy_needs_logits_with_a_class_dim():
    with pytest.raises(ValueError, match="a 0-d tensor has no class dim"):
        F.cross_entropy(am.tensor(1.0), np.array(0))
