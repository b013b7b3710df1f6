"""Derivatives of whole functions, as PyTorch's torch.autograd.functional computes them.

Each function takes `func` and `inputs`, a Tensor or a tuple of Tensors, and calls
`func(*inputs)`, which returns a Tensor or a tuple of Tensors. Results follow the nesting of
what they are indexed by: a tuple where the inputs (or outputs) were a tuple, a single Tensor
where it was one. For f: R^n -> R^m, with J the m x n Jacobian and H the Hessian of a scalar f:

    vjp      vᵀJ    one backward pass                      shapes of the inputs
    jvp      J u    two backward passes (double backward)  shapes of the outputs
    jacobian J      one backward pass per output element   out.shape + in.shape
    hessian  H      jacobian of the gradient               in_i.shape + in_j.shape
    vhp      vᵀH    gradient of (gradient · v)             shapes of the inputs
    hvp      H v    double backward through the gradient   shapes of the inputs

Everything runs in reverse mode. A Jacobian-vector product J u comes from the double-backward
trick: with a dummy cotangent w that requires grad, g(w) = wᵀJ is linear in w, and the gradient
of g(w)·u with respect to w is J u, whatever value w has (zeros here).

Results are detached unless create_graph=True, in which case they are differentiable
(with respect to the inputs and to v). Where an output does not depend on an input the result
is zeros, or, with strict=True, a RuntimeError saying which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_mini import engine
from autograd_mini.creation import zeros_like
from autograd_mini.functions import stack
from autograd_mini.grad_mode import enable_grad
from autograd_mini.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Tensors = Tensor | tuple[Tensor, ...]  # one Tensor, or a tuple of them
Nested = Tensor | tuple[Tensor, ...] | tuple[tuple[Tensor, ...], ...]  # Jacobian and Hessian blocks


# ---- products with one vector -----------------------------------------------------------------


def vjp(
    func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensors, Tensors]:
    """Return (func(*inputs), vᵀJ): vᵀJ has the inputs' shapes and v the outputs'.

    v may be left out when func returns one one-element Tensor (then vᵀJ is its gradient).
    """
    with enable_grad():
        inputs_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
        xs = _fresh(xs, create_graph, need_graph=True)
        outputs_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        _require_grad(outs, "outputs", strict)
        when = "the user-provided function returns a single Tensor"
        vs = _vector(v, outs, outputs_tuple, create_graph, "vjp", when)
        grads = _grad(outs, xs, vs, create_graph=create_graph)
        result = _zeros_for_none(grads, xs, strict, create_graph, "back")
    outs, result = _finish(outs, create_graph), _finish(result, create_graph)
    return _unpack(outs, outputs_tuple), _unpack(result, inputs_tuple)


def jvp(
    func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensors, Tensors]:
    """Return (func(*inputs), J v): J v has the outputs' shapes and v the inputs'.

    Computed by double backward (see the module's docstring). v may be left out when the
    input is one one-element Tensor.
    """
    with enable_grad():
        inputs_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
        xs = _fresh(xs, create_graph, need_graph=True)
        vs = _vector(v, xs, inputs_tuple, create_graph, "jvp", "the input is a single Tensor")
        outputs_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        _require_grad(outs, "outputs", strict)
        # g(w) = wᵀJ is linear in the dummy cotangent w, so zeros serve as well as any value.
        ws = tuple(zeros_like(out, requires_grad=True) for out in outs)
        g = _grad(outs, xs, ws, create_graph=True)
        _require_grad(g, "grad_inputs", strict)
        grads = _grad(g, ws, vs, create_graph=create_graph)
        result = _zeros_for_none(grads, outs, strict, create_graph, "back_trick")
    outs, result = _finish(outs, create_graph), _finish(result, create_graph)
    return _unpack(outs, outputs_tuple), _unpack(result, outputs_tuple)


def vhp(
    func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Tensors]:
    """Return (func(*inputs), vᵀH) for a func with one one-element output; v and vᵀH have the
    inputs' shapes. vᵀH is the gradient of (∇f · v), one backward pass through the gradient."""
    with enable_grad():
        inputs_tuple, xs, vs, out = _scalar_setup(func, inputs, v, create_graph, strict, "vhp")
        gradient = _grad((out,), xs, create_graph=True)
        _require_grad(gradient, "jacobian", strict)
        grads = _grad(gradient, xs, vs, create_graph=create_graph)
        result = _zeros_for_none(grads, xs, strict, create_graph, "double_back")
    return _finish((out,), create_graph)[0], _unpack(_finish(result, create_graph), inputs_tuple)


def hvp(
    func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Tensors]:
    """Return (func(*inputs), H v) for a func with one one-element output; v and H v have the
    inputs' shapes. H v is the Jacobian-vector product of the gradient, by double backward;
    for a twice continuously differentiable func it equals vᵀH, which vhp gets more cheaply."""
    with enable_grad():
        inputs_tuple, xs, vs, out = _scalar_setup(func, inputs, v, create_graph, strict, "hvp")
        gradient = _grad((out,), xs, create_graph=True)
        _require_grad(gradient, "jacobian", strict)
        ws = tuple(zeros_like(x, requires_grad=True) for x in xs)
        w_hessian = _grad(gradient, xs, ws, create_graph=True)  # wᵀH, linear in w
        grads = _grad(w_hessian, ws, vs, create_graph=create_graph)
        result = _zeros_for_none(grads, xs, strict, create_graph, "double_back_trick")
    return _finish((out,), create_graph)[0], _unpack(_finish(result, create_graph), inputs_tuple)


# ---- whole matrices -------------------------------------------------------------------------


def jacobian(
    func: Callable[..., Tensors], inputs: Tensors, create_graph: bool = False, strict: bool = False,
    vectorize: bool = False, strategy: str = "reverse-mode",
) -> Nested:
    """The Jacobian of func at inputs: block `[i][j]` has shape outputs[i].shape + inputs[j].shape.

    One Tensor when func has one input and one output, a tuple over the side that is a tuple,
    and a tuple (over outputs) of tuples (over inputs) when both are. Each block has its input's
    dtype. Row by row: one backward pass per output element.

    vectorize only changes how PyTorch batches those passes, not the result, so it is accepted
    and ignored (except that, as in PyTorch, it cannot be combined with strict=True).
    strategy="forward-mode" is refused: forward-mode AD is not implemented here, and the
    default "reverse-mode" gives the same Jacobian.
    """
    _check_strategy(strategy, "jacobian", "strategy")
    if vectorize and strict:
        raise RuntimeError(
            "jacobian: strict=True and vectorize=True are not supported together; "
            "set strict=False or vectorize=False"
        )
    with enable_grad():
        inputs_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
        xs = _fresh(xs, create_graph, need_graph=True)
        outputs_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
        _require_grad(outs, "outputs", strict)
        blocks = tuple(_jacobian_blocks(i, out, xs, create_graph, strict) for i, out in enumerate(outs))
    return _unpack(_finish(blocks, create_graph), (outputs_tuple, inputs_tuple))


def hessian(
    func: Callable[..., Tensor], inputs: Tensors, create_graph: bool = False, strict: bool = False,
    vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode",
) -> Nested:
    """The Hessian of a func with one one-element output: block `[i][j]` is d²f/(dx_i dx_j) with
    shape inputs[i].shape + inputs[j].shape.

    One Tensor for one input, a tuple of tuples for a tuple of inputs. Computed as the Jacobian
    of the gradient (itself computed with create_graph=True). vectorize and
    outer_jacobian_strategy are as jacobian's vectorize and strategy.
    """
    _check_strategy(outer_jacobian_strategy, "hessian", "outer_jacobian_strategy")
    inputs_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*args: Tensor) -> Tensor:
        out = _single_output(func(*args), strict, "hessian")
        return out.squeeze()  # shape (), so the gradient below has exactly the inputs' shapes

    def gradient(*args: Tensor) -> tuple[Tensor, ...]:
        grads = jacobian(scalar, args, create_graph=True)
        _require_grad(grads, "jacobian", strict)
        return grads

    blocks = jacobian(gradient, xs, create_graph=create_graph, strict=strict, vectorize=vectorize)
    return _unpack(blocks, (inputs_tuple, inputs_tuple))


