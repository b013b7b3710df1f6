"""Backward semantics: seeds, accumulation, retained graphs, grad modes, hooks, grad(), Functions."""

import threading

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.testing import gradcheck, gradgradcheck


def leaf(*values: float) -> am.Tensor:
    return am.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ---- backward() ---------------------------------------------------------------------------------


def test_a_scalar_needs_no_gradient_argument():
    x = leaf(1.0, 2.0)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [2.0, 4.0])


def test_a_one_element_tensor_of_any_shape_needs_none_either():
    x = leaf(3.0)
    (x * x).reshape(1, 1).backward()
    np.testing.assert_array_equal(x.grad._array, [6.0])


def test_a_non_scalar_needs_a_gradient_naming_its_shape():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"gradient argument is needed for a tensor of shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad._array, [2.0, 20.0])


def test_a_gradient_of_the_wrong_shape_is_refused():
    x = leaf(1.0, 2.0)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\) but the tensor has shape \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        am.tensor([1.0]).sum().backward()


def test_gradients_accumulate_across_calls_until_reset():
    x = leaf(1.0, 2.0)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [5.0, 7.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 3.0])


def test_a_tensor_used_twice_gets_both_gradients():
    x = leaf(2.0)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [5.0])


def test_broadcast_inputs_get_gradients_of_their_own_shape():
    a = leaf(1.0, 2.0, 3.0)
    b = am.tensor(np.ones((2, 1)), requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(b.grad._array, [[6.0], [6.0]])


def test_a_float32_leaf_gets_a_float32_gradient_from_float64_work():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    (x * np.array([1.0, 2.0])).sum().backward()  # the float64 array promotes the product
    assert x.grad.dtype == np.float32


def test_only_leaves_keep_grad_unless_retain_grad():
    x = leaf(1.0, 2.0)
    kept, dropped = x * 2, x * 3
    kept.retain_grad()
    (kept * dropped).sum().backward()
    np.testing.assert_array_equal(kept.grad._array, [3.0, 6.0])
    assert dropped.grad is None


def test_a_second_backward_needs_retain_graph():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad._array, [4.0, 8.0])


# ---- grad modes ---------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf(1.0)
    with am.no_grad():
        assert not am.is_grad_enabled()
        y = x * 2
    assert am.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_a_decorator():
    x = leaf(1.0)

    @am.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert am.is_grad_enabled() and (x * 2).requires_grad


def test_enable_grad_inside_no_grad_records_again():
    x = leaf(1.0)
    with am.no_grad():
        with am.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError):
        with am.set_grad_enabled(False):
            raise KeyError
    assert am.is_grad_enabled()


def test_grad_mode_is_per_thread():
    """no_grad in one thread leaves another thread recording."""
    x = leaf(1.0)
    inside, release = threading.Event(), threading.Event()
    results = {}

    def without_grad():
        with am.no_grad():
            inside.set()
            release.wait(5)
            results["no_grad thread"] = (x * 2).requires_grad

    def with_grad():
        inside.wait(5)
        results["other thread"] = (x * 2).requires_grad
        release.set()

    threads = [threading.Thread(target=without_grad), threading.Thread(target=with_grad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"no_grad thread": False, "other thread": True}


# ---- detach, requires_grad_, hooks ----------------------------------------------------------------


def test_detach_shares_data_and_stops_the_gradient():
    x = leaf(1.0, 2.0)
    d = x.detach()
    assert np.shares_memory(d._array, x._array) and not d.requires_grad and d.is_leaf
    (x * d).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [1.0, 2.0])  # d counted as a constant


def test_requires_grad_underscore_sets_the_flag_on_leaves_only():
    x = am.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="only be changed on leaf tensors"):
        (leaf(1.0) * 2).requires_grad_(False)


def test_a_hook_sees_the_gradient_and_can_replace_it():
    x = leaf(1.0, 2.0)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g._array.copy()) or g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad._array, [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 3.0])
    assert len(seen) == 1


def test_a_hook_on_an_intermediate_changes_what_flows_on():
    x = leaf(1.0, 2.0)
    y = x * 2
    y.register_hook(lambda g: g * 0.5)  # returning None would leave the gradient as it is
    y.register_hook(lambda g: None)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [4.0, 8.0])  # dL/dy = 2y = 4x, halved, times dy/dx = 2


def test_hooks_need_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        am.tensor([1.0]).register_hook(print)


# ---- autograd_mini.grad ---------------------------------------------------------------------------


