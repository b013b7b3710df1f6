"""autograd_mini.autograd, PyTorch's torch.autograd: backward, anomaly mode, gradcheck, and the
functional derivatives (jacobian, hessian, vjp, jvp, hvp, vhp) against finite differences,
closed forms and, under the torch marker, torch.autograd.functional itself."""

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.autograd
from autograd_mini import anomaly, engine, function

autograd = autograd_mini.autograd
F = autograd.functional
EPS = 1e-6


def values(*shapes, seed=0):
    """float64 tensors of the given shapes, drawn from a fixed seed."""
    rng = np.random.default_rng(seed)
    return tuple(am.tensor(rng.uniform(-1.5, 1.5, shape)) for shape in shapes)


def numeric_jacobian(func, xs):
    """Central differences: blocks[i][j] = d out_i / d x_j, of shape out_i.shape + x_j.shape."""

    def outputs(args):
        out = func(*(am.tensor(a) for a in args))
        return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]

    arrays = [x.numpy().copy() for x in xs]
    blocks = [[np.zeros(o.shape + a.shape) for a in arrays] for o in outputs(arrays)]
    for j, a in enumerate(arrays):
        for index in np.ndindex(a.shape):
            plus, minus = [b.copy() for b in arrays], [b.copy() for b in arrays]
            plus[j][index] += EPS
            minus[j][index] -= EPS
            for i, (p, m) in enumerate(zip(outputs(plus), outputs(minus))):
                blocks[i][j][(...,) + index] = (p - m) / (2 * EPS)
    return blocks


def numeric_hessian(func, xs):
    """Central differences of the analytic gradient: blocks[i][j] = d²f / (dx_i dx_j)."""

    def gradient(*args):
        args = tuple(a.detach().requires_grad_() for a in args)
        return am.grad(func(*args), args, allow_unused=True)

    return numeric_jacobian(gradient, xs)


def flat(blocks, out_shape):
    """One row of blocks (of shapes out_shape + in_j.shape) as an (out size, total in size) matrix."""
    rows = int(np.prod(out_shape))
    return np.concatenate([b.reshape(rows, -1) for b in blocks], axis=1)


def assert_close(ours, expected, atol=1e-7):
    ours = ours.detach().numpy() if isinstance(ours, am.Tensor) else ours
    assert ours.shape == np.shape(expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=atol)


# (name, func, input shapes): func uses only names PyTorch shares, so the torch tests reuse them.
FUNCTIONS = [
    ("elementwise", lambda x: x.sin() * x.exp(), [(3,)]),
    ("matmul", lambda a, b: (a @ b).tanh(), [(2, 3), (3, 4)]),
    ("reduction", lambda x: x.logsumexp(dim=1), [(2, 3)]),
    ("scalar", lambda x: (x * x.cos()).sum(), [(2, 2)]),
    ("broadcast", lambda x, y: x[:, None] * y, [(2,), (3,)]),
    ("tuple_out", lambda x, y: (x * y, (x**2).sum() + y.tanh().sum()), [(3,), (3,)]),
]
SCALARS = [
    ("quartic", lambda x: (x**4).sum() + (x[0] * x[1]) ** 2, [(3,)]),
    ("matmul", lambda a, b: (a @ b).sin().sum(), [(2, 3), (3,)]),
    ("mixed", lambda x, y: (x * y.exp()).sum() * y.sum(), [(2,), (2,)]),
]
ids = [name for name, _, _ in FUNCTIONS]
scalar_ids = [name for name, _, _ in SCALARS]


# ---- jacobian ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "func", "shapes"), FUNCTIONS, ids=ids)
def test_jacobian_matches_central_differences(name, func, shapes):
    xs = values(*shapes)
    expected = numeric_jacobian(func, xs)
    found = F.jacobian(func, xs)  # xs is a tuple, so the result is a tuple of rows
    if not isinstance(func(*xs), tuple):
        found = (found,)
    assert len(found) == len(expected)
    for row, expected_row in zip(found, expected):
        assert isinstance(row, tuple) and len(row) == len(xs)
        for block, e in zip(row, expected_row):
            assert not block.requires_grad
            assert_close(block, e)


