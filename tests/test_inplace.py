"""In-place methods: what they change, how the graph records them, and backward refusing arrays
changed after an op saved them."""

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


def test_changing_a_tensor_in_the_graph_records_the_change():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    array = h._array
    assert h.mul_(w) is h and h._array is array
    assert h.grad_fn.name().startswith("MulBackward")
    h.sum().backward()
    np.testing.assert_array_equal(w.grad._array, [4.0, 8.0])  # d(2 w^2)/dw


def test_a_view_inside_the_graph_cannot_be_changed_in_place():
    h = am.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="view made by ReshapeBackward"):
        h.reshape(2, 1).zero_()


def test_backward_refuses_an_array_changed_after_it_was_saved():
    w = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    with am.no_grad():
        w.add_(1)
    expected = (
        r"modified by an inplace operation: saved value 0 of MulBackward0 \(shape \(3,\), float32\) "
        r"is at version 1; MulBackward0 saved it at version 0"
    )
    with pytest.raises(RuntimeError, match=expected):
        loss.backward()


def test_a_change_through_a_detached_view_is_caught_too():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.detach().mul_(3)  # shares w's array
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
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
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_read_only_array_is_a_clear_error():
    array = np.ones(2)
    array.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        am.from_numpy(array).mul_(2)
