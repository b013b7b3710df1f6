"""Hostile and careless inputs: each gets a clear error or a documented, tested behaviour.

NaN and inf, empty tensors, integer and boolean tensors, 0-d tensors through every op,
read-only and non-contiguous arrays, parameters that stop requiring grad or are listed twice,
checkpoints that do not fit, grad mode from two threads at once, and NaN through `where`.
"""

import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ops import BINARY, OPS, UNARY, draw_case

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini import nn, optim
from autograd_mini.testing import gradcheck, gradgradcheck

ELEMENTWISE = [op for op in OPS if op.inputs in (UNARY, BINARY)]
# relu(NaN) is NaN, as np.maximum and PyTorch give it; the table's np.where formula would give 0.
# sign(NaN) is 0, as PyTorch gives it.
NAN_REFERENCES = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sign": lambda x: np.where(np.isnan(x), 0.0, np.sign(x)),
}


def leaf(values, dtype=np.float64) -> am.Tensor:
    return am.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def grads(out: am.Tensor, inputs: list, upstream=None) -> list[np.ndarray]:
    """d(out)/d(inputs) for the upstream gradient (ones by default), zeros for unused inputs."""
    upstream = np.ones(out.shape) if upstream is None else upstream
    found = am.grad(out, inputs, upstream, allow_unused=True)
    return [np.zeros(x.shape) if g is None else g._array for g, x in zip(found, inputs)]


# ---- NaN and inf --------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=repr)
@settings(max_examples=5)
@given(data=st.data())
def test_nan_propagates_through_every_op_as_in_numpy(op, data):
    """A NaN in the data gives the NaNs NumPy's formula gives, with no warning (quiet NaNs raise
    no floating-point flag, and the test runs with NumPy's flags raised as errors)."""
    xs, options = draw_case(data, op)
    for x in xs:
        if x._array.size:
            x._array.flat[data.draw(st.integers(0, x._array.size - 1))] = np.nan
    out = op.fn(*xs, **options)
    expected = NAN_REFERENCES.get(op.name, op.ref)(*[x.detach().numpy() for x in xs], **options)
    np.testing.assert_array_equal(np.isnan(out._array), np.isnan(expected))
    np.testing.assert_allclose(out._array, expected, rtol=1e-12, atol=1e-15)
    grads(out, xs)  # backward raises no floating-point error either


@pytest.mark.parametrize("op", [op for op in ELEMENTWISE if op.inputs is UNARY], ids=repr)
def test_elementwise_gradients_stay_finite_away_from_a_nan(op):
    x = leaf([0.75, np.nan, 0.25, 0.5])  # in every domain: asin's and acos's too
    (g,) = grads(op.fn(x), [x])
    assert np.isfinite(g[[0, 2, 3]]).all()


def test_max_of_data_holding_nan_is_nan_and_the_nan_gets_the_gradient():
    """np.max propagates NaN; the gradient goes to the NaN, as with PyTorch's max()."""
    x = leaf([[1.0, np.nan, 3.0], [4.0, 2.0, 0.0]])
    out = x.max(dim=1).values
    np.testing.assert_array_equal(out._array, [np.nan, 4.0])
    np.testing.assert_array_equal(grads(out, [x])[0], [[0, 1, 0], [1, 0, 0]])


def test_inf_follows_ieee_arithmetic_and_leaves_finite_gradients_where_defined():
    x = leaf([-np.inf, -1.0, np.inf])
    np.testing.assert_array_equal(x.exp()._array, [0.0, np.exp(-1.0), np.inf])
    np.testing.assert_array_equal(x.tanh()._array, [-1.0, np.tanh(-1.0), 1.0])
    np.testing.assert_allclose(x.sigmoid()._array, [0.0, 1 / (1 + np.e), 1.0], rtol=1e-15, atol=1e-300)
    np.testing.assert_array_equal(x.relu()._array, [0.0, 0.0, np.inf])
    # the derivatives of tanh, sigmoid and relu at ±inf are 0 (or 1 for relu's right side)
    np.testing.assert_array_equal(grads(x.tanh(), [x])[0][[0, 2]], [0.0, 0.0])
    np.testing.assert_allclose(grads(x.sigmoid(), [x])[0][[0, 2]], [0.0, 0.0], atol=1e-300)
    np.testing.assert_array_equal(grads(x.relu(), [x])[0], [0.0, 0.0, 1.0])


