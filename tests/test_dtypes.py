"""Dtype promotion follows PyTorch: every row of the table in docs/dtypes.md, run here.

The table is read from the page itself, so the page cannot drift from the code: each row's
expressions run in autograd_mini and must give the dtypes the row states, and, with the torch
marker (`pytest -m torch`), the same expressions run in PyTorch must give the same dtypes, or
fail where PyTorch fails. Both run under the float32 and the float64 default dtype.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.dtypes import promote, result_type
from autograd_mini.nn import functional as F

PAGE = Path(__file__).resolve().parent.parent / "docs" / "dtypes.md"

# The operand names the table uses, and their dtypes; each also exists as a 0-d tensor, name_0d.
OPERANDS = {
    "f16": "float16", "f32": "float32", "f64": "float64",
    "i8": "int8", "u8": "uint8", "i32": "int32", "i64": "int64", "b": "bool",
}
FUNCTIONS = ("where", "maximum", "minimum")
LOSSES = (
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "linear",
)


@dataclass
class Case:
    row: str  # the Operands cell, naming the case
    expression: str
    expected: str | None  # a dtype name, None for an error, "default" for the default dtype
    torch_refuses: bool  # a row where autograd_mini accepts what PyTorch refuses

    def expected_dtype(self) -> str | None:
        return str(am.get_default_dtype()) if self.expected == "default" else self.expected


def table_cases() -> list[Case]:
    """One case per expression of the table: each row lists its expressions, then either one
    result for all of them or one result each ('error' for all, '(default)' after a dtype)."""
    lines = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    cases = []
    for line in lines[1:]:  # after the header
        operands, expressions, result = (cell.strip() for cell in line.strip("|").split("|"))
        codes = re.findall(r"`([^`]+)`", expressions)
        if result.startswith("error"):
            results = [None] * len(codes)
        else:
            results = [
                "default" if default else dtype
                for dtype, default in re.findall(r"`(\w+)`( \(default\))?", result)
            ]
            results = results * len(codes) if len(results) == 1 else results
        assert len(results) == len(codes), f"docs/dtypes.md: a result for each expression in: {line}"
        refuses = "(PyTorch: error)" in result
        cases += [Case(operands, code, dtype, refuses) for code, dtype in zip(codes, results)]
    return cases


CASES = table_cases()
DEFAULTS = [np.float32, np.float64]


def namespace(library: Any, functional: Any) -> dict[str, Any]:
    """The table's names, as tensors and functions of autograd_mini or torch (fresh each time:
    the in-place rows change their operand)."""
    names: dict[str, Any] = {"np": np}
    make = am.tensor if library is am else library.from_numpy
    for name, dtype in OPERANDS.items():
        values = np.array([True, False] if dtype == "bool" else [1, 2], dtype=dtype)
        names[name], names[name + "_0d"] = make(values), make(np.array(values[0]))
    names.update({name: getattr(library, name) for name in FUNCTIONS})
    names.update({name: getattr(functional, name) for name in LOSSES})
    return names


def dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


def case_id(case: Case) -> str:
    return case.expression


def test_the_table_covers_the_cases_that_matter():
    assert len(CASES) > 50
    written = {case.expression for case in CASES}
    assert {"f32 + f64_0d", "i64 / i64", "i64 + 2.5", "f32 @ f64", "mse_loss(f32, i64)"} <= written


# ---- (a) every case of the table, in autograd_mini -------------------------------------------------


@pytest.mark.parametrize("default", DEFAULTS, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_table_holds(case: Case, default: Any) -> None:
    am.set_default_dtype(default)
    names = namespace(am, F)
    with np.errstate(all="ignore"):  # log of 0, 2.5 ** i64, ...: only the dtype counts here
        if case.expected is None:
            with pytest.raises((TypeError, RuntimeError)):
                eval(case.expression, names)
            return
        out = eval(case.expression, names)
    assert dtype_name(out.dtype) == case.expected_dtype(), f"{case.row}: {case.expression}"


# ---- (b) the same cases in PyTorch -----------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("default", DEFAULTS, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_table_matches_pytorch(case: Case, default: Any) -> None:
    torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, np.dtype(default).name))
    am.set_default_dtype(default)
    try:
        theirs = evaluate(case.expression, namespace(torch, torch.nn.functional))
    finally:
        torch.set_default_dtype(previous)
    ours = evaluate(case.expression, namespace(am, F))
    if case.torch_refuses:
        assert theirs is None, f"PyTorch accepts {case.expression} ({theirs}): the table should say so"
    else:
        assert ours == theirs == case.expected_dtype(), f"{case.row}: {case.expression}"


def evaluate(expression: str, names: dict[str, Any]) -> str | None:
    """The dtype of the expression's result, or None if it fails."""
    try:
        with np.errstate(all="ignore"):
            return dtype_name(eval(expression, names).dtype)
    except Exception:  # noqa: BLE001 (PyTorch fails with RuntimeError, NotImplementedError, ...)
        return None