def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x, w = leaf(1.0, 2.0), leaf(3.0)
    gx, gw = am.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx._array, [3.0, 3.0])
    np.testing.assert_array_equal(gw._array, [3.0])
    assert x.grad is None and w.grad is None


def test_grad_of_an_unused_input_needs_allow_unused():
    x, unused = leaf(1.0, 2.0), leaf(5.0)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        am.grad((x * 2).sum(), [x, unused])
    gx, gu = am.grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx._array, [2.0, 2.0])
    assert gu is None


def test_grad_with_grad_outputs_for_several_outputs():
    x = leaf(1.0, 2.0)
    (g,) = am.grad([x * 2, x * x], x, grad_outputs=[np.array([1.0, 1.0]), np.array([1.0, 0.5])])
    np.testing.assert_array_equal(g._array, [4.0, 4.0])


def test_grad_with_create_graph_can_be_differentiated_again():
    x = leaf(1.0, 2.0)
    (g,) = am.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_array_equal(g._array, [3.0, 12.0])
    (h,) = am.grad(g.sum(), x)
    np.testing.assert_array_equal(h._array, [6.0, 12.0])


def test_grad_without_create_graph_gives_constants():
    x = leaf(1.0, 2.0)
    (g,) = am.grad((x**3).sum(), x)
    assert not g.requires_grad


def test_grad_refuses_inputs_that_do_not_require_grad():
    with pytest.raises(RuntimeError, match=r"an input of shape \(1,\) does not require grad"):
        am.grad((leaf(1.0) * 2).sum(), am.tensor([1.0]))


# ---- user-defined Functions -------------------------------------------------------------------------


class Cube(am.Function):
    """x³, with its backward written with saved inputs so that it is differentiable too."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


class ScaledProduct(am.Function):
    """a * b * scale, with a keyword option; b may be a constant (no gradient asked)."""

    @staticmethod
    def forward(ctx, a, b, *, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return grad * b * ctx.scale if need_a else None, grad * a * ctx.scale if need_b else None


def test_a_user_function_passes_gradcheck_and_gradgradcheck():
    x = leaf(0.5, -1.5, 2.0)
    assert gradcheck(Cube.apply, [x])
    assert gradgradcheck(Cube.apply, [x])
    assert Cube.apply(x).grad_fn.name() == "CubeBackward"


def test_a_user_function_with_options_and_broadcasting():
    a = am.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    b = leaf(0.5, 1.5, -2.0)
    assert gradcheck(lambda a, b: ScaledProduct.apply(a, b, scale=3.0), [a, b])
    (ScaledProduct.apply(a, np.ones(3), scale=2.0)).sum().backward()  # a constant in b's place
    np.testing.assert_array_equal(a.grad._array, np.full((2, 3), 2.0))


def test_a_backward_returning_the_wrong_number_of_gradients_is_a_clear_error():
    class Forgetful(am.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad  # one gradient for two inputs

    with pytest.raises(RuntimeError, match="ForgetfulBackward: backward returned 1 gradients for 2 inputs"):
        Forgetful.apply(leaf(1.0), leaf(2.0)).sum().backward()


def test_functions_record_nothing_when_no_input_needs_a_gradient():
    y = Cube.apply(am.tensor([2.0]))
    assert y.grad_fn is None and not y.requires_grad
    with am.no_grad():
        assert Cube.apply(leaf(2.0)).grad_fn is None


def test_a_function_saving_none_and_numbers_works_under_create_graph():
    class ScaledSquare(am.Function):
        @staticmethod
        def forward(ctx, x, scale=2.0):
            ctx.save_for_backward(x, None, scale)  # None and numbers are constants of backward
            return scale * x * x

        @staticmethod
        def backward(ctx, grad):
            x, nothing, scale = ctx.saved_tensors
            assert nothing is None and scale == 2.0
            return 2 * scale * x * grad, None

    x = am.tensor([1.0, 3.0], dtype=np.float64, requires_grad=True)
    (g,) = am.grad(ScaledSquare.apply(x * 1.0, 2.0).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_array_equal(g._array, [4.0, 12.0])
    np.testing.assert_array_equal(x.grad._array, [4.0, 4.0])


def test_a_zero_dim_grad_stays_an_array_when_gradients_add_up():
    """NumPy gives the sum of two 0-d arrays as a scalar; .grad must stay a writable array."""
    w = am.tensor(1.0, requires_grad=True)
    (w * 3).backward()
    (w * 3).backward()
    assert type(w.grad._array) is np.ndarray and w.grad.item() == 6.0
    w.grad.zero_()
    assert w.grad.item() == 0.0
