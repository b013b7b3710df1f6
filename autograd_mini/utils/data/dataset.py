"""Datasets: map-style (`ds[i]`, `len(ds)`) and iterable ones, and ways to combine and split them."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from typing import Any

from autograd_mini.random import Generator, numpy_generator
from autograd_mini.tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define `__getitem__(index)` and usually `__len__`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define `__iter__`. DataLoader takes no sampler for it."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class TensorDataset(Dataset):
    """Samples are rows of the tensors: ds[i] == (t[i] for t in tensors); all share the first dim."""

    def __init__(self, *tensors: Tensor) -> None:
        sizes = [t.shape[0] if t.shape else None for t in tensors]
        if len(set(sizes)) > 1 or None in sizes:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class Subset(Dataset):
    """The samples of dataset at the given indices, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: index i falls in the first dataset whose cumulative size exceeds it."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes, total = [], 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Fractions summing to 1 become counts: floor(n * f), the remainder added one each, round-robin."""
    if not math.isclose(sum(lengths), 1) or sum(lengths) > 1:
        return list(lengths)
    counts = [int(math.floor(n * f)) for f in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(
    dataset: Dataset, lengths: Sequence[float], generator: Generator | None = None
) -> list[Subset]:
    """Disjoint random Subsets of the given lengths (counts, or fractions summing to 1)."""
    for f in lengths:
        if f < 0:
            raise ValueError(f"random_split: lengths must be non-negative, got {list(lengths)}")
    counts = _split_lengths(lengths, len(dataset))
    if sum(counts) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = numpy_generator(generator).permutation(len(dataset)).tolist()
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start:start + count]))
        start += count
    return subsets
