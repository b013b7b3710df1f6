"""Count the CPU instructions per unit of each small workload, for NumPy and for autograd_mini.

    python benchmarks/instructions.py              # needs valgrind on the PATH
    python benchmarks/instructions.py --only xor

Timings on a shared machine drift; instruction counts do not. Each side runs in a fresh Python
under valgrind's callgrind at n and at 2n units, and the difference divided by n is the count
per unit, free of start-up costs. A tuning change that moves the count by a percent shows up
here when a timing would hide it. It is a proxy: the time per instruction differs between
NumPy's C loops and Python's interpreter, so run.py's timed ratios remain the measure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCHMARKS)
# name -> (NumPy function, autograd_mini function, units per run, arguments before the units)
# in workloads.py (or, as module.function, in another benchmarks module). The raw-op MLP is the
# smallest one, where per-op cost, not BLAS, dominates; the compiled rows replay their step.
WORKLOADS = {
    "xor": ("xor_numpy", "xor_ours", 100, ""),
    "tiny": ("tiny_numpy", "tiny_ours", 300, ""),
    "chain": ("chain_numpy", "chain_ours", 2000, ""),
    "raw-mlp": ("raw_mlp_numpy", "raw_mlp_ours", 200, "(2, 8, 1), 4, "),
    "cross-entropy": ("cross_entropy_numpy", "cross_entropy_ours", 300, ""),
    "mlp-784": ("mlp_numpy", "mlp_ours", 20, "(784, 128, 10), 64, "),
    "xor-compiled": ("xor_numpy", "compiled_workloads.xor_compiled", 100, ""),
    "tiny-compiled": ("tiny_numpy", "compiled_workloads.tiny_compiled", 300, ""),
}


def count(function: str, args: str, units: int) -> int:
    """Instructions valgrind counts for one fresh Python running workloads.<function>(args units)."""
    module, _, name = function.rpartition(".")
    module = module or "workloads"
    code = (
        f"import sys; sys.path[:0] = [{BENCHMARKS!r}, {ROOT!r}]\n"
        f"import {module}\n{module}.{name}({args}{units})\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable, "-c", code],
            capture_output=True, text=True, env=env, check=True,
        )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(WORKLOADS), help="count only these workloads")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instructions.py needs valgrind (e.g. apt install valgrind); run.py needs nothing more")
    names = args.only or list(WORKLOADS)
    # Four valgrind runs per workload (each side at n and 2n units), as many at once as there are cores.
    runs = [
        (WORKLOADS[name][side], WORKLOADS[name][3], WORKLOADS[name][2] * k)
        for name in names for side in (0, 1) for k in (1, 2)
    ]
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        counts = dict(zip(runs, pool.map(lambda run: count(*run), runs)))
    print(f"{'workload':14} {'NumPy':>12} {'autograd_mini':>14} {'ratio':>7}   (instructions per unit)")
    for name in names:
        numpy_function, our_function, units, args = WORKLOADS[name]
        reference, ours = (
            (counts[(function, args, 2 * units)] - counts[(function, args, units)]) / units
            for function in (numpy_function, our_function)
        )
        print(f"{name:14} {reference:12,.0f} {ours:14,.0f} {ours / reference:6.2f}×")


if __name__ == "__main__":
    main()
