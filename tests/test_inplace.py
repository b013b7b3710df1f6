"""In-place methods: what they may change, and backward refusing arrays changed after saving."""

import numpy as np
import pytest

import autograd_mini as am


@pytest.mark.parametrize(
    "method, args, expected",
    [
        ("add_", (1.0,), [2.0, 3.0]),
        ("sub_", (1.0,), [0.0, 1.0]),
        ("mul_", (3.0,), [3.0, 6.0]),
        ("div_", (2.0,), [0.5, 1.0]),
        ("clamp_", (None, 1.5), [1.0, 1.5]),
        ("fill_", (7.0,), [7.0, 7.0]),
        ("zero_", (), [0.0, 0.0]),
        ("copy_", (np.array([5.0, 6.0]),), [5.0, 6.0]),
    ],
)
def test_each_method_changes_the_tensor_and_bumps_its_version(method, args, expected):
    t = am.tensor([1.0, 2.0])
    assert getattr(t, method)(*args) is t
    np.testing.assert_array_equal(t._array, expected)
    assert t._version == 1


def test_add_takes_alpha_and_tensors():
    t = am.tensor([1.0, 2.0])
    t.add_(am.tensor([1.0, 1.0]), alpha=2)
    np.testing.assert_array_equal(t._array, [3.0, 4.0])


def test_changing_a_leaf_that_requires_grad_needs_no_grad():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w.mul_(2)
    with am.no_grad():
        w.mul_(2)
    np.testing.assert_array_equal(w._array, [2.0, 4.0])


def test_changing_a_tensor_in_the_graph_is_refused():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    with pytest.raises(RuntimeError, match="made by MulBackward.*out-of-place"):
        h.zero_()


def test_backward_refuses_an_array_changed_after_it_was_saved():
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    with am.no_grad():
        w.add_(1)
    expected = r"saved value 0 of MulBackward \(shape \(3,\), float32\).*in-place"
    with pytest.raises(RuntimeError, match=expected):
        loss.backward()


def test_a_change_through_a_detached_view_is_caught_too():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.detach().mul_(3)  # shares w's array
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_changes_before_the_graph_is_made_are_fine():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    with am.no_grad():
        w.mul_(2)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad._array, [4.0, 8.0])


def test_optimizer_steps_do_not_trip_the_check_in_a_normal_loop():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = am.optim.SGD([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    np.testing.assert_allclose(w._array, np.array([1.0, 2.0]) * 0.8**3, rtol=1e-6)
    assert w._version == 3


def test_an_optimizer_step_between_forward_and_backward_is_caught():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    opt = am.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_read_only_array_is_a_clear_error():
    array = np.ones(2)
    array.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        am.from_numpy(array).mul_(2)