def test_sigmoid_second_derivative_under_an_infinite_gradient_is_infinite_not_nan():
    """d/dy of sigmoid's backward grad · y · (1 - y) is grad · (1 - 2y), as PyTorch computes it:
    with grad = inf, -inf at y = sigmoid(1), where grad · (1 - y) - grad · y would be NaN."""
    scale, x = leaf(np.inf), leaf([1.0, -1.0])
    with np.errstate(invalid="ignore"):
        (g,) = am.autograd.grad((scale * x.sigmoid()).sum(), [x], create_graph=True)
        (gg,) = am.autograd.grad(g.sum(), [x])
    np.testing.assert_array_equal(g._array, [np.inf, np.inf])
    np.testing.assert_array_equal(gg._array, [-np.inf, np.inf])
    assert gradgradcheck(lambda t: t.sigmoid(), [leaf(np.linspace(-3.0, 3.0, 7))])


def test_minus_inf_masks_softmax_and_logsumexp_with_finite_gradients():
    """The attention-mask pattern: -inf logits get probability 0 and finite gradients: 0 for
    softmax and logsumexp, and for log_softmax the upstream gradient (its -inf outputs move
    one for one with their inputs)."""
    x = leaf([[0.5, -np.inf, 1.5], [-np.inf, 2.0, -np.inf]])
    masked = np.isinf(x._array)
    np.testing.assert_allclose(x.softmax(1)._array, [[1 / (1 + np.e), 0.0, np.e / (1 + np.e)], [0, 1, 0]])
    upstream = np.arange(6.0).reshape(2, 3)
    for out, expected in [(x.softmax(1), 0.0), (x.logsumexp(1), 0.0), (x.log_softmax(1), upstream[masked])]:
        (g,) = grads(out, [x], upstream if out.ndim == 2 else np.ones(2))
        assert np.isfinite(g).all()
        np.testing.assert_array_equal(g[masked], expected)


# ---- NaN through where: the untaken branch ---------------------------------------------------


def test_where_gives_the_untaken_branch_exact_zeros_whatever_the_upstream_gradient():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    condition = np.array([True, False, True])
    upstream = np.array([np.nan, np.inf, -np.inf])  # not 0 * grad: that would be NaN
    ga, gb = grads(am.where(condition, a, b), [a, b], upstream)
    np.testing.assert_array_equal(ga, [np.nan, 0.0, -np.inf])
    np.testing.assert_array_equal(gb, [0.0, np.inf, 0.0])


