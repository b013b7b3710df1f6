"""Time conv2d's forward and backward against PyTorch's, at the shapes of a LeNet and of a
ResNet block, in float32 with one BLAS thread on each side.

    python benchmarks/conv.py

The input needs no gradient in LeNet's first layer (it is the data), so its input gradient
is skipped there, as in training. Results are printed, never asserted: timings are not tests.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini.nn import functional as F  # noqa: E402

# name: (batch, in channels, image size, out channels, kernel, padding, input needs a gradient)
SHAPES = {
    "LeNet conv1 1->6 5x5 on 28x28, batch 64": (64, 1, 28, 6, 5, 0, False),
    "LeNet conv2 6->16 5x5 on 12x12, batch 64": (64, 6, 12, 16, 5, 0, True),
    "3x3 64->64 on 32x32, padding 1, batch 32": (32, 64, 32, 64, 3, 1, True),
}


def best_of(step, repeats: int = 11) -> float:
    """The fastest of `repeats` runs, in milliseconds, after one to warm up."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def training_step(lib, conv, arrays, padding: int):
    """One forward and backward pass of conv in lib, on tensors of (array, requires_grad) pairs."""
    args = [lib.tensor(a, requires_grad=grad) for a, grad in arrays]

    def step():
        conv(*args, padding=padding).sum().backward()

    return step


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    for name, (n, c, size, o, k, padding, input_grad) in SHAPES.items():
        x = rng.standard_normal((n, c, size, size), dtype=np.float32)
        w = (rng.standard_normal((o, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
        b = np.zeros(o, np.float32)

        arrays = ((x, input_grad), (w, True), (b, True))
        ours = best_of(training_step(am, F.conv2d, arrays, padding))
        theirs = best_of(training_step(torch, torch.nn.functional.conv2d, arrays, padding))
        print(f"{name:44s} autograd_mini {ours:7.2f} ms  PyTorch {theirs:7.2f} ms  ratio {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
