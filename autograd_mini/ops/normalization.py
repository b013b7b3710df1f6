"""Normalisation by statistics of the input: batch, instance and group norm as one fused op.

All three standardise x with a mean and variance taken over some of its axes, then scale and
shift each channel:

    xhat = (x - mean) / sqrt(var + eps),    y = xhat * weight + bias

and differ only in which elements share statistics. `Normalize` views x (N, C, *) so that those
elements lie along a few axes:

    batch norm     (N, C, L)      over axes (0, 2): each channel, across the batch
    group norm     (N, G, C/G, L) over axes (2, 3): each group of channels, in each sample
    instance norm  is group norm with one channel per group

Unfused, training mode is (with the weight and bias viewed to broadcast along the channels):

    mean = x.mean(axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axes, keepdims=True)
    y = (x - mean) / (var + eps).sqrt() * weight + bias

which records some ten nodes, each of which makes and walks arrays of x's size. The fused op
makes two arrays of x's size forward (x centered, and y, to which the bias is added in place)
and one backward (built up in place), and takes its sums with einsum, which walks the summed
axes without copying. With `training=False` the running statistics stand in for the batch's
and are constants, so the gradient of x is just weight / sqrt(running_var + eps) times that
of y.

Backward is written with operations NumPy arrays and Tensors share. Under create_graph it
recomputes xhat from x as a Tensor, so the statistics' dependence on x is recorded too and the
layers can be differentiated twice.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import Tensor

Shape = tuple[int, ...]


def layout(shape: Shape, groups: int | None) -> tuple[Shape, Shape, Shape]:
    """(view of x, axes the statistics are taken over, view of weight and bias) for x of shape
    (N, C, *): batch statistics for groups=None, else per sample and group of C/groups channels."""
    n, c = shape[0], shape[1]
    length = int(np.prod(shape[2:], dtype=np.int64))
    if groups is None:
        return (n, c, length), (0, 2), (1, c, 1)
    return (n, groups, c // groups, length), (2, 3), (1, groups, c // groups, 1)


def summed(a, axes: tuple[int, ...]):
    """a summed over axes, which stay as size-1 dims. On arrays it is einsum: ndarray.sum walks
    batch norm's axes (0, 2), which are not adjacent, about three times more slowly."""
    if type(a) is not np.ndarray:
        return a.sum(axis=axes, keepdims=True)
    dims = list(range(a.ndim))
    kept = [d for d in dims if d not in axes]
    return np.einsum(a, dims, kept).reshape([1 if d in axes else a.shape[d] for d in dims])


