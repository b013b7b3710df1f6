"""All parameters as one flat vector and back, as torch.nn.utils does it (for e.g. line searches)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd_mini.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated, in order: shape (total number of elements,).

    Differentiable: it is built from reshape and cat of the parameters.
    """
    import autograd_mini

    pieces = [p.reshape(-1) for p in parameters]
    if not pieces:
        raise RuntimeError("parameters_to_vector: expected at least one parameter")
    return autograd_mini.cat(pieces)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into the parameters' data, in place (no gradient recorded)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)}, the parameters need ({total},)"
        )
    offset = 0
    flat = vec._array
    for p in parameters:
        n = p.numel()
        p._array[...] = np.reshape(flat[offset:offset + n], p.shape)
        offset += n
