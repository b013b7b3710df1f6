"""logspace, as_tensor, tensor() of lists holding tensors, numel, the new_* methods, type(), the
dtype conversions (half, int, short, char, byte, bool), element_size, and mT, mH and H.

The second half runs the same calls on PyTorch and compares values, dtypes and shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am

# ---- logspace --------------------------------------------------------------------------------------


def test_logspace():
    np.testing.assert_allclose(am.logspace(0, 2, 3).numpy(), [1, 10, 100])
    assert am.logspace(0, 2, 3, base=2).tolist() == [1, 2, 4]
    assert am.logspace(0, 2, 3).dtype == np.float32
    assert am.logspace(0, 1, 2, dtype=am.float64).dtype == np.float64
    assert am.logspace(0, 2, 3, dtype=am.int64).tolist() == [1, 10, 100]
    assert am.logspace(0, 2, 0).shape == (0,) and am.logspace(1, 2, 1).tolist() == [10]
    assert am.logspace(0, 1, 2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="steps"):
        am.logspace(0, 2, -1)
    with pytest.raises(TypeError, match="steps"):
        am.logspace(0, 2, 2.5)


# ---- as_tensor ----------------------------------------------------------------------------------------


def test_as_tensor_shares_an_array_of_the_same_dtype():
    array = np.array([1.0, 2.0])
    shared = am.as_tensor(array)
    shared[0] = 9.0
    assert array[0] == 9.0 and shared.dtype == np.float64
    assert am.as_tensor(array, dtype=am.float64).numpy() is array


def test_as_tensor_copies_to_another_dtype_and_keeps_a_tensor():
    array = np.array([1.0, 2.0])
    copied = am.as_tensor(array, dtype=am.float32)
    copied[0] = 9.0
    assert array[0] == 1.0 and copied.dtype == np.float32
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert am.as_tensor(x) is x and am.as_tensor(x, dtype=am.float32) is x
    y = am.as_tensor(x, dtype=am.float64)
    assert y.dtype == np.float64 and y.grad_fn is not None  # converted in the graph
    assert am.as_tensor([1, 2.5]).dtype == np.float32 and am.as_tensor(3).dtype == np.int64
    with pytest.raises(RuntimeError, match="cuda"):
        am.as_tensor([1.0], device="cuda")


# ---- tensor() of lists holding tensors ---------------------------------------------------------------


def test_a_list_of_0d_tensors_becomes_a_tensor_of_their_values():
    losses = [am.tensor(1.0, requires_grad=True) * 2, am.tensor(3.0)]
    stacked = am.tensor(losses)
    assert stacked.tolist() == [2.0, 3.0] and not stacked.requires_grad  # copies, outside the graph
    assert am.tensor([[am.tensor(1), 2], [3, am.tensor([4])]]).tolist() == [[1, 2], [3, 4]]
    assert am.tensor((am.tensor(1.0), am.tensor(2.0)), dtype=am.float64).dtype == np.float64


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: [am.tensor(1, dtype=am.int32), am.tensor(2, dtype=am.int32)], np.int32),
        (lambda: [am.tensor(1.0, dtype=am.float16), am.tensor(2.0, dtype=am.float16)], np.float16),
        (lambda: [am.tensor(1.0, dtype=am.float64), 2], np.float64),
        (lambda: [am.tensor(1, dtype=am.int32), 2], np.int64),
        (lambda: [am.tensor(1, dtype=am.int32), 2.5], np.float32),  # floats outrank integers
        (lambda: [am.tensor(1, dtype=am.uint8), True], np.uint8),
        (lambda: [am.tensor(True), am.tensor(False)], np.bool_),
        (lambda: [np.float64(1.5)], np.float64),  # a NumPy scalar counts with its own dtype
        (lambda: [np.float32(1.5), 2.0], np.float32),
        (lambda: [[1.0], [np.float64(2.0)]], np.float64),
        (lambda: [np.int32(1), np.float16(2.0)], np.float16),
    ],
)
def test_the_tensors_dtypes_count_as_in_pytorch(make, dtype):
    assert am.tensor(make()).dtype == dtype


def test_a_list_of_tensors_with_several_elements_is_refused():
    with pytest.raises(ValueError, match="one-element"):
        am.tensor([am.tensor([1.0, 2.0]), am.tensor([3.0, 4.0])])


# ---- numel, element_size, new_* ---------------------------------------------------------------------


def test_numel_nelement_element_size():
    x = am.zeros(2, 3)
    assert am.numel(x) == x.nelement() == x.numel() == 6
    sizes = {am.float16: 2, am.float32: 4, am.float64: 8, am.int64: 8, am.uint8: 1, am.bool: 1}
    assert all(am.zeros(1, dtype=dtype).element_size() == size for dtype, size in sizes.items())


def test_new_tensors_take_this_ones_dtype_unless_given():
    x = am.zeros(2, dtype=am.float64)
    assert x.new_zeros(3).dtype == np.float64 and x.new_zeros(3).tolist() == [0, 0, 0]
    assert x.new_zeros((2, 3), dtype=am.int32).dtype == np.int32 and x.new_ones(2, 1).shape == (2, 1)
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0] and x.new_full((2,), 3).dtype == np.float64
    assert x.new_full((2,), 3, dtype=am.int64).dtype == np.int64
    assert x.new_tensor([1, 2]).dtype == np.float64 and x.new_empty(2, 2).shape == (2, 2)
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert am.zeros(2, dtype=am.int32).new_tensor([1.5]).tolist() == [1]
    source = am.tensor([1.0], requires_grad=True)
    copy = x.new_tensor(source)
    assert not copy.requires_grad and copy.dtype == np.float64
    with pytest.raises(TypeError):
        x.new_zeros(2, bogus=1)


# ---- type() and the dtype conversions -------------------------------------------------------------------


def test_type_names_the_type_as_pytorch_and_converts():
    assert am.zeros(1).type() == "torch.FloatTensor"
    assert am.zeros(1, dtype=am.int64).type() == "torch.LongTensor"
    assert am.zeros(1, dtype=np.longdouble).type() == np.dtype(np.longdouble).name  # no PyTorch name
    x = am.zeros(2, requires_grad=True)
    assert x.type(am.float32) is x
    assert x.type(am.float64).dtype == np.float64 and x.type(am.float64).grad_fn is not None
    assert x.type("torch.DoubleTensor").dtype == np.float64 and x.type("torch.ByteTensor").dtype == np.uint8
    assert x.type("float16").dtype == np.float16  # NumPy's spellings too
    with pytest.raises(TypeError, match="names no dtype"):
        x.type("torch.cuda.FloatTensor")


def test_dtype_conversions():
    x = am.tensor([1.7, -1.7], requires_grad=True)
    assert x.half().dtype == np.float16 and x.half().requires_grad
    assert x.int().tolist() == [1, -1] and x.int().dtype == np.int32
    assert x.short().dtype == np.int16 and x.char().dtype == np.int8
    assert am.tensor([1.7, 200.0]).byte().tolist() == [1, 200] and x.byte().dtype == np.uint8
    assert am.tensor([1.7, 0.0]).bool().tolist() == [True, False]


# ---- mT, mH, H ---------------------------------------------------------------------------------------------


def test_matrix_transposes():
    x = am.arange(24.0).reshape(2, 3, 4).requires_grad_()
    assert x.mT.shape == (2, 4, 3) and x.mH.shape == (2, 4, 3)
    np.testing.assert_array_equal(x.mT.detach().numpy(), np.swapaxes(x.detach().numpy(), -1, -2))
    x.mT.sum().backward()
    assert x.grad.shape == x.shape
    m = am.ones(2, 3)
    assert m.H.shape == (3, 2) and m.mT.shape == (3, 2)
    for bad in (lambda: am.ones(3).mT, lambda: am.ones(3).H, lambda: x.H):
        with pytest.raises(RuntimeError, match="dims"):
            bad()


# ---- the same calls on PyTorch ---------------------------------------------------------------------------

CALLS = [
    "torch.logspace(0, 2, 3)", "torch.logspace(-1, 1, 5, base=2)",
    "torch.logspace(0, 2, 3, dtype=torch.int64)",
    "torch.logspace(0, 2, 0)", "torch.logspace(1, 2, 1)", "torch.logspace(0, 1, 4, dtype=torch.float64)",
    "torch.logspace(0, 2, -1)",
    "torch.as_tensor(np.array([1.0, 2.0]))", "torch.as_tensor([1, 2.5])", "torch.as_tensor(3)",
    "torch.as_tensor(np.array([1, 2]), dtype=torch.float32)",
    "torch.tensor([torch.tensor(1.0), torch.tensor(2.0)])",
    "torch.tensor([torch.tensor(1.0, dtype=torch.float64), 2])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), torch.tensor(2, dtype=torch.int32)])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), 2])",
    "torch.tensor([torch.tensor(1, dtype=torch.int32), 2.5])",
    "torch.tensor([torch.tensor([1.0]), torch.tensor([2.0])])",
    "torch.tensor([[torch.tensor(1), 2], [3, 4]])",
    "torch.tensor([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])",
    "torch.numel(torch.zeros(2, 3))", "torch.zeros(2, 3).nelement()",
    "x.new_zeros(3)", "x.new_zeros((2, 3), dtype=torch.int32)", "x.new_ones(2, 1)", "x.new_full((2,), 3)",
    "x.new_full((2,), 3, dtype=torch.int64)", "x.new_tensor([1, 2])", "x.new_empty(2).shape",
    "x.new_zeros(2, requires_grad=True)", "torch.zeros(2, dtype=torch.int32).new_tensor([1.5])",
    "torch.zeros(2).new_full((2,), True)",
    "x.type()", "x.float().type()", "x.half().type()", "x.long().type()", "x.int().type()",
    "x.short().type()", "x.char().type()", "x.byte().type()", "x.bool().type()",
    "x.element_size()", "x.float().element_size()", "x.half().element_size()", "x.bool().element_size()",
    "x.type(torch.float32)", "x.type('torch.DoubleTensor')", "x.type('torch.LongTensor')",
    "f.half()", "f.int()", "f.short()", "f.char()", "f.byte()", "f.bool()",
    "torch.tensor([np.float64(1.5)])", "torch.tensor([np.float32(1.5), 2.0])",
    "torch.tensor([[1.0], [np.float64(2.0)]])", "torch.tensor([np.int32(1), np.float16(2.0)])",
    "m.mT", "m.mH", "m[0].H", "m[0].mT", "m.H", "m[0, 0].mT", "m[0, 0].H",
]


def evaluate(call: str, lib: Any) -> Any:
    names = {
        "torch": lib, "np": np,
        "x": lib.zeros(2, dtype=lib.float64),
        "f": lib.tensor([1.7, -1.7, 0.0, 3.2]),
        "m": lib.arange(24.0).reshape(2, 3, 4),
    }
    try:
        return eval(call, names)
    except (IndexError, TypeError, RuntimeError, ValueError) as error:
        return error


def assert_same(ours: Any, theirs: Any, call: str) -> None:
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"{call}: PyTorch raises {theirs!r}, we give {ours!r}"
        return
    if not hasattr(theirs, "dtype"):  # a number, a string or a shape
        assert ours == (tuple(theirs) if isinstance(theirs, tuple) else theirs), call
        return
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), f"{call}: {ours.dtype} {theirs.dtype}"
    assert ours.shape == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad, call
    if not call.endswith(".shape") and "new_empty" not in call:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, err_msg=call)


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_the_same_call_gives_what_pytorch_gives(call):
    torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")
    assert_same(evaluate(call, am), evaluate(call, torch), call)


@pytest.mark.torch
def test_as_tensor_shares_memory_where_pytorch_does():
    torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")
    for dtype in (None, "float64", "float32"):
        shared = []
        for lib in (am, torch):
            array = np.array([1.0, 2.0])
            t = lib.as_tensor(array, dtype=None if dtype is None else getattr(lib, dtype))
            t[0] = 9.0
            shared.append(array[0] == 9.0)
        assert shared[0] == shared[1], dtype
