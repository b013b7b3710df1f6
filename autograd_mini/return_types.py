"""The named tuples that reductions with indices return, as in `torch.return_types`.

    values, indices = x.max(dim=1)       # or x.max(dim=1).values, .indices
    values, indices = x.sort(dim=1)      # likewise sort and topk
    hist, bin_edges = am.histogram(x, bins=10)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from autograd_mini.tensor import Tensor


class max(NamedTuple):  # noqa: A001 (PyTorch's name)
    """The largest values along a dim, and the index of each (the first, at a tie)."""

    values: Tensor
    indices: Tensor


class min(NamedTuple):  # noqa: A001 (PyTorch's name)
    """The smallest values along a dim, and the index of each (the first, at a tie)."""

    values: Tensor
    indices: Tensor


class sort(NamedTuple):
    """The values along a dim in order, and the index of each in the input."""

    values: Tensor
    indices: Tensor


class topk(NamedTuple):
    """The k largest (or smallest) values along a dim, in order, and the index of each."""

    values: Tensor
    indices: Tensor


class histogram(NamedTuple):
    """The counts in each bin, and the bins' edges (one more than the counts)."""

    hist: Tensor
    bin_edges: Tensor