def test_where_after_an_op_undefined_on_the_untaken_branch_still_gives_nan():
    """The pitfall: sqrt(x) is computed for every x, and its backward multiplies where's exact
    zero by sqrt's infinite (x = 0) or NaN (x < 0) derivative: 0 * inf = NaN. As in PyTorch and JAX."""
    x = leaf([-1.0, 0.0, 4.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        (g,) = grads(am.where(x > 0, x.sqrt(), 0.0), [x])
    np.testing.assert_array_equal(g, [np.nan, np.nan, 0.25])


@pytest.mark.parametrize(
    "fn, expected",
    [
        (am.sqrt, [0.0, 0.0, 0.25]),
        (am.log, [0.0, 0.0, 0.25]),
        (lambda t: 1 / t, [0.0, 0.0, -1 / 16]),
    ],
    ids=["sqrt", "log", "reciprocal"],
)
def test_the_double_where_keeps_gradients_finite(fn, expected):
    """The safe pattern: give the op a harmless value (1) where its result will be discarded,
    then choose. No warning, no NaN, and second derivatives stay finite too."""
    x = leaf([-1.0, 0.0, 4.0])

    def safe_fn(x):
        positive = x > 0
        return am.where(positive, fn(am.where(positive, x, 1.0)), 0.0)

    (g,) = grads(safe_fn(x), [x])
    np.testing.assert_allclose(g, expected)
    (g,) = am.grad(safe_fn(x).sum(), [x], create_graph=True)
    (gg,) = grads(g.sum(), [x])
    assert np.isfinite(gg).all()
    assert gradcheck(safe_fn, [leaf([-1.0, 0.5, 4.0])])
    assert gradgradcheck(safe_fn, [leaf([-1.0, 0.5, 4.0])])


# ---- empty tensors --------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ELEMENTWISE, ids=repr)
@pytest.mark.parametrize("shapes", [((0, 3), (0, 3)), ((0, 3), (3,)), ((1, 3), (0, 1))], ids=str)
def test_elementwise_ops_on_empty_tensors(op, shapes):
    xs = [leaf(np.full(s, 0.75)) for s in shapes[: 1 if op.inputs is UNARY else 2]]  # in every domain
    out = op.fn(*xs)
    expected = op.ref(*[x.detach().numpy() for x in xs])
    assert out.shape == expected.shape and out.dtype == expected.dtype
    for x, g in zip(xs, grads(out, xs)):
        assert g.shape == x.shape


def test_sum_and_mean_of_empty_tensors():
    """sum of nothing is 0; mean of nothing is NaN, as in PyTorch, without NumPy's warning;
    reducing the non-empty dim of an empty tensor gives an empty result."""
    x = leaf(np.zeros((0, 3)))
    assert x.sum().item() == 0.0
    np.testing.assert_array_equal(x.sum(0)._array, np.zeros(3))
    assert np.isnan(x.mean().item())
    np.testing.assert_array_equal(x.mean(0)._array, [np.nan] * 3)
    assert x.mean(1).shape == (0,) and x.var(1).shape == (0,) and x.amax(1).shape == (0,)
    for out in (x.sum(), x.mean(), x.mean(0), x.mean(1), x.var(1), x.amax(1)):
        assert grads(out, [x])[0].shape == (0, 3)
    assert am.tensor(np.zeros((0, 2), np.float32)).mean().dtype == np.float32


@pytest.mark.parametrize("call, name", [(lambda x: x.max(), "max"), (lambda x: x.amin(0), "amin")])
def test_extremes_over_an_empty_dim_raise_value_error(call, name):
    """The max of nothing has no value."""
    with pytest.raises(ValueError, match=rf"^{name}: .*\(input shapes \(0, 3\)\)"):
        call(leaf(np.zeros((0, 3))))


def test_softmax_and_logsumexp_over_an_empty_dim_compute_as_pytorch():
    x = leaf(np.zeros((2, 0)))
    assert x.softmax(1).shape == (2, 0) and x.log_softmax(-1).shape == (2, 0)
    total = x.logsumexp(1)
    np.testing.assert_array_equal(total._array, [-np.inf, -np.inf])  # the log of an empty sum
    total.sum().backward()
    assert x.grad.shape == (2, 0)


def test_var_without_degrees_of_freedom_warns_and_gives_nan_as_pytorch():
    with pytest.warns(RuntimeWarning, match="var: 1 elements per result leave no degrees of freedom"):
        out = leaf([[1.0], [2.0]]).var(dim=1)
    np.testing.assert_array_equal(out._array, [np.nan, np.nan])
    with pytest.warns(RuntimeWarning, match="no degrees of freedom"):
        assert np.isnan(leaf(np.zeros(0)).std().item())
    np.testing.assert_array_equal(leaf([[1.0], [2.0]]).var(dim=1, correction=0)._array, [0.0, 0.0])


def test_matmul_and_linear_with_empty_dims():
    a, b = leaf(np.zeros((0, 3))), leaf(np.ones((3, 2)))
    out = a @ b
    assert out.shape == (0, 2)
    ga, gb = grads(out, [a, b])
    assert ga.shape == (0, 3)
    np.testing.assert_array_equal(gb, np.zeros((3, 2)))
    # an empty inner dim: a sum of no products, zeros
    c, d = leaf(np.zeros((2, 0))), leaf(np.zeros((0, 3)))
    np.testing.assert_array_equal((c @ d)._array, np.zeros((2, 3)))
    layer = nn.Linear(3, 2, dtype=np.float64)
    y = layer(a)
    assert y.shape == (0, 2)
    y.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad._array, np.zeros((2, 3)))
    np.testing.assert_array_equal(layer.bias.grad._array, np.zeros(2))


@pytest.mark.parametrize(
    "loss, target",
    [
        (F.mse_loss, np.zeros((0, 3))),
        (F.binary_cross_entropy, np.zeros((0, 3))),
        (F.binary_cross_entropy_with_logits, np.zeros((0, 3))),
        (F.cross_entropy, np.zeros(0, dtype=np.int64)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_losses_of_an_empty_batch(loss, target):
    """As in PyTorch: the mean of no losses is NaN, the sum 0, and 'none' is empty; the gradient
    is empty and computing it raises no floating-point error."""
    x = leaf(np.zeros((0, 3)))
    assert np.isnan(loss(x, target).item())
    assert loss(x, target, reduction="sum").item() == 0.0
    assert loss(x, target, reduction="none").shape == target.shape
    for reduction in ("mean", "sum"):
        assert grads(loss(x, target, reduction=reduction), [x])[0].shape == (0, 3)


def test_an_empty_list_index_selects_nothing():
    x = leaf(np.arange(6.0).reshape(2, 3))
    assert x[[]].shape == (0, 3)


# ---- integer and boolean tensors ----------------------------------------------------------------


def test_integer_and_boolean_tensors_follow_pytorchs_dtype_rules():
    """Tensors promote as PyTorch's do: integers become the default dtype (float32) in floating
    ops and with float tensors, a boolean mask keeps a float32 tensor float32, and integer-only
    ops stay integer."""
    i, b = am.tensor([1, 2, 3]), am.tensor([True, False, True])
    f = leaf([0.5, 1.5, 2.5], np.float32)
    for out in (i * 1.5, i / 2, i.exp(), i.sqrt(), i.sigmoid(), i.mean(), i.softmax(0), i * f):
        assert out.dtype == np.float32
    for out in (i + i, i.relu(), i.sum(), i.max(), i @ i, b.sum()):
        assert out.dtype == np.int64
    assert (b * f).dtype == np.float32 and am.where(b, f, 0.0).dtype == np.float32
    assert not (i * 1.5).requires_grad
    # the float32 leaf gets a float32 gradient
    (i * f).sum().backward()
    assert f.grad.dtype == np.float32
    np.testing.assert_array_equal(f.grad._array, [1.0, 2.0, 3.0])


def test_integer_tensors_cannot_require_grad_or_be_optimized():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, not int64"):
        am.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([am.tensor([1, 2])], lr=0.1)
    assert am.tensor([1, 2]).float().requires_grad_().dtype == np.float32


def test_meaningless_integer_and_boolean_arithmetic_is_refused():
    with pytest.raises(RuntimeError, match="negation, the - operator, of a bool tensor"):
        -am.tensor([True, False])
    with pytest.raises(RuntimeError, match="subtraction, the - operator, with a bool"):
        am.tensor([1.5]) - am.tensor([True])
    with pytest.raises(RuntimeError, match="cannot be converted to float32 without overflow"):
        am.zeros(2).fill_(1e300)
    with pytest.raises(ValueError, match="^pow: Integers to negative integer powers are not allowed"):
        am.tensor([1, 2]) ** -1
    with pytest.raises(RuntimeError, match="target must hold class indices as int64"):  # as PyTorch
        F.cross_entropy(leaf([[0.5, 1.0]]), am.tensor([1.0]))


# ---- 0-d tensors through every op -------------------------------------------------------------------

# Options that make sense for a 0-d input; the ops listed with None need at least one dim.
ZERO_D_OPTIONS = {
    "where": [{"condition": np.array(True)}, {"condition": np.array(False)}],
    "where_method": [{"condition": np.array(True)}, {"condition": np.array(False)}],
    "sum": [{"axis": None, "keepdims": False}, {"axis": (), "keepdims": True}],
    "var_ddof0": [{"axis": None, "keepdims": False}],
    "var": None,  # one element: no degrees of freedom with correction=1
    "std": None,
    "softmax": [{"dim": 0}, {"dim": -1}],  # NumPy and PyTorch accept dim 0 for a 0-d tensor
    "log_softmax": [{"dim": 0}, {"dim": -1}],
    "reshape": [{"shape": (1, 1)}, {"shape": (-1,)}, {"shape": ()}],
    "flatten": [{"start_dim": 0, "end_dim": -1}],
    "permute": [{"dims": ()}],
    "transpose": None,
    "squeeze": [{"dim": None}, {"dim": ()}],
    "unsqueeze": [{"dim": 0}, {"dim": -1}],
    "broadcast_to": [{"shape": (2, 3)}, {"shape": ()}],
    "basic_index": [{"index": ()}, {"index": None}, {"index": ...}, {"index": (None, ..., None)}],
    "advanced_index": [{"index": np.array(True)}, {"index": np.array(False)}],
    "cat": None,
    "stack": [{"dim": 0}, {"dim": -1}],
    "matmul": None,
    "addmm": None,  # matrices only: 0-d refused, as in PyTorch
    "prelu": None,  # its table row reshapes the slope to (1,): not a 0-d case
    "sort": [{"dim": 0, "descending": False}, {"dim": -1, "descending": True}],
    "topk": [{"dim": 0, "k": 1, "largest": True}, {"dim": -1, "k": 1, "largest": False}],
    "cumsum": [{"dim": 0}, {"dim": -1}],
    "cumprod": [{"dim": 0}, {"dim": -1}],
    "prod": [{"dim": None, "keepdim": False}, {"dim": 0, "keepdim": True}],
    "lerp_weight": [{}],
    "view": [{"shape": (1, -1)}, {"shape": ()}],
    "view_as": [{"shape": (1, 1)}, {"shape": ()}],
    "expand": [{"sizes": (2, 3)}, {"sizes": ()}],
    "expand_as": [{"shape": (2, 3)}, {"shape": ()}],
    "repeat_interleave": [{"repeats": 2, "dim": None}, {"repeats": 0, "dim": None}],
    "tile": [{"dims": ()}, {"dims": (2,)}, {"dims": (2, 3)}],
    "split": None,  # PyTorch's split, chunk and unbind need a dim to cut along
    "chunk": None,
    "unbind": None,
    "unflatten": None,  # no dim to unflatten, as in PyTorch
    "t": [{}],
    "movedim": [{"source": 0, "destination": -1}, {"source": (0,), "destination": (0,)}],
    "swapaxes": [{"dim0": 0, "dim1": -1}],
    "mT": None,  # matrices only, as in PyTorch
    "vector_norm": [{"ord": 2, "dim": None, "keepdim": False}, {"ord": math.inf, "dim": (), "keepdim": True}],
    "linalg_norm": [{"ord": None, "dim": None, "keepdim": keepdim} for keepdim in (False, True)],
    "masked_fill": [{"mask": np.array(True)}, {"mask": np.array(False)}],
    "masked_fill_tensor": None,  # its value is 0-d already, and a 0-d self is masked_fill's case
    "masked_select": [{"mask": np.array(True)}, {"mask": np.array(False)}],
    "take": [{"index": np.array(0)}, {"index": np.array([0, -1, 0])}],
    "take_along_dim": [{"indices": np.array([0, 0]), "dim": None}],
}
ZERO_D_OPTIONS["reshape_as"] = ZERO_D_OPTIONS["view_as"]
# Matrix and vector ops need dims, as in PyTorch; the others' table rows draw options for shapes
# that have dims.
for _name in ("mm", "bmm", "mv", "dot", "outer", "diag", "trace", "einsum", "tril", "triu", "diagonal",
              "narrow", "gather", "index_select", "flip", "roll", "repeat", "norm", "scatter",
              "scatter_value", "scatter_add", "index_add"):
    ZERO_D_OPTIONS[_name] = None
for _name in ("mean", "max", "min", "logsumexp"):
    ZERO_D_OPTIONS[_name] = ZERO_D_OPTIONS["sum"]


def test_the_zero_d_table_covers_every_op():
    extra = {op.name for op in OPS} - {op.name for op in ELEMENTWISE} - ZERO_D_OPTIONS.keys()
    assert not extra, f"say how these ops treat 0-d inputs: {sorted(extra)}"


ZERO_D_CASES = [
    (op, options)
    for op in OPS
    for options in ([{}] if op in ELEMENTWISE else ZERO_D_OPTIONS.get(op.name) or [])
]


@pytest.mark.parametrize("op, options", ZERO_D_CASES, ids=lambda v: "" if isinstance(v, dict) else repr(v))
@settings(max_examples=3)
@given(data=st.data())
def test_every_op_takes_0d_tensors(op, options, data):
    """Results are tensors over ndarrays (NumPy itself would give scalars), equal to NumPy's, and
    gradients are 0-d arrays that pass gradcheck."""
    inputs = {"where": 2, "where_method": 2, "stack": 2, "lerp_weight": 3}
    count = inputs.get(op.name, 2 if op.inputs is BINARY else 1)
    domains = op.domain if isinstance(op.domain, tuple) else (op.domain,) * count
    xs = [am.tensor(np.float64(data.draw(d)), requires_grad=True) for d in domains[:count]]
    out = op.fn(*xs, **options)
    expected = np.asarray(op.ref(*[x.detach().numpy() for x in xs], **options))
    assert type(out._array) is np.ndarray and out.shape == expected.shape
    np.testing.assert_allclose(out._array, expected, rtol=1e-12, atol=1e-15)
    for g in am.grad(out, xs, np.ones(out.shape), allow_unused=True):
        assert g is None or (type(g._array) is np.ndarray and g.shape == ())
    assert gradcheck(lambda *args: op.fn(*args, **options), xs)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x: x.softmax(1), IndexError, r"softmax: dim 1 is out of range .*\[-1, 0\]"),
        (lambda x: x.transpose(0, 1), IndexError, r"transpose: dim 1 is out of range .*\[-1, 0\]"),
        (lambda x: x.sum(dim=2), IndexError, r"reduction: dim 2 is out of range .*\[-1, 0\]"),
        (lambda x: am.cat([x, x]), IndexError, r"concatenate: shapes \(\) and \(\) cannot be joined"),
        (lambda x: x @ x, ValueError, r"matmul: shapes \(\) and \(\) do not align"),
    ],
)
def test_ops_that_need_a_dim_refuse_0d_tensors_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call(leaf(1.5))


# ---- the caller's arrays are never changed --------------------------------------------------------


def frozen_view(values: np.ndarray) -> np.ndarray:
    """A read-only, non-contiguous array holding values (every other element of a bigger one)."""
    base = np.empty(values.shape + (2,), values.dtype)
    view = base[..., 0]
    view[...] = values
    view.flags.writeable = False
    return view


@pytest.mark.parametrize("op", OPS, ids=repr)
@settings(max_examples=5)
@given(data=st.data())
def test_ops_read_read_only_non_contiguous_arrays_without_writing_them(op, data):
    xs, options = draw_case(data, op)
    arrays = [frozen_view(x._array) for x in xs]
    originals = [a.copy() for a in arrays]
    shared = [am.from_numpy(a, requires_grad=True) for a in arrays]
    out = op.fn(*shared, **options)
    # The same values, up to the last bit that BLAS may round differently for a strided operand.
    np.testing.assert_allclose(out._array, op.fn(*xs, **options)._array, rtol=4e-16, atol=0)
    first = am.grad(out, shared, np.ones(out.shape), create_graph=True, allow_unused=True)
    live = [g for g in first if g is not None and g.requires_grad]
    if live:
        am.grad(sum(g.sum() for g in live), shared, allow_unused=True)
    for a, original in zip(arrays, originals):
        np.testing.assert_array_equal(a, original)
        assert not a.flags.writeable


OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, maximize=True),
    lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.1, centered=True, momentum=0.5, weight_decay=0.1),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
