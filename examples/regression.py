"""Fit y = sin(x) on [-π, π] with a small Tanh MLP, mean squared error and Adam.

    python examples/regression.py
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import autograd_mini as am
from autograd_mini import nn, optim


def train(epochs: int = 2000, lr: float = 0.01, hidden: int = 32, seed: int = 0, log_every: int = 500):
    """Full-batch fit of sin on 200 points; returns the model and the final mean squared error."""
    am.manual_seed(seed)
    xs = np.linspace(-np.pi, np.pi, 200, dtype=np.float32).reshape(-1, 1)
    x, y = am.tensor(xs), am.tensor(np.sin(xs))
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                          nn.Linear(hidden, 1))
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and epoch % log_every == 0:
            print(f"epoch {epoch:4d}  mse {loss.item():.6f}")
    with am.no_grad():
        final = loss_fn(model(x), y).item()
    return model, final


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model, final = train(args.epochs, args.lr, args.hidden, args.seed)
    print(f"final mean squared error {final:.6f}")
    with am.no_grad():
        for value in (-2.0, 0.5, 1.5):
            predicted = model(am.tensor([[value]])).item()
            print(f"sin({value:+.1f}) = {np.sin(value):+.4f}, model: {predicted:+.4f}")


if __name__ == "__main__":
    main()
