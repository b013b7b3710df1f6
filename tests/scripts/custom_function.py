"""A custom autograd Function: the Legendre polynomial P3(x) = (5x^3 - 3x) / 2, used to fit sin(x).

The model is y = a + b P3(c + d x). P3's forward and backward are written by hand in a subclass
of torch.autograd.Function and checked with torch.autograd.gradcheck in float64 before training.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import math

import numpy as np


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def main(torch) -> dict:
    dtype = torch.float64
    check_input = torch.tensor([-0.9, -0.2, 0.3, 0.8], dtype=dtype, requires_grad=True)
    gradcheck_passed = torch.autograd.gradcheck(LegendrePolynomial3.apply, (check_input,))

    x = torch.from_numpy(np.linspace(-math.pi, math.pi, 2000))
    y = torch.sin(x)

    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

    learning_rate = 5e-6
    P3 = LegendrePolynomial3.apply
    losses = []
    for t in range(2000):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 500 == 499:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad.zero_()

    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
    return {
        "gradcheck": bool(gradcheck_passed),
        "first_loss": losses[0],
        "final_loss": losses[-1],
        "coefficients": [a.item(), b.item(), c.item(), d.item()],
        "grads_zeroed": [p.grad.item() for p in (a, b, c, d)],
    }


if __name__ == "__main__":
    print(main(torch))
