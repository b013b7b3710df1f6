"""Elementwise functions beyond the op table: erf's accuracy, dtypes, rounding to decimals,
nan_to_num, comparisons and logical functions (boolean results outside the graph), isclose,
allclose and equal, and the in-place variants; then the same against PyTorch, special values
(0, -0, ±inf, NaN) and integer and boolean tensors included.

The differentiable functions' values, gradients and second derivatives on ordinary inputs are
checked by the op table in tests/test_ops.py.
"""

import math
import subprocess
import sys

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops import special, unary
from autograd_mini.testing import gradcheck, gradgradcheck

INF, NAN = math.inf, math.nan


def leaf(values, dtype=np.float64) -> am.Tensor:
    return am.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ---- erf and erfc -------------------------------------------------------------------------------

# Dense in the middle, geometric towards 0 and out to where erfc leaves the normal floats.
ERF_POINTS = np.concatenate(
    [np.linspace(-7, 7, 40001), np.geomspace(1e-300, 7, 4001), -np.geomspace(1e-12, 26, 4001)]
)


def relative_error(ours: np.ndarray, exact: np.ndarray) -> float:
    keep = np.abs(exact) > 1e-300  # subnormal results hold fewer digits
    return float((np.abs(ours - exact)[keep] / np.abs(exact[keep])).max())


def test_erf_is_within_float64_rounding_of_math_erf():
    exact = np.array([math.erf(v) for v in ERF_POINTS])
    assert relative_error(special.erf(ERF_POINTS), exact) <= 1e-15


def test_erfc_is_within_float64_rounding_of_math_erfc_in_both_tails():
    points = np.concatenate([ERF_POINTS, np.linspace(5, 26.5, 2001)])
    exact = np.array([math.erfc(v) for v in points])
    assert relative_error(special.erfc(points), exact) <= 1e-15


def test_erf_and_erfc_at_zero_infinities_and_nan():
    x = np.array([0.0, -0.0, INF, -INF, NAN, 1e300])
    np.testing.assert_array_equal(special.erf(x), [0.0, -0.0, 1.0, -1.0, NAN, 1.0])
    assert np.signbit(special.erf(x)[1])
    np.testing.assert_array_equal(special.erfc(x), [1.0, 1.0, 0.0, 2.0, NAN, 0.0])


