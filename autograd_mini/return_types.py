"""The named tuples that reductions with indices return, as in `torch.return_types`.

    values, indices = x.max(dim=1)       # or x.max(dim=1).values, .indices
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
