"""Fused losses: each whole loss, reduction included, is one node with its gradient beside it.

Fusing keeps them numerically stable (no exp that can overflow, no log of 0) and cheap. Each
op takes `reduction` ('mean', 'sum' or 'none') as an option; the elementwise ones also a
`weight` that scales each element's loss before the reduction. Backward recomputes what it needs
from the inputs with operations NumPy arrays and Tensors share, so under create_graph it is
recorded and the losses can be differentiated twice. The argument checks live in
`autograd_mini.nn.functional_loss`.

The elementwise losses compute in the dtype PyTorch's promotion gives input and target: an
integer or boolean target takes the input's floating dtype; a wider floating one widens it.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.dtypes import promote
from autograd_mini.function import Function
from autograd_mini.ops.activation import sigmoid, softplus
from autograd_mini.tensor import Tensor


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


def loss_gradient(ctx, grad):
    """The gradient reaching each element of an elementwise loss: unreduced, then scaled by the
    loss's weight, if it has one."""
    g = unreduce(grad, ctx.reduction, ctx.count)
    return g if ctx.weight is None else g * ctx.weight


def clamped_log(x):
    """log(x), never below -100 (PyTorch's clamp in binary_cross_entropy): log(0) costs 100, not inf.

    x is first raised to the dtype's smallest subnormal, whose log is below -100 in float32
    and float64, so nothing warns and the clamp gives exactly -100.
    """
    return np.maximum(np.log(np.maximum(x, np.finfo(x.dtype).smallest_subnormal)), -100)


class ElementwiseLoss(Function):
    """A loss of input and target of one shape: subclasses give the per-element `elementwise`
    loss (with their own options) and backward; forward saves both inputs, weighs each
    element's loss by `weight` (broadcast to the input's shape) and reduces."""

    @staticmethod
    def forward(ctx, input, target, *, reduction, weight=None, **options):
        dtype = None
        if input.dtype is not target.dtype:
            input, target, dtype = promote(input, target)
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.count, ctx.weight, ctx.options = reduction, input.size, weight, options
        loss = ctx.elementwise(input, target, **options)
        loss = reduce_loss(loss if weight is None else loss * weight, reduction)
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
        g = 2 * loss_gradient(ctx, grad) * (input - target)
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
        g = loss_gradient(ctx, grad)
        need_x, need_y = ctx.needs_input_grad
        grad_x = g * (x - y) / np.maximum((1 - x) * x, 1e-12) if need_x else None
        grad_y = g * (clamped_log(1 - x) - clamped_log(x)) if need_y else None
        return grad_x, grad_y