def _jacobian_blocks(i: int, out: Tensor, xs: tuple[Tensor, ...], create_graph: bool, strict: bool) -> tuple:
    """d(out)/d(x) for each x in xs, of shape out.shape + x.shape: row k is the gradient of
    out's k-th element, from a backward pass seeded with the one-hot vector e_k."""
    rows: list[list[Tensor]] = [[] for _ in xs]
    for k in range(out.numel()):
        seed = np.zeros(out.numel(), out.dtype)
        seed[k] = 1
        grads = _grad((out,), xs, (seed.reshape(out.shape),), create_graph=create_graph, retain_graph=True)
        for j, (g, x) in enumerate(zip(grads, xs)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {j}. "
                        "This is not allowed in strict mode."
                    )
                g = zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {j}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            rows[j].append(g)
    return tuple(
        stack(r).reshape(out.shape + x.shape) if r else Tensor(np.zeros(out.shape + x.shape, x.dtype))
        for r, x in zip(rows, xs)
    )


# ---- shared steps ---------------------------------------------------------------------------


def _as_tuple(value: Any, name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether value was a tuple, value as a tuple of Tensors)."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for k, item in enumerate(values):
        if not isinstance(item, Tensor):
            where = f"the value at index {k}" if is_tuple else f"the given {name}"
            raise TypeError(
                f"The {name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                f"{where} has type {type(item)}."
            )
    return is_tuple, values