@pytest.mark.parametrize(
    "loss, target",
    [
        (F.mse_loss, np.linspace(-1, 1, 8).reshape(4, 2)),
        (F.binary_cross_entropy_with_logits, np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])),
        (F.cross_entropy, np.array([0, 1, 1, 0])),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_training_leaves_the_callers_data_targets_and_gradients_unchanged(make_optimizer, loss, target):
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Tanh(), nn.Linear(4, 2, dtype=np.float64))
    opt = make_optimizer(model.parameters())
    x = frozen_view(np.linspace(-2, 2, 12).reshape(4, 3))
    target = frozen_view(target)
    upstream = frozen_view(np.array(1.5))
    kept = [a.copy() for a in (x, target, upstream)]
    for _ in range(2):
        opt.zero_grad()
        loss(model(am.from_numpy(x)), am.from_numpy(target)).backward(upstream)
        opt.step()
    for a, original in zip((x, target, upstream), kept):
        np.testing.assert_array_equal(a, original)


def test_a_gradient_passed_to_backward_is_copied_into_grad_not_shared():
    x = leaf([1.0, 2.0])
    upstream = np.array([3.0, 4.0])
    (x * 1.0).backward(upstream)
    x.grad._array += 1  # accumulating into .grad must not reach the caller's array
    np.testing.assert_array_equal(upstream, [3.0, 4.0])
    optim.SGD([x], lr=1.0, momentum=0.5).step()
    np.testing.assert_array_equal(upstream, [3.0, 4.0])


