"""The testing tools themselves: gradcheck must catch wrong gradients, strategies must keep promises."""

import math

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.testing import GradcheckError, gradcheck, gradgradcheck
from autograd_mini.testing import strategies as ams


def leaf(*values: float) -> am.Tensor:
    return am.tensor(np.array(values, dtype=np.float64), requires_grad=True)


class WrongCube(am.Function):
    """x³ whose backward claims 3x (it should be 3x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * grad


class FrozenSquare(am.Function):
    """x² with a right first derivative, 2x, but 2x computed from a copy that create_graph cannot
    see: the recorded backward treats x as a constant, so the second derivative comes out 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x.copy()  # a constant of the recorded backward, unlike save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return 2 * ctx.x * grad


# ---- gradcheck ------------------------------------------------------------------------------------


def test_gradcheck_passes_right_gradients_of_several_inputs_and_outputs():
    a = leaf(0.5, -1.0, 2.0)
    b = am.tensor(np.array([[1.5], [-0.5]]), requires_grad=True)
    assert gradcheck(lambda a, b: (a * b, (a[:2].exp() @ b).sin()), [a, b])


def test_gradcheck_catches_a_wrong_gradient_and_tabulates_it():
    x = leaf(0.5, 2.0)
    with pytest.raises(GradcheckError) as failure:
        gradcheck(WrongCube.apply, [x])
    message = str(failure.value)
    assert "2 of 2 gradient elements differ" in message
    header = message.splitlines()[1].split()
    assert header == ["input", "index", "analytic", "numeric", "difference"]
    # The worst row: element (1,) of input 0, where 3x = 6 but 3x² = 12 (times the projection).
    worst = message.splitlines()[2].split()
    assert worst[:2] == ["0", "(1,)"]
    assert float(worst[3]) / float(worst[2]) == pytest.approx(2.0, rel=1e-6)


def test_gradcheck_reports_the_position_of_the_input_among_all_inputs():
    constant, x = am.tensor(np.array([2.0])), leaf(0.5, 2.0)
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda c, t: WrongCube.apply(t) * c, [constant, x])
    assert str(failure.value).splitlines()[2].split()[0] == "1"


def test_gradcheck_fast_mode_catches_a_wrong_gradient_too():
    x = leaf(0.5, 2.0, -1.5)
    assert gradcheck(lambda t: t**3, [x], fast_mode=True)
    with pytest.raises(GradcheckError, match="direction u"):
        gradcheck(WrongCube.apply, [x], fast_mode=True)


def test_gradcheck_refuses_float32_inputs_and_says_why():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"shape \(2,\) is float32; use float64.*rounding"):
        gradcheck(lambda t: t * 2, [x])


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t * 2, [am.tensor(np.ones(2))])


def test_gradcheck_needs_tensor_outputs():
    with pytest.raises(TypeError, match="fn must return Tensors, got float"):
        gradcheck(lambda t: 1.0, [leaf(1.0)])


def test_gradcheck_leaves_the_inputs_as_they_were():
    x = leaf(0.5, 2.0)
    before = x._array
    gradcheck(lambda t: t.sin(), [x])
    assert x._array is before
    np.testing.assert_array_equal(x._array, [0.5, 2.0])


def test_gradcheck_treats_a_constant_input_as_a_constant():
    x, c = leaf(0.5, 2.0), am.tensor(np.array([3.0, 4.0]))
    assert gradcheck(lambda x, c: x * c, [x, c])


# ---- gradgradcheck ----------------------------------------------------------------------------------


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable_correctly():
    x = leaf(0.5, 2.0)
    assert gradcheck(FrozenSquare.apply, [x])  # the first derivative is right...
    with pytest.raises(GradcheckError):
        gradgradcheck(FrozenSquare.apply, [x])  # ...the second is not


def test_gradgradcheck_passes_mixed_second_derivatives():
    a, b = leaf(0.5, -1.0), leaf(2.0, 1.5)
    assert gradgradcheck(lambda a, b: (a * b).tanh() / b, [a, b])


# ---- strategies: what they generate ---------------------------------------------------------------


@given(ams.shapes())
def test_shapes_are_small(shape):
    assert 0 <= len(shape) <= 4 and all(1 <= n <= 4 for n in shape) and math.prod(shape) <= ams.MAX_SIZE


@given(ams.tensors(requires_grad=True))
def test_tensors_default_to_small_float64_leaves(t):
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert t.numel() <= ams.MAX_SIZE and np.all(np.abs(t._array) <= 3)


@given(ams.tensors(st.just((2, 3)), dtype=np.float32, elements=ams.floats_in(0, 1, width=32), unique=True))
def test_tensors_follow_shape_dtype_elements_and_unique(t):
    assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
    assert np.all((t._array >= 0) & (t._array <= 1)) and len(np.unique(t._array)) == 6


@given(ams.tensors(dtype=np.int64))
def test_integer_tensors_hold_small_integers(t):
    assert t.dtype == np.int64 and np.all(np.abs(t._array) <= 5)


