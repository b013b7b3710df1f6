"""Rows for `autograd_mini.compile`: the same workloads as their eager rows, with the training
step compiled (recorded on the warm-up run, replayed in the timed ones). Each row's name is its
eager row's with ", compiled" added, so the two sit side by side in run.py's table.
"""

from __future__ import annotations

import sys

import numpy as np
import sequence_workloads
import workloads
from conv_workloads import built_once, repeated

import autograd_mini as am
import autograd_mini.nn.functional as F

sys.path.insert(0, workloads.os.path.join(workloads.os.path.dirname(__file__), "..", "examples"))
import xor  # noqa: E402


def xor_compiled(epochs: int) -> float:
    """examples/xor.py's training loop with its step (forward, backward, SGD step) compiled."""
    previous = am.get_default_dtype()
    am.set_default_dtype(np.float64)
    try:
        model = xor.build_model(hidden=2, seed=42)
        x, y = am.tensor(xor.INPUTS), am.tensor(xor.TARGETS)
        opt = am.optim.SGD(model.parameters(), lr=0.1)
        sum_of_squares = am.nn.MSELoss(reduction="sum")

        @am.compile
        def step():
            loss = 0.5 * sum_of_squares(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        for _ in range(epochs):
            mse = step().item() * 2 / len(xor.INPUTS)
    finally:
        am.set_default_dtype(previous)
    return mse


def tiny_compiled(iterations: int) -> float:
    rng = np.random.default_rng(0)
    a, b, c = (am.tensor(rng.standard_normal((4, 4)), requires_grad=True) for _ in range(3))

    @am.compile
    def step():
        a.grad = b.grad = c.grad = None
        out = (a * b + c).sum()
        out.backward()
        return out

    for _ in range(iterations):
        out = step()
    return float(out.item() + a.grad._array.sum() + b.grad._array.sum() + c.grad._array.sum())


class CompiledMLP(workloads.OursMLP):
    def __init__(self, sizes: tuple[int, ...], batch: int, lr: float = 0.01) -> None:
        super().__init__(sizes, batch, lr)
        self.compiled_step = am.compile(self.train_step)

    def train_step(self) -> am.Tensor:
        loss = F.cross_entropy(self.model(self.x), self.labels)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def step(self) -> float:
        return self.compiled_step().item()


class CompiledTrainer(sequence_workloads.Trainer):
    """One optimiser step of cross entropy on one fixed batch, compiled."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.compiled_step = am.compile(self.train_step)

    def train_step(self) -> am.Tensor:
        logits = self.model(self.inputs)
        loss = F.cross_entropy(logits.reshape(-1, sequence_workloads.VOCAB), self.targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self) -> float:
        return self.compiled_step().item()


def compiled_gpt_trainer() -> CompiledTrainer:
    s = sequence_workloads
    model = s.gpt_module(am)
    s.seeded_weights(model, am)
    optimizer = am.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    return CompiledTrainer(am, model, optimizer, *s.token_batch(s.GPT_BATCH, s.GPT_CONTEXT))


def compiled_workloads(workload_type: type, quick: bool) -> list:
    scale = 10 if quick else 1
    epochs, steps = 10_000 // scale, 200 // scale
    mlp_numpy, mlp_ours = workloads.NumpyMLP((784, 128, 10), 64), CompiledMLP((784, 128, 10), 64)
    gpt_steps = 2 if quick else 10
    return [
        workload_type(f"XOR tutorial 2-2-1, {epochs} epochs, f64, compiled", "run", 1, 3 if quick else 5,
                      lambda: workloads.xor_numpy(epochs), lambda: xor_compiled(epochs), rtol=1e-9),
        workload_type("MLP 784-128-10, batch 64, f32, compiled", "SGD step", steps, 3 if quick else 5,
                      repeated(mlp_numpy.step, steps), repeated(mlp_ours.step, steps), rtol=1e-4),
        workload_type("(a*b + c).sum().backward(), 4×4, compiled", "graph", 2000, 5,
                      lambda: workloads.tiny_numpy(2000), lambda: tiny_compiled(2000)),
        workload_type(
            f"GPT {sequence_workloads.GPT_LAYERS}×{sequence_workloads.GPT_HEADS} heads, d 64, ctx 64, b 32, "
            "AdamW, compiled", "step", gpt_steps, 3 if quick else 5, numpy=None,
            ours=repeated(compiled_gpt_trainer().step, gpt_steps),
            torch=built_once(sequence_workloads.gpt_trainer, gpt_steps), rtol=1e-3, reference="PyTorch",
        ),
    ]