def summed_product(a, b, axes: tuple[int, ...]):
    """(a * b) summed over axes, kept as size-1 dims; on arrays without making a * b."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return (a * b).sum(axis=axes, keepdims=True)
    dims = list(range(a.ndim))
    kept = [d for d in dims if d not in axes]
    return np.einsum(a, dims, b, dims, kept).reshape([1 if d in axes else a.shape[d] for d in dims])


def update_running(running: np.ndarray, batch: np.ndarray, momentum: float) -> None:
    """running <- (1 - momentum)·running + momentum·batch, in place; batch holds one value per
    channel, or one per sample and channel (instance norm), which are averaged over the samples."""
    per_channel = batch.reshape(batch.shape[0], -1).mean(axis=0)
    running[...] = (1 - momentum) * running + momentum * per_channel


class Normalize(Function):
    """Batch, instance or group norm of x (N, C, *), with weight and bias (C,) or None.

    Options: groups (None for batch statistics, else the number of channel groups), eps,
    training (False: normalise with running_mean and running_var instead of the batch's), and
    running_mean, running_var (C,) arrays that training updates in place with `momentum`, the
    variance unbiased as PyTorch does.
    """

    @staticmethod
    def forward(
        ctx, x, weight, bias, *, groups=None, eps=1e-5, training=True, running_mean=None, running_var=None,
        momentum=0.1,
    ):
        view, axes, affine = layout(x.shape, groups)
        xv = x.reshape(view)
        empty = any(view[a] == 0 for a in axes)
        count = max(int(np.prod([view[a] for a in axes])), 1)  # empty: sums of 0 over a count of 1
        if training:
            mean = summed(xv, axes) / count
            centered = xv - mean
            var = summed_product(centered, centered, axes) / count
            if running_mean is not None and not empty:  # an empty batch moves no running statistic
                update_running(running_mean, mean, momentum)
            if running_var is not None and not empty:
                update_running(running_var, var * (count / max(count - 1, 1)), momentum)
        else:
            stat_shape = (1, -1) + (1,) * (len(view) - 2)
            mean = running_mean.reshape(stat_shape).astype(x.dtype, copy=False)
            var = running_var.reshape(stat_shape).astype(x.dtype, copy=False)
            centered = xv - mean
        invstd = 1 / np.sqrt(var + eps)
        # y = xhat·weight + bias with xhat = centered·invstd, folded into one product; backward
        # reads xhat as centered·invstd too, which saves forward a pass over x.
        scale = invstd if weight is None else invstd * weight.reshape(affine)
        result = np.empty(x.shape, np.result_type(centered, scale))
        y = np.multiply(centered, scale, out=result.reshape(view))
        if bias is not None:
            y += bias.reshape(affine)
        ctx.save_for_backward(x, weight)
        ctx.view, ctx.axes, ctx.affine, ctx.count, ctx.training = view, axes, affine, count, training
        ctx.centered, ctx.mean, ctx.invstd, ctx.eps = centered, mean, invstd, eps
        return result

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        axes, count, training = ctx.axes, ctx.count, ctx.training
        z, z_scale, invstd = Normalize.standardized(ctx, x)  # xhat = z·z_scale
        g = grad.reshape(ctx.view)
        w = None if weight is None else weight.reshape(ctx.affine)
        weight_axes = tuple(d for d, n in enumerate(ctx.affine) if n == 1)  # what shares one weight
        grad_x = None
        if all(ctx.affine[a] == 1 for a in axes):
            # One weight per set of shared statistics (batch and instance norm): it factors out
            # of the sums over each set, so two sums serve all three gradients (in eval mode, x's
            # gradient needs none).
            summing = need_x and training or need_weight or need_bias
            if summing:
                sum_g, sum_gxhat = summed(g, axes), summed_product(g, z, axes) * z_scale
            if need_x:
                scale = invstd if w is None else w * invstd
                if training:  # the mean and variance move with x, which takes their share away
                    mean_g, mean_gxhat = sum_g / count, sum_gxhat / count
                    grad_x = scaled_difference(scale, g, mean_g, z, z_scale * mean_gxhat, x.shape)
                else:
                    grad_x = (scale * g).reshape(x.shape)
            across = tuple(d for d in weight_axes if d not in axes)  # instance norm: the batch
            if summing and across:
                sum_g, sum_gxhat = sum_g.sum(axis=across), sum_gxhat.sum(axis=across)
        else:  # group norm: each channel of a group has its own weight and bias
            if need_x:
                gw = g if w is None else g * w
                if training:
                    mean_gw = summed(gw, axes) / count
                    mean_gw_xhat = summed_product(gw, z, axes) * z_scale / count
                    grad_x = scaled_difference(invstd, gw, mean_gw, z, z_scale * mean_gw_xhat, x.shape)
                else:
                    grad_x = (invstd * gw).reshape(x.shape)
            # z_scale differs from sample to sample, so xhat itself enters the weight's sum
            sum_g, sum_gxhat = summed(g, weight_axes), summed_product(g, z * z_scale, weight_axes)
        return (
            grad_x,
            sum_gxhat.reshape(-1) if need_weight else None,
            sum_g.reshape(-1) if need_bias else None,
        )

    @staticmethod
    def standardized(ctx, x):
        """(z, z_scale, invstd) in the op's view, with xhat = z·z_scale and invstd = 1/sqrt(var + eps).

        From forward's arrays, z is x centered and z_scale is invstd. Under create_graph (x a
        Tensor) xhat is recomputed from x and z is xhat itself, so that second derivatives see
        the statistics move with x.
        """
        if not isinstance(x, Tensor):
            return ctx.centered, ctx.invstd, ctx.invstd
        xv = x.reshape(ctx.view)
        if not ctx.training:  # the running statistics: constants
            return (xv - ctx.mean) * ctx.invstd, 1, ctx.invstd
        centered = xv - xv.mean(axis=ctx.axes, keepdims=True)
        invstd = (summed_product(centered, centered, ctx.axes) / ctx.count + ctx.eps) ** -0.5
        return centered * invstd, 1, invstd


def scaled_difference(scale, g, k, z, c, shape: Shape):
    """scale·(g - k - z·c) reshaped to shape, with scale, k and c one number per set of shared
    statistics.

    On arrays it works in place in one new array of that shape, which spares three of its four
    passes an allocation, and the engine a copy: a reshaped view could not become x.grad as it is.
    """
    if type(g) is not np.ndarray or type(z) is not np.ndarray:
        return (scale * (g - k - z * c)).reshape(shape)
    result = np.empty(shape, np.result_type(g, z, c))
    out = np.multiply(z, c, out=result.reshape(z.shape))
    np.subtract(g, out, out=out)
    out -= k
    out *= scale
    return result
