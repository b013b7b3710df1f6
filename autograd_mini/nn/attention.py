"""Multi-head attention, as `torch.nn.MultiheadAttention` (which PyTorch keeps in activation.py).

The inputs are projected to queries, keys and values, split into heads, attended to with one
fused scaled dot-product attention node, merged and projected back. Self-attention (query, key
and value the same tensor) projects all three with one matrix product.

Errors name the layer, the shapes and how they were read: with batch_first=False (the default)
a batched input is (sequence, batch, embedding), so a (batch, sequence, embedding) tensor is
read the wrong way round, which is the usual cause of a mask's shape not fitting.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn import init
from autograd_mini.nn.functional_attention import additive_mask, dropout_mask
from autograd_mini.nn.linear import Linear
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.ops.attention import ScaledDotProductAttention, attention_unfused
from autograd_mini.ops.linalg import Linear as LinearOp
from autograd_mini.tensor import Tensor, get_default_dtype


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x._array if isinstance(x, Tensor) else x))


class MultiheadAttention(Module):
    """Attention with num_heads heads of embed_dim / num_heads features each.

    query (L, N, E), key (S, N, kdim), value (S, N, vdim) -> output (L, N, E), with
    batch_first=True (N, L, E) and so on; unbatched inputs drop N. Parameters, as PyTorch names
    them: in_proj_weight (3E, E), or q_proj_weight (E, E), k_proj_weight (E, kdim) and
    v_proj_weight (E, vdim) when kdim or vdim differ from E; in_proj_bias (3E,); out_proj, a
    Linear(E, E). The projections are drawn by xavier_uniform_, the biases start at zero.
    dropout drops attention weights in training.
    """

    def __init__(
        self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
        add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
        vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                f"embed_dim={embed_dim} and num_heads={num_heads}"
            )
        if embed_dim % num_heads:
            raise AssertionError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, but embed_dim={embed_dim} "
                f"and num_heads={num_heads}"
            )
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        super().__init__()
        check_device(device, "MultiheadAttention")
        dtype = get_default_dtype() if dtype is None else dtype
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """xavier_uniform_ for the input projections, zeros for the biases, as PyTorch."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(
        self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
        need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """(output, weights): output (L, N, E) ((N, L, E) with batch_first), weights (N, L, S)
        averaged over the heads, (N, num_heads, L, S) with average_attn_weights=False, or None
        with need_weights=False (the faster path).

        key_padding_mask (N, S): True (or -inf) for keys to leave out, e.g. padding. attn_mask
        (L, S) or (N·num_heads, L, S): True (or -inf) for query-key pairs to leave out; a float
        mask is added to the scores. is_causal is a hint that attn_mask is the causal mask; the
        mask must still be given (`Transformer.generate_square_subsequent_mask`).
        """
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise AssertionError(
                f"{self._name()}: query, key and value must all be 3-D, batched, or all 2-D, unbatched "
                f"(sequence, embedding): query {query.shape}, key {key.shape}, value {value.shape}"
            )
        if not batched:  # one sequence: run as a batch of one, (T, 1, E), and drop it again
            unsqueezed = {id(x): x.unsqueeze(1) for x in (query, key, value)}  # self-attention stays so
            query, key, value = (unsqueezed[id(x)] for x in (query, key, value))
        seq_first = not self.batch_first or not batched
        batch, length, source_length = self._check_inputs(query, key, value, seq_first)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "MultiheadAttention: need attn_mask if specifying the is_causal hint. You may use the "
                "Transformer module method `generate_square_subsequent_mask` to create this mask."
            )
        mask = self._merged_mask(
            attn_mask, key_padding_mask, batch, length, source_length, query.dtype, batched
        )
        q, k, v = self._in_projection(query, key, value, seq_first)
        dropped = dropout_mask(
            (batch, self.num_heads, length, source_length), self.dropout if self.training else 0.0, q.dtype
        )
        scale = 1 / math.sqrt(self.head_dim)
        if need_weights:
            out, weights = attention_unfused(q, k, v, mask, dropped, scale)
        else:
            out, weights = ScaledDotProductAttention.apply(q, k, v, mask, dropped, scale=scale), None
        # (N, H, L, D) -> (L, N, H, D) or (N, L, H, D) -> merge the heads
        out = out.permute((2, 0, 1, 3) if seq_first else (0, 2, 1, 3)).reshape(query.shape[:2] + (-1,))
        out = self.out_proj(out)
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out = out.squeeze(1)
            weights = None if weights is None else weights.squeeze(0)
        return out, weights

    # ---- the steps of forward -------------------------------------------------------------------

    def _name(self) -> str:
        return (
            f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"batch_first={self.batch_first})"
        )

    def _check_inputs(
        self, query: Tensor, key: Tensor, value: Tensor, seq_first: bool
    ) -> tuple[int, int, int]:
        """(N, L, S) from the inputs' shapes, which must agree with each other and the layer."""
        name, shapes = self._name(), f"query {query.shape}, key {key.shape}, value {value.shape}"
        layout = "(sequence, batch, embedding)" if seq_first else "(batch, sequence, embedding)"
        if query.shape[2] != self.embed_dim:
            raise AssertionError(
                f"{name}: was expecting embedding dimension of {self.embed_dim}, but got {query.shape[2]} "
                f"(query of shape {query.shape})"
            )
        if (key.shape[2], value.shape[2]) != (self.kdim, self.vdim):
            raise AssertionError(
                f"{name}: key and value must have {self.kdim} and {self.vdim} features (kdim and vdim), "
                f"got {shapes}"
            )
        batch_dim = 1 if seq_first else 0
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"{name}: key and value must agree in sequence and batch size: {shapes}")
        if query.shape[batch_dim] != key.shape[batch_dim]:
            raise AssertionError(
                f"{name}: query and key must have the same batch size, but read as {layout} (batch_first="
                f"{self.batch_first}) {shapes} have batch sizes {query.shape[batch_dim]} and "
                f"{key.shape[batch_dim]}"
            )
        return query.shape[batch_dim], query.shape[1 - batch_dim], key.shape[1 - batch_dim]

    def _merged_mask(
        self, attn_mask: Any, key_padding_mask: Any, batch: int, length: int, source_length: int,
        dtype: np.dtype, batched: bool,
    ) -> Any:
        """attn_mask and key_padding_mask as one float mask to add to the scores, broadcastable
        to (N, H, L, S); None if neither is given."""
        name, heads = self._name(), self.num_heads
        mask = None
        if attn_mask is not None:
            shape = _shape(attn_mask)
            per_head = (batch * heads if batched else heads, length, source_length)
            if shape not in ((length, source_length), per_head):
                raise RuntimeError(
                    f"{name}: attn_mask has shape {shape}, but should be (L, S) = {(length, source_length)} "
                    f"or (N·num_heads, L, S) = {per_head}" + self._layout_hint()
                )
            mask = additive_mask(attn_mask, dtype, True, name)
            if len(shape) == 3:
                mask = mask.reshape(batch, heads, length, source_length)
        if key_padding_mask is not None:
            expected = (batch, source_length) if batched else (source_length,)
            if _shape(key_padding_mask) != expected:
                raise AssertionError(
                    f"{name}: key_padding_mask has shape {_shape(key_padding_mask)}, but should be "
                    f"(N, S) = {expected}" + self._layout_hint()
                )
            padding = additive_mask(key_padding_mask, dtype, True, name).reshape(batch, 1, 1, source_length)
            mask = padding if mask is None else mask + padding
        return mask

    def _layout_hint(self) -> str:
        if self.batch_first:
            return " (batch_first=True: inputs are read as (batch, sequence, embedding))"
        return " (batch_first=False: inputs are read as (sequence, batch, embedding); is that meant?)"

    def _in_projection(self, query: Tensor, key: Tensor, value: Tensor, seq_first: bool) -> list[Tensor]:
        """q, k, v, each (N, H, T, D): the inputs projected, in as few products as their sameness
        allows (self-attention: one; key is value, as in a decoder's cross-attention: two)."""
        size, weight, bias = self.embed_dim, self.in_proj_weight, self.in_proj_bias

        def bias_of(start: int, stop: int) -> Tensor | None:
            return None if bias is None else bias[start * size : stop * size]

        if not self._qkv_same_embed_dim:
            inputs = zip((query, key, value), (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight))
            return [self._heads(x, w, bias_of(i, i + 1), 1, seq_first)[0] for i, (x, w) in enumerate(inputs)]
        if query is key and key is value:
            return self._heads(query, weight, bias, 3, seq_first)
        if key is value:
            return self._heads(query, weight[:size], bias_of(0, 1), 1, seq_first) + self._heads(
                key, weight[size:], bias_of(1, 3), 2, seq_first
            )
        return [
            self._heads(x, weight[i * size : (i + 1) * size], bias_of(i, i + 1), 1, seq_first)[0]
            for i, x in enumerate((query, key, value))
        ]

    def _heads(
        self, x: Tensor, weight: Tensor, bias: Tensor | None, parts: int, seq_first: bool
    ) -> list[Tensor]:
        """x (T, N, in), or (N, T, in), projected by weight (parts·E, in) and bias, and cut into
        `parts` tensors of (N, H, T, D)."""
        y = LinearOp.apply(x, weight, bias).reshape(x.shape[:2] + (parts, self.num_heads, self.head_dim))
        y = y.permute((2, 1, 3, 0, 4) if seq_first else (2, 0, 3, 1, 4))  # (parts, N, H, T, D)
        return [y[i] for i in range(parts)]
