"""The benchmark workloads: each as hand-written NumPy, as autograd_mini, and as PyTorch.

Each side starts from the same seeded weights and returns its final loss, so run.py can check
that the sides did the same math before it compares their times.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import autograd_mini as am
import autograd_mini.nn.functional as F
from autograd_mini import nn, optim

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import xor  # noqa: E402  (the example's training loop is the XOR workload)
from conv_workloads import conv_workloads  # noqa: E402
from sequence_workloads import sequence_workloads  # noqa: E402


@dataclass
class Workload:
    name: str
    unit: str  # what one timed unit is
    units: int  # units per timed run
    repeats: int
    numpy: Callable[[], float] | None  # None where PyTorch is the reference
    ours: Callable[[], float]
    torch: Callable | None = None
    reference: str = "NumPy"  # what the ratio is taken against: "NumPy" or "PyTorch"
    rtol: float = 1e-9  # how close the final losses must be
    measure_memory: bool = False
    numpy_step: Callable[[], object] | None = None
    ours_step: Callable[[], object] | None = None
    step_memory: Callable[[str], int] | None = None  # library name -> peak RSS growth of a step


# ---- XOR: the tutorial's 2-2-1 sigmoid net, float64, full batch --------------------------------


def xor_numpy(epochs: int) -> float:
    """The tutorial's hand-written forward, backprop and update."""
    rng = np.random.RandomState(42)
    w1, b1 = rng.randn(2, 2), np.zeros((1, 2))
    w2, b2 = rng.randn(2, 1), np.zeros((1, 1))
    x, y = xor.INPUTS, xor.TARGETS
    for _ in range(epochs):
        h = 1 / (1 + np.exp(-(x @ w1 + b1)))
        out = 1 / (1 + np.exp(-(h @ w2 + b2)))
        d_out = (y - out) * out * (1 - out)
        d_h = d_out @ w2.T * h * (1 - h)
        w2 += h.T @ d_out * 0.1
        b2 += d_out.sum(axis=0, keepdims=True) * 0.1
        w1 += x.T @ d_h * 0.1
        b1 += d_h.sum(axis=0, keepdims=True) * 0.1
    return float(np.mean((y - out) ** 2))


def xor_ours(epochs: int) -> float:
    previous = am.get_default_dtype()
    am.set_default_dtype(np.float64)
    try:
        _, losses = xor.train(hidden=2, epochs=epochs, lr=0.1, seed=42, log_every=0)
    finally:
        am.set_default_dtype(previous)
    return losses[-1]


def xor_torch(torch, epochs: int) -> float:
    rng = np.random.RandomState(42)
    w1, w2 = rng.randn(2, 2), rng.randn(2, 1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1), torch.nn.Sigmoid()
    ).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(w1.T))
        model[2].weight.copy_(torch.from_numpy(w2.T))
        model[0].bias.zero_()
        model[2].bias.zero_()
    x, y = torch.from_numpy(xor.INPUTS), torch.from_numpy(xor.TARGETS)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    for _ in range(epochs):
        loss = 0.5 * loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item() * 2 / 4


# ---- MLP classifiers: ReLU hidden layers, softmax cross-entropy, SGD, float32 --------------------


def mlp_weights(sizes: tuple[int, ...], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch-style Linear init, float32: weight (out, in) and bias (out,) ~ U(±1/√in)."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return layers


def mlp_data(sizes: tuple[int, ...], batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, sizes[0])).astype(np.float32), rng.integers(0, sizes[-1], batch)


class NumpyMLP:
    """The hand-written reference: forward, backprop and SGD step, all in NumPy."""

    def __init__(self, sizes: tuple[int, ...], batch: int, lr: float = 0.01) -> None:
        self.layers = [(w.copy(), b.copy()) for w, b in mlp_weights(sizes)]
        self.x, self.labels = mlp_data(sizes, batch)
        self.lr = np.float32(lr)

    def step(self) -> float:
        activations = [self.x]
        for i, (w, b) in enumerate(self.layers):
            z = activations[-1] @ w.T + b
            activations.append(np.maximum(z, 0) if i < len(self.layers) - 1 else z)
        logits = activations.pop()
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(self.labels)
        loss = -log_probs[np.arange(n), self.labels].mean()
        grad = np.exp(log_probs)
        grad[np.arange(n), self.labels] -= 1
        grad /= n
        for i in reversed(range(len(self.layers))):
            w, b = self.layers[i]
            h = activations[i]
            grad_w, grad_b = grad.T @ h, grad.sum(axis=0)
            if i:
                grad = (grad @ w) * (h > 0)
            w -= self.lr * grad_w
            b -= self.lr * grad_b
        return float(loss)


