"""Check analytic gradients against central finite differences, in float64.

Both checks compare vᵀJ, the gradient of a fixed random projection of the outputs: one backward
pass gives it analytically, and two forward passes per input element give it numerically. A
random v catches a wrong Jacobian with probability one, at a fraction of the cost of the whole
Jacobian. `fast_mode` also projects the inputs (vᵀJu: two forward passes in all), for big inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_mini.engine import grad
from autograd_mini.tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with finite differences; the message tabulates where."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    seed: int = 0,
) -> bool:
    """Return True if fn's gradients match finite differences, else raise GradcheckError.

    fn takes the inputs and returns a Tensor or a tuple of Tensors. Inputs that require grad
    are checked and must be float64: float32's 7 digits drown a difference quotient in rounding.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    checked = [inputs[i] for i in positions]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for x in checked:
        if x.dtype != np.float64:
            raise TypeError(
                f"gradcheck: an input of shape {x.shape} is {x.dtype}; use float64, since finite "
                "differences in lower precision are dominated by rounding error"
            )
    rng = np.random.default_rng(seed)
    outputs = _outputs(fn, inputs)
    projections = [rng.uniform(0.5, 1.5, o.shape) * rng.choice([-1, 1], o.shape) for o in outputs]

    def projected(*args: Any) -> float:
        return sum(float((o._array * v).sum()) for o, v in zip(_outputs(fn, args), projections))

    analytic = _analytic(outputs, projections, checked)
    if fast_mode:
        rows = _compare_directional(projected, inputs, checked, analytic, rng, eps)
    else:
        rows = _compare_elementwise(projected, inputs, positions, analytic, eps)
    failures = [r for r in rows if abs(r[2] - r[3]) > atol + rtol * abs(r[3])]
    if failures:
        raise GradcheckError(_report(failures, len(rows), atol, rtol))
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of the gradient of a projection of fn's outputs.

    The gradient is computed with create_graph=True, so this tests that every backward formula
    on the way is itself differentiable and right.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    rng = np.random.default_rng(seed + 1)
    projections = [rng.uniform(0.5, 1.5, o.shape) for o in _outputs(fn, inputs)]

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        outputs = _outputs(fn, args)
        total = sum((o * v).sum() for o, v in zip(outputs, projections))
        wrt = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        grads = grad(total, wrt, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(x.shape)) for g, x in zip(grads, wrt))

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode, seed=seed)


def _outputs(fn: Callable[..., Any], args: Sequence[Any]) -> list[Tensor]:
    out = fn(*args)
    outputs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, got {type(o).__name__}")
    return outputs


def _analytic(
    outputs: list[Tensor], projections: list[np.ndarray], checked: list[Tensor]
) -> list[np.ndarray]:
    """vᵀJ for each checked input, by one backward pass; zeros where an input is unused."""
    live = [(o, v) for o, v in zip(outputs, projections) if o.requires_grad]
    if not live:
        return [np.zeros(x.shape) for x in checked]
    grads = grad([o for o, _ in live], checked, grad_outputs=[v for _, v in live], allow_unused=True)
    return [np.zeros(x.shape) if g is None else g._array for g, x in zip(grads, checked)]


def _compare_elementwise(
    projected: Callable[..., float],
    inputs: tuple,
    positions: list[int],
    analytic: list[np.ndarray],
    eps: float,
) -> list[tuple]:
    """(input position, index, analytic, numeric) for every element of every checked input."""
    rows = []
    for k, position in enumerate(positions):
        x = inputs[position]
        original = x._array
        x._array = original.copy()  # perturb a copy; the caller's array is never touched
        try:
            for index in np.ndindex(x.shape):
                value = x._array[index]
                x._array[index] = value + eps
                plus = projected(*inputs)
                x._array[index] = value - eps
                minus = projected(*inputs)
                x._array[index] = value
                rows.append((position, index, float(analytic[k][index]), (plus - minus) / (2 * eps)))
        finally:
            x._array = original
    return rows


def _compare_directional(
    projected: Callable[..., float],
    inputs: tuple,
    checked: list[Tensor],
    analytic: list[np.ndarray],
    rng: np.random.Generator,
    eps: float,
) -> list[tuple]:
    """One row: vᵀJu against the difference quotient along a random direction u."""
    directions = [rng.standard_normal(x.shape) for x in checked]
    originals = [x._array for x in checked]
    try:
        for x, u, x0 in zip(checked, directions, originals):
            x._array = x0 + eps * u
        plus = projected(*inputs)
        for x, u, x0 in zip(checked, directions, originals):
            x._array = x0 - eps * u
        minus = projected(*inputs)
    finally:
        for x, x0 in zip(checked, originals):
            x._array = x0
    expected = sum(float((a * u).sum()) for a, u in zip(analytic, directions))
    return [("all", "direction u", expected, (plus - minus) / (2 * eps))]


def _report(failures: list[tuple], total: int, atol: float, rtol: float) -> str:
    worst = sorted(failures, key=lambda r: -abs(r[2] - r[3]))[:10]
    lines = [
        f"gradcheck: {len(failures)} of {total} gradient elements differ from finite differences "
        f"(atol={atol}, rtol={rtol}); the worst:",
        f"{'input':>6}  {'index':<16}{'analytic':>14}{'numeric':>14}{'difference':>14}",
    ]
    for k, index, a, n in worst:
        lines.append(f"{k!s:>6}  {index!s:<16}{a:>14.6g}{n:>14.6g}{a - n:>14.3g}")
    return "\n".join(lines)
