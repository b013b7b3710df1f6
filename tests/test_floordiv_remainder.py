"""// and %, and their in-place forms, as Python and PyTorch define them."""

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
