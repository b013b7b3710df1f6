"""Embedding: a table of learnable vectors, one per index, looked up by integer indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini.device import check_device
from autograd_mini.nn import functional_norm as F
from autograd_mini.nn import init
from autograd_mini.nn.module import Module, Parameter
from autograd_mini.tensor import Tensor, get_default_dtype


class Embedding(Module):
    """A table weight (num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch; called
    on integer indices of any shape, it gives their rows, `(*indices.shape, embedding_dim)`.

    padding_idx: a row that starts as zeros and gets no gradient (a negative one counts from
    the end). max_norm: looked-up rows whose norm_type-norm exceeds it are scaled down to it,
    in place. scale_grad_by_freq: each row's gradient is divided by how often its index occurs
    in the batch. Only dense gradients (sparse=False) are supported. See `F.embedding`.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device, "Embedding")
        if sparse:
            raise NotImplementedError("Embedding: sparse gradients are not supported; use sparse=False")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = F.padding_index(padding_idx, num_embeddings)
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
            table = np.empty((num_embeddings, embedding_dim), dtype=dtype)
            self.weight = Parameter(table, requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the table from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._array[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
            self.sparse,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding a copy of embeddings (num_embeddings, embedding_dim), frozen
        (requires_grad=False) unless freeze=False. The padding row is kept as given."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
            _freeze=freeze,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return text
