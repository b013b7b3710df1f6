"""Matrix products: `a @ b` with NumPy's rules (1-D operands, batches), and the fused linear layer.

As in PyTorch, the operands of matmul must share one dtype: float32 @ float64 is an error.
PyTorch's linear layer refuses mixed dtypes too; ours promotes them as elementwise ops do, so
float64 data goes through a float32 model (in float64) and integer data takes the weight's dtype.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import cast, require_same, result_type
from autograd_mini.function import Function


class Matmul(Function):
    shape_failure = "do not align"

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is not type(b) or a.dtype is not b.dtype:
            require_same("matmul", a, b)
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Treat a 1-D `a` as a row (1, n) and a 1-D `b` as a column (n, 1), and give the
        # gradient the dims that matmul dropped for them, so the 2-D rules below hold.
        shape, b_is_vector = grad.shape, b.ndim == 1
        if b_is_vector:
            b, shape = b.reshape(-1, 1), shape + (1,)
        if a.ndim == 1:
            a, shape = a.reshape(1, -1), shape[:-1] + (1,) + shape[-1:]
        grad = grad.reshape(shape)
        # Batch dims broadcast in the product: the engine sums them back to each input's shape.
        grad_a = grad @ b.swapaxes(-1, -2) if need_a else None
        grad_b = a.swapaxes(-1, -2) @ grad if need_b else None
        if need_b and b_is_vector:
            grad_b = grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b


class Linear(Function):
    """x @ weight.T + bias in one node: x (..., in), weight (out, in), bias (out,) or None.

    The result has shape (..., out).
    """

    shape_failure = "do not align"

    @staticmethod
    def forward(ctx, x, weight, bias):
        if x.dtype is not weight.dtype or (bias is not None and bias.dtype is not weight.dtype):
            return Linear.promoted_forward(ctx, x, weight, bias)
        ctx.save_for_backward(x, weight)
        out = x @ weight.T if x.ndim <= 2 else _merged_batch_product(x, weight)
        if bias is not None:
            out += bias  # in place: `out` is new, and this saves one array per layer
        return out

    @staticmethod
    def promoted_forward(ctx, x, weight, bias):
        """Operands of two dtypes, computed in the dtype `+` gives them (PyTorch refuses them)."""
        dtype = result_type(x, weight, bias)
        x = cast(x, dtype)
        ctx.save_for_backward(x, weight)
        out = x @ weight.T if x.ndim <= 2 else _merged_batch_product(x, weight)
        out = out.astype(dtype, copy=False)  # wide enough for the bias too
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if x.ndim == 2:
            flat_grad, flat_x = grad, x
            grad_x = grad @ weight if need_x else None
        else:  # merge the batch dims: (batch, out) and (batch, in), one matrix product each
            flat_grad, flat_x = grad.reshape(-1, weight.shape[0]), x.reshape(-1, weight.shape[1])
            grad_x = (flat_grad @ weight).reshape(x.shape) if need_x else None
        grad_w = flat_grad.T @ flat_x if need_w else None
        grad_b = flat_grad.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


def _merged_batch_product(x, weight):
    """x (..., in) @ weight.T as one matrix product over the merged batch dims: faster than
    NumPy's batched loop."""
    return (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(x.shape[:-1] + (weight.shape[0],))


def einsum(equation: str, *operands):
    """np.einsum on arrays; recorded as an Einsum when any operand is a Tensor (create_graph)."""
    if all(isinstance(x, (np.ndarray, np.generic)) for x in operands):
        return np.einsum(equation, *operands)
    return Einsum.apply(*operands, equation=equation)


class Einsum(Function):
    """A sum of products named by subscripts, as "ij,jk->ik", in explicit form (see
    autograd_mini.linalg.explicit_equation). Each operand's gradient is the einsum of the
    incoming gradient with the other operands, onto that operand's subscripts; a subscript found
    in no other place is summed over in forward, so its gradient is spread by a vector of ones.
    """

    shape_failure = "do not match the subscripts"

    @staticmethod
    def forward(ctx, *operands, equation):
        ctx.inputs, ctx.output = equation.split("->")
        ctx.inputs = ctx.inputs.split(",")
        ctx.save_for_backward(*operands)
        return np.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = []
        for i, (subscripts, need) in enumerate(zip(ctx.inputs, ctx.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            if len(set(subscripts)) < len(subscripts):
                raise NotImplementedError(
                    f"einsum: no gradient for an operand with a repeated subscript ({subscripts!r})"
                )
            others = [s for j, s in enumerate(ctx.inputs) if j != i]
            seen = ctx.output + "".join(others)
            lonely = [c for c in subscripts if c not in seen]
            ones = [np.ones(operands[i].shape[subscripts.index(c)], grad.dtype) for c in lonely]
            terms = ",".join([ctx.output, *others, *lonely])
            rest = [x for j, x in enumerate(operands) if j != i]
            grads.append(einsum(f"{terms}->{subscripts}", grad, *rest, *ones))
        return tuple(grads)
