"""Classify three interleaved 2-D spirals with a ReLU MLP, cross-entropy and Adam.

    python examples/spirals.py                 # trains to over 95% training accuracy
    python examples/spirals.py --plot out.png  # and draws the decision regions (needs matplotlib)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import autograd_mini as am
from autograd_mini import nn, optim


def make_spirals(points_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """Points (N, 2) on `classes` spiral arms, with labels (N,): the classic non-linear toy set."""
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, points_per_class), classes)
    label = np.repeat(np.arange(classes), points_per_class)
    angle = label * 4.0 + radius * 4.0 + rng.normal(0.0, noise, radius.shape)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points.astype(np.float32), label


def build_model(hidden: int = 64, classes: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, classes))


def train(epochs: int = 1000, lr: float = 0.01, seed: int = 0, log_every: int = 200):
    """Full-batch training; returns the model, the data and the final training accuracy."""
    am.manual_seed(seed)
    points, labels = make_spirals(seed=seed)
    x, y = am.tensor(points), am.tensor(labels)
    model = build_model()
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        logits = model(x)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and epoch % log_every == 0:
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}  accuracy {accuracy(logits, labels):.1%}")
    with am.no_grad():
        final = accuracy(model(x), labels)
    return model, points, labels, final


def accuracy(logits: am.Tensor, labels: np.ndarray) -> float:
    return float((logits.argmax(dim=1)._array == labels).mean())


def plot(model: nn.Module, points: np.ndarray, labels: np.ndarray, path: str) -> None:
    """Save the decision regions with the training points (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib: pip install matplotlib (or pip install 'autograd_mini[plot]')")
        return
    grid = np.linspace(-1.2, 1.2, 300, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    with am.no_grad():
        regions = model(am.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))).argmax(dim=1)._array
    plt.contourf(gx, gy, regions.reshape(gx.shape), alpha=0.3, cmap="brg")
    plt.scatter(points[:, 0], points[:, 1], c=labels, cmap="brg", s=12)
    plt.title("Spirals: decision regions")
    plt.savefig(path, dpi=100, bbox_inches="tight")
    print(f"Saved the plot to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE.png")
    args = parser.parse_args(argv)
    model, points, labels, final = train(args.epochs, args.lr, args.seed)
    print(f"training accuracy {final:.1%}")
    if args.plot:
        plot(model, points, labels, args.plot)


if __name__ == "__main__":
    main()
