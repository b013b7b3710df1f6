"""torch.utils.data for autograd_mini: datasets, samplers, collation and the DataLoader.

    >>> import autograd_mini as am
    >>> from autograd_mini.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(am.arange(6.0).reshape(3, 2), am.tensor([0, 1, 0]))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [0]]
"""

from autograd_mini.utils.data.collate import default_collate, default_convert
from autograd_mini.utils.data.dataloader import DataLoader
from autograd_mini.utils.data.dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from autograd_mini.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from autograd_mini.utils.data.workers import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler",
    "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
    "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert", "get_worker_info",
    "random_split",
]
