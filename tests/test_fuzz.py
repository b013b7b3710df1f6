"""Random computation graphs: every op, in any combination, gets its gradients right.

Each example is a small program drawn by `autograd_mini.testing.graphs.graphs()`: up to twelve
ops from the whole op set over one to three inputs, values reused by several ops, broadcasting
between them, and in-place changes (`v3 = v2.clone(); v3.mul_(x1)`, `v3[0, 1:] = x1.sum()`).
A failure prints the program (shrunk to a few lines) and its input values.

The default profile runs a quick sample; `pytest --hypothesis-profile=deep tests/test_fuzz.py`
runs thousands of graphs.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini.testing import gradcheck, gradgradcheck, graph_steps
from autograd_mini.testing.graphs import graphs

# Graphs are cheap to check, so these tests run several times the profile's number of examples
# (the second-derivative test fewer: each of its evaluations is itself a backward pass).
EXAMPLES = settings().max_examples


@settings(max_examples=8 * EXAMPLES)
@given(graphs())
def test_gradients_of_random_graphs_match_finite_differences(graph):
    assert gradcheck(graph, graph.inputs())


@settings(max_examples=4 * EXAMPLES)
@given(graphs(max_steps=6))
def test_second_derivatives_of_random_graphs_match_finite_differences(graph):
    assert gradgradcheck(graph, graph.inputs())


@settings(max_examples=2 * EXAMPLES)
@given(graphs(inplace="any"))
def test_graphs_that_change_earlier_values_get_their_gradients_or_the_inplace_error(graph):
    """Changing a value that an op saved makes backward refuse, as PyTorch's does (whether it
    refuses just where PyTorch does is tested against PyTorch in test_fuzz_torch.py); when it
    does not refuse, the gradients are right."""
    try:
        assert gradcheck(graph, graph.inputs())
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)


@settings(max_examples=2 * EXAMPLES)
@given(graphs())
def test_backward_agrees_with_grad_and_accumulates(graph):
    """Three ways to the same gradients: autograd_mini.grad, backward, and backward twice on a
    retained graph (which adds the same gradients again)."""
    inputs = graph.inputs()
    outputs = graph(*inputs)
    seeds = [np.ones(o.shape) for o in outputs]
    expected = am.grad(outputs, inputs, seeds, retain_graph=True, allow_unused=True)
    total = sum((o * s).sum() for o, s in zip(outputs, seeds))
    for times in (1, 2):
        total.backward(retain_graph=True)
        for x, g in zip(inputs, expected):
            want = np.zeros(x.shape) if g is None else times * g._array
            got = np.zeros(x.shape) if x.grad is None else x.grad._array
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)



@settings(max_examples=200)
@given(st.data())
def test_reductions_over_no_dims_are_checked_for_ties_over_every_dim(data):
    """`x.amax(axis=())` reduces every dim, as in PyTorch, so the graphs must check the ties of the
    whole array there (a tie is a kink, where finite differences disagree), not those of no dims,
    as NumPy reads (): no amax or amin of a tied input is drawn, over () or any other dims."""
    pool = graph_steps.Pool(data.draw, [graph_steps.Value("x0", np.array([0.0, 0.0]))])
    step = graph_steps._reduction(data.draw, pool)
    assert step is None or not any(f"{name}(" in step for name in ("amax", "amin")), step
