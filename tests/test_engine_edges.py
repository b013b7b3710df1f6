"""Engine corners: aliasing of gradients, hooks, bad backward shapes, gradients of seeds."""

import numpy as np
import pytest

import autograd_mini as am


def leaf(*values):
    return am.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_a_detached_operand_is_a_constant_in_second_derivatives():
    x = leaf(1.5, 2.0)
    y = x.exp()
    (g,) = am.grad((y * y.detach()).sum(), x, create_graph=True)
    (second,) = am.grad(g.sum(), x)
    np.testing.assert_allclose(second._array, np.exp(2 * x._array))  # d/dx of e^x · e^x(const)
    (g,) = am.grad((x * x.detach()).sum(), x, create_graph=True)
    assert not g.requires_grad  # the gradient is the constant x.detach()


def test_a_gradient_that_requires_grad_stays_in_the_graph():
    # Jacobian-vector product by double backward: d/dv of (vᵀJ) u = J u
    x, v = leaf(1.0, 2.0), leaf(1.0, 1.0)
    (g,) = am.grad(x * x * x, x, grad_outputs=v, create_graph=True)
    (jvp,) = am.grad(g, v, grad_outputs=am.tensor(np.array([1.0, 0.0])))
    np.testing.assert_allclose(jvp._array, [3.0, 0.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_gradients_are_never_shared_between_tensors_or_with_the_caller(create_graph):
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    seed = am.tensor(np.array([1.0, 1.0]))
    (a + b).backward(seed, create_graph=create_graph)
    assert not np.shares_memory(a.grad._array, b.grad._array)
    assert not np.shares_memory(a.grad._array, seed._array)
    with am.no_grad():
        a.grad.zero_()
    np.testing.assert_array_equal(b.grad._array, [1.0, 1.0])
    np.testing.assert_array_equal(seed._array, [1.0, 1.0])


def test_gradient_of_a_sum_is_writable_under_create_graph():
    x = leaf(1.0, 2.0)
    x.sum().backward(create_graph=True)
    with am.no_grad():
        x.grad.zero_()  # not a read-only broadcast view
    np.testing.assert_array_equal(x.grad._array, [0.0, 0.0])


def test_arrays_a_hook_keeps_or_returns_are_not_the_grad():
    x = leaf(1.0, 2.0)
    kept = []
    x.register_hook(kept.append)
    (x * 3).sum().backward()
    x.grad._array[:] = 0
    np.testing.assert_array_equal(kept[0]._array, [3.0, 3.0])

    replacement = am.tensor(np.array([5.0, 5.0]))
    y = leaf(1.0, 2.0)
    y.register_hook(lambda g: replacement)
    (y * 3).sum().backward()
    y.grad._array[:] = 0
    np.testing.assert_array_equal(replacement._array, [5.0, 5.0])


def test_a_hook_must_keep_shape_and_dtype():
    x = leaf(1.0, 2.0, 3.0)
    x.register_hook(lambda g: am.tensor(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(2, 3\).*\(3,\)"):
        (x * 2).sum().backward()
    y = leaf(1.0, 2.0)
    y.register_hook(lambda g: g.float())
    with pytest.raises(RuntimeError, match="float32.*float64"):
        (y * 2).sum().backward()


def test_retain_grad_sees_what_the_hooks_made_of_the_gradient():
    x = leaf(1.0, 2.0)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(y.grad._array, [10.0, 10.0])
    np.testing.assert_array_equal(x.grad._array, [10.0, 10.0])


def test_retain_grad_on_a_tensor_without_gradients_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        am.tensor([1.0]).retain_grad()


@pytest.mark.parametrize("wrong", [np.arange(6.0), np.ones((3, 2)), np.ones((2, 3, 2))])
def test_a_backward_returning_a_gradient_of_the_wrong_shape_is_an_error(wrong):
    class Bad(am.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return wrong

    expected = r"BadBackward returned a gradient of shape .* for an input of shape \(2, 3\)"
    with pytest.raises(RuntimeError, match=expected):
        Bad.apply(am.tensor(np.zeros((2, 3)), requires_grad=True)).backward()


def test_a_leaf_that_stopped_requiring_grad_gets_none():
    x = leaf(1.0, 2.0)
    y = (x * 2).sum()
    x.requires_grad = False
    y.backward()
    assert x.grad is None


def test_pow_at_base_zero_follows_pytorch():
    a, b = leaf(0.0, 2.0), leaf(0.0, 3.0)
    (a**b).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [0.0, 12.0])  # b·a^(b-1) is 0 where b = 0
    np.testing.assert_allclose(b.grad._array, [0.0, 8 * np.log(2.0)])  # a^b·ln a is 0 where a = 0
    x = leaf(0.0, 2.0)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0.0, 0.0])


@pytest.mark.parametrize("exponent", [1e300, am.tensor(1e300, dtype=am.float64)], ids=["number", "tensor"])
def test_second_derivative_of_a_huge_power_is_zero_where_the_power_is(exponent):
    """b·(b-1)·a^(b-2) is 0 where a^(b-2) is 0, though b·(b-1) alone overflows to inf."""
    x = leaf(0.0, 0.5)
    with np.errstate(over="ignore", divide="ignore"):
        (first,) = am.autograd.grad((x**exponent).sum(), x, create_graph=True)
        (second,) = am.autograd.grad(first.sum(), x)
    np.testing.assert_array_equal(first._array, [0.0, 0.0])
    np.testing.assert_array_equal(second._array, [0.0, 0.0])


def test_a_condition_or_index_changed_after_use_does_not_change_the_gradient():
    x = leaf(1.0, 2.0, 3.0)
    condition = np.array([True, False, True])
    index = np.array([0, 0])
    y = am.where(condition, x, 0.0).sum() + x[index].sum()
    condition[:] = False
    index[:] = 2
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 0.0, 1.0])


