"""Random graphs with in-place steps, run by autograd_mini and by PyTorch: the same outputs, and
the same gradients, or the same refusal.

The graphs come from `graphs(inplace="any", portable=True)`: their code is PyTorch code too once
`am` names torch and `F` torch.nn.functional, and their in-place steps change earlier values as
well as fresh clones, so that PyTorch's backward may refuse them ("modified by an inplace
operation"). Select them with `pytest -m torch`. Each test runs 40 times the profile's
examples: 1,000 programs in the default profile, 4,000 with `--hypothesis-profile=dev`, 80,000
with `deep`.
"""

from __future__ import annotations

import re
import warnings
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


@settings(max_examples=40 * EXAMPLES)
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


# ---- corners: ties, kinks, non-finite and extreme inputs, float32, constants, refusals ----------


class Outcome(NamedTuple):
    outputs: list[np.ndarray]
    grads: list[np.ndarray | None]
    second: list[np.ndarray | None]  # the gradient of sum(seed * grad) with respect to each input
    error: str | None  # what the library raised, forward or backward


def corner_run(graph: Graph, lib: Any) -> Outcome:
    """Run a corners graph: its outputs, the gradients of a seeded sum of them, and the
    gradients of a seeded sum of those (second derivatives), with NumPy's warnings silenced."""
    if lib is am:
        fn, inputs, to_numpy = graph, graph.inputs(), lambda t: t._array
    else:
        namespace = {"am": torch, "F": torch.nn.functional, "np": np}
        exec(compile(graph.source, "<graph>", "exec"), namespace)
        fn, inputs = namespace["graph"], [torch.tensor(a, requires_grad=True) for a in graph.arrays]
        # clone: numpy(force=True) of one of PyTorch's zero tensors (a second derivative) can crash
        to_numpy = lambda t: t.detach().clone().numpy(force=True)  # noqa: E731
    outputs, grads, second = [], [None] * len(inputs), [None] * len(inputs)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            results = fn(*inputs)
            outputs = [to_numpy(o).copy() for o in results]
            total = _seeded_sum(results, 0, lib)
            if total is not None:
                grads = list(lib.autograd.grad(total, inputs, create_graph=True, allow_unused=True))
                total = _seeded_sum(grads, 1, lib)
                if total is not None:
                    second = lib.autograd.grad(total, inputs, allow_unused=True)
        except (RuntimeError, TypeError, ValueError, IndexError) as error:
            return Outcome(outputs, [], [], f"{type(error).__name__}: {error}")
    as_arrays = lambda ts: [None if t is None else to_numpy(t).copy() for t in ts]  # noqa: E731
    return Outcome(outputs, as_arrays(grads), as_arrays(second), None)


def _seeded_sum(tensors: list, order: int, lib: Any) -> Any:
    """sum((t * seed).sum()) over the tensors that require grad, or None if none does. The seeds
    lie in [0.5, 1.5), drawn for each tensor from its place in the list, so that both libraries
    use the same seeds whichever of their tensors require grad."""
    terms = []
    for i, t in enumerate(tensors):
        if t is not None and t.requires_grad:
            seed = np.random.default_rng([order, i]).uniform(0.5, 1.5, tuple(t.shape))
            terms.append((t * (seed if lib is am else torch.tensor(seed))).sum())
    return sum(terms) if terms else None


