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


# ---- non-finite inputs: PyTorch's conventions ---------------------------------------------------------

NAN, INF = float("nan"), float("inf")

# (name, f(library, *inputs), inputs, PyTorch's gradients of f(...).sum() for each input)
NON_FINITE = [
    ("relu passes the gradient at NaN", lambda lib, x: x.relu(), [[NAN, 1, -1, 0]], [[1, 1, 0, 0]]),
    ("abs has zero gradient at NaN", lambda lib, x: x.abs(), [[NAN, 0, -1]], [[0, 0, -1]]),
    ("x ** 0 is constant even at NaN and inf", lambda lib, x: x**0, [[NAN, INF, -INF, 0, 2]], [[0] * 5]),
    (
        "x ** y with y = 0 at a NaN x",
        lambda lib, x, y: x**y,
        [[NAN, 2.0], [0.0, 0.0]],
        [[0, 0], [NAN, np.log(2.0)]],
    ),
    (
        "maximum with a NaN operand: both get the gradient",
        lambda lib, x, y: lib.maximum(x, y),
        [[NAN, 1, 2], [1, NAN, 2]],
        [[1, 1, 0.5], [1, 1, 0.5]],
    ),
    (
        "minimum with a NaN operand: both get the gradient",
        lambda lib, x, y: lib.minimum(x, y),
        [[NAN, 1, 2], [1, NAN, 2]],
        [[1, 1, 0.5], [1, 1, 0.5]],
    ),
    (
        "amax of a row holding NaN: NaN over the row",
        lambda lib, x: x.amax(1),
        [[[NAN, 1, 2], [1, 2, 3]]],
        [[[NAN, NAN, NAN], [0, 0, 1]]],
    ),
    ("amin over all of a NaN: NaN everywhere", lambda lib, x: x.amin(), [[NAN, 1, 2]], [[NAN, NAN, NAN]]),
    ("max of all: the NaN gets the gradient", lambda lib, x: x.max(), [[NAN, 1, 2]], [[1, 0, 0]]),
    (
        "binary_cross_entropy_with_logits at infinite logits",
        lambda lib, x, t: lib.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none"),
        [[INF, -INF, INF, -INF], [1, 0, 0, 1]],
        [[0, 0, 1, -1], [-INF, INF, -INF, INF]],
    ),
    ("std of a constant: zero gradient", lambda lib, x: x.std(), [[1.0, 1.0]], [[0, 0]]),
    (
        "std per row, one row constant",
        lambda lib, x: x.std(1),
        [[[1, 1, 1], [1, 2, 3]]],
        [[[0, 0, 0], [-0.5, 0, 0.5]]],
    ),
]

# (name, f, inputs, PyTorch's second derivatives: d/dx of sum(d f(x).sum() / dx))
NON_FINITE_SECOND = [
    ("1 / x at infinities", lambda lib, x: 1 / x, [[INF, -INF, 2.0]], [[0, -0.0, 0.25]]),
    ("x ** 1 at infinities", lambda lib, x: x**1, [[INF, -INF, 2.0]], [[0, 0, 0]]),
    ("x ** 2 at infinities", lambda lib, x: x**2, [[INF, -INF, 2.0]], [[2, 2, 2]]),
]


def leaves(lib, values: list) -> list:
    if lib is am:
        return [am.tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    return [lib.tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]


def gradients(lib, f, values: list) -> list[np.ndarray]:
    xs = leaves(lib, values)
    with np.errstate(all="ignore"):  # arithmetic on NaN and inf raises NumPy's flags, rightly
        grads = (am.grad if lib is am else lib.autograd.grad)(f(lib, *xs).sum(), xs)
    return [np.asarray(g.detach().numpy()) for g in grads]


def second_derivatives(lib, f, values: list) -> list[np.ndarray]:
    xs = leaves(lib, values)
    grad = am.grad if lib is am else lib.autograd.grad
    with np.errstate(all="ignore"):
        (first,) = grad(f(lib, *xs).sum(), xs, create_graph=True)
        return [np.asarray(g.detach().numpy()) for g in grad(first.sum(), xs)]


@pytest.mark.parametrize(("name", "f", "values", "expected"), NON_FINITE, ids=[c[0] for c in NON_FINITE])
def test_gradients_at_non_finite_inputs_follow_pytorch(name, f, values, expected):
    for got, want in zip(gradients(am, f, values), expected, strict=True):
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))


@pytest.mark.parametrize(
    ("name", "f", "values", "expected"), NON_FINITE_SECOND, ids=[c[0] for c in NON_FINITE_SECOND]
)
def test_second_derivatives_at_infinities_follow_pytorch(name, f, values, expected):
    (got,) = second_derivatives(am, f, values)
    np.testing.assert_array_equal(got, np.array(expected[0], dtype=np.float64))