def test_a_target_changed_after_the_loss_does_not_change_the_gradient():
    logits = am.tensor(np.zeros((2, 3)), requires_grad=True)
    target = am.tensor(np.array([0, 1]))
    loss = am.nn.functional.cross_entropy(logits, target, reduction="sum")
    target._array[:] = 2
    loss.backward()
    np.testing.assert_allclose(logits.grad._array, np.full((2, 3), 1 / 3) - np.eye(3)[[0, 1]])


def test_set_grad_enabled_switches_at_once_when_called():
    x = leaf(1.0)
    try:
        am.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        am.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with am.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert am.is_grad_enabled()

    @am.set_grad_enabled(False)
    def inference():
        return (x * 2).requires_grad

    assert am.is_grad_enabled() and not inference() and am.is_grad_enabled()


def test_one_anomaly_object_can_be_nested():
    mode = am.detect_anomaly()
    with mode:
        with mode:
            assert am.anomaly.is_anomaly_enabled()
        assert am.anomaly.is_anomaly_enabled()
    assert not am.anomaly.is_anomaly_enabled()


def test_grad_runs_only_the_part_of_the_graph_between_outputs_and_inputs():
    x = leaf(1.0, 2.0)
    y = x * x
    z = y * y
    y.sum().backward()  # frees the graph below y
    (dz_dy,) = am.grad(z.sum(), y)  # needs only the part above y
    np.testing.assert_array_equal(dz_dy._array, 2 * y._array)

    y = x * x
    am.grad(y, y, grad_outputs=am.ones(2, dtype=np.float64))  # touches nothing below y
    x.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [2.0, 4.0])

    w, a = leaf(3.0), leaf(1.0)
    calls = []
    w.register_hook(calls.append)
    (da,) = am.grad((a * w).sum(), a)
    assert da.item() == 3.0 and calls == [] and w.grad is None
