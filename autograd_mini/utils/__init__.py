"""torch.utils's names: data (Dataset, DataLoader, samplers)."""

from autograd_mini.utils import data

__all__ = ["data"]
