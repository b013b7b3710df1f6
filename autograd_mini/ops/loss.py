"""Fused losses: each whole loss, reduction included, is one node with its gradient beside it.

Fusing keeps them numerically stable (no exp that can overflow, no log of 0) and cheap. Each
op takes `reduction` ('mean', 'sum' or 'none') as an option. Backward recomputes what it needs
from the inputs with operations NumPy arrays and Tensors share, so under create_graph it is
recorded and the losses can be differentiated twice. The argument checks live in
`autograd_mini.nn.functional`.

The elementwise losses compute in the dtype PyTorch's promotion gives input and target: an
integer or boolean target takes the input's floating dtype; a wider floating one widens it.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import promote
from autograd_mini.function import Function


def reduce_loss(loss, reduction: str):
    """The elementwise loss averaged, summed, or left as it is ('none')."""
    if reduction == "mean":
        if loss.size == 0:  # the mean of no losses is NaN, as in PyTorch (NumPy also warns)
            return loss.sum() * np.nan
        return loss.sum() / loss.size  # as loss.mean(), which costs several µs more on small arrays
    if reduction == "sum":
        return loss.sum()
    return loss


def unreduce(grad, reduction: str, count: int):
    """The gradient reaching each element of the loss, from that of the reduced loss: a scalar
    for 'mean' (divided by the element count) and 'sum', the elementwise gradient for 'none'.
    An empty loss has an empty gradient, so its count of 0 divides nothing."""
    return grad / max(count, 1) if reduction == "mean" else grad


def clamped_log(x):
    """log(x), never below -100 (PyTorch's clamp in binary_cross_entropy): log(0) costs 100, not inf.

    x is first raised to the dtype's smallest subnormal, whose log is below -100 in float32
    and float64, so nothing warns and the clamp gives exactly -100.
    """
    return np.maximum(np.log(np.maximum(x, np.finfo(x.dtype).smallest_subnormal)), -100)


def sigmoid(x):
    """1 / (1 + e^-x) as (1 + tanh(x/2)) / 2: tanh never overflows, and unlike a form built on
    |x| its recorded derivative is right at x = 0 too."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


class ElementwiseLoss(Function):
    """A loss of input and target of one shape: subclasses give the per-element `elementwise`
    loss and backward; forward saves both inputs and reduces."""

    @staticmethod
    def forward(ctx, input, target, *, reduction):
        dtype = None
        if input.dtype is not target.dtype:
            input, target, dtype = promote(input, target)
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.count = reduction, input.size
        loss = reduce_loss(ctx.elementwise(input, target), reduction)
        return loss if dtype is None else loss.astype(dtype, copy=False)

    @staticmethod
    def elementwise(input, target):
        raise NotImplementedError


class SquaredError(ElementwiseLoss):
    """(input - target)²."""

    @staticmethod
    def elementwise(input, target):
        diff = input - target
        return diff * diff

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        g = 2 * unreduce(grad, ctx.reduction, ctx.count) * (input - target)
        need_input, need_target = ctx.needs_input_grad
        return g if need_input else None, -g if need_target else None


class BinaryCrossEntropy(ElementwiseLoss):
    """-(y·log x + (1 - y)·log(1 - x)) for probabilities x, each log clamped at -100.

    The input gradient is PyTorch's (x - y) / max(x(1 - x), 1e-12): the exact derivative away
    from 0 and 1, and finite at them.
    """

    @staticmethod
    def elementwise(x, y):
        return -(y * clamped_log(x) + (1 - y) * clamped_log(1 - x))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = unreduce(grad, ctx.reduction, ctx.count)
        need_x, need_y = ctx.needs_input_grad
        grad_x = g * (x - y) / np.maximum((1 - x) * x, 1e-12) if need_x else None
        grad_y = g * (clamped_log(1 - x) - clamped_log(x)) if need_y else None
        return grad_x, grad_y


class BinaryCrossEntropyWithLogits(ElementwiseLoss):
    """-(y·log σ(x) + (1 - y)·log(1 - σ(x))) for logits x, computed as PyTorch does, as
    (1 - y)·x + max(-x, 0) + log(1 + e^-|x|): finite for any finite x, and at infinite x NaN or
    infinite just where PyTorch's is."""

    @staticmethod
    def elementwise(x, y):
        return (1 - y) * x + np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = unreduce(grad, ctx.reduction, ctx.count)
        need_x, need_y = ctx.needs_input_grad
        return g * (sigmoid(x) - y) if need_x else None, -g * x if need_y else None


class CrossEntropy(Function):
    """-log softmax(logits)[target]: log-softmax and negative log likelihood in one node.

    logits (N, C, d1, ...) with classes on axis 1, or unbatched (C,); target holds integer class
    indices, shaped as logits without the class axis. Subtracting each row's max keeps exp
    finite; the gradient is softmax(logits) - onehot(target), scaled by the reduction.
    """

    @staticmethod
    def forward(ctx, logits, target, *, reduction):
        axis = 1 if logits.ndim > 1 else 0
        shift = logits.max(axis=axis, keepdims=True)
        index = target.reshape(shift.shape).copy()  # the class axis back, as size 1; our own copy
        shifted = logits - shift
        log_norm = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        loss = (log_norm - np.take_along_axis(shifted, index, axis=axis)).squeeze(axis)
        ctx.save_for_backward(logits)
        ctx.shift, ctx.index, ctx.axis, ctx.reduction = shift, index, axis, reduction
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        # The shift is a constant: softmax does not change when one is subtracted from a row.
        e = np.exp(logits - ctx.shift)
        softmax = e / e.sum(axis=ctx.axis, keepdims=True)
        classes = np.arange(logits.shape[ctx.axis]).reshape((-1,) + (1,) * (logits.ndim - 1 - ctx.axis))
        one_hot = (ctx.index == classes).astype(logits.dtype)
        g = unreduce(grad, ctx.reduction, ctx.index.size)
        if ctx.reduction == "none":
            g = g.reshape(ctx.shift.shape)  # (N, 1, d1, ...): one value per sample, over the classes
        return g * (softmax - one_hot), None