@given(ams.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast_to_the_result(shapes):
    assert np.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape
    assert math.prod(shapes.result_shape) <= ams.MAX_SIZE


@given(ams.matmul_shapes())
def test_matmul_shapes_multiply(shapes):
    a, b = shapes.input_shapes
    assert np.matmul(np.ones(a), np.ones(b)).shape == shapes.result_shape
    assert all(math.prod(s) <= ams.MAX_SIZE for s in (a, b, shapes.result_shape))


@given(st.data())
def test_axes_are_valid_for_the_shape(data):
    shape = data.draw(ams.shapes())
    axis = data.draw(ams.axes(shape))
    if isinstance(axis, tuple):
        assert len({a % len(shape) for a in axis}) == len(axis)
    np.sum(np.ones(shape), axis=axis)  # raises if the axis is invalid


@given(st.data())
def test_basic_indices_are_valid_and_basic(data):
    shape = data.draw(ams.shapes())
    index = data.draw(ams.basic_indices(shape))
    parts = index if isinstance(index, tuple) else (index,)
    assert all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)
    np.ones(shape)[index]  # raises if the index is invalid


@given(st.data())
def test_advanced_indices_are_valid_masks_or_integer_arrays(data):
    shape = data.draw(ams.shapes())
    index = data.draw(ams.advanced_indices(shape))
    if isinstance(index, tuple):
        assert all(p.dtype.kind == "i" for p in index)
    else:
        assert index.dtype == np.bool_ and index.shape == shape[: index.ndim]
    np.ones(shape)[index]


@given(st.data())
def test_floats_in_respects_bounds_and_exclusions(data):
    low = data.draw(st.floats(-10, 10))
    high = data.draw(st.floats(low + 1, 20))
    excluded = data.draw(st.lists(st.floats(low, high), max_size=3))
    margin = data.draw(st.sampled_from([0.0, 1e-3, 0.1]))
    width = data.draw(st.sampled_from([32, 64]))
    try:
        values = ams.floats_in(low, high, exclude=excluded, margin=margin, width=width)
    except ValueError:  # the exclusions may cover the whole interval
        return
    value = data.draw(values)
    assert low <= value <= high
    assert all(abs(value - p) >= margin for p in excluded)
    if width == 32:
        assert float(np.float32(value)) == value


def test_floats_in_refuses_empty_ranges():
    with pytest.raises(ValueError, match="low=2 is above high=1"):
        ams.floats_in(2, 1)
    with pytest.raises(ValueError, match="no float in \\[0, 1\\]"):
        ams.floats_in(0, 1, exclude=[0.5], margin=1)


@pytest.mark.parametrize(
    "strategy, condition",
    [
        (ams.shapes(), lambda s: s == ()),
        (ams.shapes(), lambda s: 1 in s and len(s) >= 2),
        (ams.broadcastable_shapes(), lambda b: len({len(s) for s in b.input_shapes}) > 1),
        (
            ams.broadcastable_shapes(),
            lambda b: any(1 in s for s in b.input_shapes) and 1 not in b.result_shape,
        ),
        (ams.matmul_shapes(), lambda b: any(len(s) == 1 for s in b.input_shapes)),
        (ams.matmul_shapes(), lambda b: len(b.input_shapes[0]) > 2 and len(b.input_shapes[1]) > 2),
        (ams.matmul_shapes(), lambda b: len(b.input_shapes[0]) != len(b.input_shapes[1]) > 2),
        (ams.axes((2, 3, 4)), lambda a: isinstance(a, int) and a < 0),
        (ams.axes((2, 3, 4)), lambda a: isinstance(a, tuple) and len(a) == 2),
        (ams.axes((2, 3, 4)), lambda a: a is None),
        (ams.basic_indices((3, 4)), lambda i: isinstance(i, tuple) and None in i and Ellipsis in i),
        (ams.advanced_indices((4, 2)), lambda i: isinstance(i, tuple) and len(np.unique(i[0])) < i[0].size),
        (ams.advanced_indices((4, 2)), lambda i: isinstance(i, tuple) and np.any(i[0] < 0)),
        (ams.advanced_indices((4, 2)), lambda i: isinstance(i, np.ndarray) and i.dtype == np.bool_),
        (ams.floats_in(-1, 1, exclude=[0], margin=0.25), lambda v: v == 0.25),
    ],
    ids=[
        "0-d shape",
        "size-1 dim",
        "inputs of different ndim",
        "a broadcast dim",
        "1-D matmul operand",
        "batched matmul",
        "broadcast batch dims",
        "negative axis",
        "tuple of axes",
        "axis None",
        "None and Ellipsis",
        "repeated integer index",
        "negative integer index",
        "boolean mask",
        "exclusion edge",
    ],
)
def test_strategies_reach_the_cases_that_matter(strategy, condition):
    # Raises if no example satisfies the condition; no shrinking, since any example will do.
    find(
        strategy,
        condition,
        settings=settings(max_examples=1000, phases=[Phase.generate], derandomize=True, database=None),
    )
