"""Elementwise functions of one tensor that choose or mask (abs, relu, clamp, nan_to_num, the
sigmoid), the elementwise choices between two (maximum, minimum, where), and dtype casts.

The exp and log family, powers, trigonometric, special and rounding functions each have their
own file in `autograd_mini.ops`.

Backward formulas use only what NumPy arrays and Tensors share, so the same line computes a
plain gradient or records a differentiable one. Masks computed in forward are constants.

The sigmoid of integer or boolean tensors gives the default dtype, and the choices between two
follow PyTorch's promotion, as in `autograd_mini.dtypes`.
"""

from __future__ import annotations

import functools

import numpy as np

from autograd_mini.dtypes import FLOATS, NUMBERS, cast, promote, result_type, to_float
from autograd_mini.function import Function
from autograd_mini.limits import check_fits

# The signed integer of each float's size, whose bit patterns a mask can select from.
_BITS_OF = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def pass_where(mask: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """grad where mask holds, else +0: np.where(mask, grad, 0), without its branches.

    np.where decides element by element, which costs ten times a product when the mask is as
    random as ReLU's; a product grad * mask would turn an infinite gradient into NaN where the
    mask is 0. So the mask becomes all-ones or all-zeros bit patterns (-1 or 0 as integers of
    the float's size), ANDed with grad's bits. A Tensor gradient (create_graph), another dtype,
    a 0-d gradient or a mask to broadcast takes np.where.
    """
    bits = _BITS_OF.get(grad.dtype) if type(grad) is np.ndarray and grad.ndim else None
    if bits is None or type(mask) is not np.ndarray or mask.shape != grad.shape:
        return np.where(mask, grad, 0)
    keep = np.negative(mask.view(np.int8), dtype=bits)
    return np.bitwise_and(grad.view(bits), keep, out=keep).view(grad.dtype)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        # The gradient is sign(x): 0 at 0, and 0 at NaN too (np.sign gives NaN), as in PyTorch.
        ctx.sign = np.where(x != x, 0, np.sign(x))
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.sign


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        # 1 / (1 + e^-x), with x raised to the floor below which e^-x would overflow (the result
        # there is below 1e-37 in float32 and float64). In place on one new array, out given
        # positionally: the cheapest way through NumPy for the small arrays where speed matters.
        if x.dtype not in FLOATS:
            x = to_float(x)
        out = np.maximum(x, _exp_floor(x.dtype))
        if type(out) is not np.ndarray:  # a 0-d input gives a NumPy scalar
            out = np.array(out)
        np.negative(out, out)
        np.exp(out, out)
        out += 1
        np.reciprocal(out, out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if type(grad) is np.ndarray or isinstance(grad, np.generic):
            return grad * out * (1 - out)
        return SigmoidBackward.apply(grad, out)  # create_graph: one node, see below


class SigmoidBackward(Function):
    """grad · y · (1 - y), sigmoid's backward under create_graph, as one node: its derivative by
    y is grad · (1 - 2y), as PyTorch's. Recorded as products, it would take y on two paths,
    grad · (1 - y) - grad · y, which is inf - inf, NaN, where grad is infinite."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return grad * out * (1 - out)

    @staticmethod
    def backward(ctx, gradgrad):
        grad, out = ctx.saved_tensors
        need_grad, need_out = ctx.needs_input_grad
        by_grad = gradgrad * out * (1 - out) if need_grad else None
        by_out = gradgrad * grad * (1 - 2 * out) if need_out else None
        return by_grad, by_out


@functools.cache
def _exp_floor(dtype: np.dtype) -> np.ndarray:
    """A negative x whose e^-x is still finite in the floating dtype, with margin.

    A 0-d array of the dtype itself: NumPy takes it faster than a Python float, and it cannot
    change the result's dtype.
    """
    return np.array(1 - np.log(np.finfo(dtype).max), dtype=dtype)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)  # not a mask: the next op usually keeps `out` alive anyway
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # Selected, not multiplied: an infinite gradient stays out where x < 0, as in PyTorch;
        # it passes at a NaN input too.
        return pass_where(out != 0, grad)


class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, *, negative_slope):
        ctx.slope = np.where(x > 0, 1, negative_slope).astype(x.dtype, copy=False)
        return x * ctx.slope

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.slope


_BOUNDS = (bool, int, float, type(None))  # clamp bounds NumPy fits to a floating x, as PyTorch does


class Clip(Function):
    """Clamp into [low, high]; the gradient passes where the input lies inside, ends included."""

    @staticmethod
    def forward(ctx, x, *, low, high):
        dtype = None  # an integer x, or tensors as bounds: PyTorch's promotion
        if x.dtype not in FLOATS or type(low) not in _BOUNDS or type(high) not in _BOUNDS:
            dtype = result_type(x, low, high)
            x, low, high = cast(x, dtype), cast(low, dtype), cast(high, dtype)
        ctx.inside = (True if low is None else x >= low) & (True if high is None else x <= high)
        out = np.clip(x, low, high)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return pass_where(ctx.inside, grad)  # selected, as Relu's


class ClampBetween(Function):
    """Clamp into [low, high] where a bound is a tensor of the graph (None: no bound). x gets the
    gradient where it lies inside, ends included; each bound where it is active, as PyTorch."""

    @staticmethod
    def forward(ctx, x, low, high):
        dtype = result_type(x, low, high)
        x, low, high = cast(x, dtype), cast(low, dtype), cast(high, dtype)
        # min(max(x, low), high), each step's winner remembered: where low > high, high wins.
        raised = x if low is None else np.maximum(x, low)
        below = False if low is None else x < low
        ctx.above = False if high is None else raised > high
        ctx.below = np.logical_and(below, np.logical_not(ctx.above))
        ctx.inside = np.logical_not(np.logical_or(below, ctx.above))
        return (raised if high is None else np.minimum(raised, high)).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return pass_where(ctx.inside, grad), pass_where(ctx.below, grad), pass_where(ctx.above, grad)


class NanToNum(Function):
    """NaN, inf and -inf replaced by numbers (None: the dtype's largest and smallest finite
    values); the gradient passes where x is finite, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, *, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return x.copy()  # nothing to replace
        ctx.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.finite


class Maximum(Function):
    """Elementwise larger of two; at ties the gradient is split evenly, as in PyTorch.

    Each operand gets the gradient unless it lost, so where one is NaN (and so is the result)
    both get all of it, as PyTorch gives it. The loser gets 0 by selection, not by multiplying,
    so that an infinite gradient does not make it NaN.
    """

    choose, loses = np.maximum, np.less

    @staticmethod
    def forward(ctx, a, b):
        dtype = None
        if type(a) is not type(b) or a.dtype is not b.dtype:  # mixed operands
            if not (type(b) in NUMBERS and a.dtype in FLOATS):  # NumPy gets a float array and a number right
                a, b, dtype = promote(a, b)
        out = ctx.choose(a, b)
        if dtype is not None:
            out = out.astype(dtype, copy=False)
        ctx.lost_a, ctx.lost_b = ctx.loses(a, b), ctx.loses(b, a)
        ctx.tie = np.equal(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        shared = np.where(ctx.tie, grad * 0.5, grad)
        return np.where(ctx.lost_a, 0, shared), np.where(ctx.lost_b, 0, shared)


class Minimum(Maximum):
    """Elementwise smaller of two, with Maximum's rules for ties and NaNs."""

    choose, loses = np.minimum, np.greater


class Where(Function):
    """`a` where the condition holds, else `b`; each gets the gradient where it was chosen."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = np.array(condition, dtype=bool)  # a copy: the caller may change theirs
        if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype is b.dtype:
            return np.where(ctx.condition, a, b)
        a, b, dtype = promote(a, b)  # the condition takes no part
        # A number must fit the result (1e300 is no float32): the array's dtype unless promoted.
        if dtype is None:  # an array and a Python number
            number, array = (b, a) if type(b) in NUMBERS else (a, b)
            check_fits(number, array.dtype, "where")
        else:
            check_fits(a, dtype, "where")
            check_fits(b, dtype, "where")
        out = np.where(ctx.condition, a, b)
        return out if dtype is None else out.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        c = ctx.condition
        return None, np.where(c, grad, 0), np.where(c, 0, grad)


class Cast(Function):
    """Change the dtype; the engine casts the gradient back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, *, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad
