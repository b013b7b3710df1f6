"""What a compiled step has become: the flat list of NumPy calls that its replays run.

    >>> step = am.compile(step)
    >>> step(x, y)                       # records
    >>> am.viz.print_trace(step)         # the generated replay function, one call a line
    def replay(a0, a1, shared):
        v0 = a0._array                   # (64, 784) float32  argument 0
        v2 = t0._array                   # (128, 784) float32  live tensor
        v4 = Linear_forward(ctx0, v0, v2, v3)
        ...

Each line is one step: an op's forward or backward on arrays (`v<n>` are the arrays, `ctx<n>`
the op's context from the recording, `t<n>` a parameter read when the replay runs), a sum of two
gradients where they meet, a `.grad` accumulated, or a call on a live object (`step(obj0)` is the
optimizer's step). See docs/compile.md.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


def format_trace(compiled: Any) -> str:
    """The listing of a compiled function's latest trace (or of a `Trace`), as a string."""
    return compiled.listing()


def print_trace(compiled: Any, file: TextIO | None = None) -> None:
    """Print a compiled function's latest trace (or a `Trace`): its replay, one NumPy call a line."""
    print(format_trace(compiled), file=sys.stdout if file is None else file, end="")
