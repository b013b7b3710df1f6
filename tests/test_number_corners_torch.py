"""Numbers at the edge of a dtype, against PyTorch: powers with exponents float32 cannot hold,
add and sub with alpha across dtypes, where with numbers too large for its result, and a
one-element source of another dtype written under a mask.

Select them with `pytest -m torch`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_mini as am

torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")

pytestmark = pytest.mark.torch

INF = float("inf")


def assert_same(ours: am.Tensor, theirs) -> None:
    """The same dtype and shape, and the same values bit for bit (NaN equal to NaN)."""
    theirs = theirs.detach().numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.detach().numpy(), theirs)


# ---- float32 powers of exponents that float32 rounds ------------------------------------------------


@pytest.mark.parametrize("exponent", [1e-300, -1e-300, 1e-50, -1e-50, 1e-46, 16777217.0, -16777217.0, 1e39])
def test_float32_power_of_a_number_float32_cannot_hold_matches_pytorch(exponent):
    """NumPy would round the exponent to float32 first: 0 ** 1e-300 = 0 ** 0 = 1 and
    (-1) ** 16777217.0 = 1; PyTorch takes the exponent as it is (0 and -1)."""
    values = [0.0, 1.0, 2.0, INF, -1.0, -2.0, 0.5]
    ours, theirs = am.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    with np.errstate(all="ignore"):
        out = ours**exponent
        out.sum().backward()
    expected = theirs**exponent
    expected.sum().backward()
    assert_same(out, expected)
    assert_same(ours.grad, theirs.grad)


def test_powers_with_exponents_that_float32_rounds_to_zero_are_exact():
    """0 ** 1e-300 is 0 and inf ** -1e-300 is 0, however the float32 operand comes in: a
    tensor, a 0-d tensor, an in-place power, an integer tensor raised to a float."""
    with np.errstate(all="ignore"):
        assert (am.tensor([0.0, INF]) ** 1e-300).tolist() == [0.0, INF]
        assert (am.tensor([0.0, INF]) ** -1e-300).tolist() == [INF, 0.0]
        assert (am.tensor(0.0) ** np.float64(1e-300)).item() == 0.0
        assert am.tensor([0.0, 2.0]).pow_(1e-300).tolist() == [0.0, 1.0]
        assert am.pow(am.tensor([0, 2]), 1e-300).tolist() == [0.0, 1.0]


# ---- add and sub with alpha: alpha multiplies in the dtype of the sum ------------------------------

DTYPES = {"f16": "float16", "f32": "float32", "f64": "float64", "i32": "int32", "i64": "int64", "u8": "uint8"}
# (self's dtype and shape, other's dtype and shape, alpha, self's value, other's value)
ALPHA_CASES = [
    ("f64", (), "f32", (), 2.0, 1.0, 3e38),  # 6e38 in float64; 2 * 3e38 is inf in float32
    ("f64", (3,), "f32", (3,), 2.0, 1.0, 3e38),
    ("f64", (3,), "f32", (), 2.0, 1.0, 3e38),
    ("f32", (3,), "f64", (3,), 0.5, 1.0, 3e38),  # computed in float64, rounded to float32
    ("f32", (3,), "f64", (), 2.0, 1.0, 3e38),  # a 0-d float64 takes float32's part
    ("f64", (3,), "i32", (3,), 1e300, 1.0, 3),
    ("f32", (3,), "f16", (3,), 3.0, 1.0, 60000.0),
    ("i64", (3,), "i32", (3,), 2**40, 1, 2**20),
    ("i64", (3,), "u8", (3,), 100, 1, 100),
    ("i32", (3,), "u8", (3,), 100, 1, 100),
    ("f32", (3,), "i64", (3,), 2.5, 1.0, 3),
    ("i64", (3,), "f32", (3,), 2.0, 1, 1.5),
    ("f64", (3,), "f32", (3,), 1.0000000001, 0.0, 1.0),
]


def _alpha_run(lib, op: str, case: tuple):
    sdt, sshape, odt, oshape, alpha, svalue, ovalue = case
    dtype = lambda name: getattr(lib, DTYPES[name])  # noqa: E731
    s, o = lib.full(sshape, svalue, dtype=dtype(sdt)), lib.full(oshape, ovalue, dtype=dtype(odt))
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(s, op)(o, alpha=alpha)
    except RuntimeError as error:
        return type(error)


@pytest.mark.parametrize("op", ["add", "sub", "add_", "sub_"])
@pytest.mark.parametrize("case", ALPHA_CASES, ids=str)
def test_add_and_sub_with_alpha_across_dtypes_match_pytorch(op, case):
    ours, theirs = _alpha_run(am, op, case), _alpha_run(torch, op, case)
    if isinstance(theirs, type):  # a refusal: the in-place result cannot hold the sum's dtype
        assert ours is theirs
    else:
        assert_same(ours, theirs)


def test_add_with_alpha_of_a_float32_tensor_to_float64_gives_float32_gradients():
    ours, theirs = am.tensor(3e38, requires_grad=True), torch.tensor(3e38, requires_grad=True)
    out, expected = am.tensor(1.0, dtype=am.float64).add(ours, alpha=2.0), torch.tensor(1.0).double().add(
        theirs, alpha=2.0
    )
    assert_same(out, expected)
    out.backward()
    expected.backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("other", [True, [True, False]], ids=["a bool", "a bool tensor"])
def test_sub_with_alpha_of_a_bool_is_refused_as_pytorch_refuses_it(other):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        torch.tensor([1, 2]).sub(torch.tensor(other) if isinstance(other, list) else other, alpha=3)
    with pytest.raises(RuntimeError, match="subtraction, the - operator, with a bool"):
        am.tensor([1, 2]).sub(am.tensor(other) if isinstance(other, list) else other, alpha=3)


# ---- where with numbers: each must fit the result's dtype -----------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        (1e300, 2.0), (2.0, -1e300), (2, 1e300), (3.5e38, 1.0), (2**63, 1),
        ("f32", 1e300), ("i64", 1e300), ("u8", 300), ("i32", 2**40), (1e300, "f32"),
    ],
    ids=str,
)
def test_where_refuses_a_number_that_its_result_cannot_hold_as_pytorch_does(a, b):
    def operand(lib, x):
        tensors = {"f32": lib.float32, "i64": lib.int64, "u8": lib.uint8, "i32": lib.int32}
        return lib.tensor([1, 2], dtype=tensors[x]) if isinstance(x, str) else x

    with pytest.raises((RuntimeError, OverflowError)):
        torch.where(torch.tensor([True, False]), operand(torch, a), operand(torch, b))
    with pytest.raises(RuntimeError, match=r"where: the value .* cannot be converted to \w+ without"):
        am.where(am.tensor([True, False]), operand(am, a), operand(am, b))


@pytest.mark.parametrize(
    "a, b", [(INF, 1.0), (float("nan"), 1.0), (2**62, 1), (True, 5), ("f64", 1e300), ("f32", -INF)], ids=str
)
def test_where_takes_numbers_its_result_holds_as_pytorch_does(a, b):
    def operand(lib, x):
        tensors = {"f32": lib.float32, "f64": lib.float64}
        return lib.tensor([1.0, 2.0], dtype=tensors[x]) if isinstance(x, str) else x

    ours = am.where(am.tensor([True, False]), operand(am, a), operand(am, b))
    assert_same(ours, torch.where(torch.tensor([True, False]), operand(torch, a), operand(torch, b)))


# ---- a one-element tensor written under a mask -------------------------------------------------------


@pytest.mark.parametrize("mask", [[True], [True, False], [True, True]], ids=str)
def test_a_one_element_source_of_another_dtype_under_a_mask_is_written_as_pytorch_writes_it(mask):
    """PyTorch writes a one-element source under one mask as masked_fill does, converting it."""
    results = []
    for lib in (am, torch):
        x = lib.zeros(len(mask), dtype=lib.float64, requires_grad=True)
        source = lib.tensor([2.0], dtype=lib.float32, requires_grad=True)
        v = x.clone()
        v[lib.tensor(mask)] = source
        (v * lib.tensor([1.5] * len(mask), dtype=lib.float64)).sum().backward()
        results.append((v, x.grad, source.grad))
    for ours, theirs in zip(*results, strict=True):
        assert_same(ours, theirs)