def test_second_derivative_of_zero_to_the_x_is_zero():
    """0 ** x is 0 for every x > 0, so all its derivatives are 0 there. PyTorch gives NaN (it
    multiplies by log(0)); this is the one place we keep the mathematically right value."""
    (got,) = second_derivatives(am, lambda lib, x: 0.0**x, [[1.0, 2.0, 0.5]])
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0])


# ---- indexing that mixes integers with index arrays -----------------------------------------------------


MIXED_INDICES = [
    ((2, 3, 1), lambda: (0, slice(None), [0, 0]), (3, 2)),
    ((3, 2), lambda: (0, None, [0, 1]), (1, 2)),
    ((2, 3, 4), lambda: ([0, 1], slice(None), 0), (2, 3)),
    ((2, 3, 4), lambda: (1, Ellipsis, [0, 3, 3]), (3, 3)),
    ((2, 3, 4), lambda: (slice(None), 1, np.array([True, False, True, True])), (2, 3)),
    ((2, 3, 4), lambda: (-1, slice(0, 2), [[0], [2]]), (2, 2, 1)),
]


def pytorch_rule(index: tuple) -> tuple[tuple, tuple]:
    """PyTorch's reading written out: the integers select first, the rest indexes what is left."""
    integers = tuple(p if isinstance(p, int) or p is None or p is Ellipsis else slice(None) for p in index)
    rest = tuple(slice(None) if p is None else p for p in index if not isinstance(p, int))
    return integers, rest


@pytest.mark.parametrize(("shape", "index", "expected"), MIXED_INDICES)
def test_integers_mixed_with_index_arrays_select_first_as_in_pytorch(shape, index, expected):
    integers, rest = pytorch_rule(index())
    positions = np.arange(np.prod(shape)).reshape(shape)[integers][rest]  # which elements are picked
    assert positions.shape == expected
    x = am.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
    out = x[index()]
    np.testing.assert_array_equal(out._array, positions)
    weights = np.random.default_rng(0).uniform(1, 2, expected)
    (out * weights).sum().backward()
    picked = np.bincount(positions.ravel(), weights.ravel(), minlength=positions.size and np.prod(shape))
    np.testing.assert_allclose(x.grad._array, picked.reshape(shape), rtol=1e-15)


@pytest.mark.parametrize(("shape", "index", "expected"), MIXED_INDICES)
def test_item_assignment_with_mixed_indices_writes_pytorchs_places(shape, index, expected):
    values = np.arange(1, np.prod(expected) + 1, dtype=np.float64).reshape(expected)
    x = am.zeros(shape, dtype=am.float64)
    x[index()] = am.tensor(values)
    integers, rest = pytorch_rule(index())
    written = np.zeros(shape)
    written[integers][rest] = values
    np.testing.assert_array_equal(x._array, written)


# ---- dims: NumPy's names, 0-d tensors, dim=() and empty dims ---------------------------------------------


def test_ops_with_a_dim_take_numpys_axis_and_keepdims():
    x = am.tensor([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_array_equal(am.softmax(x, axis=0)._array, x.softmax(dim=0)._array)
    np.testing.assert_array_equal(x.log_softmax(axis=1)._array, x.log_softmax(1)._array)
    np.testing.assert_array_equal(x.argmax(axis=1, keepdims=True)._array, [[1], [1]])
    assert x.std(axis=0, keepdims=True).shape == (1, 2)
    with pytest.raises(TypeError, match="give dim or axis, not both"):
        x.softmax(0, axis=0)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(0),
        lambda t: t.mean(-1, keepdim=True),
        lambda t: t.amax(dim=(0,)),
        lambda t: t.logsumexp(0),
        lambda t: t.softmax(-1),
        lambda t: t.transpose(0, -1),
        lambda t: t.squeeze(0),
        lambda t: t.max(0).values,
    ],
)
def test_a_0d_tensor_takes_dim_0_and_minus_1(call):
    t = am.tensor(2.0, requires_grad=True)
    out = call(t)
    assert out.shape == ()
    out.backward()
    assert t.grad.shape == ()
    assert am.tensor(2.0).argmax(0).item() == 0


@pytest.mark.parametrize("dim", [(), []])
def test_reducing_over_dim_empty_reduces_every_dim_as_pytorch(dim):
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.sum(dim=dim).item() == 15.0
    assert x.mean(dim=dim, keepdim=True).shape == (1, 1)
    x.amax(dim=dim).backward()
    np.testing.assert_array_equal(x.grad._array, [[0, 0, 0], [0, 0, 1]])


