"""End-to-end checks of the core promises on small fixed cases."""

import numpy as np

import autograd_mini as am


def test_cube_gradient_is_three_x_squared():
    x = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x**3).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [3.0, 12.0, 27.0])


def test_second_derivative_of_cube_is_six_x():
    x = am.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    (g,) = am.grad((x**3).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad._array, [6.0, 12.0, 18.0])