def test_a_read_only_array_cannot_become_a_trained_parameter():
    frozen = np.ones(3)
    frozen.flags.writeable = False
    p = am.from_numpy(frozen, requires_grad=True)
    with pytest.raises(ValueError, match=r"parameter 0 of group 0 \(shape \(3,\)\) holds a read-only array"):
        optim.Adam([p])
    # a copy trains, and from_numpy of a writable array trains the caller's array in place
    writable = np.ones(3)
    for p in (am.tensor(frozen, requires_grad=True), am.from_numpy(writable, requires_grad=True)):
        p.grad = am.tensor(np.ones(3))
        optim.SGD([p], lr=0.5).step()
        np.testing.assert_array_equal(p._array, [0.5] * 3)
    np.testing.assert_array_equal(writable, [0.5] * 3)
    np.testing.assert_array_equal(frozen, np.ones(3))


# ---- parameters that stop requiring grad, or are listed twice -----------------------------------


def test_a_parameter_frozen_after_the_optimizer_was_made_is_left_alone():
    """As in PyTorch: the optimizer steps only parameters with a gradient, and a frozen one gets none."""
    model = nn.Sequential(nn.Linear(2, 2, dtype=np.float64), nn.Linear(2, 1, dtype=np.float64))
    opt = optim.Adam(model.parameters(), lr=0.1)
    frozen = model[0].weight
    frozen.requires_grad = False
    before, other = frozen._array.copy(), model[1].weight._array.copy()
    opt.zero_grad()
    model(am.tensor(np.ones((3, 2)))).sum().backward()
    opt.step()
    assert frozen.grad is None
    np.testing.assert_array_equal(frozen._array, before)
    assert not np.array_equal(model[1].weight._array, other)
    assert frozen not in opt.state


