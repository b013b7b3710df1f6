"""Corners where a plain formula gives another answer than PyTorch: tiny and huge values, freed
graphs, degenerate shapes. Each test states PyTorch's answer; the torch-marked ones check it
against PyTorch itself."""

import numpy as np
import pytest

import autograd_mini as am


def leaf(*values: float) -> am.Tensor:
    return am.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ---- division by tiny denominators ------------------------------------------------------------------


def test_division_gradient_survives_denominators_whose_square_underflows():
    a, b = leaf(1e-200), leaf(1e-200)
    (a / b).sum().backward()
    np.testing.assert_allclose(a.grad._array, [1e200], rtol=1e-15)
    np.testing.assert_allclose(b.grad._array, [-1e200], rtol=1e-15)  # -a/b², not -inf


def test_x_over_x_has_zero_gradient_at_tiny_x():
    x = leaf(1e-170)
    (x / x).sum().backward()
    assert x.grad._array.tolist() == [0.0]


# ---- backward through a graph a second time -----------------------------------------------------------


def test_a_second_backward_runs_through_nodes_that_saved_nothing():
    x = leaf(1.0, 2.0)
    y = (x + 1).sum()
    y.backward()
    y.backward()  # Add and Sum kept no arrays: nothing was freed
    assert x.grad._array.tolist() == [2.0, 2.0]


def test_a_second_backward_through_a_node_that_freed_its_arrays_is_refused():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time: MulBackward0"):
        y.backward()


@pytest.mark.parametrize("allow_unused", [False, True])
def test_grad_through_a_freed_graph_says_it_was_freed_not_unused(allow_unused):
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        am.grad(y, [x], allow_unused=allow_unused)


# ---- the same, against PyTorch ----------------------------------------------------------------------


@pytest.mark.torch
def test_tiny_division_gradients_equal_pytorchs():
    torch = pytest.importorskip("torch")
    for a_value, b_value in [(1e-200, 1e-200), (1e-170, 3e-160), (2.0, 1e-150)]:
        ours = leaf(a_value), leaf(b_value)
        theirs = [torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in (a_value, b_value)]
        (ours[0] / ours[1]).sum().backward()
        (theirs[0] / theirs[1]).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad._array, t.grad.numpy(), rtol=1e-15)


@pytest.mark.torch
def test_second_backward_matches_pytorch():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (t + 1).sum()
    y.backward()
    y.backward()
    x = leaf(1.0, 2.0)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad._array, t.grad.numpy())
    y = (t * t).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
