"""Fit y = sin(x) on [-pi, pi] with a cubic a + b x + c x^2 + d x^3, by gradient descent on raw tensors.

First the gradients are written out by hand from the chain rule and checked against autograd's;
then autograd drives the fit: the four coefficients are updated in place under no_grad and their
gradients reset to None after each step.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import math

import numpy as np


def main(torch) -> dict:
    dtype = torch.float64
    x = torch.from_numpy(np.linspace(-math.pi, math.pi, 2000))
    y = torch.sin(x)

    rng = np.random.default_rng(0)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in rng.standard_normal(4))

    # The gradients by hand: loss = sum((y_pred - y)^2), so dloss/dy_pred = 2 (y_pred - y).
    with torch.no_grad():
        y_pred = a + b * x + c * x**2 + d * x**3
        grad_y_pred = 2.0 * (y_pred - y)
        manual = [
            grad_y_pred.sum().item(),
            (grad_y_pred * x).sum().item(),
            (grad_y_pred * x**2).sum().item(),
            (grad_y_pred * x**3).sum().item(),
        ]

    learning_rate = 1e-6
    losses = []
    for t in range(2000):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 500 == 499:
            print(t, loss.item())

        loss.backward()
        if t == 0:
            autograd_grads = [a.grad.item(), b.grad.item(), c.grad.item(), d.grad.item()]

        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return {
        "first_loss": losses[0],
        "final_loss": losses[-1],
        "coefficients": [a.item(), b.item(), c.item(), d.item()],
        "manual_grads": manual,
        "autograd_grads": autograd_grads,
        "is_leaf": [a.is_leaf, b.is_leaf, c.is_leaf, d.is_leaf],
        "grad_after_reset": a.grad is None,
    }


if __name__ == "__main__":
    print(main(torch))