def test_a_layer_shared_by_two_modules_is_one_parameter_unless_listed_twice():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    optim.SGD(model.parameters(), lr=0.1)  # named_parameters lists it once
    with pytest.raises(ValueError, match=r"parameter 2 of group 0 \(shape \(2, 2\)\) is listed twice"):
        optim.SGD([*shared.parameters(), *model.parameters()], lr=0.1)


# ---- checkpoints that do not fit --------------------------------------------------------------------


def mlp(hidden: int) -> nn.Module:
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def trained(model: nn.Module, opt: optim.Optimizer) -> None:
    model(am.ones(4, 2)).sum().backward()
    opt.step()


def test_a_model_checkpoint_of_another_architecture_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "model.npz"
    am.save(mlp(8).state_dict(), path)
    model = mlp(4)
    before = {k: v._array.copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError) as failure:
        model.load_state_dict(am.load(path))
    message = str(failure.value)
    assert (
        "size mismatch for 0.weight: copying a param with shape torch.Size([8, 2]) from checkpoint, "
        "the shape in current model is torch.Size([4, 2])."
    ) in message
    assert "size mismatch for 2.weight" in message
    deeper = nn.Sequential(*mlp(8), nn.Linear(1, 1))
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "3.weight", "3.bias"'):
        deeper.load_state_dict(am.load(path))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._array, before[k])