def test_jacobian_nesting_follows_tuple_inputs_and_outputs():
    x, y = values((2,), (3,))
    one_one = F.jacobian(lambda x: x.exp(), x)
    assert isinstance(one_one, am.Tensor) and one_one.shape == (2, 2)
    tuple_in = F.jacobian(lambda x, y: x.sum() * y, (x, y))
    assert isinstance(tuple_in, tuple) and [b.shape for b in tuple_in] == [(3, 2), (3, 3)]
    tuple_out = F.jacobian(lambda x: (x.exp(), x.sum()), x)
    assert isinstance(tuple_out, tuple) and [b.shape for b in tuple_out] == [(2, 2), (2,)]
    both = F.jacobian(lambda x, y: (x, y.sum()), (x, y))
    assert [[b.shape for b in row] for row in both] == [[(2, 2), (2, 3)], [(2,), (3,)]]
    single_tuple = F.jacobian(lambda x: x * 2, (x,))
    assert isinstance(single_tuple, tuple) and len(single_tuple) == 1
    assert_close(single_tuple[0], 2 * np.eye(2))


def test_jacobian_of_a_scalar_output_has_the_input_shape():
    (x,) = values((2, 3))
    found = F.jacobian(lambda x: (x**3).sum(), x)
    assert_close(found, 3 * x.numpy() ** 2)


def test_jacobian_keeps_the_dtype_of_each_input():
    x = am.tensor(np.array([1.0, 2.0], np.float32))
    assert F.jacobian(lambda x: x * 3, x).dtype == np.float32


def test_jacobian_leaves_the_inputs_and_their_grads_alone():
    x = am.tensor(np.array([0.5, -1.0]), requires_grad=True)
    found = F.jacobian(lambda x: x**2, x)
    assert not found.requires_grad and x.grad is None
    assert_close(found, np.diag(2 * x.detach().numpy()))


def test_create_graph_jacobian_can_be_differentiated_again():
    x = am.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    gradient = F.jacobian(lambda x: (x**3).sum(), x, create_graph=True)  # 3x²
    assert gradient.requires_grad
    (second,) = am.grad(gradient.sum(), x)  # d(Σ 3x²)/dx = 6x
    assert_close(second, 6 * x.detach().numpy())


def test_derivatives_are_taken_with_respect_to_the_argument_not_a_captured_tensor():
    x = am.tensor(np.array([0.5, -2.0]), requires_grad=True)
    for create_graph in (False, True):
        found = F.jacobian(lambda z: z * x, x, create_graph=create_graph)  # x is also a constant inside
        assert_close(found, np.diag(x.detach().numpy()))


def test_unused_inputs_give_zeros_or_a_strict_error():
    x, y = values((2,), (3,))
    found = F.jacobian(lambda x, y: x * 2, (x, y))
    assert_close(found[1], np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="Output 0 of the .* is independent of input 1"):
        F.jacobian(lambda x, y: x * 2, (x, y), strict=True)


def test_strict_refuses_an_output_that_does_not_require_grad():
    (x,) = values((2,))
    assert_close(F.jacobian(lambda x: am.ones(2, dtype=np.float64), x), np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="Output 0 of the .* does not require gradients"):
        F.jacobian(lambda x: am.ones(2, dtype=np.float64), x, strict=True)


def test_strict_create_graph_refuses_a_jacobian_that_is_constant():
    x = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    F.jacobian(lambda x: 2 * x, x, create_graph=True)  # not strict: fine
    with pytest.raises(RuntimeError, match="independent of input 0.*when create_graph=True"):
        F.jacobian(lambda x: 2 * x, x, create_graph=True, strict=True)


def test_vectorize_is_the_same_result_and_forward_mode_is_refused():
    (x,) = values((3,))
    func = FUNCTIONS[0][1]
    np.testing.assert_array_equal(F.jacobian(func, x, vectorize=True).numpy(), F.jacobian(func, x).numpy())
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True"):
        F.jacobian(func, x, strict=True, vectorize=True)
    with pytest.raises(NotImplementedError, match="forward-mode"):
        F.jacobian(func, x, strategy="forward-mode")
    with pytest.raises(ValueError, match="reverse-mode"):
        F.jacobian(func, x, strategy="sideways")


def test_inputs_and_outputs_must_be_tensors():
    with pytest.raises(TypeError, match="inputs given to jacobian must be either a Tensor"):
        F.jacobian(lambda x: x, np.ones(2))
    with pytest.raises(TypeError, match="value at index 1"):
        F.vjp(lambda x, y: x, (values((2,))[0], 3.0), values((2,))[0])
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        F.jacobian(lambda x: x.detach().numpy(), values((2,))[0])


