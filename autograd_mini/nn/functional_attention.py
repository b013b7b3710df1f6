"""Scaled dot-product attention as a plain function, with PyTorch's name and arguments;
`nn.functional` exports it. The shapes and masks are checked here, once; the work is one fused
op from `autograd_mini.ops.attention`.

Masks come in two kinds, as in PyTorch: a boolean mask says which query-key pairs take part
(True: takes part, here; MultiheadAttention's masks mean the opposite), and a float mask is
added to the scores (-inf shuts a key out). Both become one additive float mask.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from autograd_mini import random
from autograd_mini.ops.attention import ScaledDotProductAttention
from autograd_mini.tensor import Tensor


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x._array if isinstance(x, Tensor) else x))


@functools.cache
def causal_mask(length: int, source_length: int, dtype: np.dtype) -> np.ndarray:
    """(L, S) float mask: 0 where key j <= query i (the top-left triangle), -inf above it.

    Cached and read-only: a model asks for the same one at every step.
    """
    mask = np.triu(np.full((length, source_length), -np.inf, dtype=dtype), 1)
    mask.setflags(write=False)
    return mask


def additive_mask(mask: Any, dtype: np.dtype, masked_when: bool, name: str) -> Any:
    """mask as a float to add to the scores: a boolean one gives -inf where it equals masked_when
    and 0 elsewhere; a float one (a Tensor, which may require grad, or an array) stays as it is."""
    array = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype == np.bool_:
        return np.where(array == masked_when, -np.inf, 0).astype(dtype)
    if array.dtype != dtype:
        raise RuntimeError(f"{name}: a mask must be bool or {dtype} (the query's dtype), not {array.dtype}")
    return mask


def dropout_mask(shape: tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray | None:
    """None for p = 0; else 0 with probability p and 1 / (1 - p) otherwise, from the default
    generator, as F.dropout draws it."""
    if p == 0:
        return None
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p, the probability of zeroing an element, must lie in [0, 1], got {p}")
    mask = (random.numpy_generator().random(shape) >= p).astype(dtype)
    return mask * (1 / (1 - p)) if p < 1 else mask


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of shape broadcasts to target without growing it."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _check_inputs(query: Tensor, key: Tensor, value: Tensor) -> None:
    """Errors, naming the shapes, for query, key and value that cannot be attended with."""
    name = "scaled_dot_product_attention"
    shapes = f"query {query.shape}, key {key.shape}, value {value.shape}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{name}: query, key and value need 2 or more dims, (..., L or S, E): {shapes}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{name}: query and key must have the same embedding size (last dim): {shapes}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{name}: key and value must have the same sequence length (dim -2): {shapes}")
    if not query.dtype == key.dtype == value.dtype:
        dtypes = f"{query.dtype}, {key.dtype}, {value.dtype}"
        raise RuntimeError(f"{name}: expected query, key and value of one dtype, got {dtypes}")


def _batch_shape(query: Tensor, key: Tensor, value: Tensor) -> tuple[int, ...]:
    """The batch dims the three share after broadcasting."""
    try:
        return np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        shapes = f"query {query.shape}, key {key.shape}, value {value.shape}"
        raise RuntimeError(
            f"scaled_dot_product_attention: the batch dims of {shapes} do not broadcast together"
        ) from None


def _repeat_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """key and value with each head repeated so they have as many (dim -3) as query (grouped
    query attention)."""
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if kv_heads != value.shape[-3] or heads % kv_heads:
        raise RuntimeError(
            f"scaled_dot_product_attention: enable_gqa needs the query's heads ({heads}, dim -3) to be a "
            f"multiple of the key's and value's ({kv_heads} and {value.shape[-3]})"
        )
    if heads == kv_heads:
        return key, value
    repeats = heads // kv_heads
    return key.repeat_interleave(repeats, dim=-3), value.repeat_interleave(repeats, dim=-3)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ keyᵀ · scale + mask) @ value: query (..., L, E), key (..., S, E), value
    (..., S, Ev) -> (..., L, Ev), the batch dims broadcasting.

    attn_mask, broadcastable to (..., L, S): boolean (True: the pair takes part) or float (added
    to the scores). is_causal masks key j > query i instead (attn_mask must then be None). scale
    defaults to 1 / sqrt(E). dropout_p > 0 drops weights whenever given (the caller passes 0
    outside training). enable_gqa lets key and value have fewer heads (dim -3) than query, each
    serving a group. A query whose every key is masked gets zeros, as in PyTorch.
    """
    name = "scaled_dot_product_attention"
    _check_inputs(query, key, value)
    if enable_gqa and min(query.ndim, key.ndim, value.ndim) >= 3:
        key, value = _repeat_heads(query, key, value)
    batch = _batch_shape(query, key, value)
    length, source_length = query.shape[-2], key.shape[-2]
    weights_shape = batch + (length, source_length)
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{name}: give attn_mask or is_causal=True, not both")
        mask = causal_mask(length, source_length, query.dtype)
    elif attn_mask is not None:
        if not broadcasts_to(_shape(attn_mask), weights_shape):
            raise RuntimeError(
                f"{name}: attn_mask of shape {_shape(attn_mask)} does not broadcast to the attention "
                f"weights' shape {weights_shape}, (..., L, S)"
            )
        mask = additive_mask(attn_mask, query.dtype, False, name)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    dropped = dropout_mask(weights_shape, dropout_p, query.dtype)
    return ScaledDotProductAttention.apply(query, key, value, mask, dropped, scale=scale)