def test_std_of_no_spread_has_zero_gradient_also_to_second_order():
    x = am.tensor([1.0, 1.0, 1.0], dtype=am.float64, requires_grad=True)
    (g,) = am.grad(x.std(), [x], create_graph=True)
    np.testing.assert_array_equal(g._array, [0.0, 0.0, 0.0])

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


@pytest.mark.torch
@pytest.mark.parametrize(("name", "f", "values", "expected"), NON_FINITE, ids=[c[0] for c in NON_FINITE])
def test_non_finite_gradients_are_pytorchs(name, f, values, expected):
    torch = pytest.importorskip("torch")
    pairs = zip(gradients(am, f, values), gradients(torch, f, values), expected, strict=True)
    for ours, theirs, stated in pairs:
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(theirs, np.array(stated, dtype=np.float64))


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "f", "values", "expected"), NON_FINITE_SECOND, ids=[c[0] for c in NON_FINITE_SECOND]
)
def test_non_finite_second_derivatives_are_pytorchs(name, f, values, expected):
    torch = pytest.importorskip("torch")
    (ours,), (theirs,) = second_derivatives(am, f, values), second_derivatives(torch, f, values)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.torch
def test_pytorch_gives_nan_for_the_second_derivative_of_zero_to_the_x():
    """The one difference kept on purpose (see test_second_derivative_of_zero_to_the_x_is_zero)."""
    torch = pytest.importorskip("torch")
    (theirs,) = second_derivatives(torch, lambda lib, x: 0.0**x, [[1.0, 2.0, 0.5]])
    assert np.isnan(theirs).all()


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "index", "expected"), MIXED_INDICES)
def test_mixed_indices_read_and_write_as_pytorch(shape, index, expected):
    torch = pytest.importorskip("torch")
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    torch_index = tuple(torch.tensor(p) if isinstance(p, (list, np.ndarray)) else p for p in index())
    theirs = torch.tensor(values)[torch_index]
    assert tuple(theirs.shape) == expected
    np.testing.assert_array_equal(am.tensor(values)[index()]._array, theirs.numpy())
    x, t = am.zeros(shape, dtype=am.float64), torch.zeros(shape, dtype=torch.float64)
    written = np.arange(1, np.prod(expected) + 1, dtype=np.float64).reshape(expected)
    x[index()] = am.tensor(written)
    t[torch_index] = torch.tensor(written)
    np.testing.assert_array_equal(x._array, t.numpy())


DEGENERATE_DIMS = [
    lambda lib, x: x.sum(dim=()),
    lambda lib, x: x.mean(dim=[]),
    lambda lib, x: x[0, 0].sum(0),
    lambda lib, x: x[0, 0].logsumexp(-1),
    lambda lib, x: x[:, :0].logsumexp(1),
    lambda lib, x: x[:, :0].softmax(1).sum(),
    lambda lib, x: x[0].std(),
    lambda lib, x: (x * 0).std(1),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", DEGENERATE_DIMS)
def test_degenerate_dims_match_pytorch(case):
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(2, 3)
    ours, theirs = am.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    a, b = case(am, ours), case(torch, theirs)
    np.testing.assert_allclose(a._array, b.detach().numpy(), rtol=1e-12)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.grad._array, theirs.grad.numpy(), rtol=1e-12)


def test_tensor_bounds_of_clamp_get_the_gradient_where_they_are_active():
    x = am.tensor([-2.0, 0.0, 0.5, 3.0], dtype=am.float64, requires_grad=True)
    low = am.tensor([-1.0, 0.0, 1.0, 0.0], dtype=am.float64, requires_grad=True)
    high = am.tensor(2.0, dtype=am.float64, requires_grad=True)
    out = am.clamp(x, low, high)
    np.testing.assert_array_equal(out._array, [-1.0, 0.0, 1.0, 2.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0, 1, 0, 0])  # a tie with the bound goes to x
    np.testing.assert_array_equal(low.grad._array, [1, 0, 1, 0])
    assert high.grad.item() == 1.0
    assert am.clamp(x.detach(), max=low).requires_grad


@pytest.mark.torch
def test_clamp_with_tensor_bounds_matches_pytorch():
    torch = pytest.importorskip("torch")
    values = [[-2.0, 0.0, 0.5, 3.0], [-1.0, 0.0, 1.0, 0.0], [2.0, 2.0, 0.5, 2.0]]
    ours, theirs = leaves(am, values), leaves(torch, values)
    am.clamp(*ours).sum().backward()
    torch.clamp(*theirs).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad._array, t.grad.numpy())