class OursMLP:
    def __init__(self, sizes: tuple[int, ...], batch: int, lr: float = 0.01) -> None:
        layers: list[nn.Module] = []
        for w, b in mlp_weights(sizes):
            linear = nn.Linear(w.shape[1], w.shape[0])
            linear.weight._array[...], linear.bias._array[...] = w, b
            layers += [linear, nn.ReLU()]
        self.model = nn.Sequential(*layers[:-1])
        x, labels = mlp_data(sizes, batch)
        self.x, self.labels = am.tensor(x), am.tensor(labels)
        self.opt = optim.SGD(self.model.parameters(), lr=lr)

    def step(self) -> float:
        loss = F.cross_entropy(self.model(self.x), self.labels)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


def torch_mlp(torch, sizes: tuple[int, ...], batch: int, steps: int, lr: float = 0.01) -> float:
    layers = []
    for w, b in mlp_weights(sizes):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    x, labels = (torch.from_numpy(a) for a in mlp_data(sizes, batch))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def mlp_workload(name: str, sizes: tuple[int, ...], batch: int, steps: int, repeats: int) -> Workload:
    """Each timed run takes `steps` more SGD steps on one network per side, built untimed: both
    sides take the same steps from the same weights, so their losses stay comparable."""
    numpy_net, our_net = NumpyMLP(sizes, batch), OursMLP(sizes, batch)

    def run(net: NumpyMLP | OursMLP) -> float:
        for _ in range(steps):
            loss = net.step()
        return loss

    def run_torch(torch) -> float:
        return torch_mlp(torch, sizes, batch, steps)

    return Workload(
        name=name, unit="SGD step", units=steps, repeats=repeats,
        numpy=lambda: run(numpy_net), ours=lambda: run(our_net), torch=run_torch, rtol=1e-4,
        measure_memory=batch >= 256, numpy_step=numpy_net.step, ours_step=our_net.step,
    )


def mlp_numpy(sizes: tuple[int, ...], batch: int, steps: int) -> float:
    """`steps` SGD steps of the hand-written MLP (for instructions.py: the network is built in the
    count, the same for n and 2n steps, so it cancels)."""
    net = NumpyMLP(sizes, batch)
    return [net.step() for _ in range(steps)][-1]


def mlp_ours(sizes: tuple[int, ...], batch: int, steps: int) -> float:
    net = OursMLP(sizes, batch)
    return [net.step() for _ in range(steps)][-1]


# ---- per-op overhead: a tiny fresh graph, and a long chain --------------------------------------


def tiny_numpy(iterations: int) -> float:
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((4, 4)) for _ in range(3))
    for _ in range(iterations):
        out = (a * b + c).sum()
        ones = np.ones_like(a)
        grad_a, grad_b, grad_c = ones * b, ones * a, ones.copy()
    return float(out + grad_a.sum() + grad_b.sum() + grad_c.sum())


def tiny_ours(iterations: int) -> float:
    rng = np.random.default_rng(0)
    a, b, c = (am.tensor(rng.standard_normal((4, 4)), requires_grad=True) for _ in range(3))
    for _ in range(iterations):
        a.grad = b.grad = c.grad = None
        out = (a * b + c).sum()
        out.backward()
    return float(out.item() + a.grad._array.sum() + b.grad._array.sum() + c.grad._array.sum())


def tiny_torch(torch, iterations: int) -> float:
    rng = np.random.default_rng(0)
    a, b, c = (torch.tensor(rng.standard_normal((4, 4)), requires_grad=True) for _ in range(3))
    for _ in range(iterations):
        a.grad = b.grad = c.grad = None
        out = (a * b + c).sum()
        out.backward()
    return float(out.item() + a.grad.sum() + b.grad.sum() + c.grad.sum())


def cross_entropy_numpy(iterations: int) -> float:
    """Forward and backward of the mean cross entropy of (16, 10) logits against class indices."""
    logits, labels = _cross_entropy_arrays()
    rows = np.arange(len(labels))
    for _ in range(iterations):
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = (np.log(total)[:, 0] - shifted[rows, labels]).mean()
        grad = e / total
        grad[rows, labels] -= 1
        grad /= len(labels)
    return float(loss + grad.sum())


def cross_entropy_ours(iterations: int) -> float:
    logits, labels = _cross_entropy_arrays()
    logits, labels = am.tensor(logits, requires_grad=True), am.tensor(labels)
    for _ in range(iterations):
        logits.grad = None
        loss = F.cross_entropy(logits, labels)
        loss.backward()
    return float(loss.item() + logits.grad._array.sum())


def _cross_entropy_arrays() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((16, 10)), rng.integers(0, 10, 16)


