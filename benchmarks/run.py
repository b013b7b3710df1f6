"""Time autograd_mini against hand-written NumPy doing the same math (and PyTorch, if installed).

    python benchmarks/run.py            # the full table (a few minutes)
    python benchmarks/run.py --quick    # fewer epochs and repeats (well under a minute)

Every workload starts both sides from the same seeded weights and checks that they reach the same
loss, so the ratio compares equal work. Both sides use the same number of BLAS threads (--threads,
default 1), set before NumPy loads. Results are printed, never asserted: timings are not tests.
"""

from __future__ import annotations

import argparse
import os
import sys


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="autograd_mini vs hand-written NumPy")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, fewer repeats")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for every contender")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--only", nargs="*", help="run only these workloads")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the ratios (needs matplotlib)")
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:  # thread counts must be fixed before NumPy (and its BLAS) loads
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import functools  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

import workloads  # noqa: E402
from compiled_workloads import compiled_workloads  # noqa: E402

import autograd_mini as am  # noqa: E402


def _torch():
    if ARGS.no_torch:
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(ARGS.threads)
    return torch


def timed(contenders: list[Callable[[], float]], repeats: int) -> list[tuple[list[float], float]]:
    """For each contender: seconds of each of `repeats` runs, and its last run's loss.

    Runs alternate between the contenders (after one warm-up run each), so a slow spell of
    the machine falls on all of them alike rather than on whichever ran then.
    """
    losses = [fn() for fn in contenders]
    times: list[list[float]] = [[] for _ in contenders]
    for _ in range(repeats):
        for i, fn in enumerate(contenders):
            start = time.perf_counter()
            losses[i] = fn()
            times[i].append(time.perf_counter() - start)
    return list(zip(times, losses))


def peak_memory(fn: Callable[[], float]) -> int:
    """Peak bytes allocated through NumPy and Python while fn runs once."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _fmt(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _blas() -> str:
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # the layout of show_config varies between NumPy builds
        return "unknown"


def main() -> None:
    torch = _torch()
    quick = ARGS.quick
    print(f"NumPy {np.__version__} ({_blas()}), {ARGS.threads} BLAS thread(s), autograd_mini {am.__version__}"
          + (f", PyTorch {torch.__version__}" if torch else ", PyTorch not installed"))
    print("Each cell: median time per unit (min–max over repeats); ratio = contender / NumPy.")
    print("Rows with no NumPy time have no hand-written version: their ratio is to PyTorch.\n")
    header = f"{'workload':<52}{'unit':<11}{'NumPy':>12}{'autograd_mini':>30}{'ratio':>8}"
    if torch:
        header += f"{'PyTorch':>12}{'ratio':>8}"
    print(header + "  same loss")
    ratios: list[tuple[str, float, float | None]] = []  # (workload, ours / NumPy, PyTorch / NumPy)
    for bench in workloads.all_workloads(quick) + compiled_workloads(workloads.Workload, quick):
        if ARGS.only and bench.name not in ARGS.only:
            continue
        against_torch = bench.reference == "PyTorch"
        if against_torch and not torch:
            print(f"{bench.name:<52}(skipped: its reference is PyTorch, which is not here)")
            continue
        contenders = [functools.partial(bench.torch, torch) if against_torch else bench.numpy, bench.ours]
        if torch and bench.torch and not against_torch:
            contenders.append(functools.partial(bench.torch, torch))
        (reference_times, reference_loss), (times, loss), *torch_result = timed(contenders, bench.repeats)
        per = bench.units
        ref = statistics.median(reference_times) / per
        ours = statistics.median(times) / per
        spread = f"{_fmt(min(times) / per)}–{_fmt(max(times) / per)}"
        cell = f"{_fmt(ours)} ({spread})"
        numpy_cell = "—" if against_torch else _fmt(ref)
        row = f"{bench.name:<52}{bench.unit:<11}{numpy_cell:>12}{cell:>30}{ours / ref:>7.2f}×"
        torch_ratio = None
        if against_torch:
            row += f"{_fmt(ref):>12}{'(ref)':>8}"
        elif torch_result:
            t = statistics.median(torch_result[0][0]) / per
            torch_ratio = t / ref
            row += f"{_fmt(t):>12}{torch_ratio:>7.2f}×"
        elif torch:
            row += f"{'—':>12}{'':>8}"
        same = np.isclose(loss, reference_loss, rtol=bench.rtol, atol=1e-12)
        print(f"{row}  {'yes' if same else f'NO ({loss:.6g} vs {reference_loss:.6g})'}")
        if not against_torch:  # the plot's scale is hand-written NumPy's time
            ratios.append((bench.name, ours / ref, torch_ratio))
        if bench.measure_memory:
            ours_peak, ref_peak = peak_memory(bench.ours_step), peak_memory(bench.numpy_step)
            print(f"{'  peak memory of one step':<63}{ref_peak / 2**20:>10.1f} MiB"
                  f"{ours_peak / 2**20:>18.1f} MiB{ours_peak / ref_peak:>12.2f}×")
        if bench.step_memory and torch:
            ours_rss, torch_rss = bench.step_memory("autograd_mini"), bench.step_memory("torch")
            print(f"{'  peak resident memory a step adds':<73}{ours_rss / 2**20:>18.1f} MiB"
                  f"{torch_rss / 2**20:>18.1f} MiB")
    if ARGS.plot:
        plot(ratios, ARGS.plot)


def plot(ratios: list[tuple[str, float, float | None]], path: str) -> None:
    """Horizontal bars of each contender's time as a multiple of hand-written NumPy's."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib: pip install matplotlib")
        return
    names = [name for name, _, _ in ratios]
    rows = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(names) + 1.5))
    ax.barh(rows - 0.2, [r for _, r, _ in ratios], height=0.4, label="autograd_mini")
    ax.barh(rows + 0.2, [t or 0 for _, _, t in ratios], height=0.4, label="PyTorch")
    ax.axvline(1, color="black", linewidth=1)
    ax.set(yticks=rows, yticklabels=names, xscale="log", xlabel="time / hand-written NumPy (log scale)")
    ax.invert_yaxis()
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"Saved the plot to {path}")


if __name__ == "__main__":
    main()
