"""Collation: a list of samples becomes one batch, field by field, as torch's default_collate does."""

from __future__ import annotations

import collections.abc
from typing import Any

import numpy as np

from autograd_mini.functions import stack
from autograd_mini.tensor import Tensor


def _stack_tensors(batch: list[Tensor]) -> Tensor:
    for i, t in enumerate(batch):
        if t.shape != batch[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(batch[0].shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}"
            )
    return stack(batch)


def default_collate(batch: list[Any]) -> Any:
    """Samples to a batch: tensors and arrays stack (a new first dim), numbers become 1-d tensors
    (float -> float64, int -> int64, bool -> bool), strings stay a list, and tuples, lists,
    namedtuples and dicts are collated field by field, recursively."""
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack_tensors(batch)
    if isinstance(first, (np.ndarray, np.number, np.bool_)):
        if isinstance(first, np.ndarray) and first.dtype.kind in "USO":
            raise TypeError(f"default_collate: cannot stack NumPy arrays of dtype {first.dtype}")
        return _stack_tensors([Tensor._make(np.asarray(a), None, False) for a in batch])
    if isinstance(first, bool):
        return Tensor._make(np.asarray(batch, dtype=np.bool_), None, False)
    if isinstance(first, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64), None, False)
    if isinstance(first, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64), None, False)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]  # a list, tuples too, as PyTorch
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(first)}"
    )


def default_convert(data: Any) -> Any:
    """An unbatched sample's NumPy arrays become tensors, inside tuples, lists and dicts too."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return Tensor._make(data, None, False)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data