CHAIN_FACTOR = 1.000001


def chain_numpy(length: int) -> float:
    """Forward: z = z * k, `length` times; backward: the same chain rule, step by step."""
    z = np.linspace(0.5, 1.5, 4)
    for _ in range(length):
        z = z * CHAIN_FACTOR
    grad = np.ones(4)
    for _ in range(length):
        grad = grad * CHAIN_FACTOR
    return float(z.sum() + grad.sum())


def chain_ours(length: int) -> float:
    x = am.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
    z = x
    for _ in range(length):
        z = z * CHAIN_FACTOR
    z.sum().backward()
    return float(z._array.sum() + x.grad._array.sum())


def chain_torch(torch, length: int) -> float:
    x = torch.tensor(np.linspace(0.5, 1.5, 4), requires_grad=True)
    z = x
    for _ in range(length):
        z = z * CHAIN_FACTOR
    z.sum().backward()
    return float(z.detach().sum() + x.grad.sum())


# ---- an MLP written with raw Tensor ops (no nn), at a few sizes -----------------------------------


def raw_mlp_numpy(sizes: tuple[int, int, int], batch: int, iterations: int) -> float:
    """Forward and backward of tanh(x @ W1 + b1) @ W2 + b2 with a mean squared error."""
    x, y, w1, b1, w2, b2 = _raw_mlp_arrays(sizes, batch)
    for _ in range(iterations):
        h = np.tanh(x @ w1 + b1)
        out = h @ w2 + b2
        diff = out - y
        loss = (diff**2).mean()
        d_out = 2 * diff / diff.size
        grad_w2, grad_b2 = h.T @ d_out, d_out.sum(axis=0)
        d_pre = d_out @ w2.T * (1 - h * h)
        grad_w1, grad_b1 = x.T @ d_pre, d_pre.sum(axis=0)
    return float(loss + grad_w1.sum() + grad_b1.sum() + grad_w2.sum() + grad_b2.sum())


def raw_mlp_ours(sizes: tuple[int, int, int], batch: int, iterations: int) -> float:
    x, y, *weights = (am.tensor(a) for a in _raw_mlp_arrays(sizes, batch))
    for w in weights:
        w.requires_grad_()
    w1, b1, w2, b2 = weights
    for _ in range(iterations):
        for w in weights:
            w.grad = None
        loss = (((x @ w1 + b1).tanh() @ w2 + b2 - y) ** 2).mean()
        loss.backward()
    return float(loss.item() + sum(w.grad._array.sum() for w in weights))


def _raw_mlp_arrays(sizes: tuple[int, int, int], batch: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    n_in, n_hidden, n_out = sizes
    shapes = [(batch, n_in), (batch, n_out), (n_in, n_hidden), (n_hidden,), (n_hidden, n_out), (n_out,)]
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def all_workloads(quick: bool) -> list[Workload]:
    scale = 10 if quick else 1
    epochs, chain = 10_000 // scale, 100_000 // scale
    workloads = [
        Workload(f"XOR tutorial 2-2-1, {epochs} epochs, f64", "run", 1, 3 if quick else 5,
                 lambda: xor_numpy(epochs), lambda: xor_ours(epochs),
                 lambda torch: xor_torch(torch, epochs), rtol=1e-9),
        mlp_workload("MLP 784-128-10, batch 64, f32", (784, 128, 10), 64, 200 // scale, 3 if quick else 5),
        mlp_workload("MLP 784-1024-1024-10, batch 512", (784, 1024, 1024, 10), 512, 2 if quick else 10, 3),
        Workload("(a*b + c).sum().backward(), 4×4", "graph", 2000, 5,
                 lambda: tiny_numpy(2000), lambda: tiny_ours(2000), lambda torch: tiny_torch(torch, 2000)),
        Workload(f"chain of {chain} ops, fwd + bwd", "chain", 1, 3,
                 lambda: chain_numpy(chain), lambda: chain_ours(chain),
                 lambda torch: chain_torch(torch, chain)),
    ]
    for sizes, batch in (((2, 8, 1), 4), ((32, 64, 10), 64), ((128, 512, 10), 256)):
        iterations = 2000 // scale if batch < 100 else 200 // scale
        label = "-".join(map(str, sizes))
        workloads.append(Workload(
            f"raw-op MLP {label}, batch {batch}, fwd+bwd", "iteration", iterations, 3,
            lambda s=sizes, b=batch, n=iterations: raw_mlp_numpy(s, b, n),
            lambda s=sizes, b=batch, n=iterations: raw_mlp_ours(s, b, n), rtol=1e-4,
        ))
    return workloads + conv_workloads(Workload, quick) + sequence_workloads(Workload, quick)