def assert_same_arrays(
    ours: list,
    theirs: list,
    what: str,
    single: bool,
    loose_nans: bool,
    their_nans_pass: bool = False,
    unsigned_infs: bool = False,
    scale: float = 0.0,
) -> None:
    """Equal dtypes and shapes; values equal where non-finite, else close (to float32's precision
    if single; PyTorch takes the log of a number base such as 2.0 ** x in single precision).
    No gradient (None) equals zeros, or the NaN that 0 * inf gives PyTorch where it
    differentiates through an op whose derivative is a constant. loose_nans: a NaN on either side
    equals anything (see OVERWRITES and TENSOR_EXPONENT). their_nans_pass: a NaN of PyTorch's
    alone equals anything (see HALF_POWER and MATRIX_PRODUCT), and for second derivatives:
    PyTorch's double backward multiplies infinite values by derivatives that are 0 (relu's
    threshold_backward by its result, among others), so they are NaN where the math and
    autograd_mini give a number; there PyTorch is no oracle.
    unsigned_infs: infinities of either sign are equal (see HALF_POWER). scale: the largest finite
    magnitude among the inputs, whose rounding error (16 units in the last place of it, at most
    of the dtype's largest value) is the least absolute error compared: a gradient that should
    cancel to 0 through products with 1e300 is 1e300 · 2^-53 or so in both libraries, rounded
    in another order; see "For PyTorch users"."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a is None or b is None:
            other = b if a is None else a
            assert other is None or np.all((other == 0) | np.isnan(other)), f"{what} {i}: {a}, PyTorch's {b}"
            continue
        assert a.dtype == b.dtype, f"{what} {i}: dtype {a.dtype} against PyTorch's {b.dtype}"
        assert a.shape == b.shape, f"{what} {i}: shape {a.shape} against PyTorch's {b.shape}"
        if loose_nans:
            a, b = np.where(np.isnan(a), b, a), np.where(np.isnan(b), a, b)
        elif their_nans_pass:
            b = np.where(np.isnan(b), a, b)
        if unsigned_infs and a.dtype.kind == "f":
            both_inf = np.isinf(a) & np.isinf(b)
            a, b = np.where(both_inf, np.abs(a), a), np.where(both_inf, np.abs(b), b)
        if a.dtype.kind == "f":  # near the largest float, the order of operations decides overflow
            big = np.finfo(a.dtype).max * 1e-3
            a = np.where((np.abs(a) > big) & np.isinf(b) & (np.sign(a) == np.sign(b)), b, a)
            b = np.where((np.abs(b) > big) & np.isinf(a) & (np.sign(a) == np.sign(b)), a, b)
        if a.dtype.kind == "f":  # the rounding error of the largest input, as a's dtype holds it
            noise = 16 * float(np.finfo(a.dtype).eps) * min(scale, float(np.finfo(a.dtype).max))
        else:
            noise = 0.0
        np.testing.assert_allclose(
            a, b, rtol=1e-4 if single else 1e-7, atol=max(1e-6 if single else 1e-12, noise), equal_nan=True,
            err_msg=f"{what} {i}",
        )


# fill_, zero_ and copy_ make a value that does not depend on the old one: autograd_mini sends
# the old one no gradient, PyTorch sends zeros, which turn into NaN (0 * inf) where a derivative
# upstream is infinite; see "For PyTorch users".
OVERWRITES = re.compile(r"\.(fill_|zero_|copy_)\(")
# A power with a tensor exponent (a value or a constant): where the exponent is 0, PyTorch zeroes
# the base's derivative with a mask that also zeroes its derivative by the exponent
# (mathematically 1/base), and at a zero base its second derivatives are NaN where they are 0;
# see "For PyTorch users". Their second derivatives are not compared, and as the mask keeps an
# infinite gradient out where autograd_mini multiplies it by 0, NaNs of either side pass. The
# values too: (-inf) ** 0.5 is inf in PyTorch for a tensor exponent and NaN for a number; NumPy,
# and so autograd_mini, takes a 0-d exponent as a number (its square-root path).
TENSOR_EXPONENT = re.compile(r"(\*\*|pow_\()\s*([vx]\d|am\.tensor)")

# x ** 0.5 and x ** -0.5: PyTorch computes them as sqrt and rsqrt, so at -0.0 its x ** -0.5, and
# the derivative of x ** 0.5, is -inf where C's pow (NumPy, autograd_mini) gives +inf, and at
# -inf NaN where C's pow gives 0; see "For PyTorch users". The signs of infinities are not
# compared there, and a NaN of PyTorch's alone equals anything.
HALF_POWER = re.compile(r"(\*\*|pow_\()\s*\(?-?0\.5\b")


# binary_cross_entropy of input and target of two dtypes: PyTorch refuses them, autograd_mini
# promotes them as `+` does (see docs/dtypes.md).
PROMOTES = re.compile(r"F\.binary_cross_entropy\(")
MIXED_DTYPES = "Found dtype"


def beyond_single(arrays: list[np.ndarray]) -> bool:
    """Whether a 0-d float64 input lies outside float32's range: above its largest value, or
    nonzero below its smallest. With float32 tensors the result is float32 in both libraries, but
    PyTorch casts such a value first (to inf or 0, so 0 * 1e300 is NaN and 0 ** 1e-311 is 1)
    where autograd_mini computes in float64 and rounds the result; see "For PyTorch users". Only
    the results' dtypes and shapes can be compared there."""
    big = float(np.finfo(np.float32).max)
    tiny = float(np.finfo(np.float32).smallest_subnormal) / 2  # below this, float32 rounds to 0
    return any(
        a.ndim == 0 and a.dtype == np.float64 and (abs(float(a)) > big or 0 < abs(float(a)) < tiny)
        for a in arrays
    )


# sigmoid below the floor where e^-x overflows (about -709 in float64, -88 in float32) is about
# 1e-308 here and 0 in PyTorch; see "For PyTorch users". Times the huge input there (x · sigmoid(x)
# at -1e300 or -inf), the two differ as -1e-8 and -0, or -inf and NaN.
SIGMOID = re.compile(r"\.sigmoid\(")


def below_sigmoid_floor(graph: Graph) -> bool:
    """Whether the graph takes a sigmoid and an input holds a value below -80 (any floor)."""
    floating = [a for a in graph.arrays if a.dtype.kind == "f"]
    return bool(SIGMOID.search(graph.source)) and any(np.any(a < -80) for a in floating)