# ---- vjp and jvp --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "func", "shapes"), FUNCTIONS, ids=ids)
def test_vjp_and_jvp_are_products_with_the_jacobian(name, func, shapes):
    xs = values(*shapes)
    outs = func(*xs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    vs = values(*[o.shape for o in outs], seed=1)  # one per output: for vjp
    us = values(*shapes, seed=2)  # one per input: for jvp
    J = numeric_jacobian(func, xs)
    u = np.concatenate([t.numpy().ravel() for t in us])

    value, vjp = F.vjp(func, xs, vs)
    for j in range(len(xs)):
        expected = sum(np.tensordot(v.numpy(), J[i][j], v.ndim) for i, v in enumerate(vs))
        assert_close(vjp[j], expected)
    value, jvp = F.jvp(func, xs, us)
    if not isinstance(jvp, tuple):
        value, jvp = (value,), (jvp,)
    for i, out in enumerate(outs):
        assert_close(jvp[i], (flat(J[i], out.shape) @ u).reshape(out.shape))
        assert_close(value[i], out.numpy())
        assert not jvp[i].requires_grad and not value[i].requires_grad


def test_vjp_and_jvp_return_single_tensors_for_single_arguments():
    (x,) = values((3,))
    value, vjp = F.vjp(lambda x: x.exp(), x, am.ones(3, dtype=np.float64))
    assert isinstance(value, am.Tensor) and isinstance(vjp, am.Tensor)
    assert_close(vjp, np.exp(x.numpy()))
    value, jvp = F.jvp(lambda x: x.exp(), x, am.ones(3, dtype=np.float64))
    assert isinstance(jvp, am.Tensor)
    assert_close(jvp, np.exp(x.numpy()))
    _, grads = F.vjp(lambda x, y: 2 * x + 3 * y, values((2,), (2,)), am.ones(2, dtype=np.float64))
    assert isinstance(grads, tuple)
    assert_close(grads[0], [2, 2])
    assert_close(grads[1], [3, 3])


def test_v_may_be_left_out_only_for_one_element():
    x = am.tensor(np.array(0.4))
    _, vjp = F.vjp(lambda x: x.sin(), x)
    assert_close(vjp, np.cos(0.4))
    _, jvp = F.jvp(lambda x: x.sin() * am.ones(2, dtype=np.float64), x)
    assert_close(jvp, np.full(2, np.cos(0.4)))
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda x: x * 2, values((2,))[0])
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.jvp(lambda x: x * 2, values((2,))[0])


def test_v_of_the_wrong_shape_or_count_is_refused():
    x, y = values((2,), (3,))
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be \(2,\) but got \(3,\)"):
        F.vjp(lambda x: x * 2, x, y)
    with pytest.raises(RuntimeError, match="Entry 1 in v has invalid size"):
        F.jvp(lambda x, y: x, (x, y), (x, x))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
        F.jvp(lambda x, y: x, (x, y), (x,))
    with pytest.raises(RuntimeError, match="should contain a single Tensor"):
        F.vjp(lambda x: x, x, (x, x))


def test_vjp_and_jvp_strict_errors():
    x, y = values((2,), (2,))
    _, grads = F.vjp(lambda x, y: x * 2, (x, y), x)
    assert_close(grads[1], np.zeros(2))
    with pytest.raises(RuntimeError, match="independent of input 1. This is not allowed in strict mode"):
        F.vjp(lambda x, y: x * 2, (x, y), x, strict=True)
    _, jvp = F.jvp(lambda x, y: x * 2, (x, y), (x, y))
    assert_close(jvp, 2 * x.numpy())
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.jvp(lambda x, y: x * 2, (x, y), (x, y), strict=True)


def test_create_graph_vjp_is_differentiable_in_the_inputs_and_in_v():
    x = am.tensor(np.array([0.2, 0.9]), requires_grad=True)
    v = am.tensor(np.array([1.5, -0.5]), requires_grad=True)
    value, vjp = F.vjp(lambda x: x.sin(), x, v, create_graph=True)  # v·cos x
    assert value.requires_grad and vjp.requires_grad
    dx, dv = am.grad(vjp.sum(), [x, v])
    assert_close(dx, -v.detach().numpy() * np.sin(x.detach().numpy()))
    assert_close(dv, np.cos(x.detach().numpy()))


