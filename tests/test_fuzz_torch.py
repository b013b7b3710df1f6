"""Random graphs with in-place steps, run by autograd_mini and by PyTorch: the same outputs, and
the same gradients, or the same refusal.

The graphs come from `graphs(inplace="any", portable=True)`: their code is PyTorch code too once
`am` names torch and `F` torch.nn.functional, and their in-place steps change earlier values as
well as fresh clones, so that PyTorch's backward may refuse them ("modified by an inplace
operation"). Select them with `pytest -m torch`.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_mini as am
from autograd_mini.testing import gradcheck
from autograd_mini.testing.graphs import Graph, graphs

torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch: pip install torch")

pytestmark = pytest.mark.torch

EXAMPLES = settings().max_examples
INPLACE_ERROR = "modified by an inplace operation"

# Ops that keep their input where PyTorch keeps an array of its own, so that only autograd_mini's
# backward refuses a later change of the input: cross_entropy (PyTorch keeps log_softmax's result)
# and matmul of batches that broadcast (PyTorch keeps the expanded copies).
SAVE_THEIR_INPUT = {"CrossEntropyBackward0", "MatmulBackward0"}


class Run(NamedTuple):
    outputs: list[np.ndarray]
    grads: list[np.ndarray | None]
    error: str | None  # the in-place error backward raised


def run(graph: Graph, lib: Any) -> Run:
    if lib is am:
        fn, inputs = graph, graph.inputs()
    else:
        namespace = {"am": torch, "F": torch.nn.functional, "np": np}
        exec(compile(graph.source, "<graph>", "exec"), namespace)
        fn, inputs = namespace["graph"], [torch.tensor(a, requires_grad=True) for a in graph.arrays]
    outputs = fn(*inputs)
    values = [o._array.copy() if lib is am else o.detach().numpy().copy() for o in outputs]
    rng = np.random.default_rng(0)
    seeds = [rng.uniform(0.5, 1.5, v.shape) for v in values]
    live = [(o, s) for o, s in zip(outputs, seeds) if o.requires_grad]
    error = None
    if live:
        total = sum((o * (s if lib is am else torch.tensor(s))).sum() for o, s in live)
        try:
            total.backward()
        except RuntimeError as e:
            if INPLACE_ERROR not in str(e):
                raise
            error = str(e)
    grads = [None if x.grad is None else (x.grad._array if lib is am else x.grad.numpy()) for x in inputs]
    return Run(values, grads, error)


def assert_close(ours: list, theirs: list, what: str, rtol: float, atol: float) -> None:
    """Equal arrays pair by pair; no gradient (None) equals a gradient of zeros."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a is None or b is None:
            other = b if a is None else a
            assert other is None or not other.any(), f"{what} {i}: {a} against PyTorch's {b}"
            continue
        assert a.shape == b.shape, f"{what} {i}: shape {a.shape} against PyTorch's {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} {i}")


@settings(max_examples=8 * EXAMPLES)
@given(graphs(inplace="any", portable=True))
def test_random_graphs_with_in_place_steps_match_pytorch(graph):
    ours, theirs = run(graph, am), run(graph, torch)
    assert_close(ours.outputs, theirs.outputs, "output", rtol=1e-10, atol=1e-12)
    if ours.error is None and theirs.error is None:
        assert_close(ours.grads, theirs.grads, "gradient of input", rtol=1e-8, atol=1e-10)
    elif ours.error is not None and theirs.error is None:  # only where an op keeps more than PyTorch's
        refused = re.search(r"saved value \d+ of (\w+)", ours.error)
        assert refused and refused.group(1) in SAVE_THEIR_INPUT, ours.error
    elif ours.error is None:  # PyTorch keeps an input where autograd_mini keeps less: ours must be right
        assert gradcheck(graph, graph.inputs())