# A matrix product (`@`, F.linear) of values whose products overflow: NumPy's BLAS, and so
# autograd_mini, adds each product to the running sum in one fused multiply-add, which does not
# round the product first, so inf * -1e300 + 1e300 * 1e300 is -inf (the exact sum of -inf and
# 1e600); PyTorch rounds the product to inf first and gets NaN; see "For PyTorch users". Where a
# graph has a matrix product and an input holds a finite value whose square overflows, a NaN of
# PyTorch's alone equals anything.
MATRIX_PRODUCT = re.compile(r" @ |F\.linear\(")


def overflowing_products(graph: Graph) -> bool:
    """Whether the graph takes a matrix product and an input holds a finite value above the
    square root of its dtype's largest value."""
    def huge(a: np.ndarray) -> bool:
        return bool(np.any(np.isfinite(a) & (np.abs(a) > np.sqrt(np.finfo(a.dtype).max))))

    floating = [a for a in graph.arrays if a.dtype.kind == "f"]
    return bool(MATRIX_PRODUCT.search(graph.source)) and any(huge(a) for a in floating)


# var and std of values that are all exactly equal: autograd_mini takes the mean first and
# subtracts it, so the spread is exactly 0; PyTorch's float32 reduction leaves rounding noise
# (a std of about 1e3 for fifteen copies of 1e10, and gradients of that noise); see "For PyTorch
# users". Such a graph is exempt only where PyTorch's result is that noise: not 0, but within 16
# units in the last place of the values, as std.
SPREAD = re.compile(r"^(\w+) = (\w+)\.(var|std)\((.*)\)$")


def noisy_zero_spread(graph: Graph) -> bool:
    """Whether a var or std step of the graph reduces a float32 slice of finite values that are all
    exactly equal, where autograd_mini's result is exactly 0 and PyTorch's is rounding noise."""
    if not any(SPREAD.match(line) for line in graph.lines):
        return False
    env: dict[str, Any] = {f"x{i}": am.tensor(a) for i, a in enumerate(graph.arrays)}
    namespace = {"am": am, "F": am.nn.functional, "np": np}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for line in graph.lines:
            step = SPREAD.match(line)
            if step and env[step.group(2)].dtype == am.float32:
                x = env[step.group(2)]._array
                exec(line, namespace, env)
                ours = env[step.group(1)]._array
                theirs_env = {step.group(2): torch.tensor(x)}
                exec(line, {"am": torch, "F": torch.nn.functional, "np": np}, theirs_env)
                theirs = theirs_env[step.group(1)].numpy()
                args = eval(f"dict({step.group(4)})")  # dim or axis, keepdim or keepdims, correction
                axis = args.get("dim", args.get("axis"))
                keep = args.get("keepdim", args.get("keepdims", False))
                lo, hi = x.min(axis=axis, keepdims=keep), x.max(axis=axis, keepdims=keep)
                equal = (lo == hi) & np.isfinite(hi)
                spread = np.sqrt(np.abs(theirs)) if step.group(3) == "var" else np.abs(theirs)
                noise = 16 * float(np.finfo(np.float32).eps) * np.abs(hi)
                if np.any(equal & (ours == 0) & (spread > 0) & (spread <= noise)):
                    return True
            else:
                exec(line, namespace, env)
    return False


@settings(max_examples=40 * EXAMPLES)
@given(graphs(portable=True, corners=True))
def test_graphs_on_corners_match_pytorch(graph):
    """Ties, kinks, infinities, NaN, extremes, float32 and constants: the same values, dtypes and
    gradients to the second order as PyTorch, or a refusal where PyTorch refuses."""
    ours, theirs = corner_run(graph, am), corner_run(graph, torch)
    if graph.refusal is not None or ours.error is not None or theirs.error is not None:
        if ours.error is None and PROMOTES.search(graph.source) and MIXED_DTYPES in str(theirs.error):
            return  # a documented difference: autograd_mini promotes, PyTorch refuses
        assert ours.error is not None and theirs.error is not None, (ours.error, theirs.error)
        return
    single = any(a.dtype == np.float32 for a in graph.arrays)
    if single and beyond_single(graph.arrays) or below_sigmoid_floor(graph) or noisy_zero_spread(graph):
        # types only
        assert [(a.dtype, a.shape) for a in ours.outputs] == [(b.dtype, b.shape) for b in theirs.outputs]
        return
    overwrites, powers = bool(OVERWRITES.search(graph.source)), bool(TENSOR_EXPONENT.search(graph.source))
    halves, fused = bool(HALF_POWER.search(graph.source)), overflowing_products(graph)
    scale = max((float(np.abs(a[np.isfinite(a)]).max(initial=0)) for a in graph.arrays), default=0.0)
    assert_same_arrays(
        ours.outputs, theirs.outputs, "output", single, powers, their_nans_pass=halves or fused,
        unsigned_infs=halves,
    )
    assert_same_arrays(
        ours.grads, theirs.grads, "gradient of input", single, overwrites or powers,
        their_nans_pass=halves or fused, unsigned_infs=halves, scale=scale,
    )
    if not powers:
        assert_same_arrays(
            ours.second, theirs.second, "second derivative of input", single, overwrites,
            their_nans_pass=True, unsigned_infs=halves, scale=scale,
        )
