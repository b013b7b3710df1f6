"""Tensor as a user meets it: creation and dtypes, attributes, NumPy interplay, and bad input."""

import re

import numpy as np
import pytest

import autograd_mini as am

# ---- creation and dtype rules -------------------------------------------------------------------


def test_python_floats_become_float32_by_default():
    assert am.tensor([1.0, 2.0]).dtype == np.float32
    assert am.tensor(1.5).dtype == np.float32
    assert am.tensor([[1, 2.5]]).dtype == np.float32


def test_set_default_dtype_changes_what_floats_become():
    am.set_default_dtype(np.float64)
    assert am.get_default_dtype() == np.float64
    assert am.tensor([1.0]).dtype == np.float64
    assert am.zeros(2).dtype == np.float64


def test_default_dtype_must_be_floating():
    with pytest.raises(TypeError, match="floating dtype, not int64"):
        am.set_default_dtype(np.int64)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_arrays_and_numpy_scalars_keep_their_dtype(dtype):
    assert am.tensor(np.array([1.0, 2.0], dtype=dtype)).dtype == dtype
    assert am.tensor(dtype(1.0)).dtype == dtype


def test_explicit_dtype_wins():
    assert am.tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_integers_and_booleans_exist_but_cannot_require_grad():
    assert am.tensor([1, 2]).dtype == np.int64
    assert am.tensor([True, False]).dtype == np.bool_
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, not int64"):
        am.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="not bool"):
        am.tensor([True]).requires_grad_()


def test_casting_to_an_integer_dtype_leaves_the_graph():
    x = am.tensor([1.5, -2.5], requires_grad=True)
    y = x.long()
    assert y.dtype == np.int64 and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y._array, [1, -2])


@pytest.mark.parametrize("data", [[object()], ["a", "b"], np.array(["x"]), {"a": 1}])
def test_non_numeric_data_is_refused(data):
    with pytest.raises(TypeError, match="tensor: "):
        am.tensor(data)


def test_ragged_lists_are_refused():
    with pytest.raises(TypeError, match="cannot make a tensor from list"):
        am.tensor([[1.0, 2.0], [3.0]])


def test_tensor_copies_its_data_but_from_numpy_shares_it():
    array = np.array([1.0, 2.0])
    copied, shared = am.tensor(array), am.from_numpy(array)
    array[0] = 9.0
    assert copied._array[0] == 1.0
    assert shared._array[0] == 9.0


def test_filled_and_random_constructors():
    assert am.zeros(2, 3).shape == (2, 3) and am.ones((2, 3)).tolist() == [[1.0] * 3] * 2
    assert am.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert am.arange(3).tolist() == [0, 1, 2]
    am.manual_seed(0)
    first = am.randn(3)._array
    am.manual_seed(0)
    np.testing.assert_array_equal(am.randn(3)._array, first)
    assert am.zeros(2, requires_grad=True).requires_grad


# ---- attributes ---------------------------------------------------------------------------------


def test_array_attributes():
    x = am.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.dtype == np.float32
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T._array, x._array.T)
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert [row.tolist() for row in x] == x.tolist()


def test_item_gives_a_python_number_from_one_element():
    assert am.tensor([[2.5]]).item() == 2.5 and isinstance(am.tensor(2.5).item(), float)
    assert float(am.tensor(2.5)) == 2.5 and int(am.tensor(3)) == 3
    with pytest.raises(ValueError, match=re.escape("one-element tensors") + ".*shape \\(2,\\)"):
        am.tensor([1.0, 2.0]).item()


def test_truth_value_of_many_elements_is_ambiguous():
    assert bool(am.tensor([1.0]))
    with pytest.raises(RuntimeError, match=re.escape("shape (2,) is ambiguous")):
        bool(am.tensor([1.0, 2.0]))


def test_len_of_a_0d_tensor_is_an_error():
    with pytest.raises(TypeError, match="0-d"):
        len(am.tensor(1.0))


def test_numpy_shares_memory_and_is_refused_while_requiring_grad():
    x = am.tensor([1.0, 2.0])
    assert x.numpy() is x._array
    x.requires_grad_()
    with pytest.raises(RuntimeError, match=re.escape(".detach().numpy()")):
        x.numpy()
    assert np.shares_memory(x.detach().numpy(), x._array)


def test_leaves_and_grad_fn_names():
    x = am.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    assert (x + 1).grad_fn.name() == "AddBackward0" and x.sum().grad_fn.name() == "SumBackward0"
    assert am.tensor([1.0]).is_leaf


def test_repr_reads_like_pytorch():
    assert repr(am.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(am.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(am.tensor(np.array([1.5]))) == "tensor([1.5000], dtype=float64)"
    assert repr(am.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(am.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward0>)"


# ---- NumPy interoperation -----------------------------------------------------------------------


def test_numpy_ufuncs_on_tensors_keep_the_graph():
    x = am.tensor([0.5, 1.0], dtype=np.float64, requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, am.Tensor) and y.grad_fn.name() == "ExpBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad._array, np.exp([0.5, 1.0]))


@pytest.mark.parametrize("side", ["left", "right"])
def test_arrays_times_tensors_keep_the_graph(side):
    x = am.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    a = np.array([3.0, 4.0])
    y = a * x if side == "left" else x * a
    assert isinstance(y, am.Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._array, a)


def test_numpy_functions_dispatch_to_tensor_ops():
    x = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = np.sum(x, axis=0)
    assert isinstance(total, am.Tensor) and total.grad_fn.name() == "SumBackward0"
    assert np.transpose(x).shape == (2, 2) and np.shape(x) == (2, 2)
    joined = np.concatenate([x, x]).detach()._array
    np.testing.assert_array_equal(joined, np.concatenate([x._array, x._array]))


@pytest.mark.parametrize(
    "call",
    [lambda t: np.cumsum(t), lambda t: np.sort(t), lambda t: np.arcsinh(t), lambda t: np.add.reduce(t)],
    ids=["cumsum", "sort", "arcsinh", "add.reduce"],
)
def test_unsupported_numpy_functions_raise_type_error(call):
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="numpy\\..* (does not take Tensors|detach)"):
        call(x)


def test_asarray_of_a_tensor_requiring_grad_raises():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(x)
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.0, 2.0])


