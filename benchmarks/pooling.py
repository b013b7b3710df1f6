"""Time max_pool2d and avg_pool2d, forward and backward, on LeNet's shapes, against PyTorch.

    python benchmarks/pooling.py [--threads 1] [--repeats 50]

Prints the median milliseconds per forward+backward pass; results are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads")
ARGS.add_argument("--repeats", type=int, default=50)
ARGS = ARGS.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)  # before NumPy loads

import numpy as np  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini.nn import functional as F  # noqa: E402

SHAPES = [(64, 6, 24, 24), (64, 16, 8, 8)]  # LeNet-5's two pooling layers, batch 64


def median_ms(step, repeats: int) -> float:
    step()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def ours(pool, x: np.ndarray):
    t = am.tensor(x, requires_grad=True)
    grad = am.tensor(np.ones((x.shape[0], x.shape[1], x.shape[2] // 2, x.shape[3] // 2), x.dtype))

    def step():
        t.grad = None
        pool(t, 2).backward(grad)

    return step


def theirs(torch, pool, x: np.ndarray):
    t = torch.tensor(x, requires_grad=True)
    grad = torch.ones((x.shape[0], x.shape[1], x.shape[2] // 2, x.shape[3] // 2))

    def step():
        t.grad = None
        pool(t, 2).backward(grad)

    return step


def main() -> None:
    try:
        import torch

        torch.set_num_threads(ARGS.threads)
    except ImportError:
        torch = None
    print(f"{'op':<12}{'shape':<18}{'ours ms':>10}{'torch ms':>10}")
    for name in ("max_pool2d", "avg_pool2d"):
        for shape in SHAPES:
            x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
            mine = median_ms(ours(getattr(F, name), x), ARGS.repeats)
            other = "-"
            if torch is not None:
                other = f"{median_ms(theirs(torch, getattr(torch.nn.functional, name), x), ARGS.repeats):.3f}"
            print(f"{name:<12}{str(shape):<18}{mine:>10.3f}{other:>10}")


if __name__ == "__main__":
    main()
