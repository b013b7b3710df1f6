"""In-place changes against PyTorch: the same programs, run by both libraries, agree.

Each program below is written once, against a library module `lib` (autograd_mini or torch),
and run from the same float64 inputs under both. They must agree on the outputs' values, the
`_version` of every input and output, which leaves get a gradient and its value, and, under
`create_graph`, the second derivatives; or both must refuse the backward pass because an array
it needs was changed in place. Select them with `pytest -m torch`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import autograd_mini as am

torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-10, 1e-12
INPLACE_ERROR = "modified by an inplace operation"


class Case(NamedTuple):
    program: Callable[..., tuple]
    shapes: tuple[tuple[int, ...], ...]
    requires_grad: tuple[bool, ...]
    fails: bool  # both libraries refuse the backward pass
    create_graph: bool  # second derivatives are compared too
    limit: str | None  # what autograd_mini raises where PyTorch runs the program (a documented limit)
    bug: str | None  # why autograd_mini does not agree yet (the case is an expected failure)


CASES: list[Case] = []


def case(*shapes: tuple[int, ...], grad: tuple[bool, ...] | None = None, fails: bool = False,
         create_graph: bool = False, limit: str | None = None, bug: str | None = None) -> Callable:
    """Register a program over inputs of these shapes (all requiring grad unless `grad` says)."""

    def register(program: Callable[..., tuple]) -> Callable[..., tuple]:
        needs = grad if grad is not None else (True,) * len(shapes)
        CASES.append(Case(program, shapes, needs, fails, create_graph, limit, bug))
        return program

    return register


# ---- the running of a program in both libraries ----------------------------------------------------


def inputs_for(case: Case) -> list[np.ndarray]:
    """Values in [0.5, 2] (away from 0, 1 and each other), the same for every run of a case."""
    rng = np.random.default_rng(len(case.program.__name__))
    return [rng.uniform(0.5, 2.0, shape) for shape in case.shapes]


def leaf(lib: Any, array: np.ndarray, requires_grad: bool) -> Any:
    if lib is am:
        return am.tensor(array.copy(), requires_grad=requires_grad)
    return torch.tensor(array, requires_grad=requires_grad)


def constant(lib: Any, array: np.ndarray) -> Any:
    return am.tensor(array) if lib is am else torch.tensor(array)


def values(t: Any) -> np.ndarray:
    return t._array.copy() if isinstance(t, am.Tensor) else t.detach().numpy().copy()


def grad_fn(lib: Any) -> Callable:
    return am.grad if lib is am else torch.autograd.grad


class Run(NamedTuple):
    """What a program did in one library."""

    outputs: list[np.ndarray]
    versions: list[int]  # of the inputs, then of the outputs, after the forward pass
    states: list[tuple[bool, bool]]  # (requires_grad, is_leaf) of the inputs, then of the outputs
    error: str | None  # the message of the RuntimeError backward raised
    grads: list[np.ndarray | None]  # the inputs' .grad
    first: list[np.ndarray | None]  # under create_graph: the first derivatives


def run(lib: Any, case: Case) -> Run:
    leaves = [leaf(lib, a, g) for a, g in zip(inputs_for(case), case.requires_grad)]
    outputs = list(case.program(lib, *leaves))
    tensors = leaves + outputs
    versions = [t._version for t in tensors]
    states = [(t.requires_grad, t.is_leaf) for t in tensors]
    live = [o for o in outputs if o.requires_grad]
    rng = np.random.default_rng(1)
    total = sum((o * constant(lib, rng.uniform(0.5, 1.5, tuple(o.shape)))).sum() for o in live)
    error, first = None, []
    try:
        if case.create_graph:
            wrt = [x for x in leaves if x.requires_grad]
            found = grad_fn(lib)(total, wrt, create_graph=True, allow_unused=True)
            first = [None if g is None else values(g) for g in found]
            second = sum((g * constant(lib, rng.uniform(0.5, 1.5, tuple(g.shape)))).sum() for g in found
                         if g is not None and g.requires_grad)
            second.backward()
        elif live:
            total.backward()
    except RuntimeError as e:
        error = str(e)
    grads = [None if not x.is_leaf or x.grad is None else values(x.grad) for x in leaves]
    return Run([values(o) for o in outputs], versions, states, error, grads, first)


def assert_same_arrays(ours: list, theirs: list, what: str) -> None:
    """Equal arrays, pair by pair. No gradient (None) equals one of zeros: PyTorch's fill_ and
    zero_ send zeros to the values they overwrite, where autograd_mini sends nothing."""
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a is None or b is None:
            other = b if a is None else a
            assert other is None or not other.any(), f"{what} {i}: {a} against PyTorch's {b}"
            continue
        assert a.shape == b.shape, f"{what} {i}: shape {a.shape} against PyTorch's {b.shape}"
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"{what} {i}")


def check_against_pytorch(case: Case) -> None:
    theirs = run(torch, case)
    if case.limit is not None:  # PyTorch runs it; autograd_mini refuses, clearly, forward or backward
        assert theirs.error is None, f"PyTorch's backward: {theirs.error}"
        try:
            ours = run(am, case)
        except RuntimeError as error:
            assert re.search(case.limit, str(error)), str(error)
            return
        assert ours.error is not None and re.search(case.limit, ours.error), f"autograd_mini: {ours.error}"
        assert_same_arrays(ours.outputs, theirs.outputs, "output")
        return
    ours = run(am, case)
    # The case's own expectation is checked on PyTorch too, so the table cannot drift from it.
    assert (theirs.error is not None) == case.fails, f"PyTorch's backward: {theirs.error}"
    if case.fails:
        assert INPLACE_ERROR in theirs.error
        assert ours.error is not None, "autograd_mini's backward ran"
        assert INPLACE_ERROR in ours.error
    else:
        assert ours.error is None, ours.error
    assert_same_arrays(ours.outputs, theirs.outputs, "output")
    assert ours.versions == theirs.versions, "_version of the inputs, then the outputs"
    assert ours.states == theirs.states, "(requires_grad, is_leaf) of the inputs, then the outputs"
    if not case.fails:
        assert_same_arrays(ours.grads, theirs.grads, "gradient of input")
        assert_same_arrays(ours.first, theirs.first, "first derivative of input")


# ---- every in-place method and operator, on a tensor of the graph ----------------------------------


@case((3, 4), (4,))
def add_a_tensor(lib, w, c):
    h = w * 2
    assert h.add_(c) is h
    return (h,)


@case((3, 4), (3, 1))
def add_with_alpha(lib, w, c):
    h = w * 1.5
    h.add_(c, alpha=-0.5)
    return (h,)


@case((3, 4), (4,))
def sub_with_alpha(lib, w, c):
    h = w.sin()
    h.sub_(c, alpha=2)
    h.sub_(0.25)
    return (h,)


@case((3, 4), (4,))
def mul_by_a_tensor(lib, w, c):
    h = w * 2
    h.mul_(c)
    return (h,)


@case((3, 4), (4,), grad=(True, False))
def mul_by_a_constant_tensor(lib, w, c):
    h = w + 1
    h.mul_(c)
    h.mul_(-1.5)
    return (h,)


@case((3, 4), (4,))
def div_by_a_tensor(lib, w, c):
    h = w * 2
    h.div_(c)
    h.div_(4.0)
    return (h,)


@case((3, 4),)
def pow_by_a_number(lib, w):
    h = w * 1
    h.pow_(3)
    h.pow_(0.5)
    return (h,)


@case((3, 4), (4,))
def pow_by_a_tensor(lib, w, c):
    h = w * 1
    h.pow_(c)
    return (h,)


@case((3, 4), (4,))
def the_augmented_operators(lib, w, c):
    h = w * 1
    same = h
    h += c
    h -= 0.5
    h *= c
    h /= 2.0
    h **= 2
    assert h is same
    return (h,)


@case((3, 4),)
def clamp_both_ends(lib, w):
    h = w * 1
    h.clamp_(min=0.9, max=1.6)
    return (h,)


@case((3, 4),)
def clamp_one_end(lib, w):
    h, k = w * 1, w * 2
    h.clamp_(min=1.1)
    k.clamp_(max=2.5)
    return h, k


@case((3, 4),)
def relu_sigmoid_tanh_exp(lib, w):
    a, b, c, d = w - 1.2, w - 1, w * 2, w * 0.5
    a.relu_()
    b.sigmoid_()
    c.tanh_()
    d.exp_()
    return a, b, c, d


@case((3, 4),)
def relu_through_functional(lib, w):
    h = w - 1.2
    out = lib.nn.functional.relu(h, inplace=True)
    assert out is h
    return (h,)


@case((3, 4), (4,))
def masked_fill_with_a_number_and_a_tensor(lib, w, c):
    h = w * 2
    h.masked_fill_(w > 1.2, 0.5)
    h.masked_fill_(c < 1.0, c.sum())  # a 0-d tensor value gets the gradient of every filled place
    return (h,)


@case((3, 4), ())
def fill_and_zero(lib, w, c):
    h, k, z = w * 2, w * 3, w * 4
    h.fill_(1.5)
    k.fill_(c)  # a 0-d tensor: its gradient is the sum over the filled places
    z.zero_()
    return h, k, z


@case((3, 4), (4,))
def copy_broadcasting(lib, w, c):
    h = w * 2
    h.copy_(c)
    return (h,)


# ---- item assignment --------------------------------------------------------------------------------


@case((3, 4), (4,))
def setitem_a_row_and_an_element(lib, w, c):
    h = w * 2
    h[0] = c
    h[1, 2] = 5.0
    h[-1, -1] = c[0]
    return (h,)


@case((3, 4), (2,))
def setitem_basic_slices_with_broadcast(lib, w, c):
    h = w * 2
    h[:, 1:3] = c  # (2,) broadcast to (3, 2)
    h[::2, ::3] = c.sum()
    h[..., None, 0] = 0.25
    return (h,)


@case((3, 4), (4,))
def setitem_integer_arrays(lib, w, c):
    h = w * 2
    h[np.array([0, 2])] = c  # rows
    h[np.array([1, 2]), np.array([3, 0])] = c[:2]  # elements
    h[np.array([[1], [2]]), np.array([1, 2])] = -1.0  # a broadcast block
    return (h,)


@case((3, 4), (4,))
def setitem_boolean_masks(lib, w, c):
    h = w * 2
    h[w > 1.2] = 0.5
    h[np.array([True, False, True])] = c
    mask = c > 1.0
    h[1, mask] = c[mask] * 3
    return (h,)


@case((3, 4), (2,))
def setitem_mixed_indices(lib, w, c):
    h = w * 2
    h[np.array([2, 0]), 1:3] = c
    h[1:, np.array([3])] = c.sum()
    h[np.array([True, False, True]), -1] = c * c
    return (h,)


@case((2, 3, 4), (3, 1))
def setitem_in_three_dims(lib, w, c):
    h = w * 1
    h[1] = c  # (3, 1) broadcast to (3, 4)
    h[:, np.array([0, 2]), 1:] = 0.5
    h[..., 0] = c[:, 0].exp()
    return (h,)


@case((3,), (2,), fails=True)
def setitem_from_a_slice_of_itself(lib, w, c):
    h = w * 2
    h[0:2] = c * h[1:3]  # the product saved the slice for c's gradient, and the slice changes
    return (h,)


# ---- tensors outside the graph take values that need a gradient --------------------------------------


@case((3, 4), (4,), grad=(False, True))
def a_constant_leaf_changed_by_a_tensor_that_requires_grad(lib, buffer, c):
    buffer.mul_(c)
    buffer.add_(c, alpha=2)
    return (buffer,)


@case((3, 4), (4,), grad=(False, True))
def item_assignment_into_a_constant_leaf(lib, buffer, c):
    buffer[1] = c
    buffer[0, np.array([0, 2])] = c[1:3]
    return (buffer,)


@case((3, 4), (4,), grad=(False, True))
def copy_into_a_constant_leaf(lib, buffer, c):
    buffer.copy_(c.tanh())
    buffer.exp_()
    return (buffer,)


@case((3, 4), (4,), grad=(False, False))
def constants_changed_by_constants_stay_leaves(lib, buffer, c):
    buffer.mul_(c)
    buffer[0] = 3.0
    return (buffer,)


@case((3, 4), (4,))
def leaves_that_require_grad_changed_under_no_grad(lib, w, c):
    with lib.no_grad():
        w.mul_(2)
        w[0] = c
        w.clamp_(max=3.0)
    return (w * c,)


# ---- reads and writes in any order ----------------------------------------------------------------


@case((3, 4), (4,))
def values_read_before_and_after_the_change(lib, w, c):
    h = w * 1
    before = h + c  # Add saves nothing
    h.mul_(c)
    after = h.sum(0)
    h[1:] = 0.0
    return before, after, h


@case((3, 4), (4,))
def a_chain_of_changes_counts_each_version(lib, w, c):
    h = w * 2
    h.add_(1)
    h.mul_(c)
    h[0] = 0.0
    h.masked_fill_(h > 3, 1.0)
    h /= c
    h.relu_()
    return (h,)


@case((3, 4), (4,), grad=(True, False))
def a_product_with_a_constant_may_change_afterwards(lib, w, c):
    h = w * 1
    y = h * c  # c needs no gradient, so h is not saved
    h.add_(1)
    return y, h


@case((3, 4), (4,))
def changes_of_a_clone_leave_the_original_alone(lib, w, c):
    y = w.exp()
    z = y.clone()
    z.add_(c)
    z.sigmoid_()
    return y, z


# ---- changed after an op saved it: both refuse the backward pass ---------------------------------------


@case((3, 4), fails=True)
def exp_result_changed(lib, w):
    y = w.exp()  # Exp saves its result
    y.add_(1)
    return (y,)


@case((3, 4), fails=True)
def sigmoid_result_changed(lib, w):
    y = w.sigmoid()
    y.mul_(2)
    return (y,)


@case((3, 4), fails=True)
def tanh_result_changed_by_tanh_(lib, w):
    y = w.tanh()
    y.tanh_()
    return (y,)


@case((3, 4), fails=True)
def relu_result_changed(lib, w):
    y = (w - 1.2).relu()
    y[0] = 1.0
    return (y,)


@case((3, 4), (4,), fails=True)
def relu_result_changed_by_div(lib, w, c):
    h = w - 1.2
    h.relu_()  # saves its result: h's values
    h /= c
    return (h,)


@case((3, 4), fails=True)
def exp_result_changed_by_masked_fill(lib, w):
    y = w.exp()
    y.masked_fill_(w > 1.2, 0.0)
    return (y,)


@case((3, 4), fails=True)
def exp_result_changed_twice_in_place(lib, w):
    h = w * 1
    h.exp_()  # saves the result, now h's own values
    h.add_(1)
    return (h,)


@case((3, 4), (4,), fails=True)
def mul_input_changed_later(lib, w, c):
    h = w * 1
    y = h * c  # saves h for c's gradient
    h.add_(1)
    return (y,)


@case((3, 4), (4,), fails=True)
def div_divisor_changed_later(lib, w, c):
    h = w * 1
    y = c / h
    h.mul_(2)
    return (y,)


@case((3, 4), fails=True)
def pow_base_changed_later(lib, w):
    h = w * 1
    y = h**2
    h.zero_()
    return (y,)


@case((3, 4), fails=True)
def sin_input_changed_by_copy(lib, w):
    h = w * 1
    y = h.sin()
    h.copy_(w * 3)
    return (y,)


@case((3, 4), (4,), grad=(True, False), fails=True)
def a_constant_changed_after_use(lib, w, c):
    y = w * c  # saves c for w's gradient
    c.add_(1)
    return (y,)


@case((3, 4), (4,), fails=True)
def a_leaf_changed_under_no_grad_after_use(lib, w, c):
    y = w * c
    with lib.no_grad():
        w.sub_(0.1)
    return (y,)


# ---- second derivatives through in-place steps ----------------------------------------------------


@case((3, 4), (4,), create_graph=True)
def double_backward_through_mul_and_pow(lib, w, c):
    h = w * 1
    h.mul_(c)
    h.pow_(3)
    h.div_(c)
    return (h,)


@case((3, 4), (4,), create_graph=True)
def double_backward_through_item_assignment(lib, w, c):
    h = w * w
    h[0] = c * c
    h[np.array([1, 2]), 1:3] = c[:2].sin()
    h.masked_fill_(w > 1.5, c.sum() ** 2)
    return (h * h,)


@case((3, 4), (4,), create_graph=True)
def double_backward_through_pow_by_a_tensor(lib, w, c):
    h = w * 1
    h.pow_(c)  # saves its result too, for c's gradient
    return (h,)


@case((3, 4), (4,), create_graph=True)
def double_backward_through_copy_and_clamp(lib, w, c):
    h = w * 0
    h.copy_(c * c)
    h.clamp_(max=2.5)
    h.add_(w * w)
    return (h,)


# ---- what PyTorch runs and autograd_mini refuses, with a clear error (documented limits) ------------


@case((3, 4), limit="view made by ReshapeBackward0.*not supported")
def a_view_made_in_the_graph_changed_in_place(lib, w):
    h = w * 2
    h.reshape(12).mul_(3)
    return (h,)


@case((3, 4), limit=INPLACE_ERROR)
def a_row_read_after_its_matrix_changes(lib, w):
    h = w * 2
    row = h[0]  # PyTorch replays the view on the changed h; here its gradient would miss the change
    h.mul_(3)
    return (row,)


@case((3, 4), limit=INPLACE_ERROR)
def a_reshape_read_after_its_source_changes(lib, w):
    h = w * 2
    flat = h.reshape(12)
    h[1] = 0.0
    return (flat,)


@case((3, 4), (4,), grad=(False, True), limit="shares the memory of another")
def a_row_of_a_constant_takes_a_value_that_requires_grad(lib, buffer, c):
    buffer[0].copy_(c)  # PyTorch records the change on buffer too
    return (buffer,)


@case((3, 4), (4,), grad=(False, True), limit="shares the memory of another")
def a_detached_tensor_takes_a_value_that_requires_grad(lib, buffer, c):
    d = buffer.detach()
    d.mul_(c)
    return (d,)


# ---- where autograd_mini does not agree with PyTorch yet ---------------------------------------------

OVER_REFUSED_VIEW = (
    "differs from PyTorch: view ops save their result for the in-place check, so backward "
    "refuses a view whose base changed even when the view was used only before the change"
)
DATA_IS_CHECKED = (
    "differs from PyTorch: changes through .data bump the tensor's _version and fail backward, "
    "where PyTorch's .data has a version counter of its own and backward uses the new values"
)


@case((3, 4), create_graph=True)
def double_backward_through_exp_(lib, w):
    h = w * 1
    h.exp_()
    return (h,)


@case((3, 4), create_graph=True)
def double_backward_through_sigmoid_(lib, w):
    h = w * 1
    h.sigmoid_()
    return (h,)


@case((3, 4), create_graph=True)
def double_backward_through_tanh_(lib, w):
    h = w * 1
    h.tanh_()
    return (h,)


@case((3,), (2,), grad=(True, False), bug=OVER_REFUSED_VIEW)
def setitem_from_a_slice_of_itself_times_a_constant(lib, w, c):
    h = w * 2
    h[0:2] = c * h[1:3]  # the right side is computed first, and nothing saved it
    return (h,)


@case((3, 4), bug=OVER_REFUSED_VIEW)
def copy_from_a_reversed_view_of_itself(lib, w):
    h = w * 2
    h.copy_(h.flip(0) if lib is torch else h[::-1])  # a copy in PyTorch, a view here
    return (h,)


@case((3, 4), (4,), bug=DATA_IS_CHECKED)
def a_change_through_data_after_use(lib, w, c):
    y = w * c
    w.data.mul_(2)
    return (y,)


def test_the_table_has_every_in_place_method():
    """Every in-place method and operator appears in some program (read from their source)."""
    source = "\n".join(inspect.getsource(c.program) for c in CASES)
    names = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "relu_", "sigmoid_", "tanh_", "exp_",
             "masked_fill_", "fill_", "zero_", "copy_", "+=", "-=", "*=", "/=", "**=", "] ="]
    assert [n for n in names if n not in source] == []


def params(cases: list[Case]) -> list:
    marks = [[] if c.bug is None else [pytest.mark.xfail(strict=True, reason=c.bug)] for c in cases]
    return [pytest.param(c, id=c.program.__name__, marks=m) for c, m in zip(cases, marks)]


@pytest.mark.parametrize("case", params(CASES))
def test_in_place_program_matches_pytorch(case):
    check_against_pytorch(case)
