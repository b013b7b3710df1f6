"""Train a small sigmoid MLP on XOR, the classic first job of a neural network.

    python examples/xor.py              # 2-4-1 network: solves XOR
    python examples/xor.py --tutorial   # the hand-written NumPy tutorial's 2-2-1 net, number for number

The tutorial's network draws its weights with np.random.seed(42) and randn, starts its biases at
zero, and takes 10,000 full-batch gradient steps with lr 0.1. Its update is
W += lr * hidden.T @ (error * σ'), with error = y - output summed over the batch: that is plain
gradient descent on L = ½·Σ(output - y)², i.e. 0.5 * MSELoss(reduction="sum"). This script trains
with exactly that loss and SGD, so its numbers are the tutorial's.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import autograd_mini as am
from autograd_mini import nn, optim

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float64)


def build_model(hidden: int, seed: int) -> nn.Sequential:
    """A 2-hidden-1 sigmoid MLP initialised as the tutorial does: randn weights, zero biases.

    The tutorial stores weights as (in, out) and computes x @ W; Linear stores (out, in) and
    computes x @ W.T, so each drawn matrix goes in transposed.
    """
    model = nn.Sequential(nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())
    rng = np.random.RandomState(seed)  # the same stream as np.random.seed(seed); np.random.randn
    with am.no_grad():
        for layer, shape in ((model[0], (2, hidden)), (model[2], (hidden, 1))):
            layer.weight._array[...] = rng.randn(*shape).T
            layer.bias._array[...] = 0.0
    return model


def train(
    hidden: int = 4,
    epochs: int = 10_000,
    lr: float = 0.1,
    seed: int = 42,
    optimizer: str = "sgd",
    log_every: int = 1000,
) -> tuple[nn.Sequential, list[float]]:
    """Train on the four XOR points; return the model and the mean squared error of every epoch."""
    model = build_model(hidden, seed)
    x, y = am.tensor(INPUTS), am.tensor(TARGETS)
    opt_class = {"sgd": optim.SGD, "adam": optim.Adam}[optimizer]
    opt = opt_class(model.parameters(), lr=lr)
    sum_of_squares = nn.MSELoss(reduction="sum")
    losses = []
    for epoch in range(epochs):
        output = model(x)
        loss = 0.5 * sum_of_squares(output, y)  # the tutorial's gradient: error·σ', summed
        opt.zero_grad()
        loss.backward()
        opt.step()
        mse = loss.item() * 2 / len(INPUTS)  # the mean squared error the tutorial prints
        losses.append(mse)
        if log_every and epoch % log_every == 0:
            print(f"Epoch {epoch}, Loss: {mse:.5f}")
    return model, losses


def predict(model: nn.Module) -> np.ndarray:
    """The model's outputs on the four XOR inputs, shape (4, 1)."""
    with am.no_grad():
        return model(am.tensor(INPUTS))._array


def solves_xor(predictions: np.ndarray) -> bool:
    """Whether every prediction rounds to its XOR target."""
    return bool(np.array_equal(np.round(predictions), TARGETS))


def plot(model: nn.Module, losses: list[float], path: str) -> None:
    """Save the loss curve and the decision boundary side by side (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib: pip install matplotlib (or pip install 'autograd_mini[plot]')")
        return
    grid = np.linspace(-0.5, 1.5, 200)
    gx, gy = np.meshgrid(grid, grid)
    with am.no_grad():
        surface = model(am.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1)))._array.reshape(gx.shape)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(losses)
    left.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="Training loss")
    contour = right.contourf(gx, gy, surface, levels=20, cmap="coolwarm", vmin=0, vmax=1)
    right.contour(gx, gy, surface, levels=[0.5], colors="black")
    right.scatter(INPUTS[:, 0], INPUTS[:, 1], c=TARGETS.ravel(), cmap="coolwarm", edgecolors="black", s=120)
    right.set(title="Output (black line: 0.5)", xlabel="x1", ylabel="x2")
    fig.colorbar(contour, ax=right)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"Saved the plot to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tutorial", action="store_true",
                        help="the NumPy tutorial exactly: 2 hidden units, SGD, lr 0.1, 10,000 epochs")
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--plot", metavar="FILE.png", help="save the loss curve and decision boundary")
    args = parser.parse_args(argv)
    if args.tutorial:
        args.hidden, args.epochs, args.lr, args.seed, args.optimizer = 2, 10_000, 0.1, 42, "sgd"
    if args.hidden < 1 or args.epochs < 1 or args.lr <= 0:
        parser.error("--hidden and --epochs must be at least 1, and --lr positive")

    am.set_default_dtype(np.float64)  # the tutorial computes in float64
    model, losses = train(args.hidden, args.epochs, args.lr, args.seed, args.optimizer)
    predictions = predict(model)
    print("Final Predictions:")
    print(predictions)
    verdict = "solved" if solves_xor(predictions) else "not solved"
    rounded = ", ".join(str(int(p)) for p in np.round(predictions).ravel())
    print(f"XOR {verdict}: predictions round to {rounded} (target 0, 1, 1, 0)")
    if args.tutorial:
        print(
            "Stuck: with 2 hidden units and this seed, gradient descent settles in a local minimum "
            "where inputs (0,1) and (1,1) both map to about 0.5; more hidden units (the default 4) solve it."
        )
    if args.plot:
        plot(model, losses, args.plot)


if __name__ == "__main__":
    main()
