"""Division in all its forms (/, //, %, fmod, div with rounding_mode), the arithmetic methods and
functions with their options (add(x, y, alpha=2)), and their in-place forms, as PyTorch has them."""

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.testing import gradcheck

A = np.array([5.5, -7.25, 3.2, -0.5])  # no quotient near a whole number: % jumps there
B = np.array([2.0, 3.0, -1.5, -4.0])


def test_floor_division_and_remainder_round_towards_minus_infinity():
    a, b = am.tensor(A), am.tensor(B)
    np.testing.assert_array_equal((a // b)._array, np.floor(A / B))
    np.testing.assert_array_equal((a % b)._array, A - np.floor(A / B) * B)  # the sign of b
    assert (am.tensor([5, -7]) // 2).tolist() == [2, -4] and (am.tensor([5, -7]) % 3).tolist() == [2, 2]
    assert (7 % am.tensor([3.0])).tolist() == [1.0] and (7 // am.tensor([2])).tolist() == [3]


def test_remainder_gradients_match_finite_differences():
    a = am.tensor(A, requires_grad=True)
    b = am.tensor(B, requires_grad=True)
    assert gradcheck(lambda a, b: a % b, [a, b])


def test_floor_division_has_no_derivative():
    a = am.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"floor division \(//\) has no derivative"):
        (a // 2).sum().backward()


def test_in_place_forms_keep_the_tensor():
    t = am.tensor([5, 7])
    same = t
    t //= 2
    t %= 2
    assert t is same and t.tolist() == [0, 1] and t._version == 2


@pytest.mark.torch
def test_they_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    ours = [am.tensor(A, requires_grad=True), am.tensor(B, requires_grad=True)]
    theirs = [torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)]
    for (a, b), lib in ((ours, am), (theirs, torch)):
        (a % b * lib.tensor(np.arange(4.0))).sum().backward()
    for x, y in zip(ours, theirs):
        np.testing.assert_array_equal(x.grad._array, y.grad.numpy())
    for i, j in ((ours[0], theirs[0]), (am.tensor([5, -7]), torch.tensor([5, -7]))):
        np.testing.assert_array_equal((i.detach() // 2)._array, (j.detach() // 2).numpy())
        assert str((i.detach() // 2).dtype) == str((j.detach() // 2).dtype).removeprefix("torch.")


INTEGERS = [np.array([7, -7, 6, -6, 0]), np.array([2, 2, -4, 4, 3])]


def test_rounded_division_and_fmod_of_integers_keep_the_dtype_and_round_as_asked():
    a, b = (am.tensor(x) for x in INTEGERS)
    assert am.div(a, b, rounding_mode="trunc").tolist() == [3, -3, -1, -1, 0]
    assert a.div(b, rounding_mode="floor").tolist() == [3, -4, -2, -2, 0]
    assert am.fmod(a, b).tolist() == [1, -1, 2, -2, 0]  # the sign of a
    assert am.remainder(a, b).tolist() == [1, 1, -2, 2, 0]  # the sign of b
    assert am.div(a, b, rounding_mode="trunc").dtype == am.int64 and am.true_divide(a, b).dtype == am.float32


def test_rounded_division_gives_zero_gradients():
    a = am.tensor(A, requires_grad=True)
    b = am.tensor(B, requires_grad=True)
    am.div(a, b, rounding_mode="floor").sum().backward()
    assert a.grad.tolist() == [0.0] * 4 and b.grad.tolist() == [0.0] * 4


def test_fmod_gradients_match_finite_differences():
    a = am.tensor(A, requires_grad=True)
    b = am.tensor(B, requires_grad=True)
    assert gradcheck(lambda a, b: am.fmod(a, b), [a, b])


@pytest.mark.parametrize(
    "divide",
    [
        lambda a: a // 0,
        lambda a: a % am.tensor([1, 0]),
        lambda a: am.fmod(a, 0),
        lambda a: am.div(a, 0, rounding_mode="trunc"),
        lambda a: a.floor_divide_(0),
    ],
)
def test_integer_division_by_zero_is_refused(divide):
    with pytest.raises(RuntimeError, match="integer division by zero"):
        divide(am.tensor([7, -7]))


def test_a_rounding_mode_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match='rounding_mode must be None, "trunc" or "floor", not \'round\''):
        am.div(am.tensor([1.0]), 2, rounding_mode="round")


def test_alpha_scales_the_second_operand_and_must_suit_the_result():
    x, y = am.tensor([1.0, 2.0]), am.tensor([10.0, 20.0])
    assert am.add(x, y, alpha=2).tolist() == [21.0, 42.0] and x.sub(y, alpha=0.5).tolist() == [-4.0, -8.0]
    assert am.add(am.tensor([1, 2]), 0.5, alpha=2).tolist() == [2.0, 3.0]  # a float result takes it
    with pytest.raises(RuntimeError, match="add: alpha=0.5 does not suit a result of dtype int64"):
        am.add(am.tensor([1]), am.tensor([2]), alpha=0.5)
    with pytest.raises(RuntimeError, match="sub_: alpha=True"):
        x.sub_(y, alpha=True)


def test_the_functions_take_a_number_first():
    x = am.tensor([1.0, 4.0])
    assert am.sub(2, x).tolist() == [1.0, -2.0] and am.div(8, x).tolist() == [8.0, 2.0]
    assert am.mul(3, x).dtype == am.float32 and am.remainder(5, am.tensor([3, -3])).tolist() == [2, -1]


def test_in_place_division_forms():
    t = am.tensor([7.0, -7.0])
    same = t
    t.div_(2, rounding_mode="trunc")
    t.fmod_(2)
    t.mul_(3).true_divide_(2)
    assert t is same and t.tolist() == [1.5, -1.5] and t._version == 4


def test_addmm_adds_the_scaled_product_and_refuses_an_input_that_does_not_broadcast():
    c, a, b = am.ones(2, 2), am.ones(2, 3), am.ones(3, 2)
    assert am.addmm(c, a, b, beta=0.5, alpha=2).tolist() == [[6.5, 6.5], [6.5, 6.5]]
    assert c.addmm(a, b, beta=0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert am.addmm(am.tensor([float("nan")]), a, b, beta=0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    with pytest.raises(RuntimeError, match=r"input of shape \(3,\) does not broadcast to the product"):
        am.addmm(am.ones(3), a, b)


@pytest.mark.torch
@pytest.mark.parametrize("rounding_mode", [None, "trunc", "floor"])
def test_integer_division_agrees_with_pytorch(rounding_mode):
    torch = pytest.importorskip("torch")
    ours = am.div(*(am.tensor(x) for x in INTEGERS), rounding_mode=rounding_mode)
    theirs = torch.div(*(torch.tensor(x) for x in INTEGERS), rounding_mode=rounding_mode)
    np.testing.assert_array_equal(ours._array, theirs.numpy())
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    for name in ("fmod", "remainder"):
        mine = getattr(am, name)(*(am.tensor(x) for x in INTEGERS))
        np.testing.assert_array_equal(mine._array, getattr(torch, name)(*map(torch.tensor, INTEGERS)).numpy())
