"""sort, argsort, topk, cumsum, cumprod, prod and the counting functions, beyond the op table.

The op table (tests/test_ops.py) checks the differentiable ones on tie-free inputs; here are the
ties, the zeros of products, dtypes, 0-d and empty inputs, errors and the counting functions.
The second half runs the same calls on PyTorch and compares everything they give back.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as npst
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.testing import gradcheck, gradgradcheck

# ---- sort, argsort, topk -----------------------------------------------------------------------------


def test_sort_gives_values_and_indices_as_a_named_tuple():
    x = am.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    result = x.sort(dim=1, descending=True)
    values, indices = result
    assert type(result).__name__ == "sort" and result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.numpy(), [[3, 2, 1], [5, 4, 0]])
    np.testing.assert_array_equal(indices.numpy(), [[0, 2, 1], [1, 2, 0]])
    assert indices.dtype == np.int64 and values.dtype == np.float32
    np.testing.assert_array_equal(am.sort(x, 0).indices.numpy(), [[1, 0, 0], [0, 1, 1]])


def test_ties_keep_their_order_and_the_gradient_follows_the_indices():
    x = am.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 3.0], requires_grad=True)
    for descending, expected in [(False, [1, 4, 3, 0, 2, 5]), (True, [0, 2, 5, 3, 1, 4])]:
        values, indices = x.sort(descending=descending)
        np.testing.assert_array_equal(indices.numpy(), expected)
        np.testing.assert_array_equal(x.argsort(descending=descending, stable=True).numpy(), expected)
        x.grad = None
        values.backward(am.arange(6.0))  # the k-th sorted value sends k to its element
        grad = np.empty(6)
        grad[expected] = np.arange(6.0)
        np.testing.assert_array_equal(x.grad.numpy(), grad)


def test_nan_sorts_as_the_largest_value():
    x = am.tensor([1.0, float("nan"), 0.0, float("nan")])
    np.testing.assert_array_equal(x.sort().indices.numpy(), [2, 0, 1, 3])
    np.testing.assert_array_equal(x.sort(descending=True).indices.numpy(), [1, 3, 0, 2])
    np.testing.assert_array_equal(x.topk(1).indices.numpy(), [1])


def test_topk_takes_the_first_of_tied_elements_and_scatters_the_gradient():
    x = am.tensor([[3.0, 1.0, 3.0, 2.0]], requires_grad=True)
    values, indices = x.topk(3)
    np.testing.assert_array_equal(indices.numpy(), [[0, 2, 3]])
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 1, 1]])
    smallest = am.topk(x, 2, dim=1, largest=False)
    assert type(smallest).__name__ == "topk"
    np.testing.assert_array_equal(smallest.values.detach().numpy(), [[1, 2]])


def test_0d_and_empty_inputs():
    s = am.tensor(2.5, requires_grad=True)
    for result in (s.sort(), s.topk(1), s.sort(dim=-1)):
        assert result.values.shape == () and result.indices.shape == () and result.values.requires_grad
    assert s.argsort().shape == () and s.argsort().dtype == np.int64
    empty = am.zeros(0, 3)
    assert empty.sort(0).values.shape == (0, 3) and empty.topk(0).indices.shape == (0, 0)
    assert am.zeros(4).topk(0).values.shape == (0,)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda x: x.sort(dim=2), IndexError),
        (lambda x: x.argsort(dim=-3), IndexError),
        (lambda x: x.topk(4), RuntimeError),
        (lambda x: x.topk(-1), RuntimeError),
        (lambda x: x.topk(1, dim=(0, 1)), TypeError),
        (lambda x: x.cumsum(2), IndexError),
        (lambda x: x.cumsum(), TypeError),
        (lambda x: x.cumprod(dim=None), TypeError),
        (lambda x: x.prod(dim=(0, 1)), TypeError),
        (lambda x: x.prod(5), IndexError),
        (lambda x: x.any(2), IndexError),
        (lambda x: x.count_nonzero(dim=(0, 3)), IndexError),
        (lambda x: x[0, 0].count_nonzero(1), IndexError),
        (lambda x: x.unique(dim=2), IndexError),
    ],
)
def test_bad_dims_and_sizes_are_refused(call, error):
    with pytest.raises(error, match=r"\w+"):
        call(am.ones(2, 3))


# ---- cumsum, cumprod, prod ------------------------------------------------------------------------


def test_cumsum_and_cumprod_dtypes():
    i = am.tensor([1, 2, 3], dtype=am.int32)
    assert i.cumsum(0).dtype == np.int64 and i.cumprod(0).dtype == np.int64
    assert am.tensor([True, True]).cumsum(0).dtype == np.int64
    assert am.tensor([200, 100], dtype=am.uint8).cumsum(0).tolist() == [200, 300]
    assert i.cumsum(0, dtype=am.float64).dtype == np.float64
    assert am.tensor([1.5, 2.5]).cumsum(0, dtype=am.int32).tolist() == [1, 3]  # cast first, as PyTorch
    assert am.tensor([1.0, 2.0]).cumsum(axis=0).tolist() == [1.0, 3.0]  # NumPy's name
    x = am.tensor(2.0, requires_grad=True)
    assert am.cumsum(x, 0).shape == () and am.cumprod(x, -1).requires_grad


def test_prod_dtypes_and_shapes():
    assert am.tensor([2, 3], dtype=am.uint8).prod().dtype == np.int64
    assert am.tensor([True, False]).prod().tolist() == 0
    assert am.tensor([[1, 2], [3, 4]]).prod(1, dtype=am.float32).dtype == np.float32
    assert am.ones(2, 3).prod(1, keepdim=True).shape == (2, 1)
    assert am.ones(2, 3).prod(axis=0, keepdims=True).shape == (1, 3)
    assert am.zeros(0).prod().item() == 1.0
    assert am.prod(am.tensor(3.0), 0).shape == ()


# x, then d(sum of cumprod(x))/dx, written out: before the first zero as usual; at the first zero
# the products with it left out; after it 0.
CUMPROD_ZEROS = [
    ([2.0, 0.0, 3.0, 4.0], [1.0, 2 * (1 + 3 + 12), 0.0, 0.0]),
    ([2.0, 0.0, 3.0, 0.0, 5.0], [1.0, 2 * (1 + 3 + 0 + 0), 0.0, 0.0, 0.0]),
    ([0.0, 0.0, 2.0], [1.0, 0.0, 0.0]),
    ([0.0], [1.0]),
    ([1.5, 2.0, 0.0], [1 + 2, 1.5, 1.5 * 2]),
]


@pytest.mark.parametrize("values, expected", CUMPROD_ZEROS)
def test_cumprod_gradient_at_zeros(values, expected):
    x = am.tensor(values, dtype=am.float64, requires_grad=True)
    x.cumprod(0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert gradcheck(lambda t: t.cumprod(0), [x])
    assert gradgradcheck(lambda t: t.cumprod(0), [x])


# x, then d(prod(x))/dx: the product of the others; one zero takes the whole product, two none.
PROD_ZEROS = [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
    ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),
    ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),
    ([0.0], [1.0]),
]


@pytest.mark.parametrize("values, expected", PROD_ZEROS)
def test_prod_gradient_at_zeros(values, expected):
    x = am.tensor(values, dtype=am.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert gradcheck(lambda t: t.prod(), [x])
    assert gradgradcheck(lambda t: t.prod(), [x])  # two zeros: the mixed derivative is 3


def test_prod_along_a_dim_with_zeros_in_some_rows():
    x = am.tensor([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0], [2.0, 2.0, 2.0]], dtype=am.float64, requires_grad=True)
    x.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 2], [0, 0, 0], [4, 4, 4]])
    assert gradgradcheck(lambda t: t.prod(1, keepdim=True), [x])
    assert gradgradcheck(lambda t: t.cumprod(0), [x])


# ---- any, all, count_nonzero --------------------------------------------------------------------


def test_any_all_count_nonzero():
    x = am.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]], requires_grad=True)
    assert x.any().tolist() is True and x.all().tolist() is False
    assert x.any(1).tolist() == [True, True] and x.all(dim=0, keepdim=True).tolist() == [[False, False, True]]
    assert am.any(x, dim=(0, 1)).dtype == np.bool_ and not x.any().requires_grad
    assert am.tensor([1, 0], dtype=am.uint8).any().dtype == np.uint8  # as PyTorch
    assert am.zeros(0).any().tolist() is False and am.zeros(0).all().tolist() is True
    assert x.count_nonzero().tolist() == 3 and x.count_nonzero(0).tolist() == [1, 0, 2]
    assert am.count_nonzero(x, dim=(0, 1)).dtype == np.int64
    assert am.tensor(0.0).count_nonzero(0).tolist() == 0


# ---- unique, bincount ------------------------------------------------------------------------------


def test_unique_with_inverse_and_counts():
    x = am.tensor([[3, 1, 3], [0, 1, 2]])
    assert x.unique().tolist() == [0, 1, 2, 3]
    values, inverse, counts = am.unique(x, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy()[inverse.numpy()], x.numpy())
    assert counts.tolist() == [1, 2, 1, 2] and inverse.dtype == counts.dtype == np.int64
    columns, inverse = x.unique(dim=1, return_inverse=True)
    assert columns.tolist() == [[1, 3, 3], [1, 0, 2]] and inverse.tolist() == [1, 0, 2]
    nan = float("nan")
    assert np.isnan(am.tensor([1.0, nan, nan]).unique().numpy()[1:]).all()  # each NaN its own
    s_values, s_inverse = am.tensor(2.0).unique(return_inverse=True)
    assert s_values.shape == (1,) and s_inverse.shape == ()


def test_bincount():
    i = am.tensor([0, 2, 2, 5])
    assert i.bincount().tolist() == [1, 0, 2, 0, 0, 1] and i.bincount().dtype == np.int64
    assert am.bincount(i, minlength=8).shape == (8,)
    weights = am.tensor([0.5, 1.0, 2.0, 4.0])
    assert i.bincount(weights).tolist() == [0.5, 0, 3.0, 0, 0, 4.0]
    assert i.bincount(weights).dtype == np.float32
    assert i.bincount(am.tensor([1, 1, 1, 1])).dtype == np.float64  # as PyTorch
    assert am.tensor([], dtype=am.int64).bincount(minlength=2).tolist() == [0, 0]


@pytest.mark.parametrize(
    "call",
    [
        lambda: am.tensor([1, -1]).bincount(),
        lambda: am.tensor([[1, 2]]).bincount(),
        lambda: am.tensor(1).bincount(),
        lambda: am.tensor([1.0, 2.0]).bincount(),
        lambda: am.tensor([True]).bincount(),
        lambda: am.tensor([1, 2]).bincount(minlength=-1),
        lambda: am.tensor([1, 2]).bincount(weights=am.tensor([1.0])),
        lambda: am.tensor([1, 2]).histc(),
        lambda: am.tensor([1.0, 2.0]).histc(bins=0),
        lambda: am.tensor([1.0, 2.0]).histc(3, min=3, max=1),
        lambda: am.tensor([1.0, float("nan")]).histc(),
        lambda: am.tensor([1.0, float("inf")]).histc(),
        lambda: am.histogram(am.tensor([1, 2]), 2),
        lambda: am.histogram(am.tensor([1.0, 2.0]), 2, range=(3.0, 1.0)),
        lambda: am.histogram(am.tensor([1.0, 2.0]), am.tensor([3.0, 1.0])),
        lambda: am.histogram(am.tensor([1.0, 2.0]), 0),
        lambda: am.histogram(am.tensor([1.0, 2.0]), 2, weight=am.tensor([1.0])),
    ],
)
def test_bad_counting_input_raises_runtime_error(call):
    with pytest.raises(RuntimeError, match=r"\w+"):
        call()


# ---- histc, histogram ----------------------------------------------------------------------------


def test_histc():
    x = am.tensor([1.0, 2.0, 1.0, 4.0], requires_grad=True)
    assert x.histc(4).tolist() == [2, 1, 0, 1] and not x.histc(4).requires_grad
    assert am.histc(x, bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]  # 4 is outside; 3 would count
    assert am.tensor([2.0, 2.0]).histc(4).tolist() == [0, 0, 2, 0]  # one value: widened by 1
    assert am.tensor([], dtype=am.float64).histc(3).dtype == np.float64
    assert am.tensor([2.0, float("nan"), 1.0]).histc(2, min=0, max=2).tolist() == [0, 2]


def test_histogram():
    x = am.tensor([1.0, 2.0, 1.0])
    hist, edges = am.histogram(x, 4, range=(0.0, 3.0))
    assert hist.tolist() == [0, 2, 1, 0] and edges.tolist() == [0, 0.75, 1.5, 2.25, 3]
    result = x.histogram(am.tensor([0.0, 1.0, 1.5, 3.0]))
    assert type(result).__name__ == "histogram" and result.hist.tolist() == [0, 2, 1]
    density, edges = am.histogram(x, 2, weight=am.tensor([1.0, 2.0, 4.0]), density=True)
    np.testing.assert_allclose((density * (edges[1:] - edges[:-1])).sum().item(), 1.0)
    assert am.histogram(am.tensor([2.0, 2.0]), 2).bin_edges.tolist() == [1.5, 2.0, 2.5]
    assert am.histogram(am.zeros(0), 2).bin_edges.tolist() == [0, 0.5, 1]
    assert am.histogram(x.double(), 2).hist.dtype == np.float64


# ---- the same calls on PyTorch ----------------------------------------------------------------------

NAN = float("nan")
INPUTS = {
    "x": np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0]], np.float32),  # ties
    "y": np.array([[0.5, 2.0, -1.0, 3.0], [1.0, 0.0, 4.0, -2.0]], np.float32),  # no ties
    "r": np.random.default_rng(0).integers(0, 3, (3, 40)).astype(np.float64),  # many ties
    "v": np.array([2.0, NAN, 1.0, 0.0], np.float32),
    "c": np.array([2.5, 2.5], np.float32),
    "s": np.array(2.5, np.float32),
    "e": np.zeros(0, np.float32),
    "E": np.zeros((0, 3), np.float32),
    "i": np.array([0, 2, 2, 5]),
    "ie": np.zeros(0, np.int64),
    "neg": np.array([1, -1]),
    "i2": np.array([[1, 2]]),
    "si": np.array(1),
    "u8": np.array([1, 0, 3], np.uint8),
    "b": np.array([True, False, True]),
    "w": np.array([0.5, 1.0, 2.0, 4.0], np.float32),
    "w64": np.array([0.5, 1.0, 2.0, 4.0]),
    "wi": np.array([1, 2, 3, 4]),
    "wx": np.array([[1.0, 2.0, 0.5], [1.0, 3.0, 1.0]], np.float32),
    "edges": np.array([0.0, 1.0, 2.5, 3.0], np.float32),
    "inf": np.array([1.0, np.inf], np.float32),
}

CALLS = [
    # sort, argsort, topk (PyTorch's stable=False guarantees no order of ties: stable=True there)
    "x.sort()", "x.sort(0)", "x.sort(dim=0, descending=True)", "x.sort(descending=True, stable=True)",
    "r.sort(stable=True)", "r.sort(dim=0, descending=True, stable=True)", "sort(v)",
    "sort(v, descending=True)", "s.sort()", "e.sort()", "E.sort(0)", "i.sort(descending=True)",
    "b.sort()", "u8.sort()", "x.sort(2)", "x.argsort()", "argsort(r, dim=1, descending=True, stable=True)",
    "s.argsort()", "y.topk(2)", "y.topk(2, dim=0, largest=False)", "topk(y, 3, largest=False, sorted=True)",
    "x.topk(2).values", "r.topk(5, dim=0).values", "v.topk(2)", "s.topk(1)", "y.topk(0)", "y.topk(5)",
    "y.topk(-1)", "i.topk(1)", "i.topk(3).values",
    # cumsum, cumprod, prod
    "x.cumsum(0)", "cumsum(x, dim=-1)", "i.cumsum(0)", "b.cumsum(0)", "u8.cumsum(0)", "s.cumsum(0)",
    "e.cumsum(0)", "E.cumsum(1)", "x.cumsum(0, dtype=torch.float64)", "y.cumsum(1, dtype=torch.int32)",
    "x.cumsum(2)", "x.cumprod(1)", "cumprod(y, 0)", "i.cumprod(0)", "u8.cumprod(0)", "s.cumprod(-1)",
    "x.prod()", "x.prod(1)", "prod(x, 1, keepdim=True)", "i.prod()", "b.prod()", "u8.prod()", "s.prod()",
    "s.prod(0)", "e.prod()", "E.prod(0)", "x.prod(dtype=torch.float64)", "i.prod(0, dtype=torch.float32)",
    "x.prod(3)",
    # any, all, count_nonzero
    "x.any()", "x.all()", "x.any(1)", "x.all(dim=0, keepdim=True)", "u8.any()", "u8.all(0)", "e.any()",
    "e.all()", "s.any()", "x.any(dim=(0, 1))", "all(b)", "any(x, 1)", "x.any(2)", "x.count_nonzero()",
    "x.count_nonzero(0)", "count_nonzero(x, dim=(0, 1))", "e.count_nonzero()", "s.count_nonzero()",
    "b.count_nonzero()", "x.count_nonzero(2)",
    # unique, bincount
    "x.unique()", "x.unique(return_inverse=True)", "x.unique(return_counts=True)",
    "unique(x, return_inverse=True, return_counts=True)",
    "unique(x, dim=1, return_inverse=True, return_counts=True)",
    "unique(x, dim=0)", "i.unique()", "b.unique()", "s.unique(return_inverse=True)",
    "e.unique(return_inverse=True, return_counts=True)", "x.unique(sorted=False)", "x.unique(dim=2)",
    "i.bincount()", "bincount(i, minlength=8)", "i.bincount(weights=w)", "i.bincount(weights=w64)",
    "i.bincount(weights=wi)", "u8.bincount()", "ie.bincount()", "bincount(ie, minlength=3)", "neg.bincount()",
    "x.bincount()", "b.bincount()", "i2.bincount()", "si.bincount()", "i.bincount(minlength=-1)",
    "i.bincount(weights=w[:2])",
    # histc, histogram
    "x.histc(4)", "x.histc(bins=4, min=0, max=2)", "histc(x, 3, min=1, max=1)", "c.histc(4)", "e.histc(3)",
    "s.histc(2)", "r.histc(7)", "v.histc(3, min=0, max=2)", "i.histc(3)", "x.histc(0)",
    "x.histc(3, min=3, max=1)", "v.histc(3)", "inf.histc(3)", "histogram(x, 4)",
    "x.histogram(4, range=(0., 3.))",
    "histogram(x, edges)", "histogram(x, 4, weight=wx, density=True)", "histogram(c, 2)", "histogram(e, 2)",
    "histogram(r, 5)", "histogram(i, 2)", "histogram(x, 2, range=(3., 1.))", "histogram(x, 0)",
]

# Errors of the same kind: PyTorch's NotImplementedError (an unsupported dtype) is a RuntimeError.
ERROR_KINDS = (IndexError, TypeError, RuntimeError, ValueError)


def evaluate(call: str, lib: Any, **inputs: np.ndarray) -> Any:
    """The call's result with lib's functions and tensors of INPUTS (or of the inputs given), or
    the error it raised."""
    names = {name: getattr(lib, name) for name in ("sort", "argsort", "topk", "cumsum", "cumprod", "prod",
                                                   "any", "all", "count_nonzero", "unique", "bincount",
                                                   "histc", "histogram")}
    names |= {name: lib.tensor(array) for name, array in (inputs or INPUTS).items()}
    try:
        return eval(call, {"torch": lib, **names})
    except ERROR_KINDS as error:
        return error


def assert_same(ours: Any, theirs: Any, call: str) -> None:
    if isinstance(theirs, Exception):
        kind = next(k for k in ERROR_KINDS if isinstance(theirs, k))
        assert isinstance(ours, kind), f"{call}: PyTorch raises {theirs!r}, we give {ours!r}"
        return
    assert not isinstance(ours, Exception), f"{call}: we raise {ours!r}"
    if isinstance(theirs, tuple):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs), call
        for a, b in zip(ours, theirs):
            assert_same(a, b, call)
        return
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), f"{call}: {ours.dtype} {theirs.dtype}"
    assert ours.shape == tuple(theirs.shape), call
    assert ours.requires_grad == theirs.requires_grad, call
    # atol: an edge of a histogram may be 0 in one library and 1e-8 in the other
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7, err_msg=call)


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_the_same_call_gives_what_pytorch_gives(torch, call):
    assert_same(evaluate(call, am), evaluate(call, torch), call)


GRADIENT_CASES = {
    "sort": lambda t: t.sort(dim=1, stable=True).values,
    "sort_descending": lambda t: t.sort(dim=0, descending=True, stable=True).values,
    "topk": lambda t: t.topk(2, dim=1).values,
    "cumprod": lambda t: t.cumprod(1),
    "prod": lambda t: t.prod(),
    "prod_dim": lambda t: t.prod(0),
}
ROWS = {
    "ties": [2.0, 1.0, 2.0, 0.5, 1.0],
    "one_zero": [2.0, 0.0, 3.0, 4.0, 1.5],
    "two_zeros": [2.0, 0.0, 3.0, 0.0, 5.0],
    "three_zeros": [0.0, 0.0, 0.0, 1.0, 2.0],
}
# PyTorch's topk picks among tied values in an order of its own (that of std::partial_sort or
# std::nth_element): the values agree, the index given the gradient may not.
GRADIENT_PAIRS = [(name, row) for name in GRADIENT_CASES for row in ROWS if (name, row) != ("topk", "ties")]


def gradient_and_second_derivative(lib: Any, fn: Any, array: np.ndarray) -> list[np.ndarray]:
    """d(out · upstream)/dx, and its derivative along cos(x) (zeros where it is constant)."""
    x = lib.tensor(array, requires_grad=True)
    out = fn(x)
    upstream = lib.tensor(np.linspace(0.5, 2.0, out.numel()).reshape(tuple(out.shape)))
    (grad,) = lib.autograd.grad(out, [x], upstream, create_graph=True)
    second = None
    if grad.requires_grad:
        (second,) = lib.autograd.grad((grad * lib.tensor(np.cos(array))).sum(), [x], allow_unused=True)
    return [grad.detach().numpy(), np.zeros(array.shape) if second is None else second.detach().numpy()]


@pytest.mark.torch
@pytest.mark.parametrize("name, row", GRADIENT_PAIRS)
def test_gradients_at_ties_and_zeros_match_pytorch(torch, name, row):
    array = np.array([ROWS[row], ROWS[row][::-1]])
    ours = gradient_and_second_derivative(am, GRADIENT_CASES[name], array)
    theirs = gradient_and_second_derivative(torch, GRADIENT_CASES[name], array)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.torch
@settings(max_examples=50)
@given(
    values=npst.arrays(
        np.float32, npst.array_shapes(max_dims=3, min_side=0, max_side=6),
        elements=st.integers(-8, 8).map(lambda k: k / 4),  # ties, and values on the bins' edges
    ),
    bins=st.integers(1, 9),
)
def test_random_inputs_give_what_pytorch_gives(values, bins):
    torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")
    dim = values.ndim - 1 if values.ndim else 0
    for call in (
        f"x.sort(dim={dim}, stable=True)", f"x.sort(dim={dim}, descending=True, stable=True)",
        f"x.argsort(dim={dim}, stable=True)", f"x.topk({min(2, x_size(values, dim))}, dim={dim}).values",
        f"x.cumsum({dim})", "x.prod()", "x.any()", "x.count_nonzero()",
        "x.unique(return_inverse=True, return_counts=True)", f"x.histc({bins})",
        f"x.histc({bins}, min=-1, max=1.5)", f"histogram(x, {bins})",
        f"histogram(x, {bins}, range=(-1.0, 1.5))",
        "(x * 4 + 8).long().reshape(-1).bincount()",
    ):
        ours, theirs = (evaluate(call, lib, x=values) for lib in (am, torch))
        assert_same(ours, theirs, call)


def x_size(values: np.ndarray, dim: int) -> int:
    return values.shape[dim] if values.ndim else 1