def test_create_graph_jvp_can_be_differentiated_again():
    x = am.tensor(np.array([0.2, 0.9]), requires_grad=True)
    u = am.tensor(np.array([1.0, 2.0]))
    _, jvp = F.jvp(lambda x: x**3, x, u, create_graph=True)  # 3x²u
    (second,) = am.grad(jvp.sum(), x)
    assert_close(second, 6 * x.detach().numpy() * u.numpy())


# ---- hessian, hvp and vhp -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "func", "shapes"), SCALARS, ids=scalar_ids)
def test_hessian_matches_central_differences(name, func, shapes):
    xs = values(*shapes)
    expected = numeric_hessian(func, xs)
    found = F.hessian(func, xs)
    assert isinstance(found, tuple) and all(isinstance(row, tuple) for row in found)
    for row, expected_row in zip(found, expected):
        for block, e in zip(row, expected_row):
            assert not block.requires_grad
            assert_close(block, e, atol=1e-6)


def test_hessian_of_a_quadratic_form_is_its_symmetric_part():
    A, (x,) = np.random.default_rng(3).standard_normal((3, 3)), values((3,))
    found = F.hessian(lambda x: x @ (am.tensor(A) @ x) + x.sin().sum(), x)
    assert isinstance(found, am.Tensor)
    assert_close(found, A + A.T - np.diag(np.sin(x.numpy())), atol=1e-12)


@pytest.mark.parametrize(("name", "func", "shapes"), SCALARS, ids=scalar_ids)
def test_hvp_and_vhp_are_products_with_the_hessian(name, func, shapes):
    xs, vs = values(*shapes), values(*shapes, seed=4)
    H = np.concatenate([flat(row, x.shape) for row, x in zip(numeric_hessian(func, xs), xs)], axis=0)
    v = np.concatenate([t.numpy().ravel() for t in vs])
    offsets = np.cumsum([0] + [x.numel() for x in xs])
    for product, expected in ((F.hvp, H @ v), (F.vhp, v @ H)):
        value, found = product(func, xs, vs)
        assert_close(value, func(*xs).numpy())
        for k, x in enumerate(xs):
            assert_close(found[k], expected[offsets[k] : offsets[k + 1]].reshape(x.shape), atol=1e-6)


def test_hvp_and_vhp_single_input_and_create_graph():
    x = am.tensor(np.array([0.5, -0.3]), requires_grad=True)
    v = am.tensor(np.array([1.0, 2.0]))
    for product in (F.hvp, F.vhp):
        value, found = product(lambda x: (x**4).sum(), x, v, create_graph=True)  # 12x²v
        assert isinstance(found, am.Tensor) and found.requires_grad
        assert_close(found, 12 * x.detach().numpy() ** 2 * v.numpy())
        (third,) = am.grad(found.sum(), x)  # 24xv
        assert_close(third, 24 * x.detach().numpy() * v.numpy())


def test_hessian_create_graph_gives_third_derivatives():
    x = am.tensor(np.array([0.5, -0.3]), requires_grad=True)
    H = F.hessian(lambda x: (x**4).sum(), x, create_graph=True)  # diag(12x²)
    (third,) = am.grad(H.sum(), x)
    assert_close(third, 24 * x.detach().numpy())


def test_hessian_family_needs_one_one_element_output():
    (x,) = values((2,))
    for call in (
        lambda f: F.hessian(f, x),
        lambda f: F.hvp(f, x, x),
        lambda f: F.vhp(f, x, x),
    ):
        with pytest.raises(RuntimeError, match="should contain a single element"):
            call(lambda x: x * 2)
        with pytest.raises(RuntimeError, match="should return a single Tensor"):
            call(lambda x: (x.sum(), x.sum()))