def test_comparisons_give_boolean_tensors_outside_the_graph():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (x > 1.5, [False, True, True]),
        (x <= 2.0, [True, True, False]),
        (x == am.tensor([1.0, 0.0, 3.0]), [True, False, True]),
        (x != 2.0, [True, False, True]),
        (x < np.array([2.0, 2.0, 2.0]), [True, False, False]),
        (x >= 3.0, [False, False, True]),
    ]:
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected


# ---- PyTorch names and NumPy aliases agree ---------------------------------------------------------


def test_numpy_spellings_are_aliases():
    x = am.tensor(np.arange(6.0).reshape(2, 3))
    pairs = [
        (x.sum(dim=1, keepdim=True), x.sum(axis=1, keepdims=True)),
        (x.var(dim=0, correction=0), x.var(axis=0, ddof=0)),
        (x.clamp(1.0, 4.0), x.clip(1.0, 4.0)),
        (am.cat([x, x], dim=1), am.concatenate([x, x], axis=1)),
        (x.transpose(0, 1), x.swapaxes(0, 1)),
        (x.max(1).values, x.amax(1)),
        (x.reshape(3, 2), x.view(3, 2)),
        (x.broadcast_to(2, 2, 3), x.expand(2, 2, 3)),
    ]
    for torch_style, numpy_style in pairs:
        np.testing.assert_array_equal(torch_style._array, numpy_style._array)
    with pytest.raises(TypeError, match="give dim or axis, not both"):
        x.sum(dim=0, axis=1)
    with pytest.raises(TypeError, match="unexpected arguments \\['out'\\]"):
        x.sum(out=None)


# ---- bad input: a specific exception whose message names the problem and the shapes ---------------

X = am.tensor(np.ones((2, 3)))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: am.ones(3, 4) @ am.ones(5, 2), ValueError, "matmul: shapes (3, 4) and (5, 2) do not align"),
        (
            lambda: am.ones(2) + am.ones(3),
            ValueError,
            "add: shapes (2,) and (3,) cannot be broadcast together",
        ),
        (lambda: X * am.ones(4, 1, 2), ValueError, "mul: shapes (2, 3) and (4, 1, 2) cannot be broadcast"),
        (lambda: X.broadcast_to(3, 3), ValueError, "(2,3)  and requested shape (3,3)"),
        (lambda: X.reshape(4), ValueError, "reshape: cannot reshape array of size 6 into shape (4,)"),
        (lambda: X.sum(2), ValueError, "sum: axis 2 is out of bounds for array of dimension 2"),
        (lambda: X.max(-3), IndexError, "max: dim -3 is out of range for 2 dims"),
        (lambda: am.zeros(0, 3).min(0), IndexError, "min: dim 0 of shape (0, 3) is empty"),
        (lambda: X.softmax(5), IndexError, "softmax: dim 5 is out of range for 2 dims"),
        (lambda: X.permute(0), ValueError, "permute: (0,) is not a reordering of the dims of shape (2, 3)"),
        (lambda: X.permute(0, 0), ValueError, "permute: (0, 0) is not a reordering"),
        (lambda: X.transpose(0, 2), IndexError, "transpose: dim 2 is out of range for 2 dims"),
        (lambda: X.squeeze(3), IndexError, "squeeze: dim 3 is out of range for 2 dims"),
        (lambda: X.unsqueeze(-4), IndexError, "unsqueeze: dim -4 is out of range for 3 dims"),
        (lambda: X[2], IndexError, "index 2 is out of bounds for axis 0 with size 2"),
        (lambda: X[np.array([True, False, True])], IndexError, "boolean index did not match"),
        (
            lambda: am.cat([am.ones(2, 3), am.ones(2, 4)]),
            ValueError,
            "concatenate: shapes (2, 3) and (2, 4) cannot be joined",
        ),
        (
            lambda: am.stack([am.ones(2), am.ones(3)]),
            ValueError,
            "stack: shapes (2,) and (3,) cannot be joined",
        ),
        (lambda: am.cat([]), ValueError, "cat: needs at least one tensor"),
        (lambda: am.where(np.ones(4, bool), X, X), ValueError, "input shapes (4,), (2, 3), (2, 3)"),
        (lambda: X.clamp(), ValueError, "clamp: give at least one of min and max"),
    ],
)
def test_bad_input_raises_a_specific_error_naming_the_shapes(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_pytorch_dtype_names_are_numpy_dtypes():
    assert am.tensor([1, 2], dtype=am.float64).dtype == np.float64
    assert am.tensor([1.7], dtype=am.long).dtype == np.int64
    assert am.zeros(2, dtype=am.float).dtype == np.float32
    assert (am.double, am.bool) == (np.float64, np.bool_)