# ---- the rule itself, and what the table cannot show -----------------------------------------------


@pytest.mark.parametrize(
    ("operands", "expected"),
    [
        ((np.ones(2, np.float32), 2.5), np.float32),
        ((np.ones(2, np.int64), np.array(1.0)), np.float64),
        ((np.ones(2, np.int64), np.array(1.0, np.float32), 2.5), np.float32),
        ((np.ones(2, np.bool_), np.array(1, np.int32), 7), np.int32),
        ((np.ones(2, np.int8), np.array(1, np.uint8)), np.int8),
        ((True, 2), np.int64),
        ((2, 2.5), np.float32),
        ((am.tensor([1, 2]), None, np.float64(2.0)), np.float32),
    ],
)
def test_result_type(operands: tuple, expected: Any) -> None:
    assert result_type(*operands) == expected


def test_promote_leaves_what_numpy_gets_right_and_casts_only_what_has_no_gradient():
    x = np.ones(2, np.float32)
    a, b, dtype = promote(x, 2.5)
    assert a is x and b == 2.5 and dtype is None
    i = np.ones(2, np.int64)
    a, b, dtype = promote(x, i)
    assert a is x and b.dtype == np.float32 and dtype == np.float32
    small = np.array(2.0)  # a float64 0-d array may need a gradient: it stays, the result is cast
    a, b, dtype = promote(x, small)
    assert a is x and b is small and dtype == np.float32
    a, b, dtype = promote(np.float64(2.0), x)  # a NumPy scalar counts as a Python number
    assert type(a) is float and b is x and dtype == np.float32


def test_gradients_keep_each_inputs_dtype():
    x = am.tensor([1.0, 2.0], requires_grad=True)  # float32
    s = am.tensor(np.array(3.0), requires_grad=True)  # float64, 0-d
    y = x * s
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and s.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad._array, [3.0, 3.0])
    np.testing.assert_allclose(s.grad._array, 3.0)


def test_second_derivatives_flow_through_a_promoted_operand():
    """The wider 0-d operand is not copied into the result's dtype before the op, so it stays
    in the graph that create_graph records: d/ds of dy/dx, for y = sum((x s)²), is 4·x·s."""
    x = am.tensor([1.0, 2.0], requires_grad=True)
    s = am.tensor(np.array(3.0), requires_grad=True)
    (grad_x,) = am.grad(((x * s) ** 2).sum(), x, create_graph=True)
    np.testing.assert_allclose(grad_x._array, 2 * np.array([1.0, 2.0]) * 9.0)
    (grad_s,) = am.grad(grad_x.sum(), s)
    np.testing.assert_allclose(grad_s._array, 4 * 3.0 * 3.0)


def test_an_integer_operand_of_a_float_op_computes_in_the_float_dtype():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * am.tensor([3, 4]) / am.tensor([2, 2])
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad._array, [1.5, 2.0])


def test_matmul_of_two_dtypes_names_them():
    with pytest.raises(TypeError, match="matmul: expected operands of one dtype, got float32 and float64"):
        am.tensor([1.0, 2.0]) @ am.tensor(np.array([1.0, 2.0]))


def test_integer_division_follows_the_default_dtype_when_it_changes():
    am.set_default_dtype(np.float64)
    assert (am.tensor([1, 2]) / 2).dtype == np.float64
    assert am.tensor([1, 2]).mean().dtype == np.float64
    np.testing.assert_allclose((am.tensor([1, 3]) / am.tensor([2, 2]))._array, [0.5, 1.5])