def test_hessian_of_a_linear_function_is_zero_or_a_strict_error():
    x, y = values((2,), (2,))
    assert_close(F.hessian(lambda x: (3 * x).sum(), x), np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with respect to input 0"):
        F.hessian(lambda x: (3 * x).sum(), x, strict=True)
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function with respect to input 1"):
        F.vhp(lambda x, y: (x**2).sum() + y.sum(), (x, y), (x, y), strict=True)
    _, found = F.hvp(lambda x, y: (x**2).sum() + y.sum(), (x, y), (x, y))
    assert_close(found[0], 2 * x.numpy())
    assert_close(found[1], np.zeros(2))


# ---- the namespace: backward, anomaly mode, gradcheck ---------------------------------------------


def test_the_namespace_reexports_the_engine_and_testing_names():
    assert autograd.Function is function.Function
    assert autograd.grad is engine.grad
    assert autograd.detect_anomaly is am.detect_anomaly
    assert autograd.gradcheck is am.testing.gradcheck
    assert autograd.gradgradcheck is am.testing.gradgradcheck
    assert set(autograd.__all__) <= set(dir(autograd))


def test_backward_with_grad_tensors_sums_the_roots_products():
    x = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = am.tensor(np.array([3.0, -1.0]), requires_grad=True)
    g = am.tensor(np.array([0.5, 4.0]))
    autograd.backward([x * y, (y**2).sum()], [g, None])
    assert_close(x.grad, g.numpy() * y.detach().numpy())
    assert_close(y.grad, g.numpy() * x.detach().numpy() + 2 * y.detach().numpy())
    autograd.backward(x.sum() * 3, am.tensor(np.array(2.0)))  # one root, one gradient: accumulates
    assert_close(x.grad, g.numpy() * y.detach().numpy() + 6)


def test_backward_refuses_mismatched_or_missing_gradients():
    x = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        autograd.backward([x * 2, x.sum()], [am.ones(2)])
    with pytest.raises(RuntimeError, match="a gradient argument is needed"):
        autograd.backward(x * 2)


def test_backward_with_inputs_fills_only_their_grad():
    x = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = am.tensor(np.array([0.5, 0.5]), requires_grad=True)
    unused = am.tensor(np.array([1.0]), requires_grad=True)
    h = x * 3  # a non-leaf input gets a .grad too
    autograd.backward((h * y).sum(), inputs=[h, y, unused])
    assert x.grad is None and unused.grad is None
    assert_close(h.grad, y.detach().numpy())
    assert_close(y.grad, 3 * x.detach().numpy())
    with pytest.raises(RuntimeError, match="cannot be empty"):
        autograd.backward((x * 2).sum(), inputs=[])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.backward((x * 2).sum(), inputs=[am.ones(2)])


def test_backward_with_inputs_accumulates_into_separate_arrays():
    a = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = am.tensor(np.array([3.0, 4.0]), requires_grad=True)
    g = am.tensor(np.array([0.5, -1.0]))
    autograd.backward(a + b, g, retain_graph=True, inputs=[a, b])  # one gradient array for both
    a.grad.zero_()
    assert_close(b.grad, g.numpy())
    autograd.backward(a + b, g, inputs=[a, b])
    assert_close(a.grad, g.numpy())
    assert_close(b.grad, 2 * g.numpy())


def test_backward_create_graph_gives_differentiable_grads():
    x = am.tensor(np.array([0.5, 1.5]), requires_grad=True)
    autograd.backward((x**3).sum(), create_graph=True)
    assert x.grad.requires_grad
    (second,) = am.grad(x.grad.sum(), x)
    assert_close(second, 6 * x.detach().numpy())


def test_backward_create_graph_with_inputs():
    x = am.tensor(np.array([0.5, 1.5]), requires_grad=True)
    autograd.backward((x**3).sum(), inputs=x, create_graph=True)
    (second,) = am.grad(x.grad.sum(), x)
    assert_close(second, 6 * x.detach().numpy())


def nan_forward():
    with np.errstate(invalid="ignore"):
        return am.tensor(np.array([-1.0])).log()


def test_set_detect_anomaly_as_a_function():
    active = anomaly.active
    result = autograd.set_detect_anomaly(True)
    try:
        assert anomaly.is_anomaly_enabled()
        with pytest.raises(am.AnomalyError, match="log produced 1 NaN"):
            nan_forward()
    finally:
        autograd.set_detect_anomaly(False)
    assert not anomaly.is_anomaly_enabled() and anomaly.active == active
    assert np.isnan(nan_forward().item())
    assert isinstance(result, autograd.set_detect_anomaly)


def test_set_detect_anomaly_as_a_context_manager_restores_the_mode():
    active = anomaly.active
    with autograd.set_detect_anomaly(True):
        with pytest.raises(am.AnomalyError):
            nan_forward()
        with autograd.set_detect_anomaly(False):
            assert np.isnan(nan_forward().item())
        with pytest.raises(am.AnomalyError):
            nan_forward()
    assert not anomaly.is_anomaly_enabled() and anomaly.active == active


def test_set_detect_anomaly_inside_detect_anomaly():
    active = anomaly.active
    try:
        with autograd.detect_anomaly():
            autograd.set_detect_anomaly(False)  # off until the block ends
            assert np.isnan(nan_forward().item())
        assert not anomaly.is_anomaly_enabled()
        autograd.set_detect_anomaly(True)
        with autograd.detect_anomaly():
            autograd.set_detect_anomaly(False)  # off inside; leaving the block turns it back on
            assert np.isnan(nan_forward().item())
        with pytest.raises(am.AnomalyError):
            nan_forward()
    finally:
        autograd.set_detect_anomaly(False)
    assert not anomaly.is_anomaly_enabled() and anomaly.active == active
    with pytest.raises(NotImplementedError, match="check_nan"):
        autograd.set_detect_anomaly(True, check_nan=False)


def test_gradcheck_takes_pytorchs_tolerances_and_returns_true():
    (x,) = values((3,))
    x.requires_grad_()
    assert autograd.gradcheck(lambda x: x.sin() * x, (x,), eps=1e-6, atol=1e-5, rtol=1e-3) is True
    assert autograd.gradgradcheck(lambda x: x.sin() * x, (x,), eps=1e-6, atol=1e-5, rtol=1e-3) is True

    class WrongSquare(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * grad  # should be 2x

    with pytest.raises(AssertionError, match="differ from finite differences"):
        autograd.gradcheck(WrongSquare.apply, (x,), eps=1e-6, atol=1e-5, rtol=1e-3)


# ---- against PyTorch ------------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="the PyTorch comparisons need torch: pip install torch")


def as_torch(torch, xs):
    return tuple(torch.tensor(x.detach().numpy()) for x in xs)


def assert_same(ours, theirs):
    """The same nesting of tuples, and Tensors equal in shape, value and requires_grad."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
        return
    assert isinstance(ours, am.Tensor)
    assert ours.shape == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def single_or_tuple(xs, as_tuple):
    return xs if as_tuple else xs[0]


@pytest.mark.torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize(("name", "func", "shapes"), FUNCTIONS, ids=ids)
def test_functional_matches_pytorch(torch, name, func, shapes, create_graph):
    xs = values(*shapes)
    ts = tuple(t.requires_grad_(create_graph) for t in as_torch(torch, xs))
    xs = tuple(x.requires_grad_(create_graph) for x in xs)
    tf = torch.autograd.functional
    for as_tuple in {len(xs) > 1, True}:  # a single input both bare and as a 1-tuple
        ours, theirs = single_or_tuple(xs, as_tuple), single_or_tuple(ts, as_tuple)
        assert_same(F.jacobian(func, ours, create_graph), tf.jacobian(func, theirs, create_graph))
        out = func(*as_torch(torch, xs))
        vs = values(*[o.shape for o in (out if isinstance(out, tuple) else (out,))], seed=5)
        v_ours = vs if isinstance(out, tuple) else vs[0]
        v_theirs = as_torch(torch, vs) if isinstance(out, tuple) else as_torch(torch, vs)[0]
        assert_same(
            F.vjp(func, ours, v_ours, create_graph), tf.vjp(func, theirs, v_theirs, create_graph)
        )
        us = values(*shapes, seed=6)
        u_ours, u_theirs = single_or_tuple(us, as_tuple), single_or_tuple(as_torch(torch, us), as_tuple)
        assert_same(
            F.jvp(func, ours, u_ours, create_graph), tf.jvp(func, theirs, u_theirs, create_graph)
        )


@pytest.mark.torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize(("name", "func", "shapes"), SCALARS, ids=scalar_ids)
def test_second_order_functional_matches_pytorch(torch, name, func, shapes, create_graph):
    xs = tuple(x.requires_grad_(create_graph) for x in values(*shapes))
    ts = tuple(t.requires_grad_(create_graph) for t in as_torch(torch, xs))
    vs = values(*shapes, seed=7)
    tf = torch.autograd.functional
    for as_tuple in {len(xs) > 1, True}:
        ours, theirs = single_or_tuple(xs, as_tuple), single_or_tuple(ts, as_tuple)
        v_ours, v_theirs = single_or_tuple(vs, as_tuple), single_or_tuple(as_torch(torch, vs), as_tuple)
        assert_same(F.hessian(func, ours, create_graph), tf.hessian(func, theirs, create_graph))
        for ours_fn, theirs_fn in ((F.hvp, tf.hvp), (F.vhp, tf.vhp)):
            assert_same(
                ours_fn(func, ours, v_ours, create_graph), theirs_fn(func, theirs, v_theirs, create_graph)
            )


# Corner cases, written once for both libraries: lib is F or torch.autograd.functional, x has
# shape (2,) and s shape ().
CORNERS = {
    "identity_jacobian": lambda lib, x, s, cg: lib.jacobian(lambda z: z, x, cg),
    "identity_jvp": lambda lib, x, s, cg: lib.jvp(lambda z: z, x, x, cg),
    "zero_dim_jacobian": lambda lib, x, s, cg: lib.jacobian(lambda z: z.sin() * x, s, cg),
    "zero_dim_hvp_without_v": lambda lib, x, s, cg: lib.hvp(lambda z: z.sin(), s, None, cg),
    "linear_in_one_input_hessian": lambda lib, x, s, cg: lib.hessian(
        lambda a, b: (a * a).sum() + b.sum(), (x, s), cg
    ),
    "linear_in_one_input_vhp": lambda lib, x, s, cg: lib.vhp(
        lambda a, b: (a * a).sum() + b.sum(), (x, s), (x, s), cg
    ),
    "constant_output_jvp": lambda lib, x, s, cg: lib.jvp(lambda z: (z * 0).detach(), x, x, cg),
    "unused_input_vjp": lambda lib, x, s, cg: lib.vjp(lambda a, b: a * 2, (x, s), x, cg),
}


@pytest.mark.torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", CORNERS.values(), ids=CORNERS.keys())
def test_corner_cases_match_pytorch(torch, case, create_graph):
    x, s = am.tensor(np.array([0.3, -1.2])), am.tensor(np.array(0.7))
    tx, ts = (t.requires_grad_(create_graph) for t in as_torch(torch, (x, s)))
    x.requires_grad_(create_graph), s.requires_grad_(create_graph)
    with am.no_grad(), torch.no_grad():  # the functions record what they need regardless
        assert_same(case(F, x, s, create_graph), case(torch.autograd.functional, tx, ts, create_graph))


# Calls that fail, written once for both libraries: lib is F or torch.autograd.functional.
FAILING = {
    "jacobian_unused_input": lambda lib, x, y: lib.jacobian(lambda x, y: x * 2, (x, y), strict=True),
    "jacobian_constant_output": lambda lib, x, y: lib.jacobian(lambda x: (x * 0).detach(), x, strict=True),
    "vjp_unused_input": lambda lib, x, y: lib.vjp(lambda x, y: x * 2, (x, y), x, strict=True),
    "jvp_unused_input": lambda lib, x, y: lib.jvp(lambda x, y: x * 2, (x, y), (x, y), strict=True),
    "hessian_linear": lambda lib, x, y: lib.hessian(lambda x: (3 * x).sum(), x, strict=True),
    "hessian_linear_in_one_input": lambda lib, x, y: lib.hessian(
        lambda x, y: (x * x).sum() + (y * 2).sum(), (x, y), strict=True
    ),
    "vhp_linear": lambda lib, x, y: lib.vhp(lambda x: (3 * x).sum(), x, x, strict=True),
    "hvp_without_v": lambda lib, x, y: lib.hvp(lambda x: (x * x).sum(), x, strict=True),
    "vjp_too_many_v": lambda lib, x, y: lib.vjp(lambda x: x * 2, x, (x, x)),
    "hessian_of_a_vector": lambda lib, x, y: lib.hessian(lambda x: x * 2, x),
}


def error_of(case, lib, *args):
    try:
        case(lib, *args)
    except RuntimeError as error:
        return str(error)
    raise AssertionError("no RuntimeError")


@pytest.mark.torch
@pytest.mark.parametrize("case", FAILING.values(), ids=FAILING.keys())
def test_errors_say_what_pytorchs_say(torch, case):
    x, y = values((2,), (2,))
    theirs = error_of(case, torch.autograd.functional, *as_torch(torch, (x, y)))
    assert error_of(case, F, x, y) == theirs
