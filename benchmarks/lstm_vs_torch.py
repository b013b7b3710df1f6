"""Time one LSTM layer's forward and backward pass here and in PyTorch, on the same sizes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/lstm_vs_torch.py     # needs torch
    OPENBLAS_NUM_THREADS=1 python benchmarks/lstm_vs_torch.py --repeats 50

The sizes are those of a small word-level language model: input 64, hidden 128, sequence 35,
batch 20, float32. Each side runs forward, sums the output and runs backward. The two sides
take turns, one pass each, so that a busy machine slows both alike; the median and the fastest
of the repeats are reported, after a few warm-up passes. Both sides run on one thread (torch
is told so; NumPy's BLAS by the environment variable) and are timed in CPU time of this
process, which other work on a shared machine disturbs far less than the wall clock. Compare
the two sides of one run, not numbers of different runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_mini  # noqa: E402

INPUT, HIDDEN, LENGTH, BATCH = 64, 128, 35, 20


def time_in_turns(steps: list, repeats: int, warmup: int = 5) -> list[list[float]]:
    """CPU milliseconds of each call of each step, the steps called in turn."""
    times: list[list[float]] = [[] for _ in steps]
    for repeat in range(warmup + repeats):
        for step, kept in zip(steps, times):
            start = time.process_time()
            step()
            if repeat >= warmup:
                kept.append(1e3 * (time.process_time() - start))
    return times


def forward_backward(lstm, x):
    def step():
        lstm.zero_grad()
        output, (h_n, c_n) = lstm(x)
        output.sum().backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(INPUT, HIDDEN)
    ours = autograd_mini.nn.LSTM(INPUT, HIDDEN)
    weights = theirs.state_dict()
    ours.load_state_dict({name: autograd_mini.tensor(w.detach().numpy()) for name, w in weights.items()})
    x = np.random.default_rng(0).standard_normal((LENGTH, BATCH, INPUT)).astype(np.float32)
    steps = [forward_backward(ours, autograd_mini.tensor(x)), forward_backward(theirs, torch.from_numpy(x))]
    ours_ms, theirs_ms = time_in_turns(steps, args.repeats)
    print(f"LSTM({INPUT}, {HIDDEN}), input ({LENGTH}, {BATCH}, {INPUT}) float32, forward + backward, ms:")
    print("                median  fastest")
    for name, ms in (("autograd_mini", ours_ms), ("torch", theirs_ms)):
        print(f"  {name:13} {statistics.median(ms):7.2f}  {min(ms):7.2f}")
    ratios = (statistics.median(ours_ms) / statistics.median(theirs_ms), min(ours_ms) / min(theirs_ms))
    print(f"  ratio         {ratios[0]:6.2f}x  {ratios[1]:6.2f}x")
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", "as many as the machine has")
    print(f"threads: torch {torch.get_num_threads()}, NumPy's BLAS {blas_threads}")


if __name__ == "__main__":
    main()