def test_erf_of_float32_and_integers():
    assert am.erf(am.tensor([0.5], dtype=np.float32)).dtype == np.float32
    out = am.erf(am.tensor([0, 1, -2]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._array, [0.0, math.erf(1), math.erf(-2)], rtol=1e-7)
    assert am.erf(am.tensor(np.zeros((0, 2)))).shape == (0, 2)


def test_erf_leaves_the_callers_contextvars_empty():
    # NumPy reads its error state from the running contextvars.Context on every call; a variable
    # left there (decimal's context, set by the tables' decimal arithmetic) makes each later NumPy
    # call slower. A fresh interpreter, since the test runner itself may have set one.
    code = (
        "import contextvars, autograd_mini as am\n"
        "x = am.tensor([[0.1, 1.0, -3.0, 7.0]], requires_grad=True)\n"
        "(am.erf(x) + am.erfc(x) + am.nn.GELU()(x)).sum().backward()\n"
        "print(len(contextvars.copy_context()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


# ---- dtypes ----------------------------------------------------------------------------------------

FLOATING = [
    "expm1", "log2", "log10", "log1p", "rsqrt", "reciprocal", "tan", "asin", "acos", "atan", "sinh",
    "cosh", "erf", "erfc",
]


@pytest.mark.parametrize("name", FLOATING)
def test_floating_functions_of_integers_give_the_default_dtype(name):
    x = am.tensor([1, 2])
    with np.errstate(all="ignore"):
        assert getattr(am, name)(x).dtype == np.float32
        am.set_default_dtype(np.float64)
        assert getattr(x, name)().dtype == np.float64
        assert getattr(am.tensor([True, False]), name)().dtype == np.float64


@pytest.mark.parametrize("name", FLOATING + ["square", "floor", "ceil", "round", "trunc", "frac", "sign"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floating_functions_keep_a_floating_dtype(name, dtype):
    assert getattr(am, name)(am.tensor([0.25, 0.5], dtype=dtype)).dtype == dtype


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign", "square", "nan_to_num"])
def test_integer_tensors_stay_integer(name):
    x = am.tensor([3, -2, 0])
    out = getattr(am, name)(x)
    assert out.dtype == np.int64 and out._array is not x._array
    expected = {"sign": [1, -1, 0], "square": [9, 4, 0]}.get(name, [3, -2, 0])
    np.testing.assert_array_equal(out._array, expected)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac"])
def test_rounding_booleans_is_refused_as_in_pytorch(name):
    with pytest.raises(TypeError, match=f"^{name}: "):
        getattr(am, name)(am.tensor([True, False]))


def test_frac_of_integers_and_round_of_integers_to_decimals_are_refused():
    with pytest.raises(TypeError, match="^frac: takes a floating tensor, not int64"):
        am.tensor([1, 2]).frac()
    with pytest.raises(TypeError, match="^round: decimals= needs a floating tensor"):
        am.tensor([1, 2]).round(decimals=1)


def test_square_and_sign_of_booleans_as_pytorch():
    assert am.tensor([True, False]).square().dtype == np.int64
    np.testing.assert_array_equal(am.tensor([True, False]).sign()._array, [True, False])


def test_atan2_of_integers_gives_the_default_dtype_and_takes_numbers():
    out = am.atan2(am.tensor([1, -1]), am.tensor([1, 1]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._array, [math.pi / 4, -math.pi / 4], rtol=1e-6)
    np.testing.assert_allclose(am.tensor([1.0]).atan2(-1.0)._array, [math.atan2(1, -1)], rtol=1e-6)


# ---- rounding, sign and frac ---------------------------------------------------------------------


def test_round_sends_halves_to_the_even_neighbour():
    x = am.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999997])
    np.testing.assert_array_equal(x.round()._array, [0.0, 2.0, 2.0, -0.0, -2.0, 0.0])


@pytest.mark.parametrize(
    "decimals, values, expected",
    [
        (2, [1.125, 2.675, -0.0051, 3.0], [1.12, 2.68, -0.01, 3.0]),
        (1, [0.25, 0.35, -1.05], [0.2, 0.4, -1.0]),
        (-1, [1234.5, 15.0, 25.0, -4.9], [1230.0, 20.0, 20.0, -0.0]),
        (-2, [150.0, 250.0, 49.0], [200.0, 200.0, 0.0]),
    ],
)
def test_round_to_decimals(decimals, values, expected):
    out = am.tensor(values, dtype=np.float64).round(decimals=decimals)
    np.testing.assert_allclose(out._array, expected, rtol=1e-15, atol=0)


def test_round_to_more_decimals_than_the_dtype_holds_overflows_as_in_pytorch():
    out = am.tensor([123.456, 1e-30], dtype=np.float32).round(decimals=40)  # 10^40 is inf in float32
    np.testing.assert_array_equal(out._array, [NAN, NAN])
    np.testing.assert_array_equal(am.tensor([3e38], dtype=np.float32).round(decimals=3)._array, [INF])


def test_sign_of_nan_is_zero_and_frac_keeps_the_sign():
    np.testing.assert_array_equal(am.tensor([NAN, -0.0, -3.0, 2.0]).sign()._array, [0.0, 0.0, -1.0, 1.0])
    frac = am.tensor([2.75, -2.75, -0.0], dtype=np.float64).frac()
    np.testing.assert_array_equal(frac._array, [0.75, -0.75, 0.0])
    np.testing.assert_array_equal(am.tensor([INF, -INF, NAN]).frac()._array, [NAN, NAN, NAN])


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_steps_give_zero_gradients_recorded_in_the_graph(name):
    """As PyTorch: the result requires grad, and the gradient is zeros, at the steps too."""
    x = leaf([0.0, 1.0, 2.5, -0.7])
    out = getattr(x, name)()
    assert out.requires_grad and out.grad_fn.name() == f"{name.capitalize()}Backward0"
    out.backward(np.full(4, np.inf))  # zeros, not inf * 0
    np.testing.assert_array_equal(x.grad._array, np.zeros(4))


def test_frac_passes_the_gradient():
    x = leaf([0.25, -1.5])
    x.frac().sum().backward()
    np.testing.assert_array_equal(x.grad._array, [1.0, 1.0])


# ---- nan_to_num ------------------------------------------------------------------------------------


def test_nan_to_num_defaults_to_zero_and_the_dtype_limits():
    for dtype in (np.float16, np.float32, np.float64):
        out = am.tensor([NAN, INF, -INF, 1.5], dtype=dtype).nan_to_num()
        info = np.finfo(dtype)
        np.testing.assert_array_equal(out._array, np.array([0.0, info.max, info.min, 1.5], dtype))
        assert out.dtype == dtype


def test_nan_to_num_takes_its_replacements_and_passes_the_gradient_where_finite():
    x = leaf([NAN, INF, -INF, 1.5])
    out = am.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0)
    np.testing.assert_array_equal(out._array, [1.0, 2.0, -3.0, 1.5])
    out.backward(np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(x.grad._array, [0.0, 0.0, 0.0, 40.0])


def test_nan_to_num_of_integers_is_a_copy():
    x = am.tensor([1, 2])
    out = x.nan_to_num(nan=5.0)
    assert out.dtype == np.int64 and out._array is not x._array
    np.testing.assert_array_equal(out._array, [1, 2])


# ---- lerp, pow, clamp_min and clamp_max --------------------------------------------------------------


def test_lerp_with_a_number_or_a_tensor_weight_reaches_the_end_exactly():
    start, end = leaf([1.0, -2.0, 0.1]), leaf([3.0, 5.0, 0.7])
    np.testing.assert_array_equal(start.lerp(end, 1.0)._array, end._array)
    np.testing.assert_array_equal(am.lerp(start, end, 0.0)._array, start._array)
    weight = leaf([0.25, 0.5, 2.0])
    out = start.lerp(end, weight)
    np.testing.assert_allclose(out._array, [1.5, 1.5, 1.3], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(start.grad._array, [0.75, 0.5, -1.0])
    np.testing.assert_allclose(end.grad._array, [0.25, 0.5, 2.0])
    np.testing.assert_allclose(weight.grad._array, [2.0, 7.0, 0.6], rtol=1e-15)


def test_lerp_keeps_the_dtype_and_refuses_mixed_or_integer_tensors():
    start = am.tensor([1.0, 2.0])  # float32
    assert start.lerp(am.tensor([3.0, 4.0]), am.tensor(0.5, dtype=np.float64)).dtype == np.float32
    with pytest.raises(TypeError, match="^lerp: expected end of dtype float32 .*not float64"):
        start.lerp(am.tensor([3.0, 4.0], dtype=np.float64), 0.5)
    with pytest.raises(TypeError, match="^lerp: takes floating tensors, not start of dtype int64"):
        am.tensor([1, 2]).lerp(am.tensor([3, 4]), 0.5)


def test_pow_as_a_function_takes_a_number_on_either_side():
    x = leaf([1.0, 2.0, 3.0])
    np.testing.assert_allclose(am.pow(x, 2)._array, [1.0, 4.0, 9.0])
    np.testing.assert_allclose(am.pow(2, x)._array, [2.0, 4.0, 8.0])
    np.testing.assert_allclose(am.pow(x, x)._array, [1.0, 4.0, 27.0])
    assert am.pow(2, am.tensor([1, 3])).dtype == np.int64
    assert am.pow(2.5, am.tensor([1, 3])).dtype == np.float32
    am.pow(2, x).sum().backward()
    np.testing.assert_allclose(x.grad._array, np.log(2) * 2 ** x._array)


def test_clamp_min_and_max_take_numbers_and_tensors():
    x = leaf([-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(x.clamp_min(0.0)._array, [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(am.clamp_max(x, 1.0)._array, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.clamp(max=1.0)._array, am.clamp_max(x, 1.0)._array)
    low = leaf([0.0, 0.0, 3.0])
    out = x.clamp_min(low)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(low.grad._array, [1.0, 0.0, 1.0])
    assert am.tensor([1, 2]).clamp_min(1.5).dtype == np.float32  # PyTorch's promotion


def test_atan2_gradient_is_zero_at_the_origin():
    a, b = leaf([0.0, 1.0]), leaf([0.0, 1.0])
    am.atan2(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._array, [0.0, 0.5])
    np.testing.assert_array_equal(b.grad._array, [0.0, -0.5])


def test_numpy_ufuncs_run_the_new_ops_and_keep_the_graph():
    x = leaf([0.25, 0.5])
    for ufunc, name in [(np.tan, "Tan"), (np.arcsin, "Asin"), (np.log1p, "Log1p"), (np.floor, "Floor"),
                        (np.sign, "Sign"), (np.square, "Square")]:
        assert ufunc(x).grad_fn.name() == f"{name}Backward0"
    assert np.arctan2(x, x).grad_fn.name() == "Atan2Backward0"
    assert np.logical_xor(x, x).dtype == np.bool_


def test_the_aliases_are_the_same_functions():
    x = am.tensor([0.25, -0.5])
    for alias, name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("negative", "neg"),
                        ("fix", "trunc")]:
        np.testing.assert_array_equal(getattr(x, alias)()._array, getattr(am, name)(x)._array)
    np.testing.assert_array_equal(am.arctan2(x, x)._array, x.atan2(x)._array)


# ---- comparisons and logical functions ---------------------------------------------------------------

COMPARISONS = [
    ("eq", lambda a, b: a == b), ("ne", lambda a, b: a != b), ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b), ("gt", lambda a, b: a > b), ("ge", lambda a, b: a >= b),
]
ALIASES = {"ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}


@pytest.mark.parametrize("name, operator", COMPARISONS, ids=[name for name, _ in COMPARISONS])
def test_comparison_methods_functions_and_operators_agree(name, operator):
    x = leaf([1.0, 2.0, NAN, 3.0])
    others = [2.0, 2, am.tensor([2.0, 2.0, 2.0, 2.0]), np.array([3.0, 1.0, NAN, 3.0]), am.tensor(2)]
    for other in others:
        expected = operator(x._array, other._array if isinstance(other, am.Tensor) else other)
        outs = [getattr(x, name)(other), getattr(am, name)(x, other), operator(x, other)]
        if name in ALIASES:
            outs.append(getattr(am, ALIASES[name])(x, other))
        for out in outs:
            assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
            np.testing.assert_array_equal(out._array, expected)


def test_comparison_methods_refuse_what_is_not_a_tensor_or_number():
    x = am.tensor([1.0])
    with pytest.raises(TypeError, match="^eq: cannot compare a tensor with str"):
        x.eq("a")
    assert (x == "a") is False  # the operator falls back to identity, as with PyTorch's ==
    with pytest.raises(TypeError):
        x < "a"  # noqa: B015


def test_comparisons_of_0d_tensors_give_0d_tensors():
    out = am.tensor(1.5).gt(1)
    assert type(out._array) is np.ndarray and out.shape == () and out.item() is True


def test_isnan_isinf_isfinite():
    x = leaf([1.0, NAN, INF, -INF])
    np.testing.assert_array_equal(x.isnan()._array, [False, True, False, False])
    np.testing.assert_array_equal(am.isinf(x)._array, [False, False, True, True])
    np.testing.assert_array_equal(am.isfinite(x)._array, [True, False, False, False])
    assert not am.isnan(x).requires_grad
    np.testing.assert_array_equal(am.isfinite(am.tensor([1, 2]))._array, [True, True])
    assert am.isnan(am.tensor(NAN)).shape == ()


def test_logical_functions_treat_nonzero_as_true():
    a, b = am.tensor([0.0, 1.5, -2.0, 0.0]), am.tensor([0, 0, 3, 4])
    np.testing.assert_array_equal(am.logical_and(a, b)._array, [False, False, True, False])
    np.testing.assert_array_equal(a.logical_or(b)._array, [False, True, True, True])
    np.testing.assert_array_equal(a.logical_xor(b)._array, [False, True, False, True])
    np.testing.assert_array_equal(am.logical_not(a)._array, [True, False, False, True])
    assert am.logical_and(a, am.tensor([[True], [False]])).shape == (2, 4)


def test_isclose_allclose_and_equal():
    a = am.tensor([1.0, INF, NAN, -INF, 1.0], dtype=np.float64)
    b = am.tensor([1.0 + 1e-6, INF, NAN, INF, 1.1], dtype=np.float64)
    np.testing.assert_array_equal(am.isclose(a, b)._array, [True, True, False, False, False])
    np.testing.assert_array_equal(a.isclose(b, equal_nan=True)._array, [True, True, True, False, False])
    np.testing.assert_array_equal(a.isclose(b, rtol=0.2, atol=0)._array, [True, True, False, False, True])
    assert am.allclose(a[:2], b[:2]) is True and a.allclose(b, equal_nan=True) is False
    assert am.tensor([1.0, 2.0]).allclose(am.tensor([1.0, 2.001]), rtol=0, atol=0.01)
    assert am.equal(am.tensor([1, 2]), am.tensor([1.0, 2.0])) is True  # dtypes may differ
    assert am.tensor([1, 2]).equal(am.tensor([[1, 2]])) is False  # shapes may not
    assert am.equal(am.tensor([NAN]), am.tensor([NAN])) is False


def test_isclose_refuses_mixed_dtypes_negative_tolerances_and_shapes_that_do_not_broadcast():
    with pytest.raises(TypeError, match="^isclose: the tensors must have one dtype, not float32 and float64"):
        am.isclose(am.tensor([1.0]), am.tensor([1.0], dtype=np.float64))
    with pytest.raises(ValueError, match="^isclose: rtol and atol must be at least 0"):
        am.tensor([1.0]).isclose(am.tensor([1.0]), rtol=-1)
    with pytest.raises(ValueError, match=r"^isclose: shapes \(3,\) and \(2,\) cannot be broadcast"):
        am.allclose(am.tensor([1.0, 2.0, 3.0]), am.tensor([1.0, 2.0]))


# ---- in place ---------------------------------------------------------------------------------------

# name -> (call, expected values for the tensor [0.25, 2.5, -1.5, 4.0])
IN_PLACE = {
    "square_": (lambda t: t.square_(), [0.0625, 6.25, 2.25, 16.0]),
    "reciprocal_": (lambda t: t.reciprocal_(), [4.0, 0.4, -2 / 3, 0.25]),
    "sign_": (lambda t: t.sign_(), [1.0, 1.0, -1.0, 1.0]),
    "floor_": (lambda t: t.floor_(), [0.0, 2.0, -2.0, 4.0]),
    "ceil_": (lambda t: t.ceil_(), [1.0, 3.0, -1.0, 4.0]),
    "round_": (lambda t: t.round_(), [0.0, 2.0, -2.0, 4.0]),
    "round_ decimals": (lambda t: t.round_(decimals=1), [0.2, 2.5, -1.5, 4.0]),
    "trunc_": (lambda t: t.trunc_(), [0.0, 2.0, -1.0, 4.0]),
    "log_": (lambda t: t.abs_().log_(), np.log([0.25, 2.5, 1.5, 4.0])),
    "neg_": (lambda t: t.neg_(), [-0.25, -2.5, 1.5, -4.0]),
    "abs_": (lambda t: t.abs_(), [0.25, 2.5, 1.5, 4.0]),
    "sqrt_": (lambda t: t.abs_().sqrt_(), np.sqrt([0.25, 2.5, 1.5, 4.0])),
    "clamp_min_": (lambda t: t.clamp_min_(0.5), [0.5, 2.5, 0.5, 4.0]),
    "clamp_max_": (lambda t: t.clamp_max_(1.0), [0.25, 1.0, -1.5, 1.0]),
    "lerp_": (lambda t: t.lerp_(t.detach() * 0 + 1.25, 0.5), [0.75, 1.875, -0.125, 2.625]),
    "nan_to_num_": (lambda t: t.nan_to_num_(nan=9.0), [0.25, 2.5, -1.5, 4.0]),
}
START = [0.25, 2.5, -1.5, 4.0]


@pytest.mark.parametrize("name", IN_PLACE)
def test_each_method_changes_the_tensor_and_bumps_its_version(name):
    call, expected = IN_PLACE[name]
    t = am.tensor(START, dtype=np.float64)
    array = t._array
    assert call(t) is t and t._array is array
    np.testing.assert_allclose(t._array, expected, rtol=1e-15)
    assert t._version >= 1


@pytest.mark.parametrize("name", IN_PLACE)
def test_each_change_of_a_graph_tensor_is_recorded(name):
    call, _ = IN_PLACE[name]
    w = leaf(START)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        call(w)
    h = w * 1
    call(h)
    assert h.requires_grad and h.grad_fn is not None and h._version >= 1
    assert not h.grad_fn.name().startswith("Mul")


@pytest.mark.parametrize("name", IN_PLACE)
def test_each_in_place_method_passes_gradcheck_and_gradgradcheck(name):
    call, _ = IN_PLACE[name]
    x = leaf(np.array([0.3, 2.6, -1.4, 3.9]))

    def step(x):
        h = (x * 1.0).clone()
        call(h)
        return h * x

    assert gradcheck(step, [x])
    assert gradgradcheck(step, [x])


def test_in_place_changes_of_saved_values_are_caught():
    h = leaf([0.5, 2.0]) * 1
    out = h.exp()  # saves its result, not h
    loss = (h * h).sum()  # saves h
    h.square_()
    out.sum().backward()  # still fine: exp's result did not change
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_in_place_results_that_do_not_fit_the_dtype_are_refused():
    t = am.tensor([1, 4])
    with pytest.raises(RuntimeError, match="^sqrt_: the result type float32 can't be cast to .* int64"):
        t.sqrt_()
    np.testing.assert_array_equal(t.floor_()._array, [1, 4])
    assert t._version == 1


# ---- against PyTorch -------------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="the PyTorch comparisons need torch: pip install torch")


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.0, 1e-20, 30.0, INF, -INF, NAN]
UNARY = [
    "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf", "erfc", "floor", "ceil",
    "round", "trunc", "frac", "sign", "nan_to_num", "neg", "abs", "isnan", "isinf",
    "isfinite", "logical_not",
]
INPUTS = {
    "float64": np.array(SPECIAL),
    "float32": np.array(SPECIAL, np.float32),
    "int64": np.array([0, 1, -1, 2, -7, 30]),
    "bool": np.array([True, False]),
}


def same(ours: am.Tensor, theirs, rtol: float | None = None, atol: float = 0.0) -> None:
    """Equal dtype, shape and values (NaN where PyTorch has NaN), to float32 or float64 rounding
    unless rtol is given; the sign of zero too, unless atol allows a difference (gradients)."""
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    if rtol is None:
        rtol = 1e-14 if expected.dtype == np.float64 else 2e-7
    np.testing.assert_allclose(ours._array, expected, rtol=rtol, atol=atol)
    if expected.dtype.kind == "f" and not atol:
        zeros = expected == 0
        np.testing.assert_array_equal(np.signbit(ours._array[zeros]), np.signbit(expected[zeros]))


def outcome(call):
    """The result of call, or the exception it raised."""
    try:
        with np.errstate(all="ignore"):
            return call()
    except Exception as error:  # noqa: BLE001 (any refusal: PyTorch and we may name it differently)
        return error


@pytest.mark.torch
@pytest.mark.parametrize("kind", INPUTS)
@pytest.mark.parametrize("name", UNARY)
def test_values_and_dtypes_match_pytorch_at_special_values(torch, name, kind):
    """Both refuse the same inputs (bool floor, int frac), or give the same dtype and values."""
    values = INPUTS[kind]
    ours = outcome(lambda: getattr(am, name)(am.tensor(values)))
    theirs = outcome(lambda: getattr(torch, name)(torch.from_numpy(values)))
    if isinstance(theirs, Exception):
        assert isinstance(ours, Exception), f"PyTorch refuses {name} of {kind}: {theirs}"
        return
    assert not isinstance(ours, Exception), ours
    same(ours, theirs)


DIFFERENTIABLE = [name for name in UNARY if not name.startswith(("is", "logical"))]


@pytest.mark.torch
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradients_match_pytorch_at_special_values(torch, name):
    """Where the derivative is infinite, NaN or does not exist (the steps, abs at 0) too."""
    x, tx = leaf(SPECIAL), torch.tensor(SPECIAL, dtype=torch.float64, requires_grad=True)
    upstream = np.linspace(0.5, 2, len(SPECIAL))
    with np.errstate(all="ignore"):
        getattr(am, name)(x).backward(upstream)
    getattr(torch, name)(tx).backward(torch.from_numpy(upstream))
    same(x.grad, tx.grad, atol=1e-300)


BINARY = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "atan2"]
PAIRS = {
    "float64": (np.array(SPECIAL), np.array(SPECIAL[::-1])),
    "int64": (np.array([0, 1, -1, 2, 5]), np.array([0, 2, -1, -3, 5])),
    "float32 with int64": (np.array([0.0, 1.5, -1.0, NAN], np.float32), np.array([0, 1, -1, 2])),
    "broadcast": (np.array([[0.0], [1.0], [NAN]]), np.array([0.0, 1.0, -INF])),
}


@pytest.mark.torch
@pytest.mark.parametrize("kind", PAIRS)
@pytest.mark.parametrize("name", BINARY)
def test_comparisons_logical_functions_and_atan2_match_pytorch(torch, name, kind):
    a, b = PAIRS[kind]
    with np.errstate(all="ignore"):
        ours = getattr(am, name)(am.tensor(a), am.tensor(b))
    same(ours, getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)))


@pytest.mark.torch
@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("rtol, atol", [(1e-5, 1e-8), (0.0, 0.0), (0.1, 0.0), (0.0, 1.0)])
def test_isclose_allclose_and_equal_match_pytorch(torch, rtol, atol, equal_nan):
    a = np.array([1.0, INF, NAN, -INF, 1.0, 0.0, 1e-9, 100.0])
    b = np.array([1.0 + 1e-6, INF, NAN, INF, 1.1, 1e-9, 0.0, 105.0])
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    ours = am.isclose(am.tensor(a), am.tensor(b), rtol, atol, equal_nan)
    same(ours, torch.isclose(ta, tb, rtol, atol, equal_nan), rtol=0)
    for part in (slice(None), slice(0, 2), slice(4, 6)):
        ours = am.allclose(am.tensor(a[part]), am.tensor(b[part]), rtol, atol, equal_nan)
        assert ours is torch.allclose(ta[part], tb[part], rtol, atol, equal_nan)
    for x, y in [(a, a), (a, b), (a[:2], a[:2].astype(np.float32)), (a[:1], a[:1].reshape(1, 1))]:
        assert am.equal(am.tensor(x), am.tensor(y)) is torch.equal(torch.from_numpy(x), torch.from_numpy(y))


@pytest.mark.torch
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_to_decimals_matches_pytorch(torch, decimals, dtype):
    values = np.concatenate([np.linspace(-30, 30, 2401), [2.675, 1.005, 0.125, 1234.5, 5e-4]]).astype(dtype)
    ours = am.tensor(values).round(decimals=decimals)
    same(ours, torch.from_numpy(values).round(decimals=decimals), rtol=0)


@pytest.mark.torch
def test_lerp_nan_to_num_clamp_min_and_pow_match_pytorch(torch):
    rng = np.random.default_rng(0)
    s, e, w = rng.uniform(-2, 2, (3, 2, 4))
    ts, te, tw = (torch.tensor(v, requires_grad=True) for v in (s, e, w))
    xs = [leaf(v) for v in (s, e, w)]
    cases = [
        (lambda a, b, c: a.lerp(b, c), lambda a, b, c: a.lerp(b, c)),
        (lambda a, b, c: a.lerp(b, 0.75), lambda a, b, c: a.lerp(b, 0.75)),
        (lambda a, b, c: a.clamp_min(b) * c, lambda a, b, c: a.clamp_min(b) * c),
        (
            lambda a, b, c: am.pow(a.abs(), b) + am.pow(2.0, c),
            lambda a, b, c: torch.pow(a.abs(), b) + torch.pow(2.0, c),
        ),
        (
            lambda a, b, c: (a / (b * 0)).nan_to_num(posinf=2.0) * c,
            lambda a, b, c: (a / (b * 0)).nan_to_num(posinf=2.0) * c,
        ),
    ]
    for ours_fn, torch_fn in cases:
        with np.errstate(all="ignore"):
            ours = ours_fn(*xs)
            grads = am.grad(ours.sum(), xs, allow_unused=True)
        theirs = torch_fn(ts, te, tw)
        same(ours, theirs)
        for g, tg in zip(grads, torch.autograd.grad(theirs.sum(), (ts, te, tw), allow_unused=True)):
            if tg is None:
                assert g is None or not g._array.any()
            else:
                same(g, tg, atol=1e-15)


TORCH_IN_PLACE = {
    "square_": lambda t, lib: t.square_(), "reciprocal_": lambda t, lib: t.reciprocal_(),
    "sign_": lambda t, lib: t.sign_(), "floor_": lambda t, lib: t.floor_(), "ceil_": lambda t, lib: t.ceil_(),
    "round_": lambda t, lib: t.round_(decimals=1), "trunc_": lambda t, lib: t.trunc_(),
    "log_": lambda t, lib: t.abs_().log_(), "neg_": lambda t, lib: t.neg_(), "abs_": lambda t, lib: t.abs_(),
    "sqrt_": lambda t, lib: t.abs_().sqrt_(), "clamp_min_": lambda t, lib: t.clamp_min_(0.5),
    "clamp_max_": lambda t, lib: t.clamp_max_(1.0),
    "lerp_": lambda t, lib: t.lerp_(t.detach() * 0 + 1.0, 0.25),
    "nan_to_num_": lambda t, lib: (t.div_(t.detach() - 2.5)).nan_to_num_(posinf=7.0),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", TORCH_IN_PLACE)
def test_in_place_methods_match_pytorch(torch, name):
    values = np.array([0.3, 2.5, -1.4, 3.9])
    x, tx = leaf(values), torch.tensor(values, requires_grad=True)
    results = []
    for lib, leaf_ in ((am, x), (torch, tx)):
        h = leaf_ * 1.5
        with np.errstate(all="ignore"):
            TORCH_IN_PLACE[name](h, lib)
            (h * leaf_).sum().backward()
        results.append(h)
    same(results[0], results[1])
    same(x.grad, tx.grad, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_pass_where_equals_np_where_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    grad = rng.standard_normal((6, 7)).astype(dtype)
    grad[0, :4] = [np.inf, -np.inf, np.nan, -0.0]
    mask = rng.random((6, 7)) < 0.5
    mask[0, :4] = False
    for g, m in ((grad, mask), (grad.T, mask.T), (grad[::2, 1:], mask[::2, 1:]), (grad[0, 0], mask[0, 0])):
        picked = unary.pass_where(np.asarray(m), np.asarray(g))
        expected = np.where(m, g, 0)
        assert picked.dtype == expected.dtype and picked.shape == expected.shape
        as_bytes = [np.ascontiguousarray(a).view(np.uint8) for a in (picked, expected)]
        assert np.array_equal(*as_bytes)  # the same bits: +0 where masked, never NaN


def test_relu_and_clamp_gradients_keep_infinities_out_where_they_stop():
    x = am.tensor(np.array([-1.0, 2.0, 0.5, 3.0]), requires_grad=True)
    upstream = am.tensor(np.array([np.inf, np.inf, -np.inf, np.nan]))
    for f in (am.relu, lambda t: t.clamp(0, 1), lambda t: am.nn.functional.hardtanh(t, 0, 1)):
        x.grad = None
        f(x).backward(upstream)
        inside = np.array([False, f is am.relu, True, f is am.relu])
        expected = np.where(inside, upstream._array, 0)
        assert np.array_equal(x.grad._array, expected, equal_nan=True)
