"""The random source behind randn, rand, weight initialisation and dropout: one seedable Generator."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator, so that initial weights and dropout masks repeat from run to run."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The NumPy Generator that autograd_mini draws from."""
    return _generator
