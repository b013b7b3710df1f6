"""Scaled dot-product attention as one fused node: softmax(q @ kᵀ · scale + mask) @ v.

Unfused, the same is four or five nodes (and a dropout's product),

    weights = softmax(q @ k.transpose(-2, -1) * scale + mask, dim=-1)
    out = weights @ v

which is what `attention_unfused` below computes, and what the tests compare the fused node
with. A small transformer spends its time on the Python overhead of each node, not on the
arithmetic, so one node for the whole of attention pays.

Backward reads the weights forward kept; under create_graph it recomputes them from q, k and
the mask as Tensors, so that the second derivative flows through the softmax too.
"""

from __future__ import annotations

import numpy as np

from autograd_mini.function import Function
from autograd_mini.tensor import Tensor


def _array(x):
    return x._array if isinstance(x, Tensor) else x


def safe_softmax(scores):
    """softmax along the last axis, on arrays and Tensors alike. A row whose every score is
    -inf (every key masked out) gets weights of 0 rather than 0/0, as PyTorch's attention does.
    An array of scores is overwritten with the weights: no new array of the scores' size."""
    top = _array(scores).max(axis=-1, keepdims=True)  # a constant shift: softmax does not see it
    top[top == -np.inf] = 0
    if isinstance(scores, Tensor):  # create_graph: recorded, out of place
        e = np.exp(scores - top)
        total = e.sum(axis=-1, keepdims=True)
        return e / (total + (_array(total) == 0))
    scores -= top
    np.exp(scores, out=scores)
    total = np.einsum("...j->...", scores)[..., None]  # row sums: faster than sum() on short rows
    total[total == 0] = 1
    scores /= total
    return scores


def attention_weights(q, k, mask, scale: float):
    """softmax(q @ kᵀ · scale + mask): (..., L, E), (..., S, E), mask broadcastable to (..., L, S)."""
    if isinstance(k, np.ndarray):  # NumPy's batched matmul is fastest on a contiguous kᵀ
        k = np.ascontiguousarray(k)
    scores = (q * scale) @ k.swapaxes(-1, -2)  # scaling q, not the scores: E numbers per query, not S
    if mask is not None:
        if fits_in_place(scores, mask):
            scores += mask  # scores is new: no second array of its size
        else:
            scores = scores + mask
    return safe_softmax(scores)


def fits_in_place(scores, mask) -> bool:
    """Whether `scores += mask` gives what `scores + mask` would: both arrays, the same dtype,
    and a mask that broadcasts onto the scores without enlarging them."""
    return (isinstance(scores, np.ndarray) and isinstance(mask, np.ndarray) and mask.dtype == scores.dtype
            and np.broadcast_shapes(mask.shape, scores.shape) == scores.shape)


class ScaledDotProductAttention(Function):
    """softmax(q @ kᵀ · scale + mask) · dropped @ v in one node.

    q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev); the batch dims broadcast.
    mask: None or a float array or Tensor added to the scores, broadcastable to (..., L, S)
    (-inf shuts a key out); it gets a gradient if it requires one. dropped: None, or dropout's
    mask (0, or 1 / (1 - p)) of the weights' shape (..., L, S), a constant.
    """

    @staticmethod
    def forward(ctx, q, k, v, mask, dropped, *, scale):
        ctx.weights = attention_weights(q, k, mask, scale)
        ctx.scale = scale
        ctx.save_for_backward(q, k, v, mask, dropped)
        kept = ctx.weights if dropped is None else ctx.weights * dropped
        return kept @ v

    @staticmethod
    def backward(ctx, grad):
        q, k, v, mask, dropped = ctx.saved_tensors
        need_q, need_k, need_v, need_mask, _ = ctx.needs_input_grad
        if isinstance(q, Tensor) or isinstance(k, Tensor) or isinstance(mask, Tensor):  # create_graph
            weights = attention_weights(q, k, mask, ctx.scale)
        else:
            weights = ctx.weights
        kept = weights if dropped is None else weights * dropped
        grad_v = kept.swapaxes(-1, -2) @ grad if need_v else None
        if not (need_q or need_k or need_mask):
            return None, None, grad_v, None, None
        grad_kept = grad @ v.swapaxes(-1, -2)
        grad_weights = grad_kept if dropped is None else grad_kept * dropped
        grad_scores = softmax_backward(weights, grad_weights)
        grad_q = (grad_scores @ k) * ctx.scale if need_q else None
        grad_k = (grad_scores.swapaxes(-1, -2) @ q) * ctx.scale if need_k else None
        return grad_q, grad_k, grad_v, grad_scores if need_mask else None, None


def softmax_backward(weights, grad):
    """softmax's vector-Jacobian product along the last axis, w · (g - sum(g · w)), with w the
    weights and g the gradient of them. An array g is overwritten (the caller's own, new)."""
    if isinstance(weights, Tensor) or isinstance(grad, Tensor):  # create_graph: recorded
        return weights * (grad - (grad * weights).sum(axis=-1, keepdims=True))
    grad -= np.einsum("...ij,...ij->...i", grad, weights)[..., None]  # sum(g · w) per row, no g · w array
    grad *= weights
    return grad


def attention_unfused(q: Tensor, k: Tensor, v: Tensor, mask, dropped, scale: float) -> tuple[Tensor, Tensor]:
    """(weights @ v, weights) with weights = softmax(q @ kᵀ · scale + mask) · dropped, from
    separate nodes: the reference the fused node agrees with, and the path that returns the
    weights. Its plain softmax gives NaN weights to a row with every key masked, as PyTorch's
    MultiheadAttention does when it returns the weights."""
    scores = (q @ k.transpose(-2, -1)) * scale
    if mask is not None:
        scores = scores + mask
    weights = scores.softmax(-1)
    if dropped is not None:
        weights = weights * dropped
    return weights @ v, weights