class BinaryCrossEntropyWithLogits(ElementwiseLoss):
    """-(p·y·log σ(x) + (1 - y)·log(1 - σ(x))) for logits x, where p (pos_weight, broadcast along
    the last dim) weighs the positive class; computed as PyTorch does, as
    (1 - y)·x + (1 + (p - 1)·y)·softplus(-x), with softplus(-x) = max(-x, 0) + log(1 + e^-|x|):
    finite for any finite x, and at infinite x NaN or infinite just where PyTorch's is."""

    @staticmethod
    def elementwise(x, y, pos_weight=None):
        if pos_weight is None:
            return (1 - y) * x + np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        return (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus(-x)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = loss_gradient(ctx, grad)
        need_x, need_y = ctx.needs_input_grad
        pos_weight = ctx.options.get("pos_weight")
        if pos_weight is None:
            return g * (sigmoid(x) - y) if need_x else None, -g * x if need_y else None
        grad_x = g * ((1 - y) - (1 + (pos_weight - 1) * y) * sigmoid(-x)) if need_x else None
        grad_y = g * ((pos_weight - 1) * softplus(-x) - x) if need_y else None
        return grad_x, grad_y


class AbsoluteError(ElementwiseLoss):
    """|input - target|; its gradient is sign(input - target), 0 where the two are equal."""

    @staticmethod
    def elementwise(input, target):
        return np.abs(input - target)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        g = loss_gradient(ctx, grad) * np.sign(input - target)
        need_input, need_target = ctx.needs_input_grad
        return g if need_input else None, -g if need_target else None


class Huber(ElementwiseLoss):
    """With d = input - target: d²/2 where |d| < delta, else delta·(|d| - delta/2), all divided by
    `divisor`. Quadratic near the target, linear beyond, so outliers pull with a force of at most
    delta; the gradient is clip(d, -delta, delta) / divisor.

    huber_loss(delta) has divisor 1; smooth_l1_loss(beta) is huber_loss(delta=beta) / beta.
    """

    @staticmethod
    def elementwise(input, target, delta, divisor):
        d = input - target
        distance = np.abs(d)
        return np.where(distance < delta, 0.5 * d * d, delta * (distance - 0.5 * delta)) / divisor

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        delta, divisor = ctx.options["delta"], ctx.options["divisor"]
        g = loss_gradient(ctx, grad) * np.clip(input - target, -delta, delta) / divisor
        need_input, need_target = ctx.needs_input_grad
        return g if need_input else None, -g if need_target else None


class KLDivergence(ElementwiseLoss):
    """target·(log target - input), the pointwise KL divergence of the distribution whose
    log-probabilities are input from the target's, with 0·log 0 = 0 (as xlogy); a negative target
    gives NaN. With log_target, target holds log-probabilities too: e^target·(target - input)."""

    @staticmethod
    def elementwise(input, target, log_target):
        if log_target:
            return np.exp(target) * (target - input)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(target == 0, 0, target * np.log(target)) - target * input

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        g = loss_gradient(ctx, grad)
        need_input, need_target = ctx.needs_input_grad
        if ctx.options["log_target"]:
            p = np.exp(target)
            return -g * p if need_input else None, g * p * (target - input + 1) if need_target else None
        grad_target = None
        if need_target:
            # xlogy(t, t)'s two partials, log t and t/t: NaN where t = 0, as PyTorch gives.
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_target = g * (np.log(target) + target / target - input)
        return -g * target if need_input else None, grad_target


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
        picked = np.take_along_axis(shifted, index, axis=axis)  # read before exp overwrites it
        log_norm = np.log(np.exp(shifted, out=shifted).sum(axis=axis, keepdims=True))
        loss = (log_norm - picked).squeeze(axis)
        ctx.save_for_backward(logits)
        ctx.shift, ctx.index, ctx.axis, ctx.reduction = shift, index, axis, reduction
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        g = unreduce(grad, ctx.reduction, ctx.index.size)
        if ctx.reduction == "none":
            g = g.reshape(ctx.shift.shape)  # (N, 1, d1, ...): one value per sample, over the classes
        # The shift is a constant: softmax does not change when one is subtracted from a row.
        if isinstance(logits, Tensor) or isinstance(g, Tensor):  # create_graph: recorded
            e = np.exp(logits - ctx.shift)
            classes = np.arange(logits.shape[ctx.axis]).reshape((-1,) + (1,) * (logits.ndim - 1 - ctx.axis))
            one_hot = (ctx.index == classes).astype(logits.dtype)
            return g * (e / e.sum(axis=ctx.axis, keepdims=True) - one_hot), None
        # The same in one new array: softmax, less 1 at each target's class, times g.
        grad_logits = np.subtract(logits, ctx.shift)
        np.exp(grad_logits, out=grad_logits)
        grad_logits /= grad_logits.sum(axis=ctx.axis, keepdims=True)
        at_target = np.take_along_axis(grad_logits, ctx.index, axis=ctx.axis)
        np.put_along_axis(grad_logits, ctx.index, at_target - 1, axis=ctx.axis)
        grad_logits *= g
        return grad_logits, None


class NegativeLogLikelihood(Function):
    """-weight·input[target]: the log-probability that input (N, C, d1, ...) or (C,), classes on
    axis 1 (0 unbatched), gives each target class, weighed.

    Options, made by the caller from the targets: index, the class of each target with the class
    axis back as size 1 (any class where a target is ignored); weight, each target's weight in the
    same shape, 0 where ignored; kept, where a target is not ignored; total, the sum of weight,
    which 'mean' divides by (giving NaN when it is 0, as 0/0). The gradient is -weight (over total
    for 'mean') at each target's class and 0 at every other.
    """

    @staticmethod
    def forward(ctx, input, *, index, weight, kept, total, reduction):
        axis = 1 if input.ndim > 1 else 0
        loss = -(np.take_along_axis(input, index, axis=axis) * weight).squeeze(axis)
        ctx.shape, ctx.dtype, ctx.axis = input.shape, input.dtype, axis
        ctx.index, ctx.weight, ctx.kept, ctx.total, ctx.reduction = index, weight, kept, total, reduction
        if reduction == "mean":
            return loss.sum() / total if total else loss.sum() * np.nan
        return loss.sum() if reduction == "sum" else loss

    @staticmethod
    def backward(ctx, grad):
        weight = ctx.weight
        if ctx.reduction == "mean":
            with np.errstate(divide="ignore", invalid="ignore"):  # a total of 0: 0/0 at kept targets
                weight = np.where(ctx.kept, weight / ctx.total, 0)
        elif ctx.reduction == "none":
            grad = grad.reshape(ctx.index.shape)  # (N, 1, d1, ...): one value per target, over the classes
        pattern = np.zeros(ctx.shape, ctx.dtype)
        np.put_along_axis(pattern, ctx.index, weight, axis=ctx.axis)
        return -grad * pattern