def _fresh(xs: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """New Tensor objects for the inputs, so derivatives are taken with respect to exactly the
    values passed in, not the same tensors reached another way (say, through a closure).

    Under create_graph an input that requires grad is cloned inside the graph, so results stay
    differentiable with respect to it; otherwise it is detached (a new leaf if need_graph).
    """
    return tuple(
        x.clone() if create_graph and x.requires_grad else x.detach().requires_grad_(need_graph) for x in xs
    )


def _vector(
    v: Tensors | None, refs: tuple[Tensor, ...], refs_tuple: bool, create_graph: bool, fn_name: str,
    when: str,
) -> tuple[Tensor, ...] | None:
    """v as a tuple matched against refs (the tensors it multiplies), or None for "ones" where
    refs is one one-element Tensor."""
    if v is None:
        if len(refs) != 1 or refs[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if {when} with a single element.")
        return None
    _, vs = _as_tuple(v, "v", fn_name)
    vs = _fresh(vs, create_graph, need_graph=False)
    if len(vs) != len(refs):
        if refs_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(vs)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for k, (a, ref) in enumerate(zip(vs, refs)):
        if a.shape != ref.shape:
            prefix = f"Entry {k} in " if refs_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {ref.shape} but got {a.shape}.")
    return vs


def _scalar_setup(
    func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None, create_graph: bool, strict: bool,
    fn_name: str,
) -> tuple[bool, tuple[Tensor, ...], tuple[Tensor, ...] | None, Tensor]:
    """The first steps of vhp and hvp: fresh inputs, checked v, and func's one-element output."""
    inputs_tuple, xs = _as_tuple(inputs, "inputs", fn_name)
    xs = _fresh(xs, create_graph, need_graph=True)
    when = "the input to the user-provided function is a single Tensor"
    vs = _vector(v, xs, inputs_tuple, create_graph, fn_name, when)
    out = _single_output(func(*xs), strict, fn_name)
    return inputs_tuple, xs, vs, out


def _single_output(out: Any, strict: bool, fn_name: str) -> Tensor:
    """out, checked to be one Tensor with one element."""
    outputs_tuple, outs = _as_tuple(out, "outputs of the user-provided function", fn_name)
    _require_grad(outs, "outputs", strict)
    if outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if out.numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single element"
        )
    return out


def _grad(
    outputs: tuple[Tensor | None, ...], inputs: tuple[Tensor, ...], grad_outputs: tuple | None = None,
    create_graph: bool = False, retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """engine.grad over the outputs that require grad (the others contribute nothing); None for
    each input no output depends on."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not live:
        return (None,) * len(inputs)
    return engine.grad(
        [o for o, _ in live], list(inputs), [g for _, g in live],
        retain_graph=retain_graph, create_graph=create_graph, allow_unused=True,
    )


_NOT_DIFFERENTIABLE = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be "
    "computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with "
    "respect to input {i} is independent of the input. This is not allowed in strict mode. You should "
    "ensure that your function is twice differentiable and that the jacobian depends on the inputs "
    "(this would be violated by a linear function for example).",
}


def _require_grad(values: tuple[Tensor | None, ...], kind: str, strict: bool) -> None:
    """Under strict, raise unless every value exists and requires grad (kind names the step)."""
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode."
            )
        if not value.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. "
    "This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward "
    "trick to replace forward mode AD.",
}


def _zeros_for_none(
    grads: tuple[Tensor | None, ...], refs: tuple[Tensor, ...], strict: bool, create_graph: bool, stage: str,
) -> tuple[Tensor, ...]:
    """grads with zeros (shaped as refs) for None; under strict, raise instead (stage names the
    step), and under strict with create_graph also for a result that is a constant."""
    result = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode when create_graph=True."
            )
        result.append(g)
    return tuple(result)


def _finish(values: tuple, create_graph: bool) -> tuple:
    """values (nested tuples of Tensors) detached, unless create_graph asked for a graph."""
    if create_graph:
        return values
    return tuple(_finish(v, False) if isinstance(v, tuple) else v.detach() for v in values)


def _unpack(values: tuple, was_tuple: bool | tuple[bool, bool]) -> Any:
    """Undo _as_tuple: unwrap the levels (outer, inner) whose argument was not a tuple."""
    if isinstance(was_tuple, bool):
        return values if was_tuple else values[0]
    outer, inner = was_tuple
    if not inner:
        values = tuple(v[0] for v in values)
    return values if outer else values[0]


def _check_strategy(strategy: str, fn_name: str, name: str) -> None:
    if strategy == "forward-mode":
        raise NotImplementedError(
            f"{fn_name}: {name}='forward-mode' needs forward-mode AD, which autograd_mini does not have; "
            f"{name}='reverse-mode' (the default) computes the same result"
        )
    if strategy != "reverse-mode":
        raise ValueError(f"{fn_name}: {name} must be 'reverse-mode' or 'forward-mode', not {strategy!r}")