def test_an_optimizer_checkpoint_of_another_kind_or_model_is_refused(tmp_path):
    path = tmp_path / "opt.npz"
    model = mlp(8)
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trained(model, sgd)
    am.save(sgd.state_dict(), path)
    with pytest.raises(ValueError, match=r"lacks the options \['amsgrad', 'betas', .*another optimizer"):
        optim.Adam(model.parameters()).load_state_dict(am.load(path))
    narrow = mlp(4)
    with pytest.raises(ValueError, match=r"state\[0\]\['momentum_buffer'\] has shape \(8, 2\), .* \(4, 2\)"):
        optim.SGD(narrow.parameters(), lr=0.1, momentum=0.9).load_state_dict(am.load(path))
    one_layer = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="group 0 of the state dict has 4 parameters, .* has 2"):
        optim.SGD(one_layer.parameters(), lr=0.1).load_state_dict(am.load(path))


def test_a_model_and_an_optimizer_checkpoint_swapped_are_refused(tmp_path):
    model = mlp(4)
    opt = optim.Adam(model.parameters())
    trained(model, opt)
    am.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "both.npz")
    checkpoint = am.load(tmp_path / "both.npz")
    swapped = (
        'Missing key\\(s\\) in state_dict: "0.weight".*\n'
        '.*Unexpected key\\(s\\) in state_dict: "state", "param_groups"'
    )
    with pytest.raises(RuntimeError, match=swapped):
        model.load_state_dict(checkpoint["optimizer"])
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups' entries"):
        opt.load_state_dict(checkpoint["model"])
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])


