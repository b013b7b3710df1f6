"""A small nn.Sequential network fit to sin(x), updated by hand: p -= lr * p.grad under no_grad.

The model ends in nn.Flatten(0, 1), so its output has the target's shape (N,); the gradients are
cleared with model.zero_grad() before each backward pass.
"""

# ruff: noqa: I001 (the switch between the two libraries stays the first import)
import autograd_mini as torch  # the one line to change: import torch

import numpy as np


def main(torch) -> dict:
    nn = torch.nn
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.uniform(-3.0, 3.0, size=(256, 1)).astype(np.float32))
    y = torch.sin(x).flatten()

    model = nn.Sequential(
        nn.Linear(1, 32),
        nn.Tanh(),
        nn.Linear(32, 1),
        nn.Flatten(0, 1),
    )
    # The same starting weights in both libraries: copied in from NumPy.
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, size=tuple(param.shape))))

    loss_fn = nn.MSELoss(reduction="mean")
    learning_rate = 0.05
    losses = []
    for t in range(300):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        if t % 100 == 99:
            print(t, loss.item())

        model.zero_grad()
        loss.backward()

        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

    last = model[2]
    return {
        "first_loss": losses[0],
        "final_loss": losses[-1],
        "output_shape": list(y_pred.shape),
        "last_weight": last.weight.detach().numpy().ravel().tolist(),
        "last_bias": last.bias.item(),
        "last_weight_grad": last.weight.grad.numpy().ravel().tolist(),
        "dtypes": sorted({str(p.dtype) for p in model.parameters()}),
        "n_parameters": sum(p.numel() for p in model.parameters()),
    }


if __name__ == "__main__":
    print(main(torch))
