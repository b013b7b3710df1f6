"""Time forward + backward of a small causal transformer stack, autograd_mini against PyTorch.

    python benchmarks/attention.py            # 2 layers, 4 heads, d_model 64, context 64, batch 32
    python benchmarks/attention.py --steps 20
    OPENBLAS_NUM_THREADS=1 python benchmarks/attention.py --torch-threads 1   # one core each

On a busy machine, multithreaded BLAS loses most of its time waiting for cores, in either
library; one thread each gives the steadier comparison.

The same model code runs in both libraries: nn.TransformerEncoder of pre-norm
TransformerEncoderLayers with a causal mask, dropout off, float32, then a sum of squares and its
backward pass. The weights are copied from PyTorch's model, and the first step's outputs are
compared, so the two time the same arithmetic. At this size the time goes on the Python
overhead of each node as much as on the arithmetic, so the number of ops per layer matters.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_mini as am  # noqa: E402


def build(lib, layers: int, heads: int, width: int):
    layer = lib.nn.TransformerEncoderLayer(
        width, heads, dim_feedforward=4 * width, dropout=0.0, batch_first=True, norm_first=True
    )
    return lib.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def step(model, x, mask) -> float:
    """One forward and backward pass; the loss."""
    for p in model.parameters():
        p.grad = None
    out = model(x, mask=mask, is_causal=True)
    loss = (out * out).mean()
    loss.backward()
    return loss.item()


def timed(model, x, mask, steps: int) -> float:
    """The fastest step's seconds, after one warm-up step: on a shared machine the least
    disturbed run is the best estimate, as timeit takes it."""
    step(model, x, mask)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step(model, x, mask)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads")
    args = parser.parse_args()
    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    torch.manual_seed(0)
    theirs = build(torch, args.layers, args.heads, args.width)
    ours = build(am, args.layers, args.heads, args.width)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    data = np.random.default_rng(0).standard_normal((args.batch, args.context, args.width)).astype(np.float32)
    x, tx = am.tensor(data), torch.tensor(data)
    mask = am.nn.Transformer.generate_square_subsequent_mask(args.context)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(args.context)
    ours_loss, theirs_loss = step(ours, x, mask), step(theirs, tx, tmask)
    assert abs(ours_loss - theirs_loss) <= 1e-4 * abs(theirs_loss), (ours_loss, theirs_loss)

    ours_time = timed(ours, x, mask, args.steps)
    theirs_time = timed(theirs, tx, tmask, args.steps)
    shape = f"{args.layers} layers, {args.heads} heads, width {args.width}, context {args.context}"
    threads = torch.get_num_threads()
    print(f"forward + backward, {shape}, batch {args.batch} (best of {args.steps}, torch threads {threads}):")
    print(f"  autograd_mini {1e3 * ours_time:8.2f} ms")
    print(f"  torch         {1e3 * theirs_time:8.2f} ms   (ratio {ours_time / theirs_time:.2f})")


if __name__ == "__main__":
    main()