# ---- grad mode from two threads at once -------------------------------------------------------------


def run_together(*fns) -> None:
    """Run each fn in its own thread, all started together; re-raise the first failure."""
    failures = []

    def guarded(fn):
        try:
            fn()
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    if failures:
        raise failures[0]


def test_no_grad_in_one_thread_leaves_another_recording_while_both_are_inside():
    x = leaf([1.0])
    inside = threading.Barrier(2, timeout=5)
    seen = {}

    def worker(name, mode):
        with am.set_grad_enabled(mode):
            inside.wait()  # both threads are now inside their blocks
            seen[name] = (x * 2).requires_grad
            inside.wait()  # and both have recorded (or not) before either leaves
        seen[name + " after"] = am.is_grad_enabled()

    run_together(lambda: worker("no_grad", False), lambda: worker("enable_grad", True))
    assert seen == {"no_grad": False, "enable_grad": True, "no_grad after": True, "enable_grad after": True}
    assert am.is_grad_enabled()


def test_one_no_grad_object_entered_by_two_threads_at_once_restores_each_threads_mode():
    """first enters, then second; first leaves, then second: each gets its own mode back."""
    shared = am.no_grad()
    step = threading.Barrier(2, timeout=5)
    after = {}

    def first():  # recording outside
        with shared:
            step.wait()  # 1: first is inside
            step.wait()  # 2: both are inside
        step.wait()  # 3: first has left
        after["first"] = am.is_grad_enabled()

    def second():  # already under an outer no_grad
        with am.no_grad():
            step.wait()  # 1
            with shared:
                step.wait()  # 2
                step.wait()  # 3
            after["second"] = am.is_grad_enabled()

    run_together(first, second)
    assert after == {"first": True, "second": False}
